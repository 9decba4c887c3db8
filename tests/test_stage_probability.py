from odoo.tests import Form, freeze_time, new_test_user, tagged

from .common import StageProbabilityCommon


@tagged("post_install", "-at_install")
class TestStageProbabilityCases(StageProbabilityCommon):
    def test_move_to_proposal_takes_stage_probability(self):
        """Qualified -> Proposal: 60 %, 6,000 weighted, Proposal column 6,000."""
        self.assertFalse(
            self.env["crm.lead"].search_count(
                [("team_id", "=", self.team.id), ("won_status", "!=", "pending")]
            ),
            "the pipeline has no won or lost history",
        )
        lead = self._opportunity(self.stage_qualified)
        self.assertEqual(lead.probability, 30)
        self.assertEqual(lead.weighted_revenue, 3_000)

        lead.stage_id = self.stage_proposal
        self.assertEqual(lead.probability, 60)
        self.assertEqual(lead.weighted_revenue, 6_000)
        self.assertFalse(lead.probability_is_manual)
        totals = self._weighted_by_stage([("team_id", "=", self.team.id)])
        self.assertEqual(totals[self.stage_proposal.id], 6_000)

    def test_move_in_form_takes_stage_probability(self):
        lead = self._opportunity(self.stage_qualified)
        with Form(lead) as form:
            form.stage_id = self.stage_proposal
            self.assertEqual(form.probability, 60)
        self.assertEqual(lead.probability, 60)
        self.assertFalse(lead.probability_is_manual)

    def test_manual_probability_survives_move_and_edits(self):
        lead = self._opportunity(self.stage_qualified)
        lead.probability = 45
        self.assertTrue(lead.probability_is_manual)
        self.assertFalse(lead.is_automated_probability)

        lead.stage_id = self.stage_proposal
        self.assertEqual(lead.probability, 45)
        self.assertEqual(lead.weighted_revenue, 4_500)
        lead.write({"name": "Wedding for 120", "expected_revenue": 20_000})
        with Form(lead) as form:
            form.stage_id = self.stage_new
        self.assertEqual(lead.probability, 45)
        self.assertEqual(lead.weighted_revenue, 9_000)
        self.assertTrue(lead.probability_is_manual)

        lead.action_reset_stage_probability()
        self.assertEqual(lead.probability, 10)
        self.assertFalse(lead.probability_is_manual)
        lead.stage_id = self.stage_proposal
        self.assertEqual(lead.probability, 60, "after a reset it follows again")

    def test_manual_probability_on_create(self):
        lead = self._opportunity(self.stage_qualified, probability=45)
        self.assertEqual(lead.probability, 45)
        self.assertTrue(lead.probability_is_manual)
        same = self._opportunity(self.stage_qualified, probability=30)
        self.assertFalse(same.probability_is_manual)

    def _won_lead(self):
        with freeze_time("2026-03-02 10:00:00"):
            lead = self._opportunity(self.stage_qualified)
            lead.probability = 45
            lead.action_set_won()
        self.assertEqual(lead.won_status, "won")
        self.assertEqual(lead.probability, 100)
        self.assertEqual(str(lead.date_closed), "2026-03-02 10:00:00")
        return lead

    def _assert_back_in_qualified(self, lead):
        self.assertEqual(lead.stage_id, self.stage_qualified)
        self.assertEqual(lead.probability, 30)
        self.assertEqual(lead.won_status, "pending")
        self.assertFalse(lead.probability_is_manual)
        self.assertFalse(lead.date_closed)
        self.assertEqual(lead.weighted_revenue, 3_000)

    def test_won_lead_dragged_back_whatever_the_order(self):
        """Stage alone, stage then probability, probability then stage, a form."""
        for vals in (
            {"stage_id": self.stage_qualified.id},
            {"stage_id": self.stage_qualified.id, "probability": 100},
            {"probability": 100, "stage_id": self.stage_qualified.id},
        ):
            with self.subTest(vals=list(vals)):
                lead = self._won_lead()
                with freeze_time("2026-04-01 09:00:00"):
                    lead.write(vals)
                self._assert_back_in_qualified(lead)
        lead = self._won_lead()
        with freeze_time("2026-04-01 09:00:00"), Form(lead) as form:
            form.stage_id = self.stage_qualified
        self._assert_back_in_qualified(lead)

    def test_leaving_won_when_every_stage_belongs_to_one_team(self):
        self.env["crm.stage"].search([("team_ids", "=", False)]).write(
            {"team_ids": [self.team.id]}
        )
        self.assertFalse(self.env["crm.stage"].search([("team_ids", "=", False)]))
        lead = self._won_lead()
        lead.stage_id = self.stage_proposal
        self.assertEqual(lead.probability, 60)
        self.assertEqual(lead.won_status, "pending")

    def test_lost_lead_edit_keeps_it_lost(self):
        lead = self._opportunity(self.stage_proposal)
        lead.action_set_lost(lost_reason_id=self.lost_reason.id)
        self.assertEqual(lead.won_status, "lost")
        tag = self.env["crm.tag"].create({"name": "Garden venue"})
        lead.write({"tag_ids": [(4, tag.id)]})
        lead.write({"expected_revenue": 12_000})
        self.assertEqual(lead.won_status, "lost")
        self.assertEqual(lead.probability, 0)
        self.assertEqual(lead.weighted_revenue, 0)
        self.assertEqual(lead.lost_reason_id, self.lost_reason)
        self.assertFalse(lead.active)

    def test_restored_lead_follows_its_stage_again(self):
        lead = self._opportunity(self.stage_proposal)
        lead.action_set_lost(lost_reason_id=self.lost_reason.id)
        lead.action_restore()
        self.assertEqual(lead.won_status, "pending")
        self.assertEqual(lead.probability, 60)

    def test_weighted_pipeline_adds_up(self):
        first = self._opportunity(self.stage_proposal, 100.0, probability=99)
        second = self._opportunity(self.stage_new, 200.0, probability=0)
        self.assertEqual((first.weighted_revenue, second.weighted_revenue), (99, 0))
        self.assertEqual(second.won_status, "pending")
        domain = [("team_id", "=", self.team.id)]
        [overall] = (
            self.env["crm.lead"]
            .with_user(self.salesman)
            .formatted_read_group(domain, [], ["weighted_revenue:sum"])
        )
        self.assertEqual(overall["weighted_revenue:sum"], 99)
        self.assertEqual(sum(self._weighted_by_stage(domain).values()), 99)


