import datetime

from odoo import fields
from odoo.tests import tagged

from .acquisition_common import AcquisitionCommon


@tagged("post_install", "-at_install")
class TestKpiMarketing(AcquisitionCommon):
    """Spend, customers, CAC and revenue: scorecard, campaign form and pivot."""

    def _period(self):
        today = fields.Date.today()
        return today - datetime.timedelta(days=30), today

    def _kpis(self, **kwargs):
        date_from, date_to = self._period()
        return self.env["crm.closed.loop.kpi"].get_kpis(
            date_from, date_to, self.company.ids, **kwargs
        )

    def test_case2_scorecard_equals_campaign_form_and_pivot(self):
        self.vendor_bill(5000, self.bridal_fair_account)
        self.vendor_bill(1000, self.bridal_fair_account, move_type="in_refund")
        self.win_lead(self.bride, campaign=self.bridal_fair)
        self.win_lead(self.groom, campaign=self.bridal_fair)
        self.lose_lead(
            self.env["res.partner"].create({"name": "Lerato"}), self.bridal_fair
        )
        self.customer_invoice(self.bride, 8000)
        self.pos_order(self.bride, 300)

        kpis = self._kpis(groupby="campaign")
        row = next(r for r in kpis["rows"] if r["id"] == self.bridal_fair.id)
        self.assertEqual(row["spend"], 4000)
        self.assertEqual(row["customers"], 2)
        self.assertEqual(row["cac"], 2000)
        self.assertEqual(row["revenue"], 8300)
        self.assertAlmostEqual(row["conversion_rate"], 2 / 3)

        # The campaign form shows the same figures.
        campaign = self.bridal_fair.with_company(self.company)
        campaign.invalidate_recordset()
        self.assertEqual(campaign.marketing_spend, row["spend"])
        self.assertEqual(campaign.acquisition_customer_count, row["customers"])
        self.assertEqual(campaign.acquisition_cac, row["cac"])
        self.assertEqual(campaign.acquisition_revenue, row["revenue"])
        self.assertEqual(campaign.acquisition_lead_count, row["leads"])

        # And so does the pivot, over the same period.
        date_from, date_to = self._period()
        money = self.env["crm.closed.loop.marketing.report"].formatted_read_group(
            [
                ("company_id", "=", self.company.id),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
                ("campaign_id", "=", self.bridal_fair.id),
            ],
            groupby=["campaign_id"],
            aggregates=["spend:sum", "customers:sum", "revenue:sum"],
        )
        self.assertEqual(len(money), 1)
        self.assertEqual(money[0]["spend:sum"], row["spend"])
        self.assertEqual(money[0]["customers:sum"], row["customers"])
        self.assertEqual(money[0]["revenue:sum"], row["revenue"])
        self.assertEqual(money[0]["spend:sum"] / money[0]["customers:sum"], row["cac"])
        leads = self.env["crm.closed.loop.lead.report"].formatted_read_group(
            [
                ("company_id", "=", self.company.id),
                ("campaign_id", "=", self.bridal_fair.id),
                ("create_date", ">=", fields.Datetime.to_datetime(date_from)),
                (
                    "create_date",
                    "<",
                    fields.Datetime.to_datetime(date_to + datetime.timedelta(days=1)),
                ),
            ],
            groupby=["campaign_id"],
            aggregates=["__count", "won_count:sum"],
        )
        self.assertEqual(
            leads[0]["won_count:sum"] / leads[0]["__count"], row["conversion_rate"]
        )
        # Totals of the scorecard follow the same rows.
        self.assertEqual(kpis["marketing"]["spend"], 4000)
        self.assertEqual(kpis["marketing"]["cac"], 2000)
        self.assertEqual(kpis["marketing"]["return_on_spend"], 8300 / 4000)

    def test_case3_spend_without_customers_has_no_cac(self):
        self.vendor_bill(5000, self.facebook_account)
        kpis = self._kpis(groupby="source")
        marketing = kpis["marketing"]
        self.assertEqual(marketing["spend"], 5000)
        self.assertEqual(marketing["customers"], 0)
        self.assertIsNone(marketing["cac"])
        self.assertIsNone(marketing["revenue_per_customer"])
        facebook = next(r for r in kpis["rows"] if r["id"] == self.facebook.id)
        self.assertEqual(facebook["spend"], 5000)
        self.assertIsNone(facebook["cac"])
        self.assertIsNone(facebook["conversion_rate"], "no leads: no rate")
        # The printed scorecard shows the spend and a dash for CAC.
        date_from, date_to = self._period()
        values = self.env["report.crm_closed_loop.report_scorecard"]._scorecard_values(
            {"date_from": date_from, "date_to": date_to, "company_id": self.company.id}
        )
        html = str(
            self.env["ir.qweb"]._render("crm_closed_loop.report_scorecard_body", values)
        )
        self.assertRegex(html, r'o_scorecard_cac">-<')
        self.assertIn("5,000.00", html)

    def test_draft_bill_is_no_spend_and_refund_nets(self):
        self.vendor_bill(700, self.facebook_account, post=False)
        self.win_lead(self.bride, source=self.facebook)
        self.customer_invoice(self.bride, 1000)
        self.customer_invoice(self.bride, 400, move_type="out_refund")
        marketing = self._kpis()["marketing"]
        self.assertEqual(marketing["spend"], 0)
        self.assertIsNone(marketing["cac"], "no spend gives no CAC, not zero")
        self.assertEqual(marketing["customers"], 1)
        self.assertEqual(marketing["revenue"], 600)
        self.assertIsNone(marketing["return_on_spend"])
