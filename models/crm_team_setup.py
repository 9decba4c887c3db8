import logging
import re

from odoo import api, models

from .lib import assignment

_logger = logging.getLogger(__name__)


class CrmTeam(models.Model):
    _inherit = "crm.team"

    @api.model
    def _closed_loop_first_run_setup(self, teams=None):
        """Give each sales team a working closed loop, without configuration.

        For every team (``teams``, else all active teams) that lacks one: a
        round-robin assignment rule over its members that matches only the
        team's own leads, a default follow-up policy (first response within one
        business hour on the company's working schedule) and an intake form.
        Teams that already have a rule, a default policy or a form keep theirs,
        so running it again changes nothing.

        :return: dict of the records created, by kind
        """
        teams = self.search([("active", "=", True)]) if teams is None else teams
        created = {
            "rules": self.env["crm.assignment.rule"],
            "policies": self.env["crm.followup.policy"],
            "forms": self.env["crm.intake.form"],
        }
        for team in teams.filtered("active"):
            company = team.company_id or self.env.company
            created["rules"] |= team._closed_loop_setup_rule(company)
            created["policies"] |= team._closed_loop_setup_policy(company)
            created["forms"] |= team._closed_loop_setup_intake_form(company)
        _logger.info(
            "Closed-loop first run: %s rules, %s follow-up policies, %s intake forms",
            len(created["rules"]),
            len(created["policies"]),
            len(created["forms"]),
        )
        return created

    def _closed_loop_setup_rule(self, company):
        self.ensure_one()
        Rule = self.env["crm.assignment.rule"].with_context(active_test=False)
        if Rule.search_count([("team_id", "=", self.id)], limit=1):
            return Rule.browse()
        # The domain on the team keeps the rule off the leads of every other
        # team, including teams created later, which keep Odoo's own assignment.
        return Rule.create(
            {
                "name": self.env._("%(team)s: round robin", team=self.name),
                "company_id": company.id,
                "team_id": self.id,
                "lead_domain": repr([("team_id", "=", self.id)]),
                # After the rules a manager writes (sequence 10 by default), so
                # that one of theirs that matches the lead wins over this default.
                "sequence": 100,
                "method": assignment.ROUND_ROBIN,
                # A lead must have an owner the moment it arrives; the follow-up
                # deadline, not the assignment, waits for business hours.
                "assign_outside_hours": True,
            }
        )

    def _closed_loop_setup_policy(self, company):
        self.ensure_one()
        Policy = self.env["crm.followup.policy"].with_context(active_test=False)
        if Policy.search_count(
            [("team_id", "=", self.id), ("stage_id", "=", False)], limit=1
        ):
            return Policy.browse()
        calendar = company.resource_calendar_id
        if not calendar or not calendar.attendance_ids:
            # The setup checklist reports the missing schedule.
            return Policy.browse()
        return Policy.create(
            {
                "name": self.env._("%(team)s: answer within the hour", team=self.name),
                "company_id": company.id,
                "team_id": self.id,
                "calendar_id": calendar.id,
                "first_response_hours": 1.0,
            }
        )

    def _closed_loop_setup_intake_form(self, company):
        self.ensure_one()
        Form = self.env["crm.intake.form"].with_context(active_test=False)
        if Form.search_count([("team_id", "=", self.id)], limit=1):
            return Form.browse()
        return Form.create(
            {
                "name": self.env._("%(team)s enquiry form", team=self.name),
                "key": self._closed_loop_intake_key(),
                "company_id": company.id,
                "team_id": self.id,
            }
        )

    def _closed_loop_intake_key(self):
        """A readable form key from the team's name, unique thanks to its id."""
        self.ensure_one()
        slug = re.sub(r"[^a-z0-9]+", "-", (self.name or "").lower()).strip("-")
        return f"{slug[:50] or 'team'}-{self.id}"
