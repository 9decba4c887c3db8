import datetime

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.point_of_sale.tests.common import TestPoSCommon


class AcquisitionCommon(TestPoSCommon):
    """A hotel company with a spa POS, a marketing campaign with its analytic
    account, a won stage, a salesperson and an accountant without sales rights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The test user of the accounting kit also runs the sales side here.
        cls.env.user.group_ids |= cls.env.ref("sales_team.group_sale_manager")
        cls.config = cls.basic_config
        cls.spa_treatment = cls.create_product(
            "Spa voucher of 100", cls.categ_basic, 100.0, 0.0
        )
        cls.open_stage = cls.env["crm.stage"].create({"name": "Proposal"})
        cls.won_stage = cls.env["crm.stage"].create(
            {"name": "Won", "is_won": True, "sequence": 100}
        )
        cls.bridal_fair = cls.env["utm.campaign"].create({"title": "Bridal fair 2027"})
        cls.facebook = cls.env["utm.source"].create({"name": "Facebook ads"})
        cls.marketing_plan = cls.env.ref(
            "crm_closed_loop.account_analytic_plan_marketing"
        )
        cls.bridal_fair_account = cls.env["account.analytic.account"].create(
            {
                "name": "Bridal fair 2027",
                "plan_id": cls.marketing_plan.id,
                "utm_campaign_id": cls.bridal_fair.id,
                "company_id": False,
            }
        )
        cls.facebook_account = cls.env["account.analytic.account"].create(
            {
                "name": "Facebook",
                "plan_id": cls.marketing_plan.id,
                "utm_source_id": cls.facebook.id,
                "company_id": False,
            }
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="acq_salesperson",
            groups="sales_team.group_sale_salesman",
            company_ids=[Command.set(cls.company.ids)],
            company_id=cls.company.id,
        )
        cls.accountant = new_test_user(
            cls.env,
            login="acq_accountant",
            groups="account.group_account_invoice",
            company_ids=[Command.set(cls.company.ids)],
            company_id=cls.company.id,
        )
        cls.bride = cls.env["res.partner"].create(
            {"name": "Thandi Nkosi", "email": "thandi@example.com"}
        )
        cls.groom = cls.env["res.partner"].create(
            {"name": "Pieter van Wyk", "email": "pieter@example.com"}
        )

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def win_lead(self, partner, campaign=None, source=None, company=None):
        lead = self.env["crm.lead"].create(
            {
                "name": f"Wedding of {partner.name}",
                "type": "opportunity",
                "partner_id": partner.id,
                "campaign_id": campaign and campaign.id,
                "source_id": source and source.id,
                "company_id": (company or self.company).id,
            }
        )
        lead.action_set_won()
        return lead

    def lose_lead(self, partner, campaign=None):
        lead = self.env["crm.lead"].create(
            {
                "name": f"Enquiry of {partner.name}",
                "type": "opportunity",
                "partner_id": partner.id,
                "campaign_id": campaign and campaign.id,
                "company_id": self.company.id,
            }
        )
        lead.action_set_lost()
        return lead

    def customer_invoice(
        self, partner, amount, move_type="out_invoice", date=None, company=None
    ):
        company = company or self.company
        move = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": partner.id,
                    "invoice_date": date or fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Wedding package",
                                "price_unit": amount,
                                "quantity": 1,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        move.action_post()
        return move

    def vendor_bill(
        self,
        amount,
        analytic_account,
        move_type="in_invoice",
        date=None,
        currency=None,
        company=None,
        post=True,
        env=None,
        distribution=None,
    ):
        env = env or self.env
        company = company or self.company
        vendor = self.env["res.partner"].create({"name": "Wedding Expo Ltd"})
        bill = (
            env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": move_type,
                    "partner_id": vendor.id,
                    "invoice_date": date or fields.Date.today(),
                    "currency_id": (currency or company.currency_id).id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Stand at the bridal fair",
                                "price_unit": amount,
                                "quantity": 1,
                                "tax_ids": [Command.clear()],
                                "analytic_distribution": distribution
                                or {str(analytic_account.id): 100},
                            }
                        )
                    ],
                }
            )
        )
        if post:
            bill.action_post()
        return bill

    def pos_order(self, partner, amount):
        """A paid, not invoiced order of the spa POS, of ``amount`` at the company's
        prices."""
        if not self.config.current_session_id:
            self.open_new_session()
        quantity = amount / self.spa_treatment.lst_price
        # Paid in full in cash, in the currency of the POS.
        order_data = self.create_ui_order_data(
            [(self.spa_treatment, quantity)], customer=partner
        )
        result = self.env["pos.order"].sync_from_ui([order_data])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def figure(self, name, record=None, groupby="campaign", company=None, **period):
        """One marketing figure of the KPI engine (``spend``, ``customers``,
        ``revenue``...) for ``record`` grouped by ``groupby``, or for the company
        total without a record."""
        company = company or self.company
        figures = self.env["crm.closed.loop.kpi"].get_marketing_figures(
            company.ids,
            groupby=groupby if record else None,
            res_ids=record.ids if record else None,
            **period,
        )
        row = figures.get((company.id, record.id if record else None), {})
        return row.get(name) or 0

    def acquisition_of(self, partner, company=None):
        return self.env["crm.customer.acquisition"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", (company or self.company).id),
            ]
        )

    @staticmethod
    def day(text):
        return datetime.date.fromisoformat(text)
