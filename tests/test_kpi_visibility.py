import datetime

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .kpi_common import KpiCase


@tagged("post_install", "-at_install")
class TestKpiVisibility(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        march = datetime.date(2027, 3, 5)
        leads = cls.env["crm.lead"]
        for user, count in ((cls.salesman, 2), (cls.salesman2, 3)):
            for index in range(count):
                leads |= cls.env["crm.lead"].create(
                    {
                        "name": f"{user.login} {index}",
                        "type": "opportunity",
                        "user_id": user.id,
                        "team_id": cls.team.id,
                    }
                )
        leads.flush_recordset()
        cls.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id IN %s",
            (datetime.datetime.combine(march, datetime.time(9)), tuple(leads.ids)),
        )
        leads.invalidate_recordset()

    def _people(self, kpis):
        return {row["user_id"]: row["leads"] for row in kpis["salespeople"]}

    def test_salesman_sees_only_own_line(self):
        kpis = self.march_kpis(user=self.salesman)
        self.assertEqual(kpis["scope"], "own")
        self.assertEqual(self._people(kpis), {self.salesman.id: 2})
        self.assertEqual(kpis["conversion"]["leads"], 2)
        self.assertIsNone(kpis["marketing"], "no spend or CAC for a salesperson")

    def test_whole_scorecard_roles(self):
        for user in (self.manager, self.marketer, self.accountant):
            with self.subTest(user=user.login):
                kpis = self.march_kpis(user=user)
                self.assertEqual(kpis["scope"], "all")
                self.assertEqual(
                    self._people(kpis), {self.salesman.id: 2, self.salesman2.id: 3}
                )
                self.assertIsInstance(kpis["marketing"], dict)

    def test_accountant_reads_scorecard_without_sales_rights(self):
        self.assertFalse(self.accountant.has_group("sales_team.group_sale_salesman"))
        with self.assertRaises(AccessError):
            self.env["crm.lead"].with_user(self.accountant).search([])
        kpis = self.march_kpis(user=self.accountant)
        self.assertEqual(kpis["conversion"]["leads"], 5)

    def test_user_without_any_role_is_refused(self):
        stranger = new_test_user(self.env, "kpi_stranger", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.march_kpis(user=stranger)

    def test_report_for_salesman_lists_only_own_line(self):
        report = self.env["report.crm_closed_loop.report_scorecard"]
        values = report.with_user(self.salesman)._scorecard_values(
            {
                "date_from": "2027-03-01",
                "date_to": "2027-03-31",
                "company_id": self.company.id,
            }
        )
        html = str(
            self.env["ir.qweb"]
            .with_user(self.salesman)
            ._render("crm_closed_loop.report_scorecard_body", values)
        )
        self.assertIn(self.salesman.name, html)
        self.assertNotIn(self.salesman2.name, html)
        self.assertNotIn("o_scorecard_cac", html)
