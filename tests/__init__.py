from . import test_install, test_kpi_conversion
