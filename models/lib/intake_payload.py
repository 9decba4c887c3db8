"""Parse and validate what a web form or calculator posts to the intake endpoint.

Plain Python without the ORM, so that every rule about what the public may
send is testable on its own and the same rules apply to a live request and to
a stored submission processed again later.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode, urlsplit

# Largest body accepted; a long enquiry with calculator answers is ~2 KiB.
MAX_BODY_BYTES = 16 * 1024
MAX_KEYS = 50
FORM_KEY_FIELD = "form"
# Hidden in the embeddable form: people never fill it, form-filling bots do.
HONEYPOT_FIELD = "fax"

CONTACT_LIMITS = {
    "name": 128,
    "email": 254,
    "phone": 32,
    "company": 128,
    "message": 5000,
}
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign")
UTM_MAX_LENGTH = 64
# Calculator answers with a known meaning get a type; other answers a form
# accepts are kept as short text.
TYPED_ANSWERS = {
    "event_date": "date",
    "guests": "count",
    "quoted_amount": "amount",
    "package": "text",
}
DEFAULT_ACCEPTED_ANSWERS = ("event_date", "guests", "package", "quoted_amount")
ANSWER_TEXT_MAX_LENGTH = 500
MAX_GUESTS = 100_000
MAX_AMOUNT = Decimal("1000000000")
REVENUE_MODES = ("none", "quote", "quote_per_guest")

_ANSWER_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_EMAIL_RE = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]{2,}$")
_PHONE_RE = re.compile(r"^\+?[0-9 ()./-]+$")
# ASCII digits only: str.isdigit() and \d also take "²" and Arabic-Indic digits.
_AMOUNT_RE = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
_COUNT_RE = re.compile(rf"[0-9]{{1,{len(str(MAX_GUESTS))}}}")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MIN_YEAR, MAX_YEAR = 1900, 2200
_SPACES_RE = re.compile(r"\s+")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
RESERVED_KEYS = frozenset(
    {FORM_KEY_FIELD, HONEYPOT_FIELD, *CONTACT_LIMITS, *UTM_FIELDS, "csrf_token"}
)


class PayloadError(ValueError):
    """The body cannot be accepted; ``problems`` maps each field to what to fix."""

    def __init__(self, problems):
        self.problems = dict(problems)
        super().__init__(
            "; ".join(f"{name}: {text}" for name, text in self.problems.items())
        )


@dataclass(frozen=True)
class Payload:
    contact: dict = field(default_factory=dict)
    utm: dict = field(default_factory=dict)
    answers: dict = field(default_factory=dict)
    ignored: tuple = ()

    def canonical(self):
        """A stable text of the meaning of the payload, for idempotency."""
        return json.dumps(
            {"contact": self.contact, "utm": self.utm, "answers": self.answers},
            sort_keys=True,
            default=str,
            ensure_ascii=True,
        )


# Body decoding


def is_json_content_type(content_type):
    mimetype = (content_type or "").split(";", 1)[0].strip().lower()
    return mimetype == "application/json" or mimetype.endswith("+json")


def decode_body(body, content_type):
    """Turn the raw body into a flat ``{name: text}`` dict.

    :param bytes|str body: the body as received
    :raises PayloadError: when the body is too big, not UTF-8, not a JSON object
        or has nested values
    """
    if isinstance(body, str):
        body = body.encode()
    if len(body) > MAX_BODY_BYTES:
        raise PayloadError(
            {"body": f"is larger than {MAX_BODY_BYTES} bytes; send a shorter message"}
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError({"body": "is not valid UTF-8 text"}) from exc
    if is_json_content_type(content_type):
        values = _decode_json(text)
    else:
        values = {}
        for key, value in parse_qsl(text, keep_blank_values=True):
            # A field sent twice (a checkbox group) keeps its first value.
            values.setdefault(key, value)
        # Odoo parses form fields before the controller runs and replaces bytes
        # that are not UTF-8 with U+FFFD; refuse them as a JSON body would be.
        if any("\ufffd" in key + value for key, value in values.items()):
            raise PayloadError({"body": "is not valid UTF-8 text"})
    _check_storable(values)
    return values


def _is_storable(text):
    """Whether PostgreSQL can store ``text``: UTF-8 encodable and without NUL."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_storable(values):
    """Refuse lone surrogates (``"\\ud800"`` in JSON) and NUL characters, which
    would otherwise be accepted and then fail in the database at every retry."""
    problems = {}
    for key, value in values.items():
        if not _is_storable(key):
            problems["body"] = "has a field name that is not valid text"
        elif not _is_storable(value):
            problems[key] = (
                "contains characters that are not valid text (NUL or a lone "
                "UTF-16 surrogate); send plain UTF-8 text"
            )
    if problems:
        raise PayloadError(problems)


