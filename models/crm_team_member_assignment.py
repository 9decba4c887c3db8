from odoo import models


class CrmTeamMember(models.Model):
    _name = "crm.team.member"
    _inherit = ["crm.team.member", "crm.closed.loop.cached.config.mixin"]

    # Cached: the pools of the assignment rules that take a team's members.
    _cached_config_fields = ("active", "user_id", "crm_team_id", "assignment_optout")
