from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .access_common import AccessCase

DEPENDENT_MODELS = ("crm.contact.event", "crm.followup.alert")


@tagged("post_install", "-at_install")
class TestLeadScope(AccessCase):
    """Case 1: salesperson, team-queue and team-leader scopes on leads and on
    the records that hang off a lead."""

    def assert_reads(self, user, expected, model="crm.lead"):
        self.assertEqual(self.visible(user, model), expected, f"{user.login} {model}")

    def assert_refused(self, user, *leads):
        for lead in leads:
            with (
                self.subTest(user=user.login, lead=lead.name),
                self.assertRaises(AccessError),
            ):
                lead.with_user(user).read(["name"])

    def test_stock_scope_is_odoo_own_and_every_unassigned_lead(self):
        self.assertEqual(self.company_a.crm_lead_scope, "stock")
        self.assert_reads(self.s1, self.l1 | self.l3 | self.l4)
        # Under Odoo's rule a team leader has no more rights than a salesperson.
        self.assert_reads(self.leader, self.l3 | self.l4)
        self.assert_refused(self.s1, self.l2)

    def test_own_leads_only(self):
        self.set_scope("own")
        self.assert_reads(self.s1, self.l1)
        self.assert_reads(self.s2, self.l2)
        self.assert_refused(self.s1, self.l2, self.l3, self.l4)
        self.l1.with_user(self.s1).write({"description": "called back"})
        for model in (*DEPENDENT_MODELS, "crm.assignment.log"):
            self.assert_reads(self.s1, self.l1, model)

    def test_own_leads_plus_the_team_queue(self):
        self.set_scope("team_queue")
        self.assert_reads(self.s1, self.l1 | self.l3)
        self.assert_reads(self.s2, self.l2 | self.l3)
        self.assert_reads(self.s_other, self.l4)
        self.assert_refused(self.s1, self.l2, self.l4)
        # The queue can be worked: the salesperson takes L3.
        self.l3.with_user(self.s1).write({"user_id": self.s1.id})
        self.assertEqual(self.l3.user_id, self.s1)
        for model in DEPENDENT_MODELS:
            self.assert_reads(self.s1, self.l1 | self.l3, model)
        self.assert_reads(self.s1, self.l1, "crm.assignment.log")

    def test_team_leader_reads_and_writes_the_whole_team(self):
        for scope in ("own", "team_queue"):
            with self.subTest(scope=scope):
                self.set_scope(scope)
                self.assert_reads(self.leader, self.l1 | self.l2 | self.l3)
                self.assert_refused(self.leader, self.l4)
                self.l2.with_user(self.leader).write({"user_id": self.s1.id})
                self.l2.user_id = self.s2
                for model in DEPENDENT_MODELS:
                    self.assert_reads(self.leader, self.l1 | self.l2 | self.l3, model)
                self.assert_reads(self.leader, self.l1 | self.l2, "crm.assignment.log")
                report = (
                    self.env["crm.closed.loop.lead.report"]
                    .with_user(self.leader)
                    .search([("lead_id", "in", self.leads.ids)])
                )
                self.assertEqual(report.sudo().lead_id, self.l1 | self.l2 | self.l3)

    def test_nobody_of_the_team_reads_another_teams_queue(self):
        for scope in ("own", "team_queue"):
            self.set_scope(scope)
            for user in (self.s1, self.s2, self.leader):
                with self.subTest(scope=scope, user=user.login):
                    self.assertNotIn(self.l4, self.visible(user))
                    self.assert_refused(user, self.l4)
            # Broader rights still see it.
            self.assertIn(self.l4, self.visible(self.all_leads))
            self.assertIn(self.l4, self.visible(self.manager))

    def test_a_salesperson_adds_a_lead_for_themselves_in_every_scope(self):
        for scope in ("stock", "own", "team_queue"):
            with self.subTest(scope=scope):
                self.set_scope(scope)
                lead = (
                    self.env["crm.lead"]
                    .with_user(self.s1)
                    .create({"name": f"Walk-in {scope}", "team_id": self.team_t.id})
                )
                self.assertEqual(lead.user_id, self.s1)

    def test_the_records_of_an_archived_lead_stay_with_whoever_saw_them(self):
        archived = self.l1 | self.l3
        archived.active = False
        alerts = self.env["crm.followup.alert"].search(
            [("lead_id", "in", archived.ids)]
        )
        for scope, s1_sees in (
            ("stock", self.l1 | self.l3 | self.l4),
            ("own", self.l1),
            ("team_queue", self.l1 | self.l3),
        ):
            self.set_scope(scope)
            with self.subTest(scope=scope):
                for model in ("crm.lead", *DEPENDENT_MODELS):
                    self.assert_reads(self.s1, s1_sees, model)
                self.assert_reads(self.s1, self.l1, "crm.assignment.log")
                # Opening records checks the rule on them, not through a search.
                mine = alerts.filtered_domain([("lead_id", "in", s1_sees.ids)])
                self.assertEqual(mine.lead_id, archived & s1_sees)
                mine.with_user(self.s1).read(["deadline"])
                if scope != "stock":
                    with self.assertRaises(AccessError):
                        alerts.with_user(self.s2).read(["deadline"])
                    self.assert_reads(
                        self.leader, self.l1 | self.l2 | self.l3, "crm.contact.event"
                    )


