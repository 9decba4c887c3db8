from . import (
    account_analytic_account,
    account_move_acquisition,
    crm_customer_acquisition,
    crm_lead_acquisition,
    res_company_acquisition,
    res_config_settings_acquisition,
    utm_acquisition_mixin,
    utm_campaign_acquisition,
    utm_source_acquisition,
)
