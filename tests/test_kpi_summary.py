"""The scorecard's summary cells: the same figures as the leads themselves,
whatever the period, time zone, filter or write, and response bands."""

import datetime

from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.crm_closed_loop.models.crm_closed_loop_kpi import (
    EXACT_RESPONSE_LIMIT_PARAM,
    FROM_LEADS_CONTEXT,
)
from odoo.addons.crm_closed_loop.models.crm_closed_loop_kpi_cell import TRIGGERS
from odoo.addons.crm_closed_loop.models.lib import response_bands

from .kpi_common import KpiCase

PERIODS = (
    ("2027-01-01", "2027-12-31"),
    ("2027-01-01", "2027-03-31"),
    ("2027-01-20", "2027-03-10"),
    ("2027-01-03", "2027-02-26"),
    (None, "2027-02-28"),
    ("2027-02-01", None),
    (None, None),
)


@tagged("post_install", "-at_install")
class TestKpiSummary(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team_spa = cls.env["crm.team"].create({"name": "Spa"})
        cls.lost_reason = cls.env["crm.lost.reason"].create({"name": "Too dear"})
        cls.Cell = cls.env["crm.closed.loop.kpi.cell"]

    def setUp(self):
        super().setUp()
        # Around month ends and at midnight, so that a time zone moves leads
        # between months; spread over teams, people, channels and outcomes.
        moments = [
            datetime.datetime(2027, 1, 1, 0, 30),
            datetime.datetime(2027, 1, 10, 12, 0),
            datetime.datetime(2027, 1, 31, 22, 30),
            datetime.datetime(2027, 2, 1, 1, 0),
            datetime.datetime(2027, 2, 14, 9, 0),
            datetime.datetime(2027, 2, 28, 23, 0),
            datetime.datetime(2027, 3, 1, 0, 15),
            datetime.datetime(2027, 3, 9, 18, 0),
            datetime.datetime(2027, 3, 31, 23, 59),
            datetime.datetime(2026, 12, 31, 23, 0),
        ]
        self.leads = self.env["crm.lead"]
        for index, moment in enumerate(moments):
            lead = self.make_lead(
                moment,
                user=(self.salesman, self.salesman2, self.manager)[index % 3],
                team_id=(self.team, self.team_spa)[index % 2].id,
                source_id=(self.source, self.source_web, False)[index % 3]
                and (self.source, self.source_web, False)[index % 3].id,
                campaign_id=self.campaign.id if index % 4 == 0 else False,
                expected_revenue=1000.0 * (index + 1),
            )
            self.leads |= lead
        self.leads[0].action_set_won()
        self.leads[3].action_set_won()
        self.leads[1].action_set_lost(lost_reason_id=self.lost_reason.id)
        self.leads[4].action_set_lost()
        self.respond(self.leads[0], 10)
        self.respond(self.leads[2], 20)
        self.respond(self.leads[5], 40)
        self.respond(self.leads[6], 500)

    def respond(self, lead, minutes):
        lead.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET first_contact_date = create_date,"
                " first_response_minutes = %s, contact_count = 1 WHERE id = %s",
                minutes,
                lead.id,
            )
        )
        lead.invalidate_recordset()

    def run_compaction(self):
        """As the scheduler runs it, in its own transaction (a test cursor)."""
        cron = self.env.ref("crm_closed_loop.crm_closed_loop_kpi_cell_cron_compact")
        self.env.flush_all()
        with self.enter_registry_test_mode(), self.registry.cursor() as cr:
            cron.with_env(cron.env(cr=cr)).method_direct_trigger()
        self.env.invalidate_all()

    def kpis(self, period, **kwargs):
        return self.Kpi.with_user(self.manager).get_kpis(
            *period, [self.company.id], **kwargs
        )

    def assert_same_as_leads(self, period, **kwargs):
        engine = self.Kpi.with_user(self.manager)
        plan = engine._summary_plan(*engine._parse_period(*period))
        from_cells = self.kpis(period, **kwargs)
        from_leads = engine.with_context(**{FROM_LEADS_CONTEXT: True}).get_kpis(
            *period, [self.company.id], **kwargs
        )
        self.assertEqual(from_cells, from_leads, f"{period} {kwargs}")
        return plan

    def test_every_period_filter_and_grouping_matches_the_leads(self):
        for tz in ("UTC", "Africa/Johannesburg", "America/New_York"):
            self.manager.tz = tz
            for period in PERIODS:
                with self.subTest(tz=tz, period=period):
                    self.assert_same_as_leads(period)
                    self.assert_same_as_leads(period, team_ids=[self.team_spa.id])
            for groupby in ("source", "medium", "campaign", "user", "team"):
                with self.subTest(tz=tz, groupby=groupby):
                    self.assert_same_as_leads(PERIODS[0], groupby=groupby)

    def test_year_is_read_from_cells_and_a_week_from_leads(self):
        engine = self.Kpi.with_user(self.manager)
        year = engine._summary_plan(*engine._parse_period(*PERIODS[0]))
        self.assertEqual(year["month_from"], datetime.date(2027, 1, 1))
        self.assertEqual(year["month_to"], datetime.date(2028, 1, 1))
        self.assertEqual(year["edges"], [])
        week = engine._parse_period("2027-02-08", "2027-02-14")
        self.assertIsNone(engine._summary_plan(*week))
        # A partial month: its outside part is taken off the whole month.
        mostly_march = engine._summary_plan(*engine._parse_period(*PERIODS[2]))
        self.assertEqual(
            mostly_march["edges"],
            [
                (1, datetime.datetime(2027, 1, 20), datetime.datetime(2027, 2, 1)),
                (1, datetime.datetime(2027, 3, 1), datetime.datetime(2027, 3, 11)),
            ],
        )
        late_january = engine._summary_plan(*engine._parse_period(*PERIODS[3]))
        self.assertEqual(late_january["edges"][0][0], -1)
        self.assertEqual(late_january["edges"][1][0], -1)
        # Salespeople see their own leads only: the cells do not serve them.
        salesman = self.Kpi.with_user(self.salesman)
        self.assertIsNone(salesman._summary_plan(*salesman._parse_period(*PERIODS[0])))

    def test_cells_follow_every_kind_of_write(self):
        year = PERIODS[0]
        before = self.kpis(year)
        self.assertEqual(before["leads"]["total"], 9)
        self.assertEqual(before["conversion"]["won"], 2)
        # ORM writes: outcome, owner, team, channel, archive, delete, create.
        self.leads[2].action_set_won()
        self.leads[5].write({"user_id": self.salesman.id, "source_id": False})
        self.leads[6].write({"team_id": self.team.id, "expected_revenue": 99.0})
        self.leads[7].action_archive()
        self.leads[8].unlink()
        self.make_lead(datetime.datetime(2027, 5, 5), source_id=self.source.id)
        # A write in SQL, past the ORM.
        self.env.cr.execute(
            SQL(
                "UPDATE crm_lead SET create_date = %s WHERE id = %s",
                datetime.datetime(2026, 6, 1),
                self.leads[1].id,
            )
        )
        self.leads.invalidate_recordset()
        after = self.assert_same_as_leads(year)
        self.assertIsNotNone(after)
        figures = self.kpis(year)
        self.assertEqual(figures["leads"]["total"], 8)
        self.assertEqual(figures["conversion"]["won"], 3)
        for period in PERIODS:
            self.assert_same_as_leads(period)

    def test_deleted_records_the_leads_point_to(self):
        # The database sets the leads' column to NULL (ondelete="set null"):
        # statements the foreign keys run, not the ORM.
        self.team_spa.unlink()
        self.source_web.unlink()
        self.campaign.unlink()
        for period in PERIODS:
            self.assert_same_as_leads(period)
        self.assert_same_as_leads(PERIODS[0], groupby="team")
        self.assert_same_as_leads(PERIODS[0], groupby="source")

    def test_merge_copy_convert_restore_and_bulk_writes(self):
        leads = self.leads
        leads[:3]._merge_opportunity(user_id=self.salesman.id)
        leads[4].copy({"name": "Second enquiry"})
        converted = self.make_lead(datetime.datetime(2027, 2, 2), type="lead")
        converted.convert_opportunity(self.env["res.partner"])
        leads[4].action_unarchive()
        leads[4].write({"lost_reason_id": False, "active": True})
        leads.exists().write({"company_id": self.company.id, "priority": "2"})
        leads[6].action_set_lost(lost_reason_id=self.lost_reason.id)
        leads[6].toggle_active()
        for period in PERIODS:
            self.assert_same_as_leads(period)
        self.assert_same_as_leads(PERIODS[0], groupby="user")

    def test_lead_without_creation_date(self):
        self.env.cr.execute(
            "UPDATE crm_lead SET create_date = NULL WHERE id = %s",
            [self.leads[3].id],
        )
        self.leads.invalidate_recordset()
        for period in PERIODS:
            self.assert_same_as_leads(period)

    def test_namesakes_come_in_the_same_order(self):
        # Two salespeople, two lost reasons and two teams of the same names,
        # with as many leads each: the order is the same either way.
        Users = self.env["res.users"].with_context(no_reset_password=True)
        late, early = (
            Users.create(
                {
                    "name": "Sipho Dlamini",
                    "login": login,
                    "group_ids": [
                        Command.link(self.ref("sales_team.group_sale_salesman"))
                    ],
                }
            )
            for login in ("zz_sipho", "aa_sipho")
        )
        reasons = self.env["crm.lost.reason"].create(
            [{"name": "No budget"}, {"name": "No budget"}]
        )
        teams = self.env["crm.team"].create([{"name": "Events"}, {"name": "Events"}])
        for user, reason, team in zip((late, early), reasons, teams, strict=True):
            lead = self.make_lead(
                datetime.datetime(2027, 3, 3), user=user, team_id=team.id
            )
            lead.action_set_lost(lost_reason_id=reason.id)
        self.assert_same_as_leads(PERIODS[0])
        self.assert_same_as_leads(PERIODS[0], groupby="team")
        self.assert_same_as_leads(PERIODS[0], groupby="user")

    def test_more_periods_and_time_zones(self):
        periods = (
            ("2026-12-15", "2027-01-15"),
            ("2027-02-28", "2027-02-28"),
            ("2027-01-01", "2027-01-31"),
            ("2026-12-01", "2027-02-28"),
            ("2026-01-01", "2027-12-31"),
            ("2027-01-02", "2027-03-30"),
            ("2027-02-01", "2027-03-01"),
            ("2027-01-31", None),
            (None, "2027-01-31"),
        )
        for tz in ("Europe/Brussels", "Pacific/Kiritimati", "America/Santiago"):
            self.manager.tz = tz
            for period in periods:
                with self.subTest(tz=tz, period=period):
                    self.assert_same_as_leads(period)
                    self.assert_same_as_leads(period, team_ids=[self.team.id])

    def test_multi_company_user_with_one_company_selected(self):
        other = self.env["res.company"].create({"name": "Karoo Lodge"})
        self.manager.company_ids |= other
        self.make_lead(
            datetime.datetime(2027, 3, 3),
            user=self.manager,
            company_id=other.id,
            team_id=False,
        )
        both = [self.company.id, other.id]
        for allowed in (both, [self.company.id], [other.id]):
            engine = self.Kpi.with_user(self.manager).with_context(
                allowed_company_ids=allowed
            )
            for companies in (both, allowed):
                with self.subTest(allowed=allowed, companies=companies):
                    from_cells = engine.get_kpis(*PERIODS[0], companies)
                    from_leads = engine.with_context(
                        **{FROM_LEADS_CONTEXT: True}
                    ).get_kpis(*PERIODS[0], companies)
                    self.assertEqual(from_cells, from_leads)

    def test_unflushed_writes_are_counted(self):
        self.leads[2].stage_id = self.won_stage
        self.assertEqual(self.kpis(PERIODS[0])["conversion"]["won"], 3)

    def test_pipeline_matches_the_leads(self):
        self.leads[9].write({"stage_id": self.won_stage.id})
        self.leads[7].action_archive()
        figures = self.kpis(PERIODS[0])
        self.assertEqual(
            figures["pipeline"]["count"],
            self.env["crm.lead"].search_count(
                [
                    ("type", "=", "opportunity"),
                    ("won_status", "=", "pending"),
                    ("company_id", "=", self.company.id),
                ]
            ),
        )
        self.assert_same_as_leads(PERIODS[0], team_ids=[self.team.id])

    def test_stage_changes_reach_outcome_and_pipeline(self):
        # Changing a stage rewrites its leads' probability, weighted revenue
        # and outcome through recomputation, pending until something flushes.
        stage = self.leads[9].stage_id
        stage.probability = 35.0
        self.assert_same_as_leads(PERIODS[0])
        stage.is_won = True
        self.assert_same_as_leads(PERIODS[0])
        stage.is_won = False
        self.leads[:2].write({"stage_id": self.won_stage.id})
        self.assert_same_as_leads(PERIODS[0], groupby="user")

    def test_pipeline_of_amounts_in_cents(self):
        # Money is summed exactly, as the leads' numeric columns are: 0.1 + 0.2
        # in binary floating point is not 0.3.
        for amount in (0.1, 0.2, 1234.57, 0.01):
            self.make_lead(
                datetime.datetime(2027, 3, 3),
                expected_revenue=amount,
                stage_id=self.leads[9].stage_id.id,
            )
        for period in PERIODS:
            self.assert_same_as_leads(period)
        self.run_compaction()
        self.assert_same_as_leads(PERIODS[0])

    def test_compaction_keeps_the_figures(self):
        self.leads[5].write({"user_id": self.salesman2.id})
        self.leads[5].write({"user_id": self.manager.id})
        before = self.kpis(PERIODS[0])
        rows_before = self.Cell.search_count([])
        self.run_compaction()
        rows_after = self.Cell.search_count([])
        self.assertLess(rows_after, rows_before)
        self.assertEqual(self.kpis(PERIODS[0]), before)
        # Nothing left to fold: a second run changes nothing.
        cells = self.Cell.search_read([], order="id")
        self.run_compaction()
        self.assertEqual(self.Cell.search_read([], order="id"), cells)

    def test_dropped_triggers_are_reinstalled_and_cells_rebuilt(self):
        self.Cell._drop_triggers()
        self.env.cr.execute(
            "SELECT COUNT(*) FROM pg_trigger WHERE tgname IN %s",
            [tuple(TRIGGERS.values())],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)
        self.make_lead(datetime.datetime(2027, 4, 4))
        self.Cell.init()
        self.env.cr.execute(
            "SELECT COUNT(*) FROM pg_trigger WHERE tgname IN %s",
            [tuple(TRIGGERS.values())],
        )
        self.assertEqual(self.env.cr.fetchone()[0], len(TRIGGERS))
        self.assertEqual(self.kpis(PERIODS[0])["leads"]["total"], 10)
        self.assert_same_as_leads(PERIODS[0])

    def test_response_bands_above_the_exact_limit(self):
        # Salesman: 10 and 40 minutes (Weddings, no policy: 60 min target);
        # salesman2: 20 minutes (Spa, 30 min target); manager: 500 minutes.
        self.env["crm.followup.policy"].create(
            {"name": "Spa", "team_id": self.team_spa.id, "first_response_hours": 0.5}
        )
        exact = self.kpis(PERIODS[0])
        self.env["ir.config_parameter"].set_param(EXACT_RESPONSE_LIMIT_PARAM, "0")
        banded = self.kpis(PERIODS[0])
        total = banded["response"]
        self.assertEqual(total["contacted"], 4)
        # Targets on band edges: the share within target is exact.
        self.assertEqual(total["within_target"], exact["response"]["within_target"])
        self.assertEqual(total["within_target"], 2)
        self.assertAlmostEqual(total["average_minutes"], 142.5)
        # Middle of 4 responses: the second, in the 15-30 band (one response).
        self.assertAlmostEqual(total["median_minutes"], 30.0)
        people = {row["user_id"]: row for row in banded["salespeople"]}
        # Salesman: 10 and 500 minutes; the middle (1 of 2) ends the 5-15 band.
        self.assertAlmostEqual(
            people[self.salesman.id]["median_response_minutes"], 15.0
        )
        # Manager: 20 of a 60 target in time, 40 of a 30 target late.
        self.assertEqual(people[self.manager.id]["within_target_rate"], 0.5)
        exact_people = {row["user_id"]: row for row in exact["salespeople"]}
        self.assertEqual(exact_people[self.manager.id]["within_target_rate"], 0.5)


