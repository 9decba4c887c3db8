from markupsafe import Markup

from odoo import fields, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    intake_form_id = fields.Many2one(
        "crm.intake.form",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="The web form or calculator the enquiry came from.",
    )
    is_returning_contact = fields.Boolean(
        readonly=True,
        help="The e-mail or phone already had an open lead when this enquiry came in.",
    )
    # Calculator answers, as fields so that filters and assignment rules can
    # match them.
    intake_event_date = fields.Date(string="Event Date")
    intake_guests = fields.Integer(string="Guests")
    intake_package = fields.Char(string="Package")
    intake_quoted_amount = fields.Monetary(
        string="Quoted Amount", currency_field="company_currency"
    )

    # Serves the returning-contact lookup of every web enquiry
    # (crm.intake.submission._find_open_lead): WHERE email_normalized = %s.
    # Odoo's own index on the column is a trigram one, made for ilike, and
    # takes milliseconds for an equality at a million leads.
    _email_normalized_equal_idx = models.Index(
        "(email_normalized) WHERE email_normalized IS NOT NULL"
    )

    def _intake_record_returning(self, submission, payload):
        """Record a returning contact's new enquiry on this open lead."""
        self.ensure_one()
        vals = {"is_returning_contact": True}
        for fname, value in submission._answer_values(payload).items():
            if not self[fname]:
                vals[fname] = value
        self.write(vals)
        body = Markup("<p>%s</p>%s") % (
            self.env._("The contact sent a new enquiry:"),
            submission._description_html(payload),
        )
        # Shown as written by the contact, not by the public user of the request.
        email = payload.contact.get("email") or self.email_from
        author = (
            {"email_from": email}
            if email
            else {"author_id": self.env.ref("base.partner_root").id}
        )
        self.message_post(body=body, subtype_xmlid="mail.mt_note", **author)
