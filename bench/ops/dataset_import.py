"""The import of the real public datasets, as ``odoo-bin closed_loop_import``
does it (the same model methods, dataset by dataset), in one transaction that
is rolled back after each run so that every run does the whole work again.

The data folder is ``CRM_CLOSED_LOOP_DATA`` or ``../shared/data`` next to the
repository, as for the command.
"""

from .common import Row, say, timed

DATASETS = ("pipeline", "leads", "ads", "bookings")
NO_STOCK = (
    "n/a: no stock importer for these files (base_import maps one CSV to one "
    "model; these rows become leads, partners, acquisitions, bills, invoices)"
)


def run(ctx):
    from odoo.addons.crm_closed_loop.models.lib import real_data  # noqa: PLC0415

    figures = {dataset: [] for dataset in DATASETS}
    counts = {}
    for _run in range(ctx.args.import_repeat):
        with ctx.registry.cursor() as cr:
            env = ctx.env(cr)
            importer = env["crm.closed.loop.import"]
            rejects = real_data.Rejects()
            for dataset in DATASETS:
                folder = real_data.dataset_path(dataset, None)
                method = getattr(importer, f"import_{dataset}")
                seconds, counts[dataset] = timed(method, folder, rejects)
                env.flush_all()
                figures[dataset].append(seconds)
                say(f"import {dataset}: {counts[dataset]} in {seconds:.1f}s")
            cr.rollback()
    return [
        Row(
            f"e. import real data: {dataset}"
            f" ({counts[dataset].get('read', '?')} records read)",
            "s",
            figures[dataset],
            stock_note=NO_STOCK,
        )
        for dataset in DATASETS
    ]