@tagged("post_install", "-at_install")
class TestStageProbabilityWrite(StageProbabilityCommon):
    def _qualified_leads(self, count):
        return self.env["crm.lead"].create(
            [
                {
                    "name": f"Conference {index}",
                    "type": "opportunity",
                    "team_id": self.team.id,
                    "stage_id": self.stage_qualified.id,
                    "expected_revenue": 1_000.0,
                }
                for index in range(count)
            ]
        )

    def _queries_for_stage_write(self, stage, value):
        self.env.flush_all()
        start = self.env.cr.sql_log_count
        stage.with_user(self.manager).write({"probability": value})
        self.env.flush_all()
        return self.env.cr.sql_log_count - start

    def test_stage_write_updates_open_leads_in_one_statement(self):
        self._qualified_leads(1)
        # The first write as the manager also warms the access caches.
        self._queries_for_stage_write(self.stage_qualified, 33)
        few = self._queries_for_stage_write(self.stage_qualified, 35)
        leads = self._qualified_leads(40)
        manual = leads[0]
        manual.probability = 45
        lost = leads[1]
        lost.action_set_lost()
        many = self._queries_for_stage_write(self.stage_qualified, 40)
        self.assertEqual(few, many, "the query count must not grow with the leads")
        self.env.flush_all()
        # One UPDATE of the stage, one of its leads.
        self.assertEqual(many, 2)
        with self.assertQueryCount(2):
            self.stage_qualified.with_user(self.manager).write({"probability": 50})

        open_leads = leads - manual - lost
        self.assertEqual(set(open_leads.mapped("probability")), {50})
        self.assertEqual(set(open_leads.mapped("automated_probability")), {50})
        self.assertEqual(set(open_leads.mapped("weighted_revenue")), {500})
        self.assertEqual(set(open_leads.mapped("prorated_revenue")), {500})
        self.assertEqual(manual.probability, 45)
        self.assertEqual(manual.weighted_revenue, 450)
        self.assertEqual((lost.probability, lost.won_status), (0, "lost"))

    def test_emptied_stage_hands_leads_to_predictive_scoring(self):
        lead = self._qualified_leads(1)
        self.assertEqual(lead.probability, 30)
        self.stage_qualified.with_user(self.manager).probability = False
        self.assertFalse(lead.probability_follows_stage)
        # Back in the host's hands: automated again, and the scoring (which
        # cannot score a pipeline without history) decides from now on.
        self.assertTrue(lead.is_automated_probability)
        self.assertEqual(lead.probability, lead.automated_probability)
        self.stage_qualified.with_user(self.manager).probability = 35
        self.assertEqual(lead.probability, 35)

    def test_scoring_cron_keeps_stage_probabilities(self):
        lead = self._qualified_leads(1)
        self.env["ir.config_parameter"].sudo().set_param(
            "crm.pls_start_date", "2000-01-01"
        )
        self.env["crm.lead"]._cron_update_automated_probabilities()
        self.env.invalidate_all()
        self.assertEqual((lead.probability, lead.automated_probability), (30, 30))


