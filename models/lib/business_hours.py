"""Business-hours arithmetic on naive UTC datetimes, without the ORM.

A schedule is a set of weekly working intervals in a time zone, minus holidays.
Odoo stores datetimes as naive UTC, so every public function takes and returns
naive UTC datetimes and converts to the schedule's zone internally.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A year of consecutive non-working days means the schedule is unusable; stop
# walking rather than loop forever.
MAX_IDLE_DAYS = 366
UTC = ZoneInfo("UTC")


class BusinessHours:
    """Working time of one schedule.

    :param weekly: {weekday (0 = Monday): [(hour_from, hour_to), ...]} in local
        hours as floats (9.5 = 09:30)
    :param tz: IANA time-zone name of the schedule
    :param holidays: [(start, end), ...] naive UTC intervals without work
    """

    def __init__(self, weekly, tz="UTC", holidays=()):
        self.weekly = {
            day: sorted((float(a), float(b)) for a, b in spans if b > a)
            for day, spans in weekly.items()
        }
        self.zone = ZoneInfo(tz or "UTC")
        self.holidays = sorted(holidays)
        if not any(self.weekly.values()):
            raise ValueError("the schedule has no working hours")

    # -- building blocks -------------------------------------------------

    def _local_date(self, moment):
        return moment.replace(tzinfo=UTC).astimezone(self.zone).date()

    def _to_utc(self, day: date, hour: float):
        hours = int(hour)
        minutes = round((hour - hours) * 60)
        if hours >= 24:
            local = datetime.combine(day + timedelta(days=1), time(0, 0))
        else:
            local = datetime.combine(day, time(hours, minutes))
        aware = local.replace(tzinfo=self.zone)
        return aware.astimezone(UTC).replace(tzinfo=None)

    def _minus_holidays(self, start, end):
        spans = [(start, end)]
        for hol_start, hol_end in self.holidays:
            if hol_end <= start or hol_start >= end:
                continue
            cut = []
            for a, b in spans:
                if hol_end <= a or hol_start >= b:
                    cut.append((a, b))
                    continue
                if a < hol_start:
                    cut.append((a, hol_start))
                if hol_end < b:
                    cut.append((hol_end, b))
            spans = cut
        return spans

    def day_intervals(self, day: date):
        """Working intervals of a local calendar day, as naive UTC pairs."""
        result = []
        for hour_from, hour_to in self.weekly.get(day.weekday(), []):
            start = self._to_utc(day, hour_from)
            end = self._to_utc(day, hour_to)
            result.extend(self._minus_holidays(start, end))
        return result

    def _intervals_from(self, moment, until=None):
        """Working intervals that end after ``moment``, in order, from its day."""
        day = self._local_date(moment) - timedelta(days=1)
        last_day = self._local_date(until) if until else None
        idle = 0
        while idle <= MAX_IDLE_DAYS:
            if last_day and day > last_day:
                return
            spans = [(a, b) for a, b in self.day_intervals(day) if b > moment]
            idle = 0 if spans else idle + 1
            for a, b in spans:
                yield max(a, moment), b
            day += timedelta(days=1)
        raise ValueError(f"no working time within a year of {moment}")

    # -- public API -------------------------------------------------------

    def add_minutes(self, start, minutes):
        """The moment when ``minutes`` of working time have passed after ``start``.

        A start outside working hours counts from the next working moment.
        """
        remaining = timedelta(minutes=minutes)
        if remaining <= timedelta(0):
            return start
        for a, b in self._intervals_from(start):
            if b - a >= remaining:
                return a + remaining
            remaining -= b - a
        raise AssertionError("unreachable")  # pragma: no cover

    def minutes_between(self, start, end):
        """Working minutes from ``start`` to ``end`` (0 if end is not later)."""
        if end <= start:
            return 0.0
        total = timedelta(0)
        for a, b in self._intervals_from(start, until=end):
            if a >= end:
                break
            total += min(b, end) - a
        return total.total_seconds() / 60.0
