"""Hostile input against the real ``/crm/intake``: for every case the right 4xx
or 429, never a 500, no partial record, and every valid enquiry stored once.

Bad bodies, sizes, invalid UTF-8, origins, the honeypot and sequential
duplicates are covered in test_intake_endpoint; this suite adds what an
attacker would try next.
"""

import json
import threading

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from odoo.addons.crm_closed_loop.models.lib import intake_payload as ip

from .intake_common import IntakeCase

RATE_LIMIT_PARAM = "crm_closed_loop.intake_rate_limit"
SQL_INJECTION = "Robert'); DROP TABLE crm_lead; --"
SCRIPT_INJECTION = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@tagged("post_install", "-at_install")
class TestIntakeAdversarial(IntakeCase):
    def setUp(self):
        super().setUp()
        # Most cases post many bodies from one address; the flood test sets it.
        self.env["ir.config_parameter"].set_param(RATE_LIMIT_PARAM, 0)

    def post_raw(self, body, content_type="application/json", query="", headers=None):
        return self.url_open(
            "/crm/intake" + query,
            data=body,
            headers={"Content-Type": content_type, **(headers or {})},
        )

    def assert_no_lead_and_no_pending(self):
        """Nothing half done: no lead and no enquiry waiting to become one."""
        self.assertFalse(self.env["crm.lead"].search([("intake_form_id", "!=", False)]))
        pending = self.env["crm.intake.submission"].search(
            [("state", "not in", ("rejected",))]
        )
        self.assertFalse(pending, pending.mapped("error"))

    def test_wrong_json_shapes_and_types_are_refused(self):
        cases = [
            (b"[]", 400),
            (b'["form", "wedding-calculator"]', 400),
            (b'"wedding-calculator"', 400),
            (b"42", 400),
            (b"null", 400),
            (b"{}", 404),
            # A key that is not a string names no form.
            (b'{"form": 42, "email": "a@b.co"}', 404),
            (b'{"form": null, "email": "a@b.co"}', 404),
            (b'{"form": ["wedding-calculator"], "email": "a@b.co"}', 400),
            (b'{"form": "wedding-calculator", "email": true}', 400),
            (b'{"form": "wedding-calculator", "email": "a@b.co", "guests": -5}', 400),
            (b'{"form": "wedding-calculator", "email": "a@b.co", "guests": 2.5}', 400),
            (
                b'{"form": "wedding-calculator", "email": "a@b.co", "guests": 1e400}',
                400,
            ),
            (b'{"form": "wedding-calculator", "email": "a@b.co", "guests": NaN}', 400),
            (b'{"form": "wedding-calculator", "email": "a@b.co",, }', 400),
            # The last key wins, as in any JSON parser: the spa form, which
            # only its own site may post.
            (b'{"form": "wedding-calculator", "form": "spa-booking"}', 403),
        ]
        for body, status in cases:
            with self.subTest(body=body):
                response = self.post_raw(body)
                self.assertEqual(response.status_code, status, response.text)
                answer = response.json()
                self.assertFalse(answer["ok"])
                self.assertTrue(answer["error"])
        self.assert_no_lead_and_no_pending()

    def test_malformed_form_bodies_are_refused(self):
        cases = [
            (
                b"form=wedding-calculator&email=%zz%",
                "application/x-www-form-urlencoded",
            ),
            (b"form=wedding-calculator&&&===", "application/x-www-form-urlencoded"),
            (b"form=wedding-calculator", "application/x-www-form-urlencoded"),
            (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
            (b"form=wedding-calculator&email=a@b.co", "text/plain"),
        ]
        for body, content_type in cases:
            with self.subTest(body=body, content_type=content_type):
                response = self.post_raw(body, content_type)
                self.assertIn(response.status_code, (400, 404), response.text)
                self.assertFalse(response.json()["ok"])
        self.assert_no_lead_and_no_pending()

    def test_oversized_fields_are_refused_per_field_not_truncated(self):
        cases = {
            "name": "N" * (ip.CONTACT_LIMITS["name"] + 1),
            "message": "m" * (ip.CONTACT_LIMITS["message"] + 1),
            "utm_source": "s" * (ip.UTM_MAX_LENGTH + 1),
            "package": "p" * (ip.ANSWER_TEXT_MAX_LENGTH + 1),
        }
        for field, value in cases.items():
            with self.subTest(field=field):
                response = self.post_json(self.calculator_payload(**{field: value}))
                self.assertEqual(response.status_code, 400, response.text)
                self.assertIn(field, response.json()["fields"])
        # Over the body limit, announced or not.
        huge = json.dumps(self.calculator_payload(message="x" * ip.MAX_BODY_BYTES))
        self.assertEqual(self.post_raw(huge.encode()).status_code, 413)
        self.assertEqual(
            self.post_raw(
                b"form=spa-booking&x=" + b"y" * 40000, "text/plain"
            ).status_code,
            413,
        )
        many_keys = {f"k{index}": "v" for index in range(200)}
        response = self.post_json({**self.calculator_payload(), **many_keys})
        self.assertIn(response.status_code, (201, 400), response.text)
        if response.status_code == 201:
            # Unknown keys are ignored, never stored on the lead.
            self.assertNotIn("k199", self.leads_of(self.form_calculator).description)
        else:
            self.assertFalse(self.leads_of(self.form_calculator))

    def test_injection_strings_are_stored_verbatim_and_rendered_escaped(self):
        payload = self.calculator_payload(
            name=SQL_INJECTION,
            message=f"{SCRIPT_INJECTION}\n{SQL_INJECTION}",
            package=SCRIPT_INJECTION,
            utm_source=SQL_INJECTION,
        )
        response = self.post_json(payload)
        self.assertEqual(response.status_code, 201, response.text)
        lead = self.leads_of(self.form_calculator)
        self.assertEqual(lead.contact_name, SQL_INJECTION)
        self.assertEqual(lead.intake_package, SCRIPT_INJECTION)
        # The calculator may create sources: the label is kept as sent.
        self.assertEqual(lead.source_id.name, SQL_INJECTION)
        submission = self.submissions_of(self.form_calculator)
        self.assertEqual(json.loads(submission.raw_body)["name"], SQL_INJECTION)
        description = str(lead.description)
        self.assertNotIn("<script", description)
        self.assertNotIn("<img", description)
        self.assertIn("&lt;script&gt;alert(", description)
        self.assertIn("Robert'); DROP TABLE crm_lead; --", description)
        self.assertTrue(self.env["crm.lead"].search_count([]), "the table survived")

    def test_like_wildcards_in_utm_labels_match_nothing_else(self):
        self.env["utm.source"].create({"name": "Google"})
        count = self.env["utm.source"].search_count([])
        self.form_spa.allowed_origins = False
        for index, label in enumerate(("G%", "Goo_le", "%")):
            with self.subTest(label=label):
                response = self.post_form(
                    {
                        "form": "spa-booking",
                        "email": f"w{index}@example.com",
                        "utm_source": label,
                    }
                )
                self.assertEqual(response.status_code, 201, response.text)
        leads = self.leads_of(self.form_spa)
        self.assertEqual(len(leads), 3)
        self.assertFalse(leads.source_id, "no wildcard matched Google")
        self.assertEqual(self.env["utm.source"].search_count([]), count)

    def test_unknown_form_keys_create_nothing(self):
        for key in (
            "../wedding-calculator",
            "wedding-calculator' OR '1'='1",
            "WEDDING-CALCULATOR",
            "wedding%",
            "x" * 65,
            "",
        ):
            with self.subTest(key=key):
                response = self.post_json({"form": key, "email": "a@example.com"})
                self.assertIn(response.status_code, (400, 404), response.text)
                self.assertFalse(response.json()["ok"])
        self.assertFalse(self.env["crm.intake.submission"].search([]))
        self.assert_no_lead_and_no_pending()

    def test_disallowed_and_spoofed_origins_are_refused(self):
        base = {"form": "spa-booking", "email": "spa@example.com"}
        for headers in (
            {"Origin": "null"},
            {"Origin": "http://spa.example.co.za"},
            {"Origin": "https://spa.example.co.za.evil.com"},
            {"Origin": "https://evil.com", "Referer": "https://spa.example.co.za/"},
            {"Referer": "https://spa.example.co.za/booking"},
            {},
        ):
            with self.subTest(headers=headers):
                response = self.post_form(base, headers=headers)
                self.assertEqual(response.status_code, 403, response.text)
                self.assertNotIn("Access-Control-Allow-Origin", response.headers)
        self.assert_no_lead_and_no_pending()
        allowed = self.post_form(base, headers={"Origin": "https://SPA.example.co.za"})
        self.assertEqual(allowed.status_code, 201, allowed.text)

    def test_flood_beyond_the_rate_limit_gets_429_and_stores_nothing_more(self):
        self.env["ir.config_parameter"].set_param(RATE_LIMIT_PARAM, 5)
        statuses = []
        for index in range(12):
            response = self.post_json(
                self.calculator_payload(
                    email=f"flood{index}@example.com", phone=f"+27 82 555 02{index:02}"
                ),
                # Without proxy_mode Odoo ignores forwarding headers: a new
                # X-Forwarded-For per request must not reset the count.
                headers={
                    "X-Forwarded-For": f"198.51.100.{index}",
                    "X-Real-IP": f"203.0.113.{index}",
                    "Forwarded": f"for=192.0.2.{index}",
                },
            )
            statuses.append(response.status_code)
            if response.status_code == 429:
                self.assertEqual(response.headers["Retry-After"], "600")
                self.assertFalse(response.json()["ok"])
        self.assertEqual(statuses, [201] * 5 + [429] * 7)
        self.assertEqual(len(self.submissions_of(self.form_calculator)), 5)
        self.assertEqual(len(self.leads_of(self.form_calculator)), 5)
        addresses = set(
            self.submissions_of(self.form_calculator).mapped("client_address")
        )
        self.assertEqual(addresses, {"127.0.0.1"})

    def test_concurrent_duplicates_give_one_lead_and_success_for_all(self):
        payload = self.calculator_payload(email="race@example.com")
        url = self.base_url() + "/crm/intake"
        responses = []
        lock = threading.Lock()
        barrier = threading.Barrier(4)

        def post():
            barrier.wait()
            # The test server takes one request at a time: the last one waits
            # for the others, on a slow machine longer than the default 12 s.
            response = requests.post(url, json=payload, timeout=300)
            with lock:
                responses.append(response)

        threads = [threading.Thread(target=post) for _index in range(4)]
        # url_open holds the test lock of the calling thread; several threads
        # post at once through Odoo's own gate for concurrent test requests.
        self.env.cr.flush()
        with self.allow_requests(all_requests=True):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        self.assertEqual(len(responses), 4)
        statuses = sorted(response.status_code for response in responses)
        self.assertEqual(statuses, [200] * 3 + [201], [r.text for r in responses])
        answers = [response.json() for response in responses]
        self.assertTrue(all(answer["ok"] for answer in answers))
        lead = self.leads_of(self.form_calculator)
        self.assertEqual(len(lead), 1)
        self.assertEqual({answer["lead_id"] for answer in answers}, {lead.id})
        self.assertEqual(len({answer["reference"] for answer in answers}), 1)
        self.assertEqual(len(self.submissions_of(self.form_calculator)), 1)


@tagged("post_install", "-at_install")
class TestIntakeUtmModeration(IntakeCase):
    """Anonymous visitors reuse the UTM records the business made; only a form
    trusted with it creates new ones."""

    def post_spa(self, **values):
        self.form_spa.allowed_origins = False
        return self.post_form({"form": "spa-booking", **values})

    def test_unknown_utm_values_are_noted_not_created(self):
        self.assertFalse(self.form_spa.allow_new_utm)
        facebook = self.env.ref("utm.utm_source_facebook")
        counts = {
            model: self.env[model].search_count([])
            for model in ("utm.source", "utm.medium", "utm.campaign")
        }
        response = self.post_spa(
            email="guest@example.com",
            utm_source="  facebook ",
            utm_medium="<b>cheap-clicks</b>",
            utm_campaign="Free spa for all",
        )
        self.assertEqual(response.status_code, 201, response.text)
        lead = self.leads_of(self.form_spa)
        self.assertEqual(lead.source_id, facebook, "known values still match")
        self.assertFalse(lead.medium_id)
        self.assertFalse(lead.campaign_id)
        for model, count in counts.items():
            self.assertEqual(self.env[model].search_count([]), count, model)
        description = str(lead.description)
        self.assertIn("utm_campaign: Free spa for all", description)
        self.assertIn("utm_medium: &lt;b&gt;cheap-clicks&lt;/b&gt;", description)
        self.assertNotIn("utm_source:", description)
        self.assertIn("cheap-clicks", self.submissions_of(self.form_spa).raw_body)

    def test_utm_cookies_of_the_visitor_create_nothing_either(self):
        # Odoo keeps utm_* parameters of a visit in cookies and fills the UTM
        # fields of a new record from them, creating what it does not find.
        count = self.env["utm.source"].search_count([])
        self.opener.cookies.set("odoo_utm_source", "Cookie Spam Inc")
        self.opener.cookies.set("odoo_utm_campaign", "%")
        try:
            for index in range(2):
                response = self.post_spa(email=f"c{index}@example.com")
                self.assertEqual(response.status_code, 201, response.text)
        finally:
            self.opener.cookies.clear()
        leads = self.leads_of(self.form_spa)
        self.assertEqual(len(leads), 2)
        self.assertFalse(leads.source_id)
        self.assertFalse(leads.campaign_id)
        self.assertEqual(self.env["utm.source"].search_count([]), count)

    def test_a_returning_contact_notes_new_values_without_creating_them(self):
        self.form_spa.allow_new_utm = True
        self.assertEqual(self.post_spa(email="back@example.com").status_code, 201)
        count = self.env["utm.campaign"].search_count([])
        response = self.post_spa(email="back@example.com", utm_campaign="Brand new")
        self.assertEqual(response.status_code, 201, response.text)
        lead = self.leads_of(self.form_spa)
        self.assertEqual(len(lead), 1)
        self.assertFalse(lead.campaign_id)
        self.assertEqual(self.env["utm.campaign"].search_count([]), count)
        self.assertTrue(
            lead.message_ids.filtered(
                lambda message: "utm_campaign: Brand new" in (message.body or "")
            )
        )

    def test_a_trusted_form_creates_each_new_value_once(self):
        self.form_spa.allow_new_utm = True
        for index, label in enumerate(("Spa Week", " spa  week", "SPA WEEK")):
            response = self.post_spa(email=f"g{index}@example.com", utm_campaign=label)
            self.assertEqual(response.status_code, 201, response.text)
        leads = self.leads_of(self.form_spa)
        self.assertEqual(len(leads), 3)
        self.assertEqual(len(leads.campaign_id), 1)
        self.assertEqual(leads.campaign_id.name, "Spa Week")


@tagged("post_install", "-at_install")
class TestIntakeCompanyIsolation(IntakeCase):
    """Case 3: a form of company B never creates, matches or assigns anything in
    company A."""

    def test_company_b_form_neither_matches_nor_assigns_in_company_a(self):
        seller_a = self.salesman
        self.env["crm.assignment.rule"].create(
            {
                "name": "Weddings A",
                "team_id": self.team_weddings.id,
                "company_id": self.company_a.id,
                "user_ids": [(6, 0, seller_a.ids)],
                "assign_outside_hours": True,
            }
        )
        open_a = self.env["crm.lead"].create(
            {
                "name": "Thandi in A",
                "email_from": "thandi@example.com",
                "phone": "+27 82 555 0101",
                "company_id": self.company_a.id,
                "team_id": self.team_weddings.id,
                "user_id": seller_a.id,
            }
        )
        messages = len(open_a.message_ids)
        response = self.post_json(
            self.calculator_payload(form="venue-b-enquiry", name="Thandi in B")
        )
        self.assertEqual(response.status_code, 201, response.text)
        lead_b = self.leads_of(self.form_b)
        self.assertEqual(lead_b.company_id, self.company_b)
        self.assertEqual(lead_b.team_id, self.team_b)
        self.assertFalse(lead_b.is_returning_contact)
        self.assertFalse(lead_b.user_id, "company A's rule gives nobody to B")
        self.assertFalse(lead_b.assignment_rule_id)
        self.assertFalse(
            self.env["crm.assignment.log"].search([("lead_id", "=", lead_b.id)])
        )
        self.assertEqual(len(open_a.message_ids), messages, "A's lead untouched")
        self.assertFalse(open_a.is_returning_contact)
        self.assertEqual(
            self.env["crm.lead"].search_count([("company_id", "=", self.company_a.id)]),
            1,
        )
        # The user of company A does not learn of B's lead through duplicates.
        self.assertNotIn(lead_b, open_a.with_user(seller_a).duplicate_lead_ids)
        # A rule of company B assigns B's next enquiry within B only.
        seller_b = self.env["res.users"].create(
            {
                "name": "Seller B",
                "login": "intake_seller_b",
                "company_id": self.company_b.id,
                "company_ids": [(6, 0, self.company_b.ids)],
                "group_ids": [
                    (6, 0, self.env.ref("sales_team.group_sale_salesman").ids)
                ],
            }
        )
        self.env["crm.assignment.rule"].create(
            {
                "name": "Venue B",
                "team_id": self.team_b.id,
                "company_id": self.company_b.id,
                "user_ids": [(6, 0, seller_b.ids)],
                "assign_outside_hours": True,
            }
        )
        response = self.post_json(
            self.calculator_payload(
                form="venue-b-enquiry",
                email="next@example.com",
                phone="+27 82 555 0333",
            )
        )
        self.assertEqual(response.status_code, 201, response.text)
        second = self.env["crm.lead"].browse(response.json()["lead_id"])
        self.assertEqual(second.user_id, seller_b)
        self.assertEqual(
            self.env["crm.assignment.log"]
            .search([("lead_id", "=", second.id)])
            .company_id,
            self.company_b,
        )


# Property tests of the parser behind the endpoint (no database).

_bytes_bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(str.encode),
    st.dictionaries(
        st.text(max_size=12), st.one_of(st.text(max_size=30), st.integers(), st.none())
    ).map(lambda data: json.dumps(data).encode()),
)
_content_types = st.sampled_from(
    [
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "text/plain",
        "",
    ]
)


