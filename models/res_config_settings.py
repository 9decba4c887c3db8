from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_probability_source = fields.Selection(
        related="company_id.crm_probability_source", readonly=False
    )
    crm_attribution_months = fields.Integer(
        related="company_id.crm_attribution_months", readonly=False
    )
    crm_lead_scope = fields.Selection(
        related="company_id.crm_lead_scope", readonly=False
    )
