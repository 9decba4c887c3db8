from . import crm_closed_loop_scorecard_wizard
