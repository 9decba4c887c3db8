from odoo import models


class UtmCampaign(models.Model):
    _name = "utm.campaign"
    _inherit = ["utm.campaign", "utm.acquisition.mixin"]

    _acquisition_groupby = "campaign"
    _acquisition_lead_field = "campaign_id"
    _acquisition_analytic_field = "utm_campaign_id"
