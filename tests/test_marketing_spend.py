from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import SQL

from .acquisition_common import AcquisitionCommon


@tagged("post_install", "-at_install")
class TestMarketingSpend(AcquisitionCommon):
    def spend(self, record, groupby="campaign", company=None, **period):
        return self.figure("spend", record, groupby, company, **period)

    def test_case_3_bill_minus_supplier_credit_note_and_cac(self):
        self.vendor_bill(5000.0, self.bridal_fair_account)
        self.vendor_bill(1000.0, self.bridal_fair_account, move_type="in_refund")
        self.assertAlmostEqual(self.spend(self.bridal_fair), 4000.0)

        self.win_lead(self.bride, self.bridal_fair)
        self.win_lead(self.groom, self.bridal_fair)
        campaign = self.bridal_fair
        self.assertAlmostEqual(campaign.marketing_spend, 4000.0)
        self.assertEqual(campaign.acquisition_customer_count, 2)
        self.assertAlmostEqual(campaign.acquisition_cac, 2000.0)

        self.customer_invoice(self.bride, 8000.0)
        campaign.invalidate_recordset()
        self.assertAlmostEqual(campaign.acquisition_revenue, 8000.0)
        self.assertAlmostEqual(campaign.acquisition_return_on_spend, 2.0)

    def test_spend_sees_an_analytic_line_edited_in_the_same_transaction(self):
        bill = self.vendor_bill(5000.0, self.bridal_fair_account)
        self.assertAlmostEqual(self.spend(self.bridal_fair), 5000.0)
        line = bill.line_ids.analytic_line_ids
        column = self.marketing_plan._column_name()
        query = SQL(
            "SELECT %s, amount FROM account_analytic_line WHERE id = %s",
            SQL.identifier(column),
            line.id,
        )
        # Each write stays in the cache only, the table behind the view is stale;
        # the Marketing plan's column is made with the plan, the amount is Odoo's.
        for values, facebook_spend in (
            ({column: self.facebook_account.id}, 5000.0),
            ({"amount": -3000.0}, 3000.0),
        ):
            with self.subTest(values=values):
                before = self.env.execute_query(query)
                line.write(values)
                self.assertEqual(self.env.execute_query(query), before)
                self.assertAlmostEqual(
                    self.spend(self.facebook, groupby="source"), facebook_spend
                )
                self.assertEqual(self.spend(self.bridal_fair), 0.0)

    def test_only_posted_entries_count(self):
        self.vendor_bill(5000.0, self.bridal_fair_account, post=False)
        self.assertEqual(self.spend(self.bridal_fair), 0.0)
        bill = self.vendor_bill(700.0, self.bridal_fair_account)
        self.assertAlmostEqual(self.spend(self.bridal_fair), 700.0)
        bill.button_draft()
        self.assertEqual(self.spend(self.bridal_fair), 0.0)

    def test_journal_entry_tagged_to_a_channel(self):
        expense = self.company_data["default_account_expense"]
        bank = self.company_data["default_journal_bank"].default_account_id
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "line_ids": [
                    Command.create(
                        {
                            "name": "Facebook ads, March",
                            "account_id": expense.id,
                            "debit": 1200.0,
                            "analytic_distribution": {
                                str(self.facebook_account.id): 100
                            },
                        }
                    ),
                    Command.create(
                        {
                            "name": "Card payment",
                            "account_id": bank.id,
                            "credit": 1200.0,
                        }
                    ),
                ],
            }
        )
        entry.action_post()
        self.assertAlmostEqual(self.spend(self.facebook, groupby="source"), 1200.0)
        self.assertAlmostEqual(self.facebook.marketing_spend, 1200.0)
        # A channel account is no campaign spend, but it is marketing spend.
        self.assertEqual(self.spend(self.bridal_fair), 0.0)
        self.assertAlmostEqual(self.figure("spend"), 1200.0)

    def test_split_distribution_counts_each_share(self):
        self.vendor_bill(
            1000.0,
            self.bridal_fair_account,
            distribution={
                str(self.bridal_fair_account.id): 60,
                str(self.facebook_account.id): 40,
            },
        )
        self.assertAlmostEqual(self.spend(self.bridal_fair), 600.0)
        self.assertAlmostEqual(self.spend(self.facebook, groupby="source"), 400.0)

    def test_foreign_currency_converted_at_the_entry_rate(self):
        euro = self.other_currency
        self.env["res.currency.rate"].create(
            {
                "name": "2027-01-10",
                "rate": 4.0,
                "currency_id": euro.id,
                "company_id": self.company.id,
            }
        )
        bill = self.vendor_bill(
            1000.0, self.bridal_fair_account, currency=euro, date=self.day("2027-01-10")
        )
        self.assertEqual(bill.currency_id, euro)
        self.assertAlmostEqual(bill.amount_total_signed, -250.0)
        self.assertAlmostEqual(self.spend(self.bridal_fair), 250.0)

    def test_spend_date_filter_uses_the_accounting_date(self):
        self.vendor_bill(300.0, self.bridal_fair_account, date=self.day("2027-02-10"))
        self.vendor_bill(500.0, self.bridal_fair_account, date=self.day("2027-03-10"))
        march = self.spend(
            self.bridal_fair,
            date_from=self.day("2027-03-01"),
            date_to=self.day("2027-03-31"),
        )
        self.assertAlmostEqual(march, 500.0)

    def test_multi_company_spend_stays_separate(self):
        other = self.setup_other_company(name="Karoo Lodge")["company"]
        self.env.user.company_ids = [Command.link(other.id)]
        self.vendor_bill(5000.0, self.bridal_fair_account)
        self.vendor_bill(900.0, self.bridal_fair_account, company=other)
        self.assertAlmostEqual(self.spend(self.bridal_fair), 5000.0)
        self.assertAlmostEqual(self.spend(self.bridal_fair, company=other), 900.0)
        self.assertAlmostEqual(self.bridal_fair.marketing_spend, 5000.0)
        self.assertAlmostEqual(
            self.bridal_fair.with_company(other).marketing_spend, 900.0
        )

    def test_budget_against_actual(self):
        self.bridal_fair.marketing_budget = 8000.0
        self.vendor_bill(5000.0, self.bridal_fair_account)
        self.vendor_bill(1000.0, self.bridal_fair_account, move_type="in_refund")
        self.assertAlmostEqual(self.bridal_fair.marketing_spend, 4000.0)
        self.assertAlmostEqual(self.bridal_fair.marketing_budget_used, 50.0)

        other = self.setup_other_company(name="Karoo Lodge")["company"]
        self.env.user.company_ids = [Command.link(other.id)]
        self.assertEqual(self.bridal_fair.with_company(other).marketing_budget, 0.0)

    def test_budget_without_any_bill(self):
        self.facebook.marketing_budget = 2500.0
        self.assertEqual(self.facebook.marketing_spend, 0.0)
        self.assertEqual(self.facebook.marketing_budget_used, 0.0)
        self.assertEqual(self.facebook.acquisition_cac, 0.0)
        self.assertEqual(self.facebook.acquisition_return_on_spend, 0.0)

    def test_accountant_creates_the_campaign_analytic_account_once(self):
        accountant = new_test_user(
            self.env,
            login="acq_chief_accountant",
            groups="account.group_account_user",
            company_ids=[Command.set(self.company.ids)],
            company_id=self.company.id,
        )
        campaign = self.env["utm.campaign"].create({"title": "Winter spa week"})
        action = campaign.with_user(
            accountant
        ).action_create_marketing_analytic_account()
        account = self.env["account.analytic.account"].browse(action["res_id"])
        self.assertEqual(account.utm_campaign_id, campaign)
        self.assertEqual(account.plan_id, self.marketing_plan)
        self.assertTrue(account.is_marketing)
        again = campaign.with_user(
            accountant
        ).action_create_marketing_analytic_account()
        self.assertEqual(again["res_id"], account.id)
        self.assertEqual(campaign.marketing_analytic_account_ids, account)

    def test_case_5_accountant_tags_and_reads_salesperson_refused(self):
        accountant = self.accountant
        self.assertFalse(accountant.has_group("sales_team.group_sale_salesman"))
        bill = self.vendor_bill(
            5000.0, self.facebook_account, post=False, env=self.env(user=accountant)
        )
        line = bill.invoice_line_ids
        line.analytic_distribution = {str(self.bridal_fair_account.id): 100}
        bill.action_post()

        campaign = self.bridal_fair.with_user(accountant)
        self.assertAlmostEqual(campaign.marketing_spend, 5000.0)
        action = campaign.action_view_marketing_spend()
        self.assertEqual(
            self.env["account.move.line"]
            .with_user(accountant)
            .search(action["domain"]),
            line,
        )
        arch = campaign.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("action_view_marketing_spend", arch)
        self.assertNotIn("action_view_acquisition_leads", arch)
        # The whole form, as the web client loads it, opens for the accountant.
        form = Form(campaign)
        self.assertAlmostEqual(form.marketing_spend, 5000.0)
        with self.assertRaises(AccessError):
            campaign.action_view_acquisition_leads()

        # Salespeople see leads and customers of a campaign, never its money.
        salesperson_campaign = self.bridal_fair.with_user(self.salesperson)
        with self.assertRaises(AccessError):
            salesperson_campaign.marketing_spend  # noqa: B018
        arch = salesperson_campaign.get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        self.assertNotIn("action_view_marketing_spend", arch)
        self.assertNotIn("action_view_attributed_invoices", arch)
        self.assertIn("action_view_acquisition_leads", arch)
        for money in ("marketing_spend", "acquisition_cac", "acquisition_revenue"):
            self.assertNotIn(f'name="{money}"', arch)
        self.assertEqual(Form(salesperson_campaign).acquisition_customer_count, 0)
        with self.assertRaises(AccessError):
            salesperson_campaign.action_view_marketing_spend()
        with self.assertRaises(AccessError):
            salesperson_campaign.action_view_attributed_invoices()
        with self.assertRaises(AccessError):
            self.env["account.move"].with_user(self.salesperson).search(
                [("id", "=", bill.id)]
            )

    def test_campaign_form_unchanged_for_users_without_sales_or_accounting(self):
        employee = new_test_user(
            self.env,
            login="acq_employee",
            groups="base.group_user",
            company_ids=[Command.set(self.company.ids)],
            company_id=self.company.id,
        )
        self.vendor_bill(5000.0, self.bridal_fair_account)
        campaign = self.bridal_fair.with_user(employee)
        arch = campaign.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("marketing_spend", arch)
        self.assertEqual(Form(campaign).title, "Bridal fair 2027")
