"""Assignment of a backlog of unowned leads: the addon's sweeper
(``crm.lead._cron_assign_unowned``, round-robin rule, log, chatter note,
first-contact activity, notice) against Odoo's
``crm.team._action_assign_leads`` (allocation, duplicate merge, member quotas,
conversion to opportunity), both committing as a cron would.

The same leads are made unowned again before every run (SQL, untimed). Each
backlog size has its own leads, kept in the database between runs of the
benchmark and owned by a parking user while another size is timed, so that
every run sees exactly its own backlog.

Stock's cost per lead grows with the backlog: its run is stopped once it has
taken ``--stock-budget`` times the addon's time on the same backlog (its
current query cancelled, its work rolled back), and its figure is then a lower
bound.
"""

import statistics
import threading
import time

from psycopg2 import errors as pg_errors

from .common import Row, say, timed

RULE_NAME = "Bench round robin"


def bench_team(env):
    """The first seeded team, with its round-robin rule (made once)."""
    team = env["crm.team"].search([("name", "=", "Bench team 0")], limit=1)
    rule = env["crm.assignment.rule"].search([("name", "=", RULE_NAME)], limit=1)
    if not rule:
        env["crm.assignment.rule"].create(
            {
                "name": RULE_NAME,
                "sequence": 1,
                "team_id": team.id,
                "method": "round_robin",
                "assign_outside_hours": True,
                "lead_domain": "[]",
            }
        )
    return team


def backlog(env, size):
    """The ids of this size's leads, created once (owned by the admin)."""
    prefix = f"Bench backlog {size}-"
    env.cr.execute(
        "SELECT id FROM crm_lead WHERE name LIKE %s ORDER BY id", [prefix + "%"]
    )
    lead_ids = [row[0] for row in env.cr.fetchall()]
    if len(lead_ids) >= size:
        return lead_ids[:size]
    admin = env.ref("base.user_admin")
    quiet = env["crm.lead"].with_context(
        closed_loop_no_assign=True, tracking_disable=True, mail_create_nolog=True
    )
    for start in range(len(lead_ids), size, 1000):
        leads = quiet.create(
            [
                {
                    "name": f"{prefix}{index}",
                    "email_from": f"guest{size}-{index}@backlog.example.com",
                    "user_id": admin.id,
                    "type": "lead",
                }
                for index in range(start, min(start + 1000, size))
            ]
        )
        lead_ids += leads.ids
        env.cr.commit()
    return lead_ids


def reset(env, lead_ids):
    """Make the leads unowned again and drop what the last run added."""
    env.flush_all()
    env.cr.execute(
        "UPDATE crm_lead SET user_id = NULL, team_id = NULL, date_open = NULL,"
        " type = 'lead', active = TRUE, won_status = 'pending',"
        " assignment_rule_id = NULL WHERE id = ANY(%s)",
        [lead_ids],
    )
    env.cr.execute("DELETE FROM crm_assignment_log WHERE lead_id = ANY(%s)", [lead_ids])
    env.cr.execute(
        "DELETE FROM mail_activity WHERE res_model = 'crm.lead' AND res_id = ANY(%s)",
        [lead_ids],
    )
    env.cr.commit()
    env.invalidate_all()


def park(env, lead_ids):
    """Owned by the admin: out of every other size's backlog."""
    env.cr.execute(
        "UPDATE crm_lead SET user_id = %s WHERE id = ANY(%s) AND user_id IS NULL",
        [env.ref("base.user_admin").id, lead_ids],
    )
    env.cr.commit()
    env.invalidate_all()


def owned(env, lead_ids):
    env.cr.execute(
        "SELECT COUNT(*) FROM crm_lead WHERE id = ANY(%s) AND user_id IS NOT NULL",
        [lead_ids],
    )
    return env.cr.fetchone()[0]


