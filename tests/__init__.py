    test_acquisition,
    test_acquisition_math,
    test_assignment_concurrency,
    test_assignment_logic,
    test_assignment_mail,
    test_assignment_rules,
    test_install,
    test_kpi_conversion,
    test_marketing_spend,
    test_real_data_clean,
    test_real_data_import,
)
from . import (
from . import test_install, test_probability_lib, test_stage_probability
