from . import (
    crm_contact_event,
    crm_followup_alert,
    crm_followup_policy,
    crm_lead_contact,
    crm_team_contact,
    mail_activity_type,
)
