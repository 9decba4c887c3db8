from odoo import api, fields, models


class AccountAnalyticAccount(models.Model):
    _inherit = "account.analytic.account"

    utm_campaign_id = fields.Many2one(
        "utm.campaign",
        string="Marketing Campaign",
        ondelete="set null",
        index="btree_not_null",
        help="Costs tagged with this account count as spend of the campaign.",
    )
    utm_source_id = fields.Many2one(
        "utm.source",
        string="Marketing Channel",
        ondelete="set null",
        index="btree_not_null",
        help="Costs tagged with this account count as spend of the channel.",
    )
    is_marketing = fields.Boolean(compute="_compute_is_marketing")

    @api.depends("root_plan_id")
    def _compute_is_marketing(self):
        plan = self.env["crm.customer.acquisition"]._marketing_plan()
        for account in self:
            account.is_marketing = bool(plan) and account.root_plan_id == plan
