"""KPI arithmetic of the closed-loop scorecard, as plain Python.

Every function takes numbers that one aggregate query produced and returns numbers
or ``None``. ``None`` means "not defined" (no leads, no spend, no customers) and is
never replaced by zero: a CAC of zero would claim customers came for free.
"""

import math


def ratio(numerator, denominator):
    """``numerator / denominator``, or ``None`` when the denominator is empty."""
    if not denominator:
        return None
    return (numerator or 0.0) / denominator


def conversion_rate(won, leads):
    """Share of a lead cohort that became customers (won), lost leads included."""
    return ratio(won, leads)


def win_rate(won, lost):
    """Share of closed leads (won or lost) that were won."""
    return ratio(won, (won or 0) + (lost or 0))


def cac(spend, customers):
    """Customer acquisition cost; ``None`` without spend or without customers."""
    if not spend or not customers:
        return None
    return spend / customers


def return_on_spend(revenue, spend):
    """Attributed revenue per unit of spend; ``None`` without spend."""
    if not spend:
        return None
    return (revenue or 0.0) / spend


def revenue_per_customer(revenue, customers):
    """Attributed revenue per customer acquired; ``None`` without customers."""
    return ratio(revenue, customers)


def median(values):
    """Median of the non-empty values, ``None`` when there are none."""
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return float(values[middle])
    return (values[middle - 1] + values[middle]) / 2.0


def previous_period(date_from, date_to):
    """The period of the same length that ends the day before ``date_from``.

    A calendar month maps to the previous calendar month (March 1-31 gives
    February 1-28), any other span to the same number of days just before it.
    """
    days = (date_to - date_from).days + 1
    is_month = (
        date_from.day == 1
        and (date_to.replace(day=1) == date_from)
        and (_last_day(date_to) == date_to.day)
    )
    if is_month:
        prev_to = date_from.fromordinal(date_from.toordinal() - 1)
        return prev_to.replace(day=1), prev_to
    prev_to = date_from.fromordinal(date_from.toordinal() - 1)
    return prev_to.fromordinal(prev_to.toordinal() - days + 1), prev_to


def _last_day(day):
    following = day.replace(day=28).toordinal() + 4
    return day.fromordinal(following - day.fromordinal(following).day).day


def finite_or_none(value):
    """A float for JSON, with NaN or infinity (never valid KPIs) as ``None``."""
    if value is None or isinstance(value, bool):
        return value
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return None
    return value


def marketing_row(spend, customers, revenue):
    """Spend, customers, CAC, revenue and their ratios for one channel or total."""
    spend = spend or 0.0
    customers = customers or 0
    revenue = revenue or 0.0
    return {
        "spend": finite_or_none(spend),
        "customers": customers,
        "cac": finite_or_none(cac(spend, customers)),
        "revenue": finite_or_none(revenue),
        "return_on_spend": finite_or_none(return_on_spend(revenue, spend)),
        "revenue_per_customer": finite_or_none(
            revenue_per_customer(revenue, customers)
        ),
    }


def conversion_row(leads, won, lost):
    """Cohort counts with conversion and win rates."""
    leads = leads or 0
    won = won or 0
    lost = lost or 0
    return {
        "leads": leads,
        "won": won,
        "lost": lost,
        "open": leads - won - lost,
        "closed": won + lost,
        "conversion_rate": finite_or_none(conversion_rate(won, leads)),
        "win_rate": finite_or_none(win_rate(won, lost)),
    }


def response_row(contacted, within_target, average_minutes, median_minutes, target):
    """First-response figures; the share within target counts contacted leads."""
    return {
        "contacted": contacted or 0,
        "within_target": within_target or 0,
        "within_target_rate": finite_or_none(ratio(within_target, contacted)),
        "average_minutes": finite_or_none(average_minutes),
        "median_minutes": finite_or_none(median_minutes),
        "target_minutes": target,
    }


def change(current, previous):
    """Relative change from the previous period, ``None`` when undefined."""
    if current is None or previous is None or not previous:
        return None
    return finite_or_none((current - previous) / abs(previous))
