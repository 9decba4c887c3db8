"""The rule's pool is cached between leads, and every change that can alter it
reaches the next lead at once."""

from odoo import Command
from odoo.tests import new_test_user, tagged

from .assignment_common import AssignmentCommon


@tagged("post_install", "-at_install")
class TestAssignmentPoolCache(AssignmentCommon):
    def setUp(self):
        super().setUp()
        # The team's members, not a list of salespeople on the rule.
        self.rule = self._rule(user_ids=[Command.clear()])
        self.assertEqual(self.rule._get_pool(), self.anna | self.ben)

    def test_a_new_member_joins_the_pool(self):
        cleo = new_test_user(
            self.env, "cl_cleo", groups="sales_team.group_sale_salesman"
        )
        self.env["crm.team.member"].create(
            {"crm_team_id": self.team.id, "user_id": cleo.id}
        )
        self.assertEqual(self.rule._get_pool(), self.anna | self.ben | cleo)

    def test_a_paused_or_removed_member_leaves_it(self):
        membership = self.team.crm_team_member_ids.filtered(
            lambda member: member.user_id == self.anna
        )
        membership.assignment_optout = True
        self.assertEqual(self.rule._get_pool(), self.ben)
        membership.assignment_optout = False
        self.assertEqual(self.rule._get_pool(), self.anna | self.ben)
        membership.unlink()
        self.assertEqual(self.rule._get_pool(), self.ben)

    def test_rule_changes_reach_the_pool(self):
        self.rule.user_ids = self.anna
        self.assertEqual(self.rule._get_pool(), self.anna)
        other_team = self.env["crm.team"].create({"name": "Spa"})
        self.env["crm.team.member"].create(
            {"crm_team_id": other_team.id, "user_id": self.ben.id}
        )
        self.rule.write({"user_ids": [Command.clear()], "team_id": other_team.id})
        self.assertEqual(self.rule._get_pool(), self.ben)

    def test_archived_external_or_other_company_users_leave_it(self):
        self.anna.active = False
        self.assertEqual(self.rule._get_pool(), self.ben)
        self.anna.active = True
        other = self.env["res.company"].create({"name": "Other hotel"})
        self.ben.write(
            {"company_ids": [Command.set(other.ids)], "company_id": other.id}
        )
        self.assertEqual(self.rule._get_pool(), self.anna)
        # Made external where no cache is cleared (a group's own user list):
        # the cached pool is checked against each user's current state.
        self.rule._get_pool()
        self.env.cr.execute(
            "UPDATE res_users SET share = TRUE WHERE id = %s", [self.anna.id]
        )
        self.anna.invalidate_recordset(["share"])
        self.assertFalse(self.rule._get_pool())
