from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common_contact import ContactCase, at


@tagged("post_install", "-at_install")
class TestContactLogWizard(ContactCase):
    def setUp(self):
        super().setUp()
        with self.moment(at(0, 10)):
            self.lead = self._lead()

    def _open(self, user):
        """The card's and the form's button: one click opens the wizard."""
        action = self.lead.with_user(user).action_log_contact()
        self.assertEqual(
            (action["res_model"], action["target"]), ("crm.contact.log", "new")
        )
        return Form(
            self.env[action["res_model"]]
            .with_user(user)
            .with_context(**action["context"])
        )

    def test_salesperson_logs_a_call_and_plans_the_next_step(self):
        call_type = self.env.ref("mail.mail_activity_data_call")
        with self.moment(at(0, 10, 30)):
            wizard = self._open(self.sales)
            wizard.channel = "whatsapp"
            wizard.outcome = "interested"
            wizard.note = "Wants to see the garden venue"
            wizard.next_activity_type_id = call_type
            wizard.next_summary = "Confirm the tasting date"
            wizard.save().action_log()  # the second click
        event = self.lead.contact_event_ids
        self.assertEqual(len(event), 1, "the chatter trace is not a second contact")
        self.assertEqual(
            (event.channel, event.outcome, event.user_id, event.direction),
            ("whatsapp", "interested", self.sales, "out"),
        )
        self.assertEqual(event.note, "Wants to see the garden venue")
        self.assertEqual(self.lead.first_contact_date, at(0, 10, 30))
        self.assertEqual(self.lead.first_response_minutes, 30.0)
        self.assertEqual(self.lead.sla_state, "met")
        next_step = self.lead.activity_ids.filtered(
            lambda a: a.activity_type_id == call_type
        )
        self.assertEqual(next_step.user_id, self.sales, "scheduled for the owner")
        self.assertEqual(next_step.summary, "Confirm the tasting date")
        self.assertIn("Wants to see the garden venue", self.lead.message_ids[0].body)

    def test_contact_in_the_future_is_refused(self):
        with self.moment(at(0, 10, 30)):
            wizard = self._open(self.sales)
            wizard.date = at(0, 12)
            with self.assertRaises(UserError):
                wizard.save().action_log()
        self.assertFalse(self.lead.contact_event_ids)

    def test_salesperson_cannot_log_on_a_colleagues_lead(self):
        other = self._lead(user_id=self.leader.id)
        action = other.with_user(self.sales).action_log_contact
        with self.assertRaises(Exception):  # noqa: B017 - access error from the rules
            action()
