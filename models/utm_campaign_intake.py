from odoo import models


class UtmCampaign(models.Model):
    """Web enquiries match their campaign label through a cache of campaign ids."""

    _name = "utm.campaign"
    _inherit = ["utm.campaign", "crm.closed.loop.cached.config.mixin"]

    _cached_config_fields = ("name", "title")
