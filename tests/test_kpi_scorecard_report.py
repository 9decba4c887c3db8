import datetime

from odoo.tests import Form, tagged

from .kpi_common import KpiCase


@tagged("post_install", "-at_install")
class TestKpiScorecardReport(KpiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        reason = cls.env["crm.lost.reason"].create({"name": "Date taken"})
        leads = cls.env["crm.lead"].create(
            [
                {
                    "name": f"Enquiry {index}",
                    "type": "opportunity",
                    "user_id": cls.salesman.id,
                    "team_id": cls.team.id,
                    "source_id": cls.source.id,
                    "expected_revenue": 20000,
                }
                for index in range(4)
            ]
        )
        leads[0].action_set_won()
        leads[1].action_set_lost(lost_reason_id=reason.id)
        leads.flush_recordset()
        cls.env.cr.execute(
            "UPDATE crm_lead SET create_date = %s WHERE id IN %s",
            (datetime.datetime(2027, 3, 3, 10), tuple(leads.ids)),
        )
        leads.invalidate_recordset()

    def _wizard(self, user):
        form = Form(self.env["crm.closed.loop.scorecard.wizard"].with_user(user))
        form.date_from = datetime.date(2027, 3, 1)
        form.date_to = datetime.date(2027, 3, 31)
        form.team_id = self.team
        return form.save()

    def test_html_report_renders_figures_and_svg_charts(self):
        wizard = self._wizard(self.manager)
        action = wizard.action_view_html()
        self.assertEqual(action["report_type"], "qweb-html")
        html, kind = (
            self.env["ir.actions.report"]
            .with_user(self.manager)
            ._render_qweb_html(
                "crm_closed_loop.report_scorecard", wizard.ids, data=action["data"]
            )
        )
        self.assertEqual(kind, "html")
        html = html.decode()
        self.assertIn("Marketing and Sales Scorecard", html)
        self.assertIn("<svg", html)
        self.assertIn("Bridal fair", html)
        self.assertIn("Date taken", html)
        # 1 won of 4 leads; previous period (February) is printed beside.
        self.assertIn("25.0 %", html)
        self.assertIn("2027-02-01", html)
        # No spend in the period: CAC prints as a dash, not as zero.
        self.assertRegex(html, r'o_scorecard_cac">-<')

    def test_pdf_report_renders_once(self):
        wizard = self._wizard(self.manager)
        action = wizard.action_print_pdf()
        self.assertEqual(action["report_type"], "qweb-pdf")
        # Odoo answers HTML instead of PDF in tests unless told to render.
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_user(self.manager)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "crm_closed_loop.report_scorecard", wizard.ids, data=action["data"]
            )
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_wizard_rejects_inverted_period(self):
        form = Form(
            self.env["crm.closed.loop.scorecard.wizard"].with_user(self.manager)
        )
        form.date_from = datetime.date(2027, 3, 31)
        form.date_to = datetime.date(2027, 3, 1)
        with self.assertRaises(Exception):  # noqa: B017 - ValidationError on save
            form.save()
