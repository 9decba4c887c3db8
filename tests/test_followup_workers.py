import threading
from datetime import datetime, timedelta

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, freeze_time, tagged

# Monday afternoon; every lead was opened three hours earlier with a one-hour
# target, so all of them are breached.
NOW = datetime(2026, 3, 2, 14, 0)
LEAD_COUNT = 24


@tagged("post_install", "-at_install")
class TestFollowupWorkers(TransactionCase):
    """Two workers of the follow-up action at once, each in its own committed
    transaction as in production (so the data is committed here and removed
    at the end, not rolled back)."""

    def setUp(self):
        super().setUp()
        with freeze_time(NOW), self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.lead_ids, self.other_ids = self._seed(env)
        self.addCleanup(self._remove_seed)

    def _seed(self, env):
        calendar = env["resource.calendar"].create(
            {
                "name": "cl workers: always open",
                "tz": "UTC",
                "attendance_ids": [
                    Command.create(
                        {
                            "name": f"Day {day}",
                            "dayofweek": str(day),
                            "hour_from": 0,
                            "hour_to": 24,
                            "day_period": "full_day",
                        }
                    )
                    for day in range(7)
                ],
            }
        )
        team = env["crm.team"].create({"name": "cl workers team", "user_id": False})
        env["crm.followup.policy"].create(
            {
                "name": "cl workers policy",
                "team_id": team.id,
                "calendar_id": calendar.id,
                "first_response_hours": 1.0,
                "due_soon_hours": 0.0,
            }
        )
        owner = env.ref("base.user_admin")
        leads = env["crm.lead"].create(
            [
                {
                    "name": f"cl workers lead {index}",
                    "type": "opportunity",
                    "team_id": team.id,
                    "user_id": owner.id,
                    "date_open": NOW - timedelta(hours=3),
                }
                for index in range(LEAD_COUNT)
            ]
        )
        self.seed_refs = (calendar.id, team.id)
        return leads.ids, [owner.id]

    def _remove_seed(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            calendar_id, team_id = self.seed_refs
            env["crm.lead"].with_context(active_test=False).browse(
                self.lead_ids
            ).unlink()
            env["crm.followup.policy"].with_context(active_test=False).search(
                [("team_id", "=", team_id)]
            ).unlink()
            env["crm.team"].browse(team_id).unlink()
            env["resource.calendar"].browse(calendar_id).unlink()

    def _ladder(self):
        """{lead id: [rung, ...]} and {lead id: owner activities} as committed."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            alerts = env["crm.followup.alert"].search(
                [("lead_id", "in", self.lead_ids)]
            )
            rungs = {lead_id: [] for lead_id in self.lead_ids}
            for alert in alerts:
                rungs[alert.lead_id.id].append(alert.rung)
            activities = env["mail.activity"].search(
                [("res_model", "=", "crm.lead"), ("res_id", "in", self.lead_ids)]
            )
            counts = dict.fromkeys(self.lead_ids, 0)
            for activity in activities:
                counts[activity.res_id] += 1
            return rungs, counts

    def _run_worker(self, batch_size, start=None, errors=None):
        try:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                if start:
                    start.wait(timeout=30)
                env["crm.lead"]._cron_raise_followup_alerts(batch_size=batch_size)
        except Exception as error:
            if errors is None:
                raise
            errors.append(error)

    def test_a_worker_skips_the_leads_another_one_holds(self):
        with freeze_time(NOW):
            holder = self.registry.cursor()
            try:
                held = (
                    api.Environment(holder, SUPERUSER_ID, {})["crm.lead"]
                    ._sla_lock_due(NOW, 10)
                    .ids
                )
                self.assertEqual(len(held), 10)
                self._run_worker(batch_size=7)
                rungs, activities = self._ladder()
                for lead_id in self.lead_ids:
                    expected = [] if lead_id in held else ["leader", "owner"]
                    self.assertEqual(sorted(rungs[lead_id]), expected)
                    self.assertEqual(activities[lead_id], 0 if lead_id in held else 1)
            finally:
                holder.rollback()
                holder.close()
            self._run_worker(batch_size=7)
        rungs, activities = self._ladder()
        self.assertEqual(
            {tuple(sorted(r)) for r in rungs.values()}, {("leader", "owner")}
        )
        self.assertEqual(set(activities.values()), {1})

    def test_two_workers_in_threads_never_send_twice(self):
        start = threading.Barrier(2)
        errors = []
        with freeze_time(NOW):
            workers = [
                threading.Thread(target=self._run_worker, args=(5, start, errors))
                for _index in range(2)
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(timeout=120)
        self.assertFalse(errors)
        rungs, activities = self._ladder()
        self.assertEqual(
            {tuple(sorted(r)) for r in rungs.values()}, {("leader", "owner")}
        )
        self.assertEqual(set(activities.values()), {1}, "one owner activity per lead")
        with freeze_time(NOW + timedelta(minutes=5)):
            self._run_worker(batch_size=5)
        self.assertEqual(self._ladder(), (rungs, activities), "a rerun changes nothing")
