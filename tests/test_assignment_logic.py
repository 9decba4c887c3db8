from datetime import datetime

from odoo.tests import BaseCase, tagged

from ..models.lib import assignment


@tagged("post_install", "-at_install")
class TestAssignmentLogic(BaseCase):
    """The pure selection rules, without a database."""

    def test_rotation_alternates_and_stays_within_one(self):
        members = [7, 3, 9]
        picks, last = assignment.rotate(members, None, set(members), 10)
        self.assertEqual(picks, [7, 3, 9, 7, 3, 9, 7, 3, 9, 7])
        self.assertEqual(last, 7)
        counts = [picks.count(member) for member in members]
        self.assertLessEqual(max(counts) - min(counts), 1)

    def test_rotation_resumes_after_last_and_skips_ineligible(self):
        members = [1, 2, 3, 4]
        self.assertEqual(assignment.next_in_rotation(members, 2, {1, 2, 3, 4}), 3)
        # 3 is off duty: 4 is next, then the rotation wraps to 1
        self.assertEqual(assignment.next_in_rotation(members, 2, {1, 2, 4}), 4)
        self.assertEqual(assignment.next_in_rotation(members, 4, {1, 2, 4}), 1)
        # a last member removed from the pool restarts the rotation
        self.assertEqual(assignment.next_in_rotation(members, 99, {2, 3}), 2)
        self.assertIsNone(assignment.next_in_rotation(members, 1, set()))
        self.assertIsNone(assignment.next_in_rotation([], None, {1}))

    def test_rotation_with_nobody_eligible_picks_nobody(self):
        picks, last = assignment.rotate([1, 2], 1, set(), 5)
        self.assertEqual(picks, [])
        self.assertEqual(last, 1)

    def test_fewest_open_fills_the_emptiest_first(self):
        picks = assignment.fewest_open([1, 2, 3], {1: 5, 2: 1, 3: 2}, {1, 2, 3}, 4)
        # 2 (1 open) takes one, ties with 3 at 2 go to the earlier member
        self.assertEqual(picks, [2, 2, 3, 2])
        self.assertEqual(assignment.fewest_open([1, 2], {}, {2}, 2), [2, 2])
        self.assertEqual(assignment.fewest_open([1, 2], {}, set(), 2), [])

    def test_capacity_weights_and_never_overfills(self):
        capacities = {1: 20, 2: 10}
        picks = assignment.by_capacity([1, 2], {}, capacities, {1, 2}, 30)
        self.assertEqual(picks.count(1), 20)
        self.assertEqual(picks.count(2), 10)
        # both full: no more picks, the caller falls back
        self.assertEqual(
            assignment.by_capacity([1, 2], {1: 20, 2: 10}, capacities, {1, 2}, 3), []
        )
        # one member with capacity 14 and nothing open takes three at once
        self.assertEqual(assignment.by_capacity([5], {}, {5: 14}, {5}, 3), [5, 5, 5])
        self.assertEqual(assignment.by_capacity([5], {5: 12}, {5: 14}, {5}, 3), [5, 5])

    def test_on_duty_excludes_the_end_of_the_day(self):
        day = [(datetime(2026, 3, 2, 8), datetime(2026, 3, 2, 17))]
        self.assertTrue(assignment.on_duty(day, datetime(2026, 3, 2, 8)))
        self.assertTrue(assignment.on_duty(day, datetime(2026, 3, 2, 16, 59)))
        self.assertFalse(assignment.on_duty(day, datetime(2026, 3, 2, 17)))
        self.assertFalse(assignment.on_duty([], datetime(2026, 3, 2, 10)))
