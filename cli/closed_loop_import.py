"""``odoo-bin closed_loop_import``: load the public datasets into a database.

Odoo loads this file on its own (not as part of the addon package), so it imports
the addon only once the configuration has set the addons path.
"""

import argparse
import logging
import sys
import time

from odoo import SUPERUSER_ID, api
from odoo.cli import Command
from odoo.modules.registry import Registry
from odoo.tools import config

_logger = logging.getLogger(__name__)

DATASETS = ("pipeline", "leads", "ads", "bookings")


class ClosedLoopImport(Command):
    """Import the public datasets (pipeline, leads, ad spend, hotel bookings)."""

    name = "closed_loop_import"

    def run(self, cmdargs):
        parser = argparse.ArgumentParser(
            prog=self.prog, description=self.__doc__.strip()
        )
        parser.add_argument(
            "--data",
            help="folder holding the dataset folders (default: $CRM_CLOSED_LOOP_DATA "
            "or ../shared/data next to the addon)",
        )
        parser.add_argument(
            "--datasets",
            default=",".join(DATASETS),
            help=f"comma-separated subset of {','.join(DATASETS)} (default: all)",
        )
        parser.add_argument(
            "--rejects",
            default="closed_loop_rejects.csv",
            help="CSV file receiving every rejected row with its reason",
        )
        parser.add_argument(
            "--stage-probabilities",
            action="store_true",
            help="switch the company to stage probabilities, so that the imported "
            "pipeline is weighted by its stages (the real-data demo does)",
        )
        args, odoo_args = parser.parse_known_args(cmdargs)
        config.parse_config(odoo_args, setup_logging=True)
        if not config["db_name"]:
            sys.exit("Give the database with -d DATABASE.")
        datasets = [d.strip() for d in args.datasets.split(",") if d.strip()]
        unknown = set(datasets) - set(DATASETS)
        if unknown:
            sys.exit(f"Unknown datasets {', '.join(sorted(unknown))}; use {DATASETS}.")
        sys.exit(
            self._import(
                config["db_name"][0],
                args.data,
                datasets,
                args.rejects,
                args.stage_probabilities,
            )
        )

    def _import(self, db_name, data, datasets, rejects_path, stage_probabilities):
        # Imported only now: the addons path is known once the config is parsed.
        from odoo.addons.crm_closed_loop.models.lib import real_data  # noqa: PLC0415

        rejects = real_data.Rejects()
        try:
            folders = {d: real_data.dataset_path(d, data) for d in datasets}
        except real_data.DataMissingError as error:
            return str(error)
        registry = Registry(db_name)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            importer = env["crm.closed.loop.import"]

            def progress(done, total):
                # One batch is in: keep it even if a later batch fails.
                cr.commit()
                end = "\r" if sys.stderr.isatty() else "\n"
                print(f"  {done}/{total}", end=end, file=sys.stderr, flush=True)

            for dataset in datasets:
                started = time.monotonic()
                method = getattr(importer, f"import_{dataset}")
                counts = method(folders[dataset], rejects, progress=progress)
                cr.commit()
                print(
                    f"{dataset}: {counts} in {time.monotonic() - started:.1f} s",
                    file=sys.stderr,
                )
            if stage_probabilities:
                env.company.crm_probability_source = "stage"
                cr.commit()
        rejects.save(rejects_path)
        print(
            f"{len(rejects)} rejected rows written to {rejects_path}", file=sys.stderr
        )
        return 0
