from collections import defaultdict

from odoo import api, fields, models, tools
from odoo.tools import SQL
from odoo.tools.sql import column_exists, table_exists

# Months after acquisition during which a customer's revenue is attributed, when
# the company does not set its own window.
DEFAULT_ATTRIBUTION_MONTHS = 12

# A row's id is the id of the record behind it times ROW_ID_STRIDE plus the offset
# of its kind (see the queries below): spend rows come from analytic lines,
# revenue rows from invoices or POS orders.
ROW_ID_STRIDE = 4
SPEND_OFFSET = 0
INVOICE_OFFSET = 2
POS_ORDER_OFFSET = 3


class CrmClosedLoopMarketingReport(models.Model):
    """Marketing spend, customers acquired and their revenue, one row per fact.

    Three kinds of rows share the columns date, company, campaign, channel and
    medium: ``spend`` (an analytic line of the "Marketing" plan from a posted
    journal item, supplier credit notes negative), ``acquisition`` (a customer won
    for the first time) and ``revenue`` (a posted customer invoice or credit note,
    or a paid POS order that was not invoiced, of an acquired customer within the
    attribution window, dated on the acquisition). This view is the one place
    these figures are defined: the KPI engine sums it for the scorecard and for
    the campaign and channel forms, so summing a column over any filter gives
    their figure for that filter.
    """

    _name = "crm.closed.loop.marketing.report"
    _description = "Closed-loop marketing analysis"
    _auto = False
    _order = "date desc, id desc"
    # Every column the view reads: a search or grouping on the view first writes
    # the pending values of these fields, so it sees the current transaction. The
    # column of the "Marketing" plan on analytic lines is added in _table_sql.
    _depends = {
        "account.analytic.line": ["date", "company_id", "amount", "move_line_id"],
        "account.analytic.account": [
            "utm_source_id",
            "utm_campaign_id",
            "root_plan_id",
        ],
        "account.move.line": ["parent_state"],
        "crm.customer.acquisition": [
            "date",
            "company_id",
            "lead_id",
            "partner_id",
            "source_id",
            "medium_id",
            "campaign_id",
        ],
        "crm.lead": ["team_id"],
        "res.company": ["currency_id", "crm_attribution_months"],
        "account.move": [
            "commercial_partner_id",
            "company_id",
            "state",
            "move_type",
            "invoice_date",
            "amount_untaxed_signed",
        ],
        "pos.order": [
            "partner_id",
            "company_id",
            "state",
            "account_move",
            "date_order",
            "amount_total",
            "amount_tax",
            "currency_rate",
        ],
        "res.partner": ["commercial_partner_id"],
    }

    kind = fields.Selection(
        [
            ("spend", "Spend"),
            ("acquisition", "Customer acquired"),
            ("revenue", "Revenue"),
        ],
        readonly=True,
    )
    date = fields.Date(
        readonly=True,
        help="Spend: accounting date. Customer and revenue: acquisition date.",
    )
    document_date = fields.Date(
        readonly=True, help="Date of the journal item, invoice or POS order."
    )
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

    @property
    def _table_sql(self):
        # Each analytic plan has its own column on analytic lines, made when the
        # plan is: the Marketing plan's cannot be named in _depends.
        table_sql = super()._table_sql
        plan = self.env["crm.customer.acquisition"]._marketing_plan()
        column = plan and self.env["account.analytic.line"]._fields.get(
            plan._column_name()
        )
        return SQL("%s", table_sql, to_flush=column) if column else table_sql

    # ------------------------------------------------------------
    # Documents behind the figures
    # ------------------------------------------------------------

    @api.model
    def _document_ids(self, domain):
        """The records behind the spend and revenue rows matching ``domain``.

        :return: dict with the ids of ``account.move.line`` (spend),
            ``account.move`` and ``pos.order`` (revenue)
        """
        by_offset = defaultdict(list)
        for row_id in self._search(domain):
            by_offset[row_id % ROW_ID_STRIDE].append(row_id // ROW_ID_STRIDE)
        # sudo: account.analytic.line - only the journal item ids are read; the
        # caller opens them with its own rights
        analytic_lines = (
            self.env["account.analytic.line"].sudo().browse(by_offset[SPEND_OFFSET])
        )
        return {
            "account.move.line": sorted(set(analytic_lines.move_line_id.ids)),
            "account.move": sorted(by_offset[INVOICE_OFFSET]),
            "pos.order": sorted(by_offset[POS_ORDER_OFFSET]),
        }

    # ------------------------------------------------------------
    # View parts
    # ------------------------------------------------------------

    def _spend_query(self, plan):
        # Analytic lines carry the company-currency balance of posted journal items
        # split by distribution: costs negative, supplier credit notes positive.
        return SQL(
            """
            SELECT line.id::bigint * 4 AS id,
                   'spend'::text AS kind,
                   line.date AS date,
                   line.date AS document_date,
                   line.company_id AS company_id,
                   NULL::int AS team_id,
                   NULL::int AS partner_id,
                   account.utm_source_id AS source_id,
                   NULL::int AS medium_id,
                   account.utm_campaign_id AS campaign_id,
                   (-line.amount)::numeric AS spend,
                   0 AS customers,
                   0::numeric AS revenue
              FROM account_analytic_line line
              JOIN account_analytic_account account ON account.id = %(column)s
              JOIN account_move_line move_line ON move_line.id = line.move_line_id
             WHERE move_line.parent_state = 'posted'
               AND account.root_plan_id = %(plan)s
            """,
            column=SQL.identifier("line", plan._column_name()),
            plan=plan.id,
        )

    def _period_spend_sql(self, plan, condition):
        """Spend per company, channel and campaign of the analytic lines matching
        ``condition`` (on alias ``line``), by the rules of :meth:`_spend_query`.

        Starts from the period's analytic lines and probes each one's journal
        item by its key: OFFSET 0 keeps PostgreSQL from flattening the lookup
        into the hash join over every posted journal item the view's plan
        uses (as it does with a join or EXISTS).
        """
        return SQL(
            """
            SELECT line.company_id AS company_id,
                   account.utm_source_id AS source_id,
                   NULL::int AS medium_id,
                   account.utm_campaign_id AS campaign_id,
                   SUM((-line.amount)::numeric) AS spend
              FROM account_analytic_line line
              JOIN account_analytic_account account ON account.id = %(column)s
              JOIN LATERAL (
                    SELECT move_line.parent_state
                      FROM account_move_line move_line
                     WHERE move_line.id = line.move_line_id
                    OFFSET 0
                   ) move_line ON move_line.parent_state = 'posted'
             WHERE account.root_plan_id = %(plan)s
               AND %(condition)s
             GROUP BY 1, 2, 3, 4
            """,
            column=SQL.identifier("line", plan._column_name()),
            plan=plan.id,
            condition=condition,
        )

    def _acquisition_query(self):
        return SQL(
            """
            SELECT a.id::bigint * 4 + 1 AS id,
                   'acquisition'::text AS kind,
                   a.date AS date,
                   a.date AS document_date,
                   a.company_id AS company_id,
                   (SELECT l.team_id FROM crm_lead l WHERE l.id = a.lead_id) AS team_id,
                   a.partner_id AS partner_id,
                   a.source_id AS source_id,
                   a.medium_id AS medium_id,
                   a.campaign_id AS campaign_id,
                   0::numeric AS spend,
                   1 AS customers,
                   0::numeric AS revenue
              FROM crm_customer_acquisition a
            """
        )

    def _revenue_query(self):
        # Revenue belongs to the acquisition cohort: its row is dated on the day the
        # customer was acquired, so a period's revenue is that of the customers
        # acquired in it, over their attribution window. An invoiced POS order is
        # counted through its invoice only.
        return SQL(
            """
            SELECT rev.id AS id,
                   'revenue'::text AS kind,
                   a.date AS date,
                   rev.document_date AS document_date,
                   a.company_id AS company_id,
                   (SELECT l.team_id FROM crm_lead l WHERE l.id = a.lead_id) AS team_id,
                   a.partner_id AS partner_id,
                   a.source_id AS source_id,
                   a.medium_id AS medium_id,
                   a.campaign_id AS campaign_id,
                   0::numeric AS spend,
                   0 AS customers,
                   rev.amount::numeric AS revenue
              FROM crm_customer_acquisition a
              JOIN res_company rc ON rc.id = a.company_id
              CROSS JOIN LATERAL (SELECT %(window_end)s AS window_end) w
              JOIN LATERAL (%(documents)s) rev ON TRUE
            """,
            window_end=self._window_end_sql(),
            documents=self._revenue_documents_sql(),
        )

    def _window_end_sql(self):
        """First day after the attribution window of acquisition ``a`` of
        company ``rc``."""
        return SQL(
            "(a.date + make_interval("
            "months => COALESCE(rc.crm_attribution_months, %s)))::date",
            DEFAULT_ATTRIBUTION_MONTHS,
        )

    def _revenue_documents_sql(self):
        """Invoices and POS orders whose revenue counts for acquisition ``a``
        whose window ends on ``w.window_end``: the one definition of attributed
        revenue, shared by this view and the cache of the KPI engine."""
        return SQL(
            """
                    SELECT am.id::bigint * 4 + 2 AS id,
                           am.invoice_date AS document_date,
                           am.amount_untaxed_signed AS amount
                      FROM account_move am
                     WHERE am.commercial_partner_id = a.partner_id
                       AND am.company_id = a.company_id
                       AND am.state = 'posted'
                       AND am.move_type IN ('out_invoice', 'out_refund')
                       AND am.invoice_date >= a.date
                       AND am.invoice_date < w.window_end
                    UNION ALL
                    SELECT po.id::bigint * 4 + 3 AS id,
                           po.date_order::date AS document_date,
                           (po.amount_total - po.amount_tax)
                               / COALESCE(NULLIF(po.currency_rate, 0), 1) AS amount
                      FROM pos_order po
                      JOIN res_partner p ON p.id = po.partner_id
                     WHERE p.commercial_partner_id = a.partner_id
                       AND po.company_id = a.company_id
                       AND po.state IN ('paid', 'done')
                       AND po.account_move IS NULL
                       AND po.date_order >= a.date
                       AND po.date_order < w.window_end
            """
        )

    def _attributed_revenue_sql(self):
        """Scalar expression: the revenue the view attributes to acquisition
        ``a`` (numeric, exact), 0 when none."""
        return SQL(
            """(SELECT COALESCE(SUM(rev.amount::numeric), 0)
                  FROM res_company rc
                 CROSS JOIN LATERAL (SELECT %(window_end)s AS window_end) w
                 CROSS JOIN LATERAL (%(documents)s) rev
                 WHERE rc.id = a.company_id)""",
            window_end=self._window_end_sql(),
            documents=self._revenue_documents_sql(),
        )

    def _view_query(self):
        # Every part gives each column the very type of the view's column: then
        # PostgreSQL flattens the UNION ALL, pushes the period and company filters
        # into each part and skips the columns a query does not read (the lead's
        # team is looked up only when a query filters or groups on it).
        parts = [self._acquisition_query(), self._revenue_query()]
        plan = self.env["crm.customer.acquisition"]._marketing_plan()
        # On first install the plan is loaded after this view is created; the
        # data file that loads it calls init() again.
        if plan:
            parts.append(self._spend_query(plan))
        return SQL(
            """
            SELECT f.id,
                   f.kind, f.date, f.document_date, f.company_id, c.currency_id,
                   f.team_id,
                   f.partner_id, f.source_id, f.medium_id, f.campaign_id,
                   f.spend, f.customers, f.revenue
              FROM (%s) f
              JOIN res_company c ON c.id = f.company_id
            """,
            SQL(" UNION ALL ").join(parts),
        )

    def _sources_ready(self):
        cr = self.env.cr
        return (
            table_exists(cr, "crm_customer_acquisition")
            and column_exists(cr, "res_company", "crm_attribution_months")
            and column_exists(cr, "account_analytic_account", "utm_campaign_id")
        )

    def init(self):
        # Models of this addon are set up in import order; when this view comes
        # first on install, the data file calls init() again once all exist.
        if not self._sources_ready():
            return
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._view_query(),
            )
        )
