from datetime import datetime, timedelta

from odoo.exceptions import ValidationError
from odoo.tests import Form, freeze_time, new_test_user, tagged

from .assignment_common import AssignmentCommon


@tagged("post_install", "-at_install")
class TestAssignmentRules(AssignmentCommon):
    def test_sweeper_assigns_leads_of_any_age(self):
        """Case 1: five unassigned leads created ten days ago."""
        with freeze_time(datetime.now() - timedelta(days=10)):
            # no rule yet: the company does not use the rules, leads stay unowned
            leads = self.env["crm.lead"].create(
                [{"name": f"Old enquiry {i}", "user_id": False} for i in range(5)]
            )
        self.assertFalse(leads.user_id)
        self.assertFalse(leads.assignment_rule_id)
        rule = self._rule()
        looked_at, logs = self.env["crm.lead"]._closed_loop_sweep()
        self.assertTrue(leads <= looked_at)
        self.assertEqual(logs.lead_id, leads)
        self.assertTrue(all(lead.user_id in self.anna | self.ben for lead in leads))
        self.assertEqual(leads.assignment_rule_id, rule)
        self.assertEqual(len(leads.filtered(lambda lead: lead.user_id == self.anna)), 3)
        # idempotent: a second run finds nothing left to do
        _looked_at, logs_again = self.env["crm.lead"]._closed_loop_sweep()
        self.assertFalse(logs_again)
        self.assertEqual(
            self.env["crm.assignment.log"].search_count([("lead_id", "in", leads.ids)]),
            5,
        )

    def test_capacity_fourteen_takes_three_leads_at_once(self):
        """Case 2: one member with capacity 14, three new leads."""
        self.team.crm_team_member_ids.filtered(
            lambda member: member.user_id == self.ben
        ).unlink()
        self.team.crm_team_member_ids.assignment_max = 14
        self._rule(method="capacity", user_ids=[(5, 0, 0)])
        leads = (
            self.env["crm.lead"]
            .with_user(self.manager)
            .create([{"name": f"Enquiry {i}", "user_id": False} for i in range(3)])
        )
        self.assertEqual(leads.mapped("user_id"), self.anna)
        self.assertEqual(len(leads.filtered("user_id")), 3)
        self.assertEqual(leads.team_id, self.team)

    def test_capacity_full_member_goes_to_fallback(self):
        self.team.crm_team_member_ids.assignment_max = 1
        self.team.assignment_fallback_user_id = self.manager
        self._rule(method="capacity")
        leads = self.env["crm.lead"].create(
            [{"name": f"Enquiry {i}", "user_id": False} for i in range(3)]
        )
        self.assertEqual(leads.mapped("user_id"), self.anna | self.ben | self.manager)
        log = self.env["crm.assignment.log"].search([("lead_id", "=", leads[2].id)])
        self.assertEqual(log.method, "fallback")
        self.assertFalse(log.rule_id)

    def test_round_robin_thirty_leads_one_by_one(self):
        """Case 3: two equal members, 30 leads one by one: 15 and 15."""
        rule = self._rule(method="round_robin")
        counts = {self.anna: 0, self.ben: 0}
        for index in range(30):
            lead = self._lead(name=f"Enquiry {index}")
            counts[lead.user_id] += 1
            self.assertLessEqual(abs(counts[self.anna] - counts[self.ben]), 1)
        self.assertEqual(counts, {self.anna: 15, self.ben: 15})
        self.assertEqual(rule.log_count, 30)

    def test_fewest_open_leads(self):
        self._lead(user_id=self.anna.id, name="Anna's")
        self._lead(user_id=self.anna.id, name="Anna's too")
        self._rule(method="fewest_open")
        # ben (0 open) takes two, then anna ties with ben at 2 and comes first
        leads = self.env["crm.lead"].create(
            [{"name": f"Enquiry {i}", "user_id": False} for i in range(4)]
        )
        self.assertEqual(
            [lead.user_id.login for lead in leads],
            ["cl_ben", "cl_ben", "cl_anna", "cl_ben"],
        )

    def test_company_b_uses_only_its_rules_and_users(self):
        """Case 4: a lead of company B meets only company B's rules and users."""
        company_b = self.env["res.company"].create({"name": "Hotel B"})
        user_b = new_test_user(
            self.env,
            "cl_user_b",
            groups="sales_team.group_sale_salesman",
            company_id=company_b.id,
            company_ids=[(6, 0, company_b.ids)],
        )
        team_b = self.env["crm.team"].create(
            {"name": "Spa B", "company_id": company_b.id}
        )
        self._rule(name="Company A catches all", sequence=1)
        rule_b = self.env["crm.assignment.rule"].create(
            {
                "name": "Company B",
                "sequence": 5,
                "company_id": company_b.id,
                "team_id": team_b.id,
                # anna is not allowed in company B and must be skipped
                "user_ids": [(6, 0, (self.anna | user_b).ids)],
                "assign_outside_hours": True,
            }
        )
        leads = self.env["crm.lead"].create(
            [
                {"name": f"B {i}", "user_id": False, "company_id": company_b.id}
                for i in range(4)
            ]
        )
        self.assertEqual(leads.user_id, user_b)
        self.assertEqual(leads.assignment_rule_id, rule_b)
        self.assertEqual(leads.team_id, team_b)
        logs = self.env["crm.assignment.log"].search([("lead_id", "in", leads.ids)])
        self.assertEqual(logs.company_id, company_b)
        # company A's salesperson does not see company B's log
        self.assertFalse(
            self.env["crm.assignment.log"]
            .with_user(self.anna)
            .search([("lead_id", "in", leads.ids)])
        )

    def test_domain_routes_and_rules_in_sequence(self):
        spa = self.env["crm.team"].create(
            {"name": "Spa", "company_id": self.company.id}
        )
        source = self.env["utm.source"].create({"name": "Spa form"})
        self._rule(name="Weddings", sequence=20, user_ids=[(6, 0, self.anna.ids)])
        self._rule(
            name="Spa",
            sequence=10,
            team_id=spa.id,
            lead_domain=f"[('source_id', '=', {source.id})]",
            user_ids=[(6, 0, self.ben.ids)],
        )
        spa_lead = self._lead(source_id=source.id)
        other = self._lead(expected_revenue=50000)
        self.assertEqual((spa_lead.user_id, spa_lead.team_id), (self.ben, spa))
        self.assertEqual((other.user_id, other.team_id), (self.anna, self.team))

    def test_assignment_is_logged_noted_and_followed_up(self):
        rule = self._rule(method="round_robin")
        lead = self._lead()
        self.assertEqual(lead.user_id, self.anna)
        log = (
            self.env["crm.assignment.log"]
            .with_user(self.anna)
            .search([("lead_id", "=", lead.id)])
        )
        self.assertEqual(
            (log.rule_id, log.method, log.user_id, log.team_id, log.company_id),
            (rule, "round_robin", self.anna, self.team, self.company),
        )
        self.assertIn("rotation", log.reason)
        activity = lead.activity_ids
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("crm_closed_loop.mail_activity_type_first_contact"),
        )
        self.assertEqual(activity.user_id, self.anna)
        note = lead.message_ids.filtered(lambda m: "Round robin" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertIn("Weddings", note.body)
        notice = self.env["mail.message"].search(
            [
                ("model", "=", "crm.lead"),
                ("res_id", "=", lead.id),
                ("partner_ids", "in", self.anna.partner_id.ids),
            ]
        )
        self.assertTrue(notice, "the assignee is notified")

    def test_salesperson_kept_and_share_users_never_assigned(self):
        portal = new_test_user(self.env, "cl_portal", groups="base.group_portal")
        self._rule(user_ids=[(6, 0, (portal | self.ben).ids)])
        kept = self._lead(user_id=self.anna.id)
        self.assertEqual(kept.user_id, self.anna)
        self.assertFalse(kept.assignment_rule_id)
        leads = self.env["crm.lead"].create(
            [{"name": f"Enquiry {i}", "user_id": False} for i in range(3)]
        )
        self.assertEqual(leads.user_id, self.ben)

    def test_import_without_salesperson_uses_the_rules(self):
        self._rule()
        lead = (
            self.env["crm.lead"]
            .with_user(self.manager)
            .with_context(import_file=True)
            .create({"name": "Imported"})
        )
        self.assertIn(lead.user_id, self.anna | self.ben)

    def test_manual_creation_without_salesperson_uses_the_rules(self):
        self._rule()
        clerk = new_test_user(
            self.env,
            "cl_clerk",
            groups="sales_team.group_sale_salesman_all_leads",
        )
        with Form(self.env["crm.lead"].with_user(clerk)) as form:
            form.name = "Walk-in at reception"
            self.assertEqual(form.user_id, clerk)
            form.user_id = self.env["res.users"]
        lead = form.record
        self.assertIn(lead.user_id, self.anna | self.ben)
        self.assertEqual(lead.team_id, self.team)

    def test_invalid_domain_is_refused_with_a_message(self):
        with self.assertRaisesRegex(ValidationError, "not valid"):
            self._rule(lead_domain="[('no_such_field', '=', 1)]")

    def test_company_without_rules_keeps_stock_behaviour(self):
        lead = self.env["crm.lead"].with_user(self.manager).create({"name": "Manual"})
        self.assertEqual(lead.user_id, self.manager)
        unowned = self._lead()
        self.assertFalse(unowned.user_id)
        self.assertFalse(self.env["crm.assignment.log"].search([]))


@tagged("post_install", "-at_install")
class TestAssignmentWorkingHours(AssignmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Mon-Fri 8:00-12:00 and 13:00-17:00, in UTC to keep the clock simple
        cls.calendar = cls.env["resource.calendar"].create(
            {"name": "Hotel office", "tz": "UTC", "company_id": cls.company.id}
        )
        cls.resources = cls.env["resource.resource"].create(
            [
                {
                    "name": user.name,
                    "user_id": user.id,
                    "calendar_id": cls.calendar.id,
                    "company_id": cls.company.id,
                    "tz": "UTC",
                }
                for user in (cls.anna, cls.ben)
            ]
        )
        cls.team.assignment_fallback_user_id = cls.manager

    def test_member_on_time_off_is_skipped(self):
        self._rule(assign_outside_hours=False)
        anna_resource = self.resources.filtered(lambda r: r.user_id == self.anna)
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Anna's day off",
                "calendar_id": self.calendar.id,
                "resource_id": anna_resource.id,
                "date_from": datetime(2026, 3, 2, 0, 0),
                "date_to": datetime(2026, 3, 2, 23, 59),
            }
        )
        with freeze_time(datetime(2026, 3, 2, 10, 0)):  # a Monday
            leads = self.env["crm.lead"].create(
                [{"name": f"Enquiry {i}", "user_id": False} for i in range(3)]
            )
        self.assertEqual(leads.user_id, self.ben)

    def test_nobody_on_duty_goes_to_fallback_unless_told_otherwise(self):
        rule = self._rule(assign_outside_hours=False)
        with freeze_time(datetime(2026, 3, 2, 20, 0)):  # Monday evening
            night = self._lead()
        self.assertEqual(night.user_id, self.manager)
        log = night.env["crm.assignment.log"].search([("lead_id", "=", night.id)])
        self.assertEqual(log.method, "fallback")
        with freeze_time(datetime(2026, 3, 2, 12, 30)):  # lunch break
            lunch = self._lead()
        self.assertEqual(lunch.user_id, self.manager)
        with freeze_time(datetime(2026, 3, 3, 9, 0)):  # Tuesday morning
            morning = self._lead()
        self.assertEqual(morning.user_id, self.anna)
        rule.assign_outside_hours = True
        with freeze_time(datetime(2026, 3, 7, 22, 0)):  # Saturday night
            weekend = self._lead()
        self.assertEqual(weekend.user_id, self.ben)
        self.assertIn(
            "working hours ignored",
            weekend.env["crm.assignment.log"]
            .search([("lead_id", "=", weekend.id)])
            .reason,
        )
