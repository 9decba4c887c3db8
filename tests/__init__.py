from . import (
    test_business_hours,
    test_contact_events,
    test_contact_log_wizard,
    test_followup_sla,
    test_followup_workers,
    test_install,
)
