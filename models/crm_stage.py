import logging

from odoo import fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class CrmStage(models.Model):
    _inherit = "crm.stage"

    probability = fields.Float(
        string="Probability (%)",
        digits=(5, 2),
        help="Likelihood that a lead in this stage is won, for companies that use "
        "stage probabilities. Leave empty to keep predictive scoring for the "
        "leads in this stage.",
    )

    _check_stage_probability = models.Constraint(
        "CHECK(probability IS NULL OR (probability >= 0 AND probability <= 100))",
        "A stage probability is a percentage between 0 and 100.",
    )

    def write(self, vals):
        res = super().write(vals)
        if "probability" in vals:
            with_value = self.filtered(lambda stage: stage.probability > 0)
            with_value._closed_loop_push_probability()
            if emptied := self - with_value:
                # Emptied stages hand their open leads back to predictive scoring.
                leads = self.env["crm.lead"].search(
                    [("stage_id", "in", emptied.ids), ("won_status", "=", "pending")]
                )
                leads._compute_probabilities()
        return res

    def _closed_loop_push_probability(self):
        """Align the open leads of these stages on their (common) new probability.

        One UPDATE whatever the number of leads: it also refreshes the stored
        amounts derived from the probability, which the ORM would otherwise
        recompute lead by lead. Manual overrides keep their value.
        """
        stages = self.filtered(lambda stage: not stage.is_won)
        if not stages:
            return
        lead_model = self.env["crm.lead"]
        lead_model.flush_model()
        self.env["res.company"].flush_model(["crm_probability_source", "currency_id"])
        self.flush_recordset(["probability"])
        rows = self.env.execute_query(stages._closed_loop_probability_update_sql())
        if rows:
            lead_model.invalidate_model()
            _logger.info(
                "Stage probabilities: %s open leads aligned on stages %s",
                len(rows),
                stages.ids,
            )

    def _closed_loop_probability_update_sql(self):
        # Rounding follows Monetary's own: to the decimals of the company currency.
        return SQL(
            """
            UPDATE crm_lead AS lead
               SET automated_probability = stage.probability,
                   probability = new.probability,
                   prorated_revenue = ROUND(
                       COALESCE(src.expected_revenue, 0) * new.probability / 100.0,
                       cur.decimal_places),
                   weighted_revenue = ROUND(
                       COALESCE(src.expected_revenue, 0) * new.probability / 100.0,
                       cur.decimal_places),
                   recurring_revenue_prorated = ROUND(
                       COALESCE(src.recurring_revenue, 0) * new.probability / 100.0,
                       cur.decimal_places),
                   recurring_revenue_monthly_prorated = ROUND(
                       COALESCE(src.recurring_revenue_monthly, 0)
                       * new.probability / 100.0,
                       cur.decimal_places)
              FROM crm_lead AS src
              JOIN crm_stage AS stage ON stage.id = src.stage_id
              JOIN res_company AS company
                ON company.id = COALESCE(src.company_id, %(company_id)s)
              JOIN res_currency AS cur ON cur.id = company.currency_id
             CROSS JOIN LATERAL (
                   SELECT (CASE WHEN src.probability_is_manual
                                THEN src.probability
                                ELSE stage.probability END)::numeric
                           AS probability
             ) AS new
             WHERE lead.id = src.id
               AND src.stage_id IN %(stage_ids)s
               AND src.active
               AND src.won_status = 'pending'
               AND company.crm_probability_source = 'stage'
            RETURNING lead.id
            """,
            company_id=self.env.company.id,
            stage_ids=tuple(self.ids),
        )
