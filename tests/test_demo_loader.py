from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from odoo.addons.base.models.ir_model import MODULE_UNINSTALL_FLAG


@tagged("post_install", "-at_install")
class TestDemoLoader(TransactionCase):
    """The demo loaders, run as module installation runs them (superuser), on a
    company of the test's own; no demo data is installed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.company"].create(
            {"name": "Test Lodge", "country_id": cls.env.ref("base.za").id}
        )
        cls.env["crm.closed.loop.demo"]._load_chart(cls.company.id)
        cls.cashier = new_test_user(
            cls.env,
            login="cl_demo_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.vendor, cls.guest = cls.env["res.partner"].create(
            [
                {"name": "Test Ads Ltd", "company_id": cls.company.id},
                {"name": "Test Guest", "company_id": cls.company.id},
            ]
        )
        cls.massage, cls.tea = cls.env["product.product"].create(
            [
                {
                    "name": "Test massage",
                    "type": "service",
                    "list_price": 950,
                    "available_in_pos": True,
                    "company_id": cls.company.id,
                    "taxes_id": [Command.clear()],
                },
                {
                    "name": "Test rooibos",
                    "type": "service",
                    "list_price": 42,
                    "available_in_pos": True,
                    "company_id": cls.company.id,
                    "taxes_id": [Command.clear()],
                },
            ]
        )

    def _load_bills(self):
        return self.env["crm.closed.loop.demo"]._load_bills(
            self.company.id,
            [
                {
                    "partner_id": self.vendor.id,
                    "days_ago": 30,
                    "ref": "ADS-1",
                    "lines": [("Ads: weddings", 1200), ("Ads: spa", 300.5)],
                },
                {
                    "partner_id": self.vendor.id,
                    "days_ago": 2,
                    "ref": "ADS-2",
                    "lines": [("Ads: weddings", 800)],
                },
            ],
        )

    def _load_pos(self):
        return self.env["crm.closed.loop.demo"]._load_pos(
            self.company.id,
            [
                {
                    "name": "Test spa",
                    "user_id": self.cashier.id,
                    "orders": [
                        {
                            "partner_id": self.guest.id,
                            "days_ago": 5,
                            "payment": "card",
                            "lines": [(self.massage.id, 2), (self.tea.id, 1)],
                        },
                        {
                            "days_ago": 1,
                            "payment": "cash",
                            "lines": [(self.tea.id, 3)],
                        },
                    ],
                }
            ],
        )

    def test_chart_puts_the_company_in_rand(self):
        self.assertEqual(self.company.currency_id, self.env.ref("base.ZAR"))
        self.assertEqual(self.company.chart_template, "generic_coa")
        journals = self.env["account.journal"].search(
            [("company_id", "=", self.company.id)]
        )
        self.assertIn("purchase", journals.mapped("type"))
        # Loading again keeps the chart and the currency, and adds no journal.
        self.env["crm.closed.loop.demo"]._load_chart(self.company.id)
        self.assertEqual(self.company.currency_id, self.env.ref("base.ZAR"))
        self.assertEqual(
            self.env["account.journal"].search_count(
                [("company_id", "=", self.company.id)]
            ),
            len(journals),
        )

    def test_bills_are_posted_in_rand_on_their_dates(self):
        bills = self._load_bills().sorted("ref")
        today = fields.Date.context_today(self.company)
        self.assertEqual(bills.mapped("state"), ["posted", "posted"])
        self.assertEqual(bills.mapped("move_type"), ["in_invoice", "in_invoice"])
        self.assertEqual(bills.company_id, self.company)
        self.assertEqual(bills.currency_id, self.env.ref("base.ZAR"))
        self.assertEqual(bills.partner_id, self.vendor)
        self.assertEqual(
            bills.mapped("invoice_date"),
            [today - timedelta(days=30), today - timedelta(days=2)],
        )
        self.assertEqual(bills.mapped("amount_untaxed"), [1500.5, 800.0])
        self.assertEqual(
            bills[0].invoice_line_ids.mapped("name"), ["Ads: weddings", "Ads: spa"]
        )

    def test_bill_lines_carry_their_analytic_account(self):
        plan = self.env.ref("crm_closed_loop.account_analytic_plan_marketing")
        account = self.env["account.analytic.account"].create(
            {"name": "Test ads", "plan_id": plan.id, "company_id": self.company.id}
        )
        bill = self.env["crm.closed.loop.demo"]._load_bills(
            self.company.id,
            [
                {
                    "partner_id": self.vendor.id,
                    "days_ago": 3,
                    "ref": "ADS-3",
                    "lines": [("Ads: tagged", 700, account.id), ("Ads: plain", 50)],
                }
            ],
        )
        tagged_line, plain_line = bill.invoice_line_ids.sorted("price_unit", True)
        self.assertEqual(tagged_line.analytic_distribution, {str(account.id): 100})
        self.assertFalse(plain_line.analytic_distribution)
        # Posting writes the cost to the account, as spend of the plan.
        analytic = self.env["account.analytic.line"].search(
            [("move_line_id", "in", bill.line_ids.ids)]
        )
        self.assertEqual(analytic.mapped("amount"), [-700.0])
        self.assertEqual(analytic[plan._column_name()], account)

    def test_bills_need_a_chart_of_accounts(self):
        bare = self.env["res.company"].create({"name": "Test bare company"})
        with self.assertRaisesRegex(UserError, "no purchase journal"):
            self.env["crm.closed.loop.demo"]._load_bills(
                bare.id,
                [
                    {
                        "partner_id": self.vendor.id,
                        "days_ago": 1,
                        "ref": "X",
                        "lines": [],
                    }
                ],
            )

    def test_pos_session_is_closed_with_paid_orders(self):
        session = self._load_pos()
        self.assertEqual(len(session), 1)
        self.assertEqual(session.state, "closed")
        self.assertEqual(session.user_id, self.cashier)
        self.assertEqual(session.config_id.name, "Test spa")
        self.assertEqual(session.company_id, self.company)
        self.assertEqual(session.move_id.state, "posted")
        orders = session.order_ids.sorted("date_order")
        self.assertEqual(orders.mapped("state"), ["done", "done"])
        self.assertEqual(orders.mapped("amount_total"), [1942.0, 126.0])
        self.assertEqual(orders.mapped("amount_paid"), [1942.0, 126.0])
        self.assertEqual(orders[0].partner_id, self.guest)
        self.assertFalse(orders[1].partner_id)
        self.assertEqual(
            [order.payment_ids.payment_method_id.is_cash_count for order in orders],
            [False, True],
        )
        self.assertLess(orders[0].date_order, fields.Datetime.now() - timedelta(days=4))

    def test_second_outlet_counts_its_own_cash(self):
        self._load_pos()
        second = self.env["crm.closed.loop.demo"]._load_pos(
            self.company.id,
            [
                {
                    "name": "Test restaurant",
                    "user_id": self.cashier.id,
                    "orders": [
                        {"days_ago": 1, "payment": "cash", "lines": [(self.tea.id, 1)]}
                    ],
                }
            ],
        )
        self.assertEqual(second.state, "closed")
        cash = second.config_id.payment_method_ids.filtered("is_cash_count")
        self.assertEqual(len(cash), 1)
        self.assertNotIn(
            cash,
            self.env["pos.config"]
            .search([("name", "=", "Test spa")])
            .payment_method_ids,
        )

    def test_unlink_demo_data_lets_the_company_go(self):
        self._load_bills()
        self._load_pos()
        company = self.company.with_context(**{MODULE_UNINSTALL_FLAG: True})
        self.env["crm.closed.loop.demo"]._unlink_demo_data(company)
        domain = [("company_id", "=", self.company.id)]
        for model in ("account.move", "pos.order", "pos.session", "account.journal"):
            self.assertFalse(self.env[model].search_count(domain), model)
        # The cashier now belongs elsewhere, as the administrator would.
        self.assertNotEqual(self.cashier.company_id, self.company)
        # What the demo XML files hold goes with the module; the rest is gone.
        (self.massage | self.tea).product_tmpl_id.unlink()
        (self.vendor | self.guest).unlink()
        self.cashier.unlink()
        company.unlink()
        self.assertFalse(self.company.exists())
