from odoo.tests import new_test_user, tagged

from .assignment_common import AssignmentCommon


@tagged("post_install", "-at_install")
class TestAssignmentTeamFields(AssignmentCommon):
    """What Odoo derives from a lead's team (the team itself from the
    salesperson, then the stage and the predictive probability) after an
    assignment: a lead that stays in its team keeps them as they were, a lead
    that moves gets them again for its new team."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.spa = cls.env["crm.team"].create(
            {"name": "Spa", "company_id": cls.company.id, "use_leads": True}
        )
        cls.wedding_stage, cls.spa_stage = cls.env["crm.stage"].create(
            [
                {"name": "Venue visit", "sequence": 0, "team_ids": cls.team.ids},
                {"name": "Treatment booked", "sequence": 0, "team_ids": cls.spa.ids},
            ]
        )

    def _lead_left_for_the_sweeper(self, name):
        return (
            self.env["crm.lead"]
            .with_context(closed_loop_no_assign=True)
            .create({"name": name, "user_id": False, "team_id": self.team.id})
        )

    def test_lead_staying_in_its_team_keeps_what_derives_from_it(self):
        self._rule(method="round_robin")
        assigned = self._lead(team_id=self.team.id, email_from="mia@example.com")
        # The same lead given its salesperson by hand: stock Odoo's own result.
        by_hand = self._lead(
            team_id=self.team.id, email_from="mia@example.com", user_id=self.anna.id
        )
        self.assertEqual(assigned.user_id, self.anna)
        self.assertEqual(assigned.stage_id, self.wedding_stage)
        self.assertFalse(by_hand.assignment_rule_id)
        for field in ("team_id", "stage_id", "probability", "automated_probability"):
            self.assertEqual(assigned[field], by_hand[field], field)

    def test_pool_member_of_another_team_leaves_the_lead_in_the_rule_team(self):
        """Odoo would move the lead to the salesperson's own team; the rule's
        team decides."""
        therapist = new_test_user(
            self.env, "cl_therapist", groups="sales_team.group_sale_salesman"
        )
        self.env["crm.team.member"].create(
            {"crm_team_id": self.spa.id, "user_id": therapist.id}
        )
        self._rule(user_ids=[(6, 0, therapist.ids)])
        lead = self._lead(team_id=self.team.id)
        self.assertEqual(lead.user_id, therapist)
        self.assertEqual(lead.team_id, self.team)
        self.assertEqual(lead.stage_id, self.wedding_stage)

    def test_lead_moving_to_the_rule_team_gets_a_stage_of_that_team(self):
        self._rule(
            team_id=self.spa.id,
            user_ids=[(6, 0, self.ben.ids)],
            lead_domain=repr([("email_from", "ilike", "@spa-guest.example")]),
        )
        lead = self.env["crm.lead"].create(
            {
                "name": "Massage for two",
                "user_id": False,
                "team_id": self.team.id,
                "email_from": "lu@spa-guest.example",
            }
        )
        self.assertEqual((lead.user_id, lead.team_id), (self.ben, self.spa))
        self.assertEqual(lead.stage_id, self.spa_stage)
        self.assertEqual(lead.probability, lead.automated_probability)

    def test_sweeper_leaves_the_probability_of_a_lead_staying_in_its_team(self):
        lead = self._lead_left_for_the_sweeper("Left unowned")
        created_with = lead.automated_probability
        Stage = self.env["crm.stage"]
        self.env["crm.lead.scoring.frequency"].create(
            [
                {
                    "variable": "stage_id",
                    "value": str(stage.id),
                    "won_count": won,
                    "lost_count": lost,
                    "team_id": self.team.id,
                }
                # Odoo reads the team's totals on the first stage of all teams.
                for stage, won, lost in (
                    (Stage.search([("team_ids", "=", False)], limit=1), 30, 20),
                    (self.wedding_stage, 25, 5),
                )
            ]
        )
        recomputed = lead._pls_get_naive_bayes_probabilities()[0][lead.id]
        self.assertNotEqual(recomputed, created_with, "the scores changed since")
        self._rule()
        lead._closed_loop_assign()
        self.assertIn(lead.user_id, self.anna | self.ben)
        self.assertEqual(lead.automated_probability, created_with)
        self.assertEqual(lead.stage_id, self.wedding_stage)

    def test_lead_without_a_stage_gets_one_of_its_team(self):
        lead = self._lead_left_for_the_sweeper("No stage")
        lead.stage_id = False
        self._rule()
        lead._closed_loop_assign()
        self.assertIn(lead.user_id, self.anna | self.ben)
        self.assertEqual(lead.stage_id, self.wedding_stage)

    def test_first_contact_activity_names_its_lead(self):
        self._rule()
        lead = self._lead(name="Garden wedding for 120")
        self.assertEqual(lead.activity_ids.res_name, "Garden wedding for 120")
