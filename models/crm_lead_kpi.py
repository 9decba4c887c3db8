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
