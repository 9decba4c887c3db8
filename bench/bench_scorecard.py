"""Time the scorecard's figures three ways on a seeded database.

1. ``crm.closed.loop.kpi.get_kpis`` (the engine: a handful of aggregates on the
   analysis views);
2. the same figures from the ORM's ``read_group`` on the source models (leads,
   acquisitions, invoices, POS orders, analytic lines), joined in Python;
3. one hand-written SQL aggregate computing the headline figures: the floor.

Run through ``bench/scorecard``; see the README, "Benchmark of the scorecard".
"""

import argparse
import statistics
import sys
import time
import warnings
from collections import defaultdict

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

YEAR = ("2026-01-01", "2026-12-31")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--pos", type=int, default=1_000_000)
    parser.add_argument("--invoice-lines", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", action="store_true", help="seed the volume first")
    parser.add_argument("--reseed", action="store_true", help="(handled by the shell)")
    return parser.parse_args(argv)


# ----------------------------------------------------------------------------
# Seeding, in bulk SQL
# ----------------------------------------------------------------------------


def seed(env, leads, pos_orders, invoice_lines):
    cr = env.cr
    company = env.ref("base.main_company")
    cr.execute("SELECT setseed(0.42)")
    sources = env["utm.source"].create(
        [{"name": f"Bench channel {i}"} for i in range(12)]
    )
    mediums = env["utm.medium"].create(
        [{"name": f"Bench medium {i}"} for i in range(5)]
    )
    campaigns = env["utm.campaign"].create(
        [{"title": f"Bench campaign {i}"} for i in range(40)]
    )
    users = env["res.users"].create(
        [{"name": f"Bench seller {i}", "login": f"bench_seller_{i}"} for i in range(25)]
    )
    reasons = env["crm.lost.reason"].create(
        [{"name": f"Bench reason {i}"} for i in range(6)]
    )
    stages = env["crm.stage"].search([("is_won", "=", False)])
    won_stage = env["crm.stage"].search([("is_won", "=", True)], limit=1)
    plan = env.ref("crm_closed_loop.account_analytic_plan_marketing")
    accounts = env["account.analytic.account"].create(
        [
            {
                "name": f"Bench marketing {i}",
                "plan_id": plan.id,
                "utm_campaign_id": campaigns[i].id,
                "utm_source_id": sources[i % len(sources)].id,
            }
            for i in range(len(campaigns))
        ]
    )
    env.flush_all()
    partners = max(leads // 10, 1000)
    print(f"seeding {partners} partners, {leads} leads", flush=True)
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (id, commercial_partner_id, name, active, type,
                                     is_company, autopost_bills, create_date,
                                     write_date)
            SELECT id, id, 'Bench guest ' || n, TRUE, 'contact', FALSE, 'ask',
                   now(), now()
              FROM (SELECT nextval('res_partner_id_seq') id, n
                      FROM generate_series(1, %s) n) s
            """,
            partners,
        )
    )
    weighted = "weighted_revenue" in env["crm.lead"]._fields
    cr.execute(
        SQL(
            """
            WITH p AS (
                SELECT array_agg(id) ids FROM res_partner
                 WHERE name LIKE 'Bench guest %%'
            ), src AS (
                SELECT n, random() r, random() s,
                       timestamp '2025-01-01' + random() * interval '730 days'
                           AS created
                  FROM generate_series(1, %(leads)s) n
            )
            INSERT INTO crm_lead (name, type, active, company_id, user_id, team_id,
                                  partner_id, source_id, medium_id, campaign_id,
                                  stage_id, won_status, probability, lost_reason_id,
                                  expected_revenue, prorated_revenue, create_date,
                                  write_date, date_closed %(weighted_col)s)
            SELECT 'Bench lead ' || n, 'opportunity', NOT (r < 0.45 AND r >= 0.15),
                   %(company)s,
                   (%(users)s::int[])[1 + (n %% %(n_users)s)],
                   NULL,
                   p.ids[1 + (n %% array_length(p.ids, 1))],
                   (%(sources)s::int[])[1 + (n %% %(n_sources)s)],
                   (%(mediums)s::int[])[1 + (n %% %(n_mediums)s)],
                   (%(campaigns)s::int[])[1 + (n %% %(n_campaigns)s)],
                   CASE WHEN r < 0.15 THEN %(won_stage)s
                        ELSE (%(stages)s::int[])[1 + (n %% %(n_stages)s)] END,
                   CASE WHEN r < 0.15 THEN 'won' WHEN r < 0.45 THEN 'lost'
                        ELSE 'pending' END,
                   CASE WHEN r < 0.15 THEN 100 WHEN r < 0.45 THEN 0 ELSE 30 END,
                   CASE WHEN r >= 0.15 AND r < 0.45
                        THEN (%(reasons)s::int[])[1 + (n %% %(n_reasons)s)] END,
                   round((s * 50000)::numeric, 2),
                   round((s * 15000)::numeric, 2),
                   created, created,
                   CASE WHEN r < 0.45 THEN created + interval '10 days' END
                   %(weighted_val)s
              FROM src, p
            """,
            leads=leads,
            company=company.id,
            users=users.ids,
            n_users=len(users),
            sources=sources.ids,
            n_sources=len(sources),
            mediums=mediums.ids,
            n_mediums=len(mediums),
            campaigns=campaigns.ids,
            n_campaigns=len(campaigns),
            won_stage=won_stage.id,
            stages=stages.ids,
            n_stages=len(stages),
            reasons=reasons.ids,
            n_reasons=len(reasons),
            weighted_col=SQL(", weighted_revenue") if weighted else SQL(),
            weighted_val=SQL(", round((s * 15000)::numeric, 2)") if weighted else SQL(),
        )
    )
    optional = [
        (name, expr)
        for name, expr in (
            ("first_response_minutes", "(random() * 600)::numeric(10, 1)"),
            ("first_contact_date", "create_date + interval '1 hour'"),
            ("contact_count", "1 + mod(id, 4)"),
        )
        if name in env["crm.lead"]._fields and env["crm.lead"]._fields[name].store
    ]
    if optional:
        cr.execute(
            SQL(
                "UPDATE crm_lead SET %s "
                "WHERE name LIKE 'Bench lead %%' AND id %% 5 <> 0",
                SQL(", ").join(
                    SQL("%s = %s", SQL.identifier(name), SQL(expr))
                    for name, expr in optional
                ),
            )
        )
    print("seeding acquisitions (first won lead per partner)", flush=True)
    cr.execute(
        SQL(
            """
            INSERT INTO crm_customer_acquisition (partner_id, company_id, lead_id, date,
                                                  campaign_id, source_id, medium_id)
            SELECT DISTINCT ON (l.partner_id) l.partner_id, l.company_id, l.id,
                   l.date_closed::date, l.campaign_id, l.source_id, l.medium_id
              FROM crm_lead l
             WHERE l.won_status = 'won' AND l.name LIKE 'Bench lead %%'
          ORDER BY l.partner_id, l.date_closed, l.id
            """
        )
    )
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
    )
    purchase = env["account.journal"].search(
        [("type", "=", "purchase"), ("company_id", "=", company.id)], limit=1
    )
    moves = max(invoice_lines // 2, 1)
    print(f"seeding {moves} customer invoices ({invoice_lines} lines)", flush=True)
    cr.execute(
        SQL(
            """
            WITH a AS (SELECT array_agg(partner_id) ids FROM crm_customer_acquisition)
            INSERT INTO account_move (name, state, move_type, date, invoice_date,
                                      journal_id, currency_id, company_id, partner_id,
                                      commercial_partner_id, auto_post,
                                      amount_untaxed_signed, amount_total_signed)
            SELECT 'BENCH/INV/' || n, 'posted',
                   CASE WHEN n %% 20 = 0 THEN 'out_refund' ELSE 'out_invoice' END,
                   d, d, %(journal)s, %(currency)s, %(company)s, pid, pid, 'no',
                   CASE WHEN n %% 20 = 0 THEN -1 ELSE 1 END * amt,
                   CASE WHEN n %% 20 = 0 THEN -1 ELSE 1 END * amt
              FROM (SELECT n, a.ids[1 + (n %% array_length(a.ids, 1))] pid,
                           date '2025-01-01' + (random() * 730)::int d,
                           round((random() * 20000)::numeric, 2) amt
                      FROM generate_series(1, %(moves)s) n, a) x
            """,
            journal=journal.id,
            currency=company.currency_id.id,
            company=company.id,
            moves=moves,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO account_move_line (move_id, display_type, currency_id,
                                           company_id, journal_id, date, partner_id,
                                           name, balance, debit, credit,
                                           amount_currency, parent_state, account_id)
            SELECT m.id, 'product', m.currency_id, m.company_id, m.journal_id, m.date,
                   m.partner_id, 'Bench line ' || k, -m.amount_untaxed_signed / 2,
                   0, m.amount_untaxed_signed / 2, -m.amount_untaxed_signed / 2,
                   'posted', %s
              FROM account_move m, generate_series(1, 2) k
             WHERE m.name LIKE 'BENCH/INV/%%'
            """,
            journal.default_account_id.id,
        )
    )
    print(f"seeding {pos_orders} POS orders", flush=True)
    cr.execute(
        SQL(
            """
            WITH p AS (SELECT array_agg(id) ids FROM res_partner
                        WHERE name LIKE 'Bench guest %%')
            INSERT INTO pos_order (name, company_id, partner_id, state, date_order,
                                   amount_total, amount_tax, amount_paid,
                                   amount_return, currency_rate)
            SELECT 'BENCH/POS/' || n, %(company)s,
                   CASE WHEN n %% 10 = 0 THEN NULL
                        ELSE p.ids[1 + (n %% array_length(p.ids, 1))] END,
                   'paid',
                   timestamp '2025-01-01' + random() * interval '730 days',
                   t, round(t * 0.13, 2), t, 0, 1
              FROM (SELECT n, round((random() * 800)::numeric, 2) t
                      FROM generate_series(1, %(orders)s) n) x, p
            """,
            company=company.id,
            orders=pos_orders,
        )
    )
    bills = 5000
    print(f"seeding {bills} vendor bills with marketing analytic lines", flush=True)
    cr.execute(
        SQL(
            """
            INSERT INTO account_move (name, state, move_type, date, invoice_date,
                                      journal_id, currency_id, company_id, auto_post,
                                      amount_untaxed_signed, amount_total_signed)
            SELECT 'BENCH/BILL/' || n, 'posted',
                   CASE WHEN n %% 25 = 0 THEN 'in_refund' ELSE 'in_invoice' END,
                   d, d, %(journal)s, %(currency)s, %(company)s, 'no', 0, 0
              FROM (SELECT n, date '2025-01-01' + (random() * 730)::int d
                      FROM generate_series(1, %(bills)s) n) x
            """,
            journal=purchase.id,
            currency=company.currency_id.id,
            company=company.id,
            bills=bills,
        )
    )
    cr.execute(
        SQL(
            """
            WITH ins AS (
                INSERT INTO account_move_line (move_id, display_type, currency_id,
                                               company_id, journal_id, date, name,
                                               balance, debit, credit,
                                               amount_currency, parent_state,
                                               account_id)
                SELECT m.id, 'product', m.currency_id, m.company_id, m.journal_id,
                       m.date, 'Bench spend',
                       CASE WHEN m.move_type = 'in_refund' THEN -1 ELSE 1 END * a,
                       0, 0, 0, 'posted', %(account)s
                  FROM account_move m,
                       LATERAL (SELECT round((random() * 9000)::numeric, 2) a
                                 WHERE m.id IS NOT NULL) r
                 WHERE m.name LIKE 'BENCH/BILL/%%'
             RETURNING id, company_id, date, balance
            )
            INSERT INTO account_analytic_line (name, company_id, date, amount,
                                               move_line_id, %(column)s)
            SELECT 'Bench spend', ins.company_id, ins.date, -ins.balance, ins.id,
                   (%(accounts)s::int[])[1 + (ins.id %% %(n_accounts)s)]
              FROM ins
            """,
            column=SQL.identifier(plan._column_name()),
            account=purchase.default_account_id.id,
            accounts=accounts.ids,
            n_accounts=len(accounts),
        )
    )
    cr.execute("ANALYZE")
    print("seeded", flush=True)


