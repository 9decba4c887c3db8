from odoo import Command
from odoo.tests import TransactionCase, new_test_user

# Map of the fixture (no demo data is used):
#
#   company A (the test company)                 company B
#   ├─ team T: leader L, members S1, S2          └─ (used by the company tests)
#   │    ├─ L1 owned by S1
#   │    ├─ L2 owned by S2
#   │    └─ L3 unassigned
#   └─ team O: member S_other
#        └─ L4 unassigned
#
# Each lead has one contact event, one follow-up alert and, when owned, one
# assignment log line.


class AccessCase(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        company = {"company_id": cls.company_a.id, "company_ids": cls.company_a.ids}

        def user(login, groups):
            return new_test_user(cls.env, login, groups=groups, **company)

        salesman = "sales_team.group_sale_salesman"
        cls.s1 = user("acc_s1", salesman)
        cls.s2 = user("acc_s2", salesman)
        cls.leader = user("acc_leader", salesman)
        cls.s_other = user("acc_s_other", salesman)
        cls.all_leads = user(
            "acc_all_leads", "sales_team.group_sale_salesman_all_leads"
        )
        cls.manager = user("acc_manager", "sales_team.group_sale_manager")
        cls.marketer = user("acc_marketer", "crm_closed_loop.group_marketing")
        cls.accountant = user("acc_accountant", "account.group_account_user")
        cls.visitor = cls.env.ref("base.public_user")

        Team = cls.env["crm.team"]
        cls.team_t = Team.create(
            {
                "name": "T",
                "company_id": cls.company_a.id,
                "user_id": cls.leader.id,
                "crm_team_member_ids": [
                    Command.create({"user_id": member.id})
                    for member in (cls.s1, cls.s2)
                ],
            }
        )
        cls.team_o = Team.create(
            {
                "name": "O",
                "company_id": cls.company_a.id,
                "crm_team_member_ids": [Command.create({"user_id": cls.s_other.id})],
            }
        )
        Lead = cls.env["crm.lead"].with_context(closed_loop_no_assign=True)
        cls.l1, cls.l2, cls.l3, cls.l4 = Lead.create(
            [
                {"name": "L1", "team_id": cls.team_t.id, "user_id": cls.s1.id},
                {"name": "L2", "team_id": cls.team_t.id, "user_id": cls.s2.id},
                {"name": "L3", "team_id": cls.team_t.id, "user_id": False},
                {"name": "L4", "team_id": cls.team_o.id, "user_id": False},
            ]
        )
        cls.leads = cls.l1 | cls.l2 | cls.l3 | cls.l4
        cls.env["crm.contact.event"].create(
            [
                {"lead_id": lead.id, "company_id": cls.company_a.id, "note": lead.name}
                for lead in cls.leads
            ]
        )
        cls.env["crm.assignment.log"].create(
            [
                {
                    "lead_id": lead.id,
                    "method": "fallback",
                    "user_id": lead.user_id.id,
                    "team_id": lead.team_id.id,
                    "company_id": cls.company_a.id,
                    "reason": f"{lead.name} to {lead.user_id.name}",
                }
                for lead in (cls.l1, cls.l2)
            ]
        )
        cls.env["crm.followup.alert"].create(
            [
                {
                    "lead_id": lead.id,
                    "company_id": cls.company_a.id,
                    "deadline": "2027-01-01 09:00:00",
                    "rung": "owner",
                    "user_id": lead.user_id.id,
                }
                for lead in cls.leads
            ]
        )
        cls.campaign = cls.env["utm.campaign"].create({"title": "Bridal fair"})
        cls.source = cls.env["utm.source"].create({"name": "Bridal magazine"})

    def set_scope(self, scope):
        self.company_a.crm_lead_scope = scope

    def visible(self, user, model="crm.lead", field="lead_id"):
        """The fixture leads whose records of ``model`` ``user`` can search."""
        Model = self.env[model].with_user(user).with_context(active_test=False)
        if model == "crm.lead":
            return Model.search([("id", "in", self.leads.ids)]).sudo()
        return Model.search([(field, "in", self.leads.ids)]).sudo()[field]
