import csv
import datetime
import os
import re
from pathlib import Path

# Where the datasets live when CRM_CLOSED_LOOP_DATA is not set: next to the
# repository, as in the project's shared folder.
DATA_ENV = "CRM_CLOSED_LOOP_DATA"
DEFAULT_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"

# Dataset folder -> the files the readers need in it.
DATASETS = {
    "pipeline": (
        "maven-crm-pipeline",
        ("sales_pipeline.csv", "sales_teams.csv", "accounts.csv", "products.csv"),
    ),
    "leads": ("xeducation-leads", ("Leads.csv",)),
    "ads": ("online-ads-spend", ("online_advertising_performance_data.csv",)),
    "bookings": ("hotel-bookings", ("hotel_bookings.csv",)),
}

# Values that mean "not answered" in the source files.
EMPTY_PLACEHOLDERS = {"", "select", "null", "na", "nan", "undefined"}

MONTHS = {
    name: number
    for number, name in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
}


class DataMissingError(Exception):
    """A dataset file is not where the import looks for it."""


def data_root(root=None):
    return Path(root or os.environ.get(DATA_ENV) or DEFAULT_DATA)


def dataset_path(name, root=None):
    """The folder of dataset ``name``, checked to hold every file its reader needs."""
    folder_name, files = DATASETS[name]
    folder = data_root(root) / folder_name
    missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        raise DataMissingError(
            f"The {name} dataset is missing: no {', '.join(missing)} in {folder}. "
            f"Put the public datasets (see each SOURCE.md) in one folder and point "
            f"the environment variable {DATA_ENV} at it, e.g. "
            f"{DATA_ENV}=/path/to/shared/data."
        )
    return folder


def read_csv(path):
    """Rows of a CSV file as (line number, dict), the header being line 1."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        yield from enumerate(reader, start=2)


def clean_text(value):
    """Trimmed text with inner runs of spaces collapsed; placeholders become ''."""
    value = re.sub(r"\s+", " ", (value or "").strip())
    return "" if value.casefold() in EMPTY_PLACEHOLDERS else value


def name_key(value):
    """The key two spellings of one name share: case and spaces ignored."""
    return clean_text(value).casefold().replace(" ", "")


def canonical_names(values):
    """Map each name key to its most frequent spelling (ties: first seen)."""
    counts = {}
    for value in values:
        text = clean_text(value)
        if text:
            spellings = counts.setdefault(name_key(text), {})
            spellings[text] = spellings.get(text, 0) + 1
    return {
        key: max(spellings, key=lambda s: (spellings[s], -list(spellings).index(s)))
        for key, spellings in counts.items()
    }


def parse_date(value):
    return datetime.date.fromisoformat(value.strip())


def parse_month(value):
    month = MONTHS.get(clean_text(value).casefold())
    if not month:
        raise ValueError(f"unknown month {value!r}")
    return month


class Rejects:
    """Rows a reader could not use, each with the reason, for the reject file."""

    HEADER = ("dataset", "file", "line", "reason", "row")

    def __init__(self):
        self.rows = []

    def add(self, dataset, file, line, reason, row):
        raw = row if isinstance(row, str) else ",".join(str(v) for v in row.values())
        self.rows.append((dataset, file, line, reason, raw))

    def __len__(self):
        return len(self.rows)

    def reasons(self, dataset=None):
        return [r[3] for r in self.rows if dataset is None or r[0] == dataset]

    def save(self, path):
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(self.HEADER)
            writer.writerows(self.rows)
        return path
