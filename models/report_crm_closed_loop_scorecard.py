import datetime

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_amount

from .lib import kpi_formulas as kf
from .lib import svg_charts


class ReportCrmClosedLoopScorecard(models.AbstractModel):
    """Values of the "Marketing and Sales Scorecard" (PDF, HTML and e-mail).

    ``data`` carries ``date_from``, ``date_to`` (ISO days), ``company_id``,
    ``team_id`` (optional) and ``compare`` (print the previous period beside).
    """

    _name = "report.crm_closed_loop.report_scorecard"
    _description = "Marketing and Sales Scorecard"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = dict(data or {})
        if docids and not data.get("date_from"):
            wizard = self.env["crm.closed.loop.scorecard.wizard"].browse(docids[:1])
            data.update(wizard._report_data())
        return self._scorecard_values(data)

    @api.model
    def _scorecard_values(self, data):
        company = self.env["res.company"].browse(
            int(data.get("company_id") or self.env.company.id)
        )
        team = (
            self.env["crm.team"].browse(int(data["team_id"]))
            if data.get("team_id")
            else None
        )
        date_from = fields.Date.to_date(data["date_from"])
        date_to = fields.Date.to_date(data["date_to"])
        team_ids = team.ids if team else None
        engine = self.env["crm.closed.loop.kpi"]
        current = engine.get_kpis(date_from, date_to, company.ids, team_ids=team_ids)
        previous = None
        if data.get("compare", True):
            prev_from, prev_to = kf.previous_period(date_from, date_to)
            previous = engine.get_kpis(
                prev_from, prev_to, company.ids, team_ids=team_ids
            )
        return {
            "doc_ids": [],
            "doc_model": "crm.closed.loop.kpi",
            "docs": company,
            "company": company,
            "team": team,
            "kpis": current,
            "previous": previous,
            "charts": self._charts(current),
            "fmt_money": lambda value: self._fmt_money(value, company),
            "fmt_pct": self._fmt_pct,
            "fmt_minutes": self._fmt_minutes,
            "fmt_change": self._fmt_change,
            "printed_on": fields.Datetime.context_timestamp(
                self, datetime.datetime.now()
            ).strftime("%Y-%m-%d %H:%M"),
        }

    # ------------------------------------------------------------
    # Charts
    # ------------------------------------------------------------

    def _charts(self, kpis):
        charts = {}
        sources = kpis["leads"]["by_source"][:10]
        charts["leads_by_source"] = Markup(
            svg_charts.bar_chart(
                self.env._("Leads by channel"),
                [row["name"] for row in sources],
                [
                    (self.env._("Leads"), [row["count"] for row in sources]),
                    (self.env._("Won"), [row["won"] for row in sources]),
                ],
            )
        )
        stages = kpis["pipeline"]["stages"]
        charts["pipeline"] = Markup(
            svg_charts.bar_chart(
                self.env._("Open pipeline by stage"),
                [row["name"] for row in stages],
                [
                    (
                        self.env._("Expected"),
                        [row["expected_revenue"] for row in stages],
                    ),
                    (
                        self.env._("Weighted"),
                        [row["weighted_revenue"] for row in stages],
                    ),
                ],
            )
        )
        marketing = kpis["marketing"]
        if marketing is not None:
            rows = marketing["by_source"][:10]
            charts["spend_revenue"] = Markup(
                svg_charts.bar_chart(
                    self.env._("Spend and attributed revenue by channel"),
                    [row["name"] for row in rows],
                    [
                        (self.env._("Spend"), [row["spend"] for row in rows]),
                        (self.env._("Revenue"), [row["revenue"] for row in rows]),
                    ],
                )
            )
        return charts

    # ------------------------------------------------------------
    # Formatting; None prints as a dash, never as zero
    # ------------------------------------------------------------

    def _fmt_money(self, value, company):
        if value is None:
            return "-"
        return format_amount(self.env, value, company.currency_id)

    @api.model
    def _fmt_pct(self, value):
        return "-" if value is None else f"{value * 100:.1f} %"

    @api.model
    def _fmt_minutes(self, value):
        if value is None:
            return "-"
        hours, minutes = divmod(round(value), 60)
        return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"

    @api.model
    def _fmt_change(self, current, previous):
        change = kf.change(current, previous)
        if change is None:
            return ""
        return f"{'+' if change >= 0 else ''}{change * 100:.0f} %"
