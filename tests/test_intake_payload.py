"""The payload rules of the intake endpoint, without a database."""

import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.addons.crm_closed_loop.models.lib import intake_payload as ip


def test_form_and_json_bodies_mean_the_same():
    form = ip.decode_body(
        b"name=Thandi+Nkosi&email=Thandi%40Example.com&guests=120"
        b"&event_date=2027-03-20&quoted_amount=85000.50&package=Gold",
        "application/x-www-form-urlencoded",
    )
    body = json.dumps(
        {
            "name": " Thandi  Nkosi ",
            "email": "thandi@example.com",
            "guests": 120,
            "event_date": "2027-03-20",
            "quoted_amount": 85000.50,
            "package": "Gold",
        }
    )
    as_json = ip.decode_body(body.encode(), "application/json; charset=utf-8")
    one, two = ip.parse_payload(form), ip.parse_payload(as_json)
    assert one == two
    assert one.answers == {
        "event_date": date(2027, 3, 20),
        "guests": 120,
        "quoted_amount": Decimal("85000.50"),
        "package": "Gold",
    }
    assert one.contact["email"] == "thandi@example.com"
    assert ip.payload_hash("wedding", one) == ip.payload_hash("wedding", two)
    assert ip.payload_hash("wedding", one) != ip.payload_hash("spa", one)


@pytest.mark.parametrize(
    ("body", "content_type", "field"),
    [
        (b"[1, 2]", "application/json", "body"),
        (b"{not json", "application/json", "body"),
        (b'{"email": {"a": 1}}', "application/json", "email"),
        (b"\xff\xfe", "application/x-www-form-urlencoded", "body"),
        (b"x" * (ip.MAX_BODY_BYTES + 1), "application/json", "body"),
    ],
)
def test_undecodable_bodies_say_what_is_wrong(body, content_type, field):
    with pytest.raises(ip.PayloadError) as caught:
        ip.decode_body(body, content_type)
    assert field in caught.value.problems


def test_every_problem_is_reported_at_once():
    with pytest.raises(ip.PayloadError) as caught:
        ip.parse_payload(
            {
                "email": "not-an-address",
                "guests": "many",
                "event_date": "20/03/2027",
                "quoted_amount": "R 5000",
            }
        )
    assert set(caught.value.problems) == {
        "email",
        "guests",
        "event_date",
        "quoted_amount",
    }
    assert "YYYY-MM-DD" in caught.value.problems["event_date"]


def test_a_way_to_reply_is_required():
    with pytest.raises(ip.PayloadError) as caught:
        ip.parse_payload({"name": "Anonymous", "message": "hello"})
    assert "phone" in caught.value.problems["email"]
    assert ip.parse_payload({"phone": "+27 21 555 0100"}).contact["phone"]


def test_answers_the_form_does_not_accept_are_ignored_not_kept():
    payload = ip.parse_payload(
        {"email": "a@example.com", "guests": "10", "colour": "blue"},
        accepted_answers=("guests",),
    )
    assert payload.answers == {"guests": 10}
    assert payload.ignored == ("colour",)


def test_utm_labels_compare_without_case_or_blanks():
    assert ip.utm_key("Google") == ip.utm_key("google") == ip.utm_key(" Google ")
    assert ip.utm_key("Google  Ads") == ip.utm_key("google ads")
    assert ip.utm_key("Google") != ip.utm_key("Googl")


def test_expected_revenue_follows_the_form_setting():
    answers = {"quoted_amount": Decimal(500), "guests": 80}
    assert ip.expected_revenue("quote", answers) == Decimal(500)
    assert ip.expected_revenue("quote_per_guest", answers) == Decimal(40000)
    assert ip.expected_revenue("none", answers) is None
    assert ip.expected_revenue("quote_per_guest", {"quoted_amount": 1}) is None


def test_origins():
    allowed = ip.parse_origins("https://Hotel.example.co.za\nhttp://localhost:8080")
    assert allowed == ("https://hotel.example.co.za", "http://localhost:8080")
    assert ip.origin_allowed("https://hotel.example.co.za:443", allowed)
    assert not ip.origin_allowed("https://evil.example.com", allowed)
    assert not ip.origin_allowed(None, allowed)
    assert not ip.origin_allowed("null", allowed)
    assert ip.origin_allowed(None, ())
    with pytest.raises(ip.PayloadError):
        ip.parse_origins("hotel.example.co.za")


def test_accepted_answer_names_are_checked():
    assert ip.parse_accepted_answers("guests, package\nguests") == ("guests", "package")
    with pytest.raises(ip.PayloadError):
        ip.parse_accepted_answers("Guests")
    with pytest.raises(ip.PayloadError):
        ip.parse_accepted_answers("email")


def test_honeypot():
    assert ip.honeypot_filled({ip.HONEYPOT_FIELD: "http://spam"})
    assert not ip.honeypot_filled({ip.HONEYPOT_FIELD: "  "})


_text = st.text(max_size=60) | st.emails() | st.integers(0, 10**6).map(str)
_values = st.dictionaries(
    st.sampled_from(
        [
            *("name", "email", "phone", "message", "guests", "quoted_amount"),
            *("event_date", "utm_source", "package", "other"),
        ]
    ),
    _text,
)


@settings(
    derandomize=True, max_examples=150, suppress_health_check=[HealthCheck.too_slow]
)
@given(_values)
def test_any_input_is_either_accepted_clean_or_refused_with_reasons(values):
    try:
        payload = ip.parse_payload(values)
    except ip.PayloadError as error:
        assert error.problems
        assert all(isinstance(text, str) and text for text in error.problems.values())
        return
    assert payload.contact.get("email") or payload.contact.get("phone")
    for key, value in payload.contact.items():
        assert len(value) <= ip.CONTACT_LIMITS[key]
        assert value == value.strip()
    assert set(payload.answers) <= set(ip.DEFAULT_ACCEPTED_ANSWERS)
    # Parsing the same values again is stable (idempotency relies on it).
    assert ip.payload_hash("f", ip.parse_payload(values)) == ip.payload_hash(
        "f", payload
    )


@settings(
    derandomize=True, max_examples=100, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.text(max_size=40), st.text(alphabet=" \t", max_size=3))
def test_utm_key_ignores_surrounding_blanks_and_case(label, pad):
    assert ip.utm_key(pad + label.upper() + pad) == ip.utm_key(label.upper())
    assert ip.utm_key(ip.clean_text(label)) == ip.utm_key(label)


@settings(
    derandomize=True, max_examples=100, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    st.dictionaries(
        st.sampled_from(["name", "email", "guests", "package", "message"]),
        st.text(max_size=50),
    )
)
def test_form_encoding_round_trips(values):
    assert ip.decode_body(ip.encode_form(values), "") == values
