from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from .lib.business_hours import BusinessHours
from .lib.followup_sla import FollowupRule


class CrmFollowupPolicy(models.Model):
    """How fast a team answers its leads, and who is chased when it does not."""

    _name = "crm.followup.policy"
    _inherit = ["crm.closed.loop.cached.config.mixin"]
    _description = "Follow-up policy"
    _order = "team_id, stage_id, id"
    _check_company_auto = True
    # Cached: the teams with an active policy.
    _cached_config_fields = ("team_id", "active", "company_id")

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    team_id = fields.Many2one(
        "crm.team", required=True, index=True, ondelete="cascade", check_company=True
    )
    stage_id = fields.Many2one(
        "crm.stage",
        ondelete="cascade",
        help="Leave empty for the team's default; a policy of a stage overrides it "
        "while the lead sits in that stage.",
    )
    calendar_id = fields.Many2one(
        "resource.calendar",
        string="Business hours",
        required=True,
        check_company=True,
        default=lambda self: self.env.company.resource_calendar_id,
        help="Working schedule, with its time zone and public holidays, that the "
        "targets below are counted in.",
    )
    first_response_hours = fields.Float(
        "First response within (business hours)",
        default=1.0,
        help="Also the target to answer an incoming e-mail of the customer.",
    )
    followup_interval = fields.Float(
        "Then contact at least every",
        help="0 means no recurring follow-up after the first response.",
    )
    followup_unit = fields.Selection(
        [("hours", "Business hours"), ("days", "Business days")],
        default="days",
        required=True,
    )
    due_soon_hours = fields.Float(
        "Warn before deadline (business hours)",
        default=0.25,
        help="The owner is reminded this long before the deadline.",
    )
    leader_delay_hours = fields.Float(
        "Escalate to team leader after (business hours)",
        help="Business hours after the deadline; 0 escalates at the deadline.",
    )
    reassign = fields.Boolean(
        "Reassign when still breached",
        help="Hand the lead to the assignment rules when it stays breached.",
    )
    reassign_delay_hours = fields.Float(
        "Reassign after (business hours)",
        default=4.0,
    )

    _positive_targets = models.Constraint(
        "CHECK(first_response_hours > 0 AND followup_interval >= 0 "
        "AND due_soon_hours >= 0 AND leader_delay_hours >= 0 "
        "AND reassign_delay_hours >= 0)",
        "The first-response target must be positive and the other delays may "
        "not be negative.",
    )
    # One policy per team and stage, the team's default having no stage; the
    # lookup of a lead's policy reads (team_id, stage_id).
    _team_stage_uniq = models.UniqueIndex(
        "(team_id, COALESCE(stage_id, 0)) WHERE active",
        "A team has one active policy per stage and one default policy.",
    )

    @api.constrains("calendar_id")
    def _check_calendar_has_hours(self):
        for policy in self:
            try:
                policy._business_hours()
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "The working schedule %(calendar)s has no working hours; "
                        "pick a schedule with attendances for the policy %(policy)s.",
                        calendar=policy.calendar_id.display_name,
                        policy=policy.display_name,
                    )
                ) from error

    # ------------------------------------------------------------------
    # Business logic
    # ------------------------------------------------------------------

    def _business_hours(self):
        self.ensure_one()
        return calendar_business_hours(self.calendar_id)

    def _rule(self):
        self.ensure_one()
        hours_per_day = self.calendar_id.hours_per_day or 8.0
        interval = self.followup_interval * (
            hours_per_day if self.followup_unit == "days" else 1.0
        )
        return FollowupRule(
            first_response=self.first_response_hours * 60,
            interval=interval * 60,
            warn=self.due_soon_hours * 60,
            leader_delay=self.leader_delay_hours * 60,
            reassign_delay=self.reassign_delay_hours * 60 if self.reassign else None,
        )

    @api.model
    @tools.ormcache()
    def _policy_team_ids(self):
        """Teams with an active policy, cached: leads of the other teams (and
        every lead of a database without policies) cost no query."""
        return frozenset(team.id for [team] in self._read_group([], ["team_id"]))

    @api.model
    def _policies_for(self, leads):
        """{lead: policy} for the leads that a policy covers."""
        team_ids = self._policy_team_ids()
        teams = leads.team_id.filtered(lambda team: team.id in team_ids)
        if not teams:
            return {}
        policies = self.search([("team_id", "in", teams.ids)])
        by_key = {(p.team_id.id, p.stage_id.id): p for p in policies}
        result = {}
        for lead in leads:
            policy = by_key.get((lead.team_id.id, lead.stage_id.id)) or by_key.get(
                (lead.team_id.id, False)
            )
            if policy:
                result[lead] = policy
        return result


def calendar_business_hours(calendar):
    """BusinessHours of a resource.calendar: its attendances, zone and holidays."""
    weekly = {}
    for attendance in calendar.attendance_ids:
        if attendance.display_type or attendance.day_period == "lunch":
            continue
        weekly.setdefault(int(attendance.dayofweek), []).append(
            (attendance.hour_from, attendance.hour_to)
        )
    holidays = [
        (leave.date_from, leave.date_to)
        for leave in calendar.global_leave_ids
        if leave.date_from and leave.date_to
    ]
    return BusinessHours(weekly, calendar.tz or "UTC", holidays)
