from . import crm_intake_form, crm_intake_submission, crm_lead_intake, ir_http
