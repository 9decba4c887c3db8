from odoo import fields, models, tools
from odoo.tools import SQL

# Months after acquisition during which a customer's revenue is attributed, when
# the company does not set its own window.
DEFAULT_ATTRIBUTION_MONTHS = 12


class CrmClosedLoopMarketingReport(models.Model):
    """Marketing spend, customers acquired and their revenue, one row per fact.

    Three kinds of rows share the columns date, company, campaign, channel and
    medium: ``spend`` (a posted journal item tagged to a marketing analytic account,
    credit notes negative), ``acquisition`` (a customer won for the first time) and
    ``revenue`` (a posted customer invoice or credit note, or a paid POS order that
    was not invoiced, of an acquired customer within the attribution window).
    Summing a column over any filter gives the scorecard's figure for that filter.
    """

    _name = "crm.closed.loop.marketing.report"
    _description = "Closed-loop marketing analysis"
    _auto = False
    _order = "date desc, id desc"

    kind = fields.Selection(
        [
            ("spend", "Spend"),
            ("acquisition", "Customer acquired"),
            ("revenue", "Revenue"),
        ],
        readonly=True,
    )
    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    source_id = fields.Many2one("utm.source", string="Channel", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    spend = fields.Monetary(
        readonly=True, currency_field="currency_id", aggregator="sum"
    )
    customers = fields.Integer("Customers Acquired", readonly=True, aggregator="sum")
    revenue = fields.Monetary(
        "Attributed Revenue",
        readonly=True,
        currency_field="currency_id",
        aggregator="sum",
    )

    # ------------------------------------------------------------
    # View parts
    # ------------------------------------------------------------

    def _has_spend_tagging(self):
        return "utm_campaign_id" in self.env["account.analytic.account"]._fields

    def _has_acquisitions(self):
        return "crm.customer.acquisition" in self.env

    def _spend_query(self):
        # A distribution key lists one analytic account per plan ("12,40"); the
        # marketing accounts among them give the campaign and channel, so a line
        # split over two plans is still counted once.
        return SQL(
            """
            SELECT (aml.id::bigint * 1000 + dist.ord) * 4 AS id,
                   'spend' AS kind,
                   aml.date AS date,
                   aml.company_id AS company_id,
                   NULL::int AS team_id,
                   NULL::int AS partner_id,
                   tag.source_id AS source_id,
                   NULL::int AS medium_id,
                   tag.campaign_id AS campaign_id,
                   aml.balance * dist.percent::numeric / 100 AS spend,
                   0 AS customers,
                   0 AS revenue
              FROM account_move_line aml
             CROSS JOIN LATERAL jsonb_each_text(aml.analytic_distribution)
                   WITH ORDINALITY AS dist(account_ids, percent, ord)
              JOIN LATERAL (
                    SELECT MAX(aa.utm_campaign_id) AS campaign_id,
                           MAX(aa.utm_source_id) AS source_id
                      FROM account_analytic_account aa
                     WHERE aa.id = ANY(string_to_array(dist.account_ids, ',')::int[])
                   ) tag ON tag.campaign_id IS NOT NULL OR tag.source_id IS NOT NULL
             WHERE aml.parent_state = 'posted'
               AND aml.analytic_distribution IS NOT NULL
               AND aml.display_type NOT IN ('payment_term', 'tax')
            """
        )

    def _acquisition_query(self):
        return SQL(
            """
            SELECT a.id::bigint * 4 + 1 AS id,
                   'acquisition' AS kind,
                   a.date AS date,
                   a.company_id AS company_id,
                   l.team_id AS team_id,
                   a.partner_id AS partner_id,
                   a.source_id AS source_id,
                   a.medium_id AS medium_id,
                   a.campaign_id AS campaign_id,
                   0 AS spend,
                   1 AS customers,
                   0 AS revenue
              FROM crm_customer_acquisition a
              LEFT JOIN crm_lead l ON l.id = a.lead_id
            """
        )

    def _window_end(self):
        months = SQL("%s", DEFAULT_ATTRIBUTION_MONTHS)
        field = self.env["res.company"]._fields.get("acquisition_window_months")
        if field is not None and field.store:
            months = SQL(
                "COALESCE(NULLIF(rc.acquisition_window_months, 0), %s)", months
            )
        return SQL("a.date + make_interval(months => (%s)::int)", months)

    def _revenue_query(self):
        # An invoiced POS order is counted through its invoice only.
        return SQL(
            """
            SELECT rev.id AS id,
                   'revenue' AS kind,
                   rev.date AS date,
                   a.company_id AS company_id,
                   l.team_id AS team_id,
                   a.partner_id AS partner_id,
                   a.source_id AS source_id,
                   a.medium_id AS medium_id,
                   a.campaign_id AS campaign_id,
                   0 AS spend,
                   0 AS customers,
                   rev.amount AS revenue
              FROM crm_customer_acquisition a
              JOIN res_company rc ON rc.id = a.company_id
              LEFT JOIN crm_lead l ON l.id = a.lead_id
              JOIN LATERAL (
                    SELECT am.id::bigint * 4 + 2 AS id,
                           am.invoice_date AS date,
                           am.amount_untaxed_signed AS amount
                      FROM account_move am
                     WHERE am.commercial_partner_id = a.partner_id
                       AND am.company_id = a.company_id
                       AND am.state = 'posted'
                       AND am.move_type IN ('out_invoice', 'out_refund')
                    UNION ALL
                    SELECT po.id::bigint * 4 + 3 AS id,
                           po.date_order::date AS date,
                           (po.amount_total - po.amount_tax)
                               / COALESCE(NULLIF(po.currency_rate, 0), 1) AS amount
                      FROM pos_order po
                      JOIN res_partner p ON p.id = po.partner_id
                     WHERE p.commercial_partner_id = a.partner_id
                       AND po.company_id = a.company_id
                       AND po.state IN ('paid', 'done')
                       AND po.account_move IS NULL
                   ) rev ON rev.date >= a.date AND rev.date < %(window_end)s
            """,
            window_end=self._window_end(),
        )

    def _view_query(self):
        parts = []
        if self._has_spend_tagging():
            parts.append(self._spend_query())
        if self._has_acquisitions():
            parts += [self._acquisition_query(), self._revenue_query()]
        if not parts:
            return SQL(
                """
                SELECT 1 AS id, NULL::varchar AS kind, NULL::date AS date,
                       NULL::int AS company_id, NULL::int AS currency_id,
                       NULL::int AS team_id, NULL::int AS partner_id,
                       NULL::int AS source_id, NULL::int AS medium_id,
                       NULL::int AS campaign_id, 0::numeric AS spend,
                       0 AS customers, 0::numeric AS revenue
                 WHERE FALSE
                """
            )
        return SQL(
            """
            SELECT f.id,
                   f.kind, f.date, f.company_id, c.currency_id, f.team_id,
                   f.partner_id, f.source_id, f.medium_id, f.campaign_id,
                   f.spend, f.customers, f.revenue
              FROM (%s) f
              JOIN res_company c ON c.id = f.company_id
            """,
            SQL(" UNION ALL ").join(parts),
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._view_query(),
            )
        )
