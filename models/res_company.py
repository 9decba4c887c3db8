from odoo import fields, models

from .lib.probability import follows_stage, stage_value

PROBABILITY_SOURCES = [
    ("predictive", "Predictive scoring"),
    ("stage", "Stage probabilities"),
]


class ResCompany(models.Model):
    _inherit = "res.company"

    # Predictive scoring stays the default so a company sees stock Odoo until it
    # decides to steer probabilities from its pipeline stages.
    crm_probability_source = fields.Selection(
        PROBABILITY_SOURCES,
        string="Lead Probability Source",
        required=True,
        default="predictive",
    )

    def write(self, vals):
        source = vals.get("crm_probability_source")
        changed = self.filtered(
            lambda company: source and company.crm_probability_source != source
        )
        if not changed:
            return super().write(vals)
        leads = self.env["crm.lead"]._closed_loop_open_leads(changed)
        # A probability set by hand under predictive scoring stays an override
        # once the stage takes over, unless it is the stage's own value anyway.
        overridden = (
            leads.filtered(
                lambda lead: (
                    not lead.is_automated_probability
                    and not follows_stage(
                        lead.probability,
                        stage_value(lead.stage_id.is_won, lead.stage_id.probability),
                    )
                )
            )
            if source == "stage"
            else leads.browse()
        )
        res = super().write(vals)
        overridden.probability_is_manual = True
        leads._compute_probabilities()
        return res
