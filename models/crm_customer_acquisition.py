import logging

from odoo import api, fields, models

from .lib.acquisition_math import add_months

_logger = logging.getLogger(__name__)


class CrmCustomerAcquisition(models.Model):
    """When, by which campaign, channel and medium a customer was won for the first
    time, per company. Spend, CAC and attributed revenue all start from here; the
    figures themselves come from the KPI engine (``crm.closed.loop.kpi``).
    """

    _name = "crm.customer.acquisition"
    _description = "Customer Acquisition"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        ondelete="cascade",
        index=True,
        help="Commercial entity of the customer; its contacts share the acquisition.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    lead_id = fields.Many2one(
        "crm.lead",
        string="Won Lead",
        ondelete="set null",
        index="btree_not_null",
        help="The first lead won for this customer in this company.",
    )
    date = fields.Date(string="Acquisition Date", required=True, index=True)
    campaign_id = fields.Many2one(
        "utm.campaign", ondelete="set null", index="btree_not_null"
    )
    source_id = fields.Many2one(
        "utm.source", string="Channel", ondelete="set null", index="btree_not_null"
    )
    medium_id = fields.Many2one("utm.medium", ondelete="set null")
    attribution_end_date = fields.Date(
        compute="_compute_attribution_end_date",
        help="Revenue dated before this day counts for the acquisition.",
    )

    _partner_company_uniq = models.Constraint(
        "UNIQUE(partner_id, company_id)",
        "A customer is acquired only once per company.",
    )

    @api.depends("date", "company_id.crm_attribution_months")
    def _compute_attribution_end_date(self):
        for acquisition in self:
            acquisition.attribution_end_date = acquisition.date and add_months(
                acquisition.date, acquisition.company_id.crm_attribution_months
            )

    # ------------------------------------------------------------
    # Acquisition from won leads
    # ------------------------------------------------------------

    @api.model
    def _lead_acquisition_key(self, lead):
        company = lead.company_id or lead.team_id.company_id or self.env.company
        return lead.partner_id.commercial_partner_id.id, company.id

    @api.model
    def _register_won_leads(self, leads):
        """Create the acquisition of each customer whose first lead is in ``leads``.

        A customer already acquired in the company is repeat business: nothing
        changes. Leads without a customer cannot acquire anybody.
        """
        leads = leads.filtered("partner_id")
        if not leads:
            return self.browse()
        # sudo: crm.customer.acquisition - the system records wins, users only read
        Acquisition = self.sudo()
        keys = {self._lead_acquisition_key(lead) for lead in leads}
        existing = Acquisition.search(
            [("partner_id", "in", [partner_id for partner_id, _c in keys])]
        )
        done = {(acq.partner_id.id, acq.company_id.id) for acq in existing}
        vals_list = []
        for lead in leads.sorted(
            lambda lead: (lead.date_closed or fields.Datetime.now(), lead.id)
        ):
            key = self._lead_acquisition_key(lead)
            if key in done:
                continue
            done.add(key)
            vals_list.append(self._acquisition_values(lead, key))
        return Acquisition.create(vals_list)

    @api.model
    def _acquisition_values(self, lead, key):
        won_at = lead.date_closed or fields.Datetime.now()
        return {
            "partner_id": key[0],
            "company_id": key[1],
            "lead_id": lead.id,
            "date": fields.Date.context_today(self, won_at),
            "campaign_id": lead.campaign_id.id,
            "source_id": lead.source_id.id,
            "medium_id": lead.medium_id.id,
        }

    @api.model
    def _unregister_unwon_leads(self, leads):
        """Leads that leave the won state no longer acquire their customer: the next
        earliest won lead of the customer, if any, takes over."""
        # sudo: crm.customer.acquisition - kept in line with leads by the system
        acquisitions = self.sudo().search([("lead_id", "in", leads.ids)])
        if not acquisitions:
            return
        replacements = []
        for acquisition in acquisitions:
            # sudo: crm.lead - the customer's other wins may belong to other teams
            lead = (
                self.env["crm.lead"]
                .sudo()
                .search(
                    [
                        ("id", "not in", leads.ids),
                        ("won_status", "=", "won"),
                        (
                            "partner_id",
                            "child_of",
                            acquisition.partner_id.id,
                        ),
                        ("company_id", "in", [acquisition.company_id.id, False]),
                    ],
                    order="date_closed, id",
                    limit=1,
                )
            )
            if lead:
                replacements.append(lead)
        acquisitions.unlink()
        for lead in replacements:
            self._register_won_leads(lead)

    # ------------------------------------------------------------
    # Spend
    # ------------------------------------------------------------

    @api.model
    def _marketing_plan(self):
        """The analytic plan whose accounts tag marketing spend."""
        return self.env.ref(
            "crm_closed_loop.account_analytic_plan_marketing", raise_if_not_found=False
        )
