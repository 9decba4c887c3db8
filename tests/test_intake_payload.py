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


@pytest.mark.parametrize(
    ("body", "content_type", "field"),
    [
        (rb'{"email": "sur@b.co", "name": "\ud800"}', "application/json", "name"),
        (rb'{"email": "sur@b.co", "name": "a\u0000b"}', "application/json", "name"),
        (rb'{"email": "sur@b.co", "\udfff": "x"}', "application/json", "body"),
        (rb'{"email": "sur@b.co", "\udfff": ["x"]}', "application/json", "body"),
        (b"email=sur%40b.co&name=a%00b", "application/x-www-form-urlencoded", "name"),
    ],
)
def test_text_the_database_cannot_store_is_refused(body, content_type, field):
    with pytest.raises(ip.PayloadError) as caught:
        ip.decode_body(body, content_type)
    assert field in caught.value.problems
    # The message itself must be storable in the rejected submission.
    str(caught.value).encode("utf-8")


@pytest.mark.parametrize(
    "body",
    [
        b'{"form": "spa", "email": ["a@b.co"]}',
        b'{"form": "spa", "email": {"a": "b"}}',
        b'{"form": "spa", "email": "a@b.co", "name": "\xff\xfe"}',
        b'{"form": "spa", "email": "a@b.co", "name": "\ud800"}',
    ],
)
def test_the_form_key_of_a_refused_json_body_is_still_found(body):
    key, problem = ip.find_form_key(body, "application/json")
    assert key == "spa"
    assert isinstance(problem, ip.PayloadError)


def test_form_key_of_good_truncated_and_unknown_bodies():
    assert ip.find_form_key(b'{"form": "spa", "email": "a@b.co"}', "") == (None, None)
    assert ip.find_form_key(b"form=spa&email=a%40b.co", "") == ("spa", None)
    key, problem = ip.find_form_key(b"form=spa&name=%EF%BF%BD", "")
    assert key == "spa"
    assert problem.problems == {"body": "is not valid UTF-8 text"}
    key, problem = ip.find_form_key(b'{"form":"spa","email":', "application/json")
    assert key is None
    assert "JSON" in problem.problems["body"]
    key, problem = ip.find_form_key(b'{"form": 7, "email": []}', "application/json")
    assert key is None
    assert problem.problems["email"]


def test_huge_json_integers_get_a_field_message():
    digits = b"9" * 5000
    body = b'{"email": "a@b.co", "guests": %s}' % digits
    values = ip.decode_body(body, "application/json")
    assert values["guests"] == "9" * 5000
    values = ip.decode_body(
        b'{"email": "a@b.co", "guests": %s, "quoted_amount": %s}' % (digits, digits),
        "application/json",
    )
    with pytest.raises(ip.PayloadError) as caught:
        ip.parse_payload(values)
    assert "whole number" in caught.value.problems["guests"]
    assert "amount" in caught.value.problems["quoted_amount"]


def test_invalid_utf8_is_refused_alike_in_form_and_json():
    # Odoo hands the controller form fields decoded with U+FFFD for bad bytes.
    as_form = b"email=a%40b.co&name=%EF%BF%BD%EF%BF%BD"
    as_json = b'{"email": "a@b.co", "name": "\xff\xfe"}'
    with pytest.raises(ip.PayloadError) as form_error:
        ip.decode_body(as_form, "application/x-www-form-urlencoded")
    with pytest.raises(ip.PayloadError) as json_error:
        ip.decode_body(as_json, "application/json")
    assert (
        form_error.value.problems
        == json_error.value.problems
        == {"body": "is not valid UTF-8 text"}
    )


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("guests", "²", "whole number"),
        ("guests", "١٢", "whole number"),
        ("guests", "0" * 10 + "1", "whole number"),
        ("quoted_amount", "١٢", "amount like"),
        ("event_date", "20271231", "YYYY-MM-DD"),
        ("event_date", "2027-W01-1", "YYYY-MM-DD"),
        ("event_date", "0001-01-01", "1900 to 2200"),
        ("event_date", "2201-01-01", "1900 to 2200"),
        (
            "event_date",
            "\u0662\u0660\u0662\u0667-\u0660\u0661-\u0660\u0661",
            "YYYY-MM-DD",
        ),
        ("event_date", "2027-02-30", "YYYY-MM-DD"),
    ],
)
def test_answers_accept_only_their_documented_form(name, raw, expected):
    with pytest.raises(ValueError, match=expected):
        ip.parse_answer(name, raw)


def test_answers_at_the_limits_are_accepted():
    assert ip.parse_answer("guests", "100000") == 100000
    assert ip.parse_answer("guests", "007") == 7
    assert ip.parse_answer("quoted_amount", "12 500.5") == Decimal("12500.50")
    assert ip.parse_answer("event_date", "1900-01-01") == date(1900, 1, 1)
    assert ip.parse_answer("event_date", "2200-12-31") == date(2200, 12, 31)


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
        # NUL and U+FFFD are refused in any body (see the tests above).
        st.text(st.characters(exclude_characters="\x00\ufffd"), max_size=50),
    )
)
def test_form_encoding_round_trips(values):
    assert ip.decode_body(ip.encode_form(values), "") == values