# ----------------------------------------------------------------------------
# The three ways
# ----------------------------------------------------------------------------


def by_engine(env, company):
    return env["crm.closed.loop.kpi"].get_kpis(*YEAR, company.ids)


def by_read_group(env, company):
    """The same figures from read_group on the source models, joined in Python."""
    start, end = f"{YEAR[0]} 00:00:00", f"{YEAR[1]} 23:59:59"
    Lead = env["crm.lead"].with_context(active_test=False)
    cohort = Lead.read_group(
        [
            ("company_id", "=", company.id),
            ("create_date", ">=", start),
            ("create_date", "<=", end),
        ],
        [
            "source_id",
            "medium_id",
            "campaign_id",
            "user_id",
            "lost_reason_id",
            "won_status",
        ],
        [
            "source_id",
            "medium_id",
            "campaign_id",
            "user_id",
            "lost_reason_id",
            "won_status",
        ],
        lazy=False,
    )
    pipeline = env["crm.lead"].read_group(
        [
            ("company_id", "=", company.id),
            ("won_status", "=", "pending"),
            ("type", "=", "opportunity"),
        ],
        ["expected_revenue:sum", "prorated_revenue:sum"],
        ["stage_id"],
    )
    acquisitions = env["crm.customer.acquisition"].read_group(
        [
            ("company_id", "=", company.id),
            ("date", ">=", YEAR[0]),
            ("date", "<=", YEAR[1]),
        ],
        ["partner_id"],
        ["partner_id", "campaign_id", "source_id", "date:day"],
        lazy=False,
    )
    partner_ids = [group["partner_id"][0] for group in acquisitions]
    invoices = env["account.move"].read_group(
        [
            ("commercial_partner_id", "in", partner_ids),
            ("state", "=", "posted"),
            ("move_type", "in", ("out_invoice", "out_refund")),
        ],
        ["amount_untaxed_signed:sum"],
        ["commercial_partner_id", "invoice_date:month"],
        lazy=False,
    )
    orders = env["pos.order"].read_group(
        [
            ("partner_id", "in", partner_ids),
            ("state", "in", ("paid", "done")),
            ("account_move", "=", False),
        ],
        ["amount_total:sum", "amount_tax:sum"],
        ["partner_id", "date_order:month"],
        lazy=False,
    )
    plan = env.ref("crm_closed_loop.account_analytic_plan_marketing")
    column = plan._column_name()
    spend = env["account.analytic.line"].read_group(
        [
            (column, "!=", False),
            ("date", ">=", YEAR[0]),
            ("date", "<=", YEAR[1]),
            ("company_id", "=", company.id),
        ],
        ["amount:sum"],
        [column],
    )
    revenue = defaultdict(float)
    for group in invoices:
        revenue[group["commercial_partner_id"][0]] += group["amount_untaxed_signed"]
    for group in orders:
        revenue[group["partner_id"][0]] += group["amount_total"] - group["amount_tax"]
    return {
        "leads": sum(group["__count"] for group in cohort),
        "customers": len(acquisitions),
        "spend": -sum(group["amount"] for group in spend),
        "revenue": sum(revenue.values()),
        "stages": len(pipeline),
    }


