"""The benchmark: every operation, the addon's figure beside stock Odoo's.

Run through ``bench/run``, which creates (once) the database and installs the
addon. Seeds the volume on the first run, then runs the operations of
``bench/ops`` and prints one table, also written as markdown to
``.run/bench/latest.md``.
"""

import argparse
import importlib
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from datetime import datetime, timezone

SCALES = {
    "full": {
        "leads": 1_000_000,
        "pos": 1_000_000,
        "invoice_lines": 200_000,
        "users": 2000,
        "teams": 50,
        "backlogs": (1000, 5000, 20000),
        "followup_due": 10_000,
        "followup_due_runs": 1,
        "http_requests": 200,
        "in_process": 200,
    },
    "small": {
        "leads": 100_000,
        "pos": 100_000,
        "invoice_lines": 20_000,
        "users": 200,
        "teams": 5,
        "backlogs": (100, 500, 2000),
        "followup_due": 1000,
        "followup_due_runs": 1,
        "http_requests": 40,
        "in_process": 20,
    },
}
OPERATIONS = ("capture", "assignment", "followup", "scorecard", "dataset_import")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--output", required=True, help="markdown file of the table")
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument(
        "--ops",
        default=",".join(OPERATIONS),
        help=f"comma-separated subset of {','.join(OPERATIONS)}",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each figure")
    parser.add_argument(
        "--import-repeat", type=int, default=1, help="runs of the real-data import"
    )
    parser.add_argument("--clients", type=int, default=4, help="HTTP client threads")
    parser.add_argument("--http-port", type=int, default=8180)
    parser.add_argument("--no-http", action="store_true", help="skip the HTTP load")
    parser.add_argument(
        "--http-log",
        action="store_true",
        help="log every request of the HTTP server with its query count, SQL time"
        " and other time (http-server.log beside the table)",
    )
    parser.add_argument(
        "--backlogs", help="comma-separated backlog sizes (default: the scale's)"
    )
    parser.add_argument(
        "--stock-budget",
        type=float,
        default=25.0,
        help="stop stock's backlog run once it took this many times the addon's"
        " time on the same backlog, and report its figure as a lower bound"
        " (0: always run to the end)",
    )
    args = parser.parse_args(argv)
    args.ops = [op.strip() for op in args.ops.split(",") if op.strip()]
    unknown = set(args.ops) - set(OPERATIONS)
    if unknown:
        parser.error(f"unknown operations {sorted(unknown)}; use {OPERATIONS}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def figure(values, unit):
    if not values:
        return "n/a"
    digits = 3 if statistics.median(values) < 10 else 1
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.{digits}f} {unit} (1 run)"
    return (
        f"{median:.{digits}f} [{min(values):.{digits}f}-{max(values):.{digits}f}]"
        f" {unit}"
    )


def table(rows):
    header = ("operation", "addon (median [min-max])", "stock (median [min-max])")
    header += ("ratio", "target", "met?")
    lines = []
    for row in rows:
        ratio = row.ratio
        met = {True: "yes", False: "NO", None: "-"}[row.met]
        if row.missed:
            met += f" ({row.missed})"
        stock = figure(row.stock, row.unit)
        if row.stock_note:
            stock = row.stock_note if not row.stock else f"{stock} ({row.stock_note})"
        lines.append(
            (
                row.operation,
                figure(row.addon, row.unit),
                stock,
                "-"
                if ratio is None
                else f"{'< ' if row.stock_unfinished else ''}{ratio:.2f}",
                row.target or "-",
                met,
            )
        )
    return header, lines


def machine():
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in handle
                    if line.startswith("model name")
                ),
                cpu,
            )
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({cpu})"


def postgres_version(registry):
    with registry.cursor() as cr:
        cr.execute("SHOW server_version")
        return cr.fetchone()[0]


def load_average():
    try:
        return " ".join(f"{value:.1f}" for value in os.getloadavg())
    except OSError:
        return "?"


