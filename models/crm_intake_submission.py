import logging
from contextlib import nullcontext
from datetime import datetime, timedelta

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import ConcurrencyError, UserError
from odoo.fields import Domain
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, email_normalize, ormcache
from odoo.tools.mail import plaintext2html
from odoo.tools.sql import escape_psql

from ..tools import locking
from .lib import intake_payload

_logger = logging.getLogger(__name__)

# A double click or a client's retry arrives within seconds; five minutes also
# covers a calculator that re-sends after a timeout.
IDEMPOTENCY_WINDOW = timedelta(minutes=5)
EPOCH = datetime(1970, 1, 1)
RATE_WINDOW = timedelta(minutes=10)
RATE_LIMIT_PARAM = "crm_closed_loop.intake_rate_limit"
DEFAULT_RATE_LIMIT = 20
MAX_ATTEMPTS = 5
CRON_BATCH = 50
# Lost races with a rival transaction (round-robin row, duplicate payload):
# nothing is wrong with the enquiry, doing it again later succeeds.
TRANSIENT_ERRORS = (*PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, ConcurrencyError)
UTM_FIELDS = {
    "utm_source": ("source_id", "utm.source"),
    "utm_medium": ("medium_id", "utm.medium"),
    "utm_campaign": ("campaign_id", "utm.campaign"),
}
# crm.lead fields filled from calculator answers of the same name.
ANSWER_FIELDS = {
    "event_date": "intake_event_date",
    "guests": "intake_guests",
    "package": "intake_package",
    "quoted_amount": "intake_quoted_amount",
}


