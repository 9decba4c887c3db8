from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_lead_scope = fields.Selection(
        related="company_id.crm_lead_scope", readonly=False
    )
