from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, freeze_time, new_test_user, tagged
from odoo.tools import SQL

from .acquisition_common import AcquisitionCommon


@tagged("post_install", "-at_install")
class TestCustomerAcquisition(AcquisitionCommon):
    def revenue(self, campaign, **kwargs):
        return self.figure("revenue", campaign, **kwargs)

    def test_case_1_invoice_and_spa_pos_order_are_attributed(self):
        self.win_lead(self.bride, self.bridal_fair)
        self.customer_invoice(self.bride, 8000.0)
        order = self.pos_order(self.bride, 300.0)
        self.assertEqual(order.state, "paid")
        self.assertFalse(order.account_move)

        self.assertAlmostEqual(self.revenue(self.bridal_fair), 8300.0)
        self.assertAlmostEqual(self.bridal_fair.acquisition_revenue, 8300.0)
        action = self.bridal_fair.action_view_attributed_invoices()
        self.assertEqual(len(self.env["account.move"].search(action["domain"])), 1)
        action = self.bridal_fair.action_view_attributed_pos_orders()
        self.assertEqual(self.env["pos.order"].search(action["domain"]), order)

    def test_case_2_invoiced_pos_order_counts_once(self):
        self.win_lead(self.bride, self.bridal_fair)
        order = self.pos_order(self.bride, 500.0)
        self.assertAlmostEqual(self.revenue(self.bridal_fair), 500.0)
        order.action_pos_order_invoice()
        self.assertTrue(order.account_move)
        self.assertEqual(order.account_move.state, "posted")
        self.assertAlmostEqual(self.revenue(self.bridal_fair), 500.0)

    def test_pos_order_in_another_currency_is_converted(self):
        self.win_lead(self.bride, self.bridal_fair)
        self.config = self.other_currency_config
        order = self.pos_order(self.bride, 300.0)
        self.assertEqual(order.currency_id, self.other_currency)
        self.assertAlmostEqual(order.amount_total, 150.0)
        self.assertAlmostEqual(self.revenue(self.bridal_fair), 300.0)

    def test_credit_notes_reduce_revenue_and_anonymous_pos_orders_do_not_count(self):
        self.win_lead(self.bride, self.bridal_fair)
        self.customer_invoice(self.bride, 8000.0)
        self.customer_invoice(self.bride, 1500.0, move_type="out_refund")
        self.pos_order(self.env["res.partner"], 300.0)
        self.assertAlmostEqual(self.revenue(self.bridal_fair), 6500.0)

    def test_revenue_of_a_contact_counts_for_its_company(self):
        company = self.env["res.partner"].create(
            {"name": "Mkhize Events", "is_company": True}
        )
        planner = self.env["res.partner"].create(
            {"name": "Lerato Mkhize", "parent_id": company.id}
        )
        self.win_lead(planner, self.bridal_fair)
        self.assertEqual(self.acquisition_of(company).partner_id, company)
        self.customer_invoice(planner, 1200.0)
        self.pos_order(planner, 300.0)
        self.assertAlmostEqual(self.revenue(self.bridal_fair), 1500.0)

    def test_case_4_first_lead_lost_second_won(self):
        wine_farm = self.env["utm.campaign"].create({"title": "Wine farm expo"})
        self.lose_lead(self.bride, wine_farm)
        self.assertFalse(self.acquisition_of(self.bride))
        won = self.win_lead(self.bride, self.bridal_fair, source=self.facebook)

        acquisition = self.acquisition_of(self.bride)
        self.assertEqual(acquisition.campaign_id, self.bridal_fair)
        self.assertEqual(acquisition.source_id, self.facebook)
        self.assertEqual(acquisition.lead_id, won)
        self.assertEqual(acquisition.date, won.date_closed.date())
        self.assertEqual(wine_farm.acquisition_customer_count, 0)
        self.assertEqual(self.bridal_fair.acquisition_customer_count, 1)

    def test_later_wins_are_repeat_business(self):
        first = self.win_lead(self.bride, self.bridal_fair)
        anniversary = self.env["utm.campaign"].create({"title": "Anniversary mail"})
        self.win_lead(self.bride, anniversary)
        acquisition = self.acquisition_of(self.bride)
        self.assertEqual(len(acquisition), 1)
        self.assertEqual(acquisition.lead_id, first)
        self.assertEqual(anniversary.acquisition_customer_count, 0)

    def test_lead_leaving_won_hands_acquisition_to_the_next_win(self):
        first = self.win_lead(self.bride, self.bridal_fair)
        anniversary = self.env["utm.campaign"].create({"title": "Anniversary mail"})
        second = self.win_lead(self.bride, anniversary)
        first.stage_id = self.open_stage
        self.assertEqual(self.acquisition_of(self.bride).lead_id, second)
        second.stage_id = self.open_stage
        self.assertFalse(self.acquisition_of(self.bride))

    def test_won_lead_without_customer_acquires_nobody(self):
        lead = self.env["crm.lead"].create(
            {"name": "Walk-in", "campaign_id": self.bridal_fair.id}
        )
        lead.action_set_won()
        self.assertEqual(self.bridal_fair.acquisition_customer_count, 0)

    def test_attribution_window_boundary(self):
        with freeze_time("2027-03-15 09:00:00"):
            self.win_lead(self.bride, self.bridal_fair)
        self.assertEqual(self.acquisition_of(self.bride).date, self.day("2027-03-15"))
        self.assertEqual(
            self.acquisition_of(self.bride).attribution_end_date,
            self.day("2028-03-15"),
        )
        self.customer_invoice(self.bride, 100.0, date=self.day("2027-03-14"))
        self.customer_invoice(self.bride, 1000.0, date=self.day("2027-03-15"))
        self.customer_invoice(self.bride, 2000.0, date=self.day("2028-03-14"))
        self.customer_invoice(self.bride, 4000.0, date=self.day("2028-03-15"))
        self.assertAlmostEqual(self.revenue(self.bridal_fair), 3000.0)

        admin = new_test_user(
            self.env,
            login="acq_admin",
            groups="base.group_system,sales_team.group_sale_manager",
            company_ids=[Command.set(self.company.ids)],
            company_id=self.company.id,
        )
        settings = Form(self.env["res.config.settings"].with_user(admin))
        self.assertEqual(settings.crm_attribution_months, 12)
        settings.crm_attribution_months = 6
        settings.save().execute()
        self.assertEqual(self.company.crm_attribution_months, 6)
        self.assertAlmostEqual(self.revenue(self.bridal_fair), 1000.0)

    def test_acquisition_date_filter(self):
        with freeze_time("2027-03-15 09:00:00"):
            self.win_lead(self.bride, self.bridal_fair)
        with freeze_time("2027-05-02 09:00:00"):
            self.win_lead(self.groom, self.bridal_fair)
        self.assertEqual(self.figure("customers", self.bridal_fair), 2)
        march = self.figure(
            "customers",
            self.bridal_fair,
            date_from=self.day("2027-03-01"),
            date_to=self.day("2027-03-31"),
        )
        self.assertEqual(march, 1)
        self.assertEqual(self.figure("customers"), 2)

    def test_merged_partners_keep_the_earliest_acquisition(self):
        with freeze_time("2027-03-15 09:00:00"):
            self.win_lead(self.bride, self.bridal_fair)
        anniversary = self.env["utm.campaign"].create({"title": "Anniversary mail"})
        duplicate = self.env["res.partner"].create(
            {"name": "Thandi Nkosi", "email": "thandi@example.com"}
        )
        with freeze_time("2027-06-01 09:00:00"):
            self.win_lead(duplicate, anniversary)
        self.env["base.partner.merge.automatic.wizard"]._merge(
            (self.bride | duplicate).ids, dst_partner=duplicate
        )
        self.assertFalse(self.bride.exists())
        acquisition = self.acquisition_of(duplicate)
        self.assertEqual(len(acquisition), 1)
        self.assertEqual(acquisition.campaign_id, self.bridal_fair)
        self.assertEqual(acquisition.date, self.day("2027-03-15"))

    def test_multi_company_acquisitions_stay_separate(self):
        other = self.setup_other_company(name="Karoo Lodge")["company"]
        self.env.user.company_ids = [Command.link(other.id)]
        self.win_lead(self.bride, self.bridal_fair)
        self.win_lead(self.bride, self.bridal_fair, company=other)
        self.customer_invoice(self.bride, 8000.0)
        self.customer_invoice(self.bride, 700.0, company=other)
        figures = self.env["crm.closed.loop.kpi"].get_marketing_figures(
            (self.company | other).ids, groupby="campaign"
        )
        here = figures[self.company.id, self.bridal_fair.id]
        there = figures[other.id, self.bridal_fair.id]
        self.assertEqual((here["customers"], there["customers"]), (1, 1))
        self.assertAlmostEqual(here["revenue"], 8000.0)
        self.assertAlmostEqual(there["revenue"], 700.0)
        self.assertAlmostEqual(self.bridal_fair.acquisition_revenue, 8000.0)
        self.assertAlmostEqual(
            self.bridal_fair.with_company(other).acquisition_revenue, 700.0
        )

    def test_figures_refuse_companies_the_user_cannot_access(self):
        other = self.setup_other_company(name="Karoo Lodge")["company"]
        self.env.user.company_ids = [Command.link(other.id)]
        self.win_lead(self.bride, self.bridal_fair, company=other)
        with self.assertRaises(UserError):
            self.env["crm.closed.loop.kpi"].with_user(
                self.salesperson
            ).get_marketing_figures([self.company.id, other.id])
        # The salesperson's own company shows nothing of the other one.
        self.assertEqual(
            self.bridal_fair.with_user(self.salesperson).acquisition_customer_count, 0
        )
        self.assertEqual(
            self.bridal_fair.with_company(other).acquisition_customer_count, 1
        )

    def test_salesperson_reads_acquisitions_but_cannot_write_them(self):
        self.win_lead(self.bride, self.bridal_fair)
        acquisition = self.acquisition_of(self.bride).with_user(self.salesperson)
        self.assertEqual(acquisition.campaign_id, self.bridal_fair)
        with self.assertRaises(AccessError):
            acquisition.write({"campaign_id": False})

    def test_campaign_figures_see_the_writes_of_the_same_transaction(self):
        open_day = self.env["utm.campaign"].create({"title": "Spring open day"})
        self.win_lead(self.bride, self.bridal_fair)
        self.customer_invoice(self.bride, 8000.0)
        self.assertAlmostEqual(self.revenue(self.bridal_fair), 8000.0)
        acquisition = self.acquisition_of(self.bride)
        acquisition.campaign_id = open_day
        # Still in the cache only: the tables behind the analysis view are stale.
        self.env.cr.execute(
            SQL(
                "SELECT campaign_id FROM crm_customer_acquisition WHERE id = %s",
                acquisition.id,
            )
        )
        self.assertEqual(self.env.cr.fetchone()[0], self.bridal_fair.id)
        self.assertAlmostEqual(open_day.acquisition_revenue, 8000.0)
        self.assertEqual(open_day.acquisition_customer_count, 1)
        self.assertAlmostEqual(self.revenue(self.bridal_fair), 0.0)

    def test_channel_form_counts_leads_and_customers(self):
        lost = self.lose_lead(self.groom)
        lost.source_id = self.facebook
        won = self.win_lead(self.bride, source=self.facebook)
        # A salesperson counts the leads they may read: their own.
        (lost | won).user_id = self.salesperson
        channel = self.facebook.with_user(self.salesperson)
        form = Form(channel)
        self.assertEqual(form.acquisition_customer_count, 1)
        self.assertEqual(form.acquisition_lead_count, 2)
        leads = channel.action_view_acquisition_leads()
        self.assertEqual(
            self.env["crm.lead"]
            .with_context(active_test=False)
            .search(leads["domain"]),
            lost | won,
        )
        customers = channel.action_view_acquired_customers()
        self.assertEqual(
            self.env["crm.customer.acquisition"].search(customers["domain"]).partner_id,
            self.bride,
        )
