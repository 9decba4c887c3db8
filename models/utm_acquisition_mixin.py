from odoo import api, fields, models
from odoo.exceptions import UserError

from .lib import acquisition_math
from .lib import kpi_formulas as kf

# Who sees the figures: sales, marketing and accounting users. Other users of
# campaigns (e-mail marketing, events) keep the stock form, without access errors.
FIGURE_GROUPS = (
    "sales_team.group_sale_salesman,"
    "crm_closed_loop.group_marketing,"
    "account.group_account_invoice,"
    "account.group_account_readonly"
)
# Money is for those who answer for it; salespeople see leads and customers only,
# as on the scorecard.
MONEY_GROUPS = (
    "sales_team.group_sale_manager,"
    "crm_closed_loop.group_marketing,"
    "account.group_account_invoice,"
    "account.group_account_readonly"
)


class UtmAcquisitionMixin(models.AbstractModel):
    """Spend, leads, customers acquired, CAC and attributed revenue on a UTM record
    (campaign or channel), for the current company, with the actions that open the
    records behind each figure."""

    _name = "utm.acquisition.mixin"
    _description = "Acquisition Figures of a Campaign or Channel"

    # "campaign" or "source": the grouping of the KPI engine's marketing figures.
    _acquisition_groupby = None
    # The field pointing to self on crm.lead, crm.customer.acquisition and the
    # marketing analysis, and the one on account.analytic.account.
    _acquisition_lead_field = None
    _acquisition_analytic_field = None

    acquisition_currency_id = fields.Many2one(
        "res.currency", compute="_compute_acquisition_figures", groups=FIGURE_GROUPS
    )
    # A Float: Monetary cannot be company dependent, and the budget is per company.
    marketing_budget = fields.Float(
        string="Planned Budget",
        digits="Account",
        company_dependent=True,
        groups=MONEY_GROUPS,
        help="Marketing budget planned for this company, in its currency.",
    )
    marketing_spend = fields.Monetary(
        string="Spend",
        currency_field="acquisition_currency_id",
        compute="_compute_acquisition_figures",
        groups=MONEY_GROUPS,
    )
    marketing_budget_used = fields.Float(
        string="Budget Used (%)",
        compute="_compute_acquisition_figures",
        groups=MONEY_GROUPS,
    )
    acquisition_lead_count = fields.Integer(
        string="Leads",
        compute="_compute_acquisition_lead_count",
        groups="sales_team.group_sale_salesman",
    )
    acquisition_customer_count = fields.Integer(
        string="Customers Acquired",
        compute="_compute_acquisition_figures",
        groups=FIGURE_GROUPS,
    )
    acquisition_cac = fields.Monetary(
        string="CAC",
        currency_field="acquisition_currency_id",
        compute="_compute_acquisition_figures",
        groups=MONEY_GROUPS,
        help="Spend divided by customers acquired.",
    )
    acquisition_revenue = fields.Monetary(
        string="Attributed Revenue",
        currency_field="acquisition_currency_id",
        compute="_compute_acquisition_figures",
        groups=MONEY_GROUPS,
    )
    acquisition_return_on_spend = fields.Float(
        string="Return on Spend",
        compute="_compute_acquisition_figures",
        groups=MONEY_GROUPS,
        help="Attributed revenue divided by spend.",
    )
    marketing_analytic_account_ids = fields.Many2many(
        "account.analytic.account",
        compute="_compute_marketing_analytic_account_ids",
        string="Marketing Analytic Accounts",
    )

    @api.depends("marketing_budget")
    @api.depends_context("company")
    def _compute_acquisition_figures(self):
        company = self.env.company
        # sudo: crm.closed.loop.kpi - the fields' groups decide who reads these
        # figures; salespeople read the customer count without the analysis
        figures = (
            self.env["crm.closed.loop.kpi"]
            .sudo()
            .get_marketing_figures(
                company.ids, groupby=self._acquisition_groupby, res_ids=self.ids
            )
        )
        empty = kf.marketing_row(0.0, 0, 0.0)
        for record in self:
            row = figures.get((company.id, record.id), empty)
            # Read back through locals: the money fields are not readable by
            # every user who reads the customer count.
            record_spend = row["spend"] or 0.0
            record.acquisition_currency_id = company.currency_id
            record.marketing_spend = record_spend
            record.acquisition_customer_count = row["customers"]
            record.acquisition_revenue = row["revenue"] or 0.0
            record.acquisition_cac = row["cac"] or 0.0
            record.acquisition_return_on_spend = row["return_on_spend"] or 0.0
            # sudo: utm.campaign/utm.source - the budget is read only for the ratio
            budget = record.sudo().marketing_budget
            record.marketing_budget_used = (
                acquisition_math.budget_used_percent(budget, record_spend) or 0.0
            )

    @api.depends_context("company")
    def _compute_acquisition_lead_count(self):
        groups = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            ._read_group(
                [(self._acquisition_lead_field, "in", self.ids)],
                [self._acquisition_lead_field],
                ["__count"],
            )
        )
        counts = {record.id: count for record, count in groups}
        for record in self:
            record.acquisition_lead_count = counts.get(record.id, 0)

    def _compute_marketing_analytic_account_ids(self):
        # sudo: account.analytic.account - names of the linked accounts are not secret
        groups = (
            self.env["account.analytic.account"]
            .sudo()
            ._read_group(
                [(self._acquisition_analytic_field, "in", self.ids)],
                [self._acquisition_analytic_field],
                ["id:array_agg"],
            )
        )
        account_ids = {record.id: ids for record, ids in groups}
        for record in self:
            record.marketing_analytic_account_ids = account_ids.get(record.id, [])

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def _acquisition_document_ids(self, kind):
        """Ids of the records behind this record's spend or revenue figure in the
        current company, by model (see the marketing analysis)."""
        domain = [
            ("company_id", "=", self.env.company.id),
            ("kind", "=", kind),
            (self._acquisition_lead_field, "=", self.id),
        ]
        # sudo: crm.closed.loop.marketing.report - the caller checked its read
        # access to the documents it opens; the list applies its own rules
        return self.env["crm.closed.loop.marketing.report"].sudo()._document_ids(domain)

    def action_create_marketing_analytic_account(self):
        """Create the analytic account of the "Marketing" plan that accountants use
        to tag this record's costs, or open it when one already exists."""
        self.ensure_one()
        Account = self.env["account.analytic.account"]
        plan = self.env["crm.customer.acquisition"]._marketing_plan()
        if not plan:
            raise UserError(
                self.env._("The analytic plan “Marketing” is missing; reinstall it.")
            )
        account = Account.search(
            [(self._acquisition_analytic_field, "=", self.id)], limit=1
        ) or Account.create(
            {
                "name": self.display_name,
                "plan_id": plan.id,
                "company_id": False,
                self._acquisition_analytic_field: self.id,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.analytic.account",
            "res_id": account.id,
            "view_mode": "form",
        }

    def action_view_marketing_spend(self):
        """Journal items of posted entries tagged to this record."""
        self.ensure_one()
        self.env["account.move.line"].check_access("read")
        ids = self._acquisition_document_ids("spend")["account.move.line"]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Spend of %(name)s", name=self.display_name),
            "res_model": "account.move.line",
            "view_mode": "list,form",
            "domain": [("id", "in", ids)],
            "context": {"create": False},
        }

    def action_view_acquisition_leads(self):
        self.ensure_one()
        self.env["crm.lead"].check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Leads of %(name)s", name=self.display_name),
            "res_model": "crm.lead",
            "view_mode": "list,kanban,form",
            "domain": [(self._acquisition_lead_field, "=", self.id)],
            "context": {"active_test": False, "create": False},
        }

    def action_view_acquired_customers(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Customers acquired by %(name)s", name=self.display_name
            ),
            "res_model": "crm.customer.acquisition",
            "view_mode": "list,form",
            "domain": [
                ("company_id", "=", self.env.company.id),
                (self._acquisition_lead_field, "=", self.id),
            ],
        }

    def action_view_attributed_invoices(self):
        self.ensure_one()
        self.env["account.move"].check_access("read")
        move_ids = self._acquisition_document_ids("revenue")["account.move"]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Invoices attributed to %(name)s", name=self.display_name
            ),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", move_ids)],
            "context": {"create": False},
        }

    def action_view_attributed_pos_orders(self):
        self.ensure_one()
        self.env["pos.order"].check_access("read")
        order_ids = self._acquisition_document_ids("revenue")["pos.order"]
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "POS orders attributed to %(name)s", name=self.display_name
            ),
            "res_model": "pos.order",
            "view_mode": "list,form",
            "domain": [("id", "in", order_ids)],
            "context": {"create": False},
        }
