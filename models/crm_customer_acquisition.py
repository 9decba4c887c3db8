import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .lib.acquisition_math import add_months

_logger = logging.getLogger(__name__)

# Dimensions a figure can be grouped by: the column of crm_customer_acquisition and
# the column of account_analytic_account that carries the same UTM record.
GROUPBY_COLUMNS = {
    "campaign": ("campaign_id", "utm_campaign_id"),
    "source": ("source_id", "utm_source_id"),
}


class CrmCustomerAcquisition(models.Model):
    """When, by which campaign, channel and medium a customer was won for the first
    time, per company. Spend, CAC and attributed revenue all start from here.

    The public ``get_*`` methods are the figures other screens (KPI engine, campaign
    and channel forms) reuse. They aggregate in SQL, in company currency, one
    company at a time, and return ``{(company_id, key_id): value}`` where ``key_id``
    is the campaign or source id (``groupby``), or None for the company total.
    """

    _name = "crm.customer.acquisition"
    _description = "Customer Acquisition"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        ondelete="cascade",
        index=True,
        help="Commercial entity of the customer; its contacts share the acquisition.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    lead_id = fields.Many2one(
        "crm.lead",
        string="Won Lead",
        ondelete="set null",
        index="btree_not_null",
        help="The first lead won for this customer in this company.",
    )
    date = fields.Date(string="Acquisition Date", required=True, index=True)
    campaign_id = fields.Many2one(
        "utm.campaign", ondelete="set null", index="btree_not_null"
    )
    source_id = fields.Many2one(
        "utm.source", string="Channel", ondelete="set null", index="btree_not_null"
    )
    medium_id = fields.Many2one("utm.medium", ondelete="set null")
    attribution_end_date = fields.Date(
        compute="_compute_attribution_end_date",
        help="Revenue dated before this day counts for the acquisition.",
    )

    _partner_company_uniq = models.Constraint(
        "UNIQUE(partner_id, company_id)",
        "A customer is acquired only once per company.",
    )

    @api.depends("date", "company_id.crm_attribution_months")
    def _compute_attribution_end_date(self):
        for acquisition in self:
            acquisition.attribution_end_date = acquisition.date and add_months(
                acquisition.date, acquisition.company_id.crm_attribution_months
            )

    # ------------------------------------------------------------
    # Acquisition from won leads
    # ------------------------------------------------------------

    @api.model
    def _lead_acquisition_key(self, lead):
        company = lead.company_id or lead.team_id.company_id or self.env.company
        return lead.partner_id.commercial_partner_id.id, company.id

    @api.model
    def _register_won_leads(self, leads):
        """Create the acquisition of each customer whose first lead is in ``leads``.

        A customer already acquired in the company is repeat business: nothing
        changes. Leads without a customer cannot acquire anybody.
        """
        leads = leads.filtered("partner_id")
        if not leads:
            return self.browse()
        # sudo: crm.customer.acquisition - the system records wins, users only read
        Acquisition = self.sudo()
        keys = {self._lead_acquisition_key(lead) for lead in leads}
        existing = Acquisition.search(
            [("partner_id", "in", [partner_id for partner_id, _c in keys])]
        )
        done = {(acq.partner_id.id, acq.company_id.id) for acq in existing}
        vals_list = []
        for lead in leads.sorted(
            lambda lead: (lead.date_closed or fields.Datetime.now(), lead.id)
        ):
            key = self._lead_acquisition_key(lead)
            if key in done:
                continue
            done.add(key)
            vals_list.append(self._acquisition_values(lead, key))
        return Acquisition.create(vals_list)

    @api.model
    def _acquisition_values(self, lead, key):
        won_at = lead.date_closed or fields.Datetime.now()
        return {
            "partner_id": key[0],
            "company_id": key[1],
            "lead_id": lead.id,
            "date": fields.Date.context_today(self, won_at),
            "campaign_id": lead.campaign_id.id,
            "source_id": lead.source_id.id,
            "medium_id": lead.medium_id.id,
        }

    @api.model
    def _unregister_unwon_leads(self, leads):
        """Leads that leave the won state no longer acquire their customer: the next
        earliest won lead of the customer, if any, takes over."""
        # sudo: crm.customer.acquisition - kept in line with leads by the system
        acquisitions = self.sudo().search([("lead_id", "in", leads.ids)])
        if not acquisitions:
            return
        replacements = []
        for acquisition in acquisitions:
            # sudo: crm.lead - the customer's other wins may belong to other teams
            lead = (
                self.env["crm.lead"]
                .sudo()
                .search(
                    [
                        ("id", "not in", leads.ids),
                        ("won_status", "=", "won"),
                        (
                            "partner_id",
                            "child_of",
                            acquisition.partner_id.id,
                        ),
                        ("company_id", "in", [acquisition.company_id.id, False]),
                    ],
                    order="date_closed, id",
                    limit=1,
                )
            )
            if lead:
                replacements.append(lead)
        acquisitions.unlink()
        for lead in replacements:
            self._register_won_leads(lead)

    # ------------------------------------------------------------
    # Figures (public API)
    # ------------------------------------------------------------

    @api.model
    def _check_figures_scope(self, company_ids, groupby):
        if groupby is not None and groupby not in GROUPBY_COLUMNS:
            raise UserError(
                self.env._(
                    "Group acquisition figures by %(allowed)s, not by %(groupby)s.",
                    allowed=", ".join(GROUPBY_COLUMNS),
                    groupby=groupby,
                )
            )
        self.check_access("read")
        # Figures are read in SQL, so the company scope is enforced here.
        allowed = set(self.env.user._get_company_ids())
        return [cid for cid in company_ids or self.env.companies.ids if cid in allowed]

    @api.model
    def get_customers_acquired(
        self,
        company_ids=None,
        groupby="campaign",
        date_from=None,
        date_to=None,
        res_ids=None,
    ):
        """Number of customers acquired, by company and campaign/source/None.

        :param company_ids: companies to count (default: the active companies);
            companies the user may not access are left out
        :param groupby: "campaign", "source" or None for one total per company
        :param date_from, date_to: acquisition dates, both included
        :param res_ids: only these campaign (or source) ids
        :return: {(company_id, key_id): count}
        """
        company_ids = self._check_figures_scope(company_ids, groupby)
        domain = self._acquisition_domain(
            company_ids, groupby, date_from, date_to, res_ids
        )
        field = groupby and GROUPBY_COLUMNS[groupby][0]
        # sudo: crm.customer.acquisition - counted for the companies checked above
        groups = self.sudo()._read_group(
            domain, ["company_id", field] if field else ["company_id"], ["__count"]
        )
        if field:
            return {(company.id, key.id or None): n for company, key, n in groups}
        return {(company.id, None): n for company, n in groups}

    @api.model
    def _acquisition_domain(self, company_ids, groupby, date_from, date_to, res_ids):
        domain = [("company_id", "in", company_ids)]
        if date_from:
            domain.append(("date", ">=", date_from))
        if date_to:
            domain.append(("date", "<=", date_to))
        if res_ids is not None and groupby:
            domain.append((GROUPBY_COLUMNS[groupby][0], "in", list(res_ids)))
        return domain

    @api.model
    def get_attributed_revenue(
        self,
        company_ids=None,
        groupby="campaign",
        date_from=None,
        date_to=None,
        res_ids=None,
    ):
        """Revenue of the customers acquired, by company and campaign/source/None.

        Customers acquired between ``date_from`` and ``date_to`` (both included)
        count with the revenue of their attribution window: posted customer
        invoices minus credit notes (untaxed, company currency) plus paid POS
        orders that were not invoiced (untaxed, converted at the order's rate).
        Same parameters and result shape as :meth:`get_customers_acquired`.
        """
        company_ids = self._check_figures_scope(company_ids, groupby)
        if not company_ids:
            return {}
        key = (
            SQL.identifier("acq", GROUPBY_COLUMNS[groupby][0])
            if groupby
            else SQL("NULL")
        )
        query = SQL(
            """
            SELECT doc.company_id, doc.key_id, SUM(doc.amount)
              FROM (%(documents)s) doc
          GROUP BY doc.company_id, doc.key_id
            """,
            documents=self._attributed_documents_sql(
                company_ids, key, groupby, date_from, date_to, res_ids
            ),
        )
        rows = self.env.execute_query(query)
        return {
            (company_id, key_id): amount or 0.0 for company_id, key_id, amount in rows
        }

    @api.model
    def get_attributed_documents(
        self,
        company_ids=None,
        groupby="campaign",
        date_from=None,
        date_to=None,
        res_ids=None,
    ):
        """The invoices and POS orders behind :meth:`get_attributed_revenue`.

        :return: (account.move ids, pos.order ids), as two lists
        """
        company_ids = self._check_figures_scope(company_ids, groupby)
        if not company_ids:
            return [], []
        rows = self.env.execute_query(
            self._attributed_documents_sql(
                company_ids, SQL("NULL"), groupby, date_from, date_to, res_ids
            )
        )
        move_ids = sorted(
            {doc_id for _c, _k, kind, doc_id, _a in rows if kind == "move"}
        )
        order_ids = sorted(
            {doc_id for _c, _k, kind, doc_id, _a in rows if kind == "pos"}
        )
        return move_ids, order_ids

    @api.model
    def _attributed_documents_sql(
        self, company_ids, key, groupby, date_from, date_to, res_ids
    ):
        """One row per attributed document: company, key, kind, id, amount."""
        for model in ("crm.customer.acquisition", "account.move", "pos.order"):
            self.env[model].flush_model()
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env["res.company"].flush_model(["crm_attribution_months"])
        conditions = [SQL("acq.company_id IN %s", tuple(company_ids))]
        if date_from:
            conditions.append(SQL("acq.date >= %s", date_from))
        if date_to:
            conditions.append(SQL("acq.date <= %s", date_to))
        if res_ids is not None and groupby:
            conditions.append(
                SQL(
                    "%s = ANY(%s)",
                    SQL.identifier("acq", GROUPBY_COLUMNS[groupby][0]),
                    list(res_ids),
                )
            )
        # An invoiced POS order is left out: its invoice carries its revenue.
        return SQL(
            """
            WITH acq AS (
                SELECT acq.id, acq.company_id, acq.partner_id, %(key)s AS key_id,
                       acq.date AS date_from,
                       (acq.date + make_interval(
                           months => COALESCE(company.crm_attribution_months, 12)
                       ))::date AS date_to
                  FROM crm_customer_acquisition acq
                  JOIN res_company company ON company.id = acq.company_id
                 WHERE %(conditions)s
            )
            SELECT acq.company_id, acq.key_id, 'move' AS kind, move.id,
                   move.amount_untaxed_signed AS amount
              FROM acq
              JOIN account_move move
                ON move.commercial_partner_id = acq.partner_id
               AND move.company_id = acq.company_id
             WHERE move.state = 'posted'
               AND move.move_type IN ('out_invoice', 'out_refund')
               AND move.invoice_date >= acq.date_from
               AND move.invoice_date < acq.date_to
            UNION ALL
            SELECT acq.company_id, acq.key_id, 'pos' AS kind, pos.id,
                   (pos.amount_total - pos.amount_tax)
                       / COALESCE(NULLIF(pos.currency_rate, 0), 1) AS amount
              FROM acq
              JOIN res_partner partner ON partner.commercial_partner_id = acq.partner_id
              JOIN pos_order pos
                ON pos.partner_id = partner.id
               AND pos.company_id = acq.company_id
             WHERE pos.state IN ('paid', 'done')
               AND pos.account_move IS NULL
               AND pos.date_order >= acq.date_from
               AND pos.date_order < acq.date_to
            """,
            key=key,
            conditions=SQL(" AND ").join(conditions),
        )

    # ------------------------------------------------------------
    # Spend (public API)
    # ------------------------------------------------------------

    @api.model
    def _marketing_plan(self):
        return self.env.ref(
            "crm_closed_loop.account_analytic_plan_marketing", raise_if_not_found=False
        )

    @api.model
    def _spend_lines_sql(self, company_ids, key, groupby, date_from, date_to, res_ids):
        """One row per analytic line of spend: company, key, move line id, amount."""
        plan = self._marketing_plan()
        if not plan:
            return None
        column = plan._column_name()
        for model in ("account.analytic.line", "account.move.line"):
            self.env[model].flush_model()
        self.env["account.analytic.account"].flush_model(
            ["plan_id", "root_plan_id", "utm_campaign_id", "utm_source_id"]
        )
        conditions = [
            SQL("line.company_id IN %s", tuple(company_ids)),
            SQL("account.root_plan_id = %s", plan.id),
        ]
        if groupby:
            key_column = SQL.identifier("account", GROUPBY_COLUMNS[groupby][1])
            conditions.append(SQL("%s IS NOT NULL", key_column))
            if res_ids is not None:
                conditions.append(SQL("%s = ANY(%s)", key_column, list(res_ids)))
        if date_from:
            conditions.append(SQL("line.date >= %s", date_from))
        if date_to:
            conditions.append(SQL("line.date <= %s", date_to))
        # Analytic lines hold the move line's company-currency balance split by the
        # distribution percentage; costs are negative, supplier refunds positive.
        return SQL(
            """
            SELECT line.company_id, %(key)s AS key_id, line.move_line_id,
                   -line.amount AS amount
              FROM account_analytic_line line
              JOIN account_analytic_account account
                ON account.id = %(column)s
              JOIN account_move_line move_line ON move_line.id = line.move_line_id
             WHERE move_line.parent_state = 'posted'
               AND %(conditions)s
            """,
            key=key,
            column=SQL.identifier("line", column),
            conditions=SQL(" AND ").join(conditions),
        )

    @api.model
    def get_spend(
        self,
        company_ids=None,
        groupby="campaign",
        date_from=None,
        date_to=None,
        res_ids=None,
    ):
        """Marketing spend, by company and campaign/source/None, company currency.

        Spend is read from the analytic lines of posted journal items tagged with an
        analytic account of the "Marketing" plan: vendor bills and journal entries
        add, supplier credit notes subtract. With ``groupby`` "campaign" (or
        "source") only accounts mapped to a campaign (or source) count; with None,
        every account of the plan. ``date_from``/``date_to`` filter on the
        accounting date. Same result shape as :meth:`get_customers_acquired`.
        """
        company_ids = self._check_figures_scope(company_ids, groupby)
        key = (
            SQL.identifier("account", GROUPBY_COLUMNS[groupby][1])
            if groupby
            else SQL("NULL::integer")
        )
        lines = company_ids and self._spend_lines_sql(
            company_ids, key, groupby, date_from, date_to, res_ids
        )
        if not lines:
            return {}
        rows = self.env.execute_query(
            SQL(
                """
                SELECT spend.company_id, spend.key_id, SUM(spend.amount)
                  FROM (%s) spend
              GROUP BY spend.company_id, spend.key_id
                """,
                lines,
            )
        )
        return {
            (company_id, key_id): amount or 0.0 for company_id, key_id, amount in rows
        }

    @api.model
    def get_spend_move_line_ids(
        self,
        company_ids=None,
        groupby="campaign",
        date_from=None,
        date_to=None,
        res_ids=None,
    ):
        """The journal items (account.move.line ids) behind :meth:`get_spend`."""
        company_ids = self._check_figures_scope(company_ids, groupby)
        lines = company_ids and self._spend_lines_sql(
            company_ids, SQL("NULL::integer"), groupby, date_from, date_to, res_ids
        )
        if not lines:
            return []
        rows = self.env.execute_query(lines)
        return sorted({move_line_id for _c, _k, move_line_id, _a in rows})
