"""Readers and cleaners of the public datasets, as plain Python (no Odoo).

Each module reads one dataset folder, applies the cleaning rules written in the
README and returns plain records for the loader; every row it cannot use goes to a
:class:`~.common.Rejects` with the reason.
"""

from . import ads, bookings, leads, pipeline
from .common import DataMissingError, Rejects, dataset_path

__all__ = [
    "DataMissingError",
    "Rejects",
    "ads",
    "bookings",
    "dataset_path",
    "leads",
    "pipeline",
]