@settings(
    derandomize=True, max_examples=300, suppress_health_check=[HealthCheck.too_slow]
)
@given(_bytes_bodies, _content_types)
def test_any_body_is_decoded_to_text_fields_or_refused_with_reasons(body, content_type):
    key, problem = ip.find_form_key(body, content_type)
    assert key is None or isinstance(key, str)
    try:
        values = ip.decode_body(body, content_type)
    except ip.PayloadError as error:
        assert error.problems and problem is not None
        return
    assert problem is None
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in values.items())
    try:
        payload = ip.parse_payload(values)
    except ip.PayloadError as error:
        assert error.problems
        return
    for value in payload.utm.values():
        assert len(value) <= ip.UTM_MAX_LENGTH


# NUL, U+FFFD and lone surrogates are refused in any body (test_intake_payload).
_field_text = st.text(
    st.characters(exclude_characters="\x00\ufffd", exclude_categories=("Cs",)),
    max_size=30,
)


@settings(
    derandomize=True, max_examples=150, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.dictionaries(
        st.sampled_from(["name", "email", "phone", "message", "package", "utm_source"]),
        _field_text,
    )
)
def test_json_and_form_encodings_of_the_same_fields_hash_alike(values):
    values = {"email": "a@example.com", **values}
    from_json = ip.decode_body(json.dumps(values).encode(), "application/json")
    from_form = ip.decode_body(ip.encode_form(values), "")
    try:
        payload_json = ip.parse_payload(from_json)
    except ip.PayloadError:
        return
    reordered = dict(reversed(list(from_form.items())))
    assert ip.payload_hash("f", payload_json) == ip.payload_hash(
        "f", ip.parse_payload(reordered)
    )


@settings(derandomize=True, max_examples=150)
@given(
    st.sampled_from(
        [".evil.com", "@evil.com", ":8443", "/../", ".", "%2e", "\\@evil.com"]
    ),
    st.sampled_from(["https://spa.example.co.za", "https://www.example.com"]),
)
def test_an_origin_extended_by_an_attacker_is_not_allowed(suffix, allowed):
    allowed_origins = ip.parse_origins(allowed)
    assert ip.origin_allowed(allowed, allowed_origins)
    spoofed = allowed + suffix
    if ip.normalize_origin(spoofed) == ip.normalize_origin(allowed):
        return  # the same site written differently ("/../", ".")
    assert not ip.origin_allowed(spoofed, allowed_origins)


@settings(derandomize=True, max_examples=200)
@given(st.text(max_size=70))
def test_form_keys_are_only_plain_ascii_names(key):
    if ip.is_form_key(key):
        assert 1 <= len(key) <= 64
        assert all(char.isascii() and (char.isalnum() or char in "-_") for char in key)
