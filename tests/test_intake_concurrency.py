import json
import time
from functools import partial

from psycopg2 import errors as pg_errors

from odoo import api
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, retrying
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL

from ..models.lib import lock_wait

CRON_XMLID = "crm_closed_loop.crm_intake_submission_cron_process"


@tagged("post_install", "-at_install")
class TestIntakeConcurrency(TransactionCase):
    """A round-robin rule whose row a rival transaction holds or has just moved.

    Each "worker" is its own cursor with its own transaction, as two Odoo
    workers would be; the data is committed, so it is removed afterwards.
    """

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            sellers = new_test_user(
                env, "cl_ic_anna", groups="sales_team.group_sale_salesman"
            ) | new_test_user(env, "cl_ic_ben", groups="sales_team.group_sale_salesman")
            team = env["crm.team"].create({"name": "Concurrent intake"})
            rule = env["crm.assignment.rule"].create(
                {
                    "name": "Concurrent intake round robin",
                    "team_id": team.id,
                    "lead_domain": repr([("team_id", "=", team.id)]),
                    "user_ids": [(6, 0, sellers.ids)],
                    "method": "round_robin",
                    "assign_outside_hours": True,
                }
            )
            form = env["crm.intake.form"].create(
                {
                    "name": "Concurrent intake form",
                    "key": "cl-intake-concurrency",
                    "team_id": team.id,
                }
            )
            self.seller_ids, self.team_id = sellers.ids, team.id
            self.rule_id, self.form_id = rule.id, form.id
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"active_test": False})
            env["crm.intake.submission"].search(
                [("form_id", "=", self.form_id)]
            ).unlink()
            env["crm.lead"].search([("team_id", "=", self.team_id)]).unlink()
            env["crm.intake.form"].browse(self.form_id).unlink()
            env["crm.assignment.rule"].browse(self.rule_id).unlink()
            env["crm.team"].browse(self.team_id).unlink()
            users = env["res.users"].browse(self.seller_ids)
            partners = users.partner_id
            users.unlink()
            partners.unlink()
            env["ir.cron.trigger"].search(
                [("cron_id", "=", env.ref(CRON_XMLID).id)]
            ).unlink()

    def _worker(self, cr):
        return api.Environment(cr, api.SUPERUSER_ID, {})

    def _move_rotation_in_rival(self):
        """A rival worker takes the rule's next turn and commits."""
        with self.registry.cursor() as rival_cr:
            rule = self._worker(rival_cr)["crm.assignment.rule"].browse(self.rule_id)
            rule._lock_rotation()
            rule._store_rotation(self.seller_ids[0])

    def _receive(self, env, email, can_replay):
        body = json.dumps(
            {"form": "cl-intake-concurrency", "name": "Lerato", "email": email}
        ).encode()
        form = env["crm.intake.form"].browse(self.form_id)
        return env["crm.intake.submission"]._receive(
            form, body, "application/json", "127.0.0.77", can_replay=can_replay
        )

    def test_rotation_lock_wait_is_bounded(self):
        self.assertIn(pg_errors.LockNotAvailable, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY)
        with self.registry.cursor() as holder_cr, self.registry.cursor() as cr:
            self._worker(holder_cr)["crm.assignment.rule"].browse(
                self.rule_id
            )._lock_rotation()
            rule = self._worker(cr)["crm.assignment.rule"].browse(self.rule_id)
            started = time.monotonic()
            with self.assertRaises(pg_errors.LockNotAvailable):
                rule._lock_rotation()
            waited = time.monotonic() - started
            holder_cr.rollback()
            cr.rollback()
        bound = float(lock_wait.LOCK_TIMEOUT.removesuffix("s"))
        self.assertGreaterEqual(waited, bound - 0.5, "it did wait for the rival")
        self.assertLess(waited, bound + 5, "but not longer than the timeout")

    def test_lock_timeout_is_restored_after_the_lock(self):
        with self.registry.cursor() as cr:
            cr.execute(SQL("SET LOCAL lock_timeout = '17s'"))
            self._worker(cr)["crm.assignment.rule"].browse(
                self.rule_id
            )._lock_rotation()
            cr.execute(SQL("SHOW lock_timeout"))
            self.assertEqual(cr.fetchone()[0], "17s")
            cr.rollback()

    def test_serialization_failure_is_queued_not_shown(self):
        """Out of request replays, a lost race still answers with a reference,
        and the retry cron is triggered to make the lead at once."""
        with self.registry.cursor() as cr:
            env = self._worker(cr)
            # This transaction's REPEATABLE READ snapshot predates the rival.
            env["crm.assignment.rule"].browse(self.rule_id).rotation_user_id  # noqa: B018
            self._move_rotation_in_rival()
            status, answer = self._receive(env, "lerato@example.com", False)
            self.assertEqual(status, 202)
            self.assertTrue(answer["ok"])
            self.assertEqual(answer["status"], "queued")
            submission = env["crm.intake.submission"].search(
                [("name", "=", answer["reference"])]
            )
            self.assertEqual(submission.state, "queued")
            self.assertEqual(submission.attempts, 0, "a lost race is no attempt")
            self.assertIn("serialize", submission.error)
            triggers = env["ir.cron.trigger"].search(
                [("cron_id", "=", env.ref(CRON_XMLID).id)]
            )
            self.assertTrue(triggers, "the retry cron is triggered")
        with self.registry.cursor() as cr:
            env = self._worker(cr)
            env["crm.intake.submission"]._cron_process_queued()
        with self.registry.cursor() as cr:
            env = self._worker(cr)
            submission = env["crm.intake.submission"].search(
                [("name", "=", answer["reference"])]
            )
            self.assertEqual(submission.state, "done")
            self.assertEqual(submission.lead_id.user_id.id, self.seller_ids[1])

    def test_serialization_failure_replays_the_request(self):
        """With replays left the race reaches Odoo's ``retrying`` (as the HTTP
        layer calls it), whose replay on a fresh snapshot makes the lead."""
        tries = []
        with self.registry.cursor() as cr:
            env = self._worker(cr)

            def request():
                tries.append(1)
                env["crm.assignment.rule"].browse(self.rule_id).rotation_user_id  # noqa: B018
                if len(tries) == 1:
                    self._move_rotation_in_rival()
                return self._receive(env, "sipho@example.com", True)

            status, answer = retrying(partial(request), env)
        self.assertEqual(len(tries), 2, "replayed once")
        self.assertEqual(status, 201)
        with self.registry.cursor() as cr:
            env = self._worker(cr)
            submissions = env["crm.intake.submission"].search(
                [("form_id", "=", self.form_id)]
            )
            self.assertEqual(submissions.mapped("name"), [answer["reference"]])
            self.assertEqual(submissions.lead_id.user_id.id, self.seller_ids[1])
