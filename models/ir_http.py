import werkzeug.exceptions

from odoo import models
from odoo.http import request

from .lib import intake_payload

INTAKE_PATH = "/crm/intake"


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        # Refuse an oversized enquiry before Odoo parses the body, with the JSON
        # answer the intake endpoint promises (werkzeug's own 413 is an HTML page).
        httprequest = request.httprequest
        if (
            httprequest.path == INTAKE_PATH
            and (httprequest.content_length or 0) > intake_payload.MAX_BODY_BYTES
        ):
            answer = {
                "ok": False,
                "error": request.env._(
                    "The enquiry is larger than %(size)s bytes; please shorten the "
                    "message.",
                    size=intake_payload.MAX_BODY_BYTES,
                ),
            }
            werkzeug.exceptions.abort(request.make_json_response(answer, status=413))
        return super()._pre_dispatch(rule, args)
