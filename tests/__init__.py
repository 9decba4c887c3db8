from . import test_install
from . import test_assignment_logic
from . import test_assignment_rules
from . import test_assignment_mail
