from odoo.tests import BaseCase, tagged

from ..models.lib.probability import (
    follows_stage,
    same_probability,
    stage_value,
    weighted_amount,
)


@tagged("post_install", "-at_install")
class TestProbabilityLib(BaseCase):
    def test_stage_value(self):
        self.assertEqual(stage_value(False, 60), 60.0)
        self.assertEqual(stage_value(True, 40), 100.0, "a won stage is always 100")
        self.assertIsNone(stage_value(False, 0), "empty means predictive scoring")
        self.assertIsNone(stage_value(False, False))

    def test_follows_stage(self):
        self.assertTrue(follows_stage(60, 60.0))
        self.assertTrue(same_probability(59.999, 60))
        self.assertFalse(follows_stage(45, 60))
        self.assertFalse(follows_stage(100, 30), "100 outside a won move is manual")
        self.assertTrue(follows_stage(100, 30, leaving_won=True))

    def test_weighted_amount(self):
        self.assertEqual(weighted_amount(10_000, 60), 6_000)
        self.assertEqual(weighted_amount(100, 99) + weighted_amount(200, 0), 99)
        self.assertEqual(weighted_amount(False, 50), 0)
