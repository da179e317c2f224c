"""smartcity_rules: smart-city evaluation standards as checked, compiled scoring code.

    >>> import smartcity_rules as scr
    >>> standard = scr.load("standards/shandong-city-2019.scs")
    >>> results = standard.evaluate_cohort(records)

The public API is what this module lists in __all__, and two submodules imported on
their own so that `import smartcity_rules` stays light: `smartcity_rules.testing`
(hypothesis strategies and invariants; needs the test extra) and
`smartcity_rules.document` (publishing; imports sympy). Other modules are private.
"""

import logging

from .data.records import read_records
from .language.diagnostics import Diagnostic, Severity
from .language.errors import (
    CannotGenerate,
    CaseFileError,
    CohortRequired,
    DataError,
    DataFileError,
    InvalidSpec,
    InvalidStandard,
    InvalidValue,
    InvariantError,
    MissingExtra,
    MissingInput,
    MissingTestDependency,
    NegativeRoot,
    NotCompilable,
    NotFound,
    SmartCityRulesError,
    UnknownInput,
    UnsupportedConstruct,
    ZeroDenominator,
)
from .results.evaluation import (
    CohortInfo,
    Evaluation,
    GroupResult,
    IndicatorInfo,
    IndicatorResult,
    InputInfo,
    LevelResult,
    NodeResult,
    RatingResult,
    RequirementResult,
    Status,
)
from .results.explain import Explanation, NodeExplanation
from .standard import Standard, diagnose, load, loads
from .toolkit.editions import DefinitionChange, EditionDiff, EntityChange, IndicatorChange
from .toolkit.editions import diff as diff_editions
from .toolkit.pilot import Eligibility, Gap, PilotOutcome, check_pilot
from .toolkit.pilot import Stage as PilotStage
from .toolkit.pilot import Verdict as PilotVerdict
from .toolkit.pilot import eligibility as pilot_eligibility
from .toolkit.sensitivity import SensitivityResult, sensitivity
from .toolkit.whatif import WhatIf, whatif

__version__ = "0.2.0"

# The library reports what it does through `logging` (loggers named after its modules), never print;
# it says nothing unless the embedding program configures logging.
logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "CannotGenerate",
    "CaseFileError",
    "CohortInfo",
    "CohortRequired",
    "DataError",
    "DataFileError",
    "DefinitionChange",
    "Diagnostic",
    "EditionDiff",
    "Eligibility",
    "EntityChange",
    "Evaluation",
    "Explanation",
    "Gap",
    "GroupResult",
    "IndicatorChange",
    "IndicatorInfo",
    "IndicatorResult",
    "InputInfo",
    "InvalidSpec",
    "InvalidStandard",
    "InvalidValue",
    "InvariantError",
    "LevelResult",
    "MissingExtra",
    "MissingInput",
    "MissingTestDependency",
    "NegativeRoot",
    "NodeExplanation",
    "NodeResult",
    "NotCompilable",
    "NotFound",
    "PilotOutcome",
    "PilotStage",
    "PilotVerdict",
    "RatingResult",
    "RequirementResult",
    "SensitivityResult",
    "Severity",
    "SmartCityRulesError",
    "Standard",
    "Status",
    "UnknownInput",
    "UnsupportedConstruct",
    "WhatIf",
    "ZeroDenominator",
    "__version__",
    "check_pilot",
    "diagnose",
    "diff_editions",
    "load",
    "loads",
    "pilot_eligibility",
    "read_records",
    "sensitivity",
    "whatif",
]
