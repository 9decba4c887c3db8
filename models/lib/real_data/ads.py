"""Company X online advertising, April to June (Q2) 2020."""

import datetime
from decimal import Decimal, InvalidOperation

from .common import canonical_names, clean_text, name_key, parse_month, read_csv

DATASET = "ads"
FILE = "online_advertising_performance_data.csv"
# The file has no year; its description says 2020. The spend is moved three
# years back, into Q2 2017, where the pipeline closes deals (see README).
SOURCE_YEAR = 2020
YEAR_OFFSET = -3


def _day(row):
    return datetime.date(
        SOURCE_YEAR + YEAR_OFFSET, parse_month(row["month"]), int(row["day"])
    )


def read(folder, rejects):
    """One record per usable row: campaign, date, spend and conversions.

    The ``revenue`` column is what Company X paid: it is the spend. ``cost`` is
    what the ad platform paid publishers and is not used.
    """
    rows = list(read_csv(folder / FILE))
    campaigns = canonical_names(row.get("campaign_number") for _line, row in rows)
    records = []
    seen = set()
    for line, row in rows:
        fingerprint = tuple(clean_text(v) for v in row.values() if v is not None)
        reason = None
        campaign = campaigns.get(name_key(row.get("campaign_number")))
        try:
            day = _day(row)
            spend = Decimal(row.get("revenue") or "")
            conversions = int(row.get("post_click_conversions") or "")
        except (ValueError, KeyError, InvalidOperation):
            reason = "month, day, revenue or post_click_conversions unreadable"
        if not reason and not campaign:
            reason = "campaign_number empty"
        elif not reason and (spend < 0 or conversions < 0):
            reason = "negative spend or conversions"
        elif not reason and fingerprint in seen:
            reason = "duplicate row"
        if reason:
            rejects.add(DATASET, FILE, line, reason, row)
            continue
        seen.add(fingerprint)
        records.append(
            {
                "campaign": campaign,
                "date": day,
                "spend": spend,
                "conversions": conversions,
            }
        )
    return records


def monthly(records):
    """Spend and conversions per (campaign, first day of month), sorted."""
    totals = {}
    for record in records:
        key = (record["campaign"], record["date"].replace(day=1))
        spend, conversions = totals.get(key, (Decimal(0), 0))
        totals[key] = (spend + record["spend"], conversions + record["conversions"])
    return [
        {"campaign": c, "month": m, "spend": s, "conversions": n}
        for (c, m), (s, n) in sorted(totals.items())
    ]