FLOOR_SQL = """
WITH cohort AS (
    SELECT COUNT(*) leads,
           COUNT(*) FILTER (WHERE won_status = 'won') won,
           COUNT(*) FILTER (WHERE won_status = 'lost') lost
      FROM crm_lead
     WHERE company_id = %(company)s
       AND create_date >= %(start)s AND create_date < %(end)s
), acq AS (
    SELECT a.partner_id, a.date,
           (a.date + make_interval(
               months => COALESCE(c.crm_attribution_months, 12)))::date AS window_end
      FROM crm_customer_acquisition a JOIN res_company c ON c.id = a.company_id
     WHERE a.company_id = %(company)s AND a.date BETWEEN %(day_from)s AND %(day_to)s
), revenue AS (
    SELECT COALESCE(SUM(m.amount_untaxed_signed), 0) amount
      FROM acq JOIN account_move m ON m.commercial_partner_id = acq.partner_id
     WHERE m.state = 'posted' AND m.move_type IN ('out_invoice', 'out_refund')
       AND m.invoice_date >= acq.date AND m.invoice_date < acq.window_end
    UNION ALL
    SELECT COALESCE(SUM(o.amount_total - o.amount_tax), 0)
      FROM acq JOIN res_partner p ON p.commercial_partner_id = acq.partner_id
      JOIN pos_order o ON o.partner_id = p.id
     WHERE o.state IN ('paid', 'done') AND o.account_move IS NULL
       AND o.date_order >= acq.date AND o.date_order < acq.window_end
), spend AS (
    SELECT COALESCE(-SUM(l.amount), 0) amount
      FROM account_analytic_line l
      JOIN account_analytic_account a ON a.id = l.%(column)s
     WHERE a.root_plan_id = %(plan)s AND l.company_id = %(company)s
       AND l.date BETWEEN %(day_from)s AND %(day_to)s
)
SELECT cohort.leads, cohort.won, cohort.lost,
       (SELECT COUNT(*) FROM acq), (SELECT SUM(amount) FROM revenue),
       (SELECT amount FROM spend)
  FROM cohort
"""


