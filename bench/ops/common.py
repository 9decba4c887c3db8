"""What every operation shares: the context it runs in and the rows it returns."""

import statistics
import time
from dataclasses import dataclass, field


@dataclass
class Context:
    """Handed to every operation's ``run``."""

    registry: object
    api: object
    args: object  # the runner's parsed arguments (scale, repeat, ...)
    scale: dict
    config_path: str
    database: str
    odoo_bin: str
    log_dir: str
    notes: list = field(default_factory=list)

    def env(self, cr, uid=None, context=None):
        return self.api.Environment(cr, uid or self.api.SUPERUSER_ID, context or {})


@dataclass
class Row:
    """One line of the table.

    ``addon`` and ``stock`` are the figures of every run (empty: not measured,
    ``stock_note`` says why). ``cost`` says how to compare them: ``time`` when
    lower is better (seconds, milliseconds), ``rate`` when higher is better
    (requests per second); the ratio is always addon cost / stock cost, so
    above 1 the addon is slower.
    """

    operation: str
    unit: str
    addon: list
    stock: list = field(default_factory=list)
    cost: str = "time"
    target: str = ""
    limit: float | None = None  # ratio (or addon median with ``absolute``) bound
    absolute: bool = False  # the target bounds the addon's own median
    stock_note: str = ""
    missed: str = ""  # a reason the target is missed whatever the figures
    # Stock was stopped unfinished: its figures are lower bounds, so the ratio
    # is an upper bound (the addon is at least that much faster).
    stock_unfinished: bool = False
    # The n-th runs of the two sides were taken in turns: the ratio is the
    # median of the runs' own ratios, each free of the drift between runs.
    paired: bool = False

    @property
    def ratio(self):
        if not self.addon or not self.stock:
            return None
        if self.paired and len(self.addon) == len(self.stock):
            ratios = [
                self._ratio_of(addon, stock)
                for addon, stock in zip(self.addon, self.stock, strict=True)
            ]
            return None if None in ratios else statistics.median(ratios)
        return self._ratio_of(
            statistics.median(self.addon), statistics.median(self.stock)
        )

    def _ratio_of(self, addon, stock):
        if self.cost == "rate":
            addon, stock = stock, addon
        return addon / stock if stock else None

    @property
    def met(self):
        if self.limit is None or not self.addon:
            return None
        if self.missed:
            return False
        if self.absolute:
            return statistics.median(self.addon) <= self.limit
        ratio = self.ratio
        if ratio is None or (self.stock_unfinished and ratio > self.limit):
            return None
        return ratio <= self.limit


def timed(func, *args, **kwargs):
    """Seconds taken by one call, and its result."""
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return time.perf_counter() - started, result


def percentile(values, pct):
    """Nearest-rank percentile of ``values`` (not empty)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def say(message):
    print(f"  {message}", flush=True)
