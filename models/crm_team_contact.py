from odoo import fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    followup_policy_ids = fields.One2many("crm.followup.policy", "team_id")
    sla_breached_count = fields.Integer(
        "Breached follow-ups", compute="_compute_sla_breached_count"
    )

    def _compute_sla_breached_count(self):
        groups = self.env["crm.lead"]._read_group(
            [("team_id", "in", self.ids), ("sla_state", "=", "breached")],
            ["team_id"],
            ["__count"],
        )
        counts = {team.id: count for team, count in groups}
        for team in self:
            team.sla_breached_count = counts.get(team.id, 0)

    def action_open_sla_breached(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_closed_loop.crm_lead_followup_action"
        )
        action["domain"] = [("team_id", "=", self.id), ("sla_state", "=", "breached")]
        action["context"] = {"create": False}
        return action
