"""Public entry point of the property-testing kit: `import smartcity_rules.testing`.

The kit lives in `smartcity_rules.toolkit.testing`; this module keeps the documented
import path. It needs the test extra (hypothesis) and says so when it is missing.
"""

from .toolkit.testing import (
    InvariantError,
    InvariantRun,
    MissingTestDependency,
    ThresholdCase,
    band_of,
    check_all,
    check_bands,
    check_bounds,
    check_directions,
    check_rating,
    check_threshold,
    cohorts,
    command,
    jsonable,
    near_thresholds,
    records,
    run_invariants,
    threshold_cases,
)

__all__ = [
    "InvariantError",
    "InvariantRun",
    "MissingTestDependency",
    "ThresholdCase",
    "band_of",
    "check_all",
    "check_bands",
    "check_bounds",
    "check_directions",
    "check_rating",
    "check_threshold",
    "cohorts",
    "command",
    "jsonable",
    "near_thresholds",
    "records",
    "run_invariants",
    "threshold_cases",
]
