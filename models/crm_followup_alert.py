from odoo import fields, models


class CrmFollowupAlert(models.Model):
    """The record that one rung of the escalation ladder was sent for one deadline.

    The follow-up action inserts it in the same transaction as the activity and
    the notification it sends, so a crash loses both or neither, and the unique
    index turns a second send for the same deadline into a no-op.
    """

    _name = "crm.followup.alert"
    _description = "Follow-up alert sent"
    _order = "id desc"

    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one("res.company", index=True)
    deadline = fields.Datetime(required=True)
    rung = fields.Selection(
        [
            ("owner", "Owner reminded"),
            ("leader", "Team leader alerted"),
            ("reassign", "Reassigned"),
        ],
        required=True,
    )
    user_id = fields.Many2one("res.users", string="Alerted user")
    activity_id = fields.Many2one("mail.activity", ondelete="set null")
    note = fields.Char()

    # The follow-up action reads which rungs were sent for a lead's current
    # deadline, and relies on this index to refuse a duplicate.
    _lead_deadline_rung_uniq = models.UniqueIndex(
        "(lead_id, deadline, rung)",
        "This alert was already sent for this deadline.",
    )
