from odoo.tests import HttpCase, new_test_user

# Map of the fixture (no demo data is used):
#
#   company A (hotel, ZAR)             company B (sister venue)
#   ├─ team "Weddings and events"      └─ team "Venue B"
#   │    └─ form "wedding-calculator"       └─ form "venue-b-enquiry"
#   └─ team "Spa"
#        └─ form "spa-booking"


class IntakeCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Venue B"})
        Team = cls.env["crm.team"]
        cls.team_weddings = Team.create(
            {"name": "Weddings and events", "company_id": cls.company_a.id}
        )
        cls.team_spa = Team.create({"name": "Spa", "company_id": cls.company_a.id})
        cls.team_b = Team.create({"name": "Venue B", "company_id": cls.company_b.id})
        Form = cls.env["crm.intake.form"]
        cls.form_calculator = Form.create(
            {
                "name": "Wedding price calculator",
                "key": "wedding-calculator",
                "company_id": cls.company_a.id,
                "team_id": cls.team_weddings.id,
                "revenue_mode": "quote",
                # The business's own calculator is trusted with new UTM values.
                "allow_new_utm": True,
            }
        )
        cls.form_spa = Form.create(
            {
                "name": "Spa booking",
                "key": "spa-booking",
                "company_id": cls.company_a.id,
                "team_id": cls.team_spa.id,
                "accepted_fields": "package",
                "allowed_origins": "https://spa.example.co.za",
            }
        )
        cls.form_b = Form.create(
            {
                "name": "Venue B enquiry",
                "key": "venue-b-enquiry",
                "company_id": cls.company_b.id,
                "team_id": cls.team_b.id,
            }
        )
        cls.manager = new_test_user(
            cls.env,
            "intake_manager",
            groups="sales_team.group_sale_manager",
            company_id=cls.company_a.id,
            company_ids=[cls.company_a.id],
        )
        cls.salesman = new_test_user(
            cls.env,
            "intake_salesman",
            groups="sales_team.group_sale_salesman",
            company_id=cls.company_a.id,
        )

    def post_json(self, payload, headers=None):
        return self.url_open("/crm/intake", json=payload, headers=headers)

    def post_form(self, data, headers=None):
        return self.url_open("/crm/intake", data=data, headers=headers)

    def leads_of(self, form):
        return self.env["crm.lead"].search([("intake_form_id", "=", form.id)])

    def submissions_of(self, form):
        return self.env["crm.intake.submission"].search([("form_id", "=", form.id)])

    @staticmethod
    def calculator_payload(**overrides):
        payload = {
            "form": "wedding-calculator",
            "name": "Thandi Nkosi",
            "email": "thandi@example.com",
            "phone": "+27 82 555 0101",
            "message": "We would love a garden ceremony.",
            "event_date": "2027-03-20",
            "guests": 120,
            "package": "Gold",
            "quoted_amount": "185000.00",
            "utm_source": "Google",
            "utm_medium": "cpc",
            "utm_campaign": "Winter Weddings",
        }
        payload.update(overrides)
        return payload
