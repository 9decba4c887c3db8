from odoo import models


class UtmMedium(models.Model):
    """Web enquiries match their medium label through a cache of medium ids."""

    _name = "utm.medium"
    _inherit = ["utm.medium", "crm.closed.loop.cached.config.mixin"]

    _cached_config_fields = ("name",)
