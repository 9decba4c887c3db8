"""The KPI summary's rebuild against a worker writing leads at the same time,
with real, committed transactions (removed again afterwards)."""

from odoo import api
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL


@tagged("post_install", "-at_install")
class TestKpiSummaryRebuildConcurrency(TransactionCase):
    def setUp(self):
        super().setUp()
        self.lead_ids = []
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"active_test": False})
            env["crm.lead"].browse(self.lead_ids).unlink()
            # Whatever the test left in the cells, they are right again.
            env["crm.closed.loop.kpi.cell"]._rebuild()

    def _totals(self, cr):
        cr.execute(
            SQL(
                "SELECT (SELECT COALESCE(SUM(leads), 0) FROM crm_closed_loop_kpi_cell"
                "         WHERE grain = 'year' AND dimension = 'team'),"
                "       (SELECT COUNT(*) FROM crm_lead)"
            )
        )
        return cr.fetchone()

    def test_rebuild_keeps_leads_another_worker_wrote_meanwhile(self):
        # An upgrade rebuilds the cells in its own snapshot; a worker serving
        # requests meanwhile creates a lead and commits first. Its lead is not
        # in the upgrade's snapshot, its cells must stay.
        with self.registry.cursor() as upgrade_cr:
            upgrade_cr.execute("SELECT COUNT(*) FROM crm_lead")
            with self.registry.cursor() as worker_cr:
                worker = api.Environment(worker_cr, api.SUPERUSER_ID, {})
                self.lead_ids += worker["crm.lead"].create({"name": "Walk-in"}).ids
            upgrade = api.Environment(upgrade_cr, api.SUPERUSER_ID, {})
            upgrade["crm.closed.loop.kpi.cell"]._rebuild()
        with self.registry.cursor() as cr:
            cells, leads = self._totals(cr)
        self.assertEqual(cells, leads)

    def test_compaction_keeps_leads_another_worker_wrote_meanwhile(self):
        # Two writes before the compaction's snapshot leave cells of several
        # rows to fold; a worker's write committed after the snapshot appends
        # rows the compaction must leave alone.
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            lead = env["crm.lead"].create({"name": "Spa day", "type": "opportunity"})
            self.lead_ids += lead.ids
        with self.registry.cursor() as cr:
            api.Environment(cr, api.SUPERUSER_ID, {})["crm.lead"].browse(
                self.lead_ids
            ).write({"expected_revenue": 500.0})
        with self.registry.cursor() as compact_cr:
            compact_cr.execute("SELECT COUNT(*) FROM crm_closed_loop_kpi_cell")
            with self.registry.cursor() as worker_cr:
                worker = api.Environment(worker_cr, api.SUPERUSER_ID, {})
                worker["crm.lead"].browse(self.lead_ids).write(
                    {"expected_revenue": 800.0, "active": False}
                )
            compact = api.Environment(compact_cr, api.SUPERUSER_ID, {})
            compact_cr.execute(compact["crm.closed.loop.kpi.cell"]._compact_sql())
            self.assertTrue(compact_cr.rowcount)
        with self.registry.cursor() as cr:
            cells, leads = self._totals(cr)
            self.assertEqual(cells, leads)
            cr.execute(
                "SELECT COALESCE(SUM(leads), 0), COALESCE(SUM(expected_revenue), 0)"
                "  FROM crm_closed_loop_kpi_cell WHERE grain = 'now'"
            )
            self.assertEqual(cr.fetchone(), (0, 0))
