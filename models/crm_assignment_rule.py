from ast import literal_eval
from collections import defaultdict
from datetime import timedelta

from psycopg2 import errors as pg_errors
from pytz import utc

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, ormcache

from ..tools import locking
from .lib import assignment

# Fresh transactions the rotation may take when rivals keep moving it.
ROTATION_ATTEMPTS = 3
METHODS = [
    (assignment.ROUND_ROBIN, "Round robin"),
    (assignment.FEWEST_OPEN, "Fewest open leads"),
    (assignment.CAPACITY, "Weighted by capacity"),
]


class CrmAssignmentRule(models.Model):
    _name = "crm.assignment.rule"
    _inherit = ["crm.closed.loop.cached.config.mixin"]
    _description = "Lead Assignment Rule"
    _order = "sequence, id"
    _check_company_auto = True
    # Cached: the companies with an active rule, and each rule's pool.
    _cached_config_fields = ("active", "company_id", "team_id", "user_ids")

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    lead_domain = fields.Char(
        "Leads to match",
        default="[]",
        help="Leads this rule takes, on any lead field: source, medium, campaign, "
        "intake form, country, language, tags, expected revenue...",
    )
    team_id = fields.Many2one(
        "crm.team", string="Sales Team", required=True, check_company=True
    )
    user_ids = fields.Many2many(
        "res.users",
        string="Salespeople",
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
        help="The pool this rule assigns to; empty means the team's members.",
    )
    method = fields.Selection(METHODS, required=True, default=assignment.ROUND_ROBIN)
    assign_outside_hours = fields.Boolean(
        help="Assign to salespeople who are off duty (outside their working "
        "schedule or on time off) too. Without it, an off-duty salesperson is "
        "skipped, and if nobody in the pool is on duty the next rule or the "
        "team's fallback owner takes the lead.",
    )
    # The round-robin position: read and moved only under a row lock on this
    # rule, see _take_turns.
    rotation_user_id = fields.Many2one("res.users", readonly=True, copy=False)
    log_count = fields.Integer(compute="_compute_log_count")

    @api.model
    @ormcache()
    def _get_companies_using_rules(self):
        """Ids of the companies with an active rule: they opted in.

        Cached because every lead creation asks, and rules rarely change.
        """
        # sudo: crm.assignment.rule - which companies opted in does not depend
        # on who creates the lead
        groups = self.sudo()._read_group([], ["company_id"])
        return frozenset(company.id for (company,) in groups)

    @api.constrains("lead_domain")
    def _check_lead_domain(self):
        for rule in self:
            try:
                domain = Domain(literal_eval(rule.lead_domain or "[]"))
                self.env["crm.lead"].search(domain, limit=1)
            except Exception as error:
                raise ValidationError(
                    self.env._(
                        "The lead domain of rule %(rule)s is not valid: %(error)s",
                        rule=rule.name,
                        error=error,
                    )
                ) from error

    def _compute_log_count(self):
        counts = dict(
            self.env["crm.assignment.log"]._read_group(
                [("rule_id", "in", self.ids)], ["rule_id"], ["__count"]
            )
        )
        for rule in self:
            rule.log_count = counts.get(rule, 0)

    def action_open_logs(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_closed_loop.crm_assignment_log_action"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        return action

    def _get_lead_domain(self):
        self.ensure_one()
        return Domain(literal_eval(self.lead_domain or "[]"))

    def _get_pool(self):
        """The salespeople this rule may pick, in rotation order (by id)."""
        self.ensure_one()
        users = self.env["res.users"].browse(self._pool_user_ids())
        # Odoo clears the cache when a user's groups, companies or active flag
        # are written, not when a group's users are: a user made external there
        # leaves the pool here. Only those two flags are read: the users' whole
        # rows cost a millisecond per lead for a pool of 40.
        users.fetch(["active", "share"])
        return users.filtered(lambda user: user.active and not user.share)

    @ormcache("self.id")
    def _pool_user_ids(self):
        """Ids of the rule's pool: its salespeople, else its team's members not
        opted out; active internal users of the rule's company only.

        Cached because every assigned lead asks (3 ms a lead at 2,000 users);
        a change of a rule or team member that can alter the answer clears
        the cache (crm.closed.loop.cached.config.mixin), as Odoo does when a
        user's groups, companies or active flag are written.
        """
        # sudo: crm.assignment.rule - the pool does not depend on who asks, and
        # the cache must not either
        rule = self.sudo()
        users = rule.user_ids
        if not users:
            members = rule.team_id.crm_team_member_ids.filtered(
                lambda member: not member.assignment_optout
            )
            users = members.user_id
        return tuple(
            users.filtered(
                lambda user: (
                    user.active
                    and not user.share
                    and rule.company_id in user.company_ids
                )
            )
            .sorted("id")
            .ids
        )

    def _get_capacities(self, users):
        """Open leads each user may carry in this rule's team.

        The capacity is the team membership's ``assignment_max``; a pool member
        outside the team has Odoo's default membership capacity.
        """
        self.ensure_one()
        default = (
            self.env["crm.team.member"]
            ._fields["assignment_max"]
            .default(self.env["crm.team.member"])
        )
        capacities = dict.fromkeys(users.ids, default)
        for member in self.team_id.crm_team_member_ids:
            if member.user_id.id in capacities:
                capacities[member.user_id.id] = member.assignment_max
        return capacities

    def _take_turns(self, pool_ids, eligible, count):
        """The next ``count`` salespeople of this rule's rotation among
        ``eligible``, the stored position moved past them.

        The position is read and moved under a row lock on the rule in a short
        transaction of its own, committed at once: parallel requests queue on
        the lock for milliseconds instead of for the rest of their
        transactions, and never invalidate each other's REPEATABLE READ
        snapshots (which would make Odoo replay the request). A turn taken by
        a transaction that then fails is spent: that salesperson waits one
        more round. A rule that another transaction cannot see yet (created in
        this one) or would wait for (written in this one) has its rotation
        moved in this transaction.
        """
        self.ensure_one()
        # Every pending change of the rule now: written after a turn committed
        # elsewhere, it would fail to serialize with it.
        self.flush_recordset()
        picks = None
        # A row this transaction wrote stays locked until it ends: another
        # transaction would only wait for it, up to the lock timeout.
        attempts = 0 if self._row_written_here() else ROTATION_ATTEMPTS
        for attempt in range(1, attempts + 1):
            try:
                with self.env.registry.cursor() as cr:
                    picks = self._move_rotation(cr, pool_ids, eligible, count)
                break
            except pg_errors.SerializationFailure:
                # A rival moved the position between the start of the own
                # transaction's snapshot and the lock: a new one sees it.
                if attempt == ROTATION_ATTEMPTS:
                    raise
        # Not visible elsewhere yet, or written here: this transaction's turn.
        # (A rival holding the lock too long raised LockNotAvailable above:
        # waiting for it again here would only double the wait.)
        if picks is None:
            picks = self._move_rotation(self.env.cr, pool_ids, eligible, count)
        self.invalidate_recordset(["rotation_user_id"])
        return picks

    def _row_written_here(self):
        """Whether the rule's row was created or changed in this transaction,
        savepoints included (released ones leave no lock of their own to look
        up)."""
        # A row version this transaction can see was written either before its
        # snapshot, by a transaction older than its first age() reference, or by
        # this very transaction, whose ids are not older: age() <= 0. age() is
        # wraparound-safe and answers INT_MAX for a frozen row.
        self.env.cr.execute(
            SQL(
                "SELECT age(xmin) <= 0 FROM crm_assignment_rule WHERE id = %s",
                self.id,
            )
        )
        row = self.env.cr.fetchone()
        return bool(row and row[0])

    def _move_rotation(self, cr, pool_ids, eligible, count):
        """Take the turns in the transaction of ``cr``; None if the rule is not
        visible there."""
        # NO KEY UPDATE: requests that have just logged an assignment of this
        # rule hold a key share lock on it until they commit (foreign keys);
        # FOR UPDATE would wait for them. A lost race is the caller's to
        # handle: not worth a "bad query" error. The wait's bound goes in the
        # same round trip: every enquiry takes a turn.
        cr.execute(
            SQL(
                "%s; SELECT rotation_user_id FROM crm_assignment_rule"
                " WHERE id = %s FOR NO KEY UPDATE",
                locking.lock_waits_bound(),
                self.id,
            ),
            log_exceptions=False,
        )
        row = cr.fetchone()
        if row is None:
            return None
        picks, last = assignment.rotate(pool_ids, row[0], eligible, count)
        # Here, written even when unmoved: the next turns of this transaction
        # then see its row as its own and do not wait for its lock elsewhere.
        if picks or cr is self.env.cr:
            cr.execute(
                SQL(
                    "UPDATE crm_assignment_rule SET rotation_user_id = %s"
                    " WHERE id = %s",
                    last,
                    self.id,
                )
            )
        return picks

    # ------------------------------------------------------------
    # SELECTION
    # ------------------------------------------------------------

    def _pick_users(self, count, now):
        """Owners for ``count`` leads matched by this rule, in lead order.

        May return fewer ids than ``count`` (nobody on duty, everyone at
        capacity): the caller passes the rest on. Returns (user ids, reason).
        """
        self.ensure_one()
        pool = self._get_pool()
        if self.assign_outside_hours:
            eligible = set(pool.ids)
        else:
            eligible = self._on_duty_user_ids(pool, now)
        if self.method == assignment.ROUND_ROBIN:
            picks = self._take_turns(pool.ids, eligible, count)
            reason = self.env._(
                "rule %(rule)s: next in the rotation of %(count)s salespeople",
                rule=self.name,
                count=len(eligible),
            )
        elif self.method == assignment.FEWEST_OPEN:
            loads = self._get_open_loads(pool)
            picks = assignment.fewest_open(pool.ids, loads, eligible, count)
            reason = self.env._(
                "rule %(rule)s: fewest open leads among %(count)s salespeople",
                rule=self.name,
                count=len(eligible),
            )
        else:
            loads = self._get_open_loads(pool)
            capacities = self._get_capacities(pool)
            picks = assignment.by_capacity(pool.ids, loads, capacities, eligible, count)
            reason = self.env._(
                "rule %(rule)s: most spare capacity among %(count)s salespeople",
                rule=self.name,
                count=len(eligible),
            )
        if self.assign_outside_hours:
            reason = self.env._("%(reason)s, working hours ignored", reason=reason)
        else:
            reason = self.env._("%(reason)s on duty", reason=reason)
        return picks, reason

    def _get_open_loads(self, users):
        """Open leads per user in this rule's company (one grouped query)."""
        self.ensure_one()
        groups = self.env["crm.lead"]._read_group(
            [
                ("user_id", "in", users.ids),
                ("won_status", "=", "pending"),
                ("company_id", "in", [self.company_id.id, False]),
            ],
            ["user_id"],
            ["__count"],
        )
        return {user.id: count for user, count in groups}

    def _on_duty_user_ids(self, users, now):
        """Ids of ``users`` at work at ``now`` (naive UTC) by their schedule.

        A user's schedule is that of their own resource in the rule's company
        (its calendar and time off); a resource without a calendar works
        flexible hours. A user without a resource follows the company's
        working schedule and public holidays; with no company schedule either,
        nobody is held back.
        """
        self.ensure_one()
        company = self.company_id
        start = utc.localize(now)
        stop = start + timedelta(minutes=1)
        resources = self.env["resource.resource"].search(
            [
                ("user_id", "in", users.ids),
                ("company_id", "in", [company.id, False]),
            ]
        )
        by_user = {}
        for resource in resources:
            by_user.setdefault(resource.user_id.id, resource)
        on_duty = set()
        by_calendar = defaultdict(lambda: self.env["resource.resource"])
        for resource in by_user.values():
            if resource.calendar_id:
                by_calendar[resource.calendar_id] |= resource
            else:
                on_duty.add(resource.user_id.id)
        for calendar, calendar_resources in by_calendar.items():
            intervals = calendar._work_intervals_batch(
                start, stop, resources=calendar_resources
            )
            for resource in calendar_resources:
                spans = [(begin, end) for begin, end, _meta in intervals[resource.id]]
                if assignment.on_duty(spans, start):
                    on_duty.add(resource.user_id.id)
        others = set(users.ids) - set(by_user)
        calendar = company.resource_calendar_id
        if others:
            if not calendar:
                on_duty |= others
            else:
                intervals = calendar._work_intervals_batch(start, stop)[False]
                spans = [(begin, end) for begin, end, _meta in intervals]
                if assignment.on_duty(spans, start):
                    on_duty |= others
        return on_duty