class CrmIntakeSubmission(models.Model):
    """One body posted to ``/crm/intake``, stored as received before processing.

    Processing turns it into a lead (or a note on a returning contact's lead).
    A failure leaves the submission queued with its error for the retry cron,
    so an enquiry is never lost to a bug or a misconfiguration.
    """

    _name = "crm.intake.submission"
    _description = "Web Enquiry"
    _order = "received_date desc, id desc"
    _check_company_auto = True

    # From the id, not from an ir.sequence: drawing the next number of a
    # sequence took about 3 ms of each enquiry (its lookup, its read, the
    # visitor's time zone), a tenth of what capture may add to a lead.
    name = fields.Char(
        string="Reference", compute="_compute_name", store=True, copy=False
    )
    form_id = fields.Many2one(
        "crm.intake.form",
        required=True,
        readonly=True,
        ondelete="restrict",
        check_company=True,
        index=True,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("rejected", "Rejected"),
        ],
        required=True,
        default="queued",
        readonly=True,
        help="Queued: waiting to become a lead, retried by a scheduled action. "
        "Failed: gave up after several attempts; use Retry once the cause is fixed. "
        "Rejected: refused input, kept for review.",
    )
    raw_body = fields.Text(string="Body as Received", readonly=True)
    content_type = fields.Char(readonly=True)
    client_address = fields.Char(readonly=True)
    origin = fields.Char(readonly=True)
    error = fields.Text(readonly=True)
    attempts = fields.Integer(readonly=True)
    lead_id = fields.Many2one(
        "crm.lead",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    idempotency_hash = fields.Char(readonly=True, copy=False)
    idempotency_slot = fields.Integer(
        compute="_compute_idempotency_slot", store=True, copy=False, precompute=True
    )
    received_date = fields.Datetime(
        required=True, readonly=True, default=fields.Datetime.now
    )
    processed_date = fields.Datetime(readonly=True)

    # Serves the duplicate claim in _receive: two requests with the same payload
    # in the same window cannot both insert, the loser is retried and finds the
    # winner. Its hash prefix also serves the duplicate lookup.
    _idempotency_unique = models.UniqueIndex(
        "(idempotency_hash, idempotency_slot) WHERE idempotency_hash IS NOT NULL"
    )
    # Serves _rate_limited: a client's submissions since a date.
    _client_received_idx = models.Index("(client_address, received_date)")
    # Serves _cron_process_queued: pending work, oldest first.
    _pending_idx = models.Index(
        "(received_date, id) WHERE state IN ('queued', 'failed')"
    )

    # Given once, when the row is created.
    @api.depends("create_date")
    def _compute_name(self):
        for submission in self:
            number = submission._origin.id
            submission.name = f"ENQ/{number:06d}" if number else "/"

    @api.depends("idempotency_hash", "received_date")
    def _compute_idempotency_slot(self):
        window = IDEMPOTENCY_WINDOW.total_seconds()
        for submission in self:
            received = submission.received_date
            submission.idempotency_slot = (
                int((received - EPOCH).total_seconds() // window)
                if submission.idempotency_hash and received
                else 0
            )

    # ------------------------------------------------------------
    # Reception (called by the public controller, in sudo)
    # ------------------------------------------------------------

    @api.model
    def _rate_limited(self, client_address):
        """Whether ``client_address`` sent too many submissions lately."""
        limit = int(
            self.env["ir.config_parameter"].get_param(
                RATE_LIMIT_PARAM, DEFAULT_RATE_LIMIT
            )
        )
        if limit <= 0:
            return False
        since = fields.Datetime.now() - RATE_WINDOW
        count = self.search_count(
            [("client_address", "=", client_address), ("received_date", ">=", since)],
            limit=limit,
        )
        return count >= limit

    @api.model
    def _receive(
        self, form, body, content_type, client_address, origin=None, can_replay=False
    ):
        """Store a body posted for ``form``, then try to process it.

        :param bytes body: the body as received
        :param bool can_replay: whether Odoo will still replay the request on a
            concurrency error; without it such an error queues the enquiry for
            the retry cron, triggered at once, so the visitor still gets a
            reference
        :return: ``(http_status, answer)`` where answer is a JSON-able dict
        """
        values = {
            "form_id": form.id,
            "company_id": form.company_id.id,
            "raw_body": body.decode("utf-8", "replace"),
            "content_type": (content_type or "")[:128],
            "client_address": client_address,
            "origin": (origin or "")[:256],
        }
        if not intake_payload.origin_allowed(origin, form._allowed_origins()):
            self._store_rejected(
                values,
                self.env._(
                    "Origin %(origin)s is not allowed for this form.",
                    origin=origin or "-",
                ),
            )
            return 403, {
                "ok": False,
                "error": self.env._("This website may not post this form."),
            }
        try:
            decoded = intake_payload.decode_body(body, content_type)
            if intake_payload.honeypot_filled(decoded):
                self._store_rejected(values, self.env._("Honeypot field filled in."))
                # A bot learns nothing from the answer.
                return 200, {"ok": True}
            payload = intake_payload.parse_payload(decoded, form._accepted_answers())
        except intake_payload.PayloadError as error:
            self._store_rejected(values, str(error))
            return 400, self._refusal(error)
        digest = intake_payload.payload_hash(form.key, payload)
        now = fields.Datetime.now()
        duplicate = self._find_duplicate(digest, now)
        if duplicate:
            return duplicate._answer(duplicate=True)
        values.update(idempotency_hash=digest, received_date=now)
        try:
            # Where Odoo replays the request on the error below, nothing of this
            # transaction needs to outlive it: no savepoint, two round trips
            # less per enquiry.
            with nullcontext() if can_replay else self.env.cr.savepoint():
                submission = self.create(values)
        except pg_errors.UniqueViolation as error:
            # The same payload is being stored by a concurrent request; retrying
            # this request (Odoo does it for ConcurrencyError) finds that one.
            if can_replay:
                raise ConcurrencyError("Same intake payload received twice") from error
            # Out of replays: the rival's enquiry is stored, under a reference
            # this transaction cannot see yet.
            return 202, {"ok": True, "status": "queued", "duplicate": True}
        submission._process(can_replay=can_replay)
        if payload.ignored:
            _logger.info(
                "Intake submission %s: ignored fields %s",
                submission.name,
                ", ".join(payload.ignored),
            )
        return submission._answer()

    @api.model
    def _find_duplicate(self, digest, now):
        """The first submission of the payload hashed ``digest`` received in the
        idempotency window before ``now``.

        Also bounds the lock waits of the rest of the transaction, in the same
        round trip: a visitor waits for no rival for long, and the insert of
        the submission waits for a rival storing the same payload, the lead for
        rows a rival holds.
        """
        self.flush_model(["idempotency_hash", "received_date"])
        self.env.cr.execute(
            SQL(
                "%s; SELECT id FROM crm_intake_submission"
                " WHERE idempotency_hash = %s AND received_date >= %s"
                " ORDER BY id LIMIT 1",
                locking.lock_waits_bound(),
                digest,
                now - IDEMPOTENCY_WINDOW,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _refusal(self, error):
        """The answer to a body refused with ``error`` (a PayloadError)."""
        return {
            "ok": False,
            "error": self.env._(
                "Please correct the enquiry: %(problems)s", problems=str(error)
            ),
            "fields": error.problems,
        }

    def _store_rejected(self, values, error):
        _logger.warning("Intake submission rejected: %s", error)
        return self.create({**values, "state": "rejected", "error": error})

    def _answer(self, duplicate=False):
        self.ensure_one()
        answer = {"ok": True, "reference": self.name, "status": self.state}
        if duplicate:
            answer["duplicate"] = True
        if self.state == "done":
            answer["lead_id"] = self.lead_id.id
            return (200 if duplicate else 201), answer
        answer["status"] = "queued"
        return 202, answer

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_retry(self):
        pending = self.filtered(lambda s: s.state in ("queued", "failed"))
        if not pending:
            raise UserError(
                self.env._("Only queued or failed web enquiries can be retried.")
            )
        # sudo: crm.intake.submission - lead goes to the form's company as on the web
        pending = pending.sudo()
        locked = pending.try_lock_for_update()
        if locked != pending:
            raise UserError(
                self.env._("These web enquiries are being processed; try again soon.")
            )
        locked.write({"attempts": 0})
        locked._process()
        return True

    # ------------------------------------------------------------
    # Processing
    # ------------------------------------------------------------

    def _process(self, can_replay=False):
        """Turn queued submissions into leads; idempotent.

        Each submission is processed in its own savepoint: a failure rolls back
        only that lead and keeps the submission queued, with the error, for the
        retry cron. A lost race with a rival transaction is raised when
        ``can_replay`` (Odoo then replays the whole request on a fresh
        snapshot); otherwise it queues the submission without counting an
        attempt and triggers the retry cron at once.
        """
        conflicts = False
        for submission in self:
            if submission.state not in ("queued", "failed"):
                continue
            attempts = submission.attempts + 1
            try:
                with self.env.cr.savepoint():
                    lead = submission._make_lead()
            except intake_payload.PayloadError as error:
                # The form's accepted answers changed since it was received.
                submission.write(
                    {"state": "rejected", "error": str(error), "attempts": attempts}
                )
            except TRANSIENT_ERRORS as error:
                if can_replay:
                    raise
                # Under REPEATABLE READ this transaction cannot see the rival's
                # commit any more: only a new transaction can succeed.
                _logger.info(
                    "Intake submission %s lost a race with another worker (%s);"
                    " queued for an immediate retry",
                    submission.name,
                    type(error).__name__,
                )
                submission.write({"error": str(error) or repr(error)})
                conflicts = True
            except Exception as error:
                # Any failure must leave the enquiry for a retry, not lose it.
                _logger.warning(
                    "Intake submission %s failed (attempt %s)",
                    submission.name,
                    attempts,
                    exc_info=True,
                )
                submission.write(
                    {
                        "state": "failed" if attempts >= MAX_ATTEMPTS else "queued",
                        "error": str(error) or repr(error),
                        "attempts": attempts,
                    }
                )
            else:
                submission.write(
                    {
                        "state": "done",
                        "lead_id": lead.id,
                        "error": False,
                        "attempts": attempts,
                        "processed_date": fields.Datetime.now(),
                    }
                )
        if conflicts:
            self.env.ref(
                "crm_closed_loop.crm_intake_submission_cron_process"
            )._trigger()

    def _payload(self):
        self.ensure_one()
        decoded = intake_payload.decode_body(self.raw_body or "", self.content_type)
        return intake_payload.parse_payload(decoded, self.form_id._accepted_answers())

    def _make_lead(self):
        """Create the lead of this submission, or record it on the open lead of a
        returning contact; return that lead."""
        self.ensure_one()
        form = self.form_id
        payload = self._payload()
        # The web visitor (public user) must not follow the leads of the business.
        Lead = (
            self.env["crm.lead"]
            .with_company(form.company_id)
            .with_context(mail_create_nosubscribe=True)
        )
        open_lead = self._find_open_lead(Lead, payload)
        if open_lead and form.returning_contact_mode == "append":
            open_lead._intake_record_returning(self, payload)
            return open_lead
        vals = self._lead_values(payload)
        if open_lead:
            vals.update(user_id=open_lead.user_id.id, is_returning_contact=True)
        return Lead.create(vals)

    def _find_open_lead(self, Lead, payload):
        """The newest open lead with the same e-mail or phone in the form's company."""
        company = self.form_id.company_id
        email = email_normalize(payload.contact.get("email") or "")
        # The company's country is its partner's: read there, it spares the
        # computation of the company's whole address on every enquiry.
        phone = payload.contact.get("phone") and Lead._phone_format(
            number=payload.contact["phone"], country=company.partner_id.country_id
        )
        matches = []
        if email:
            matches.append(Domain("email_normalized", "=", email))
        if phone:
            matches.append(Domain("phone_sanitized", "=", phone))
        if not matches:
            return Lead
        domain = (
            Domain("company_id", "=", company.id)
            & Domain("won_status", "=", "pending")
            & Domain.OR(matches)
        )
        return Lead.search(domain, order="create_date desc, id desc", limit=1)

    def _lead_values(self, payload):
        form = self.form_id
        contact = payload.contact
        label = contact.get("name") or contact.get("email") or contact.get("phone")
        utm_vals, unknown_utm = self._utm_values(payload.utm)
        vals = {
            "name": self.env._("%(contact)s, %(form)s", contact=label, form=form.name),
            "type": "lead" if form.team_id.use_leads else "opportunity",
            "company_id": form.company_id.id,
            "team_id": form.team_id.id,
            # Left to the assignment rules; the default would be the public user.
            "user_id": False,
            "contact_name": contact.get("name"),
            "email_from": contact.get("email"),
            "phone": contact.get("phone"),
            "partner_name": contact.get("company"),
            "description": self._description_html(payload, unknown_utm),
            "intake_form_id": form.id,
            **self._answer_values(payload),
            # Set even when empty: left out, Odoo would fill them from the
            # visitor's utm cookies and create any value it does not find.
            "source_id": False,
            "medium_id": False,
            "campaign_id": False,
            **utm_vals,
        }
        revenue = intake_payload.expected_revenue(form.revenue_mode, payload.answers)
        if revenue is not None:
            vals["expected_revenue"] = float(revenue)
        return vals

    @api.model
    def _answer_values(self, payload):
        vals = {}
        for answer, fname in ANSWER_FIELDS.items():
            value = payload.answers.get(answer)
            if value is not None:
                vals[fname] = float(value) if answer == "quoted_amount" else value
        return vals

    def _description_html(self, payload, unknown_utm=None):
        """The message, answers and unknown UTM values as HTML; every value from the
        web is escaped."""
        if unknown_utm is None:
            # Only noted here (a returning contact's lead keeps its UTM fields):
            # nothing is created for it.
            unknown_utm = self._utm_values(payload.utm, create=False)[1]
        parts = []
        message = payload.contact.get("message")
        if message:
            parts.append(plaintext2html(message))
        if payload.answers:
            items = Markup().join(
                Markup("<li>%s: %s</li>") % (name, value)
                for name, value in payload.answers.items()
            )
            parts.append(Markup("<ul>%s</ul>") % items)
        if unknown_utm:
            items = Markup().join(
                Markup("<li>%s: %s</li>") % (name, value)
                for name, value in unknown_utm.items()
            )
            parts.append(
                Markup("<p>%s</p><ul>%s</ul>")
                % (self.env._("Tracking values not known to Odoo:"), items)
            )
        parts.append(
            Markup("<p>%s</p>")
            % self.env._(
                "Web enquiry %(ref)s from %(form)s",
                ref=self.name,
                form=self.form_id.name,
            )
        )
        return Markup().join(parts)

    def _utm_values(self, utm, create=None):
        """The lead's UTM fields, and the labels matching no UTM record that were
        not created: ``(vals, {utm key: cleaned label})``. ``create`` defaults to
        the form's setting."""
        if create is None:
            create = self.form_id.allow_new_utm
        vals, unknown = {}, {}
        for key, (fname, model_name) in UTM_FIELDS.items():
            if not utm.get(key):
                continue
            record = self._match_utm(model_name, utm[key], create=create)
            if record:
                vals[fname] = record.id
            else:
                unknown[key] = intake_payload.clean_text(utm[key])
        return vals, unknown

    @api.model
    def _match_utm(self, model_name, label, create=False):
        """The UTM record named ``label`` ignoring case and blanks; if there is
        none, a new one when ``create``, else an empty recordset."""
        Model = self.env[model_name].with_context(active_test=False)
        clean = intake_payload.clean_text(label)
        record_id = self._utm_id_by_label(model_name, clean)
        if record_id or not create:
            return Model.browse(record_id)
        return Model.create({"name": clean})

    @api.model
    @ormcache("model_name", "clean", "self.env.lang")
    def _utm_id_by_label(self, model_name, clean):
        """Id of the oldest ``model_name`` record (archived ones included) whose
        name reads ``clean`` ignoring case and blanks, or None.

        Keyed by language too: a campaign's title is matched as translated in
        the visitor's language.

        Cached: every enquiry looks up three labels, and UTM records seldom
        change; creating, renaming or deleting one clears the cache (the UTM
        models take crm.closed.loop.cached.config.mixin).
        """
        wanted = intake_payload.utm_key(clean)
        # sudo: utm.source - the answer is cached for every caller, it must not
        # depend on who asks first
        Model = self.env[model_name].sudo().with_context(active_test=False)
        domain = Domain("name", "=ilike", escape_psql(clean))
        if model_name == "utm.campaign":
            domain |= Domain("title", "=ilike", escape_psql(clean))
        fnames = ["name", "title"] if model_name == "utm.campaign" else ["name"]
        for record in Model.search_fetch(domain, fnames, order="id"):
            names = [record.name] + (
                [record.title] if model_name == "utm.campaign" else []
            )
            if any(intake_payload.utm_key(name) == wanted for name in names):
                return record.id
        return None

    # ------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------

    @api.model
    def _cron_process_queued(self, batch_size=CRON_BATCH):
        """Retry queued and failed submissions, oldest first, in batches."""
        domain = Domain("state", "in", ("queued", "failed")) & Domain(
            "attempts", "<", MAX_ATTEMPTS
        )
        tried = []
        while True:
            todo = domain & Domain("id", "not in", tried)
            candidates = self.search(todo, order="received_date, id", limit=batch_size)
            if not candidates:
                break
            tried += candidates.ids
            # A manager's Retry or a second cron worker may hold some of them.
            rows = locking.lock_skipping_held(
                self.env,
                SQL(
                    "SELECT id FROM crm_intake_submission WHERE id IN %s"
                    " FOR UPDATE SKIP LOCKED",
                    tuple(candidates.ids),
                ),
            )
            batch = self.browse(row[0] for row in rows)
            batch.invalidate_recordset(["state", "attempts"])
            batch._process()
            done = len(batch.filtered(lambda s: s.state == "done"))
            _logger.info(
                "Intake retry: %s of %s submissions processed", done, len(batch)
            )
            remaining = self.search_count(domain & Domain("id", "not in", tried))
            if not self.env["ir.cron"]._commit_progress(
                len(batch), remaining=remaining
            ):
                break