def git_revision():
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=os.path.dirname(os.path.abspath(__file__)),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def print_table(header, lines):
    widths = [
        max(len(str(line[i])) for line in (header, *lines)) for i in range(len(header))
    ]
    for line in (header, tuple("-" * width for width in widths), *lines):
        print(
            " | ".join(
                str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)
            )
        )


def markdown(header, lines, context):
    out = [*context, "", "| " + " | ".join(header) + " |"]
    out.append("|" + "|".join("---" for _cell in header) + "|")
    out += ["| " + " | ".join(str(cell) for cell in line) + " |" for line in lines]
    return "\n".join(out) + "\n"


def main(argv):
    args = parse_args(argv)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from ops import common, seed  # noqa: PLC0415 - needs the path above

    from odoo import api  # noqa: PLC0415 - the caller sets the path
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config(
        ["-c", args.config, "-d", args.database, "--log-level=warn"],
        setup_logging=True,
    )
    registry = Registry(args.database)
    scale = dict(SCALES[args.scale])
    if args.backlogs:
        scale["backlogs"] = tuple(int(size) for size in args.backlogs.split(","))
    log_dir = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(log_dir, exist_ok=True)
    ctx = common.Context(
        registry=registry,
        api=api,
        args=args,
        scale=scale,
        config_path=args.config,
        database=args.database,
        odoo_bin=args.odoo_bin,
        log_dir=log_dir,
    )
    with registry.cursor() as cr:
        env = ctx.env(cr)
        done = seed.seeded(env)
        if done and done != args.scale:
            sys.exit(f"{args.database} was seeded at scale {done}: use --reseed")
        if not done:
            print(f"seeding the {args.scale} volume (once)", flush=True)
            started = time.monotonic()
            seed.seed(env, args.scale, scale)
            cr.commit()
            print(f"seeded in {time.monotonic() - started:.0f} s", flush=True)
    started_at = datetime.now(timezone.utc)
    # The code measured is the one loaded now: later commits do not count.
    revision = git_revision()
    rows = []
    for name in args.ops:
        print(f"{name}:", flush=True)
        module = importlib.import_module(f"ops.{name}")
        started = time.monotonic()
        try:
            rows += module.run(ctx)
        except Exception as error:  # one failed operation, not all
            traceback.print_exc()
            rows.append(common.Row(f"{name}: FAILED ({error})"[:200], "", []))
        print(f"{name}: {time.monotonic() - started:.0f} s", flush=True)
        # Written after every operation: a long run stopped halfway keeps
        # what it measured.
        report(args, scale, ctx, registry, (started_at, revision), rows, final=False)
    report(args, scale, ctx, registry, (started_at, revision), rows, final=True)


def report(args, scale, ctx, registry, started, rows, final):
    started_at, revision = started
    header, lines = table(rows)
    context = [
        f"Benchmark of crm_closed_loop against stock Odoo, scale {args.scale} "
        f"({scale['leads']:,} leads, {scale['pos']:,} POS orders, "
        f"{scale['invoice_lines']:,} invoice lines, {scale['users']:,} users in "
        f"{scale['teams']} teams), {args.repeat} runs per figure unless noted.",
        f"Started {started_at:%Y-%m-%d %H:%M} UTC, commit {revision}, "
        f"{machine()}, PostgreSQL {postgres_version(registry)}, load average "
        f"{load_average()}.",
        "Ratio = addon cost / stock cost (above 1: the addon is slower; for "
        "req/s, stock req/s / addon req/s); where the two sides took turns "
        "(capture), the median of the runs' own ratios.",
        *(f"Note: {note}." for note in ctx.notes),
    ]
    with open(args.output, "w") as handle:
        handle.write(markdown(header, lines, context))
    if not final:
        return
    print()
    for line in context:
        print(line)
    print()
    print_table(header, lines)
    print(f"\nwritten to {args.output}")


if __name__ == "__main__":
    main(sys.argv[1:])
