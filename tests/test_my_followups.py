from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest.mock import patch

from odoo.fields import Domain
from odoo.tests import TransactionCase, freeze_time, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common_contact import make_calendar

NOW = datetime(2026, 3, 4, 10, 0)


@tagged("post_install", "-at_install")
class TestMyFollowups(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales = new_test_user(
            cls.env, "cl_followups_sales", groups="sales_team.group_sale_salesman"
        )
        cls.colleague = new_test_user(
            cls.env, "cl_followups_colleague", groups="sales_team.group_sale_salesman"
        )
        calendar = make_calendar(cls.env, "Always open", range(7), 0, 24)
        cls.team = cls.env["crm.team"].create({"name": "Follow-up team"})
        cls.env["crm.followup.policy"].create(
            {
                "name": "Four hours",
                "team_id": cls.team.id,
                "calendar_id": calendar.id,
                "first_response_hours": 4.0,
            }
        )

    @contextmanager
    def moment(self, when):
        # crm stamps assignment dates with the transaction time: freeze it too
        with freeze_time(when), patch.object(self.env.cr, "now", lambda: when):
            yield
            self.env.cr.flush()

    def _lead(self, name, hours_ago, user):
        with self.moment(NOW - timedelta(hours=hours_ago)):
            return self.env["crm.lead"].create(
                {
                    "name": name,
                    "type": "opportunity",
                    "team_id": self.team.id,
                    "user_id": user.id,
                }
            )

    def _my_followups(self):
        """The leads the menu shows the salesperson, in the list's order."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_closed_loop.crm_lead_followup_action"
        )
        self.assertEqual(
            safe_eval(action["context"]), {"search_default_assigned_to_me": 1}
        )
        view = self.env.ref("crm_closed_loop.crm_lead_view_list_followup")
        order = view.arch_db.split('default_order="')[1].split('"')[0]
        Lead = self.env["crm.lead"].with_user(self.sales)
        domain = Domain(safe_eval(action["domain"])) & Domain(
            "user_id", "=", self.sales.id
        )
        return Lead.search(domain, order=order)

    def test_most_urgent_first_and_only_open_leads_of_mine(self):
        later = self._lead("Arrived now", 0, self.sales)
        breached = self._lead("Arrived five hours ago", 5, self.sales)
        soon = self._lead("Arrived three hours ago", 3, self.sales)
        self._lead("Colleague's", 6, self.colleague)
        won = self._lead("Won already", 7, self.sales)
        won.action_set_won()
        with self.moment(NOW):
            self.env["crm.lead"].search([("team_id", "=", self.team.id)])._compute_sla()
            self.assertEqual(breached.sla_state, "breached")
            self.assertEqual(self._my_followups(), breached | soon | later)
            self.assertEqual(list(self._my_followups()), [breached, soon, later])
