"""The business-hours core, tested directly: no database, no ORM."""

import unittest
from datetime import datetime

from ..models.lib.business_hours import BusinessHours
from ..models.lib.followup_sla import FollowupRule, timeline

WEEKDAYS_9_TO_18 = {day: [(9, 18)] for day in range(5)}


class TestBusinessHours(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.hours = BusinessHours(WEEKDAYS_9_TO_18, "UTC")

    def test_friday_evening_plus_one_hour_is_monday_morning(self):
        friday = datetime(2026, 3, 6, 17, 50)
        self.assertEqual(
            self.hours.add_minutes(friday, 60), datetime(2026, 3, 9, 9, 50)
        )

    def test_start_outside_hours_counts_from_next_opening(self):
        saturday = datetime(2026, 3, 7, 12, 0)
        self.assertEqual(
            self.hours.add_minutes(saturday, 30), datetime(2026, 3, 9, 9, 30)
        )
        early = datetime(2026, 3, 2, 7, 0)
        self.assertEqual(self.hours.add_minutes(early, 60), datetime(2026, 3, 2, 10, 0))

    def test_measure_is_the_inverse_of_add(self):
        start = datetime(2026, 3, 6, 17, 50)
        for minutes in (1, 10, 60, 540, 541, 27 * 60, 5000):
            end = self.hours.add_minutes(start, minutes)
            self.assertAlmostEqual(self.hours.minutes_between(start, end), minutes)

    def test_minutes_between_skips_nights_and_weekends(self):
        self.assertEqual(
            self.hours.minutes_between(
                datetime(2026, 3, 6, 17, 0), datetime(2026, 3, 9, 10, 0)
            ),
            120.0,
        )
        self.assertEqual(
            self.hours.minutes_between(
                datetime(2026, 3, 7, 10, 0), datetime(2026, 3, 8, 10, 0)
            ),
            0.0,
        )
        self.assertEqual(
            self.hours.minutes_between(
                datetime(2026, 3, 2, 11, 0), datetime(2026, 3, 2, 10, 0)
            ),
            0.0,
        )

    def test_time_zone_and_holidays(self):
        # Johannesburg is UTC+2; Monday 9 March is closed all day.
        holiday = (datetime(2026, 3, 8, 22, 0), datetime(2026, 3, 9, 22, 0))
        hours = BusinessHours(WEEKDAYS_9_TO_18, "Africa/Johannesburg", [holiday])
        friday_local_1750 = datetime(2026, 3, 6, 15, 50)
        self.assertEqual(
            hours.add_minutes(friday_local_1750, 60), datetime(2026, 3, 10, 7, 50)
        )

    def test_lunch_break_and_half_hours(self):
        hours = BusinessHours({0: [(8.5, 12), (13, 17.5)]}, "UTC")
        monday_1130 = datetime(2026, 3, 2, 11, 30)
        self.assertEqual(
            hours.add_minutes(monday_1130, 60), datetime(2026, 3, 2, 13, 30)
        )
        self.assertEqual(
            hours.add_minutes(monday_1130, 360), datetime(2026, 3, 9, 9, 30)
        )

    def test_daylight_saving_change(self):
        # Vancouver moves to UTC-7 on Sunday 8 March 2026.
        hours = BusinessHours(WEEKDAYS_9_TO_18, "America/Vancouver")
        friday_1750_pst = datetime(2026, 3, 7, 1, 50)
        self.assertEqual(
            hours.add_minutes(friday_1750_pst, 60), datetime(2026, 3, 9, 16, 50)
        )

    def test_schedule_without_hours_is_refused(self):
        with self.assertRaises(ValueError):
            BusinessHours({}, "UTC")


class TestFollowupTimeline(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.hours = BusinessHours(WEEKDAYS_9_TO_18, "UTC")
        self.rule = FollowupRule(first_response=60, interval=27 * 60, warn=15)

    def _plan(self, **kwargs):
        values = {
            "start": datetime(2026, 3, 2, 10, 0),
            "first_contact": None,
            "last_contact": None,
            "last_touch": None,
            "stage_entry": None,
        } | kwargs
        return timeline(self.hours, self.rule, **values)

    def test_states_over_time(self):
        plan = self._plan()
        self.assertEqual(plan.kind, "first_response")
        self.assertEqual(plan.deadline, datetime(2026, 3, 2, 11, 0))
        self.assertEqual(plan.state(datetime(2026, 3, 2, 10, 30)), "on_track")
        self.assertEqual(plan.state(datetime(2026, 3, 2, 10, 45)), "due_soon")
        self.assertEqual(plan.state(datetime(2026, 3, 2, 11, 0)), "breached")

    def test_customer_mail_after_our_contact_awaits_a_reply(self):
        contact = datetime(2026, 3, 2, 10, 30)
        plan = self._plan(
            first_contact=contact,
            last_contact=contact,
            last_touch=datetime(2026, 3, 3, 17, 30),
        )
        self.assertEqual(plan.kind, "reply")
        self.assertEqual(plan.deadline, datetime(2026, 3, 4, 9, 30))

    def test_followup_counts_from_the_later_of_contact_and_stage_entry(self):
        contact = datetime(2026, 3, 2, 10, 30)
        plan = self._plan(
            first_contact=contact,
            last_contact=contact,
            stage_entry=datetime(2026, 3, 3, 9, 0),
        )
        self.assertEqual(plan.kind, "followup")
        # three 9-hour days from Tuesday 09:00 end with Thursday's closing time
        self.assertEqual(plan.deadline, datetime(2026, 3, 5, 18, 0))

    def test_no_interval_means_nothing_due_after_first_contact(self):
        self.rule.interval = 0
        contact = datetime(2026, 3, 2, 10, 30)
        plan = self._plan(first_contact=contact, last_contact=contact)
        self.assertIsNone(plan.deadline)
        self.assertEqual(plan.state(contact), "met")

    def test_next_check_skips_sent_rungs_but_not_late_ones(self):
        plan = self._plan()
        now = datetime(2026, 3, 2, 12, 0)
        self.assertEqual(plan.next_check(now), plan.rungs["owner"])
        self.assertEqual(plan.next_check(now, {"owner"}), plan.rungs["leader"])
        self.assertIsNone(plan.next_check(now, {"owner", "leader"}))
        early = datetime(2026, 3, 2, 10, 0)
        self.assertEqual(plan.next_check(early, {"owner", "leader"}), plan.warn_at)
