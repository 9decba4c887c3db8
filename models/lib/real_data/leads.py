"""X Education leads (the "Lead Scoring" case study file Leads.csv)."""

import datetime

from .common import canonical_names, clean_text, name_key, read_csv

DATASET = "leads"
FILE = "Leads.csv"
# The file has no dates; every lead is dated on this fixed day (see README).
LEAD_DATE = datetime.date(2017, 12, 31)


def read(folder, rejects):
    """Leads with cleaned source (channel) and origin (medium) names."""
    rows = list(read_csv(folder / FILE))
    sources = canonical_names(row.get("Lead Source") for _line, row in rows)
    origins = canonical_names(row.get("Lead Origin") for _line, row in rows)
    leads = []
    seen = set()
    for line, row in rows:
        key = clean_text(row.get("Prospect ID"))
        converted = clean_text(row.get("Converted"))
        reason = None
        if not key:
            reason = "Prospect ID empty"
        elif key in seen:
            reason = "duplicate Prospect ID"
        elif converted not in ("0", "1"):
            reason = f"Converted is {row.get('Converted')!r}, not 0 or 1"
        if reason:
            rejects.add(DATASET, FILE, line, reason, row)
            continue
        seen.add(key)
        leads.append(
            {
                "key": key,
                "line": line,
                "number": clean_text(row.get("Lead Number")),
                "source": sources.get(name_key(row.get("Lead Source")), ""),
                "medium": origins.get(name_key(row.get("Lead Origin")), ""),
                "converted": converted == "1",
                "tags": clean_text(row.get("Tags")),
                "quality": clean_text(row.get("Lead Quality")),
                "city": clean_text(row.get("City")),
                "country": clean_text(row.get("Country")),
                "create_date": LEAD_DATE,
            }
        )
    return leads
