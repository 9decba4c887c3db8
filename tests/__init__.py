from . import (
    test_install,
    test_kpi_conversion,
    test_real_data_clean,
    test_real_data_import,
)