@tagged("post_install", "-at_install")
class TestProbabilitySetting(StageProbabilityCommon):
    def test_fresh_install_keeps_predictive_scoring(self):
        """The data file weights the host's stages, the company still decides."""
        percents = [
            self.env.ref(f"crm.stage_lead{index}").probability for index in range(1, 5)
        ]
        self.assertEqual(percents, [10, 30, 60, 100])
        other = self.env["res.company"].create({"name": "Spa Pty"})
        self.assertEqual(other.crm_probability_source, "predictive")

    def test_setting_switches_between_sources(self):
        admin = new_test_user(
            self.env,
            login="cl_stage_admin",
            groups="base.group_system,sales_team.group_sale_manager",
            company_id=self.company.id,
        )
        self.company.crm_probability_source = "predictive"
        following = self._opportunity(self.stage_proposal)
        overridden = self._opportunity(self.stage_proposal, probability=42)
        self.assertFalse(following.probability_follows_stage)
        self.assertNotEqual(following.probability, 60)

        settings = self.env["res.config.settings"].with_user(admin).create({})
        self.assertEqual(settings.crm_probability_source, "predictive")
        settings.crm_probability_source = "stage"
        settings.execute()
        self.assertEqual(self.company.crm_probability_source, "stage")
        self.assertTrue(following.probability_follows_stage)
        self.assertEqual(following.probability, 60)
        self.assertEqual(overridden.probability, 42)
        self.assertTrue(overridden.probability_is_manual)

        self.company.crm_probability_source = "predictive"
        self.assertFalse(following.probability_follows_stage)
        self.assertTrue(following.is_automated_probability)
        self.assertEqual(following.probability, following.automated_probability)
        self.assertEqual(overridden.probability, 42)
        self.assertFalse(overridden.is_automated_probability)

    def test_switch_keeps_a_value_that_is_the_stages_own_out_of_overrides(self):
        self.company.crm_probability_source = "predictive"
        at_stage_value = self._opportunity(self.stage_proposal, probability=60)
        self.assertFalse(at_stage_value.is_automated_probability)
        self.company.crm_probability_source = "stage"
        self.assertFalse(at_stage_value.probability_is_manual)
        at_stage_value.stage_id = self.stage_qualified
        self.assertEqual(at_stage_value.probability, 30, "it follows its stage")

    def test_other_company_keeps_predictive_scoring(self):
        other = self.env["res.company"].create({"name": "Spa Pty"})
        lead = self.env["crm.lead"].create(
            {
                "name": "Spa day",
                "type": "opportunity",
                "company_id": other.id,
                "stage_id": self.stage_proposal.id,
                "expected_revenue": 500.0,
            }
        )
        self.assertFalse(lead.probability_follows_stage)
        self.assertNotEqual(lead.probability, 60)
        self.assertEqual(lead.probability, lead.automated_probability)

    def test_totals_convert_other_currencies(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].search([("currency_id", "=", eur.id)]).unlink()
        company_rate = self.company.currency_id.rate
        self.env["res.currency.rate"].create(
            {"currency_id": eur.id, "rate": 2 * company_rate, "name": "2026-01-01"}
        )
        if self.company.currency_id == eur:
            self.skipTest("the test company already runs in EUR")
        other = self.env["res.company"].create(
            {
                "name": "Euro venue",
                "currency_id": eur.id,
                "crm_probability_source": "stage",
            }
        )
        local = self._opportunity(self.stage_proposal, 1_000.0)
        foreign = self.env["crm.lead"].create(
            {
                "name": "Destination wedding",
                "type": "opportunity",
                "company_id": other.id,
                "stage_id": self.stage_proposal.id,
                "expected_revenue": 1_000.0,
            }
        )
        self.assertEqual(foreign.company_currency, eur)
        self.assertEqual((local.weighted_revenue, foreign.weighted_revenue), (600, 600))
        [(total,)] = (
            self.env["crm.lead"]
            .with_company(self.company)
            ._read_group(
                [("id", "in", (local | foreign).ids)],
                [],
                ["weighted_revenue:sum_currency"],
            )
        )
        self.assertAlmostEqual(total, 600 + 600 / 2)
