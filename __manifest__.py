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
        "security/crm_intake_rules.xml",
        "data/crm_stage_data.xml",
        "data/crm_intake_data.xml",
        "views/crm_stage_views.xml",
        "views/crm_lead_probability_views.xml",
        "views/res_config_settings_views.xml",
        "views/crm_intake_form_views.xml",
        "views/crm_intake_submission_views.xml",
        "views/crm_lead_intake_views.xml",
        "views/crm_closed_loop_menus.xml",
        "views/crm_intake_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "crm_closed_loop/static/src/**/*",
        ],
        "web.assets_tests": [
            "crm_closed_loop/static/tests/tours/**/*",
        ],
    },
}
