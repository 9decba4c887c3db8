    account_analytic_account,
    crm_assignment_log,
    crm_assignment_rule,
    crm_closed_loop_import,
    crm_closed_loop_kpi,
    crm_closed_loop_lead_report,
    crm_closed_loop_marketing_report,
    crm_customer_acquisition,
    crm_lead_acquisition,
    crm_lead_assignment,
    crm_team_assignment,
    res_company_acquisition,
    res_config_settings_acquisition,
    utm_acquisition_mixin,
    utm_campaign_acquisition,
    utm_source_acquisition,
)
from . import (
from . import crm_lead_probability, crm_stage, res_company, res_config_settings
