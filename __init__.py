from . import controllers, models, wizards
from .hooks import uninstall_hook
