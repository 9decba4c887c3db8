import datetime

from odoo import fields, models
from odoo.exceptions import AccessError


class DigestDigest(models.Model):
    _inherit = "digest.digest"

    kpi_crm_closed_loop_conversion = fields.Boolean("Lead Conversion (%)")
    kpi_crm_closed_loop_conversion_value = fields.Float(
        compute="_compute_kpi_crm_closed_loop_values"
    )
    kpi_crm_closed_loop_cac = fields.Boolean("Customer Acquisition Cost")
    kpi_crm_closed_loop_cac_value = fields.Monetary(
        compute="_compute_kpi_crm_closed_loop_values"
    )
    kpi_crm_closed_loop_revenue = fields.Boolean("Attributed Revenue")
    kpi_crm_closed_loop_revenue_value = fields.Monetary(
        compute="_compute_kpi_crm_closed_loop_values"
    )
    kpi_crm_closed_loop_response = fields.Boolean("Median First Response (min)")
    kpi_crm_closed_loop_response_value = fields.Float(
        compute="_compute_kpi_crm_closed_loop_values"
    )

    def _compute_kpi_crm_closed_loop_values(self):
        if not self.env["crm.closed.loop.lead.report"].has_access("read"):
            raise AccessError(
                self.env._("No access to the scorecard; skipped in this digest.")
            )
        start, end, companies = self._get_kpi_compute_parameters()
        date_from = fields.Datetime.to_datetime(start).date()
        # The digest's end is exclusive; the engine's last day is inclusive.
        date_to = (
            fields.Datetime.to_datetime(end) - datetime.timedelta(seconds=1)
        ).date()
        engine = self.env["crm.closed.loop.kpi"]
        by_company = {
            company.id: engine.get_kpis(date_from, date_to, company.ids)
            for company in companies
        }
        for digest in self:
            kpis = by_company[(digest.company_id or self.env.company).id]
            marketing = kpis["marketing"] or {}
            rate = kpis["conversion"]["conversion_rate"]
            # The digest prints numbers only: an undefined KPI shows as 0 there,
            # the scorecard shows it as a dash.
            digest.kpi_crm_closed_loop_conversion_value = (rate or 0.0) * 100
            digest.kpi_crm_closed_loop_cac_value = marketing.get("cac") or 0.0
            digest.kpi_crm_closed_loop_revenue_value = marketing.get("revenue") or 0.0
            digest.kpi_crm_closed_loop_response_value = (
                kpis["response"]["median_minutes"] or 0.0
            )

    def _compute_kpis_actions(self, company, user):
        res = super()._compute_kpis_actions(company, user)
        menu = self.env.ref("crm.crm_menu_root").id
        lead_action = (
            f"crm_closed_loop.crm_closed_loop_lead_report_action?menu_id={menu}"
        )
        money_action = (
            f"crm_closed_loop.crm_closed_loop_marketing_report_action?menu_id={menu}"
        )
        res["kpi_crm_closed_loop_conversion"] = lead_action
        res["kpi_crm_closed_loop_response"] = lead_action
        res["kpi_crm_closed_loop_cac"] = money_action
        res["kpi_crm_closed_loop_revenue"] = money_action
        return res
