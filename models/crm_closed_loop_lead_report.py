from odoo import fields, models, tools
from odoo.tools import SQL
from odoo.tools.sql import column_exists, table_exists

# Lead columns that other models of the addon add (stage probabilities, contacts).
ADDON_LEAD_COLUMNS = (
    "weighted_revenue",
    "contact_count",
    "first_response_minutes",
    "first_contact_date",
)


class CrmClosedLoopLeadReport(models.Model):
    """One row per lead, archived ones included, with the figures the scorecard adds.

    The KPI engine reads this view, and the pivot and graph views show it, so the
    scorecard and a manager's drill-down count the same rows the same way.
    """

    _name = "crm.closed.loop.lead.report"
    _description = "Closed-loop lead analysis"
    _auto = False
    _rec_name = "name"
    _order = "create_date desc, id desc"
    # Every column the view reads: a search or grouping on the view first writes
    # the pending values of these fields, so it sees the current transaction.
    _depends = {
        "crm.lead": [
            "name",
            "type",
            "create_date",
            "date_closed",
            "company_id",
            "team_id",
            "user_id",
            "partner_id",
            "source_id",
            "medium_id",
            "campaign_id",
            "stage_id",
            "lost_reason_id",
            "won_status",
            "active",
            "expected_revenue",
            *ADDON_LEAD_COLUMNS,
        ],
        "res.company": ["currency_id"],
        "crm.followup.policy": [
            "team_id",
            "stage_id",
            "active",
            "first_response_hours",
        ],
    }

    lead_id = fields.Many2one("crm.lead", readonly=True)
    name = fields.Char(readonly=True)
    type = fields.Selection(
        [("lead", "Lead"), ("opportunity", "Opportunity")], readonly=True
    )
    create_date = fields.Datetime("Created on", readonly=True)
    date_closed = fields.Datetime("Closed on", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    team_id = fields.Many2one("crm.team", string="Sales Team", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    source_id = fields.Many2one("utm.source", string="Channel", readonly=True)
    medium_id = fields.Many2one("utm.medium", readonly=True)
    campaign_id = fields.Many2one("utm.campaign", readonly=True)
    stage_id = fields.Many2one("crm.stage", readonly=True)
    lost_reason_id = fields.Many2one("crm.lost.reason", readonly=True)
    won_status = fields.Selection(
        [("won", "Won"), ("lost", "Lost"), ("pending", "Open")],
        string="Outcome",
        readonly=True,
    )
    is_open_opportunity = fields.Boolean("Open Opportunity", readonly=True)
    won_count = fields.Integer("Won", readonly=True, aggregator="sum")
    lost_count = fields.Integer("Lost", readonly=True, aggregator="sum")
    open_count = fields.Integer("Open", readonly=True, aggregator="sum")
    expected_revenue = fields.Monetary(
        readonly=True, currency_field="currency_id", aggregator="sum"
    )
    weighted_revenue = fields.Monetary(
        readonly=True, currency_field="currency_id", aggregator="sum"
    )
    contact_count = fields.Integer("Contacts", readonly=True, aggregator="sum")
    contacted_count = fields.Integer("Contacted", readonly=True, aggregator="sum")
    first_response_minutes = fields.Float(
        "First Response (business minutes)", readonly=True, aggregator="avg"
    )
    response_target_minutes = fields.Float(
        "First Response Target (business minutes)",
        readonly=True,
        aggregator="avg",
        help="From the team's default follow-up policy; empty without one.",
    )

    def _view_query(self):
        # The first-response target is the team's default follow-up policy; leads
        # of a team without one fall back on the engine's setting (NULL here).
        return SQL(
            """
            SELECT l.id AS id,
                   l.id AS lead_id,
                   l.name AS name,
                   l.type AS type,
                   l.create_date AS create_date,
                   l.date_closed AS date_closed,
                   l.company_id AS company_id,
                   c.currency_id AS currency_id,
                   l.team_id AS team_id,
                   l.user_id AS user_id,
                   l.partner_id AS partner_id,
                   l.source_id AS source_id,
                   l.medium_id AS medium_id,
                   l.campaign_id AS campaign_id,
                   l.stage_id AS stage_id,
                   l.lost_reason_id AS lost_reason_id,
                   l.won_status AS won_status,
                   (l.active AND l.won_status = 'pending'
                    AND l.type = 'opportunity') AS is_open_opportunity,
                   (l.won_status = 'won')::int AS won_count,
                   (l.won_status = 'lost')::int AS lost_count,
                   (l.won_status = 'pending')::int AS open_count,
                   COALESCE(l.expected_revenue, 0) AS expected_revenue,
                   COALESCE(l.weighted_revenue, 0) AS weighted_revenue,
                   COALESCE(l.contact_count, 0) AS contact_count,
                   (l.first_contact_date IS NOT NULL)::int AS contacted_count,
                   l.first_response_minutes AS first_response_minutes,
                   policy.first_response_hours * 60 AS response_target_minutes
              FROM crm_lead l
              LEFT JOIN res_company c ON c.id = l.company_id
              LEFT JOIN crm_followup_policy policy
                     ON policy.team_id = l.team_id
                    AND policy.stage_id IS NULL
                    AND policy.active
            """
        )

    def init(self):
        # The lead's own columns are added when crm.lead is set up, which may come
        # after this view on install; the data file calls init() again then.
        cr = self.env.cr
        if not table_exists(cr, "crm_followup_policy") or not all(
            column_exists(cr, "crm_lead", name) for name in ADDON_LEAD_COLUMNS
        ):
            return
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._view_query(),
            )
        )