def set_capacity(env, team, size):
    """Stock turns a monthly capacity into a daily quota (capacity / 30): room
    for the whole backlog, so that both sides assign every lead."""
    members = team.crm_team_member_ids
    capacity = -(-size * 30 // max(len(members), 1)) + 30
    members.write({"assignment_max": capacity})
    env.cr.commit()


def sweeper(env, team):
    env["crm.lead"]._cron_assign_unowned()
    env.cr.commit()


def stock(env, team):
    team._action_assign_leads(force_quota=True, creation_delta_days=0)
    env.cr.commit()


def stock_within(env, team, budget):
    """Seconds of one stock run, and whether it finished within ``budget``
    seconds (None: no bound). Past the budget, its running query is cancelled
    until the run gives up; what it did is rolled back."""
    done = threading.Event()

    def cancel_when_over():
        if done.wait(budget):
            return
        while not done.wait(0.5):
            env.cr.connection.cancel()

    watcher = threading.Thread(target=cancel_when_over, daemon=True)
    if budget:
        watcher.start()
    started = time.perf_counter()
    try:
        stock(env, team)
        finished = True
    except pg_errors.QueryCanceled:
        env.cr.rollback()
        env.invalidate_all()
        finished = False
    seconds = time.perf_counter() - started
    done.set()
    if budget:
        watcher.join()
    return seconds, finished


def run(ctx):
    sizes = ctx.scale["backlogs"]
    repeat = ctx.args.repeat
    per_lead = {"addon": {}, "stock": {}}
    rows = []
    with ctx.registry.cursor() as cr:
        env = ctx.env(cr)
        team = bench_team(env)
        env.cr.commit()
        all_ids = {size: backlog(env, size) for size in sizes}
        # Every backlog ever made, also of sizes not timed now (a stopped run
        # may have left one unowned).
        env.cr.execute(
            "SELECT id FROM crm_lead WHERE name LIKE %s", ["Bench backlog %"]
        )
        park(env, [row[0] for row in env.cr.fetchall()])
        for size in sizes:
            lead_ids = all_ids[size]
            set_capacity(env, team, size)
            figures = {"addon": [], "stock": []}
            for _run in range(repeat):
                reset(env, lead_ids)
                seconds, _result = timed(sweeper, env, team)
                figures["addon"].append(seconds)
                say(
                    f"assignment addon {size}: {seconds:.2f}s,"
                    f" {owned(env, lead_ids)} of {size} owned"
                )
                park(env, lead_ids)
            budget = ctx.args.stock_budget * statistics.median(figures["addon"])
            # Stock is slow at volume: several runs at the smallest size only.
            finished = True
            for _run in range(repeat if size == sizes[0] else 1):
                reset(env, lead_ids)
                seconds, finished = stock_within(env, team, budget)
                figures["stock"].append(seconds)
                say(
                    f"assignment stock {size}: {seconds:.2f}s,"
                    + (
                        f" {owned(env, lead_ids)} of {size} owned"
                        if finished
                        else f" stopped unfinished at {ctx.args.stock_budget:g}x"
                        " the addon's time"
                    )
                )
                park(env, lead_ids)
                if not finished:
                    break
            for side in ("addon", "stock"):
                per_lead[side][size] = statistics.median(figures[side]) * 1000 / size
            largest = size == sizes[-1]
            rows.append(
                Row(
                    f"b. assign a backlog of {size:,} leads",
                    "s",
                    figures["addon"],
                    figures["stock"],
                    target=">= 20x faster (ratio <= 0.05)" if largest else "",
                    limit=0.05 if largest else None,
                    stock_note=""
                    if finished
                    else f"stopped unfinished at {ctx.args.stock_budget:g}x the"
                    " addon's time",
                    stock_unfinished=not finished,
                )
            )
    if len(sizes) >= 2:
        # The smallest backlog carries the run's fixed costs: linearity is read
        # between the two largest.
        small, large = sizes[-2], sizes[-1]
        stock_growth = per_lead["stock"][large] / per_lead["stock"][small]
        rows.append(
            Row(
                f"b. backlog linearity: ms/lead at {large:,} / ms/lead at {small:,}",
                "x",
                [per_lead["addon"][large] / per_lead["addon"][small]],
                stock_note=f"stock: {stock_growth:.2f} x"
                + ("" if finished else " or more (stopped unfinished)"),
                target="addon <= 1.5 (linear)",
                limit=1.5,
                absolute=True,
            )
        )
    for side in ("addon", "stock"):
        ctx.notes.append(
            f"assignment ms/lead ({side}): "
            + ", ".join(f"{s:,}: {v:.1f}" for s, v in per_lead[side].items())
        )
    return rows
