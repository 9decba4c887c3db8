import json

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestIntakeReference(TransactionCase):
    """Every stored enquiry, refused or not, has its own reference from its id."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        team = cls.env["crm.team"].create({"name": "Weddings"})
        cls.form = cls.env["crm.intake.form"].create(
            {"name": "Wedding enquiry", "key": "r5-wedding", "team_id": team.id}
        )
        # sudo: crm.intake.submission - as the public endpoint calls it
        cls.Submission = cls.env["crm.intake.submission"].sudo()

    def _receive(self, payload, origin=None):
        body = json.dumps({"form": "r5-wedding", **payload}).encode()
        return self.Submission._receive(
            self.form, body, "application/json", "127.0.0.5", origin=origin
        )

    def test_refused_enquiries_have_references(self):
        self._receive({"name": "Bot", "email": "bot@example.com", "fax": "1"})
        self._receive({"name": "No way to reach"})
        refused = self.Submission.search(
            [("form_id", "=", self.form.id), ("state", "=", "rejected")]
        )
        self.assertEqual(len(refused), 2)
        for submission in refused:
            self.assertEqual(submission.name, f"ENQ/{submission.id:06d}")

    def test_duplicate_answers_the_first_reference_and_copy_gets_its_own(self):
        payload = {"name": "Lerato", "email": "lerato@example.com"}
        _status, first = self._receive(payload)
        _status, again = self._receive(payload)
        self.assertTrue(again.get("duplicate"))
        self.assertEqual(again["reference"], first["reference"])
        submission = self.Submission.search([("name", "=", first["reference"])])
        self.assertEqual(len(submission), 1)
        copy = submission.copy({"idempotency_hash": False})
        self.assertEqual(copy.name, f"ENQ/{copy.id:06d}")
        self.assertNotEqual(copy.name, submission.name)
