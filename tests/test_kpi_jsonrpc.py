import datetime

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException


@tagged("post_install", "-at_install")
class TestKpiJsonRpc(HttpCase):
    """Other tools read the KPIs over JSON-RPC, logged in as a real user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, "kpi_rpc_manager", groups="sales_team.group_sale_manager"
        )
        cls.stranger = new_test_user(
            cls.env, "kpi_rpc_stranger", groups="base.group_user"
        )
        leads = cls.env["crm.lead"].create(
            [
                {"name": f"RPC lead {index}", "user_id": cls.manager.id}
                for index in range(4)
            ]
        )
        leads[0].action_set_won()
        leads.flush_recordset()
        cls.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id IN %s",
            (datetime.datetime(2027, 3, 2, 9), tuple(leads.ids)),
        )

    def _call(self, kwargs):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw/crm.closed.loop.kpi/get_kpis",
            {
                "model": "crm.closed.loop.kpi",
                "method": "get_kpis",
                "args": [],
                "kwargs": kwargs,
            },
        )

    def test_manager_reads_kpis_over_json_rpc(self):
        self.authenticate("kpi_rpc_manager", "kpi_rpc_manager")
        result = self._call(
            {
                "date_from": "2027-03-01",
                "date_to": "2027-03-31",
                "company_ids": [self.env.company.id],
                "groupby": "user",
            }
        )
        self.assertEqual(result["conversion"]["leads"], 4)
        self.assertEqual(result["conversion"]["won"], 1)
        self.assertEqual(result["conversion"]["conversion_rate"], 0.25)
        self.assertEqual(result["rows"][0]["id"], self.manager.id)
        self.assertIsNone(result["marketing"]["cac"])

    def test_bad_input_and_no_rights_are_refused(self):
        self.authenticate("kpi_rpc_manager", "kpi_rpc_manager")
        with self.assertRaises(JsonRpcException) as caught:
            self._call(
                {
                    "date_from": "2027-03-31",
                    "date_to": "2027-03-01",
                    "company_ids": [self.env.company.id],
                }
            )
        self.assertIn("UserError", str(caught.exception))
        self.authenticate("kpi_rpc_stranger", "kpi_rpc_stranger")
        with self.assertRaises(JsonRpcException) as caught:
            self._call(
                {
                    "date_from": "2027-03-01",
                    "date_to": "2027-03-31",
                    "company_ids": [self.env.company.id],
                }
            )
        self.assertIn("AccessError", str(caught.exception))
