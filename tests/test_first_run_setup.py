from odoo import Command
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFirstRunSetup(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.calendar = cls.env["resource.calendar"].create(
            {"name": "Hotel office", "tz": "UTC", "company_id": cls.company.id}
        )
        cls.company.resource_calendar_id = cls.calendar
        cls.manager = new_test_user(
            cls.env, "cl_setup_manager", groups="sales_team.group_sale_manager"
        )
        cls.anna = new_test_user(
            cls.env, "cl_setup_anna", groups="sales_team.group_sale_salesman"
        )
        cls.ben = new_test_user(
            cls.env, "cl_setup_ben", groups="sales_team.group_sale_salesman"
        )
        cls.weddings, cls.spa = cls.env["crm.team"].create(
            [
                {
                    "name": "Weddings & Events",
                    "crm_team_member_ids": [
                        Command.create({"user_id": cls.anna.id}),
                        Command.create({"user_id": cls.ben.id}),
                    ],
                },
                {
                    "name": "Spa",
                    "crm_team_member_ids": [Command.create({"user_id": cls.ben.id})],
                },
            ]
        )
        cls.teams = cls.weddings | cls.spa

    def _setup(self):
        return self.env["crm.team"]._closed_loop_first_run_setup(self.teams)

    def test_each_team_gets_rule_policy_and_form_once(self):
        created = self._setup()
        self.assertEqual(created["rules"].team_id, self.teams)
        self.assertEqual(len(created["rules"]), 2)
        rule = created["rules"].filtered(lambda r: r.team_id == self.weddings)
        self.assertEqual(rule.method, "round_robin")
        self.assertEqual(rule.sequence, 100, "after the rules managers write")
        self.assertFalse(rule.user_ids, "the pool is the team's members")
        self.assertEqual(rule._get_pool(), self.anna | self.ben)
        self.assertEqual(rule.lead_domain, repr([("team_id", "=", self.weddings.id)]))

        self.assertEqual(len(created["policies"]), 2)
        policy = created["policies"].filtered(lambda p: p.team_id == self.weddings)
        self.assertEqual(policy.first_response_hours, 1.0)
        self.assertEqual(policy.calendar_id, self.calendar)
        self.assertFalse(policy.stage_id)

        self.assertEqual(len(created["forms"]), 2)
        form = created["forms"].filtered(lambda f: f.team_id == self.weddings)
        self.assertEqual(form.key, f"weddings-events-{self.weddings.id}")
        self.assertEqual(form.company_id, self.company)

        # idempotent: a second run creates nothing and changes nothing
        again = self._setup()
        self.assertFalse(any(again.values()))
        for model in ("crm.assignment.rule", "crm.followup.policy", "crm.intake.form"):
            self.assertEqual(
                self.env[model].search_count([("team_id", "in", self.teams.ids)]), 2
            )

    def test_teams_with_their_own_setup_are_left_alone(self):
        own_rule = self.env["crm.assignment.rule"].create(
            {"name": "Spa by capacity", "team_id": self.spa.id, "method": "capacity"}
        )
        own_policy = self.env["crm.followup.policy"].create(
            {
                "name": "Spa in 4 hours",
                "team_id": self.spa.id,
                "first_response_hours": 4,
            }
        )
        own_form = self.env["crm.intake.form"].create(
            {"name": "Spa booking", "key": "spa-booking", "team_id": self.spa.id}
        )
        own_form.action_archive()
        created = self._setup()
        self.assertEqual(created["rules"].team_id, self.weddings)
        self.assertEqual(created["policies"].team_id, self.weddings)
        self.assertEqual(created["forms"].team_id, self.weddings)
        self.assertEqual(self.spa.assignment_rule_ids, own_rule)
        self.assertEqual(self.spa.followup_policy_ids, own_policy)

    def test_rules_assign_only_their_own_team(self):
        self._setup()
        Lead = self.env["crm.lead"].with_user(self.manager)
        first, second = Lead.create(
            [
                {"name": f"Wedding enquiry {i}", "user_id": False, "team_id": t.id}
                for i, t in enumerate([self.weddings, self.weddings])
            ]
        )
        self.assertEqual(first.user_id | second.user_id, self.anna | self.ben)
        self.assertTrue(first.sla_deadline, "the team's policy sets a deadline")
        # A team created after the first run keeps Odoo's own behaviour.
        later = self.env["crm.team"].create(
            {
                "name": "Restaurant",
                "crm_team_member_ids": [Command.create({"user_id": self.anna.id})],
            }
        )
        unowned = Lead.create(
            [
                {"name": "Table for ten", "user_id": False, "team_id": later.id},
                {"name": "No team", "user_id": False, "team_id": False},
            ]
        )
        self.assertFalse(unowned.user_id)
        self.assertFalse(unowned.assignment_rule_id)
        self.assertFalse(unowned.filtered("sla_deadline"))

    def test_company_without_schedule_gets_no_policy(self):
        self.company.resource_calendar_id = False
        created = self._setup()
        self.assertFalse(created["policies"])
        self.assertEqual(len(created["rules"]), 2)
        self.assertEqual(len(created["forms"]), 2)

    def test_install_set_up_the_existing_teams(self):
        """post_init_hook ran on the database's own team when the addon installed."""
        team = self.env.ref("sales_team.team_sales_department")
        self.assertEqual(len(team.assignment_rule_ids), 1)
        self.assertEqual(
            team.assignment_rule_ids.lead_domain, repr([("team_id", "=", team.id)])
        )
        self.assertEqual(len(team.followup_policy_ids), 1)
        self.assertEqual(
            self.env["crm.intake.form"].search_count([("team_id", "=", team.id)]), 1
        )
