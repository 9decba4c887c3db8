from odoo.tests import new_test_user, tagged

from odoo.addons.mail.tests.common import MailCommon


@tagged("post_install", "-at_install")
class TestCreationMessageFollowers(MailCommon):
    """A lead assigned alone at creation: what Odoo's creation message did still
    happens, and nothing internal reaches an outsider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_portal_user()
        cls.anna = new_test_user(
            cls.env, "cl_r5_anna", groups="sales_team.group_sale_salesman"
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

    def _create(self, **values):
        return self.env["crm.lead"].create(
            {"name": "Garden wedding", "team_id": self.team.id, "user_id": False}
            | values
        )

    def _assert_outsider_told_without_internals(self, lead, partner):
        told = lead.message_ids.filtered(
            lambda message: partner in message.notified_partner_ids
        )
        self.assertTrue(told, "Odoo tells the team's follower of the new lead")
        for message in told:
            self.assertNotIn("Secret weddings rule", message.body)
            self.assertNotIn("Reason:", message.body)

    def test_portal_follower_of_team_gets_no_assignment_reasons(self):
        self.team.message_subscribe(
            partner_ids=self.partner_portal.ids,
            subtype_ids=self.env.ref("crm.mt_salesteam_lead").ids,
        )
        lead = self._create()
        self.assertEqual(lead.user_id, self.anna)
        self._assert_outsider_told_without_internals(lead, self.partner_portal)

    def test_external_partner_follower_gets_no_assignment_reasons(self):
        agency = self.env["res.partner"].create(
            {"name": "Wedding agency", "email": "agency@example.com"}
        )
        self.team.message_subscribe(
            partner_ids=agency.ids,
            subtype_ids=self.env.ref("crm.mt_salesteam_lead").ids,
        )
        lead = self._create()
        self.assertEqual(lead.user_id, self.anna)
        self._assert_outsider_told_without_internals(lead, agency)

    def test_team_follower_is_not_told_the_lead_is_theirs(self):
        cleo = new_test_user(
            self.env, "cl_r5_cleo", groups="sales_team.group_sale_salesman"
        )
        self.team.message_subscribe(
            partner_ids=cleo.partner_id.ids,
            subtype_ids=self.env.ref("crm.mt_salesteam_lead").ids,
        )
        lead = self._create()
        self.assertEqual(lead.user_id, self.anna)
        told = lead.message_ids.filtered(
            lambda message: cleo.partner_id in message.notified_partner_ids
        )
        self.assertTrue(told, "Odoo tells the team's follower of the new lead")
        for message in told:
            self.assertNotIn("assigned to you", (message.subject or "").lower())
            self.assertNotIn("assigned to you", message.body.lower())
            self.assertIn("Assigned to cl_r5_anna", message.body)

    def test_partner_created_from_lead_gets_its_creation_message(self):
        lead = self._create(partner_name="Mokoena Events", email_from="m@example.com")
        self.assertEqual(lead.user_id, self.anna)
        lead._handle_partner_assignment(create_missing=True)
        self.assertTrue(lead.partner_id)
        self.assertTrue(
            lead.partner_id.message_ids, "the new contact has its creation log"
        )

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
