from odoo import fields, models

from .crm_assignment_rule import METHODS


class CrmAssignmentLog(models.Model):
    _name = "crm.assignment.log"
    _description = "Lead Assignment Log"
    _order = "date desc, id desc"
    _check_company_auto = True

    date = fields.Datetime(required=True, default=fields.Datetime.now, readonly=True)
    lead_id = fields.Many2one("crm.lead", required=True, ondelete="cascade", index=True)
    rule_id = fields.Many2one(
        "crm.assignment.rule",
        ondelete="set null",
        index="btree_not_null",
    )
    method = fields.Selection(
        [*METHODS, ("fallback", "Team fallback owner")], required=True
    )
    user_id = fields.Many2one("res.users", string="Assigned to", required=True)
    team_id = fields.Many2one("crm.team", string="Sales Team")
    company_id = fields.Many2one("res.company", required=True, index=True)
    reason = fields.Char(required=True)
