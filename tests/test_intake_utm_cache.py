from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestIntakeUtmCache(TransactionCase):
    """Web enquiries match UTM labels through a cache of ids; every change of a
    UTM record through Odoo that can alter a match is seen at once."""

    def _match(self, model_name, label):
        # sudo: crm.intake.submission - as the intake endpoint calls it
        return self.env["crm.intake.submission"].sudo()._match_utm(model_name, label)

    def test_source_created_renamed_deleted(self):
        self.assertFalse(self._match("utm.source", "Bing"), "a miss is cached too")
        bing = self.env["utm.source"].create({"name": "Bing"})
        self.assertEqual(self._match("utm.source", " bing "), bing)
        self.assertEqual(self._match("utm.source", "Bing"), bing)
        bing.name = "Bing Ads"
        self.assertFalse(self._match("utm.source", "Bing"))
        self.assertEqual(self._match("utm.source", "bing ads"), bing)
        bing.unlink()
        self.assertFalse(self._match("utm.source", "Bing Ads"))

    def test_medium_and_archived_records(self):
        medium = self.env["utm.medium"].create({"name": "Bridal fair"})
        self.assertEqual(self._match("utm.medium", "BRIDAL FAIR"), medium)
        medium.active = False
        self.assertEqual(
            self._match("utm.medium", "bridal fair"), medium, "archived still match"
        )

    def test_campaign_title_renamed(self):
        campaign = self.env["utm.campaign"].create({"title": "Winter Weddings"})
        self.assertEqual(self._match("utm.campaign", "winter weddings"), campaign)
        campaign.title = "Summer Weddings"
        self.assertFalse(self._match("utm.campaign", "winter weddings"))
        self.assertEqual(self._match("utm.campaign", "Summer  Weddings"), campaign)

    def test_new_record_when_asked_and_no_near_duplicate(self):
        Submission = self.env["crm.intake.submission"].sudo()
        created = Submission._match_utm("utm.source", "Wedding Expo", create=True)
        self.assertEqual(created.name, "Wedding Expo")
        again = Submission._match_utm("utm.source", "wedding expo", create=True)
        self.assertEqual(again, created)
