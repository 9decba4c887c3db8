from odoo.tests import tagged

from .common_contact import ContactCase, at

INCOMING = """Return-Path: <thandi@example.com>
From: Thandi Mokoena <thandi@example.com>
To: sales@hotel.example.com
Subject: Re: Wedding for 120 guests
Message-ID: <cl-customer-reply-1@example.com>
Date: Tue, 03 Mar 2026 09:30:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Could we also see the garden venue?
"""


@tagged("post_install", "-at_install")
class TestContactEvents(ContactCase):
    """What counts as our contact with a lead, and what does not."""

    def setUp(self):
        super().setUp()
        with self.moment(at(0, 10)):
            self.lead = self._lead()
        self.as_sales = self.lead.with_user(self.sales)

    def _events(self):
        self.lead.invalidate_recordset()
        return self.lead.contact_event_ids

    def test_note_posted_by_a_salesperson_counts(self):
        with self.moment(at(0, 10, 20)):
            self.as_sales.message_post(
                body="Called, she wants a tasting.",
                message_type="comment",
                subtype_xmlid="mail.mt_note",
            )
        event = self._events()
        self.assertEqual(len(event), 1)
        self.assertEqual(
            (event.channel, event.direction, event.user_id, event.date),
            ("note", "out", self.sales, at(0, 10, 20)),
        )
        self.assertEqual(self.lead.first_response_minutes, 20.0)

    def test_email_sent_to_the_customer_counts(self):
        with self.moment(at(0, 10, 5)):
            self.as_sales.message_post(
                body="Here is our wedding brochure.",
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
                partner_ids=self.customer.ids,
            )
        event = self._events()
        self.assertEqual((event.channel, event.direction), ("email", "out"))
        self.assertEqual(self.lead.contact_count, 1)

    def test_tracking_system_notes_and_automatic_mails_do_not_count(self):
        with self.moment(at(0, 10, 10)):
            self.as_sales.write({"stage_id": self.stage_proposal.id, "user_id": False})
            self.lead._message_log(body="Lead merged from another lead.")
            self.lead.message_post(
                body="Automatic greeting", message_type="auto_comment"
            )
            self.as_sales.message_post(
                body="Reminder",
                message_type="notification",
                subtype_xmlid="mail.mt_note",
            )
            self.lead.message_post(
                body="Posted by the system",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        tracked = self.env["mail.tracking.value"].search(
            [
                ("mail_message_id.model", "=", "crm.lead"),
                ("mail_message_id.res_id", "=", self.lead.id),
            ]
        )
        self.assertTrue(tracked, "tracking happened")
        self.assertFalse(self._events())
        self.assertEqual(self.lead.contact_count, 0)
        self.assertEqual(self.lead.sla_kind, "first_response")

    def test_incoming_customer_email_is_their_touch_and_awaits_our_reply(self):
        with self.moment(at(0, 10, 15)):
            self.as_sales.message_post(
                body="Brochure sent",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        with self.moment(at(1, 9, 30)):
            self.env["mail.thread"].message_process(
                "crm.lead", INCOMING, thread_id=self.lead.id
            )
        events = self._events()
        touch = events.filtered(lambda e: e.direction == "in")
        self.assertEqual(len(touch), 1)
        self.assertEqual((touch.channel, touch.partner_id), ("email", self.customer))
        self.assertEqual(self.lead.contact_count, 1, "their mail is not our contact")
        self.assertEqual(self.lead.last_contact_date, at(0, 10, 15))
        self.assertEqual(self.lead.last_customer_touch_date, at(1, 9, 30))
        self.assertEqual(self.lead.sla_kind, "reply")
        self.assertEqual(self.lead.sla_deadline, at(1, 10, 30))

    def test_done_activity_of_a_contact_type_counts(self):
        call_type = self.env.ref("mail.mail_activity_data_call")
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        self.assertTrue(call_type.is_contact_type)
        self.assertFalse(todo_type.is_contact_type)
        call = self.as_sales.activity_schedule(
            activity_type_id=call_type.id, user_id=self.sales.id
        )
        todo = self.as_sales.activity_schedule(
            activity_type_id=todo_type.id, user_id=self.sales.id
        )
        with self.moment(at(0, 10, 40)):
            todo.with_user(self.sales).action_feedback(feedback="Prepared the quote")
        self.assertFalse(self._events(), "a to-do is no contact")
        with self.moment(at(0, 10, 45)):
            call.with_user(self.sales).action_feedback(feedback="She confirmed")
        event = self._events()
        self.assertEqual((event.channel, event.user_id), ("call", self.sales))
        self.assertEqual(self.lead.first_contact_date, at(0, 10, 45))

    def test_calendar_meeting_held_counts_once(self):
        with self.moment(at(0, 10)):
            self.env["calendar.event"].create(
                {
                    "name": "Venue visit",
                    "opportunity_id": self.lead.id,
                    "user_id": self.sales.id,
                    "start": at(0, 14),
                    "stop": at(0, 15),
                }
            )
        with self.moment(at(0, 14, 30)):
            self.run_followup_action()
        self.assertFalse(self._events(), "not held yet")
        with self.moment(at(0, 15, 5)):
            self.run_followup_action()
            self.run_followup_action()
        event = self._events()
        self.assertEqual(len(event), 1)
        self.assertEqual((event.channel, event.date), ("calendar", at(0, 14)))

    def test_contact_is_bound_to_the_lead_company(self):
        with self.moment(at(0, 10, 20)):
            self.as_sales.message_post(
                body="Called", message_type="comment", subtype_xmlid="mail.mt_note"
            )
        event = self._events()
        self.assertEqual(event.company_id, self.lead.company_id or self.env.company)
        self.assertEqual(event.partner_id, self.customer)
