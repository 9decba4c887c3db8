from odoo import fields, models


class ResUsers(models.Model):
    _inherit = "res.users"

    scorecard_email_opt_out = fields.Boolean(
        "No weekly scorecard e-mail",
        help="Sales managers receive the Marketing and Sales Scorecard every week "
        "unless they tick this.",
    )
    scorecard_last_sent = fields.Date(
        "Scorecard last sent for the week of",
        readonly=True,
        copy=False,
        help="Monday of the last week whose scorecard this user was sent; the "
        "weekly job skips users already served, so running it twice sends once.",
    )

    @property
    def SELF_READABLE_FIELDS(self):
        return [*super().SELF_READABLE_FIELDS, "scorecard_email_opt_out"]

    @property
    def SELF_WRITEABLE_FIELDS(self):
        return [*super().SELF_WRITEABLE_FIELDS, "scorecard_email_opt_out"]
