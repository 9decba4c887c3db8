from odoo import fields, models

LEAD_SCOPES = [
    ("stock", "Own leads and every unassigned lead (Odoo default)"),
    ("own", "Own leads only"),
    ("team_queue", "Own leads and the unassigned leads of their teams"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    # Odoo's own rule stays the default so that a fresh install, and the host's
    # crm tests, keep stock visibility until a company narrows it.
    crm_lead_scope = fields.Selection(
        LEAD_SCOPES,
        string="Salespeople See",
        required=True,
        default="stock",
        help="What a salesperson with 'own documents' rights reads and writes of "
        "this company's leads. Except with the Odoo default, the leader of a "
        "sales team also reads and writes every lead of that team, with their "
        "contact log, assignment log and follow-up alerts.",
    )
