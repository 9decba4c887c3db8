from . import test_demo_loader, test_install
