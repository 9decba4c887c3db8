"""Seed the benchmark's volume once, in bulk SQL where the ORM would take hours.

Partners, leads over two years (channels, campaigns, salespeople of the seeded
teams, outcomes, lost reasons), first acquisitions, posted customer invoices and
credit notes with their lines, paid POS orders, vendor bills with Marketing
analytic lines; the users and their teams through the ORM (a few thousand).
"""

from odoo.tools import SQL

from .common import say

SEEDED_PARAM = "crm_closed_loop.bench_seeded"


def seeded(env):
    """The scale the database was seeded at, or False."""
    return env["ir.config_parameter"].sudo().get_param(SEEDED_PARAM, False)


def seed_users(env, users, teams):
    """``users`` salespeople spread over ``teams`` sales teams."""
    salesman = env.ref("sales_team.group_sale_salesman")
    Users = env["res.users"].with_context(
        no_reset_password=True, tracking_disable=True, mail_create_nolog=True
    )
    created = Users.browse()
    for start in range(0, users, 200):
        created |= Users.create(
            [
                {
                    "name": f"Bench seller {i}",
                    "login": f"bench_seller_{i}",
                    "notification_type": "inbox",
                    "group_ids": [(4, salesman.id)],
                }
                for i in range(start, min(start + 200, users))
            ]
        )
        say(f"{len(created)}/{users} users")
    team_records = env["crm.team"].create(
        [
            {
                "name": f"Bench team {t}",
                "use_leads": True,
                "use_opportunities": True,
                "company_id": env.company.id,
            }
            for t in range(teams)
        ]
    )
    env["crm.team.member"].create(
        [
            {"crm_team_id": team_records[i % teams].id, "user_id": user.id}
            for i, user in enumerate(created)
        ]
    )
    return created, team_records


def analyze(cr, table):
    """Fresh statistics, so that the next inserts' foreign-key checks use the
    indexes of a table that has just grown by a million rows."""
    cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))


def seed(env, scale_name, scale):
    leads, pos_orders = scale["leads"], scale["pos"]
    invoice_lines = scale["invoice_lines"]
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
    users, teams = seed_users(env, scale["users"], scale["teams"])
    user_teams = [teams[i % len(teams)].id for i in range(len(users))]
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
    say(f"seeding {partners} partners, {leads} leads")
    cr.execute(
        SQL(
            """
            INSERT INTO res_partner (id, name, active, type, is_company,
                                     autopost_bills, create_date, write_date)
            SELECT id, 'Bench guest ' || n, TRUE, 'contact', FALSE, 'ask',
                   now(), now()
              FROM (SELECT nextval('res_partner_id_seq') id, n
                      FROM generate_series(1, %s) n) s
            """,
            partners,
        )
    )
    # The self-reference is set once the table's statistics know its size: a
    # foreign-key check planned while the table was small scans it per row.
    analyze(cr, "res_partner")
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id"
        " WHERE commercial_partner_id IS NULL AND name LIKE 'Bench guest %'"
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
                   (%(user_teams)s::int[])[1 + (n %% %(n_users)s)],
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
            user_teams=user_teams,
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
    analyze(cr, "crm_lead")
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
    say("seeding acquisitions (first won lead per partner)")
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
    say(f"seeding {moves} customer invoices ({invoice_lines} lines)")
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
    analyze(cr, "account_move")
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
    say(f"seeding {pos_orders} POS orders")
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
    say(f"seeding {bills} vendor bills with marketing analytic lines")
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
    analyze(cr, "account_move")
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
    env["ir.config_parameter"].sudo().set_param(SEEDED_PARAM, scale_name)
    say("seeded")
