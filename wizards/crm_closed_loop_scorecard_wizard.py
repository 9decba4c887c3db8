import datetime

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmClosedLoopScorecardWizard(models.TransientModel):
    _name = "crm.closed.loop.scorecard.wizard"
    _description = "Print the Marketing and Sales Scorecard"

    date_from = fields.Date(
        "From", required=True, default=lambda self: self._default_dates()[0]
    )
    date_to = fields.Date(
        "To", required=True, default=lambda self: self._default_dates()[1]
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        domain="[('company_id', 'in', [company_id, False])]",
    )
    compare = fields.Boolean("Previous period beside", default=True)

    @api.model
    def _default_dates(self):
        first_this_month = fields.Date.context_today(self).replace(day=1)
        last_day = first_this_month - datetime.timedelta(days=1)
        return last_day.replace(day=1), last_day

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(
                    self.env._("The period must start before it ends.")
                )

    def _report_data(self):
        self.ensure_one()
        return {
            "date_from": fields.Date.to_string(self.date_from),
            "date_to": fields.Date.to_string(self.date_to),
            "company_id": self.company_id.id,
            "team_id": self.team_id.id or False,
            "compare": self.compare,
        }

    def action_print_pdf(self):
        return self.env.ref(
            "crm_closed_loop.crm_closed_loop_scorecard_report"
        ).report_action(self, data=self._report_data())

    def action_view_html(self):
        return self.env.ref(
            "crm_closed_loop.crm_closed_loop_scorecard_report_html"
        ).report_action(self, data=self._report_data())
