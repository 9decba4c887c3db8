import threading
from functools import partial

from odoo import api
from odoo.service.model import retrying
from odoo.tests import TransactionCase, new_test_user, tagged

LEADS_PER_WORKER = 8


@tagged("post_install", "-at_install")
class TestRoundRobinConcurrency(TransactionCase):
    """Two Odoo workers create leads at the same time on one round-robin rule.

    Each worker is a thread with its own database cursor and transactions,
    as two HTTP workers would be; each lead is one request, run through
    Odoo's own ``retrying`` as the web layer does.
    The data is committed, so it is removed again afterwards.
    """

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            manager = new_test_user(
                env, "cl_rr_manager", groups="sales_team.group_sale_manager"
            )
            sellers = new_test_user(
                env, "cl_rr_anna", groups="sales_team.group_sale_salesman"
            ) | new_test_user(env, "cl_rr_ben", groups="sales_team.group_sale_salesman")
            team = env["crm.team"].create(
                {"name": "Concurrent weddings", "company_id": env.company.id}
            )
            rule = env["crm.assignment.rule"].create(
                {
                    "name": "Concurrent round robin",
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

    def _worker(self, tag, barrier, attempts, errors):
        barrier.wait()
        for index in range(LEADS_PER_WORKER):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, self.manager_id, {})

                    def create_lead(env=env, index=index):
                        attempts[tag] += 1
                        return env["crm.lead"].create(
                            {"name": f"{tag} {index}", "user_id": False}
                        )

                    retrying(partial(create_lead), env)
            except Exception as error:
                errors.append(error)

    def test_parallel_round_robin_never_double_assigns(self):
        barrier = threading.Barrier(2)
        attempts = {"first": 0, "second": 0}
        errors = []
        threads = [
            threading.Thread(target=self._worker, args=(tag, barrier, attempts, errors))
            for tag in attempts
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        self.assertFalse(
            errors,
            f"no serialization error reaches the caller (attempts: {attempts})",
        )

        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            leads = env["crm.lead"].search([("team_id", "=", self.team_id)])
            logs = env["crm.assignment.log"].search(
                [("rule_id", "=", self.rule_id)], order="id"
            )
            self.assertEqual(len(leads), 2 * LEADS_PER_WORKER)
            self.assertEqual(sorted(leads.user_id.ids), sorted(self.seller_ids))
            self.assertEqual(len(logs), len(leads), "one assignment per lead")
            counts = [
                len(leads.filtered(lambda lead, uid=uid: lead.user_id.id == uid))
                for uid in self.seller_ids
            ]
            self.assertEqual(counts, [LEADS_PER_WORKER, LEADS_PER_WORKER])
            # each turn is taken and committed on its own, under the rule's
            # lock, so the workers never invalidate each other's snapshot:
            # no request had to be replayed
            self.assertEqual(sum(attempts.values()), len(leads), attempts)
