"""Ad spend bills and hotel revenue imported into Odoo give the CSVs' figures."""

from odoo.tests import TransactionCase, new_test_user, tagged

from ..models.crm_closed_loop_import import XMLID_MODULE
from ..models.lib import real_data
from .real_data_expected import (
    ad_spend_billed_by_campaign,
    ad_spend_by_campaign,
    booking_revenue_by_channel,
    booking_revenue_invoiced_by_channel,
    data_folder,
)


@tagged("post_install", "-at_install")
class TestRealDataMoney(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = data_folder()
        cls.rejects = real_data.Rejects()
        importer = cls.env["crm.closed.loop.import"]
        cls.ads = importer.import_ads(
            real_data.dataset_path("ads", cls.root), cls.rejects
        )
        cls.bookings = importer.import_bookings(
            real_data.dataset_path("bookings", cls.root), cls.rejects
        )
        cls.manager = new_test_user(
            cls.env,
            "real_data_money_manager",
            groups="sales_team.group_sale_manager,crm_closed_loop.group_marketing",
        )
        cls.hotel_team = cls.env.ref(f"{XMLID_MODULE}.team_hotel_bookings")

    def marketing(self, teams=None):
        kpis = (
            self.env["crm.closed.loop.kpi"]
            .with_user(self.manager)
            .get_kpis(None, None, [self.env.company.id], team_ids=teams and teams.ids)
        )
        return kpis["marketing"]

    def test_rejects_and_counts(self):
        self.assertEqual(
            self.rejects.reasons(),
            ["duplicate row"] * 5 + ["negative daily rate (adr)"],
        )
        self.assertEqual(self.ads["created"], 7, "one bill per campaign and month")
        self.assertEqual(self.bookings["read"], 119389)
        bills = self.env["account.move"].search(
            [("partner_id.name", "=", "Advert Firm A")]
        )
        self.assertEqual(set(bills.mapped("state")), {"posted"})
        self.assertEqual(set(bills.mapped("move_type")), {"in_invoice"})

    def test_spend_and_cost_per_conversion_per_campaign(self):
        raw = ad_spend_by_campaign(self.root)
        billed = ad_spend_billed_by_campaign(self.root)
        rows = {
            row["name"]: row["spend"]
            for row in self.marketing()["by_campaign"]
            if row["spend"]
        }
        self.assertEqual(set(rows), set(raw))
        for campaign, (spend, conversions) in raw.items():
            # Documented rounding: each campaign-month bill is rounded to the cent.
            self.assertAlmostEqual(rows[campaign], billed[campaign], places=6)
            self.assertLessEqual(abs(rows[campaign] - spend), 0.005 * 3)
            self.assertAlmostEqual(
                rows[campaign] / conversions, spend / conversions, delta=0.01
            )

    def test_revenue_per_distribution_channel(self):
        raw = booking_revenue_by_channel(self.root)
        invoiced, invoices = booking_revenue_invoiced_by_channel(self.root)
        marketing = self.marketing(self.hotel_team)
        sources = self.env["utm.source"].browse(
            [row["id"] for row in marketing["by_source"] if row["id"]]
        )
        names = {source.id: source.name for source in sources}
        rows = {
            names.get(row["id"], "Undefined"): row["revenue"]
            for row in marketing["by_source"]
            if row["revenue"]
        }
        self.assertEqual(set(rows), set(invoiced))
        for channel, revenue in invoiced.items():
            self.assertAlmostEqual(rows[channel], revenue, places=6)
            self.assertLessEqual(
                abs(rows[channel] - raw[channel]), 0.005 * invoices[channel]
            )
        self.assertEqual(
            marketing["customers"],
            self.env["crm.customer.acquisition"].search_count(
                [("lead_id.team_id", "=", self.hotel_team.id)]
            ),
        )

    def test_second_run_changes_nothing(self):
        moves = self.env["account.move"].search_count([])
        leads = self.env["crm.lead"].with_context(active_test=False).search_count([])
        importer = self.env["crm.closed.loop.import"]
        rejects = real_data.Rejects()
        again = importer.import_ads(real_data.dataset_path("ads", self.root), rejects)
        again_b = importer.import_bookings(
            real_data.dataset_path("bookings", self.root), rejects
        )
        self.assertEqual(again["created"] + again_b["created"], 0)
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        self.assertEqual(
            self.env["crm.lead"].with_context(active_test=False).search_count([]), leads
        )
