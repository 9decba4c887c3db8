"""One run of the follow-up scheduled action (``crm.lead._cron_raise_followup_alerts``)
on the seeded open leads, with nothing due and with a slice of them due.

Once, the seeded open leads are put under a 24/7 follow-up policy (one bulk
UPDATE) with their deadline a month away. Stock Odoo sends no follow-up alerts;
its nearest work is the search behind the "Late Activities" filter, timed on
the same leads for the nothing-due row.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.tools import SQL

from .common import Row, say, timed

TEAM_NAME = "Bench follow-up team"
WATCHED = SQL("name LIKE %s AND active AND won_status = 'pending'", "Bench lead %")


def setup(env):
    """The policy, and the open seeded leads under it (once)."""
    team = env["crm.team"].search([("name", "=", TEAM_NAME)], limit=1)
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
        team = env["crm.team"].create(
            {"name": TEAM_NAME, "user_id": env.ref("base.user_admin").id}
        )
        policy = env["crm.followup.policy"].create(
            {
                "name": "Bench policy",
                "team_id": team.id,
                "calendar_id": calendar.id,
                "first_response_hours": 1.0,
                "due_soon_hours": 0.0,
            }
        )
        env.flush_all()
        now = fields.Datetime.now()
        say("putting the open seeded leads under the follow-up policy")
        env.cr.execute(
            SQL(
                "UPDATE crm_lead SET team_id = %s, followup_policy_id = %s,"
                " sla_kind = 'first_response', sla_state = 'on_track',"
                " date_open = %s, sla_deadline = %s, sla_next_check = %s WHERE %s",
                team.id,
                policy.id,
                now,
                now + timedelta(days=30),
                now + timedelta(days=30),
                WATCHED,
            )
        )
        env.cr.execute("ANALYZE crm_lead")
        env.cr.commit()
    # Nothing due: whatever an earlier run left due is pushed a month away.
    env.cr.execute(
        SQL(
            "UPDATE crm_lead SET sla_next_check = %s WHERE sla_next_check <= %s",
            fields.Datetime.now() + timedelta(days=30),
            fields.Datetime.now() + timedelta(days=1),
        )
    )
    env.cr.execute(SQL("SELECT COUNT(*) FROM crm_lead WHERE %s", WATCHED))
    watched = env.cr.fetchone()[0]
    env.cr.commit()
    return watched


def make_due(env, watched, due, slot):
    """A fresh slice of ``due`` leads, three hours past their assignment."""
    modulo = max(watched // due, 1)
    now = fields.Datetime.now()
    env.cr.execute(
        SQL(
            "UPDATE crm_lead SET date_open = %s, sla_deadline = %s,"
            " sla_next_check = %s WHERE id IN ("
            " SELECT id FROM crm_lead WHERE %s AND mod(id, %s) = %s"
            " ORDER BY id LIMIT %s)",
            now - timedelta(hours=3),
            now - timedelta(hours=2),
            now - timedelta(hours=2),
            WATCHED,
            modulo,
            slot % modulo,
            due,
        )
    )
    count = env.cr.rowcount
    env.cr.commit()
    return count


def action(registry, env_of):
    with registry.cursor() as cr:
        env_of(cr)["crm.lead"]._cron_raise_followup_alerts()


def late_activities(registry, env_of):
    with registry.cursor() as cr:
        today = fields.Date.today()
        return env_of(cr)["crm.lead"].search_count(
            [("activity_date_deadline", "<", today)]
        )


def run(ctx):
    with ctx.registry.cursor() as cr:
        watched = setup(ctx.env(cr))
    idle, stock_idle = [], []
    for _run in range(ctx.args.repeat):
        idle.append(timed(action, ctx.registry, ctx.env)[0])
        stock_idle.append(timed(late_activities, ctx.registry, ctx.env)[0])
    say(f"follow-up, nothing due: {min(idle):.3f}s at best")
    due_size = ctx.scale["followup_due"]
    busy = []
    for slot in range(ctx.scale["followup_due_runs"]):
        with ctx.registry.cursor() as cr:
            made = make_due(ctx.env(cr), watched, due_size, slot)
        seconds, _result = timed(action, ctx.registry, ctx.env)
        busy.append(seconds)
        say(f"follow-up, {made} due: {seconds:.1f}s")
    return [
        Row(
            f"c. follow-up action, nothing due ({watched:,} open leads)",
            "s",
            idle,
            stock_idle,
            target="addon < 1 s",
            limit=1.0,
            absolute=True,
            stock_note="stock: search of leads with late activities (sends nothing)",
        ),
        Row(
            f"c. follow-up action, {due_size:,} due ({watched:,} open leads)",
            "s",
            busy,
            stock_note="n/a: stock Odoo raises no follow-up alerts",
        ),
    ]
