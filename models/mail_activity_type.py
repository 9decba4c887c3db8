from odoo import fields, models

from .crm_contact_event import CONTACT_CHANNELS


class MailActivityType(models.Model):
    _inherit = "mail.activity.type"

    is_contact_type = fields.Boolean(
        "Counts as a contact",
        help="Marking an activity of this type as done records a contact with "
        "the lead's customer.",
    )
    contact_channel = fields.Selection(
        CONTACT_CHANNELS,
        default="activity",
        help="Channel of the contact recorded when such an activity is done.",
    )
