from odoo import fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    assignment_fallback_user_id = fields.Many2one(
        "res.users",
        string="Fallback Owner",
        domain="[('share', '=', False)]",
        check_company=True,
        help="Owns the new leads of this team that no assignment rule gives to "
        "anyone. Setting it switches assignment at creation on for this team.",
    )
    assignment_rule_ids = fields.One2many(
        "crm.assignment.rule", "team_id", string="Assignment Rules"
    )
