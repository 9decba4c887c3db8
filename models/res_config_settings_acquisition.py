from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_attribution_months = fields.Integer(
        related="company_id.crm_attribution_months", readonly=False
    )