def by_floor(env, company):
    plan = env.ref("crm_closed_loop.account_analytic_plan_marketing")
    query = FLOOR_SQL.replace("%(column)s", plan._column_name())
    env.cr.execute(
        query,
        {
            "company": company.id,
            "start": f"{YEAR[0]} 00:00:00",
            "end": "2027-01-01 00:00:00",
            "day_from": YEAR[0],
            "day_to": YEAR[1],
            "plan": plan.id,
        },
    )
    return env.cr.fetchone()


def measure(env, name, func, company, repeat):
    timings, queries = [], 0
    result = None
    for _run in range(repeat):
        env.invalidate_all()
        before = env.cr.sql_log_count
        started = time.perf_counter()
        result = func(env, company)
        timings.append(time.perf_counter() - started)
        queries = env.cr.sql_log_count - before
    return name, timings, queries, result


def main(argv):
    args = parse_args(argv)
    # read_group is deprecated in 19.0 but still what "the ORM's read_group" means.
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"tz": "UTC"})
        if args.seed:
            seed(env, args.leads, args.pos, args.invoice_lines)
            cr.commit()
        company = env.ref("base.main_company")
        counts = {}
        for table in (
            "crm_lead",
            "pos_order",
            "account_move_line",
            "crm_customer_acquisition",
            "account_analytic_line",
        ):
            cr.execute(SQL("SELECT COUNT(*) FROM %s", SQL.identifier(table)))
            counts[table] = cr.fetchone()[0]
        print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        rows = [
            measure(env, "get_kpis (engine)", by_engine, company, args.repeat),
            measure(env, "ORM read_group", by_read_group, company, args.repeat),
            measure(env, "hand-written SQL (floor)", by_floor, company, args.repeat),
        ]
        print(f"\nscorecard figures for {YEAR[0]}..{YEAR[1]}, {args.repeat} runs each")
        print(f"{'method':<28}{'median s':>10}{'min s':>10}{'max s':>10}{'queries':>9}")
        for name, timings, queries, _result in rows:
            print(
                f"{name:<28}{statistics.median(timings):>10.3f}"
                f"{min(timings):>10.3f}{max(timings):>10.3f}{queries:>9}"
            )
        engine = rows[0][3]
        floor = rows[2][3]
        print(
            "\ncheck: leads engine/floor "
            f"{engine['conversion']['leads']}/{floor[0]}, customers "
            f"{engine['marketing']['customers']}/{floor[3]}, spend "
            f"{engine['marketing']['spend']:.2f}/{float(floor[5]):.2f}, revenue "
            f"{engine['marketing']['revenue']:.2f}/{float(floor[4] or 0):.2f}"
        )
        cr.rollback()


if __name__ == "__main__":
    main(sys.argv[1:])
