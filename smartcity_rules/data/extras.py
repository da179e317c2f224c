"""Imports a heavy optional library when a reader or writer first needs it, naming its extra."""

from __future__ import annotations

import importlib
from types import ModuleType

from ..language.errors import MissingExtra

# The library each extra brings, by the import name a reader or writer asks for.
EXTRAS = {"openpyxl": "excel", "pyarrow": "arrow", "pyarrow.parquet": "arrow", "pyarrow.feather": "arrow",
          "pandas": "pandas", "polars": "polars"}


def require(module: str, purpose: str) -> ModuleType:
    """The module, or MissingExtra saying which `pip install` brings it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = EXTRAS[module]
        raise MissingExtra(f"{purpose} needs {module.split('.')[0]}, which the `{extra}` extra installs: "
                           f"pip install 'smartcity_rules[{extra}]'", extra=extra) from None
