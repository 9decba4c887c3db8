from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .lib import intake_payload


class CrmIntakeForm(models.Model):
    """A web form or calculator allowed to post enquiries to ``/crm/intake``."""

    _name = "crm.intake.form"
    _description = "Lead Intake Form"
    _order = "company_id, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    key = fields.Char(
        required=True,
        copy=False,
        help="Sent by the web form in its 'form' field to say which form this is.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        help="Leads of this form are created in this company.",
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        required=True,
        check_company=True,
        help="Leads of this form start in this team.",
    )
    accepted_fields = fields.Char(
        string="Accepted Answers",
        default=",".join(intake_payload.DEFAULT_ACCEPTED_ANSWERS),
        help="Calculator answers kept from a submission, comma separated. Contact "
        "and UTM fields are always accepted; other fields are ignored.",
    )
    revenue_mode = fields.Selection(
        [
            ("none", "Leave empty"),
            ("quote", "Quoted amount"),
            ("quote_per_guest", "Quoted amount per guest times guests"),
        ],
        string="Expected Revenue From",
        required=True,
        default="quote",
        help="How the calculator's quoted_amount fills the lead's expected revenue.",
    )
    allowed_origins = fields.Text(
        help="Websites allowed to post this form, one per line, like "
        "https://www.example.com. Empty: any site, and servers without an Origin.",
    )
    returning_contact_mode = fields.Selection(
        [
            ("append", "Record on the open lead"),
            ("new_lead", "New lead for the same salesperson"),
        ],
        string="Returning Contact",
        required=True,
        default="append",
        help="When the e-mail or phone already has an open lead in this company.",
    )
    # Anonymous visitors must not grow the lists of sources, mediums and
    # campaigns that reports group by; a trusted form may.
    allow_new_utm = fields.Boolean(
        string="Create New Tracking Values",
        help="When a posted utm_source, utm_medium or utm_campaign matches no "
        "existing record (ignoring case and blanks), create one. Off: the value is "
        "written in the lead's description and the field is left empty.",
    )
    submission_count = fields.Integer(compute="_compute_submission_count")

    _key_unique = models.Constraint(
        "UNIQUE(key)", "Each intake form needs its own key."
    )

    @api.constrains("key")
    def _check_key(self):
        for form in self:
            if not intake_payload.is_form_key(form.key):
                raise ValidationError(
                    self.env._(
                        "The key %(key)s may only use letters, digits, '-' and '_' "
                        "(up to 64).",
                        key=form.key,
                    )
                )

    @api.constrains("accepted_fields", "allowed_origins")
    def _check_lists(self):
        for form in self:
            try:
                intake_payload.parse_accepted_answers(form.accepted_fields)
                intake_payload.parse_origins(form.allowed_origins)
            except intake_payload.PayloadError as error:
                problems = "; ".join(error.problems.values())
                raise ValidationError(
                    self.env._(
                        "Form %(form)s: %(problems)s", form=form.name, problems=problems
                    )
                ) from error

    def _compute_submission_count(self):
        counts = dict(
            self.env["crm.intake.submission"]._read_group(
                [("form_id", "in", self.ids)], ["form_id"], ["__count"]
            )
        )
        for form in self:
            form.submission_count = counts.get(form, 0)

    @api.model
    def _find_by_key(self, key):
        """The active form whose key is exactly ``key``, its settings read in
        the same query: the intake endpoint asks once per enquiry."""
        settings = [
            fname
            for fname, field in self._fields.items()
            if field.store and field.column_type and fname != "id"
        ]
        return self.search_fetch([("key", "=", key)], settings, limit=1)

    def _accepted_answers(self):
        self.ensure_one()
        return intake_payload.parse_accepted_answers(self.accepted_fields)

    def _allowed_origins(self):
        self.ensure_one()
        return intake_payload.parse_origins(self.allowed_origins)

    def action_view_submissions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_closed_loop.crm_intake_submission_action"
        )
        action["domain"] = [("form_id", "=", self.id)]
        action["context"] = {"default_form_id": self.id}
        return action
