import logging

from odoo import http
from odoo.http import request
from odoo.service.model import MAX_TRIES_ON_CONCURRENCY_FAILURE

from ..models.lib import intake_payload

_logger = logging.getLogger(__name__)

PREFLIGHT_MAX_AGE = 86400


class CrmIntakeController(http.Controller):
    """Public entry of web forms and calculators: ``POST /crm/intake``."""

    @http.route(
        "/crm/intake",
        type="http",
        auth="public",
        methods=["POST", "OPTIONS"],
        csrf=False,
        save_session=False,
        # Bodies announced too big get a JSON 413 from ir.http; this bound also
        # stops a body sent without Content-Length.
        max_content_length=intake_payload.MAX_BODY_BYTES,
    )
    def crm_intake(self, **_params):
        httprequest = request.httprequest
        origin = httprequest.headers.get("Origin")
        if httprequest.method == "OPTIONS":
            return self._preflight(origin)
        # sudo: crm.intake.submission - visitors store enquiries only via _receive
        Submission = request.env["crm.intake.submission"].sudo()
        address = httprequest.remote_addr or ""
        if Submission._rate_limited(address):
            return self._error(
                429,
                request.env._(
                    "Too many enquiries from your address; please try again "
                    "in a few minutes."
                ),
                self._origin_some_form_allows(origin),
                headers=[("Retry-After", "600")],
            )
        content_type = httprequest.content_type or ""
        if intake_payload.is_json_content_type(content_type):
            body = httprequest.get_data()
        else:
            # The form was parsed already; keep it as one form-encoded text.
            body = intake_payload.encode_form(
                {**httprequest.args, **httprequest.form}
            ).encode()
        form, problem = self._find_form(body, content_type)
        if not form and problem:
            # No form to file it under: refuse the body itself, not its key.
            return self._json(
                400, Submission._refusal(problem), self._origin_some_form_allows(origin)
            )
        if not form:
            return self._error(
                404,
                request.env._(
                    "Unknown form: send the key of an active intake form in "
                    "the field '%(field)s'.",
                    field=intake_payload.FORM_KEY_FIELD,
                ),
                self._origin_some_form_allows(origin),
            )
        status, answer = Submission._receive(
            form,
            body,
            content_type,
            address,
            origin=origin,
            can_replay=self._can_replay(),
        )
        allowed = intake_payload.origin_allowed(origin, form._allowed_origins())
        return self._json(status, answer, origin if allowed else None)

    def _can_replay(self):
        """Whether Odoo will replay this request if it hits a concurrency error.

        Odoo's ``retrying`` calls the route again on the same request object,
        at most MAX_TRIES_ON_CONCURRENCY_FAILURE times, and answers a 500 when
        the last one fails: that last try must settle for queueing instead.
        """
        tries = getattr(request, "_crm_intake_tries", 0) + 1
        request._crm_intake_tries = tries
        return tries < MAX_TRIES_ON_CONCURRENCY_FAILURE

    def _find_form(self, body, content_type):
        """The form the body names and, if the body is refused, its problem."""
        key, problem = intake_payload.find_form_key(body, content_type)
        key = key or request.httprequest.args.get(intake_payload.FORM_KEY_FIELD)
        if not intake_payload.is_form_key(key):
            return None, problem
        # Visitors may not read form settings; only the form they name exactly is
        # used, to file their enquiry.
        # sudo: crm.intake.form - look up the form named by its exact key
        Form = request.env["crm.intake.form"].sudo()
        return Form._find_by_key(key), problem

    def _origin_some_form_allows(self, origin):
        """``origin`` if some active form allows it, else None: the sites that
        may read an answer given before the form is known."""
        normalized = intake_payload.normalize_origin(origin)
        if not normalized:
            return None
        # sudo: crm.intake.form - reads allowed origins only, to answer CORS
        Form = request.env["crm.intake.form"].sudo()
        forms = Form.search([("allowed_origins", "ilike", normalized)])
        if any(normalized in form._allowed_origins() for form in forms):
            return origin
        return None

    def _preflight(self, origin):
        """Let browsers send JSON from a site that some active form allows."""
        headers = []
        if self._origin_some_form_allows(origin):
            headers = [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Methods", "POST"),
                ("Access-Control-Allow-Headers", "Content-Type"),
                ("Access-Control-Max-Age", str(PREFLIGHT_MAX_AGE)),
                ("Vary", "Origin"),
            ]
        return request.make_response("", headers=headers, status=204)

    def _error(self, status, message, origin, headers=None):
        return self._json(status, {"ok": False, "error": message}, origin, headers)

    def _json(self, status, answer, origin, headers=None):
        headers = list(headers or [])
        if origin:
            headers += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        return request.make_json_response(answer, headers=headers, status=status)
