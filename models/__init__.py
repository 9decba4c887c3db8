from . import (
    crm_intake_form,
    crm_intake_submission,
    crm_lead_intake,
    crm_lead_probability,
    crm_stage,
    ir_http,
    res_company,
    res_config_settings,
)
