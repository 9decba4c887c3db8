from . import intake
