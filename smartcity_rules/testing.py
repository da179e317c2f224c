"""Public entry point of the property-testing kit: `import smartcity_rules.testing`.

The kit lives in `smartcity_rules.toolkit.testing`, whose `__all__` is the public list; this
module keeps the documented import path. It needs the test extra (hypothesis) and says so
when it is missing.
"""

from .toolkit.testing import *  # noqa: F403  # the kit's __all__, re-exported as it stands
from .toolkit.testing import __all__ as __all__
