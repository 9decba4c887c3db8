from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSetupChecklist(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.manager = new_test_user(
            cls.env,
            "cl_checklist_manager",
            # the manager who also tags marketing costs
            groups="sales_team.group_sale_manager,analytic.group_analytic_accounting",
        )
        cls.anna = new_test_user(
            cls.env, "cl_checklist_anna", groups="sales_team.group_sale_salesman"
        )
        cls.empty_team = cls.env["crm.team"].create({"name": "Conference desk"})
        cls.staffed_team = cls.env["crm.team"].create(
            {
                "name": "Weddings",
                "crm_team_member_ids": [Command.create({"user_id": cls.anna.id})],
            }
        )
        cls.campaign = cls.env["utm.campaign"].create({"name": "Bridal fair 2026"})
        cls.env["crm.lead"].create(
            {"name": "Fair visitor", "campaign_id": cls.campaign.id}
        )

    def _checklist(self):
        action = (
            self.env["crm.closed.loop.setup"]
            .with_user(self.manager)
            .action_open_checklist()
        )
        self.assertEqual(action["res_model"], "crm.closed.loop.setup")
        return (
            self.env["crm.closed.loop.setup"]
            .with_user(self.manager)
            .browse(action["res_id"])
        )

    def _line(self, setup, fix, record):
        line = setup.line_ids.filtered(
            lambda line: (
                line.fix == fix
                and line.res_model == record._name
                and line.res_id == record.id
            )
        )
        self.assertEqual(len(line), 1, f"one {fix} item for {record.display_name}")
        return line

    def test_missing_items_are_listed_and_open_where_they_are_fixed(self):
        setup = self._checklist()
        members = self._line(setup, "team_members", self.empty_team)
        self.assertEqual(members.state, "missing")
        self.assertEqual(
            self._line(setup, "team_members", self.staffed_team).state, "ok"
        )
        for fix in ("team_rule", "team_policy", "team_form"):
            self.assertEqual(self._line(setup, fix, self.staffed_team).state, "missing")
        self.assertGreater(setup.missing_count, 4)

        action = members.action_fix()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("crm.team", self.empty_team.id)
        )
        action = self._line(setup, "team_rule", self.staffed_team).action_fix()
        self.assertEqual(action["res_model"], "crm.assignment.rule")
        self.assertEqual(action["domain"], [("team_id", "=", self.staffed_team.id)])
        self.assertEqual(action["context"]["default_team_id"], self.staffed_team.id)

        campaign = self._line(setup, "campaign_account", self.campaign)
        self.assertEqual(campaign.state, "missing")
        action = campaign.action_fix()
        account = self.env["account.analytic.account"].browse(action["res_id"])
        self.assertEqual(account.utm_campaign_id, self.campaign)
        self.assertTrue(account.is_marketing)
        # With its account but nothing spent yet, the campaign is still missing spend.
        setup.action_refresh()
        spend = self._line(setup, "campaign_spend", self.campaign)
        self.assertEqual(spend.state, "missing")
        self.assertEqual(spend.action_fix()["res_id"], self.campaign.id)

    def test_completing_teams_turns_their_items_green(self):
        setup = self._checklist()
        setup.action_complete_teams()
        for fix in ("team_rule", "team_policy", "team_form"):
            self.assertEqual(self._line(setup, fix, self.staffed_team).state, "ok")
        # a team without members stays flagged: its rule has nobody to pick
        self.assertEqual(
            self._line(setup, "team_members", self.empty_team).state, "missing"
        )

    def test_company_items(self):
        self.company.crm_probability_source = "predictive"
        self.company.resource_calendar_id = False
        setup = self._checklist()
        probability = self._line(setup, "company_probability", self.company)
        schedule = self._line(setup, "company_calendar", self.company)
        self.assertEqual((probability.state, schedule.state), ("missing", "missing"))
        action = schedule.action_fix()
        self.assertEqual(action["target"], "new")
        self.assertEqual(
            action["views"][0][0],
            self.env.ref(
                "crm_closed_loop.res_company_view_form_closed_loop_schedule"
            ).id,
        )
        self.assertEqual(probability.action_fix()["res_model"], "res.config.settings")

        self.company.crm_probability_source = "stage"
        self.company.resource_calendar_id = self.env["resource.calendar"].create(
            {"name": "Front office", "company_id": self.company.id}
        )
        setup.action_refresh()
        self.assertEqual(
            self._line(setup, "company_probability", self.company).state, "ok"
        )
        self.assertEqual(
            self._line(setup, "company_calendar", self.company).state, "ok"
        )

    def test_salesperson_cannot_open_it(self):
        with self.assertRaises(AccessError):
            self.env["crm.closed.loop.setup"].with_user(
                self.anna
            ).action_open_checklist()
