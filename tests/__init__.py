from . import test_install, test_intake_endpoint, test_intake_form, test_intake_payload