@tagged("post_install", "-at_install")
class TestSalespersonLimits(AccessCase):
    """Case 2: no money of campaigns, no colleague's scorecard line or log."""

    def test_salesperson_cannot_read_campaign_or_source_money(self):
        for record in (self.campaign, self.source):
            for field in (
                "marketing_spend",
                "marketing_budget",
                "acquisition_cac",
                "acquisition_revenue",
                "acquisition_return_on_spend",
            ):
                with (
                    self.subTest(model=record._name, field=field),
                    self.assertRaises(AccessError),
                ):
                    record.with_user(self.s1).read([field])
            arch = record.with_user(self.s1).get_views([(False, "form")])["views"][
                "form"
            ]["arch"]
            self.assertNotIn('name="marketing_spend"', arch)
            self.assertNotIn('name="acquisition_cac"', arch)
            self.assertIn('name="acquisition_customer_count"', arch)
            # The form the web client loads opens without an access error.
            self.assertEqual(
                Form(record.with_user(self.s1)).acquisition_customer_count, 0
            )
            for user in (self.manager, self.marketer, self.accountant):
                with self.subTest(model=record._name, user=user.login):
                    values = record.with_user(user).read(["marketing_spend"])[0]
                    self.assertEqual(values["marketing_spend"], 0.0)

    def test_salesperson_sees_only_their_own_scorecard_line(self):
        Report = self.env["crm.closed.loop.lead.report"]
        for scope in ("stock", "own", "team_queue"):
            self.set_scope(scope)
            with self.subTest(scope=scope):
                rows = Report.with_user(self.s1).search(
                    [("lead_id", "in", self.leads.ids)]
                )
                self.assertEqual(rows.sudo().user_id, self.s1)
                per_user = Report.with_user(self.s1)._read_group(
                    [("lead_id", "in", self.leads.ids)], ["user_id"], ["__count"]
                )
                self.assertEqual([user for user, _count in per_user], [self.s1])

    def test_salesperson_reads_only_the_log_of_leads_they_may_read(self):
        for scope in ("stock", "own", "team_queue"):
            self.set_scope(scope)
            with self.subTest(scope=scope):
                logs = (
                    self.env["crm.assignment.log"]
                    .with_user(self.s1)
                    .search([("lead_id", "in", self.leads.ids)])
                )
                self.assertEqual(logs.sudo().lead_id, self.l1)
                other = self.env["crm.assignment.log"].search(
                    [("lead_id", "=", self.l2.id)]
                )
                with self.assertRaises(AccessError):
                    other.with_user(self.s1).read(["reason"])
        self.assertEqual(
            self.visible(self.manager, "crm.assignment.log"), self.l1 | self.l2
        )


@tagged("post_install", "-at_install")
class TestCompanyIsolation(AccessCase):
    """Case 3 (part): a user of company A and a lead of company B with the same
    phone. The intake side is in test_intake_adversarial."""

    def test_user_of_company_a_opens_a_lead_whose_phone_exists_in_company_b(self):
        company_b = self.env["res.company"].create({"name": "Venue B"})
        phone = "+27 82 555 0199"
        self.l1.phone = phone
        lead_b = (
            self.env["crm.lead"]
            .with_context(closed_loop_no_assign=True)
            .create({"name": "B enquiry", "phone": phone, "company_id": company_b.id})
        )
        # Odoo itself flags the duplicate across companies, for a user of both.
        both = new_test_user(
            self.env,
            "acc_both",
            groups="sales_team.group_sale_salesman_all_leads",
            company_id=self.company_a.id,
            company_ids=(self.company_a | company_b).ids,
        )
        self.assertIn(lead_b, self.l1.with_user(both).duplicate_lead_ids)
        lead = self.l1.with_user(self.s1)
        self.assertEqual(lead.duplicate_lead_count, 0)
        self.assertNotIn(lead_b, lead.duplicate_lead_ids)
        form = Form(lead)
        self.assertEqual(form.phone, phone)
        with self.assertRaises(AccessError):
            lead_b.with_user(self.s1).read(["name"])
