import time

from odoo import api
from odoo.tests import TransactionCase, new_test_user, tagged

from ..tools import locking


@tagged("post_install", "-at_install")
class TestRotationSameTransaction(TransactionCase):
    """A manager edits a committed round-robin rule, then creates leads, in
    one request: the turns must not wait on the request's own row lock.

    The rule is committed so that another transaction can see it; the data is
    removed again afterwards.
    """

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            manager = new_test_user(
                env, "cl_rst_manager", groups="sales_team.group_sale_manager"
            )
            sellers = new_test_user(
                env, "cl_rst_anna", groups="sales_team.group_sale_salesman"
            ) | new_test_user(
                env, "cl_rst_ben", groups="sales_team.group_sale_salesman"
            )
            team = env["crm.team"].create(
                {"name": "Edited weddings", "company_id": env.company.id}
            )
            rule = env["crm.assignment.rule"].create(
                {
                    "name": "Edited round robin",
                    "team_id": team.id,
                    "user_ids": [(6, 0, sellers.ids)],
                    "method": "round_robin",
                    "assign_outside_hours": True,
                }
            )
            self.manager_id, self.seller_ids = manager.id, sellers.ids
            self.team_id, self.rule_id = team.id, rule.id
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"active_test": False})
            env["crm.lead"].search([("team_id", "=", self.team_id)]).unlink()
            env["crm.assignment.rule"].browse(self.rule_id).unlink()
            env["crm.team"].browse(self.team_id).unlink()
            users = env["res.users"].browse([self.manager_id, *self.seller_ids])
            partners = users.partner_id
            users.unlink()
            partners.unlink()

    def test_rule_edited_then_leads_created_in_one_request(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.manager_id, {})
            rule = env["crm.assignment.rule"].browse(self.rule_id)
            rule.write({"name": "Edited round robin, renamed"})
            rule.flush_recordset()
            started = time.monotonic()
            leads = env["crm.lead"]
            for index in range(3):
                leads |= env["crm.lead"].create(
                    {"name": f"Edited {index}", "user_id": False}
                )
            elapsed = time.monotonic() - started
            assigned = leads.user_id.ids
            cr.rollback()
        lock_timeout = int(locking.LOCK_TIMEOUT.rstrip("s"))
        self.assertLess(
            elapsed,
            lock_timeout,
            "the rotation does not wait for the request's own lock on the rule",
        )
        self.assertEqual(
            sorted(assigned), sorted(self.seller_ids), "both salespeople take turns"
        )

    def test_rule_edit_flushed_after_a_turn(self):
        # The edit is still in the cache when the lead takes its turn; it is
        # written at the end of the request, after the turn was committed.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.manager_id, {})
            rule = env["crm.assignment.rule"].browse(self.rule_id)
            rule.write({"name": "Edited round robin, renamed"})
            lead = env["crm.lead"].create({"name": "Edited once", "user_id": False})
            env.flush_all()
            self.assertIn(lead.user_id.id, self.seller_ids)
            cr.rollback()

    def test_rule_edited_in_a_savepoint_then_leads_created(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.manager_id, {})
            rule = env["crm.assignment.rule"].browse(self.rule_id)
            with cr.savepoint():
                rule.write({"name": "Edited round robin, in a savepoint"})
            started = time.monotonic()
            leads = env["crm.lead"].create(
                [{"name": f"Saved {index}", "user_id": False} for index in range(2)]
            )
            leads |= env["crm.lead"].create({"name": "Saved 2", "user_id": False})
            elapsed = time.monotonic() - started
            assigned = leads.user_id.ids
            cr.rollback()
        self.assertLess(elapsed, int(locking.LOCK_TIMEOUT.rstrip("s")))
        self.assertEqual(sorted(assigned), sorted(self.seller_ids))
