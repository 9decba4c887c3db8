from . import (
    test_acquisition,
    test_acquisition_math,
    test_install,
    test_intake_endpoint,
    test_intake_form,
    test_intake_payload,
    test_marketing_spend,
    test_probability_lib,
    test_stage_probability,
    test_weighted_pipeline_ui,
)
