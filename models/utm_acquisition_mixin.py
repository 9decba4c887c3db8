from odoo import api, fields, models
from odoo.exceptions import UserError

from .crm_customer_acquisition import GROUPBY_COLUMNS
from .lib import acquisition_math

# Who sees the figures: sales, marketing and accounting users. Other users of
# campaigns (e-mail marketing, events) keep the stock form, without access errors.
FIGURE_GROUPS = (
    "sales_team.group_sale_salesman,"
    "crm_closed_loop.group_marketing,"
    "account.group_account_invoice,"
    "account.group_account_readonly"
)
# Money is for those who answer for it; salespeople see leads and customers only,
# as on the scorecard.
MONEY_GROUPS = (
    "sales_team.group_sale_manager,"
    "crm_closed_loop.group_marketing,"
    "account.group_account_invoice,"
    "account.group_account_readonly"
)


class UtmAcquisitionMixin(models.AbstractModel):
    """Spend, leads, customers acquired, CAC and attributed revenue on a UTM record
    (campaign or channel), for the current company, with the actions that open the
    records behind each figure."""

    _name = "utm.acquisition.mixin"
    _description = "Acquisition Figures of a Campaign or Channel"

    # "campaign" or "source": the dimension of crm.customer.acquisition figures.
    _acquisition_groupby = None
    # The field of crm.lead and of account.analytic.account pointing to self.
    _acquisition_lead_field = None
    _acquisition_analytic_field = None

    acquisition_currency_id = fields.Many2one(
        "res.currency", compute="_compute_acquisition_figures", groups=FIGURE_GROUPS
    )
    # A Float: Monetary cannot be company dependent, and the budget is per company.
    marketing_budget = fields.Float(
        string="Planned Budget",
        digits="Account",
        company_dependent=True,
        groups=MONEY_GROUPS,
        help="Marketing budget planned for this company, in its currency.",
    )
    marketing_spend = fields.Monetary(
        string="Spend",
        currency_field="acquisition_currency_id",
        compute="_compute_acquisition_figures",
        groups=MONEY_GROUPS,
    )
    marketing_budget_used = fields.Float(
        string="Budget Used (%)",
        compute="_compute_acquisition_figures",
        groups=MONEY_GROUPS,
    )
    acquisition_lead_count = fields.Integer(
        string="Leads",
        compute="_compute_acquisition_lead_count",
        groups="sales_team.group_sale_salesman",
    )
    acquisition_customer_count = fields.Integer(
        string="Customers Acquired",
        compute="_compute_acquisition_figures",
        groups=FIGURE_GROUPS,
    )
    acquisition_cac = fields.Monetary(
        string="CAC",
        currency_field="acquisition_currency_id",
        compute="_compute_acquisition_figures",
        groups=MONEY_GROUPS,
        help="Spend divided by customers acquired.",
    )
    acquisition_revenue = fields.Monetary(
        string="Attributed Revenue",
        currency_field="acquisition_currency_id",
        compute="_compute_acquisition_figures",
        groups=MONEY_GROUPS,
    )
    acquisition_return_on_spend = fields.Float(
        string="Return on Spend",
        compute="_compute_acquisition_figures",
        groups=MONEY_GROUPS,
        help="Attributed revenue divided by spend.",
    )
    marketing_analytic_account_ids = fields.Many2many(
        "account.analytic.account",
        compute="_compute_marketing_analytic_account_ids",
        string="Marketing Analytic Accounts",
    )

    def _acquisition_figure_args(self):
        return {
            "company_ids": self.env.company.ids,
            "groupby": self._acquisition_groupby,
            "res_ids": self.ids,
        }

    @api.depends("marketing_budget")
    @api.depends_context("company")
    def _compute_acquisition_figures(self):
        Acquisition = self.env["crm.customer.acquisition"]
        company = self.env.company
        args = self._acquisition_figure_args()
        spend = Acquisition.get_spend(**args)
        customers = Acquisition.get_customers_acquired(**args)
        revenue = Acquisition.get_attributed_revenue(**args)
        for record in self:
            key = (company.id, record.id)
            # Read back through locals: the money fields are not readable by
            # every user who reads the customer count.
            record_spend = spend.get(key, 0.0)
            record_customers = customers.get(key, 0)
            record_revenue = revenue.get(key, 0.0)
            record.acquisition_currency_id = company.currency_id
            record.marketing_spend = record_spend
            record.acquisition_customer_count = record_customers
            record.acquisition_revenue = record_revenue
            record.acquisition_cac = (
                acquisition_math.cac(record_spend, record_customers) or 0.0
            )
            record.acquisition_return_on_spend = (
                acquisition_math.return_on_spend(record_revenue, record_spend) or 0.0
            )
            # sudo: utm.campaign/utm.source - the budget is read only for the ratio
            budget = record.sudo().marketing_budget
            record.marketing_budget_used = (
                acquisition_math.budget_used_percent(budget, record_spend) or 0.0
            )

    @api.depends_context("company")
    def _compute_acquisition_lead_count(self):
        groups = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            ._read_group(
                [(self._acquisition_lead_field, "in", self.ids)],
                [self._acquisition_lead_field],
                ["__count"],
            )
        )
        counts = {record.id: count for record, count in groups}
        for record in self:
            record.acquisition_lead_count = counts.get(record.id, 0)

    def _compute_marketing_analytic_account_ids(self):
        # sudo: account.analytic.account - names of the linked accounts are not secret
        groups = (
            self.env["account.analytic.account"]
            .sudo()
            ._read_group(
                [(self._acquisition_analytic_field, "in", self.ids)],
                [self._acquisition_analytic_field],
                ["id:array_agg"],
            )
        )
        account_ids = {record.id: ids for record, ids in groups}
        for record in self:
            record.marketing_analytic_account_ids = account_ids.get(record.id, [])

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_create_marketing_analytic_account(self):
        """Create the analytic account of the "Marketing" plan that accountants use
        to tag this record's costs, or open it when one already exists."""
        self.ensure_one()
        Account = self.env["account.analytic.account"]
        plan = self.env["crm.customer.acquisition"]._marketing_plan()
        if not plan:
            raise UserError(
                self.env._("The analytic plan “Marketing” is missing; reinstall it.")
            )
        account = Account.search(
            [(self._acquisition_analytic_field, "=", self.id)], limit=1
        ) or Account.create(
            {
                "name": self.display_name,
                "plan_id": plan.id,
                "company_id": False,
                self._acquisition_analytic_field: self.id,
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.analytic.account",
            "res_id": account.id,
            "view_mode": "form",
        }

    def action_view_marketing_spend(self):
        """Journal items of posted entries tagged to this record."""
        self.ensure_one()
        MoveLine = self.env["account.move.line"]
        MoveLine.check_access("read")
        ids = self.env["crm.customer.acquisition"].get_spend_move_line_ids(
            **self._acquisition_figure_args()
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Spend of %(name)s", name=self.display_name),
            "res_model": "account.move.line",
            "view_mode": "list,form",
            "domain": [("id", "in", ids)],
            "context": {"create": False},
        }

    def action_view_acquisition_leads(self):
        self.ensure_one()
        self.env["crm.lead"].check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Leads of %(name)s", name=self.display_name),
            "res_model": "crm.lead",
            "view_mode": "list,kanban,form",
            "domain": [(self._acquisition_lead_field, "=", self.id)],
            "context": {"active_test": False, "create": False},
        }

    def action_view_acquired_customers(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Customers acquired by %(name)s", name=self.display_name
            ),
            "res_model": "crm.customer.acquisition",
            "view_mode": "list,form",
            "domain": [
                ("company_id", "=", self.env.company.id),
                (GROUPBY_COLUMNS[self._acquisition_groupby][0], "=", self.id),
            ],
        }

    def action_view_attributed_invoices(self):
        self.ensure_one()
        self.env["account.move"].check_access("read")
        move_ids, _order_ids = self.env[
            "crm.customer.acquisition"
        ].get_attributed_documents(**self._acquisition_figure_args())
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Invoices attributed to %(name)s", name=self.display_name
            ),
            "res_model": "account.move",
            "view_mode": "list,form",
            "domain": [("id", "in", move_ids)],
            "context": {"create": False},
        }

    def action_view_attributed_pos_orders(self):
        self.ensure_one()
        self.env["pos.order"].check_access("read")
        _move_ids, order_ids = self.env[
            "crm.customer.acquisition"
        ].get_attributed_documents(**self._acquisition_figure_args())
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "POS orders attributed to %(name)s", name=self.display_name
            ),
            "res_model": "pos.order",
            "view_mode": "list,form",
            "domain": [("id", "in", order_ids)],
            "context": {"create": False},
        }
