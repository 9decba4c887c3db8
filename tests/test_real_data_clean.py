"""Cleaning rules and reject file of the dataset readers (plain Python, no Odoo)."""

import csv
import datetime
import os
import tempfile
import unittest
from decimal import Decimal
from pathlib import Path

from ..models.lib import real_data
from ..models.lib.real_data import ads, bookings, leads, pipeline
from .real_data_expected import data_folder

LEADS_HEADER = "Prospect ID,Lead Number,Lead Origin,Lead Source,Converted,Tags\n"
PIPELINE_HEADER = (
    "opportunity_id,sales_agent,product,account,deal_stage,engage_date,"
    "close_date,close_value\n"
)


class FolderCase(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self._tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self._tmp.cleanup)
        self.folder = Path(self._tmp.name)
        self.rejects = real_data.Rejects()

    def put_file(self, name, text):
        (self.folder / name).write_text(text, encoding="utf-8")


class TestLeadsCleaning(FolderCase):
    def test_source_case_spaces_select_duplicates(self):
        self.put_file(
            "Leads.csv",
            LEADS_HEADER
            + "a,1,API,Google,1,\n"
            + "b,2,API, google ,0,\n"
            + "c,3,API,Google,0,Ringing\n"
            + "d,4,Lead  Add Form,Select,1,\n"
            + "e,5,lead add form,,0,\n"
            + "a,6,API,Google,1,\n"
            + "f,7,API,Google,maybe,\n"
            + ",8,API,Google,1,\n",
        )
        rows = leads.read(self.folder, self.rejects)
        by_key = {row["key"]: row for row in rows}
        self.assertEqual(sorted(by_key), ["a", "b", "c", "d", "e"])
        # "google" with spaces is the same channel, spelt as most rows spell it.
        self.assertEqual(by_key["b"]["source"], "Google")
        self.assertEqual(by_key["d"]["source"], "", "Select means no source")
        self.assertEqual(by_key["e"]["source"], "")
        self.assertEqual(by_key["d"]["medium"], "Lead Add Form")
        self.assertEqual(by_key["e"]["medium"], "Lead Add Form")
        self.assertTrue(by_key["a"]["converted"])
        self.assertFalse(by_key["b"]["converted"])
        self.assertEqual(by_key["c"]["tags"], "Ringing")
        self.assertEqual(by_key["a"]["create_date"], leads.LEAD_DATE)
        self.assertEqual(
            self.rejects.rows,
            [
                ("leads", "Leads.csv", 7, "duplicate Prospect ID", "a,6,API,Google,1,"),
                (
                    "leads",
                    "Leads.csv",
                    8,
                    "Converted is 'maybe', not 0 or 1",
                    "f,7,API,Google,maybe,",
                ),
                ("leads", "Leads.csv", 9, "Prospect ID empty", ",8,API,Google,1,"),
            ],
        )


