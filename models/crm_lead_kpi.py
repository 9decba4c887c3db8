from odoo import models


class CrmLead(models.Model):
    _inherit = "crm.lead"

    # The scorecard's pipeline (crm.closed.loop.kpi._read_pipeline): open
    # opportunities per stage with their revenue, read from the lead analysis
    # view's "is_open_opportunity IS TRUE" filter. The predicate is written as
    # the view's expression so that PostgreSQL proves it and answers from the
    # index alone, without visiting the leads.
    _crm_closed_loop_pipeline_idx = models.Index(
        "(company_id, stage_id) INCLUDE (team_id, expected_revenue, weighted_revenue)"
        " WHERE (active AND won_status = 'pending' AND type = 'opportunity') IS TRUE"
    )

    # The scorecard's cohort and response times (crm.closed.loop.kpi._read_cohort
    # and _read_response): a period's leads by channel, medium, campaign,
    # salesperson and lost reason, and their first-response minutes, read from
    # the lead analysis view. Covering them lets PostgreSQL answer both from the
    # index alone instead of reading every lead row of the period.
    _crm_closed_loop_cohort_idx = models.Index(
        "(company_id, create_date) INCLUDE (team_id, user_id, source_id, medium_id,"
        " campaign_id, lost_reason_id, won_status, contact_count, first_contact_date,"
        " first_response_minutes)"
    )
