from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.crm.tests.common import INCOMING_EMAIL
from odoo.addons.mail.tests.common import MailCommon


@tagged("post_install", "-at_install")
class TestAssignmentMailGateway(MailCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_portal_user()
        cls.anna = new_test_user(
            cls.env, "cl_anna", groups="sales_team.group_sale_salesman"
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Weddings and events",
                "alias_name": "weddings",
                "use_leads": True,
                "company_id": cls.env.company.id,
            }
        )
        cls.env["crm.team.member"].create(
            {"crm_team_id": cls.team.id, "user_id": cls.anna.id}
        )

    @mute_logger("odoo.addons.mail.models.mail_thread")
    def test_portal_user_mails_the_team_alias(self):
        """Case 7: the portal author never becomes the salesperson."""
        self.env["crm.assignment.rule"].create(
            {
                "name": "Weddings by e-mail",
                "team_id": self.team.id,
                # the portal user slipped into the pool is never picked
                "user_ids": [(6, 0, (self.user_portal | self.anna).ids)],
                "method": "round_robin",
                "assign_outside_hours": True,
            }
        )
        leads = self.env["crm.lead"]
        for index in range(3):
            leads |= self.format_and_process(
                INCOMING_EMAIL,
                self.user_portal.email_formatted,
                self.team.alias_email,
                subject=f"Our wedding in June {index}",
                target_model="crm.lead",
            )
        self.assertEqual(len(leads), 3)
        self.assertEqual(leads.partner_id, self.partner_portal)
        self.assertEqual(leads.user_id, self.anna)
        self.assertEqual(leads.team_id, self.team)
        self.assertEqual(len(leads.activity_ids), 3)


@tagged("post_install", "-at_install")
class TestAssignmentCreationMessage(MailCommon):
    """A lead assigned alone at creation has one chatter entry, its assignment
    note, which also does what Odoo's creation message does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
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
        # Cleo follows the team's new leads, as Odoo lets a team follower do.
        cls.team.message_subscribe(
            partner_ids=cls.cleo.partner_id.ids,
            subtype_ids=cls.env.ref("crm.mt_salesteam_lead").ids,
        )
        cls.rule = cls.env["crm.assignment.rule"].create(
            {
                "name": "Weddings",
                "team_id": cls.team.id,
                "user_ids": [(6, 0, cls.anna.ids)],
                "assign_outside_hours": True,
            }
        )
        cls.creation_subtype = cls.env.ref("crm.mt_lead_create")

    def _create(self, user, **values):
        return (
            self.env["crm.lead"]
            .with_user(user)
            .create({"name": "Garden wedding", "team_id": self.team.id, **values})
        )

    def test_assigned_alone_one_message_notifying_assignee_and_followers(self):
        lead = self._create(self.env.user, user_id=False)
        self.assertEqual(lead.user_id, self.anna)
        message = lead.message_ids
        self.assertEqual(len(message), 1, "one chatter entry, not two")
        self.assertEqual(message.subtype_id, self.creation_subtype)
        self.assertTrue(message.is_internal)
        self.assertIn("A new lead has been created", message.body)
        self.assertIn("Assigned to", message.body)
        self.assertIn("Rule: Weddings", message.body)
        self.assertEqual(message.author_id, self.env.user.partner_id)
        self.assertEqual(
            message.notified_partner_ids, self.anna.partner_id | self.cleo.partner_id
        )
        self.assertFalse(lead.env.context.get("mail_create_nolog"))

    def test_not_assigned_keeps_odoo_creation_message(self):
        # Nobody the rule may pick, no fallback owner: the lead stays unowned.
        portal = new_test_user(self.env, "cl_portal", groups="base.group_portal")
        self.rule.user_ids = portal
        lead = self._create(self.env.user, user_id=False)
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
