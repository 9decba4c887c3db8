from odoo import models


class UtmSource(models.Model):
    _name = "utm.source"
    _inherit = ["utm.source", "utm.acquisition.mixin"]

    _acquisition_groupby = "source"
    _acquisition_lead_field = "source_id"
    _acquisition_analytic_field = "utm_source_id"