def _decode_json(text):
    try:
        # Integers kept as text: thousands of digits would make int() refuse
        # them with a message about Python, not about the field.
        data = json.loads(text or "{}", parse_float=Decimal, parse_int=str)
    except ValueError as exc:
        raise PayloadError({"body": "is not valid JSON"}) from exc
    if not isinstance(data, dict):
        raise PayloadError({"body": "must be a JSON object of field names and values"})
    values = {}
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, (dict, list)):
            name = key if _is_storable(key) else "body"
            raise PayloadError({name: "must be a single value, not a list or object"})
        if isinstance(value, bool):
            values[str(key)] = "yes" if value else "no"
        else:
            values[str(key)] = str(value)
    return values


def find_form_key(body, content_type):
    """The form key a body names, and the problem of the body if it is refused.

    The key is still found in a JSON object whose other fields are wrong, so a
    refused body can be stored for its form rather than lost.

    :return: ``(key or None, PayloadError or None)``
    """
    try:
        values = decode_body(body, content_type)
    except PayloadError as error:
        problem = error
    else:
        return values.get(FORM_KEY_FIELD), None
    if len(body) > MAX_BODY_BYTES:
        return None, problem
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not is_json_content_type(content_type):
        return dict(parse_qsl(body)).get(FORM_KEY_FIELD), problem
    try:
        data = json.loads(body, parse_int=Decimal, parse_float=Decimal)
    except ValueError:
        return None, problem
    key = data.get(FORM_KEY_FIELD) if isinstance(data, dict) else None
    return (key if isinstance(key, str) else None), problem


def encode_form(values):
    """Form-encode ``values`` (the form fields a server already parsed)."""
    return urlencode(list(values.items()))


def honeypot_filled(values):
    return bool((values.get(HONEYPOT_FIELD) or "").strip())


# Validation


def clean_text(value):
    """Drop control characters, trim, and collapse runs of blanks."""
    return _SPACES_RE.sub(" ", _CONTROL_RE.sub("", value or "")).strip()


def clean_message(value):
    """Like :func:`clean_text` but keeps line breaks of a free-text message."""
    lines = (clean_text(line) for line in (value or "").splitlines())
    return "\n".join(lines).strip()


def utm_key(value):
    """The identity of a UTM label: " Google ", "google" and "GOOGLE" are one."""
    return clean_text(value).casefold()


def parse_accepted_answers(text):
    """Answer names from a form's configuration: comma or line separated.

    :raises PayloadError: when a name is not a lowercase identifier
    """
    names = [clean_text(part) for part in re.split(r"[,\n]", text or "")]
    names = [name for name in names if name]
    bad = [name for name in names if not _ANSWER_KEY_RE.match(name)]
    reserved = [name for name in names if name in RESERVED_KEYS]
    if bad or reserved:
        raise PayloadError(
            {
                "accepted_fields": "use lowercase names of letters, digits and "
                "underscores that are not contact or UTM fields: "
                + ", ".join(bad + reserved)
            }
        )
    return tuple(dict.fromkeys(names))


def parse_payload(values, accepted_answers=DEFAULT_ACCEPTED_ANSWERS):
    """Validate the decoded fields of a submission.

    :param dict values: ``{name: text}`` as returned by :func:`decode_body`
    :param accepted_answers: the calculator answers the form accepts
    :return: the cleaned :class:`Payload`
    :raises PayloadError: with every problem found, each saying what to fix
    """
    if len(values) > MAX_KEYS:
        raise PayloadError({"body": f"has more than {MAX_KEYS} fields"})
    problems = {}
    contact = _parse_contact(values, problems)
    utm = {}
    for name in UTM_FIELDS:
        value = clean_text(values.get(name))
        if len(value) > UTM_MAX_LENGTH:
            problems[name] = f"must be at most {UTM_MAX_LENGTH} characters"
        elif value:
            utm[name] = value
    accepted = set(accepted_answers)
    answers = {}
    ignored = []
    for name, raw in values.items():
        if name in RESERVED_KEYS:
            continue
        if name not in accepted:
            ignored.append(name)
            continue
        try:
            value = parse_answer(name, raw)
        except ValueError as exc:
            problems[name] = str(exc)
            continue
        if value is not None:
            answers[name] = value
    if problems:
        raise PayloadError(problems)
    return Payload(contact, utm, answers, tuple(sorted(ignored)))


