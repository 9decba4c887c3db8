from odoo import api, models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    @api.depends_context("uid")
    def _compute_potential_lead_duplicates(self):
        # Odoo counts duplicates across every company on purpose, so that a user
        # of both companies can escalate them; a user limited to some companies
        # must neither learn of the others' leads nor stumble on a record they
        # cannot open.
        result = super()._compute_potential_lead_duplicates()
        allowed = set(self.env.user._get_company_ids())
        for lead in self:
            duplicates = lead.duplicate_lead_ids.filtered(
                lambda dup: not dup.company_id or dup.company_id.id in allowed
            )
            if duplicates != lead.duplicate_lead_ids:
                lead.duplicate_lead_ids = duplicates
                lead.duplicate_lead_count = len(duplicates - lead)
        return result
