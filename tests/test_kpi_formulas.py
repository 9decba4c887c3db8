import datetime

from odoo.tests import BaseCase, tagged

from odoo.addons.crm_closed_loop.models.lib import kpi_formulas as kf
from odoo.addons.crm_closed_loop.models.lib import svg_charts


@tagged("post_install", "-at_install")
class TestKpiFormulas(BaseCase):
    """The pure arithmetic, without a database."""

    def test_rates(self):
        self.assertEqual(kf.conversion_rate(3, 10), 0.3)
        self.assertEqual(kf.win_rate(3, 4), 3 / 7)
        self.assertIsNone(kf.conversion_rate(0, 0), "no leads gives no rate")
        self.assertIsNone(kf.win_rate(0, 0), "nothing closed gives no win rate")
        self.assertEqual(kf.conversion_rate(0, 5), 0.0)

    def test_cac_is_none_without_spend_or_customers(self):
        self.assertEqual(kf.cac(4000.0, 2), 2000.0)
        self.assertIsNone(kf.cac(0.0, 2), "no spend gives no CAC, not zero")
        self.assertIsNone(kf.cac(None, 2))
        self.assertIsNone(kf.cac(5000.0, 0), "no customers: no division")
        self.assertIsNone(kf.return_on_spend(8300.0, 0.0))
        self.assertEqual(kf.return_on_spend(8300.0, 4000.0), 8300 / 4000)
        self.assertIsNone(kf.revenue_per_customer(100.0, 0))

    def test_marketing_row_with_spend_and_no_customer(self):
        row = kf.marketing_row(5000.0, 0, 0.0)
        self.assertEqual(row["spend"], 5000.0)
        self.assertIsNone(row["cac"])
        self.assertIsNone(row["revenue_per_customer"])
        self.assertEqual(row["return_on_spend"], 0.0)

    def test_refunds_net_before_the_ratio(self):
        # A bill of 5,000 and a supplier credit note of 1,000 arrive as one sum.
        row = kf.marketing_row(5000.0 - 1000.0, 2, 8300.0)
        self.assertEqual(row["cac"], 2000.0)
        self.assertEqual(row["revenue_per_customer"], 4150.0)

    def test_median(self):
        self.assertIsNone(kf.median([]))
        self.assertEqual(kf.median([30, None, 10, 20]), 20.0)
        self.assertEqual(kf.median([10, 20, 30, 40]), 25.0)

    def test_previous_period(self):
        d = datetime.date
        self.assertEqual(
            kf.previous_period(d(2027, 3, 1), d(2027, 3, 31)),
            (d(2027, 2, 1), d(2027, 2, 28)),
        )
        self.assertEqual(
            kf.previous_period(d(2027, 3, 8), d(2027, 3, 14)),
            (d(2027, 3, 1), d(2027, 3, 7)),
        )
        self.assertEqual(
            kf.previous_period(d(2027, 1, 1), d(2027, 1, 31)),
            (d(2026, 12, 1), d(2026, 12, 31)),
        )

    def test_change_and_non_finite(self):
        self.assertEqual(kf.change(12, 10), 0.2)
        self.assertIsNone(kf.change(5, 0))
        self.assertIsNone(kf.change(None, 3))
        self.assertIsNone(kf.finite_or_none(float("nan")))

    def test_svg_chart_escapes_labels(self):
        svg = svg_charts.bar_chart("Leads", ["<script>", "Web"], [("Leads", [3, None])])
        self.assertTrue(svg.startswith("<svg"))
        self.assertNotIn("<script>", svg)
        self.assertIn("&lt;script&gt;", svg)
        self.assertIn("No data", svg_charts.bar_chart("Empty", [], [("x", [])]))
