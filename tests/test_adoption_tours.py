from odoo import Command
from odoo.tests import new_test_user, tagged

from .common_contact import make_calendar
from .tour_common import ScreenshotTourCase

PIPELINE = "/odoo/action-crm.crm_lead_action_pipeline"


@tagged("post_install", "-at_install")
class TestAdoptionTours(ScreenshotTourCase):
    """The daily flows, each in a real browser as the role that does it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = new_test_user(
            cls.env,
            login="cl_tour_sipho",
            name="Sipho Salesperson",
            groups="sales_team.group_sale_salesman",
            tz="UTC",
        )
        cls.manager = new_test_user(
            cls.env,
            login="cl_tour_manager",
            name="Marie Manager",
            groups="sales_team.group_sale_manager",
            tz="UTC",
        )
        # Every hour of every day, so the follow-up state of a lead created now
        # does not depend on when the test runs.
        cls.calendar = make_calendar(cls.env, "Always open", range(7), 0, 24)
        cls.env.company.resource_calendar_id = cls.calendar
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Tour Weddings",
                "use_leads": False,
                "crm_team_member_ids": [
                    Command.create({"user_id": cls.salesperson.id})
                ],
            }
        )

    def test_web_enquiry_arrives_assigned_in_the_pipeline(self):
        created = self.env["crm.team"]._closed_loop_first_run_setup(self.team)
        form = created["forms"]
        response = self.url_open(
            "/crm/intake",
            json={
                "form": form.key,
                "name": "Thandi Nkosi",
                "email": "thandi.tour@example.com",
                "message": "A garden ceremony for 120 guests, please.",
            },
        )
        self.assertEqual(response.status_code, 201, response.text)
        lead = self.env["crm.lead"].browse(response.json()["lead_id"])
        self.assertEqual(lead.user_id, self.salesperson)
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.assignment_rule_id, created["rules"])
        folder = self.start_tour_with_screenshots(
            PIPELINE, "crm_closed_loop_intake_assigned", login=self.salesperson.login
        )
        self.assertScreenshots(folder, ["01_pipeline", "02_lead"])

    def test_salesperson_logs_a_contact_from_the_card(self):
        self.env["crm.followup.policy"].create(
            {
                "name": "Within the hour",
                "team_id": self.team.id,
                "calendar_id": self.calendar.id,
                "first_response_hours": 1.0,
                "due_soon_hours": 0.0,
            }
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Garden wedding",
                "type": "opportunity",
                "team_id": self.team.id,
                "user_id": self.salesperson.id,
            }
        )
        self.assertEqual(lead.sla_state, "on_track")
        folder = self.start_tour_with_screenshots(
            PIPELINE, "crm_closed_loop_log_contact", login=self.salesperson.login
        )
        self.assertEqual(lead.sla_state, "met")
        self.assertEqual(lead.contact_count, 1)
        self.assertEqual(lead.contact_event_ids.user_id, self.salesperson)
        self.assertScreenshots(folder, ["01_due", "02_log_contact", "03_met"])

    def test_manager_moves_an_opportunity_and_the_weighted_total_follows(self):
        self.env.company.crm_probability_source = "stage"
        Lead = self.env["crm.lead"]
        proposition = self.env.ref("crm.stage_lead3")
        qualified = self.env.ref("crm.stage_lead2")
        values = {"type": "opportunity", "user_id": self.manager.id}
        Lead.create(
            {
                **values,
                "name": "Spa retreat",
                "stage_id": proposition.id,
                "expected_revenue": 5_000,
            }
        )
        moving = Lead.create(
            {
                **values,
                "name": "Hotel wedding move",
                "stage_id": qualified.id,
                "expected_revenue": 10_000,
            }
        )
        folder = self.start_tour_with_screenshots(
            PIPELINE, "crm_closed_loop_weighted_move", login=self.manager.login
        )
        self.assertEqual(moving.stage_id, proposition)
        self.assertEqual(moving.weighted_revenue, 6_000)
        self.assertScreenshots(folder, ["01_before", "02_after"])

    def test_manager_prints_the_scorecard(self):
        folder = self.start_tour_with_screenshots(
            "/odoo/action-crm_closed_loop.crm_closed_loop_scorecard_wizard_action",
            "crm_closed_loop_print_scorecard",
            login=self.manager.login,
        )
        self.assertScreenshots(folder, ["01_wizard", "02_scorecard"])
        # The print step itself: the report route answers the manager with the
        # scorecard (the PDF is the same template through wkhtmltopdf).
        wizard = (
            self.env["crm.closed.loop.scorecard.wizard"]
            .with_user(self.manager)
            .create({})
        )
        self.authenticate(self.manager.login, self.manager.login)
        response = self.url_open(
            f"/report/html/crm_closed_loop.report_scorecard/{wizard.id}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Marketing and Sales Scorecard", response.text)
