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
