from . import (
    crm_closed_loop_import,
    crm_closed_loop_kpi,
    crm_closed_loop_lead_report,
    crm_closed_loop_marketing_report,
)
