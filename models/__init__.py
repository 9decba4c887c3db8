from . import crm_lead_probability, crm_stage, res_company, res_config_settings
