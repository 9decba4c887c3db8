"""Arithmetic of customer acquisition (budget, attribution window), kept free of
the ORM so it can be tested directly. CAC and return on spend are KPI formulas
(``kpi_formulas``)."""

import calendar
import datetime


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
