"""Hotel booking demand: a resort and a city hotel in Portugal, 2015-2017."""

import datetime
from decimal import Decimal, InvalidOperation

from .common import canonical_names, clean_text, name_key, parse_month, read_csv

DATASET = "bookings"
FILE = "hotel_bookings.csv"


def _booking(row, channels):
    arrival = datetime.date(
        int(row["arrival_date_year"]),
        parse_month(row["arrival_date_month"]),
        int(row["arrival_date_day_of_month"]),
    )
    nights = int(row["stays_in_weekend_nights"]) + int(row["stays_in_week_nights"])
    rate = Decimal(row["adr"])
    return {
        "hotel": clean_text(row.get("hotel")),
        "date": arrival,
        "channel": channels.get(name_key(row.get("distribution_channel")), ""),
        "segment": clean_text(row.get("market_segment")),
        "customer_type": clean_text(row.get("customer_type")),
        "canceled": clean_text(row.get("is_canceled")) == "1",
        "nights": nights,
        "rate": rate,
    }


def read(folder, rejects):
    """Bookings with their room revenue (daily rate x nights, 0 if canceled).

    Exact duplicate rows are kept: the file has no booking id and its authors
    say they may be separate bookings.
    """
    rows = list(read_csv(folder / FILE))
    channels = canonical_names(row.get("distribution_channel") for _line, row in rows)
    bookings = []
    for line, row in rows:
        try:
            booking = _booking(row, channels)
        except (ValueError, KeyError, TypeError, InvalidOperation):
            rejects.add(
                DATASET, FILE, line, "arrival date, nights or adr unreadable", row
            )
            continue
        if booking["rate"] < 0:
            rejects.add(DATASET, FILE, line, "negative daily rate (adr)", row)
            continue
        if not booking["hotel"]:
            rejects.add(DATASET, FILE, line, "hotel empty", row)
            continue
        booking["revenue"] = (
            Decimal(0) if booking["canceled"] else booking["rate"] * booking["nights"]
        )
        bookings.append(booking)
    return bookings


def monthly(bookings):
    """Revenue, bookings and first arrival per (hotel, channel, arrival month)."""
    totals = {}
    for booking in bookings:
        month = booking["date"].replace(day=1)
        key = (booking["hotel"], booking["channel"], month)
        group = totals.setdefault(
            key,
            {
                "hotel": booking["hotel"],
                "channel": booking["channel"],
                "month": month,
                "revenue": Decimal(0),
                "bookings": 0,
                "first_arrival": booking["date"],
            },
        )
        group["revenue"] += booking["revenue"]
        group["bookings"] += 1
        group["first_arrival"] = min(group["first_arrival"], booking["date"])
    return [totals[key] for key in sorted(totals)]
