"""The datasets' figures computed straight from the raw CSV files, without Odoo.

Deliberately independent of the addon's readers: only ``csv`` and arithmetic, with
the README's cleaning rules written out again where they change a figure (a lead
source is grouped case-insensitively, blank or "Select" means no source).
"""

import csv
import os
from collections import Counter, defaultdict
from pathlib import Path

DATA_ENV = "CRM_CLOSED_LOOP_DATA"
REPOSITORY = Path(__file__).resolve().parent.parent


def data_folder():
    """The datasets' folder, or an AssertionError saying how to provide it."""
    folder = Path(os.environ.get(DATA_ENV) or REPOSITORY.parent / "shared" / "data")
    needed = [
        "maven-crm-pipeline/sales_pipeline.csv",
        "maven-crm-pipeline/sales_teams.csv",
        "maven-crm-pipeline/accounts.csv",
        "maven-crm-pipeline/products.csv",
        "xeducation-leads/Leads.csv",
        "online-ads-spend/online_advertising_performance_data.csv",
        "hotel-bookings/hotel_bookings.csv",
    ]
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise AssertionError(
            f"The public datasets are missing from {folder}: {', '.join(missing)}. "
            f"These tests need them: set {DATA_ENV} to the folder holding "
            f"maven-crm-pipeline/, xeducation-leads/, online-ads-spend/ and "
            f"hotel-bookings/ (see each SOURCE.md), e.g. "
            f"{DATA_ENV}=/path/to/shared/data scripts/test ..."
        )
    return folder


def _rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _ad_rows(folder):
    """Rows of the online ads dataset, exact duplicate rows dropped."""
    seen = set()
    path = folder / "online-ads-spend" / "online_advertising_performance_data.csv"
    for row in _rows(path):
        fingerprint = tuple(row.items())
        if fingerprint not in seen:
            seen.add(fingerprint)
            yield row


def pipeline_win_rates(folder):
    """(overall win rate, {agent: win rate}, {agent: (won, lost)})."""
    counts = defaultdict(Counter)
    for row in _rows(folder / "maven-crm-pipeline" / "sales_pipeline.csv"):
        counts[row["sales_agent"]][row["deal_stage"]] += 1
    won = sum(c["Won"] for c in counts.values())
    lost = sum(c["Lost"] for c in counts.values())
    per_agent = {
        agent: c["Won"] / (c["Won"] + c["Lost"])
        for agent, c in counts.items()
        if c["Won"] + c["Lost"]
    }
    closed = {agent: (c["Won"], c["Lost"]) for agent, c in counts.items()}
    return won / (won + lost), per_agent, closed


def pipeline_counts(folder):
    return Counter(
        row["deal_stage"]
        for row in _rows(folder / "maven-crm-pipeline" / "sales_pipeline.csv")
    )


def lead_conversion_by_source(folder):
    """{source key: (leads, converted)}: casefolded source, '' for none."""
    result = defaultdict(lambda: [0, 0])
    for row in _rows(folder / "xeducation-leads" / "Leads.csv"):
        source = " ".join(row["Lead Source"].split()).casefold()
        if source == "select":
            source = ""
        result[source][0] += 1
        result[source][1] += int(row["Converted"])
    return {key: tuple(value) for key, value in result.items()}


def ad_spend_by_campaign(folder):
    """{campaign: (spend, conversions)} with exact duplicate rows dropped."""
    result = defaultdict(lambda: [0.0, 0])
    for row in _ad_rows(folder):
        result[row["campaign_number"]][0] += float(row["revenue"])
        result[row["campaign_number"]][1] += int(row["post_click_conversions"])
    return {key: tuple(value) for key, value in result.items()}


def booking_revenue_by_channel(folder):
    """{channel: room revenue} of stayed bookings (adr x nights, adr >= 0)."""
    result = defaultdict(float)
    for row in _rows(folder / "hotel-bookings" / "hotel_bookings.csv"):
        if row["is_canceled"] == "1" or float(row["adr"]) < 0:
            continue
        nights = int(row["stays_in_weekend_nights"]) + int(row["stays_in_week_nights"])
        result[row["distribution_channel"]] += float(row["adr"]) * nights
    return dict(result)


def ad_spend_billed_by_campaign(folder):
    """{campaign: spend} as billed: each campaign-month rounded to the cent."""
    months = defaultdict(float)
    for row in _ad_rows(folder):
        months[row["campaign_number"], row["month"]] += float(row["revenue"])
    result = defaultdict(float)
    for (campaign, _month), spend in months.items():
        result[campaign] += round(spend, 2)
    return dict(result)


def booking_revenue_invoiced_by_channel(folder):
    """{channel: revenue} as invoiced: hotel, channel and month rounded to the cent.

    Returns also the number of invoices per channel, for the rounding bound.
    """
    months = defaultdict(float)
    for row in _rows(folder / "hotel-bookings" / "hotel_bookings.csv"):
        if row["is_canceled"] == "1" or float(row["adr"]) < 0:
            continue
        nights = int(row["stays_in_weekend_nights"]) + int(row["stays_in_week_nights"])
        key = (
            row["hotel"],
            row["distribution_channel"],
            row["arrival_date_year"],
            row["arrival_date_month"],
        )
        months[key] += float(row["adr"]) * nights
    result = defaultdict(float)
    invoices = Counter()
    for (_hotel, channel, _year, _month), revenue in months.items():
        if round(revenue, 2) > 0:
            result[channel] += round(revenue, 2)
            invoices[channel] += 1
    return dict(result), dict(invoices)
