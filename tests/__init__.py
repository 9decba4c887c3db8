from . import (
    test_install,
    test_intake_endpoint,
    test_intake_form,
    test_intake_payload,
    test_probability_lib,
    test_stage_probability,
    test_weighted_pipeline_ui,
)
