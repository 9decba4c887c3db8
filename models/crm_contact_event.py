from odoo import api, fields, models

CONTACT_CHANNELS = [
    ("note", "Note"),
    ("email", "E-mail"),
    ("call", "Call"),
    ("meeting", "Meeting"),
    ("visit", "Visit"),
    ("whatsapp", "WhatsApp"),
    ("activity", "Activity"),
    ("calendar", "Calendar meeting"),
]
CONTACT_OUTCOMES = [
    ("reached", "Reached"),
    ("no_answer", "No answer"),
    ("left_message", "Left a message"),
    ("interested", "Interested"),
    ("not_interested", "Not interested"),
    ("callback", "Call back later"),
]


class CrmContactEvent(models.Model):
    """One touch between us and the customer of a lead.

    Everything that counts as contact becomes one of these; the lead's contact
    fields and its follow-up deadline are derived from them alone.
    """

    _name = "crm.contact.event"
    _description = "Lead contact"
    _order = "date desc, id desc"
    _check_company_auto = True

    lead_id = fields.Many2one(
        "crm.lead", required=True, ondelete="cascade", index=True, check_company=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", index="btree_not_null"
    )
    user_id = fields.Many2one("res.users", string="By", index="btree_not_null")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    channel = fields.Selection(CONTACT_CHANNELS, required=True, default="call")
    direction = fields.Selection(
        [("out", "Our contact"), ("in", "Customer's touch")],
        required=True,
        default="out",
        help="Our contact reaches the customer; a customer's touch (an incoming "
        "e-mail) leaves the lead awaiting our reply.",
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now)
    outcome = fields.Selection(CONTACT_OUTCOMES)
    note = fields.Text()
    message_id = fields.Many2one(
        "mail.message", ondelete="set null", index="btree_not_null"
    )
    calendar_event_id = fields.Many2one(
        "calendar.event", ondelete="set null", index="btree_not_null"
    )

    # The contact statistics of a batch of leads read first/last date and the
    # count per lead and direction in one grouped query.
    _lead_direction_date_idx = models.Index("(lead_id, direction, date)")
    # A held meeting is recorded by the follow-up action, possibly by two
    # workers; the unique index makes a second record fail instead of count twice.
    _calendar_event_uniq = models.UniqueIndex(
        "(calendar_event_id) WHERE calendar_event_id IS NOT NULL",
        "A calendar meeting is recorded as a contact only once.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        leads = self.env["crm.lead"].browse(
            [vals["lead_id"] for vals in vals_list if vals.get("lead_id")]
        )
        lead_by_id = {lead.id: lead for lead in leads}
        for vals in vals_list:
            lead = lead_by_id.get(vals.get("lead_id"))
            if lead:
                vals.setdefault("company_id", lead.company_id.id or self.env.company.id)
                vals.setdefault("partner_id", lead.partner_id.id)
        events = super().create(vals_list)
        events.lead_id._update_contact_stats()
        return events

    def write(self, vals):
        leads = self.lead_id
        result = super().write(vals)
        if {"lead_id", "date", "direction"} & set(vals):
            (leads | self.lead_id)._update_contact_stats()
        return result

    def unlink(self):
        leads = self.lead_id
        result = super().unlink()
        leads.exists()._update_contact_stats()
        return result
