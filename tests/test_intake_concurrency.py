import json
import time
from functools import partial

from psycopg2 import errors as pg_errors

from odoo import api
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, retrying
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL

from ..models.crm_intake_submission import IDEMPOTENCY_WINDOW
from ..tools import locking

CRON_XMLID = "crm_closed_loop.crm_intake_submission_cron_process"


@tagged("post_install", "-at_install")
class TestIntakeConcurrency(TransactionCase):
    """A round-robin rule whose rotation a rival transaction holds or has just
    moved.

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

    def _rule(self, env):
        return env["crm.assignment.rule"].browse(self.rule_id)

    def _take_turn_in_rival(self):
        """A rival worker takes the rule's next turn and commits."""
        with self.registry.cursor() as rival_cr:
            rule = self._rule(self._worker(rival_cr))
            return rule._take_turns(self.seller_ids, set(self.seller_ids), 1)

    def _hold_rotation(self, holder_cr):
        """A rival worker locks the rule's rotation and keeps the lock."""
        holder_cr.execute(
            SQL(
                "SELECT 1 FROM crm_assignment_rule WHERE id = %s FOR NO KEY UPDATE",
                self.rule_id,
            )
        )

    def _receive(self, env, email, can_replay):
        body = json.dumps(
            {"form": "cl-intake-concurrency", "name": "Lerato", "email": email}
        ).encode()
        form = env["crm.intake.form"].browse(self.form_id)
        return env["crm.intake.submission"]._receive(
            form, body, "application/json", "127.0.0.77", can_replay=can_replay
        )

    def _submission(self, reference):
        with self.registry.cursor() as cr:
            submission = self._worker(cr)["crm.intake.submission"].search(
                [("name", "=", reference)]
            )
            return submission.state, submission.lead_id.user_id.id

    def test_rotation_lock_wait_is_bounded(self):
        self.assertIn(pg_errors.LockNotAvailable, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY)
        with self.registry.cursor() as holder_cr, self.registry.cursor() as cr:
            self._hold_rotation(holder_cr)
            rule = self._rule(self._worker(cr))
            started = time.monotonic()
            with self.assertRaises(pg_errors.LockNotAvailable):
                rule._take_turns(self.seller_ids, set(self.seller_ids), 1)
            waited = time.monotonic() - started
            holder_cr.rollback()
            cr.rollback()
        bound = float(locking.LOCK_TIMEOUT.removesuffix("s"))
        self.assertGreaterEqual(waited, bound - 0.5, "it did wait for the rival")
        self.assertLess(waited, bound + 5, "but not longer than the timeout")

    def test_rival_turn_does_not_fail_the_request(self):
        """A rival moved the rotation after this request's snapshot began: the
        request neither fails nor serves the rival's salesperson again."""
        with self.registry.cursor() as cr:
            env = self._worker(cr)
            # This transaction's REPEATABLE READ snapshot predates the rival.
            self._rule(env).rotation_user_id  # noqa: B018
            self.assertEqual(self._take_turn_in_rival(), [self.seller_ids[0]])
            status, answer = self._receive(env, "lerato@example.com", False)
            self.assertEqual(status, 201, answer)
        self.assertEqual(
            self._submission(answer["reference"]), ("done", self.seller_ids[1])
        )
        self.assertEqual(self._take_turn_in_rival(), [self.seller_ids[0]])

    def test_turn_of_a_failed_request_is_spent(self):
        with self.registry.cursor() as cr:
            rule = self._rule(self._worker(cr))
            self.assertEqual(
                rule._take_turns(self.seller_ids, set(self.seller_ids), 1),
                [self.seller_ids[0]],
            )
            cr.rollback()
        self.assertEqual(self._take_turn_in_rival(), [self.seller_ids[1]])

    def test_lock_timeout_out_of_replays_is_queued_not_shown(self):
        """Out of request replays, a lock a rival keeps still answers with a
        reference, and the retry cron is triggered to make the lead at once."""
        with self.registry.cursor() as holder_cr:
            self._hold_rotation(holder_cr)
            with self.registry.cursor() as cr:
                env = self._worker(cr)
                status, answer = self._receive(env, "lerato@example.com", False)
                self.assertEqual(status, 202)
                self.assertTrue(answer["ok"])
                self.assertEqual(answer["status"], "queued")
                submission = env["crm.intake.submission"].search(
                    [("name", "=", answer["reference"])]
                )
                self.assertEqual(submission.state, "queued")
                self.assertEqual(submission.attempts, 0, "a lost race is no attempt")
                self.assertIn("lock", submission.error)
                triggers = env["ir.cron.trigger"].search(
                    [("cron_id", "=", env.ref(CRON_XMLID).id)]
                )
                self.assertTrue(triggers, "the retry cron is triggered")
            holder_cr.rollback()
        with self.registry.cursor() as cr:
            self._worker(cr)["crm.intake.submission"]._cron_process_queued()
        self.assertEqual(
            self._submission(answer["reference"]), ("done", self.seller_ids[0])
        )

    def test_lock_timeout_replays_the_request(self):
        """With replays left the lost race reaches Odoo's ``retrying`` (as the
        HTTP layer calls it), whose replay makes the lead."""
        tries = []
        with self.registry.cursor() as holder_cr, self.registry.cursor() as cr:
            env = self._worker(cr)
            self._hold_rotation(holder_cr)

            def request():
                tries.append(1)
                if len(tries) == 2:
                    holder_cr.rollback()
                return self._receive(env, "sipho@example.com", True)

            status, answer = retrying(partial(request), env)
        self.assertEqual(len(tries), 2, "replayed once")
        self.assertEqual(status, 201)
        with self.registry.cursor() as cr:
            submissions = self._worker(cr)["crm.intake.submission"].search(
                [("form_id", "=", self.form_id)]
            )
            self.assertEqual(submissions.mapped("name"), [answer["reference"]])
        self.assertEqual(
            self._submission(answer["reference"]), ("done", self.seller_ids[0])
        )

    def _receive_after_rival_stored_it(self, can_replay, tries):
        """This request's snapshot began before a rival stored and committed the
        same payload: only its insert can find the rival out."""
        window = IDEMPOTENCY_WINDOW.total_seconds()
        # Both must fall in the same idempotency slot.
        if time.time() % window > window - 5:
            time.sleep(6)
        with self.registry.cursor() as cr:
            env = self._worker(cr)
            env["crm.intake.submission"].search_count([])
            with self.registry.cursor() as rival_cr:
                rival = self._receive(self._worker(rival_cr), "ama@example.com", False)

            def request():
                tries.append(1)
                answer = self._receive(
                    env, "ama@example.com", can_replay and tries == [1]
                )
                # The transaction still serves what Odoo does after the route.
                env["crm.intake.submission"].search_count([])
                return answer

            result = retrying(request, env)
            return rival, result

    def test_rival_storing_the_same_payload_replays_the_request(self):
        tries = []
        rival, (status, answer) = self._receive_after_rival_stored_it(True, tries)
        self.assertEqual(len(tries), 2, "replayed once, on a fresh snapshot")
        self.assertEqual((status, answer.get("duplicate")), (200, True), answer)
        self.assertEqual(answer["reference"], rival[1]["reference"])
        self.assertEqual(answer["lead_id"], rival[1]["lead_id"])
        self._assert_one_submission_and_lead()

    def test_rival_storing_the_same_payload_out_of_replays(self):
        """The last try answers with success and keeps its transaction."""
        tries = []
        _rival, (status, answer) = self._receive_after_rival_stored_it(False, tries)
        self.assertEqual(len(tries), 1)
        self.assertEqual(status, 202)
        self.assertEqual(answer, {"ok": True, "status": "queued", "duplicate": True})
        self._assert_one_submission_and_lead()

    def _assert_one_submission_and_lead(self):
        with self.registry.cursor() as cr:
            env = self._worker(cr)
            submissions = env["crm.intake.submission"].search(
                [("form_id", "=", self.form_id)]
            )
            self.assertEqual(len(submissions), 1)
            self.assertEqual(
                env["crm.lead"].search_count([("team_id", "=", self.team_id)]), 1
            )