def _parse_contact(values, problems):
    contact = {}
    for name, limit in CONTACT_LIMITS.items():
        raw = values.get(name)
        value = clean_message(raw) if name == "message" else clean_text(raw)
        if len(value) > limit:
            problems[name] = f"must be at most {limit} characters"
        elif value:
            contact[name] = value
    email = contact.get("email")
    if email and not _EMAIL_RE.match(email):
        problems["email"] = "is not an e-mail address like name@example.com"
    elif email:
        contact["email"] = email.lower()
    phone = contact.get("phone")
    if phone and (not _PHONE_RE.match(phone) or sum(c.isdigit() for c in phone) < 6):
        problems["phone"] = "must be a phone number of at least 6 digits"
    if not email and not phone and "email" not in problems:
        problems["email"] = "give an e-mail address or a phone number to reply to"
    return contact


def parse_answer(name, raw):
    """Convert one calculator answer; ``None`` when left empty.

    :raises ValueError: with what to fix
    """
    kind = TYPED_ANSWERS.get(name, "text")
    text = clean_text(raw)
    if not text:
        return None
    if kind == "date":
        # date.fromisoformat() also takes 20271231 and 2027-W01-1.
        try:
            value = date.fromisoformat(text) if _DATE_RE.fullmatch(text) else None
        except ValueError:
            value = None
        if value is None or not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(
                f"must be a date written YYYY-MM-DD, in the years {MIN_YEAR} "
                f"to {MAX_YEAR}"
            )
        return value
    if kind == "count":
        if not _COUNT_RE.fullmatch(text) or not 0 < int(text) <= MAX_GUESTS:
            raise ValueError(f"must be a whole number from 1 to {MAX_GUESTS}")
        return int(text)
    if kind == "amount":
        compact = text.replace(" ", "").replace(",", "")
        try:
            amount = Decimal(compact) if _AMOUNT_RE.fullmatch(compact) else None
        except InvalidOperation:
            amount = None
        if amount is None or amount > MAX_AMOUNT:
            raise ValueError("must be an amount like 12500.00, without currency")
        # 85000.5 and 85000.50 are one quote, for the idempotency hash too.
        return amount.quantize(Decimal("0.01"))
    if len(text) > ANSWER_TEXT_MAX_LENGTH:
        raise ValueError(f"must be at most {ANSWER_TEXT_MAX_LENGTH} characters")
    return text


def expected_revenue(mode, answers):
    """What the quote says the lead is worth, or ``None`` to leave it empty."""
    amount = answers.get("quoted_amount")
    if mode == "none" or amount is None:
        return None
    if mode == "quote_per_guest":
        guests = answers.get("guests")
        return None if guests is None else amount * guests
    return amount


def payload_hash(form_key, payload):
    """Same form and same meaning give the same hash, whatever the encoding."""
    text = f"{form_key}\n{payload.canonical()}"
    return hashlib.sha256(text.encode()).hexdigest()


# Origins


def normalize_origin(value):
    """``scheme://host[:port]`` of an Origin header or a URL, lower-cased."""
    value = clean_text(value)
    if not value or value == "null":
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    port = parts.port
    default_port = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if port and port != default_port:
        return f"{parts.scheme}://{host}:{port}"
    return f"{parts.scheme}://{host}"


def parse_origins(text):
    """The allowed origins of a form, one per line or comma separated.

    :raises PayloadError: when an entry is not an http(s) origin
    """
    entries = [clean_text(part) for part in re.split(r"[,\s]+", text or "")]
    origins, bad = [], []
    for entry in filter(None, entries):
        origin = normalize_origin(entry)
        (origins if origin else bad).append(origin or entry)
    if bad:
        raise PayloadError(
            {
                "allowed_origins": "write each origin like https://www.example.com: "
                + ", ".join(bad)
            }
        )
    return tuple(dict.fromkeys(origins))


def origin_allowed(origin, allowed_origins):
    """No configured origin means any; otherwise the Origin must be listed."""
    if not allowed_origins:
        return True
    return normalize_origin(origin) in allowed_origins


_FORM_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def is_form_key(value):
    return bool(value and _FORM_KEY_RE.match(value))
