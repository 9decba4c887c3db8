from . import (
    test_acquisition,
    test_acquisition_math,
    test_install,
    test_kpi_conversion,
    test_marketing_spend,
    test_real_data_clean,
    test_real_data_import,
)
