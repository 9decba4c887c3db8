from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    crm_attribution_months = fields.Integer(
        string="Attribution Window (months)",
        default=12,
        help="Revenue of a customer counts for the campaign and channel that "
        "acquired it during this many months after the acquisition date.",
    )

    _crm_attribution_months_positive = models.Constraint(
        "CHECK(crm_attribution_months > 0)",
        "The attribution window must last at least one month.",
    )
