from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestWeightedPipelineUi(HttpCase):
    def test_kanban_columns_total_expected_and_weighted_revenue(self):
        self.env.company.crm_probability_source = "stage"
        salesman = new_test_user(
            self.env,
            login="cl_tour_salesman",
            groups="sales_team.group_sale_salesman",
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Hotel wedding",
                "type": "opportunity",
                "user_id": salesman.id,
                "stage_id": self.env.ref("crm.stage_lead3").id,
                "expected_revenue": 10_000.0,
            }
        )
        self.assertEqual(lead.weighted_revenue, 6_000)
        self.start_tour(
            "/odoo/action-crm.crm_lead_action_pipeline",
            "crm_closed_loop_weighted_pipeline",
            login="cl_tour_salesman",
        )
