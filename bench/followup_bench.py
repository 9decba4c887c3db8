"""Time the follow-up action on many open leads, few of them due.

Seeds the leads with one bulk INSERT (the ORM would take hours for a million),
then times runs of the scheduled action's method with nothing due and with a
fresh 1 % of the leads due for each run, and prints a table.
"""

import argparse
import statistics
import sys
import time
from datetime import timedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.orm.registry import Registry
from odoo.tools import SQL, config

BENCH_TAG = "bench lead"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--due-ratio", type=float, default=0.01)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=200)
    return parser.parse_args()


def setup(env, leads):
    """A team, a 24/7 policy and ``leads`` open leads none of which is due."""
    env.cr.execute(
        SQL("SELECT COUNT(*) FROM crm_lead WHERE name LIKE %s", BENCH_TAG + "%")
    )
    existing = env.cr.fetchone()[0]
    team = env["crm.team"].search([("name", "=", "Bench team")], limit=1)
    if not team:
        calendar = env["resource.calendar"].create(
            {
                "name": "Bench: always open",
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
        admin = env.ref("base.user_admin")
        team = env["crm.team"].create({"name": "Bench team", "user_id": admin.id})
        env["crm.followup.policy"].create(
            {
                "name": "Bench policy",
                "team_id": team.id,
                "calendar_id": calendar.id,
                "first_response_hours": 1.0,
                "due_soon_hours": 0.0,
            }
        )
    policy = env["crm.followup.policy"].search([("team_id", "=", team.id)], limit=1)
    missing = leads - existing
    if missing > 0:
        now = fields.Datetime.now()
        started = time.monotonic()
        env.cr.execute(
            SQL(
                """INSERT INTO crm_lead (name, type, active, team_id, user_id,
                        company_id, followup_policy_id, won_status, probability,
                        date_open, create_date, write_date, create_uid, write_uid,
                        sla_kind, sla_state, sla_deadline, sla_next_check)
                   SELECT %s || ' ' || g, 'opportunity', TRUE, %s, %s, %s, %s,
                        'pending', 10, %s, %s, %s, %s, %s, 'first_response',
                        'on_track', %s, %s
                     FROM generate_series(%s, %s) AS g""",
                BENCH_TAG,
                team.id,
                team.user_id.id,
                env.company.id,
                policy.id,
                now,
                now,
                now,
                SUPERUSER_ID,
                SUPERUSER_ID,
                now + timedelta(days=30),
                now + timedelta(days=30),
                existing + 1,
                leads,
            )
        )
        env.cr.execute("ANALYZE crm_lead")
        print(f"seeded {missing} leads in {time.monotonic() - started:.1f}s")
    return team


def make_due(env, slot, ratio):
    """Put a fresh slice of the leads 3 hours past their assignment."""
    modulo = max(round(1 / ratio), 1)
    now = fields.Datetime.now()
    env.cr.execute(
        SQL(
            """UPDATE crm_lead SET date_open = %s, sla_deadline = %s,
                      sla_next_check = %s
                WHERE name LIKE %s AND mod(id, %s) = %s""",
            now - timedelta(hours=3),
            now - timedelta(hours=2),
            now - timedelta(hours=2),
            BENCH_TAG + "%",
            modulo,
            slot % modulo,
        )
    )
    return env.cr.rowcount


def timed_run(registry, batch_size):
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        started = time.perf_counter()
        env["crm.lead"]._cron_raise_followup_alerts(batch_size=batch_size)
        return time.perf_counter() - started


def plan_of_selection(registry):
    with registry.cursor() as cr:
        cr.execute(
            SQL(
                "EXPLAIN SELECT id FROM crm_lead WHERE sla_next_check <= %s"
                " ORDER BY sla_next_check, id LIMIT 200 FOR UPDATE SKIP LOCKED",
                fields.Datetime.now(),
            )
        )
        return [row[0] for row in cr.fetchall()]


def main():
    args = parse_args()
    config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    registry = Registry(args.database)
    with registry.cursor() as cr:
        setup(api.Environment(cr, SUPERUSER_ID, {}), args.leads)

    rows = []
    idle = [timed_run(registry, args.batch_size) for _run in range(args.runs)]
    rows.append(("nothing due", 0, idle))
    busy, due_counts = [], []
    for slot in range(args.runs):
        with registry.cursor() as cr:
            due_counts.append(
                make_due(api.Environment(cr, SUPERUSER_ID, {}), slot, args.due_ratio)
            )
        busy.append(timed_run(registry, args.batch_size))
    rows.append(("due leads", round(statistics.mean(due_counts)), busy))

    print("\nselection plan:")
    for line in plan_of_selection(registry):
        print("  " + line)
    print(f"\nfollow-up action on {args.leads} open leads, {args.runs} runs each")
    print(f"{'scenario':<12} {'due':>7} {'median s':>9} {'min s':>8} {'max s':>8}")
    for name, due, times in rows:
        print(
            f"{name:<12} {due:>7} {statistics.median(times):>9.3f}"
            f" {min(times):>8.3f} {max(times):>8.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
