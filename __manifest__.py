{
    "name": "CRM Closed Loop",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "summary": "Capture, assign and chase every lead; measure what a customer costs",
    "author": "crm_closed_loop developers",
    "license": "LGPL-3",
    "depends": ["crm", "account", "point_of_sale"],
    "data": [
        "security/crm_closed_loop_groups.xml",
        "security/ir.model.access.csv",
        "security/crm_closed_loop_kpi_rules.xml",
    ],
}