class TestPipelineCleaning(FolderCase):
    def setUp(self):
        super().setUp()
        self.put_file(
            "sales_teams.csv",
            "sales_agent,manager,regional_office\n"
            "Anna Snelling,Dustin Brinkmann,Central\n"
            "Anna  Snelling,Dustin Brinkmann,Central\n",
        )
        self.put_file(
            "accounts.csv",
            "account,sector,year_established,revenue,employees,office_location,"
            "subsidiary_of\nAcme,technolgy,1996,1,2,United States,\n",
        )
        self.put_file("products.csv", "product,series,sales_price\nGTX Pro,GTX,4821\n")

    def test_rules_and_rejects(self):
        self.put_file(
            "sales_pipeline.csv",
            PIPELINE_HEADER
            + "W1,Anna Snelling,GTXPro,Acme,Won,2017-01-02,2017-03-01,4500\n"
            + "E1,anna snelling,GTXPro,,Engaging,2017-02-01,,\n"
            + "P1,Anna Snelling,GTX Pro,Newco,Prospecting,,,\n"
            + "W1,Anna Snelling,GTXPro,Acme,Lost,2017-01-02,2017-03-01,0\n"
            + "X1,Carl Lin,GTXPro,Acme,Won,2017-01-02,2017-03-01,4500\n"
            + "X2,Anna Snelling,GTXPro,Acme,Won,2017-01-02,,4500\n"
            + "X3,Anna Snelling,GTXPro,Acme,Closed,2017-01-02,,\n"
            + "X4,Anna Snelling,GTXPro,Acme,Lost,02/01/2017,2017-03-01,0\n",
        )
        data = pipeline.read(self.folder, self.rejects)
        self.assertEqual([a["name"] for a in data["agents"]], ["Anna Snelling"])
        opportunities = {o["key"]: o for o in data["opportunities"]}
        self.assertEqual(sorted(opportunities), ["E1", "P1", "W1"])
        won, engaging, prospect = (opportunities[k] for k in ("W1", "E1", "P1"))
        self.assertEqual(won["amount"], Decimal(4500))
        self.assertEqual(won["create_date"], datetime.date(2017, 1, 2))
        self.assertEqual(won["close_date"], datetime.date(2017, 3, 1))
        # GTXPro is the GTX Pro of products.csv: the open deal expects its price.
        self.assertEqual(engaging["product"], "GTX Pro")
        self.assertEqual(engaging["amount"], Decimal(4821))
        self.assertEqual(engaging["account"], "", "missing account: no customer")
        self.assertEqual(engaging["agent"], "Anna Snelling")
        self.assertEqual(prospect["account"], "Newco", "unknown account kept by name")
        self.assertEqual(prospect["create_date"], pipeline.UNDATED_CREATE_DATE)
        self.assertEqual(
            [(r[2], r[3]) for r in self.rejects.rows],
            [
                (3, "duplicate agent"),
                (5, "duplicate opportunity_id"),
                (6, "sales agent not in sales_teams.csv: 'Carl Lin'"),
                (7, "Won opportunity without close_date"),
                (8, "deal stage unknown: 'Closed'"),
                (9, "engage_date, close_date or close_value unreadable"),
            ],
        )


class TestAdsAndBookingsCleaning(FolderCase):
    def test_ads_duplicates_year_offset_and_months(self):
        header = (
            "month,day,campaign_number,user_engagement,banner,placement,displays,"
            "cost,clicks,revenue,post_click_conversions,post_click_sales_amount,,\n"
        )
        self.put_file(
            ads.FILE,
            header
            + "April,1,camp 1,High,160 x 600,abc,4,0.1,1,10.5,2,3,,\n"
            + "April,2,Camp  1,Low,160 x 600,,4,0.1,1,4.5,1,3,,\n"
            + "April,1,camp 1,High,160 x 600,abc,4,0.1,1,10.5,2,3,,\n"
            + "May,3,camp 2,High,160 x 600,abc,4,0.1,1,1,0,0,,\n"
            + "Maybe,3,camp 2,High,160 x 600,abc,4,0.1,1,1,0,0,,\n",
        )
        records = ads.read(self.folder, self.rejects)
        self.assertEqual(records[0]["date"], datetime.date(2017, 4, 1))
        self.assertEqual(
            ads.monthly(records),
            [
                {
                    "campaign": "camp 1",
                    "month": datetime.date(2017, 4, 1),
                    "spend": Decimal("15.0"),
                    "conversions": 3,
                },
                {
                    "campaign": "camp 2",
                    "month": datetime.date(2017, 5, 1),
                    "spend": Decimal(1),
                    "conversions": 0,
                },
            ],
        )
        self.assertEqual(
            [(r[2], r[3]) for r in self.rejects.rows],
            [
                (4, "duplicate row"),
                (6, "month, day, revenue or post_click_conversions unreadable"),
            ],
        )

    def test_bookings_revenue_rules(self):
        header = (
            "hotel,is_canceled,arrival_date_year,arrival_date_month,"
            "arrival_date_day_of_month,stays_in_weekend_nights,stays_in_week_nights,"
            "market_segment,distribution_channel,customer_type,adr\n"
        )
        self.put_file(
            bookings.FILE,
            header
            + "City Hotel,0,2016,July,3,1,2,Direct,Direct,Transient,100.5\n"
            + "City Hotel,0,2016,July,3,1,2,Direct,Direct,Transient,100.5\n"
            + "City Hotel,1,2016,July,3,1,2,Direct,TA/TO,Transient,80\n"
            + "City Hotel,0,2016,July,3,1,2,Direct,Undefined,Transient,80\n"
            + "City Hotel,0,2016,July,3,1,2,Direct,Direct,Transient,-6.38\n"
            + "City Hotel,0,2016,Juli,3,1,2,Direct,Direct,Transient,80\n",
        )
        rows = bookings.read(self.folder, self.rejects)
        self.assertEqual(len(rows), 4, "exact duplicates are kept as bookings")
        self.assertEqual(rows[0]["revenue"], Decimal("301.5"))
        self.assertEqual(rows[0]["date"], datetime.date(2016, 7, 3))
        self.assertEqual(rows[2]["revenue"], 0, "a canceled booking earns nothing")
        self.assertEqual(rows[3]["channel"], "", "Undefined means no channel")
        self.assertEqual(
            [(r[2], r[3]) for r in self.rejects.rows],
            [
                (6, "negative daily rate (adr)"),
                (7, "arrival date, nights or adr unreadable"),
            ],
        )


