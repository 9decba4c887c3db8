from odoo import models


class UtmSource(models.Model):
    """Web enquiries match their source label through a cache of source ids."""

    _name = "utm.source"
    _inherit = ["utm.source", "crm.closed.loop.cached.config.mixin"]

    _cached_config_fields = ("name",)
