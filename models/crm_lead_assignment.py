import logging
import time
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from ..tools import locking

_logger = logging.getLogger(__name__)

FIRST_CONTACT_ACTIVITY = "crm_closed_loop.mail_activity_type_first_contact"


class CrmLead(models.Model):
    _inherit = "crm.lead"

    assignment_rule_id = fields.Many2one(
        "crm.assignment.rule",
        readonly=True,
        copy=False,
        ondelete="set null",
        index="btree_not_null",
    )

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.context.get("import_file") and not self.env.context.get(
            "default_user_id"
        ):
            # An import fills the salesperson with the importer by default,
            # which is nobody's choice: where the rules apply, such rows arrive
            # unowned and the rules pick the owner.
            vals_list = [
                vals
                if "user_id" in vals or not self._closed_loop_vals_in_scope(vals)
                else {**vals, "user_id": False}
                for vals in vals_list
            ]
        if self.env.context.get("closed_loop_no_assign"):
            return super().create(vals_list)
        # A lead created alone and assigned by the rules gets one chatter entry
        # and one notification, not two: its assignment note is its creation
        # message. Odoo's own is held back and posted below if no rule took it.
        hold_creation_message = (
            len(vals_list) == 1
            and not vals_list[0].get("user_id")
            and not self.env.context.get("mail_create_nolog")
            and not self.env.context.get("tracking_disable")
            and self._closed_loop_vals_in_scope(vals_list[0])
        )
        if not hold_creation_message:
            leads = super().create(vals_list)
            leads.filtered(lambda lead: not lead.user_id)._closed_loop_assign()
            return leads
        creator = self.with_context(mail_create_nolog=True)
        # Returned in the caller's environment: the held-back context must not
        # reach what is created later with these records.
        lead = super(CrmLead, creator).create(vals_list).with_env(self.env)
        # Looked up once: each lookup asks the database whether it still exists.
        subtype = lead._creation_subtype()
        if lead.user_id:
            lead._closed_loop_post_creation_message(subtype)
        elif not lead._closed_loop_may_merge_creation_message(subtype):
            lead._closed_loop_post_creation_message(subtype)
            lead._closed_loop_assign()
        elif not lead._closed_loop_assign(creation_subtype=subtype):
            lead._closed_loop_post_creation_message(subtype)
        return lead

    def _closed_loop_may_merge_creation_message(self, subtype):
        """Whether the assignment note of the new lead in ``self`` may also be
        its creation message of ``subtype``: only employees follow it.

        An outsider (portal user, external contact) following the team's new
        leads is e-mailed the creation message, which must not carry the rule
        and its reason.
        """
        self.ensure_one()
        if not subtype:
            return False
        # One query: every enquiry asks, and almost always there is none.
        # sudo: mail.followers - the lead's creator (a web visitor) may not read
        # its followers
        return not (
            self.env["mail.followers"]
            .sudo()
            .search_count(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "=", self.id),
                    ("subtype_ids", "in", subtype.ids),
                    ("partner_id.partner_share", "=", True),
                ],
                limit=1,
            )
        )

    def _closed_loop_post_creation_message(self, subtype):
        """The creation message of ``subtype`` Odoo posts from ``create``, for the
        lead in ``self`` whose own was held back."""
        self.ensure_one()
        body = Markup('<div summary="o_mail_notification"><p>%s</p></div>') % (
            self._creation_message()
        )
        if not subtype:
            self._message_log(body=body)
            return
        # sudo: crm.lead - posted for its creator, as Odoo's create does,
        # whoever may not post on the lead afterwards (a web visitor)
        self.sudo().message_post(
            body=body, subtype_id=subtype.id, author_id=self.env.user.partner_id.id
        )

    # ------------------------------------------------------------
    # ASSIGNMENT
    # ------------------------------------------------------------

    def _closed_loop_assign(self, creation_subtype=None):
        """Assign the leads in ``self`` by the assignment rules.

        Public hook, called at creation for every channel and by the sweeper.
        Only open, active leads without a salesperson whose company uses the
        rules (or whose team has a fallback owner) are touched; a lead that
        arrives with a salesperson keeps them. Each assignment is logged in
        ``crm.assignment.log`` and in the chatter, and the assignee gets a
        "first contact" activity and a notification.

        :param creation_subtype: the subtype of the lead's creation message,
            held back: the note of a lead assigned alone stands for it
        :return: the ``crm.assignment.log`` records created
        """
        # sudo: crm.lead - assignment acts for the company, whoever created the
        # lead (a portal author, the mail gateway, a salesperson limited to
        # their own leads)
        leads = self.sudo()._closed_loop_in_scope()
        Log = self.env["crm.assignment.log"].sudo()
        if not leads:
            return Log
        now = fields.Datetime.now()
        assignments = []
        for company, company_leads in leads.grouped(
            lambda lead: lead._closed_loop_company()
        ).items():
            assignments += company_leads._closed_loop_assign_in_company(company, now)
        if not assignments:
            return Log
        logs = Log.create(
            [
                {
                    "date": now,
                    "lead_id": lead.id,
                    "rule_id": rule.id,
                    "method": method,
                    "user_id": user.id,
                    "team_id": team.id,
                    "company_id": company.id,
                    "reason": reason,
                }
                for lead, user, team, rule, method, reason, company in assignments
            ]
        )
        self._closed_loop_apply(assignments, creation_subtype=creation_subtype)
        return logs

    def _closed_loop_company(self):
        self.ensure_one()
        return self.company_id or self.team_id.company_id or self.env.company

    @api.model
    def _closed_loop_companies_with_rules(self):
        return self.env["crm.assignment.rule"]._get_companies_using_rules()

    @api.model
    def _closed_loop_vals_in_scope(self, vals):
        team = self.env["crm.team"].browse(vals.get("team_id"))
        company_id = vals.get("company_id") or team.company_id.id or self.env.company.id
        if company_id in self._closed_loop_companies_with_rules():
            return True
        # sudo: crm.team - the fallback owner decides the scope, whoever imports
        return bool(team.sudo().assignment_fallback_user_id)

    def _closed_loop_in_scope(self):
        """The leads of ``self`` that the rules may assign now."""
        companies = self._closed_loop_companies_with_rules()
        return self.filtered(
            lambda lead: (
                lead.active
                and not lead.user_id
                and lead.won_status == "pending"
                and (
                    lead._closed_loop_company().id in companies
                    or lead.team_id.assignment_fallback_user_id
                )
            )
        )

    def _closed_loop_assign_in_company(self, company, now):
        """Pick an owner for each lead of ``self`` (all of ``company``).

        Rules are tried in sequence; a rule whose pool has nobody available
        passes its leads on to the next rule. What no rule places goes to the
        fallback owner of the first matching rule's team, else of the lead's
        own team. Returns (lead, user, team, rule, method, reason, company)
        tuples.
        """
        # What the loop below reads of each rule, in the search's own query.
        rules = self.env["crm.assignment.rule"].search_fetch(
            [("company_id", "=", company.id)],
            ["name", "lead_domain", "team_id", "method", "assign_outside_hours"],
        )
        pending = self
        first_team = {}
        assignments = []
        for rule in rules:
            if not pending:
                break
            lead_domain = rule._get_lead_domain()
            matched = (
                pending.sorted("id")
                if lead_domain.is_true()
                else self.search(
                    Domain("id", "in", pending.ids) & lead_domain, order="id"
                )
            )
            if not matched:
                continue
            for lead in matched:
                first_team.setdefault(lead.id, rule.team_id)
            user_ids, reason = rule._pick_users(len(matched), now)
            users = self.env["res.users"].browse(user_ids)
            for lead, user in zip(matched, users, strict=False):
                assignments.append(
                    (lead, user, rule.team_id, rule, rule.method, reason, company)
                )
            pending -= matched[: len(user_ids)]
        for lead in pending:
            team = first_team.get(lead.id) or lead.team_id
            owner = team.assignment_fallback_user_id
            if (
                owner
                and owner.active
                and not owner.share
                and company in owner.company_ids
            ):
                reason = self.env._(
                    "no assignment rule had a salesperson for it: fallback owner "
                    "of %(team)s",
                    team=team.name,
                )
                assignments.append(
                    (
                        lead,
                        owner,
                        team,
                        self.env["crm.assignment.rule"],
                        "fallback",
                        reason,
                        company,
                    )
                )
        return assignments

    def _team_derived_fields(self):
        """The stored fields Odoo computes from a lead's team, the team first."""
        return [
            self._fields[name]
            for name in ("team_id", "stage_id", "probability", "automated_probability")
        ]

    def _closed_loop_apply(self, assignments, creation_subtype=None):
        """Write the owners, then the chatter notes, activities and notices."""
        groups = defaultdict(list)
        for lead, user, team, rule, *_rest in assignments:
            groups[user, team, rule].append(lead.id)
        # The assignee hears of it once per batch below, not once per lead.
        quiet = self.with_context(
            mail_auto_subscribe_no_notify=True, mail_activity_quick_update=True
        )
        # The assignment note below says who got the lead and why; a tracking
        # message on top would cost one more message per lead for nothing.
        untracked = quiet.with_context(tracking_disable=True)
        for (user, team, rule), lead_ids in groups.items():
            leads = untracked.browse(lead_ids)
            owner = {"user_id": user.id, "assignment_rule_id": rule.id}
            # A new owner makes Odoo derive the team again, and from it the
            # stage and the predictive probability. A lead that stays in its
            # team and has a stage keeps them as they are: computing them again
            # costs four queries per web enquiry.
            same_team = leads.filtered(
                lambda lead, team=team: lead.team_id == team and lead.stage_id
            )
            with self.env.protecting(self._team_derived_fields(), same_team):
                same_team.write(owner)
            (leads - same_team).write({**owner, "team_id": team.id})
        method_labels = dict(
            self.env["crm.assignment.log"]
            ._fields["method"]
            ._description_selection(self.env)
        )
        bodies = {}
        by_user = defaultdict(list)
        for lead, user, team, rule, method, reason, _company in assignments:
            bodies[lead.id] = Markup(
                "<p>%s</p><ul><li>%s</li><li>%s</li><li>%s</li><li>%s</li></ul>"
            ) % (
                self.env._("Assigned to %(user)s", user=user.name),
                self.env._("Team: %(team)s", team=team.name),
                self.env._("Rule: %(rule)s", rule=rule.name or "-"),
                self.env._("Method: %(method)s", method=method_labels[method]),
                self.env._("Reason: %(reason)s", reason=reason),
            )
            by_user[user].append(lead.id)
        # A lead assigned alone (a web enquiry, a new e-mail) gets one message:
        # the assignment note that also notifies the assignee. Leads assigned
        # to the same person in a batch get their notes and one notice listing
        # them, so that a sweep does not flood the assignee's inbox.
        single = {
            lead_ids[0]: user
            for user, lead_ids in by_user.items()
            if len(lead_ids) == 1
        }
        if batch_bodies := {
            lead_id: body for lead_id, body in bodies.items() if lead_id not in single
        }:
            self.browse(list(batch_bodies))._message_log_batch(bodies=batch_bodies)
        today = fields.Date.today()
        # The type by its cached id: env.ref would also ask the database
        # whether it still exists, once per enquiry (its read below would fail
        # all the same).
        first_contact = self.env["mail.activity.type"].browse(
            self.env["ir.model.data"]._xmlid_to_res_id(
                FIRST_CONTACT_ACTIVITY, raise_if_not_found=True
            )
        )
        quiet._create_automated_activities(
            first_contact,
            [
                {"res_id": lead.id, "user_id": user.id, "date_deadline": today}
                for lead, user, *_rest in assignments
            ],
        )
        for user, lead_ids in by_user.items():
            user_leads = quiet.browse(lead_ids)
            if len(user_leads) == 1:
                user_leads._closed_loop_note_and_notify(
                    user, bodies[user_leads.id], creation_subtype
                )
            else:
                user_leads._closed_loop_notify(user)

    def _closed_loop_note_and_notify(self, user, body, creation_subtype=None):
        """Post the assignment note of the lead in ``self``, notifying ``user``;
        with ``creation_subtype``, it is also the lead's creation message."""
        self.ensure_one()
        if creation_subtype:
            # Followers of the creation subtype (a team's followers) hear of the
            # new lead as they would from Odoo's creation message; the rule and
            # its reason stay internal all the same. They read it too: it says
            # to whom the lead went, not "to you".
            subtype_id = creation_subtype.id
            subject = None
            body = Markup("<p>%s</p>%s") % (self._creation_message(), body)
        else:
            subtype_id = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
            subject = self.env._("New lead(s) assigned to you")
            notice = self.env._(
                "New lead assigned to you, with a first contact activity: %(lead)s",
                lead=self.name,
            )
            body = Markup("<p>%s</p>%s") % (notice, body)
        # sudo: crm.lead - the note is posted for the company, whoever created the
        # lead (a web visitor, a portal author)
        self.sudo().message_post(
            body=body,
            subject=subject,
            message_type="notification",
            subtype_id=subtype_id,
            partner_ids=user.partner_id.ids,
            is_internal=True,
        )

    def _closed_loop_notify(self, user):
        """One notice to ``user`` for the leads of ``self`` just assigned."""
        names = Markup("").join(
            Markup("<li>%s</li>") % name for name in self[:20].mapped("name")
        )
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            self.env._(
                "%(count)s new lead(s) assigned to you, each with a first contact "
                "activity:",
                count=len(self),
            ),
            names,
        )
        self[:1].message_notify(
            partner_ids=user.partner_id.ids,
            subject=self.env._("New lead(s) assigned to you"),
            body=body,
        )

    # ------------------------------------------------------------
    # SWEEPER
    # ------------------------------------------------------------

    @api.model
    def _cron_assign_unowned(self, batch_size=1000):
        """Assign every open lead left without an owner, whatever its age."""
        started = time.monotonic()
        last_id, seen, assigned = 0, 0, 0
        while True:
            leads, logs = self._closed_loop_sweep(last_id, batch_size)
            if not leads:
                break
            last_id = max(leads.ids)
            seen += len(leads)
            assigned += len(logs)
            remaining = self._closed_loop_unowned_count(last_id)
            if not self.env["ir.cron"]._commit_progress(
                len(leads), remaining=remaining
            ):
                break
            # What is committed need not stay in memory: a backlog of 20,000
            # leads must not grow the cache batch after batch.
            self.env.invalidate_all()
        _logger.info(
            "Lead sweeper: %s unowned leads looked at, %s assigned in %.2fs",
            seen,
            assigned,
            time.monotonic() - started,
        )

    @api.model
    def _closed_loop_sweep(self, after_id=0, limit=1000):
        """One sweeper batch: the unowned leads after ``after_id``, assigned.

        Returns (leads looked at, logs). Leads no rule or fallback owner takes
        stay unowned and are looked at again by the next run, which changes
        nothing for them until a rule does.
        """
        leads = self._closed_loop_unowned_batch(after_id, limit)
        return leads, leads._closed_loop_assign()

    @api.model
    def _closed_loop_unowned_where(self, after_id):
        companies = list(self._closed_loop_companies_with_rules())
        # sudo: crm.team - the sweeper looks at every team of the database
        teams = (
            self.env["crm.team"]
            .sudo()
            .search([("assignment_fallback_user_id", "!=", False)])
        )
        return SQL(
            "active AND user_id IS NULL AND won_status = 'pending' AND id > %s"
            " AND (company_id IS NULL OR company_id = ANY(%s) OR team_id = ANY(%s))",
            after_id,
            companies,
            teams.ids,
        )

    @api.model
    def _closed_loop_unowned_batch(self, after_id, limit):
        """The next ``limit`` unowned open leads after ``after_id``, locked.

        SKIP LOCKED leaves the leads another worker is assigning (a parallel
        sweeper, a create in flight) to that worker.
        """
        self.flush_model(["active", "user_id", "won_status", "company_id", "team_id"])
        rows = locking.lock_skipping_held(
            self.env,
            SQL(
                "SELECT id FROM crm_lead WHERE %s ORDER BY id LIMIT %s"
                " FOR UPDATE SKIP LOCKED",
                self._closed_loop_unowned_where(after_id),
                limit,
            ),
        )
        return self.browse(row[0] for row in rows)

    @api.model
    def _closed_loop_unowned_count(self, after_id):
        self.env.cr.execute(
            SQL(
                "SELECT COUNT(*) FROM crm_lead WHERE %s",
                self._closed_loop_unowned_where(after_id),
            )
        )
        return self.env.cr.fetchone()[0]
