import logging
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG

_logger = logging.getLogger(__name__)

# The demo company keeps its books in rand. The main company of a demo database
# already has entries in another currency by the time this addon installs, and
# a company's currency cannot change once it has entries, hence a company of its
# own with Odoo's generic chart.
DEMO_CHART_TEMPLATE = "generic_coa"

# What the uninstall purge removes, in an order that respects the foreign keys
# between them: what the POS and the bills created first, the chart last.
DEMO_PURGE_MODELS = (
    "pos.payment",
    "pos.order",
    "pos.session",
    "account.bank.statement.line",
    "account.bank.statement",
    "account.payment",
    "account.move",
    "pos.config",
    "pos.payment.method",
    "account.reconcile.model",
    "account.fiscal.position",
    "account.tax",
    "account.tax.group",
    "account.journal",
    "product.pricelist",
    "product.value",
    "stock.rule",
    "stock.warehouse",
    "stock.route",
    "stock.picking.type",
    "stock.location",
    "ir.sequence",
    "resource.calendar",
)


class CrmClosedLoopDemo(models.AbstractModel):
    """The demo data that business logic must create (chart of accounts, posted
    bills, closed POS sessions), loaded by ``<function>`` calls of the demo XML
    files, and its removal at uninstall. Nothing else uses this model."""

    _name = "crm.closed.loop.demo"
    _description = "Closed-loop demo data loader"

    # ------------------------------------------------------------------
    # Loaders, called from the demo XML files with the company's id
    # ------------------------------------------------------------------

    @api.model
    def _load_chart(self, company_id):
        """Give the demo company a chart of accounts and rand as its currency."""
        company = self.env["res.company"].browse(company_id)
        zar = self.env.ref("base.ZAR")
        zar.active = True
        if not company.chart_template:
            self.env["account.chart.template"].try_loading(
                DEMO_CHART_TEMPLATE, company=company, install_demo=False
            )
        # The generic chart sets its own currency; the company has no entry yet,
        # so it can still switch to rand.
        company.currency_id = zar

    @api.model
    def _load_bills(self, company_id, bills):
        """Create and post vendor bills of the demo company.

        :param bills: list of dicts with ``partner_id``, ``days_ago``, ``ref`` and
            ``lines``, a list of ``(label, amount)`` pairs in company currency,
            or ``(label, amount, analytic_account_id)`` to tag the line's cost
            with an analytic account (all of it).
        :return: the posted bills
        """
        company = self.env["res.company"].browse(company_id)
        moves = self.env["account.move"].with_company(company)
        journal = moves.env["account.journal"].search(
            [("company_id", "=", company.id), ("type", "=", "purchase")], limit=1
        )
        if not journal:
            raise UserError(
                self.env._(
                    "The company %(company)s has no purchase journal; load its "
                    "chart of accounts first.",
                    company=company.name,
                )
            )
        today = fields.Date.context_today(self)
        vals_list = []
        for bill in bills:
            date = today - timedelta(days=bill["days_ago"])
            vals_list.append(
                {
                    "move_type": "in_invoice",
                    "company_id": company.id,
                    "journal_id": journal.id,
                    "partner_id": bill["partner_id"],
                    "ref": bill["ref"],
                    "invoice_date": date,
                    "date": date,
                    "invoice_line_ids": [
                        Command.create(self._bill_line(*line)) for line in bill["lines"]
                    ],
                }
            )
        posted = moves.create(vals_list)
        posted.action_post()
        return posted

    @api.model
    def _bill_line(self, label, amount, analytic_account_id=None):
        vals = {"name": label, "quantity": 1, "price_unit": amount}
        if analytic_account_id:
            vals["analytic_distribution"] = {str(analytic_account_id): 100}
        return vals

    @api.model
    def _load_pos(self, company_id, outlets):
        """Open a POS session per outlet, ring up paid orders and close it.

        :param outlets: list of dicts with ``name`` (of the POS config),
            ``user_id`` (the cashier, a POS user allowed in this company) and
            ``orders``, each a dict with ``days_ago``, optional ``partner_id``,
            ``payment`` (``cash`` or ``card``) and ``lines``, a list of
            ``(product_id, quantity)`` pairs; prices are the products' list prices.
        :return: the closed sessions
        """
        company = self.env["res.company"].browse(company_id)
        env = self.with_company(company).env
        self._warehouse(company)
        sessions = env["pos.session"]
        for outlet in outlets:
            config = env["pos.config"].search(
                [("name", "=", outlet["name"]), ("company_id", "=", company.id)],
                limit=1,
            ) or self._create_pos_config(company, outlet["name"])
            # Odoo refuses to open a POS session as the superuser; a cashier does.
            cashier = env["res.users"].browse(outlet["user_id"])
            sessions |= self._run_session(config.with_user(cashier), outlet["orders"])
        return sessions

    @api.model
    def _create_pos_config(self, company, name):
        # Each outlet counts its own till: a cash method and journal per config,
        # as Odoo's own onboarding scenarios do; card and customer account are
        # shared by the company.
        configs = self.env["pos.config"].with_company(company)
        _journal, method_ids = configs._create_journal_and_payment_methods(
            cash_journal_vals={"name": self.env._("%(outlet)s cash", outlet=name)}
        )
        return configs.create(
            {"name": name, "payment_method_ids": [Command.set(method_ids)]}
        )

    @api.model
    def _warehouse(self, company):
        # A POS config needs an operation type, which comes with a warehouse;
        # Odoo only creates one for the first company.
        env = self.with_company(company).env
        warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)])
        if not warehouse:
            warehouse = env["stock.warehouse"].create(
                {
                    "name": company.name,
                    "code": company.name[:5],
                    "company_id": company.id,
                }
            )
        return warehouse

    @api.model
    def _run_session(self, config, orders):
        config.open_ui()
        session = config.current_session_id
        session.set_opening_control(0, None)
        methods = {
            "cash": session.payment_method_ids.filtered("is_cash_count")[:1],
            "card": session.payment_method_ids.filtered(
                lambda method: method.journal_id.type == "bank"
            )[:1],
        }
        for order_data in orders:
            self._ring_up(session, order_data, methods[order_data["payment"]])
        cash = sum(
            session.order_ids.payment_ids.filtered(
                lambda payment: payment.payment_method_id == methods["cash"]
            ).mapped("amount")
        )
        session.post_closing_cash_details(cash)
        result = session.close_session_from_ui()
        if not result.get("successful"):
            raise UserError(
                self.env._(
                    "The demo POS session %(session)s could not be closed: %(message)s",
                    session=session.name,
                    message=result.get("message", ""),
                )
            )
        return session

    @api.model
    def _ring_up(self, session, order_data, payment_method):
        products = session.env["product.product"].browse(
            [product_id for product_id, _qty in order_data["lines"]]
        )
        date_order = fields.Datetime.now() - timedelta(days=order_data["days_ago"])
        order = session.env["pos.order"].create(
            {
                "session_id": session.id,
                "company_id": session.company_id.id,
                "partner_id": order_data.get("partner_id", False),
                "date_order": date_order,
                "amount_total": 0,
                "amount_paid": 0,
                "amount_tax": 0,
                "amount_return": 0,
                "lines": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "qty": qty,
                            "price_unit": product.lst_price,
                            "price_subtotal": product.lst_price * qty,
                            "price_subtotal_incl": product.lst_price * qty,
                            "tax_ids": [Command.set(product.taxes_id.ids)],
                        }
                    )
                    for product, (_product_id, qty) in zip(
                        products, order_data["lines"], strict=True
                    )
                ],
            }
        )
        # As the POS does: taxes and totals from the lines, then the payment.
        order.lines._onchange_amount_line_all()
        order._compute_prices()
        order.add_payment(
            {
                "pos_order_id": order.id,
                "amount": order.amount_total,
                "payment_date": date_order,
                "payment_method_id": payment_method.id,
            }
        )
        order.action_pos_order_paid()
        return order

    # ------------------------------------------------------------------
    # Uninstall
    # ------------------------------------------------------------------

    @api.model
    def _unlink_demo_data(self, companies):
        """Remove what the demo loaders created in ``companies``.

        Records of the demo XML files carry external ids and go with the module;
        this removes what business logic created around them (chart, bills, POS
        sessions and their entries), so that the company itself can go too.
        """
        if not companies:
            return
        env = self.with_context(**{MODULE_UNINSTALL_FLAG: True}).env
        other_company = env["res.company"].search(
            [("id", "not in", companies.ids)], order="sequence, id", limit=1
        )
        users = (
            env["res.users"]
            .with_context(active_test=False)
            .search([("company_id", "in", companies.ids)])
        )
        for user in users:
            kept = user.company_ids - companies
            if kept:
                user.company_id = kept[:1]
            else:
                user.write(
                    {
                        "company_ids": [Command.link(other_company.id)],
                        "company_id": other_company.id,
                    }
                )
        # Records of the models this addon defines may point at leads, moves or
        # the company; their tables go with the module anyway.
        for model_name in list(env.registry):
            model = env[model_name]
            if (
                model._original_module == "crm_closed_loop"
                and model._auto
                and "company_id" in model._fields
            ):
                model.with_context(active_test=False).search(
                    [("company_id", "in", companies.ids)]
                ).unlink()
        # The company points at its transit location and working hours; let go
        # of them so that they can be removed with the rest.
        companies.with_env(env).write(
            {"internal_transit_location_id": False, "resource_calendar_id": False}
        )
        for model in DEMO_PURGE_MODELS:
            if model not in env:
                continue
            records = (
                env[model]
                .with_context(active_test=False)
                .search([("company_id", "in", companies.ids)])
            )
            if model == "account.payment":
                # A confirmed payment cannot lose its entry; reset it first.
                records.action_draft()
            _logger.info("Removing %s demo records of %s", len(records), model)
            records.unlink()
            if model == "account.journal":
                accounts = (
                    env["account.account"]
                    .with_context(active_test=False)
                    .search([("company_ids", "in", companies.ids)])
                )
                accounts.filtered(
                    lambda account: account.company_ids <= companies
                ).unlink()
