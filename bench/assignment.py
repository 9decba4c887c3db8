"""Time the assignment of a backlog of unowned leads, ours against stock Odoo.

Run through ``bench/run_assignment``, which creates the database. For each
backlog size, the same leads are made unowned again before every run (one SQL
reset, outside the timing) and assigned once by crm_closed_loop's sweeper
(``crm.lead._cron_assign_unowned``: round-robin rule, log, chatter note,
first-contact activity, notice) and once by Odoo's
``crm.team._action_assign_leads`` (team allocation, duplicate merge, member
quotas, conversion to opportunity), both committing as they would in a cron.
"""

import argparse
import statistics
import time

SALESPEOPLE = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument(
        "--sizes",
        default="1000,5000",
        help="comma-separated backlog sizes, each at most 20000",
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--only", choices=["closed_loop", "stock"], help="time one side only"
    )
    args = parser.parse_args()
    args.sizes = [int(size) for size in args.sizes.split(",")]
    if any(size < 1 or size > 20000 for size in args.sizes):
        parser.error("each size must be between 1 and 20000")
    return args


def setup(env, size):
    """A team of salespeople, a round-robin rule, ``size`` unowned leads."""
    users = env["res.users"].create(
        [
            {
                "name": f"Bench seller {index}",
                "login": f"bench_seller_{size}_{index}",
                "notification_type": "inbox",
                "group_ids": [(4, env.ref("sales_team.group_sale_salesman").id)],
            }
            for index in range(SALESPEOPLE)
        ]
    )
    # Stock turns a monthly capacity into a daily quota (capacity / 30): give
    # it room for the whole backlog so that both sides assign every lead.
    capacity = -(-size * 30 // SALESPEOPLE) + 30
    team = env["crm.team"].create(
        {
            "name": f"Bench team {size}",
            "use_leads": True,
            "use_opportunities": True,
            "assignment_max": capacity,
            "company_id": env.company.id,
        }
    )
    env["crm.team.member"].create(
        [
            {"crm_team_id": team.id, "user_id": user.id, "assignment_max": capacity}
            for user in users
        ]
    )
    env["crm.assignment.rule"].create(
        {
            "name": f"Bench rule {size}",
            "team_id": team.id,
            "method": "round_robin",
            "assign_outside_hours": True,
            "lead_domain": "[]",
        }
    )
    quiet = env["crm.lead"].with_context(
        closed_loop_no_assign=True, tracking_disable=True, mail_create_nolog=True
    )
    lead_ids = []
    for start in range(0, size, 1000):
        leads = quiet.create(
            [
                {
                    "name": f"Bench enquiry {size}-{index}",
                    "email_from": f"guest{size}-{index}@bench.example.com",
                    "user_id": False,
                    "team_id": False,
                    "type": "lead",
                }
                for index in range(start, min(start + 1000, size))
            ]
        )
        lead_ids += leads.ids
        env.cr.commit()
    return team, lead_ids


def reset(env, lead_ids):
    """Make the leads unowned again and drop what the last run added."""
    env.flush_all()
    env.cr.execute(
        "UPDATE crm_lead SET user_id = NULL, team_id = NULL, date_open = NULL,"
        " type = 'lead', assignment_rule_id = NULL WHERE id = ANY(%s)",
        [lead_ids],
    )
    env.cr.execute("DELETE FROM crm_assignment_log WHERE lead_id = ANY(%s)", [lead_ids])
    env.cr.execute(
        "DELETE FROM mail_activity WHERE res_model = 'crm.lead' AND res_id = ANY(%s)",
        [lead_ids],
    )
    env.cr.commit()
    env.invalidate_all()


def count_owned(env, lead_ids):
    env.cr.execute(
        "SELECT COUNT(*) FROM crm_lead WHERE id = ANY(%s) AND user_id IS NOT NULL",
        [lead_ids],
    )
    return env.cr.fetchone()[0]


def run_closed_loop(env, team):
    env["crm.lead"]._cron_assign_unowned()
    env.cr.commit()


def run_stock(env, team):
    team._action_assign_leads(force_quota=True, creation_delta_days=0)
    env.cr.commit()


def main():
    args = parse_args()
    from odoo import api  # noqa: PLC0415 - needs the path set by the caller
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(["-c", args.config, "--log-level=warn"], setup_logging=True)
    registry = Registry(args.database)
    sides = [("closed_loop", run_closed_loop), ("stock", run_stock)]
    if args.only:
        sides = [side for side in sides if side[0] == args.only]
    rows = []
    for size in args.sizes:
        with registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            team, lead_ids = setup(env, size)
            for name, func in sides:
                timings = []
                for _run in range(args.repeat):
                    reset(env, lead_ids)
                    started = time.perf_counter()
                    func(env, team)
                    timings.append(time.perf_counter() - started)
                    owned = count_owned(env, lead_ids)
                    print(
                        f"  {name:<12} {size:>6} leads: {timings[-1]:8.2f}s,"
                        f" {owned} assigned",
                        flush=True,
                    )
                rows.append((name, size, timings, owned))
    print()
    print(
        f"{'side':<12} {'leads':>6} {'runs':>4} {'median s':>9} {'min s':>8}"
        f" {'max s':>8} {'ms/lead':>8} {'assigned':>8}"
    )
    for name, size, timings, owned in rows:
        median = statistics.median(timings)
        print(
            f"{name:<12} {size:>6} {len(timings):>4} {median:>9.2f}"
            f" {min(timings):>8.2f} {max(timings):>8.2f}"
            f" {median * 1000 / size:>8.2f} {owned:>8}"
        )
    by_size = {}
    for name, size, timings, _owned in rows:
        by_size.setdefault(size, {})[name] = statistics.median(timings)
    for size, medians in by_size.items():
        if len(medians) == 2:
            print(
                f"{size} leads: stock / closed_loop = "
                f"{medians['stock'] / medians['closed_loop']:.1f}x"
            )


if __name__ == "__main__":
    main()
