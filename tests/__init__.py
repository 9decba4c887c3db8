from . import (
    test_assignment_concurrency,
    test_assignment_logic,
    test_assignment_mail,
    test_assignment_rules,
    test_install,
)
