{
    "name": "CRM Closed Loop",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "summary": "Capture, assign and chase every lead; measure what a customer costs",
    "author": "crm_closed_loop developers",
    "license": "LGPL-3",
    "depends": ["crm", "account", "point_of_sale"],
    "data": [
        "security/ir.model.access.csv",
        "security/crm_customer_acquisition_security.xml",
        "data/account_analytic_plan_data.xml",
        "views/account_analytic_account_views.xml",
        "views/crm_customer_acquisition_views.xml",
        "views/res_config_settings_acquisition_views.xml",
        "views/utm_campaign_acquisition_views.xml",
        "views/utm_source_acquisition_views.xml",
    ],
}
