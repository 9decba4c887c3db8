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
