from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.crm_contact_event import CONTACT_CHANNELS, CONTACT_OUTCOMES


class CrmContactLog(models.TransientModel):
    """Log a call, visit or message made outside Odoo, and plan the next step."""

    _name = "crm.contact.log"
    _description = "Log a contact"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade")
    channel = fields.Selection(
        [c for c in CONTACT_CHANNELS if c[0] not in ("activity", "calendar")],
        required=True,
        default="call",
    )
    outcome = fields.Selection(CONTACT_OUTCOMES, default="reached")
    note = fields.Text()
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    next_activity_type_id = fields.Many2one(
        "mail.activity.type",
        "Next step",
        domain="[('res_model', 'in', (False, 'crm.lead'))]",
    )
    next_date = fields.Date("Next step on")
    next_summary = fields.Char("Next step summary")

    @api.onchange("next_activity_type_id")
    def _onchange_next_activity_type_id(self):
        if self.next_activity_type_id and not self.next_date:
            self.next_date = self.next_activity_type_id._get_date_deadline()

    def action_log(self):
        self.ensure_one()
        lead = self.lead_id
        lead.check_access("write")
        if self.date > fields.Datetime.now():
            raise UserError(
                self.env._("A contact cannot be logged in the future; fix its date.")
            )
        self.env["crm.contact.event"].create(
            {
                "lead_id": lead.id,
                "user_id": self.env.user.id,
                "channel": self.channel,
                "direction": "out",
                "date": self.date,
                "outcome": self.outcome,
                "note": self.note,
            }
        )
        # The chatter line is the trace for colleagues; the event above is the
        # contact, so the note itself must not count a second time.
        lead.with_context(crm_contact_no_record=True).message_post(
            body=self._chatter_body(),
            subtype_xmlid="mail.mt_note",
        )
        if self.next_activity_type_id:
            lead.activity_schedule(
                activity_type_id=self.next_activity_type_id.id,
                date_deadline=self.next_date or fields.Date.context_today(self),
                summary=self.next_summary or self.next_activity_type_id.summary or "",
                user_id=lead.user_id.id or self.env.user.id,
            )
        return {"type": "ir.actions.act_window_close"}

    def _chatter_body(self):
        channels = dict(self._fields["channel"]._description_selection(self.env))
        outcomes = dict(self._fields["outcome"]._description_selection(self.env))
        text = self.env._(
            "%(channel)s logged: %(outcome)s",
            channel=channels[self.channel],
            outcome=outcomes.get(self.outcome, "-"),
        )
        return f"{text}. {self.note}" if self.note else text
