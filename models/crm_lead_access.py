from odoo import api, fields, models
from odoo.fields import Domain


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # The one spelling of a salesperson's lead scope. The record rules of the lead
    # and of the records that hang off it (contact log, assignment log, follow-up
    # alerts) all search this field, so they cannot drift apart. A rule's domain
    # runs as superuser, so ('lead_id', 'any', []) would not apply the lead's own
    # rules: the scope has to be named.
    in_lead_scope = fields.Boolean(
        "In My Lead Scope",
        compute="_compute_in_lead_scope",
        search="_search_in_lead_scope",
        help="Whether the current user, as a salesperson with 'own documents' "
        "rights, reads and writes this lead under the company's lead scope.",
    )

    @api.depends(
        "user_id",
        "team_id.user_id",
        "team_id.member_ids",
        "company_id.crm_lead_scope",
    )
    @api.depends_context("uid")
    def _compute_in_lead_scope(self):
        # Record rules check records already read through this compute, so it
        # must agree with the search below to the letter.
        in_scope = self.filtered_domain(self._lead_scope_domain())
        for lead in self:
            lead.in_lead_scope = lead in in_scope

    def _search_in_lead_scope(self, operator, value):
        if operator != "in":
            return NotImplemented
        domain = self._lead_scope_domain()
        return domain if True in value else ~domain

    def _lead_scope_domain(self):
        """Leads the current user may work as a salesperson, by their company's
        ``crm_lead_scope``: their own leads; with ``stock`` (Odoo's rule) every
        unassigned lead; with ``own`` or ``team_queue`` the leads of the teams
        they lead; with ``team_queue`` the unassigned leads of their teams."""
        uid = self.env.uid
        return (
            Domain("user_id", "=", uid)
            | (
                Domain("user_id", "=", False)
                & (
                    Domain("company_id", "=", False)
                    | Domain("company_id.crm_lead_scope", "=", "stock")
                )
            )
            | (
                Domain("team_id.user_id", "=", uid)
                & Domain("company_id.crm_lead_scope", "in", ["own", "team_queue"])
            )
            | (
                Domain("user_id", "=", False)
                & Domain("company_id.crm_lead_scope", "=", "team_queue")
                & Domain("team_id.member_ids", "in", [uid])
            )
        )

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
