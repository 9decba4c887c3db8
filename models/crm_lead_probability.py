from collections import defaultdict

from odoo import api, fields, models

from .lib.probability import follows_stage, stage_value, weighted_amount


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # ------------------------------------------------------------
    # Fields
    # ------------------------------------------------------------

    probability_is_manual = fields.Boolean(
        string="Manual Probability",
        copy=False,
        help="The probability was set by hand and no longer follows the stage.",
    )
    probability_follows_stage = fields.Boolean(
        string="Probability From Stage",
        compute="_compute_probability_follows_stage",
        help="The company uses stage probabilities and this stage carries one.",
    )
    stage_probability = fields.Float(
        compute="_compute_probability_follows_stage",
    )
    weighted_revenue = fields.Monetary(
        currency_field="company_currency",
        compute="_compute_weighted_revenue",
        store=True,
        help="Expected revenue x probability, in the currency of the lead's company.",
    )

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends(
        "stage_id.probability",
        "stage_id.is_won",
        "company_id.crm_probability_source",
    )
    @api.depends_context("company")
    def _compute_probability_follows_stage(self):
        for lead in self:
            value = lead._closed_loop_stage_value()
            lead.probability_follows_stage = value is not None
            lead.stage_probability = value or 0.0

    @api.depends("expected_revenue", "probability", "company_id")
    def _compute_weighted_revenue(self):
        for lead in self:
            lead.weighted_revenue = lead.company_currency.round(
                weighted_amount(lead.expected_revenue, lead.probability)
            )

    @api.depends(lambda self: ["stage_id", "team_id", *self._pls_get_safe_fields()])
    def _compute_probabilities(self):
        staged = self.filtered(lambda lead: lead._closed_loop_stage_value() is not None)
        # The host's scoring fails on an empty recordset.
        res = None
        if scored := self - staged:
            res = super(CrmLead, scored)._compute_probabilities()
        for lead in staged:
            # Lost and archived leads keep what they have, as with predictive
            # scoring: a lost lead stays at 0 % whatever else is edited.
            if not lead.active:
                continue
            value = lead._closed_loop_stage_value()
            lead.automated_probability = value
            if not lead.probability_is_manual:
                lead.probability = value
        return res

    @api.depends(
        "probability",
        "automated_probability",
        "probability_is_manual",
        "stage_id.probability",
        "company_id.crm_probability_source",
    )
    def _compute_is_automated_probability(self):
        staged = self.filtered(lambda lead: lead._closed_loop_stage_value() is not None)
        res = super(CrmLead, self - staged)._compute_is_automated_probability()
        for lead in staged:
            lead.is_automated_probability = not lead.probability_is_manual
        return res

    def _pls_get_naive_bayes_probabilities(self, batch_mode=False, is_tooltip=False):
        # The scoring cron writes these values straight into the table; leads
        # steered by their stage must get the stage's value there too.
        result = super()._pls_get_naive_bayes_probabilities(
            batch_mode=batch_mode, is_tooltip=is_tooltip
        )
        if not self or is_tooltip:
            return result
        probabilities, tooltip = result
        for lead in self.filtered(lambda lead: lead.id in probabilities):
            value = lead._closed_loop_stage_value()
            if value is not None:
                probabilities[lead.id] = value
        return probabilities, tooltip

    # ------------------------------------------------------------
    # ORM
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        leads = super().create(vals_list)
        manual = self.browse()
        for lead, vals in zip(leads, vals_list, strict=True):
            if "probability" not in vals or "probability_is_manual" in vals:
                continue
            value = lead._closed_loop_stage_value()
            if (
                value is not None
                and lead.active
                and not follows_stage(vals["probability"], value)
            ):
                manual |= lead
        if manual:
            manual.probability_is_manual = True
        return leads

    def write(self, vals):
        new_stage = (
            self.env["crm.stage"].browse(vals["stage_id"])
            if vals.get("stage_id")
            else None
        )
        # The host forces 100 % on a move to a won stage; that ends any override.
        moving_to_won = new_stage is not None and new_stage.is_won
        if "probability_is_manual" in vals or (
            "probability" not in vals and not moving_to_won
        ):
            return super().write(vals)
        written = vals.get("probability", 100.0)
        # The same written probability is a manual override on one lead and the
        # stage's own value on another: write each group with its own flag.
        groups = defaultdict(self.browse)
        for lead in self:
            stage = lead.stage_id if new_stage is None else new_stage
            value = lead._closed_loop_stage_value(stage)
            if value is None or not vals.get("active", lead.active):
                groups["host"] |= lead
                continue
            leaving_won = lead.stage_id.is_won and not stage.is_won
            if follows_stage(written, value, leaving_won=leaving_won):
                groups[("stage", value)] |= lead
            else:
                groups["manual"] |= lead
        for key, leads in groups.items():
            if key == "host":
                super(CrmLead, leads).write(vals)
            elif key == "manual":
                super(CrmLead, leads).write({**vals, "probability_is_manual": True})
            else:
                super(CrmLead, leads).write(
                    {**vals, "probability": key[1], "probability_is_manual": False}
                )
        return True

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_reset_stage_probability(self):
        """Put the leads back on the probability of their stage."""
        for lead in self:
            value = lead._closed_loop_stage_value()
            if value is None:
                lead.action_set_automated_probability()
            else:
                lead.write({"probability": value, "probability_is_manual": False})
        return True

    def action_set_automated_probability(self):
        res = super().action_set_automated_probability()
        self.probability_is_manual = False
        return res

    # ------------------------------------------------------------
    # Business
    # ------------------------------------------------------------

    def _closed_loop_stage_value(self, stage=None):
        """Probability the lead's stage dictates, or None for predictive scoring."""
        self.ensure_one()
        stage = self.stage_id if stage is None else stage
        company = self.company_id or self.env.company
        if not stage or company.crm_probability_source != "stage":
            return None
        return stage_value(stage.is_won, stage.probability)

    @api.model
    def _closed_loop_open_leads(self, companies):
        return self.search(
            [
                ("company_id", "in", companies.ids),
                ("won_status", "=", "pending"),
                ("active", "=", True),
            ]
        )
