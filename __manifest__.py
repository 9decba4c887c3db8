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
        "security/crm_assignment_security.xml",
        "data/crm_assignment_data.xml",
        "views/crm_assignment_rule_views.xml",
        "views/crm_assignment_log_views.xml",
        "views/crm_team_assignment_views.xml",
        "views/crm_assignment_menus.xml",
    ],
}
