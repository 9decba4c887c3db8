from . import (
    test_acquisition,
    test_acquisition_math,
    test_install,
    test_marketing_spend,
)
