from . import (
    base_partner_merge_automatic_wizard,
    crm_closed_loop_scorecard_wizard,
    crm_closed_loop_setup,
    crm_closed_loop_setup_line,
    crm_contact_log,
)
