from . import (
    crm_closed_loop_kpi,
    crm_closed_loop_lead_report,
    crm_closed_loop_marketing_report,
    digest_digest_closed_loop,
    report_crm_closed_loop_scorecard,
    res_users_scorecard,
)
