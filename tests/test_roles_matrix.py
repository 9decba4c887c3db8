"""The roles matrix of README "## Roles", as data, checked cell by cell.

Keep ROLES, COLUMNS and MATRIX equal to the README table: each cell is the
word printed there.
"""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .access_common import AccessCase

COLUMNS = (
    "leads",
    "contact events",
    "assignment log",
    "intake forms / submissions",
    "rules and policies",
    "campaign spend figures",
    "scorecard",
    "bills",
)

# role: (fixture user, company lead scope while checking)
ROLES = {
    "Salesperson, own": ("s1", "own"),
    "Salesperson, own + team queue": ("s1", "team_queue"),
    "Team leader": ("leader", "own"),
    "Sales manager": ("manager", "own"),
    "Marketing": ("marketer", "own"),
    "Accountant": ("accountant", "own"),
    "Public visitor": ("visitor", "own"),
}

# fmt: off
MATRIX = {
    "Salesperson, own": (
        "own", "own", "own", "read forms", "read", "no", "own", "none"),
    "Salesperson, own + team queue": (
        "own + team queue", "own + team queue", "own + team queue", "read forms",
        "read", "no", "own", "none"),
    "Team leader": (
        "team", "team", "team", "read forms", "read", "no", "team", "none"),
    "Sales manager": (
        "all", "all", "all", "manage", "manage", "yes", "all", "none"),
    "Marketing": (
        "none", "none", "none", "none", "none", "yes", "all", "none"),
    "Accountant": (
        "none", "none", "none", "none", "none", "yes", "all", "manage"),
    "Public visitor": (
        "none", "none", "none", "post only", "none", "no", "none", "none"),
}
# fmt: on


@tagged("post_install", "-at_install")
class TestRolesMatrix(AccessCase):
    def expected_leads(self, cell):
        return {
            "own": self.l1,
            "own + team queue": self.l1 | self.l3,
            "team": self.l1 | self.l2 | self.l3,
            "all": self.leads,
        }[cell]

    def assert_lead_scope(self, user, cell, model):
        """Records of ``model`` the user reads are those of the cell's leads."""
        if cell == "none":
            self.assertFalse(self.env[model].with_user(user).has_access("read"))
            return
        expected = self.expected_leads(cell)
        if model == "crm.assignment.log":
            # Only owned leads have an assignment line in the fixture.
            expected = expected.filtered("user_id")
        if model == "crm.closed.loop.lead.report":
            found = (
                self.env[model]
                .with_user(user)
                .search([("lead_id", "in", self.leads.ids)])
            )
            self.assertEqual(found.sudo().lead_id, expected)
            return
        self.assertEqual(self.visible(user, model), expected)
        refused = self.leads - expected
        records = (
            refused
            if model == "crm.lead"
            else self.env[model].search([("lead_id", "in", refused.ids)])
        )
        for record in records:
            with self.assertRaises(AccessError):
                record.with_user(user).read(["id"])

    def check_leads(self, user, cell):
        self.assert_lead_scope(user, cell, "crm.lead")

    def check_contact_events(self, user, cell):
        self.assert_lead_scope(user, cell, "crm.contact.event")
        # Follow-up alerts go with the contact log of a lead.
        self.assert_lead_scope(user, cell, "crm.followup.alert")

    def check_assignment_log(self, user, cell):
        self.assert_lead_scope(user, cell, "crm.assignment.log")

    def check_intake(self, user, cell):
        Form = self.env["crm.intake.form"].with_user(user)
        Submission = self.env["crm.intake.submission"].with_user(user)
        reads_forms = cell in ("read forms", "manage")
        self.assertEqual(Form.has_access("read"), reads_forms)
        self.assertEqual(Form.has_access("create"), cell == "manage")
        self.assertEqual(Submission.has_access("read"), cell == "manage")
        # Nobody edits what a visitor sent; "post only" is the /crm/intake route,
        # which stores enquiries through its own code (test_intake_adversarial).
        self.assertFalse(Submission.has_access("write"))

    def check_rules(self, user, cell):
        for model in ("crm.assignment.rule", "crm.followup.policy"):
            Model = self.env[model].with_user(user)
            self.assertEqual(Model.has_access("read"), cell in ("read", "manage"))
            self.assertEqual(Model.has_access("write"), cell == "manage")
        settings = self.env["res.config.settings"].with_user(user)
        self.assertEqual(settings.has_access("write"), False)

    def check_spend(self, user, cell):
        for record in (self.campaign, self.source):
            if cell == "yes":
                values = record.with_user(user).read(
                    ["marketing_spend", "acquisition_cac", "acquisition_revenue"]
                )[0]
                self.assertEqual(values["marketing_spend"], 0.0)
            else:
                with self.assertRaises(AccessError):
                    record.with_user(user).read(["marketing_spend"])

    def check_scorecard(self, user, cell):
        self.assert_lead_scope(user, cell, "crm.closed.loop.lead.report")

    def check_bills(self, user, cell):
        Move = self.env["account.move"].with_user(user)
        self.assertEqual(Move.has_access("read"), cell == "manage")
        self.assertEqual(Move.has_access("create"), cell == "manage")

    def test_readme_and_matrix_agree(self):
        self.assertEqual(set(MATRIX), set(ROLES))
        for row in MATRIX.values():
            self.assertEqual(len(row), len(COLUMNS))

    def test_every_cell(self):
        checks = dict(
            zip(
                COLUMNS,
                (
                    self.check_leads,
                    self.check_contact_events,
                    self.check_assignment_log,
                    self.check_intake,
                    self.check_rules,
                    self.check_spend,
                    self.check_scorecard,
                    self.check_bills,
                ),
                strict=True,
            )
        )
        for role, (user_attr, scope) in ROLES.items():
            self.set_scope(scope)
            user = getattr(self, user_attr)
            for column, cell in zip(COLUMNS, MATRIX[role], strict=True):
                with self.subTest(role=role, column=column, cell=cell):
                    checks[column](user, cell)
