from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestUtmCacheLanguages(TransactionCase):
    """The cached UTM match must answer as the uncached search did, whatever
    language the visitor's request runs in, and see translations edited."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.campaign = cls.env["utm.campaign"].create({"title": "Winter Weddings"})

    def _match(self, label, lang):
        # sudo: crm.intake.submission - as the intake endpoint calls it
        Submission = self.env["crm.intake.submission"].sudo().with_context(lang=lang)
        return Submission._match_utm("utm.campaign", label)

    def test_translation_edited_after_a_miss(self):
        self.assertFalse(self._match("Mariages d'hiver", "fr_FR"))
        self.campaign.update_field_translations("title", {"fr_FR": "Mariages d'hiver"})
        self.assertEqual(self._match("mariages d'hiver", "fr_FR"), self.campaign)

    def test_title_edited_through_the_translation_dialog(self):
        self.assertEqual(self._match("Winter Weddings", "en_US"), self.campaign)
        self.assertFalse(self._match("Summer Weddings", "en_US"))
        self.campaign.update_field_translations("title", {"en_US": "Summer Weddings"})
        self.assertEqual(self._match("summer weddings", "en_US"), self.campaign)

    def test_answer_does_not_depend_on_who_asked_first(self):
        self.campaign.update_field_translations("title", {"fr_FR": "Mariages d'hiver"})
        self.assertFalse(
            self._match("Mariages d'hiver", "en_US"), "not an English title"
        )
        self.assertEqual(self._match("Mariages d'hiver", "fr_FR"), self.campaign)
