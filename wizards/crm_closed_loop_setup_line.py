from odoo import fields, models

# Where each kind of item is fixed: an action xml id, opened on the record's
# team when it has one.
TEAM_FIX_ACTIONS = {
    "team_rule": "crm_closed_loop.crm_assignment_rule_action",
    "team_policy": "crm_closed_loop.crm_followup_policy_action",
    "team_form": "crm_closed_loop.crm_intake_form_action",
}


class CrmClosedLoopSetupLine(models.TransientModel):
    _name = "crm.closed.loop.setup.line"
    _description = "Closed-loop setup checklist item"
    _order = "setup_id, sequence, id"

    setup_id = fields.Many2one(
        "crm.closed.loop.setup", required=True, ondelete="cascade", index=True
    )
    sequence = fields.Integer()
    area = fields.Selection(
        [("company", "Company"), ("team", "Sales team"), ("campaign", "Campaign")],
        required=True,
    )
    name = fields.Char("Item", required=True)
    state = fields.Selection(
        [("ok", "Configured"), ("missing", "Missing")], required=True
    )
    detail = fields.Char()
    fix = fields.Selection(
        [
            ("company_calendar", "Working schedule"),
            ("company_probability", "CRM settings"),
            ("team_members", "Sales team"),
            ("team_rule", "Assignment rules"),
            ("team_policy", "Follow-up policies"),
            ("team_form", "Intake forms"),
            ("campaign_account", "Marketing analytic account"),
            ("campaign_spend", "Campaign"),
        ],
        required=True,
    )
    res_model = fields.Char(required=True)
    res_id = fields.Integer(required=True)

    def action_fix(self):
        """Open the screen where this item is configured."""
        self.ensure_one()
        record = self.env[self.res_model].browse(self.res_id).exists()
        if self.fix in TEAM_FIX_ACTIONS:
            action = self.env["ir.actions.act_window"]._for_xml_id(
                TEAM_FIX_ACTIONS[self.fix]
            )
            action["domain"] = [("team_id", "=", record.id)]
            action["context"] = {
                "default_team_id": record.id,
                "default_company_id": (record.company_id or self.env.company).id,
            }
            return action
        if self.fix == "company_probability":
            return self.env["ir.actions.act_window"]._for_xml_id(
                "crm.crm_config_settings_action"
            )
        if self.fix == "campaign_account":
            return record.action_create_marketing_analytic_account()
        action = {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
        if self.fix == "company_calendar":
            action["views"] = [
                (
                    self.env.ref(
                        "crm_closed_loop.res_company_view_form_closed_loop_schedule"
                    ).id,
                    "form",
                )
            ]
            action["target"] = "new"
        return action
