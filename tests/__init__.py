from . import test_install, test_probability_lib, test_stage_probability
