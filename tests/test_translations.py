import re
from pathlib import Path

import polib

from odoo.exceptions import UserError, ValidationError
from odoo.tests import BaseCase, TransactionCase, new_test_user, tagged

I18N = Path(__file__).resolve().parent.parent / "i18n"
# Odoo 19 does not list Afrikaans among its languages; a database that wants it
# adds it once (README, "Translations"), as these tests do.
AFRIKAANS = {
    "name": "Afrikaans / Afrikaans",
    "code": "af_ZA",
    "iso_code": "af",
    "url_code": "af",
    "date_format": "%Y/%m/%d",
    "time_format": "%H:%M:%S",
    "decimal_point": ",",
    "thousands_sep": " ",
    "week_start": "1",
}
# What a translation must carry over unchanged: Python format placeholders and
# the markup (tag names, QWeb expressions); attribute texts may be translated.
FORMAT_RE = re.compile(r"%\([a-z_]+\)[sdr]|%[sdr]")
TAG_RE = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")
QWEB_RE = re.compile(r"\{\{.*?\}\}|t-[a-z-]+=\"[^\"]*\"")


def _must_keep(text):
    return (
        sorted(FORMAT_RE.findall(text)),
        TAG_RE.findall(text),
        sorted(QWEB_RE.findall(text)),
    )


@tagged("post_install", "-at_install")
class TestAfrikaansCatalogue(BaseCase):
    """The catalogue itself: every text of the template is translated."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pot = polib.pofile(str(I18N / "crm_closed_loop.pot"))
        cls.po = polib.pofile(str(I18N / "af.po"))

    def test_headers_name_afrikaans_and_its_plural_rule(self):
        self.assertEqual(self.po.metadata["Language"], "af")
        self.assertEqual(
            self.po.metadata["Plural-Forms"], "nplurals=2; plural=(n != 1);"
        )
        self.assertIn("charset=UTF-8", self.po.metadata["Content-Type"])

    def test_every_text_of_the_template_is_translated(self):
        self.assertGreater(len(self.pot), 100, "the template lists the addon's texts")
        translated = {
            entry.msgid: entry
            for entry in self.po
            if not entry.obsolete and "fuzzy" not in entry.flags
        }
        missing = [
            entry.msgid
            for entry in self.pot
            if not translated.get(entry.msgid, polib.POEntry()).msgstr.strip()
        ]
        self.assertFalse(missing, f"{len(missing)} texts without Afrikaans")

    def test_translations_keep_placeholders_and_markup(self):
        wrong = [
            (entry.msgid, entry.msgstr)
            for entry in self.po
            if entry.msgstr and _must_keep(entry.msgid) != _must_keep(entry.msgstr)
        ]
        self.assertFalse(wrong, "placeholders or markup changed")

    def test_the_check_catches_a_lost_placeholder(self):
        self.assertNotEqual(_must_keep("Team: %(team)s"), _must_keep("Span: %(span)s"))
        self.assertNotEqual(
            _must_keep('<span class="o_stat_text">Spend</span>'),
            _must_keep("Besteding"),
        )


@tagged("post_install", "-at_install")
class TestAfrikaansInOdoo(TransactionCase):
    """The catalogue loaded into Odoo: what an Afrikaans-speaking user sees."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Lang = cls.env["res.lang"].with_context(active_test=False)
        if not Lang.search([("code", "=", AFRIKAANS["code"])]):
            Lang.create(AFRIKAANS)
        cls.env["res.lang"]._activate_lang(AFRIKAANS["code"])
        cls.env["ir.module.module"]._load_module_terms(
            ["crm_closed_loop"], [AFRIKAANS["code"]], overwrite=True
        )
        cls.salesman = new_test_user(
            cls.env,
            login="cl_i18n_salesman",
            groups="sales_team.group_sale_salesman",
            lang=AFRIKAANS["code"],
        )
        cls.af_env = cls.env(user=cls.salesman, context={"lang": cls.salesman.lang})

    def test_stage_probability_label(self):
        field = self.af_env["crm.stage"].fields_get(["probability"])["probability"]
        self.assertEqual(field["string"], "Waarskynlikheid (%)")
        english = self.env["crm.stage"].with_context(lang="en_US")
        self.assertEqual(
            english.fields_get(["probability"])["probability"]["string"],
            "Probability (%)",
        )

    def test_menu_name(self):
        menu = self.env.ref("crm_closed_loop.crm_lead_followup_menu")
        self.assertEqual(menu.with_env(self.af_env).name, "My opvolgings")
        self.assertEqual(menu.with_context(lang="en_US").name, "My follow-ups")

    def test_sla_state_selection(self):
        field = self.af_env["crm.lead"].fields_get(["sla_state"])["sla_state"]
        self.assertEqual(
            dict(field["selection"]),
            {
                "on_track": "Op koers",
                "due_soon": "Binnekort verskuldig",
                "breached": "Oorskry",
                "met": "Nagekom",
            },
        )

    def test_user_error_of_the_scorecard_wizard(self):
        with self.assertRaises(ValidationError) as caught:
            self.af_env["crm.closed.loop.scorecard.wizard"].create(
                {"date_from": "2026-03-31", "date_to": "2026-03-01"}
            )
        self.assertEqual(
            str(caught.exception), "Die tydperk moet begin voordat dit eindig."
        )

    def test_user_error_with_placeholders(self):
        with self.assertRaises(UserError) as caught:
            self.af_env["crm.closed.loop.kpi"].get_kpis("2026-03-31", "2026-03-01", [])
        self.assertEqual(
            str(caught.exception),
            "Die tydperk begin op 2026-03-31, ná sy einde op 2026-03-01.",
        )
