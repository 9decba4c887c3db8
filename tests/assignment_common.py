from odoo.tests import TransactionCase, new_test_user


class AssignmentCommon(TransactionCase):
    """A hotel with a Weddings team of two salespeople, and a manager.

    Company A (the test company):
      Weddings team: anna, ben (salespeople), fallback owner: none
      manager: sales manager, creates leads and rules
    Rules are created by each test as the manager.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.manager = new_test_user(
            cls.env, "cl_manager", groups="sales_team.group_sale_manager"
        )
        cls.anna = new_test_user(
            cls.env, "cl_anna", groups="sales_team.group_sale_salesman"
        )
        cls.ben = new_test_user(
            cls.env, "cl_ben", groups="sales_team.group_sale_salesman"
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Weddings and events",
                "company_id": cls.company.id,
                "use_leads": True,
                "use_opportunities": True,
            }
        )
        cls.env["crm.team.member"].create(
            [
                {"crm_team_id": cls.team.id, "user_id": user.id}
                for user in (cls.anna, cls.ben)
            ]
        )

    def _rule(self, **values):
        values = {
            "name": "Weddings",
            "team_id": self.team.id,
            "company_id": self.company.id,
            "user_ids": [(6, 0, (self.anna | self.ben).ids)],
            "assign_outside_hours": True,
            **values,
        }
        return self.env["crm.assignment.rule"].with_user(self.manager).create(values)

    def _lead(self, user=None, **values):
        values = {"name": "Wedding enquiry", "user_id": False, **values}
        return self.env["crm.lead"].with_user(user or self.manager).create(values)
