from odoo.tests import new_test_user, tagged

from odoo.addons.mail.tests.common import MailCommon


@tagged("post_install", "-at_install")
class TestAssignmentCreationMessage(MailCommon):
    """A lead assigned alone at creation has one chatter entry, its assignment
    note, which also does what Odoo's creation message does; nothing internal
    reaches an outsider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_portal_user()
        cls.anna = new_test_user(
            cls.env, "cl_anna", groups="sales_team.group_sale_salesman"
        )
        cls.cleo = new_test_user(
            cls.env, "cl_cleo", groups="sales_team.group_sale_salesman"
        )
        cls.team = cls.env["crm.team"].create(
            {"name": "Weddings and events", "company_id": cls.env.company.id}
        )
        cls.env["crm.team.member"].create(
            {"crm_team_id": cls.team.id, "user_id": cls.anna.id}
        )
        cls.rule = cls.env["crm.assignment.rule"].create(
            {
                "name": "Secret weddings rule",
                "team_id": cls.team.id,
                "user_ids": [(6, 0, cls.anna.ids)],
                "assign_outside_hours": True,
            }
        )
        cls.creation_subtype = cls.env.ref("crm.mt_lead_create")
        cls.team_new_leads = cls.env.ref("crm.mt_salesteam_lead")

    def _create(self, user=None, **values):
        return (
            self.env["crm.lead"]
            .with_user(user or self.env.user)
            .create({"name": "Garden wedding", "team_id": self.team.id, **values})
        )

    def _follow_team(self, partner):
        """``partner`` follows the team's new leads, as Odoo lets anyone do."""
        self.team.message_subscribe(
            partner_ids=partner.ids, subtype_ids=self.team_new_leads.ids
        )

    # ------------------------------------------------------------
    # One entry, doing what the creation message did
    # ------------------------------------------------------------

    def test_assigned_alone_one_message_notifying_assignee_and_followers(self):
        self._follow_team(self.cleo.partner_id)
        lead = self._create(user_id=False)
        self.assertEqual(lead.user_id, self.anna)
        message = lead.message_ids
        self.assertEqual(len(message), 1, "one chatter entry, not two")
        self.assertEqual(message.subtype_id, self.creation_subtype)
        self.assertTrue(message.is_internal)
        self.assertIn("A new lead has been created", message.body)
        self.assertIn("Assigned to", message.body)
        self.assertIn("Rule: Secret weddings rule", message.body)
        self.assertEqual(message.author_id, self.env.user.partner_id)
        self.assertEqual(
            message.notified_partner_ids, self.anna.partner_id | self.cleo.partner_id
        )
        self.assertFalse(lead.env.context.get("mail_create_nolog"))

    def test_team_follower_is_not_told_the_lead_is_theirs(self):
        self._follow_team(self.cleo.partner_id)
        lead = self._create(user_id=False)
        self.assertEqual(lead.user_id, self.anna)
        told = lead.message_ids.filtered(
            lambda message: self.cleo.partner_id in message.notified_partner_ids
        )
        self.assertTrue(told, "Odoo tells the team's follower of the new lead")
        for message in told:
            self.assertNotIn("assigned to you", (message.subject or "").lower())
            self.assertNotIn("assigned to you", message.body.lower())
            self.assertIn("Assigned to cl_anna", message.body)

    def test_not_assigned_keeps_odoo_creation_message(self):
        self._follow_team(self.cleo.partner_id)
        # Nobody the rule may pick, no fallback owner: the lead stays unowned.
        portal = new_test_user(self.env, "cl_portal", groups="base.group_portal")
        self.rule.user_ids = portal
        lead = self._create(user_id=False)
        self.assertFalse(lead.user_id)
        message = lead.message_ids
        self.assertEqual(len(message), 1)
        self.assertEqual(message.subtype_id, self.creation_subtype)
        self.assertNotIn("Assigned to", message.body)
        self.assertIn(self.cleo.partner_id, message.notified_partner_ids)

    def test_owner_by_default_keeps_odoo_creation_message(self):
        lead = self._create(self.anna)
        self.assertEqual(lead.user_id, self.anna)
        self.assertFalse(lead.assignment_rule_id)
        creation = lead.message_ids.filtered(
            lambda message: message.subtype_id == self.creation_subtype
        )
        self.assertEqual(len(creation), 1)
        self.assertNotIn("Assigned to", creation.body)

    def test_batch_create_keeps_creation_message_and_notes(self):
        leads = self.env["crm.lead"].create(
            [
                {"name": f"Wedding {index}", "team_id": self.team.id, "user_id": False}
                for index in range(2)
            ]
        )
        self.assertEqual(leads.user_id, self.anna)
        for lead in leads:
            subtypes = lead.message_ids.subtype_id
            self.assertIn(self.creation_subtype, subtypes)
            self.assertIn(self.env.ref("mail.mt_note"), subtypes)

    def test_contexts_that_skip_the_merge(self):
        for context in ({"tracking_disable": True}, {"mail_create_nolog": True}):
            lead = (
                self.env["crm.lead"]
                .with_context(**context)
                .create({"name": "Quiet", "team_id": self.team.id, "user_id": False})
            )
            self.assertEqual(lead.user_id, self.anna)
            self.assertFalse(
                lead.message_ids.filtered(
                    lambda m: m.subtype_id == self.creation_subtype
                )
            )
        lead = (
            self.env["crm.lead"]
            .with_context(closed_loop_no_assign=True)
            .create({"name": "Untouched", "team_id": self.team.id, "user_id": False})
        )
        self.assertFalse(lead.user_id)
        self.assertEqual(lead.message_ids.subtype_id, self.creation_subtype)

    def test_partner_created_from_lead_gets_its_creation_message(self):
        lead = self._create(
            user_id=False, partner_name="Mokoena Events", email_from="m@example.com"
        )
        self.assertEqual(lead.user_id, self.anna)
        lead._handle_partner_assignment(create_missing=True)
        self.assertTrue(lead.partner_id)
        self.assertTrue(
            lead.partner_id.message_ids, "the new contact has its creation log"
        )

    # ------------------------------------------------------------
    # Outsiders following the team's new leads
    # ------------------------------------------------------------

    def _assert_outsider_told_without_internals(self, lead, partner):
        told = lead.message_ids.filtered(
            lambda message: partner in message.notified_partner_ids
        )
        self.assertTrue(told, "Odoo tells the team's follower of the new lead")
        for message in told:
            self.assertNotIn("Secret weddings rule", message.body)
            self.assertNotIn("Reason:", message.body)
        creation, note = lead.message_ids.sorted("id")
        self.assertEqual(creation.subtype_id, self.creation_subtype)
        self.assertIn("Secret weddings rule", note.body, "the note stays internal")

    def test_portal_follower_of_team_gets_no_assignment_reasons(self):
        self._follow_team(self.partner_portal)
        lead = self._create(user_id=False)
        self.assertEqual(lead.user_id, self.anna)
        self._assert_outsider_told_without_internals(lead, self.partner_portal)

    def test_external_partner_follower_gets_no_assignment_reasons(self):
        agency = self.env["res.partner"].create(
            {"name": "Wedding agency", "email": "agency@example.com"}
        )
        self._follow_team(agency)
        lead = self._create(user_id=False)
        self.assertEqual(lead.user_id, self.anna)
        self._assert_outsider_told_without_internals(lead, agency)
