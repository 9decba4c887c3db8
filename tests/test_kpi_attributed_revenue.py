import contextlib
import datetime
from collections import defaultdict

from odoo import Command, fields
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL

from ..hooks import uninstall_hook
from ..models.crm_customer_acquisition_revenue import (
    STALE_TABLE,
)
from .acquisition_common import AcquisitionCommon

MARKETING_COLUMNS = ("source_id", "medium_id", "campaign_id")


class _RollbackSavepoint(Exception):
    pass


@tagged("post_install", "-at_install")
class TestKpiAttributedRevenue(AcquisitionCommon):
    """The KPI engine reads attributed revenue from a per-acquisition cache that
    triggers mark stale, and its figures are those of the analysis view."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.setup_other_company(name="Karoo Lodge")["company"]
        cls.env.user.company_ids = [Command.link(cls.other.id)]
        cls.marketer = new_test_user(
            cls.env,
            login="rev_marketer",
            groups="crm_closed_loop.group_marketing",
            company_ids=[Command.set((cls.company | cls.other).ids)],
            company_id=cls.company.id,
        )
        cls.team_spa = cls.env["crm.team"].create({"name": "Spa"})
        cls.team_venue = cls.env["crm.team"].create({"name": "Venue"})
        cls.email = cls.env["utm.medium"].create({"name": "E-mail"})
        cls.events = cls.env["res.partner"].create(
            {"name": "Mkhize Events", "is_company": True}
        )
        cls.planner = cls.env["res.partner"].create(
            {"name": "Lerato Mkhize", "parent_id": cls.events.id}
        )

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def win(self, partner, team, company=None, **utm):
        lead = self.win_lead(partner, company=company, **utm)
        lead.team_id = team
        return lead

    def refresh(self):
        cron = self.env.ref(
            "crm_closed_loop.crm_customer_acquisition_cron_refresh_revenue"
        )
        self.run_in_cron_transaction(
            lambda env: cron.with_env(env).method_direct_trigger()
        )

    def run_in_cron_transaction(self, job):
        """Run ``job`` in its own transaction, as the scheduler does (a test
        cursor: the test still rolls everything back)."""
        self.env.flush_all()
        with self.enter_registry_test_mode(), self.registry.cursor() as cr:
            job(self.env(cr=cr))
        self.env.invalidate_all()

    def stale_partners(self):
        """The customers marked stale (a contact's mark stands for its
        commercial partner)."""
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT COALESCE(p.commercial_partner_id, s.partner_id)"
                " FROM %s s LEFT JOIN res_partner p ON p.id = s.partner_id"
                " WHERE s.partner_id IS NOT NULL",
                SQL.identifier(STALE_TABLE),
            )
        )
        return self.env["res.partner"].browse(sorted(row[0] for row in rows))

    def stale_companies(self):
        self.env.flush_all()
        rows = self.env.execute_query(
            SQL(
                "SELECT DISTINCT company_id FROM %s WHERE company_id IS NOT NULL",
                SQL.identifier(STALE_TABLE),
            )
        )
        return self.env["res.company"].browse(sorted(row[0] for row in rows))

    def cached(self, partner, company=None):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT attributed_revenue FROM crm_customer_acquisition"
                " WHERE partner_id = %s AND company_id = %s",
                partner.id,
                (company or self.company).id,
            )
        )
        return self.env.cr.fetchone()[0]

    def revenue(self, partner_company=None, **kwargs):
        """The company's attributed revenue, from the engine."""
        return self.figure("revenue", company=partner_company, **kwargs)

    def assert_engine_equals_view(self):
        """Every figure of the engine equals the sum of the view's rows over the
        same filter, for the marketer, in each grouping, company set and team."""
        kpi = self.env["crm.closed.loop.kpi"].with_user(self.marketer)
        report = self.env["crm.closed.loop.marketing.report"].with_user(self.marketer)
        both = (self.company | self.other).ids
        for allowed in (both, self.company.ids):
            kpi_env = kpi.with_context(allowed_company_ids=allowed)
            report_env = report.with_context(allowed_company_ids=allowed)
            for groupby, column in (
                (None, None),
                ("source", "source_id"),
                ("medium", "medium_id"),
                ("campaign", "campaign_id"),
            ):
                figures = kpi_env.get_marketing_figures(both, groupby=groupby)
                groups = report_env._read_group(
                    [("company_id", "in", both)],
                    ["company_id", column] if column else ["company_id"],
                    ["spend:sum", "customers:sum", "revenue:sum"],
                )
                expected = {
                    (company.id, key[0].id or None if key else None): (
                        spend,
                        customers,
                        revenue,
                    )
                    for company, *key, spend, customers, revenue in groups
                }
                got = {
                    key: (row["spend"], row["customers"], row["revenue"])
                    for key, row in figures.items()
                }
                self.assertEqual(got, expected, f"grouped by {groupby}, {allowed}")
            for team_ids in ([], [self.team_spa.id], [self.team_venue.id]):
                domain = kpi_env._marketing_domain(
                    None, None, kpi_env.env.companies, team_ids
                )
                groups = report_env._read_group(
                    domain,
                    list(MARKETING_COLUMNS),
                    ["spend:sum", "customers:sum", "revenue:sum"],
                )
                expected = defaultdict(lambda: [0.0, 0, 0.0])
                for *keys, spend, customers, revenue in groups:
                    for name, record in zip(MARKETING_COLUMNS, keys, strict=True):
                        bucket = expected[name, record.id]
                        for index, value in enumerate((spend, customers, revenue)):
                            bucket[index] += value or 0
                _result, by = kpi_env._read_marketing(
                    None, None, kpi_env.env.companies, team_ids
                )
                got = {
                    (column, record.id): values
                    for column, name in zip(MARKETING_COLUMNS, by, strict=True)
                    for record, values in by[name].items()
                }
                self.assertEqual(got, dict(expected), f"teams {team_ids}, {allowed}")

    # ------------------------------------------------------------
    # Engine equals the view
    # ------------------------------------------------------------

    def test_engine_figures_equal_the_view_live_cached_and_mixed(self):
        yesterday = fields.Date.today() - datetime.timedelta(days=1)
        self.vendor_bill(5000, self.bridal_fair_account)
        self.vendor_bill(800, self.bridal_fair_account, move_type="in_refund")
        self.vendor_bill(1200, self.facebook_account)
        self.vendor_bill(999, self.facebook_account, post=False)
        self.vendor_bill(450, self.facebook_account, company=self.other)
        self.win(self.bride, self.team_spa, campaign=self.bridal_fair)
        self.win(self.planner, self.team_venue, source=self.facebook)
        self.win(self.groom, self.team_venue, company=self.other)
        self.acquisition_of(self.groom, self.other).sudo().medium_id = self.email
        # Inside the window, before the acquisition (out), a credit note.
        self.customer_invoice(self.bride, 8000.0)
        self.customer_invoice(self.bride, 100.0, date=yesterday)
        self.customer_invoice(self.bride, 1500.0, move_type="out_refund")
        # A contact's POS orders count for its company; an invoiced one once.
        self.pos_order(self.planner, 300.0)
        self.pos_order(self.planner, 200.0).action_pos_order_invoice()
        self.customer_invoice(self.groom, 700.0, company=self.other)
        # Another company's invoice of the bride is not hers here.
        self.customer_invoice(self.bride, 50.0, company=self.other)

        # Never refreshed: every acquisition is read live.
        self.assertAlmostEqual(self.revenue(), 8000 - 1500 + 300 + 200)
        self.assert_engine_equals_view()

        self.refresh()
        self.assertFalse(self.stale_partners())
        self.assertAlmostEqual(self.cached(self.bride), 6500.0)
        self.assertAlmostEqual(self.cached(self.events), 500.0)
        self.assertAlmostEqual(self.cached(self.groom, self.other), 700.0)
        self.assert_engine_equals_view()

        # Mixed: the bride changed since, the others are read from the cache.
        self.customer_invoice(self.bride, 250.0)
        self.assertEqual(self.stale_partners(), self.bride)
        self.assertAlmostEqual(self.revenue(), 6500 + 250 + 500)
        self.assert_engine_equals_view()

    # ------------------------------------------------------------
    # Each trigger marks the customer; figures right before the refresh
    # ------------------------------------------------------------

    def assert_refresh_settles(self, expected_revenue):
        """The refresh job clears the marks without changing a figure, and a
        second run changes nothing."""
        self.assertAlmostEqual(self.revenue(), expected_revenue)
        self.refresh()
        self.assertFalse(self.stale_partners())
        self.assertAlmostEqual(self.revenue(), expected_revenue)
        self.assert_engine_equals_view()
        # A row's ctid moves with any UPDATE: the second run writes no row.
        versions = self.env.execute_query(
            SQL(
                "SELECT id, ctid::text, attributed_revenue"
                " FROM crm_customer_acquisition ORDER BY id"
            )
        )
        self.refresh()
        self.assertFalse(self.stale_partners())
        self.assertEqual(
            self.env.execute_query(
                SQL(
                    "SELECT id, ctid::text, attributed_revenue"
                    " FROM crm_customer_acquisition ORDER BY id"
                )
            ),
            versions,
        )

    def test_posting_an_invoice_counts_before_the_refresh(self):
        self.win(self.bride, self.team_spa, campaign=self.bridal_fair)
        self.refresh()
        self.assertEqual(self.cached(self.bride), 0)
        draft = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.bride.id,
                "invoice_date": fields.Date.today(),
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Suite", "price_unit": 900.0, "tax_ids": []}
                    )
                ],
            }
        )
        draft.ref = "Honeymoon suite"
        self.assertFalse(self.stale_partners(), "a draft invoice changes nothing")
        draft.action_post()
        self.assertEqual(self.stale_partners(), self.bride)
        kpis = (
            self.env["crm.closed.loop.kpi"]
            .with_user(self.marketer)
            .get_kpis(None, None, self.company.ids)
        )
        self.assertAlmostEqual(kpis["marketing"]["revenue"], 900.0)
        self.assert_refresh_settles(900.0)

        draft.button_draft()
        self.assertEqual(self.stale_partners(), self.bride)
        self.assert_refresh_settles(0.0)

    def test_pos_orders_count_before_the_refresh_and_once_invoiced(self):
        self.win(self.planner, self.team_venue, source=self.facebook)
        self.refresh()
        order = self.pos_order(self.planner, 300.0)
        self.assertEqual(self.stale_partners(), self.events)
        self.assert_refresh_settles(300.0)
        order.action_pos_order_invoice()
        self.assertEqual(self.stale_partners(), self.events)
        self.assert_refresh_settles(300.0)

    def test_contact_moving_to_another_company_moves_its_pos_revenue(self):
        self.win(self.planner, self.team_venue, source=self.facebook)
        self.win(self.bride, self.team_spa, campaign=self.bridal_fair)
        self.pos_order(self.planner, 300.0)
        self.refresh()
        self.assertAlmostEqual(self.cached(self.events), 300.0)
        self.planner.parent_id = self.bride
        self.assertEqual(self.stale_partners(), self.bride | self.events)
        self.assertAlmostEqual(self.figure("revenue", self.bridal_fair), 300.0)
        self.assertAlmostEqual(self.figure("revenue", self.facebook, "source"), 0.0)
        self.assert_refresh_settles(300.0)
        self.assertAlmostEqual(self.cached(self.bride), 300.0)
        self.assertAlmostEqual(self.cached(self.events), 0.0)

    def test_acquired_customer_becoming_a_contact_moves_its_pos_revenue(self):
        # The bride was acquired as a customer of her own; she then joins a
        # company: her POS orders now count for the company, not for her.
        self.win(self.bride, self.team_spa, campaign=self.bridal_fair)
        self.win(self.planner, self.team_venue, source=self.facebook)
        self.pos_order(self.bride, 300.0)
        self.refresh()
        self.assertAlmostEqual(self.cached(self.bride), 300.0)
        self.bride.parent_id = self.events
        self.assertAlmostEqual(self.figure("revenue", self.bridal_fair), 0.0)
        self.assertAlmostEqual(self.figure("revenue", self.facebook, "source"), 300.0)
        self.assert_engine_equals_view()
        self.assert_refresh_settles(300.0)
        self.assertAlmostEqual(self.cached(self.bride), 0.0)
        self.assertAlmostEqual(self.cached(self.events), 300.0)

    def test_merging_customers_counts_before_the_refresh(self):
        # The merge rewrites every reference to the partner in SQL and drops
        # the duplicate acquisition.
        self.win(self.bride, self.team_spa, campaign=self.bridal_fair)
        self.win(self.groom, self.team_venue, source=self.facebook)
        self.customer_invoice(self.bride, 1000.0)
        self.customer_invoice(self.groom, 500.0)
        self.pos_order(self.groom, 200.0)
        self.refresh()
        self.assertAlmostEqual(self.revenue(), 1700.0)
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (self.bride | self.groom).ids, self.bride, extra_checks=False
        )
        self.assertFalse(self.groom.exists())
        self.assert_engine_equals_view()
        self.assertAlmostEqual(self.figure("revenue", self.bridal_fair), 1700.0)
        self.assert_refresh_settles(1700.0)

    def test_credit_note_cancel_and_reset_count_before_the_refresh(self):
        self.win(self.bride, self.team_spa, campaign=self.bridal_fair)
        invoice = self.customer_invoice(self.bride, 1000.0)
        self.refresh()
        reversal = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id})
        )
        reversal.refund_moves()
        credit_note = invoice.reversal_move_ids
        credit_note.action_post()
        self.assertEqual(self.stale_partners(), self.bride)
        self.assert_engine_equals_view()
        self.assert_refresh_settles(0.0)
        credit_note.button_draft()
        credit_note.button_cancel()
        self.assert_engine_equals_view()
        self.assert_refresh_settles(1000.0)

    def test_shorter_attribution_window_counts_before_the_refresh(self):
        self.win(self.bride, self.team_spa, campaign=self.bridal_fair)
        later = fields.Date.today() + datetime.timedelta(days=60)
        self.customer_invoice(self.bride, 1000.0)
        self.customer_invoice(self.bride, 2000.0, date=later)
        self.refresh()
        self.assertAlmostEqual(self.revenue(), 3000.0)
        self.company.crm_attribution_months = 1
        self.assertEqual(self.stale_companies(), self.company)
        self.assert_refresh_settles(1000.0)
        self.assertFalse(self.stale_companies())

    def test_moving_an_acquisition_date_counts_before_the_refresh(self):
        self.win(self.bride, self.team_spa, campaign=self.bridal_fair)
        self.customer_invoice(self.bride, 1000.0)
        self.refresh()
        acquisition = self.acquisition_of(self.bride).sudo()
        acquisition.medium_id = self.email
        self.assertFalse(self.stale_partners(), "the medium is not in the cache")
        acquisition.date = fields.Date.today() + datetime.timedelta(days=1)
        self.assertEqual(self.stale_partners(), self.bride)
        self.assert_refresh_settles(0.0)

    def test_acquisition_leaving_and_coming_back_counts_before_the_refresh(self):
        lead = self.win(self.bride, self.team_spa, campaign=self.bridal_fair)
        self.customer_invoice(self.bride, 1000.0)
        self.refresh()
        lead.stage_id = self.open_stage
        self.assertFalse(self.acquisition_of(self.bride))
        self.assertEqual(self.stale_partners(), self.bride)
        self.assert_refresh_settles(0.0)
        self.win(self.bride, self.team_spa, campaign=self.bridal_fair)
        self.assertEqual(self.stale_partners(), self.bride)
        self.assert_refresh_settles(1000.0)

    def test_refresh_in_small_batches_handles_every_mark(self):
        self.refresh()
        self.env["res.partner"].create({"name": "Walk-in guest"})
        self.assertFalse(self.stale_partners(), "creating a partner marks nothing")
        self.win(self.bride, self.team_spa, campaign=self.bridal_fair)
        self.win(self.planner, self.team_venue, source=self.facebook)
        self.customer_invoice(self.bride, 1000.0)
        self.pos_order(self.planner, 300.0)
        self.assertEqual(self.stale_partners(), self.bride | self.events)
        self.run_in_cron_transaction(
            lambda env: env[
                "crm.customer.acquisition"
            ]._cron_refresh_attributed_revenue(batch_size=1)
        )
        self.assertFalse(self.stale_partners())
        self.assertAlmostEqual(self.cached(self.bride), 1000.0)
        self.assertAlmostEqual(self.cached(self.events), 300.0)

    # ------------------------------------------------------------
    # Install and uninstall
    # ------------------------------------------------------------

    def test_upgrade_fills_every_cache_and_uninstall_drops_the_triggers(self):
        self.win(self.bride, self.team_spa, campaign=self.bridal_fair)
        self.customer_invoice(self.bride, 1000.0)
        self.assertIsNone(self.cached(self.bride))
        self.env["crm.customer.acquisition"].init()
        self.assertAlmostEqual(self.cached(self.bride), 1000.0)
        self.assertFalse(self.stale_partners())

        cr = self.env.cr
        query = SQL(
            "SELECT (SELECT COUNT(*) FROM pg_trigger"
            "         WHERE tgname LIKE 'crm\\_closed\\_loop\\_%%'),"
            "       (SELECT COUNT(*) FROM pg_proc"
            "         WHERE proname LIKE 'crm\\_closed\\_loop\\_%%'),"
            "       to_regclass(%s) IS NOT NULL",
            STALE_TABLE,
        )
        # The revenue cache's 12 triggers and 5 functions, and the KPI summary's
        # 3 triggers and 1 function on crm_lead.
        cr.execute(query)
        self.assertEqual(cr.fetchone(), (15, 6, True))
        with contextlib.suppress(_RollbackSavepoint), cr.savepoint():
            uninstall_hook(self.env)
            cr.execute(query)
            self.assertEqual(cr.fetchone(), (0, 0, False))
            raise _RollbackSavepoint
        cr.execute(query)
        self.assertEqual(cr.fetchone(), (15, 6, True))
