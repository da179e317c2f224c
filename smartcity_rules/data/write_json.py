"""Writes results as JSON for programs: every number a JSON number (the float nearest to it),
with its exact value beside it as text under the same key with `_exact` (`"value": 0.9287,
"value_exact": "1847552/1989457"`), entity by entity, so no more than one entity's results are held."""

from __future__ import annotations

import json
from collections.abc import Iterable
from fractions import Fraction
from typing import Any, TextIO

from ..results.evaluation import Evaluation

NUMBERS = frozenset({"total", "value", "points", "max_points", "unrounded", "missing_share"})


def with_numbers(data: Any) -> Any:
    """to_dict()'s output with each exact number (text) made a number, the text kept beside it."""
    if isinstance(data, list):
        return [with_numbers(item) for item in data]
    if not isinstance(data, dict):
        return data
    found: dict[str, Any] = {}
    for key, value in data.items():
        if key in NUMBERS and isinstance(value, str):
            found[key] = float(Fraction(value))
            found[key + "_exact"] = value
        else:
            found[key] = with_numbers(value)
    return found


def write_json(evaluations: Iterable[Evaluation], out: TextIO) -> None:
    first = True
    for evaluation in evaluations:
        entry = json.dumps(with_numbers(evaluation.to_dict()), ensure_ascii=False, indent=2).replace("\n", "\n  ")
        out.write(("[\n  " if first else ",\n  ") + entry)
        first = False
    out.write("[]\n" if first else "\n]\n")
