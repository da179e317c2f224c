"""smartcity_rules: smart-city evaluation standards as checked, compiled scoring code.

    >>> import smartcity_rules as scr
    >>> standard = scr.load("standards/shandong-city-2019.scs")
    >>> results = standard.evaluate_cohort(records)

The public API is what this module lists in __all__; other modules are private.
"""

from .data import read_records
from .diagnostics import Diagnostic, Severity
from .errors import (
    CohortRequired,
    DataError,
    DataFileError,
    InvalidStandard,
    InvalidValue,
    MissingInput,
    NotFound,
    SmartCityRulesError,
    UnknownInput,
    ZeroDenominator,
)
from .explain import Explanation
from .results import (
    Evaluation,
    GroupResult,
    IndicatorInfo,
    IndicatorResult,
    LevelResult,
    RatingResult,
    RequirementResult,
    Status,
)
from .standard import Standard, diagnose, load, loads

__version__ = "0.1.0"

__all__ = [
    "CohortRequired",
    "DataError",
    "DataFileError",
    "Diagnostic",
    "Evaluation",
    "Explanation",
    "GroupResult",
    "IndicatorInfo",
    "IndicatorResult",
    "InvalidStandard",
    "InvalidValue",
    "LevelResult",
    "MissingInput",
    "NotFound",
    "RatingResult",
    "RequirementResult",
    "Severity",
    "SmartCityRulesError",
    "Standard",
    "Status",
    "UnknownInput",
    "ZeroDenominator",
    "__version__",
    "diagnose",
    "load",
    "loads",
    "read_records",
]
