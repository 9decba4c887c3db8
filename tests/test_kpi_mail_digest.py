import datetime

from odoo.tests import tagged

from .kpi_common import KpiCase


@tagged("post_install", "-at_install")
class TestKpiMailDigest(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager.email = "manager@hotel.example.com"
        cls.manager2 = cls.manager.copy(
            {"login": "kpi_manager2", "email": "m2@hotel.example.com"}
        )
        cls.manager2.scorecard_email_opt_out = True
        # Other managers of the database are not the subject of these tests.
        cls.env["res.users"].search(
            [("id", "not in", (cls.manager | cls.manager2).ids)]
        ).scorecard_email_opt_out = True

    def _mails(self):
        return self.env["mail.mail"].search(
            [("subject", "like", "Marketing and Sales Scorecard")]
        )

    def test_weekly_mail_once_per_manager_and_opt_out(self):
        lead = self.make_lead(datetime.date(2027, 3, 2), user=self.salesman)
        lead.action_set_won()
        engine = self.env["crm.closed.loop.kpi"]
        users = engine._scorecard_recipients(datetime.date(2027, 3, 8), 10)
        self.assertEqual(users, self.manager, "opted-out manager left out")
        engine._send_weekly_scorecard(users, datetime.date(2027, 3, 8))
        mails = self._mails()
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.recipient_ids, self.manager.partner_id)
        self.assertIn("2027-03-01", mails.subject)
        self.assertIn("<svg", mails.body_html)
        self.assertIn(self.salesman.name, mails.body_html)
        self.assertEqual(self.manager.scorecard_last_sent, datetime.date(2027, 3, 8))
        # A second run in the same week finds nobody left to serve.
        self.assertFalse(engine._scorecard_recipients(datetime.date(2027, 3, 8), 10))
        # The next week the manager is due again.
        self.assertEqual(
            engine._scorecard_recipients(datetime.date(2027, 3, 15), 10), self.manager
        )

    def test_user_can_opt_out_of_own_scorecard(self):
        self.manager.with_user(self.manager).write({"scorecard_email_opt_out": True})
        self.assertTrue(self.manager.scorecard_email_opt_out)

    def test_digest_headline_kpis(self):
        for index in range(4):
            lead = self.make_lead(datetime.date(2027, 3, 2), name=f"Digest {index}")
            if index == 0:
                lead.action_set_won()
        digest = self.env["digest.digest"].create(
            {
                "name": "Weekly",
                "kpi_crm_closed_loop_conversion": True,
                "kpi_crm_closed_loop_cac": True,
                "company_id": self.company.id,
            }
        )
        digest = digest.with_user(self.manager).with_context(
            start_datetime=datetime.datetime(2027, 3, 1),
            end_datetime=datetime.datetime(2027, 4, 1),
        )
        self.assertEqual(digest.kpi_crm_closed_loop_conversion_value, 25.0)
        self.assertEqual(digest.kpi_crm_closed_loop_cac_value, 0.0)
        kpis = digest.sudo()._compute_kpis(self.company, self.manager)
        names = [kpi["kpi_name"] for kpi in kpis]
        self.assertIn("kpi_crm_closed_loop_conversion", names)
        # A user without scorecard rights gets the digest without these KPIs.
        stranger = self.env["res.users"].create(
            {"name": "Front desk", "login": "kpi_frontdesk"}
        )
        kpis = digest.sudo()._compute_kpis(self.company, stranger)
        self.assertNotIn(
            "kpi_crm_closed_loop_conversion", [kpi["kpi_name"] for kpi in kpis]
        )
