import logging
import time as time_module
from datetime import datetime, time, timedelta

import pytz
from markupsafe import escape
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, format_datetime
from odoo.tools.mail import generate_tracking_message_id

from ..tools import locking
from .crm_followup_policy import calendar_business_hours
from .lib.followup_sla import RUNGS, timeline

_logger = logging.getLogger(__name__)

SLA_STATES = [
    ("on_track", "On track"),
    ("due_soon", "Due soon"),
    ("breached", "Breached"),
    ("met", "Met"),
]
# Fields the follow-up action refreshes when time, not data, moves a lead on.
SLA_FIELDS = [
    "followup_policy_id",
    "sla_kind",
    "sla_deadline",
    "sla_state",
    "next_followup_date",
    "sla_next_check",
    "first_response_minutes",
]
# Message types that a person writes; the others are system notes, tracking
# and automatic e-mails (auto_comment), which are no contact.
PERSONAL_MESSAGE_TYPES = ("comment", "email", "email_outgoing")
# Held meetings older than this are history, not news for the follow-up action.
MEETING_LOOKBACK = timedelta(days=30)


def _may_be_contact(values):
    """Whether a message about to be created can stand for a contact."""
    message_type = values.get("message_type")
    if message_type is None or message_type in PERSONAL_MESSAGE_TYPES:
        return True
    return message_type == "notification" and bool(values.get("mail_activity_type_id"))


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # ------------------------------------------------------------------
    # Contacts
    # ------------------------------------------------------------------
    contact_event_ids = fields.One2many("crm.contact.event", "lead_id", "Contacts")
    first_contact_date = fields.Datetime(
        readonly=True, copy=False, index="btree_not_null"
    )
    last_contact_date = fields.Datetime(
        readonly=True, copy=False, index="btree_not_null"
    )
    contact_count = fields.Integer("Contacts made", readonly=True, copy=False)
    last_customer_touch_date = fields.Datetime(
        "Customer's last touch",
        readonly=True,
        copy=False,
        help="When the customer last wrote to us (e.g. an incoming e-mail).",
    )
    first_response_minutes = fields.Float(
        "First response (business minutes)",
        compute="_compute_sla",
        store=True,
        aggregator="avg",
        help="Business minutes from assignment (or creation) to our first contact.",
    )

    # ------------------------------------------------------------------
    # Follow-up SLA
    # ------------------------------------------------------------------
    followup_policy_id = fields.Many2one(
        "crm.followup.policy", compute="_compute_sla", store=True
    )
    sla_kind = fields.Selection(
        [
            ("first_response", "First response"),
            ("reply", "Reply to the customer"),
            ("followup", "Follow-up"),
        ],
        "Due",
        compute="_compute_sla",
        store=True,
    )
    sla_deadline = fields.Datetime(
        "Follow-up deadline", compute="_compute_sla", store=True, index="btree_not_null"
    )
    sla_state = fields.Selection(
        SLA_STATES, "SLA", compute="_compute_sla", store=True, index="btree_not_null"
    )
    next_followup_date = fields.Datetime(
        "Next follow-up due",
        compute="_compute_sla",
        store=True,
        help="When the next contact is due after the first response.",
    )
    sla_next_check = fields.Datetime(compute="_compute_sla", store=True, copy=False)
    sla_due_today = fields.Boolean(
        "Due today", compute="_compute_sla_due_today", search="_search_sla_due_today"
    )
    sla_overdue = fields.Boolean(
        "Overdue", compute="_compute_sla_overdue", search="_search_sla_overdue"
    )
    followup_alert_ids = fields.One2many("crm.followup.alert", "lead_id")

    # The follow-up action reads only the leads with something to do:
    # WHERE sla_next_check <= now ORDER BY sla_next_check LIMIT n.
    _sla_next_check_idx = models.Index(
        "(sla_next_check) WHERE sla_next_check IS NOT NULL"
    )

    # ------------------------------------------------------------------
    # ORM overrides
    # ------------------------------------------------------------------

    def _message_create(self, values_list):
        messages = super()._message_create(values_list)
        if not self.env.context.get("crm_contact_no_record"):
            # Sorting on the values first keeps notifications and tracking free
            # of any extra query.
            candidates = [
                message
                for message, values in zip(messages, values_list, strict=True)
                if _may_be_contact(values)
            ]
            if candidates:
                self._record_contacts_from_messages(candidates)
        return messages

    # ------------------------------------------------------------------
    # Computes and searches
    # ------------------------------------------------------------------

    @api.depends(
        "team_id",
        "stage_id",
        "active",
        "won_status",
        "date_open",
        "date_last_stage_update",
        "first_contact_date",
        "last_contact_date",
        "last_customer_touch_date",
    )
    def _compute_sla(self):
        now = fields.Datetime.now()
        plans = self._sla_plans()
        sent = self.filtered(lambda lead: lead in plans)._sla_sent_rungs()
        for lead in self:
            policy, plan = plans.get(lead, (False, None))
            lead.followup_policy_id = policy
            lead.first_response_minutes = lead._first_response_minutes(policy)
            if not plan:
                lead.update(
                    {
                        "sla_kind": False,
                        "sla_deadline": False,
                        "sla_state": "met"
                        if policy and lead.first_contact_date
                        else False,
                        "next_followup_date": False,
                        "sla_next_check": False,
                    }
                )
                continue
            lead.update(
                {
                    "sla_kind": plan.kind or False,
                    "sla_deadline": plan.deadline or False,
                    "sla_state": plan.state(now),
                    "next_followup_date": plan.deadline
                    if plan.kind in ("reply", "followup")
                    else False,
                    "sla_next_check": plan.next_check(
                        now, sent.get((lead._origin.id, plan.deadline), ())
                    )
                    or False,
                }
            )

    def _compute_sla_due_today(self):
        start, end = self._sla_today_bounds()
        for lead in self:
            lead.sla_due_today = bool(
                lead.sla_deadline and start <= lead.sla_deadline < end
            )

    def _search_sla_due_today(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        start, end = self._sla_today_bounds()
        domain = Domain("sla_deadline", ">=", start) & Domain("sla_deadline", "<", end)
        return domain if (operator == "in") == (True in value) else ~domain

    def _compute_sla_overdue(self):
        now = fields.Datetime.now()
        for lead in self:
            lead.sla_overdue = bool(lead.sla_deadline and lead.sla_deadline <= now)

    def _search_sla_overdue(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        domain = Domain("sla_deadline", "<=", fields.Datetime.now())
        return domain if (operator == "in") == (True in value) else ~domain

    def _sla_today_bounds(self):
        """Today of the current user, in their own time zone, as naive UTC bounds."""
        zone = self.env.tz
        today = pytz.utc.localize(fields.Datetime.now()).astimezone(zone).date()
        bounds = []
        for day in (today, today + timedelta(days=1)):
            local = zone.localize(datetime.combine(day, time.min))
            bounds.append(local.astimezone(pytz.utc).replace(tzinfo=None))
        return tuple(bounds)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_log_contact(self):
        self.ensure_one()
        self.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log contact"),
            "res_model": "crm.contact.log",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_lead_id": self.id},
        }

    # ------------------------------------------------------------------
    # Business logic: contacts
    # ------------------------------------------------------------------

    def _update_contact_stats(self):
        """Refresh the contact figures from the events, in one grouped query.

        Plain stored fields written here rather than stored computes, so that
        creating or editing a lead costs no extra query.
        """
        stats = {}
        if self.ids:
            # sudo: crm.contact.event - the lead's figures count every event on it,
            # including those of colleagues the user may not read
            groups = (
                self.env["crm.contact.event"]
                .sudo()
                ._read_group(
                    [("lead_id", "in", self.ids)],
                    ["lead_id", "direction"],
                    ["date:min", "date:max", "__count"],
                )
            )
            for lead, direction, first, last, count in groups:
                stats[lead.id, direction] = (first, last, count)
        for lead in self:
            first, last, count = stats.get((lead.id, "out"), (False, False, 0))
            touch = stats.get((lead.id, "in"))
            values = {
                "first_contact_date": first,
                "last_contact_date": last,
                "contact_count": count,
                "last_customer_touch_date": touch[1] if touch else False,
            }
            if any(lead[name] != value for name, value in values.items()):
                # sudo: crm.lead - the figures follow the events, whoever
                # recorded them (a customer's e-mail has no user)
                lead.sudo().write(values)

    def _record_contacts_from_messages(self, messages):
        root = self.env.ref("base.partner_root", raise_if_not_found=False)
        vals_list = []
        for message in messages:
            if message.model != self._name or not message.res_id:
                continue
            vals = self._contact_values_from_message(message, root)
            if vals:
                vals_list.append(vals)
        if vals_list:
            # sudo: crm.contact.event - a touch is recorded whoever posts, even a
            # customer's e-mail that arrives with no user at all
            self.env["crm.contact.event"].sudo().create(vals_list)

    @api.model
    def _contact_values_from_message(self, message, root):
        """Values of the contact event a message stands for, or None."""
        activity_type = message.mail_activity_type_id
        if message.message_type not in PERSONAL_MESSAGE_TYPES and not (
            message.message_type == "notification" and activity_type.is_contact_type
        ):
            return None
        author = message.author_id
        if not author or author == root:
            return None
        # sudo: res.users - whether the author is an employee decides the direction
        user = author.sudo().user_ids.filtered(lambda u: not u.share)[:1]
        values = {
            "lead_id": message.res_id,
            "date": message.date,
            "message_id": message.id,
            "note": (message.preview or "")[:200],
        }
        if message.message_type == "notification":
            if not user:
                return None
            return values | {
                "direction": "out",
                "channel": activity_type.contact_channel or "activity",
                "user_id": user.id,
            }
        if not user:
            return values | {
                "direction": "in",
                "channel": "email",
                "partner_id": author.id,
            }
        internal = message.is_internal or message.subtype_id.internal
        return values | {
            "direction": "out",
            "channel": "note" if internal else "email",
            "user_id": user.id,
        }

    # ------------------------------------------------------------------
    # Business logic: SLA
    # ------------------------------------------------------------------

    def _sla_plans(self):
        """{lead: (policy, Timeline or None)} for the leads a policy covers."""
        # sudo: crm.followup.policy - a lead's deadline follows its team's policy,
        # whoever edits the lead
        policies = self.env["crm.followup.policy"].sudo()._policies_for(self)
        hours_cache = {}
        plans = {}
        for lead, policy in policies.items():
            if not lead.active or lead.won_status == "won":
                plans[lead] = (policy, None)
                continue
            hours = lead._sla_hours(policy.calendar_id, hours_cache)
            plans[lead] = (
                policy,
                timeline(
                    hours,
                    policy._rule(),
                    start=lead._sla_start(),
                    first_contact=lead.first_contact_date,
                    last_contact=lead.last_contact_date,
                    last_touch=lead.last_customer_touch_date,
                    stage_entry=lead.date_last_stage_update,
                ),
            )
        return plans

    def _sla_start(self):
        return self.date_open or self.create_date or fields.Datetime.now()

    @api.model
    def _sla_hours(self, calendar, cache):
        if calendar not in cache:
            try:
                cache[calendar] = calendar_business_hours(calendar)
            except ValueError:
                _logger.warning(
                    "Working schedule %s has no working hours; counting "
                    "follow-up time in plain hours",
                    calendar.id,
                )
                cache[calendar] = None
        return cache[calendar]

    def _first_response_minutes(self, policy):
        if not self.first_contact_date:
            return 0.0
        start = self._sla_start()
        calendar = (
            policy.calendar_id if policy else self.company_id.resource_calendar_id
        )
        hours = self._sla_hours(calendar, {}) if calendar else None
        if hours is None:
            return max((self.first_contact_date - start).total_seconds() / 60.0, 0.0)
        return hours.minutes_between(start, self.first_contact_date)

    def _sla_sent_rungs(self):
        """{(lead id, deadline): {rung, ...}} of the alerts already sent."""
        lead_ids = [lead._origin.id for lead in self if lead._origin.id]
        sent = {}
        if not lead_ids:
            return sent
        # sudo: crm.followup.alert - the ladder's memory is read to plan the next
        # check, whoever edits the lead
        alerts = (
            self.env["crm.followup.alert"]
            .sudo()
            .search_fetch(
                [("lead_id", "in", lead_ids)], ["lead_id", "deadline", "rung"]
            )
        )
        for alert in alerts:
            sent.setdefault((alert.lead_id.id, alert.deadline), set()).add(alert.rung)
        return sent

    def _sla_refresh(self):
        """Recompute the SLA fields that the passing of time has changed."""
        for fname in SLA_FIELDS:
            self.env.add_to_compute(self._fields[fname], self)
        self.flush_recordset(SLA_FIELDS)

    # ------------------------------------------------------------------
    # Business logic: follow-up action
    # ------------------------------------------------------------------

    @api.model
    def _cron_raise_followup_alerts(self, batch_size=200):
        """Record held meetings, then walk the escalation ladder of due leads."""
        started = time_module.monotonic()
        cron = self.env["ir.cron"]
        meetings = self._record_held_meetings(batch_size)
        done = 0
        seen = set()
        while True:
            now = fields.Datetime.now()
            leads = self._sla_lock_due(now, batch_size)
            if not leads or seen.intersection(leads.ids):
                cron._commit_progress(remaining=0)
                break
            seen.update(leads.ids)
            leads._sla_process(now)
            done += len(leads)
            remaining = self._sla_count_due(now)
            if (
                not cron._commit_progress(len(leads), remaining=remaining)
                or not remaining
            ):
                break
        _logger.info(
            "Follow-up alerts: %s meetings recorded, %s leads processed in %.2fs",
            meetings,
            done,
            time_module.monotonic() - started,
        )

    @api.model
    def _sla_lock_due(self, now, limit):
        """Lock up to ``limit`` leads with something to do, skipping the ones
        another worker holds."""
        self.flush_model(["sla_next_check"])
        rows = locking.lock_skipping_held(
            self.env,
            SQL(
                "SELECT id FROM crm_lead WHERE sla_next_check <= %s"
                " ORDER BY sla_next_check, id LIMIT %s FOR UPDATE SKIP LOCKED",
                now,
                limit,
            ),
        )
        return self.browse([row[0] for row in rows])

    @api.model
    def _sla_count_due(self, now):
        rows = self.env.execute_query(
            SQL("SELECT COUNT(*) FROM crm_lead WHERE sla_next_check <= %s", now)
        )
        return rows[0][0]

    def _sla_process(self, now):
        # Alert e-mails go through the mail queue: sending them inline would
        # hold the locked batch for seconds per lead.
        self = self.with_context(mail_notify_force_send=False)  # noqa: PLW0642
        self._sla_refresh()
        plans = self._sla_plans()
        sent = self._sla_sent_rungs()
        alert_vals = []
        # (alert values, lead, user, deadline, summary) of the rungs that alert
        # someone: their activities and notifications are made for the whole
        # batch at once below.
        to_alert = []
        for lead in self:
            _policy, plan = plans.get(lead, (False, None))
            if not plan or not plan.deadline:
                continue
            done = sent.get((lead.id, plan.deadline), set())
            for rung in RUNGS:
                at = plan.rungs.get(rung)
                if at is None or at > now or rung in done:
                    continue
                vals = {
                    "lead_id": lead.id,
                    "company_id": lead.company_id.id,
                    "deadline": plan.deadline,
                    "rung": rung,
                }
                if rung == "reassign":
                    user, activity, note = lead._sla_alert_reassign(plan)
                    vals.update(user_id=user.id, activity_id=activity.id, note=note)
                else:
                    user, summary = getattr(lead, f"_sla_alert_{rung}")(plan)
                    vals.update(user_id=user.id, note=False)
                    if user:
                        to_alert.append((vals, lead, user, plan.deadline, summary))
                    else:
                        _logger.info(
                            "Lead %s: no one to alert for its follow-up", lead.id
                        )
                        vals["note"] = "no one to alert"
                alert_vals.append(vals)
        if to_alert:
            activities = self._sla_send_alerts([request[1:] for request in to_alert])
            for (vals, *_request), activity in zip(to_alert, activities, strict=True):
                vals["activity_id"] = activity.id
        if alert_vals:
            # sudo: crm.followup.alert - the ladder's memory is written by the action
            self.env["crm.followup.alert"].sudo().create(alert_vals)
        self._sla_refresh()

    def _sla_alert_owner(self, plan):
        """(user to alert, activity summary) of the owner rung."""
        summary = self.env._("Follow up %(lead)s", lead=self.name)
        return self.user_id, summary

    def _sla_alert_leader(self, plan):
        """(user to alert, activity summary) of the team leader rung."""
        summary = self.env._(
            "Overdue follow-up of %(owner)s: %(lead)s",
            owner=self.user_id.name or self.env._("nobody"),
            lead=self.name,
        )
        return self.team_id.user_id, summary

    def _sla_alert_reassign(self, plan):
        if not hasattr(self, "_closed_loop_assign"):
            _logger.info(
                "Lead %s stays breached but no assignment rules are installed; "
                "not reassigned",
                self.id,
            )
            return (
                self.env["res.users"],
                self.env["mail.activity"],
                "no assignment rules",
            )
        previous = self.user_id
        self._closed_loop_assign()
        return (
            self.user_id,
            self.env["mail.activity"],
            f"from user {previous.id or '-'}",
        )

    def _sla_send_alerts(self, requests):
        """Alert each user of ``requests`` with an activity and a notification.

        ``requests`` is a list of (lead, user, deadline, summary). The activities
        are created in one go, the notifications as in :meth:`_sla_notify_alerts`.
        Returns the activities, in the order of ``requests``.
        """
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        bodies = []
        activity_vals = []
        for lead, user, deadline, summary in requests:
            body = self.env._(
                "The follow-up of %(lead)s is due %(deadline)s.",
                lead=lead.name,
                deadline=format_datetime(
                    self.env, deadline, tz=user.tz, dt_format="short"
                ),
            )
            due_date = pytz.utc.localize(deadline).astimezone(
                pytz.timezone(user.tz or "UTC")
            )
            bodies.append(body)
            activity_vals.append(
                {
                    "summary": summary,
                    "note": body,
                    "date_deadline": due_date.date(),
                    "res_id": lead.id,
                    "user_id": user.id,
                }
            )
        # The explicit notification below is the alert.
        activities = self._create_automated_activities(activity_type, activity_vals)
        self._sla_notify_alerts(requests, bodies)
        return activities

    @api.model
    def _sla_notify_alerts(self, requests, bodies):
        """Notify each alert as Odoo's ``message_notify`` does (the same message
        values), one message per alert to the user's inbox or e-mail, but with
        the messages of the whole batch inserted at once.

        One ``message_notify`` call per alert cost 1.7 to 1.9 times the queries
        of this batch on 100 alerts: 12.3 against 7.3 queries per alert notified
        by e-mail, 10.3 against 5.3 in the inbox.
        """
        subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        leads = self.browse({lead.id for lead, *_rest in requests})
        alias_domains = leads._mail_get_alias_domains(default_company=self.env.company)
        companies = leads._mail_get_companies(default=self.env.company)
        author_id, email_from = self._message_compute_author()
        reply_to = leads._notify_get_reply_to(default=email_from, author_id=author_id)
        values_list = [
            {
                "author_id": author_id,
                "email_from": email_from,
                "model": self._name,
                "res_id": lead.id,
                "body": escape(body),
                "is_internal": True,
                "message_type": "user_notification",
                "subject": summary,
                "subtype_id": subtype_id,
                "message_id": generate_tracking_message_id("message-notify"),
                "partner_ids": user.partner_id.ids,
                "email_add_signature": True,
                "record_alias_domain_id": alias_domains[lead.id].id,
                "record_company_id": companies[lead.id].id,
                "reply_to": reply_to[lead.id],
            }
            for (lead, user, _deadline, summary), body in zip(
                requests, bodies, strict=True
            )
        ]
        messages = self._message_create(values_list)
        for (lead, *_rest), message, values in zip(
            requests, messages, values_list, strict=True
        ):
            lead._notify_thread(message, values, notify_author_mention=True)

    @api.model
    def _record_held_meetings(self, limit):
        """Record the calendar meetings of leads that ended since the last run."""
        now = fields.Datetime.now()
        self.env["calendar.event"].flush_model(["opportunity_id", "stop", "active"])
        self.env["crm.contact.event"].flush_model(["calendar_event_id"])
        rows = locking.lock_skipping_held(
            self.env,
            SQL(
                """SELECT ev.id FROM calendar_event ev
                    WHERE ev.opportunity_id IS NOT NULL AND ev.active
                      AND ev.stop <= %s AND ev.stop >= %s
                      AND NOT EXISTS (SELECT 1 FROM crm_contact_event ce
                                       WHERE ce.calendar_event_id = ev.id)
                    ORDER BY ev.stop LIMIT %s
                    FOR UPDATE OF ev SKIP LOCKED""",
                now,
                now - MEETING_LOOKBACK,
                limit,
            ),
        )
        meetings = self.env["calendar.event"].browse([row[0] for row in rows])
        vals_list = [
            {
                "lead_id": meeting.opportunity_id.id,
                "calendar_event_id": meeting.id,
                "channel": "calendar",
                "direction": "out",
                "date": meeting.start,
                "user_id": meeting.user_id.id,
                "note": (meeting.name or "")[:200],
            }
            for meeting in meetings
        ]
        if not vals_list:
            return 0
        try:
            with self.env.cr.savepoint():
                self.env["crm.contact.event"].create(vals_list)
        except pg_errors.UniqueViolation:
            _logger.warning(
                "Held meetings %s were recorded by another worker meanwhile",
                meetings.ids,
            )
            return 0
        return len(vals_list)
