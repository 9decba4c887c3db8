from . import (
    test_acquisition,
    test_acquisition_math,
    test_install,
    test_kpi_conversion,
    test_kpi_formulas,
    test_kpi_jsonrpc,
    test_kpi_mail_digest,
    test_kpi_marketing,
    test_kpi_scorecard_report,
    test_kpi_visibility,
    test_marketing_spend,
)
