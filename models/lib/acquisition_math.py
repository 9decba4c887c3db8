"""Arithmetic of customer acquisition, kept free of the ORM so it can be tested
directly and shared by every screen that shows these figures."""

import calendar
import datetime


def cac(spend, customers):
    """Customer acquisition cost: marketing spend divided by customers acquired.

    Returns None when no customer was acquired: a cost per customer does not exist
    then, and 0 or the whole spend would both read as a real figure.
    """
    if not customers:
        return None
    return spend / customers


def return_on_spend(revenue, spend):
    """Attributed revenue divided by marketing spend (1.0 means break-even).

    Returns None when nothing was spent, since any revenue over nothing is not a
    ratio a reader can compare.
    """
    if not spend:
        return None
    return revenue / spend


def budget_used_percent(budget, spend):
    """Share of the planned budget already spent, in percent; None without a budget."""
    if not budget:
        return None
    return spend / budget * 100.0


def add_months(date, months):
    """The same day ``months`` later; the last day of the month when it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    month_index = date.month - 1 + months
    year = date.year + month_index // 12
    month = month_index % 12 + 1
    day = min(date.day, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day)


def attribution_window(acquisition_date, months):
    """Half-open window ``[start, end)`` of dates whose revenue counts for a customer
    acquired on ``acquisition_date``."""
    return acquisition_date, add_months(acquisition_date, months)
