import datetime

from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL


class KpiCase(TransactionCase):
    """Users at their lowest role, a won stage and helpers that date records.

    Users: ``salesman`` and ``salesman2`` (own documents only), ``manager`` (sales
    administrator), ``marketer`` (Marketing only), ``accountant`` (accounting
    read-only, no sales rights).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.tz = "UTC"
        cls.company = cls.env.company
        cls.salesman = new_test_user(
            cls.env, "kpi_salesman", groups="sales_team.group_sale_salesman", tz="UTC"
        )
        cls.salesman2 = new_test_user(
            cls.env, "kpi_salesman2", groups="sales_team.group_sale_salesman", tz="UTC"
        )
        cls.manager = new_test_user(
            cls.env, "kpi_manager", groups="sales_team.group_sale_manager", tz="UTC"
        )
        cls.marketer = new_test_user(
            cls.env, "kpi_marketer", groups="crm_closed_loop.group_marketing", tz="UTC"
        )
        cls.accountant = new_test_user(
            cls.env, "kpi_accountant", groups="account.group_account_readonly", tz="UTC"
        )
        cls.team = cls.env["crm.team"].create({"name": "Weddings"})
        cls.won_stage = cls.env["crm.stage"].search([("is_won", "=", True)], limit=1)
        cls.open_stage = cls.env["crm.stage"].search(
            [("is_won", "=", False)], order="sequence", limit=1
        )
        cls.source = cls.env["utm.source"].create({"name": "Bridal fair"})
        cls.source_web = cls.env["utm.source"].create({"name": "Website"})
        cls.campaign = cls.env["utm.campaign"].create({"name": "Bridal fair 2027"})
        cls.Kpi = cls.env["crm.closed.loop.kpi"]

    def make_lead(self, created, user=None, **values):
        lead = self.env["crm.lead"].create(
            {
                "name": values.pop("name", "Wedding enquiry"),
                "type": "opportunity",
                "user_id": (user or self.salesman).id,
                "team_id": self.team.id,
                "stage_id": self.open_stage.id,
                **values,
            }
        )
        self.set_create_date(lead, created)
        return lead

    def set_create_date(self, records, when):
        if isinstance(when, datetime.date) and not isinstance(when, datetime.datetime):
            when = datetime.datetime.combine(when, datetime.time(9, 0))
        records.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET create_date = %s WHERE id IN %s",
                SQL.identifier(records._table),
                when,
                tuple(records.ids),
            )
        )
        records.invalidate_recordset(["create_date"])

    def march_kpis(self, user=None, **kwargs):
        kpi = self.Kpi.with_user(user) if user else self.Kpi
        return kpi.get_kpis("2027-03-01", "2027-03-31", [self.company.id], **kwargs)
