from . import crm_assignment_rule
from . import crm_assignment_log
from . import crm_lead_assignment
from . import crm_team_assignment