class TestRejectFileAndDataPath(FolderCase):
    def test_reject_file_lists_each_row_with_reason(self):
        self.rejects.add("leads", "Leads.csv", 7, "duplicate Prospect ID", {"a": "x"})
        path = self.rejects.save(self.folder / "rejects.csv")
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        self.assertEqual(
            rows,
            [
                ["dataset", "file", "line", "reason", "row"],
                ["leads", "Leads.csv", "7", "duplicate Prospect ID", "x"],
            ],
        )

    def test_missing_dataset_says_what_and_how(self):
        with self.assertRaises(real_data.DataMissingError) as caught:
            real_data.dataset_path("leads", self.folder)
        message = str(caught.exception)
        self.assertIn("Leads.csv", message)
        self.assertIn("CRM_CLOSED_LOOP_DATA", message)

    def test_data_path_follows_environment(self):
        (self.folder / "xeducation-leads").mkdir()
        self.put_file("xeducation-leads/Leads.csv", LEADS_HEADER)
        previous = os.environ.get(real_data.common.DATA_ENV)
        os.environ[real_data.common.DATA_ENV] = str(self.folder)
        try:
            self.assertEqual(
                real_data.dataset_path("leads"), self.folder / "xeducation-leads"
            )
        finally:
            if previous is None:
                del os.environ[real_data.common.DATA_ENV]
            else:
                os.environ[real_data.common.DATA_ENV] = previous


class TestRealFiles(unittest.TestCase):
    """The readers on the real files: every row used, or rejected for a reason."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = data_folder()

    def read_dataset(self, module, name):
        rejects = real_data.Rejects()
        rows = module.read(real_data.dataset_path(name, self.root), rejects)
        return rows, rejects

    def test_pipeline_and_leads_lose_no_row(self):
        data, rejects = self.read_dataset(pipeline, "pipeline")
        self.assertEqual(len(data["opportunities"]), 8800)
        self.assertEqual(len(data["agents"]), 35)
        self.assertEqual(
            sum(1 for o in data["opportunities"] if not o["account"]), 1425
        )
        rows, more = self.read_dataset(leads, "leads")
        self.assertEqual(len(rows), 9240)
        self.assertEqual(sum(r["converted"] for r in rows), 3561)
        sources = {r["source"] for r in rows}
        self.assertIn("Google", sources)
        self.assertNotIn("google", sources)
        self.assertEqual(len(rejects) + len(more), 0)

    def test_ads_reject_the_five_duplicates(self):
        rows, rejects = self.read_dataset(ads, "ads")
        self.assertEqual(len(rows), 15403)
        self.assertEqual(rejects.reasons(), ["duplicate row"] * 5)
        self.assertEqual(
            [r[2] for r in rejects.rows], [15405, 15406, 15407, 15408, 15409]
        )

    def test_bookings_reject_the_negative_rate(self):
        rows, rejects = self.read_dataset(bookings, "bookings")
        self.assertEqual(len(rows), 119389)
        self.assertEqual(rejects.reasons(), ["negative daily rate (adr)"])
