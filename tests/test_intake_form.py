from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestIntakeFormConfiguration(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.team = cls.env["crm.team"].create({"name": "Weddings and events"})
        cls.manager = new_test_user(
            cls.env, "form_manager", groups="sales_team.group_sale_manager"
        )
        cls.salesman = new_test_user(
            cls.env, "form_salesman", groups="sales_team.group_sale_salesman"
        )

    def test_manager_configures_a_form(self):
        with Form(self.env["crm.intake.form"].with_user(self.manager)) as form:
            form.name = "Wedding price calculator"
            form.key = "wedding-calculator"
            form.team_id = self.team
            form.allowed_origins = "https://Hotel.example.co.za/\nhttp://localhost:8080"
        record = form.record
        self.assertEqual(record.company_id, self.env.company)
        self.assertEqual(record.revenue_mode, "quote")
        self.assertEqual(record.returning_contact_mode, "append")
        self.assertEqual(
            record._allowed_origins(),
            ("https://hotel.example.co.za", "http://localhost:8080"),
        )
        self.assertEqual(
            record._accepted_answers(),
            ("event_date", "guests", "package", "quoted_amount"),
        )

    def test_bad_settings_say_what_to_fix(self):
        Forms = self.env["crm.intake.form"].with_user(self.manager)
        base = {"name": "Spa", "team_id": self.team.id}
        with self.assertRaisesRegex(ValidationError, "letters, digits"):
            Forms.create({**base, "key": "spa booking!"})
        with self.assertRaisesRegex(ValidationError, "https://www.example.com"):
            Forms.create({**base, "key": "spa-1", "allowed_origins": "spa.example.com"})
        with self.assertRaisesRegex(ValidationError, "lowercase"):
            Forms.create({**base, "key": "spa-2", "accepted_fields": "Guests, email"})

    def test_salesman_reads_forms_but_does_not_configure_them(self):
        form = self.env["crm.intake.form"].create(
            {"name": "Spa", "key": "spa", "team_id": self.team.id}
        )
        self.assertEqual(form.with_user(self.salesman).name, "Spa")
        with self.assertRaises(AccessError):
            form.with_user(self.salesman).write({"key": "spa-2"})
        with self.assertRaises(AccessError):
            self.env["crm.intake.submission"].with_user(self.salesman).search([])
