from odoo import api, models


class CrmClosedLoopCachedConfigMixin(models.AbstractModel):
    """Configuration records read through ``ormcache`` on every lead: any change
    that can alter a cached answer clears the registry cache."""

    _name = "crm.closed.loop.cached.config.mixin"
    _description = "Closed-loop configuration read from the cache"

    # Fields whose write can change a cached answer; create and unlink always do.
    _cached_config_fields = ()

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        return records

    def write(self, vals):
        result = super().write(vals)
        if set(self._cached_config_fields) & set(vals):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result
