from . import (
    crm_assignment_log,
    crm_assignment_rule,
    crm_lead_assignment,
    crm_team_assignment,
)
