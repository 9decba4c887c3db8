from datetime import date, timedelta

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .intake_common import IntakeCase


@tagged("post_install", "-at_install")
class TestIntakeEndpoint(IntakeCase):
    def test_calculator_enquiry_becomes_a_lead_of_weddings(self):
        response = self.post_json(self.calculator_payload())
        self.assertEqual(response.status_code, 201, response.text)
        answer = response.json()
        lead = self.leads_of(self.form_calculator)
        self.assertEqual(len(lead), 1)
        self.assertEqual(answer["lead_id"], lead.id)
        self.assertTrue(answer["reference"].startswith("ENQ/"))
        self.assertEqual(lead.team_id, self.team_weddings)
        self.assertEqual(lead.company_id, self.company_a)
        self.assertFalse(lead.user_id, "the public user must never own a lead")
        self.assertEqual(lead.email_from, "thandi@example.com")
        self.assertEqual(lead.contact_name, "Thandi Nkosi")
        self.assertEqual(lead.intake_event_date, date(2027, 3, 20))
        self.assertEqual(lead.intake_guests, 120)
        self.assertEqual(lead.intake_package, "Gold")
        self.assertEqual(lead.expected_revenue, 185000.0)
        self.assertEqual(lead.source_id.name, "Google")
        self.assertEqual(lead.campaign_id.name, "Winter Weddings")
        self.assertIn("garden ceremony", lead.description)
        self.assertFalse(lead.is_returning_contact)
        submission = self.submissions_of(self.form_calculator)
        self.assertEqual(submission.state, "done")
        self.assertEqual(submission.lead_id, lead)
        self.assertEqual(submission.name, answer["reference"])
        self.assertEqual(answer["reference"], f"ENQ/{submission.id:06d}")
        self.assertIn(answer["reference"], lead.description, "the lead names it")
        self.assertIn('"guests": 120', submission.raw_body, "stored as received")

    def test_spa_form_routes_to_spa_from_a_form_encoded_post(self):
        response = self.post_form(
            {
                "form": "spa-booking",
                "name": "Lerato",
                "phone": "082 555 0199",
                "package": "Couples massage",
                "guests": "2",
            },
            headers={"Origin": "https://spa.example.co.za"},
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(
            response.headers["Access-Control-Allow-Origin"], "https://spa.example.co.za"
        )
        lead = self.leads_of(self.form_spa)
        self.assertEqual(lead.team_id, self.team_spa)
        self.assertEqual(lead.intake_package, "Couples massage")
        self.assertFalse(lead.intake_guests, "the spa form does not accept guests")
        self.assertFalse(self.leads_of(self.form_calculator))

    def test_the_readme_html_form_is_accepted(self):
        # Exactly the fields the embeddable form of the README sends, empty ones
        # included (honeypot, hidden quote, e-mail left blank).
        response = self.post_form(
            {
                "form": "wedding-calculator",
                "utm_source": "website",
                "name": "Naledi",
                "email": "",
                "phone": "021 555 0123",
                "event_date": "2027-10-02",
                "guests": "80",
                "package": "Silver",
                "quoted_amount": "",
                "message": "Is the garden available?",
                "fax": "",
            }
        )
        self.assertEqual(response.status_code, 201, response.text)
        lead = self.leads_of(self.form_calculator)
        self.assertEqual(lead.intake_guests, 80)
        self.assertEqual(lead.source_id.name, "website")
        self.assertFalse(lead.expected_revenue)

    def test_company_b_form_creates_the_lead_in_company_b(self):
        response = self.post_json(
            {"form": "venue-b-enquiry", "email": "b@example.com", "name": "Sipho"}
        )
        self.assertEqual(response.status_code, 201, response.text)
        lead = self.leads_of(self.form_b)
        self.assertEqual(lead.company_id, self.company_b)
        self.assertEqual(lead.team_id, self.team_b)
        submission = self.submissions_of(self.form_b)
        self.assertEqual(submission.company_id, self.company_b)
        self.assertEqual(self.form_b.submission_count, 1)
        action = self.form_b.action_view_submissions()
        self.assertEqual(
            self.env["crm.intake.submission"].search(action["domain"]), submission
        )
        # A manager of company A alone does not see company B's enquiries.
        Submission = self.env["crm.intake.submission"].with_user(self.manager)
        self.assertFalse(Submission.search([("id", "=", submission.id)]))

    def test_same_payload_twice_gives_one_lead_and_two_successes(self):
        payload = self.calculator_payload()
        first = self.post_json(payload)
        second = self.post_json(payload)
        self.assertEqual(first.status_code, 201, first.text)
        self.assertEqual(second.status_code, 200, second.text)
        self.assertTrue(second.json()["ok"])
        self.assertTrue(second.json()["duplicate"])
        self.assertEqual(second.json()["reference"], first.json()["reference"])
        self.assertEqual(second.json()["lead_id"], first.json()["lead_id"])
        self.assertEqual(len(self.leads_of(self.form_calculator)), 1)
        self.assertEqual(len(self.submissions_of(self.form_calculator)), 1)
        # The same payload again once the window is over is a new enquiry; the
        # contact now has an open lead, so it is recorded on it.
        submission = self.submissions_of(self.form_calculator)
        submission.received_date -= timedelta(minutes=10)
        third = self.post_json(payload)
        self.assertEqual(third.status_code, 201, third.text)
        self.assertNotEqual(third.json()["reference"], first.json()["reference"])
        self.assertEqual(len(self.submissions_of(self.form_calculator)), 2)

    def test_utm_values_match_without_near_duplicates(self):
        google = self.env["utm.source"].create({"name": "Google"})
        for index, source in enumerate(("google", " Google ", "GOOGLE")):
            response = self.post_json(
                self.calculator_payload(
                    email=f"guest{index}@example.com",
                    phone=f"+27 82 555 010{index}",
                    utm_source=source,
                    utm_medium=" CPC",
                    utm_campaign="winter  weddings",
                )
            )
            self.assertEqual(response.status_code, 201, response.text)
        leads = self.leads_of(self.form_calculator)
        self.assertEqual(len(leads), 3)
        self.assertEqual(leads.source_id, google)
        self.assertEqual(len(leads.medium_id), 1)
        self.assertEqual(len(leads.campaign_id), 1)
        self.assertEqual(
            self.env["utm.source"].search_count([("name", "=ilike", "google")]), 1
        )

    def test_bad_input_is_refused_with_a_message_and_nothing_valid_is_lost(self):
        response = self.post_json(
            self.calculator_payload(email="thandi-at-example", guests="lots")
        )
        self.assertEqual(response.status_code, 400)
        answer = response.json()
        self.assertFalse(answer["ok"])
        self.assertEqual(set(answer["fields"]), {"email", "guests"})
        self.assertIn("e-mail", answer["error"])
        rejected = self.submissions_of(self.form_calculator)
        self.assertEqual(rejected.state, "rejected")
        self.assertIn("thandi-at-example", rejected.raw_body)

        unknown = self.post_json({"form": "no-such-form", "email": "a@example.com"})
        self.assertEqual(unknown.status_code, 404)
        self.assertIn("Unknown form", unknown.json()["error"])

        not_json = self.url_open(
            "/crm/intake?form=wedding-calculator",
            data="{oops",
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(not_json.status_code, 400)
        self.assertIn("JSON", not_json.json()["error"])

        too_big = self.post_json(self.calculator_payload(message="x" * 20000))
        self.assertEqual(too_big.status_code, 413)
        self.assertIn("bytes", too_big.json()["error"])
        too_big_form = self.post_form({"form": "spa-booking", "message": "x" * 20000})
        self.assertEqual(too_big_form.status_code, 413)
        self.assertIn("shorten", too_big_form.json()["error"])

        wrong_origin = self.post_form(
            {"form": "spa-booking", "email": "a@example.com"},
            headers={"Origin": "https://evil.example.com"},
        )
        self.assertEqual(wrong_origin.status_code, 403)
        self.assertNotIn("Access-Control-Allow-Origin", wrong_origin.headers)

        self.assertFalse(self.env["crm.lead"].search([("intake_form_id", "!=", False)]))
        good = self.post_json(self.calculator_payload())
        self.assertEqual(good.status_code, 201, good.text)
        self.assertEqual(len(self.leads_of(self.form_calculator)), 1)

    def post_raw(self, body, content_type="application/json", query=""):
        return self.url_open(
            "/crm/intake" + query, data=body, headers={"Content-Type": content_type}
        )

    def assert_refused_and_kept(self, response, form, field, count):
        self.assertEqual(response.status_code, 400, response.text)
        answer = response.json()
        self.assertFalse(answer["ok"])
        self.assertIn(field, answer["fields"])
        self.assertIn("Please correct the enquiry", answer["error"])
        submissions = self.submissions_of(form)
        self.assertEqual(len(submissions), count, "the refused body is kept")
        self.assertEqual(set(submissions.mapped("state")), {"rejected"})
        self.assertFalse(self.leads_of(form))

    def test_text_the_database_cannot_store_is_refused_not_queued(self):
        body = b'{"form":"wedding-calculator","email":"sur@b.co","name":"\\ud800"}'
        response = self.post_raw(body)
        self.assert_refused_and_kept(response, self.form_calculator, "name", 1)
        submission = self.submissions_of(self.form_calculator)
        self.assertFalse(submission.attempts, "no lead was attempted")
        self.assertIn("\\ud800", submission.raw_body)
        body = b'{"form":"wedding-calculator","email":"nul@b.co","name":"a\\u0000"}'
        response = self.post_raw(body)
        self.assert_refused_and_kept(response, self.form_calculator, "name", 2)

    def test_malformed_bodies_naming_a_form_are_refused_and_kept(self):
        self.env["ir.config_parameter"].set_param(
            "crm_closed_loop.intake_rate_limit", 0
        )
        form = self.form_calculator
        cases = [
            (b'{"form":"wedding-calculator","email":["a@b.co"]}', "", "email"),
            (b'{"form":"wedding-calculator","email":{"a":"b"}}', "", "email"),
            (
                b'{"form":"wedding-calculator","email":',
                "?form=wedding-calculator",
                "body",
            ),
            (b'{"form":"wedding-calculator","email":"\xff\xfe@b.co"}', "", "body"),
            (
                b'{"form":"wedding-calculator","guests":%s}' % (b"9" * 5000),
                "",
                "guests",
            ),
        ]
        for count, (body, query, field) in enumerate(cases, start=1):
            with self.subTest(body=body[:50]):
                response = self.post_raw(body, query=query)
                self.assert_refused_and_kept(response, form, field, count)
                self.assertNotIn("Unknown form", response.text)

        # No form can be identified: the body is refused, not the key.
        truncated = self.post_raw(b'{"form":"wedding-calculator","email":')
        self.assertEqual(truncated.status_code, 400, truncated.text)
        self.assertIn("JSON", truncated.json()["error"])
        bad_and_unknown = self.post_raw(b'{"form":"no-such-form","email":[1]}')
        self.assertEqual(bad_and_unknown.status_code, 400, bad_and_unknown.text)
        self.assertEqual(len(self.submissions_of(form)), len(cases))

        # A good body with an unknown or archived key stays a 404.
        self.form_b.active = False
        for key in ("no-such-form", "venue-b-enquiry"):
            unknown = self.post_json({"form": key, "email": "a@example.com"})
            self.assertEqual(unknown.status_code, 404, unknown.text)

    def test_invalid_utf8_is_refused_alike_in_form_and_json(self):
        form_encoded = self.post_raw(
            b"form=wedding-calculator&email=a%40b.co&name=%ff%fe",
            "application/x-www-form-urlencoded",
        )
        self.assert_refused_and_kept(form_encoded, self.form_calculator, "body", 1)
        as_json = self.post_raw(
            b'{"form":"wedding-calculator","email":"a@b.co","name":"\xff\xfe"}'
        )
        self.assert_refused_and_kept(as_json, self.form_calculator, "body", 2)
        self.assertEqual(form_encoded.json(), as_json.json())

    def test_answers_are_refused_with_a_readable_message(self):
        response = self.post_json(
            self.calculator_payload(guests="²", event_date="20271231")
        )
        self.assert_refused_and_kept(response, self.form_calculator, "guests", 1)
        fields = response.json()["fields"]
        self.assertIn("whole number", fields["guests"])
        self.assertNotIn("int()", response.text)
        self.assertIn("YYYY-MM-DD", fields["event_date"])
        response = self.post_json(
            self.calculator_payload(quoted_amount="١٢", event_date="0001-01-01")
        )
        self.assert_refused_and_kept(response, self.form_calculator, "quoted_amount", 2)
        self.assertIn("event_date", response.json()["fields"])

    def test_honeypot_answers_success_but_creates_no_lead(self):
        response = self.post_json(self.calculator_payload(fax="http://spam.example"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"ok": True})
        self.assertFalse(self.leads_of(self.form_calculator))
        self.assertEqual(self.submissions_of(self.form_calculator).state, "rejected")

    def test_rate_limit_per_client_address(self):
        self.env["ir.config_parameter"].set_param(
            "crm_closed_loop.intake_rate_limit", 3
        )
        for index in range(3):
            response = self.post_json(
                self.calculator_payload(email=f"guest{index}@example.com")
            )
            self.assertEqual(response.status_code, 201, response.text)
        response = self.post_json(self.calculator_payload(email="guest9@example.com"))
        self.assertEqual(response.status_code, 429)
        self.assertIn("try again", response.json()["error"])
        self.assertEqual(len(self.submissions_of(self.form_calculator)), 3)

    def test_answers_before_the_form_is_known_name_only_allowed_origins(self):
        spa_site, other_site = "https://spa.example.co.za", "https://evil.example"
        for origin, expected in ((spa_site, spa_site), (other_site, None)):
            with self.subTest(origin=origin):
                unknown = self.post_json({"form": "no-such-form"}, {"Origin": origin})
                self.assertEqual(unknown.status_code, 404)
                not_json = self.url_open(
                    "/crm/intake",
                    data=b"[1, 2]",
                    headers={"Content-Type": "application/json", "Origin": origin},
                )
                self.assertEqual(not_json.status_code, 400)
                for response in (unknown, not_json):
                    self.assertEqual(
                        response.headers.get("Access-Control-Allow-Origin"), expected
                    )
        self.env["ir.config_parameter"].set_param(
            "crm_closed_loop.intake_rate_limit", 1
        )
        self.post_json(self.calculator_payload(email="first@example.com"))
        limited = self.post_json(
            self.calculator_payload(email="second@example.com"), {"Origin": other_site}
        )
        self.assertEqual(limited.status_code, 429)
        self.assertNotIn("Access-Control-Allow-Origin", limited.headers)

    def test_preflight_allows_only_configured_origins(self):
        allowed = self.url_open(
            "/crm/intake",
            method="OPTIONS",
            headers={"Origin": "https://spa.example.co.za"},
        )
        self.assertEqual(allowed.status_code, 204)
        self.assertEqual(
            allowed.headers["Access-Control-Allow-Origin"], "https://spa.example.co.za"
        )
        refused = self.url_open(
            "/crm/intake", method="OPTIONS", headers={"Origin": "https://evil.example"}
        )
        self.assertNotIn("Access-Control-Allow-Origin", refused.headers)

    def test_nothing_from_the_web_is_rendered_unescaped(self):
        attack = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
        payload = self.calculator_payload(message=attack, package="<b>Gold</b>")
        self.assertEqual(self.post_json(payload).status_code, 201)
        lead = self.leads_of(self.form_calculator)
        self.assertNotIn("<script", lead.description)
        self.assertNotIn("<img", lead.description)
        self.assertIn("&lt;script&gt;", lead.description)
        self.assertIn("&lt;b&gt;Gold", lead.description)
        # A returning contact's enquiry is recorded in the chatter, escaped too.
        payload["message"] = attack + " again"
        self.assertEqual(self.post_json(payload).status_code, 201)
        note = lead.message_ids.filtered(lambda m: "again" in (m.body or ""))
        self.assertTrue(note)
        self.assertNotIn("<script", note.body)
        self.assertIn("&lt;script&gt;", note.body)


@tagged("post_install", "-at_install")
class TestIntakeReturningContact(IntakeCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.open_lead = cls.env["crm.lead"].create(
            {
                "name": "Thandi's wedding",
                "email_from": "Thandi@Example.com",
                "user_id": cls.salesman.id,
                "team_id": cls.team_weddings.id,
                "company_id": cls.company_a.id,
            }
        )

    def test_returning_contact_is_recorded_on_the_open_lead(self):
        response = self.post_json(
            self.calculator_payload(message="Can we add a band?", guests=150)
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()["lead_id"], self.open_lead.id)
        self.assertFalse(self.leads_of(self.form_calculator))
        self.assertTrue(self.open_lead.is_returning_contact)
        self.assertEqual(self.open_lead.intake_guests, 150)
        self.assertEqual(self.open_lead.user_id, self.salesman)
        note = self.open_lead.message_ids.filtered(
            lambda m: "add a band" in (m.body or "")
        )
        self.assertTrue(note)
        self.assertIn("150", note.body)

    def test_returning_contact_by_phone_gets_a_new_lead_for_the_same_salesperson(self):
        self.open_lead.write({"email_from": False, "phone": "+27825550101"})
        self.form_calculator.returning_contact_mode = "new_lead"
        response = self.post_json(
            self.calculator_payload(email="other@example.com", phone="+27 82 555 0101")
        )
        self.assertEqual(response.status_code, 201, response.text)
        lead = self.leads_of(self.form_calculator)
        self.assertEqual(len(lead), 1)
        self.assertNotEqual(lead, self.open_lead)
        self.assertEqual(lead.user_id, self.salesman)
        self.assertTrue(lead.is_returning_contact)

    def test_a_won_lead_or_another_company_does_not_make_a_returning_contact(self):
        self.open_lead.action_set_won()
        self.env["crm.lead"].create(
            {
                "name": "Thandi at the sister venue",
                "email_from": "thandi@example.com",
                "user_id": False,
                "team_id": self.team_b.id,
                "company_id": self.company_b.id,
            }
        )
        response = self.post_json(self.calculator_payload())
        self.assertEqual(response.status_code, 201, response.text)
        lead = self.leads_of(self.form_calculator)
        self.assertFalse(lead.is_returning_contact)
        self.assertFalse(lead.user_id)


@tagged("post_install", "-at_install")
class TestIntakeRetry(IntakeCase):
    def break_weddings_team(self):
        # A team moved to another company: creating the form's lead fails the
        # company consistency check, as a misconfiguration would in real life.
        self.team_weddings.company_id = self.company_b

    def test_failed_processing_stays_queued_and_the_cron_retries_it(self):
        self.break_weddings_team()
        response = self.post_json(self.calculator_payload())
        self.assertEqual(response.status_code, 202, response.text)
        answer = response.json()
        self.assertTrue(answer["ok"])
        self.assertEqual(answer["status"], "queued")
        submission = self.submissions_of(self.form_calculator)
        self.assertEqual(submission.state, "queued")
        self.assertEqual(submission.attempts, 1)
        self.assertTrue(submission.error)
        self.assertFalse(self.leads_of(self.form_calculator))

        cron = self.env.ref("crm_closed_loop.crm_intake_submission_cron_process")
        cron.method_direct_trigger()
        self.assertEqual(submission.state, "queued", "still broken: still queued")
        self.assertEqual(submission.attempts, 2)

        self.team_weddings.company_id = self.company_a
        cron.method_direct_trigger()
        self.assertEqual(submission.state, "done")
        lead = self.leads_of(self.form_calculator)
        self.assertEqual(submission.lead_id, lead)
        self.assertEqual(lead.team_id, self.team_weddings)

        cron.method_direct_trigger()
        self.assertEqual(len(self.leads_of(self.form_calculator)), 1, "idempotent")
        self.assertEqual(submission.attempts, 3)

    def test_gives_up_after_max_attempts_until_a_manager_retries(self):
        self.break_weddings_team()
        self.post_json(self.calculator_payload())
        submission = self.submissions_of(self.form_calculator)
        cron = self.env.ref("crm_closed_loop.crm_intake_submission_cron_process")
        for _attempt in range(6):
            cron.method_direct_trigger()
        self.assertEqual(submission.state, "failed")
        self.assertEqual(submission.attempts, 5)

        self.team_weddings.company_id = self.company_a
        submission.with_user(self.manager).action_retry()
        self.assertEqual(submission.state, "done")
        self.assertTrue(self.leads_of(self.form_calculator))

    def test_only_managers_see_web_enquiries(self):
        self.post_json(self.calculator_payload())
        submission = self.submissions_of(self.form_calculator)
        with self.assertRaises(AccessError):
            submission.with_user(self.salesman).read(["raw_body"])
        self.assertEqual(
            submission.with_user(self.manager).read(["state"])[0]["state"], "done"
        )
        lead = self.leads_of(self.form_calculator).with_user(self.salesman)
        self.assertEqual(lead.intake_form_id.name, "Wedding price calculator")