@tagged("post_install", "-at_install")
class TestResponseBands(KpiCase):
    def test_band_edges_and_lookup(self):
        self.assertEqual(response_bands.band_of(5), 0)
        self.assertEqual(response_bands.band_of(5.01), 1)
        self.assertEqual(response_bands.band_of(60), 3)
        self.assertEqual(response_bands.band_of(10**6), len(response_bands.EDGES))
        self.assertEqual(response_bands.bounds(0), (0.0, 5))
        self.assertEqual(response_bands.bounds(len(response_bands.EDGES)), (4320, None))

    def test_within_target_is_exact_on_edges_and_interpolated_inside(self):
        counts = [0] * response_bands.COUNT
        counts[response_bands.band_of(10)] = 2  # 5-15
        counts[response_bands.band_of(45)] = 4  # 30-60
        counts[response_bands.band_of(9999)] = 1  # open band
        self.assertEqual(response_bands.count_within(counts, 15), 2)
        self.assertEqual(response_bands.count_within(counts, 60), 6)
        self.assertAlmostEqual(response_bands.count_within(counts, 45), 4.0)
        self.assertAlmostEqual(response_bands.count_within(counts, 10), 1.0)
        self.assertEqual(response_bands.count_within(counts, 10**6), 6)

    def test_median(self):
        self.assertIsNone(response_bands.median([0] * response_bands.COUNT))
        counts = [0] * response_bands.COUNT
        counts[response_bands.band_of(10)] = 1
        counts[response_bands.band_of(20)] = 1
        counts[response_bands.band_of(40)] = 1
        # Middle at 1.5 of 3: half way through the 15-30 band.
        self.assertAlmostEqual(response_bands.median(counts), 22.5)
        only_slow = [0] * response_bands.COUNT
        only_slow[-1] = 3
        self.assertEqual(response_bands.median(only_slow), 4320.0)
