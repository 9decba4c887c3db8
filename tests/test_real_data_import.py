"""The public datasets imported into Odoo give the figures computed from the CSVs."""

import logging
import time

from odoo.tests import TransactionCase, new_test_user, tagged

from ..models.crm_closed_loop_import import XMLID_MODULE
from ..models.lib import real_data
from .real_data_expected import (
    data_folder,
    lead_conversion_by_source,
    pipeline_counts,
    pipeline_win_rates,
)

_logger = logging.getLogger(__name__)

# The pipeline and leads import must fit well inside CI's budget.
IMPORT_BUDGET_SECONDS = 300


@tagged("post_install", "-at_install")
class TestRealDataImport(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = data_folder()
        cls.env.user.tz = "UTC"
        cls.rejects = real_data.Rejects()
        importer = cls.env["crm.closed.loop.import"]
        started = time.monotonic()
        cls.pipeline_counts = importer.import_pipeline(
            real_data.dataset_path("pipeline", cls.root), cls.rejects
        )
        cls.leads_counts = importer.import_leads(
            real_data.dataset_path("leads", cls.root), cls.rejects
        )
        cls.import_seconds = time.monotonic() - started
        _logger.info("pipeline and leads imported in %.1f s", cls.import_seconds)
        cls.manager = new_test_user(
            cls.env, "real_data_manager", groups="sales_team.group_sale_manager"
        )
        cls.pipeline_teams = cls.env["crm.team"].search(
            [("member_ids.login", "like", "%@maventech.example")]
        )
        cls.leads_team = cls.env.ref(f"{XMLID_MODULE}.team_x_education")

    def kpis(self, teams, **kwargs):
        return (
            self.env["crm.closed.loop.kpi"]
            .with_user(self.manager)
            .get_kpis(None, None, [self.env.company.id], team_ids=teams.ids, **kwargs)
        )

    def imported_leads(self):
        ids = (
            self.env["ir.model.data"]
            .search([("module", "=", XMLID_MODULE), ("model", "=", "crm.lead")])
            .mapped("res_id")
        )
        return self.env["crm.lead"].with_context(active_test=False).browse(ids)

    def test_import_time_within_budget(self):
        self.assertEqual(self.rejects.rows[:3], [])
        self.assertEqual(self.pipeline_counts, {"read": 8800, "created": 8800})
        self.assertEqual(self.leads_counts, {"read": 9240, "created": 9240})
        self.assertLess(self.import_seconds, IMPORT_BUDGET_SECONDS)

    def test_pipeline_win_rate_overall_and_per_agent(self):
        overall, per_agent, closed = pipeline_win_rates(self.root)
        counts = pipeline_counts(self.root)
        self.assertEqual(len(self.pipeline_teams), 6, "one team per manager")
        kpis = self.kpis(self.pipeline_teams)
        conversion = kpis["conversion"]
        self.assertEqual(conversion["leads"], 8800)
        self.assertEqual(conversion["won"], counts["Won"])
        self.assertEqual(conversion["lost"], counts["Lost"])
        self.assertEqual(conversion["open"], counts["Engaging"] + counts["Prospecting"])
        self.assertEqual(conversion["win_rate"], overall)
        rows = {row["name"]: row for row in kpis["salespeople"]}
        self.assertEqual(set(rows), set(per_agent))
        for agent, rate in per_agent.items():
            self.assertEqual((rows[agent]["won"], rows[agent]["lost"]), closed[agent])
            self.assertEqual(rows[agent]["win_rate"], rate, agent)

    def test_pipeline_records(self):
        leads = self.env.ref(f"{XMLID_MODULE}.opp_1c1i7a6r")
        self.assertEqual(leads.won_status, "won")
        self.assertEqual(leads.user_id.name, "Moses Frase")
        self.assertEqual(leads.partner_id.name, "Cancity")
        self.assertEqual(leads.expected_revenue, 1054)
        self.assertEqual(str(leads.create_date.date()), "2016-10-20")
        self.assertEqual(str(leads.date_closed.date()), "2017-03-01")
        self.assertEqual(leads.team_id.user_id.name, "Dustin Brinkmann")
        self.assertIn(leads.user_id, leads.team_id.member_ids)

    def test_lead_conversion_per_source(self):
        expected = lead_conversion_by_source(self.root)
        kpis = self.kpis(self.leads_team)
        self.assertEqual(kpis["conversion"]["leads"], 9240)
        self.assertEqual(kpis["conversion"]["won"], 3561)
        sources = self.env["utm.source"].browse(
            [row["id"] for row in kpis["leads"]["by_source"] if row["id"]]
        )
        names = {source.id: source.name.casefold() for source in sources}
        got = {
            names.get(row["id"], ""): (row["count"], row["won"], row["conversion_rate"])
            for row in kpis["leads"]["by_source"]
        }
        self.assertEqual(
            got,
            {key: (n, won, won / n) for key, (n, won) in expected.items()},
        )
        lead = self.env.ref(f"{XMLID_MODULE}.lead_2a272436_5132_4136_86fa_dcc88c88f482")
        self.assertEqual(lead.source_id.name, "Organic Search")
        self.assertEqual(lead.medium_id.name, "API")
        self.assertEqual(lead.won_status, "lost")

    def test_second_run_changes_nothing(self):
        leads = self.imported_leads()
        fields = ["stage_id", "user_id", "team_id", "expected_revenue", "write_date"]
        before = leads.read(fields)
        counts = {
            model: self.env[model].with_context(active_test=False).search_count([])
            for model in (
                "crm.lead",
                "res.partner",
                "res.users",
                "crm.team",
                "utm.source",
            )
        }
        rejects = real_data.Rejects()
        importer = self.env["crm.closed.loop.import"]
        again = importer.import_pipeline(
            real_data.dataset_path("pipeline", self.root), rejects
        )
        again_leads = importer.import_leads(
            real_data.dataset_path("leads", self.root), rejects
        )
        self.assertEqual(again["created"] + again_leads["created"], 0)
        self.env.invalidate_all()
        self.assertEqual(self.imported_leads().read(fields), before)
        self.assertEqual(
            counts,
            {
                model: self.env[model].with_context(active_test=False).search_count([])
                for model in counts
            },
        )


@tagged("post_install", "-at_install")
class TestImportKeepsGoing(TransactionCase):
    def test_refused_row_is_rejected_and_the_rest_created(self):
        rejects = real_data.Rejects()
        missing_stage = (
            self.env["crm.stage"].search([], order="id desc", limit=1).id + 1
        )
        rows = [
            ({"line": 2}, "keep_going_a", {"name": "Good A", "type": "opportunity"}),
            (
                {"line": 3},
                "keep_going_b",
                {"name": "Bad", "type": "opportunity", "stage_id": missing_stage},
            ),
            ({"line": 4}, "keep_going_c", {"name": "Good C", "type": "opportunity"}),
        ]
        created = self.env["crm.closed.loop.import"]._create_rows(
            "crm.lead", rows, rejects, ("pipeline", "sales_pipeline.csv")
        )
        self.assertEqual(
            [record.name for record, _item in created], ["Good A", "Good C"]
        )
        self.assertEqual(len(rejects), 1)
        dataset, file, line, reason, _row = rejects.rows[0]
        self.assertEqual((dataset, file, line), ("pipeline", "sales_pipeline.csv", 3))
        self.assertIn("crm_stage", reason)
        self.assertTrue(self.env.ref(f"{XMLID_MODULE}.keep_going_c"))
        self.assertFalse(self.env.ref(f"{XMLID_MODULE}.keep_going_b", False))
