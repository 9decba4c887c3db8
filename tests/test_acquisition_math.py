import datetime

from odoo.tests import BaseCase, tagged

from ..models.lib import acquisition_math


@tagged("post_install", "-at_install")
class TestAcquisitionMath(BaseCase):
    def test_budget_used_percent(self):
        self.assertEqual(acquisition_math.budget_used_percent(8000.0, 4000.0), 50.0)
        self.assertIsNone(acquisition_math.budget_used_percent(0.0, 4000.0))

    def test_window_ends_the_same_day_months_later(self):
        start = datetime.date(2027, 3, 15)
        self.assertEqual(
            acquisition_math.attribution_window(start, 12),
            (start, datetime.date(2028, 3, 15)),
        )

    def test_window_end_clamps_to_the_end_of_a_shorter_month(self):
        self.assertEqual(
            acquisition_math.add_months(datetime.date(2027, 1, 31), 1),
            datetime.date(2027, 2, 28),
        )
        self.assertEqual(
            acquisition_math.add_months(datetime.date(2027, 11, 30), 3),
            datetime.date(2028, 2, 29),
        )
