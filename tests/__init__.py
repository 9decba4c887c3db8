from . import (
    test_install,
    test_probability_lib,
    test_stage_probability,
    test_weighted_pipeline_ui,
)
