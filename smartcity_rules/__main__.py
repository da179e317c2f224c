"""`python -m smartcity_rules`: the same as the `smartcity-rules` command."""

import sys

from .cli import main

sys.exit(main())
