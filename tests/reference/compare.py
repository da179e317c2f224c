"""Library against reference on one cohort: every disagreement, as one line each.

The library is reached only through the object passed in (duck typing), so that nothing in this
package imports `smartcity_rules`: `evaluate_cohort(records)` returning results with `.entity`,
`.total`, `.rating_rank`, `.indicators` (`.number .value .stars .points`) and `.groups`
(`.name .points`), or raising a `DataError` (`.entity .indicator .input`).

Refusals agree when both refuse and the library's refusal is one the reference also finds
(same entity, same input, same sort; for a zero denominator, same indicator): the reference
collects every refusal, so whichever the library meets first is recognised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import RefDataError, RefPartAboveWhole, RefZeroDenominator
from .evaluate import RefStandard, Result

# The library's DataError subclasses (docs/api.md, "Errors") and the reference's words for them.
_KINDS = {
    "MissingInput": "missing",
    "UnknownInput": "unknown",
    "InvalidValue": "invalid",
    "ZeroDenominator": "zero denominator",
    "DataError": "data",
}


def compare(library_standard: Any, reference_standard: RefStandard, records: Sequence[object]) -> list[str]:
    """Every disagreement between the two on `records`, e.g.
    `"E1: indicator 3 points: library 2, reference 12/5"`; `[]` when they agree exactly."""
    references = reference_standard.errors(records)
    try:
        results = library_standard.evaluate_cohort([_copy(r) for r in records])
    except Exception as error:
        if _library_kind(error) is None:
            return [f"{getattr(error, 'entity', None)}: library crashed: {type(error).__name__}: {error}"]
        return _compare_refusals(error, references)
    if references:
        first = references[0]
        return [f"{first.entity}: refusal: library accepts, reference refuses ({_describe(first)})"]
    return _compare_results(results, reference_standard.evaluate_cohort(records))


def _copy(record: object) -> object:
    return dict(record) if isinstance(record, Mapping) else record


def _library_kind(error: Exception) -> str | None:
    """The sort of a library refusal, by class name: `None` for anything but a DataError."""
    names = [cls.__name__ for cls in type(error).__mro__]
    if "DataError" not in names:
        return None
    return next(_KINDS[n] for n in names if n in _KINDS)


def _describe(error: RefDataError | Exception) -> str:
    kind = error.kind if isinstance(error, RefDataError) else _library_kind(error)
    return (f"{kind}: entity {getattr(error, 'entity', None)!r}, indicator {getattr(error, 'indicator', None)}, "
            f"input {getattr(error, 'input', None)!r}")


def _same(library: Exception, reference: RefDataError) -> bool:
    kind = _library_kind(library)
    if kind != reference.kind or getattr(library, "entity", None) != reference.entity:
        return False
    if kind == "zero denominator" or isinstance(reference, RefPartAboveWhole):
        # Met while scoring: which input a compound denominator or part is "about" is not defined.
        return bool(getattr(library, "indicator", None) == reference.indicator)
    return bool(getattr(library, "input", None) == reference.input)


def _compare_refusals(library: Exception, references: list[RefDataError]) -> list[str]:
    entity = getattr(library, "entity", None)
    if not references:
        return [f"{entity}: refusal: library refuses ({_describe(library)}: {library}), reference accepts"]
    if any(_same(library, r) for r in references):
        return []
    if _order_of_evaluation(library, references):
        return []
    found = "; ".join(_describe(r) for r in references[:5])
    return [f"{entity}: refusal: library {_describe(library)}, reference finds only {found}"]


def _order_of_evaluation(library: Exception, references: list[RefDataError]) -> bool:
    """Both refuse the entity, and for a reason met while scoring the same indicator: which of
    two such reasons is met first is the order of evaluation, which the docs leave open (the
    library takes every rank() and share() argument across the cohort first). A zero met in a
    cohort argument may also come before a bad input the reference names for that entity."""
    entity, indicator = getattr(library, "entity", None), getattr(library, "indicator", None)
    same_entity = [r for r in references if r.entity == entity]
    met_scoring = [r for r in same_entity if isinstance(r, (RefZeroDenominator, RefPartAboveWhole))]
    if _library_kind(library) in ("zero denominator", "invalid") and any(r.indicator == indicator for r in met_scoring):
        return True
    return _library_kind(library) == "zero denominator" and bool(same_entity)


def _compare_results(library: Sequence[Any], reference: list[Result]) -> list[str]:
    if len(library) != len(reference):
        return [f"cohort: results: library {len(library)}, reference {len(reference)}"]
    found: list[str] = []
    for got, want in zip(library, reference):
        found.extend(_compare_entity(got, want))
    return found


def _compare_entity(got: Any, want: Result) -> list[str]:
    entity = want["entity"]
    lines = _differ(entity, "entity", got.entity, entity)
    lines += _differ(entity, "total", got.total, want["total"])
    lines += _differ(entity, "rating", got.rating_rank, want["rating"])
    library_indicators = {i.number: i for i in got.indicators}
    lines += _differ(entity, "indicator numbers", sorted(library_indicators), sorted(want["indicators"]))
    for number, (value, stars, points) in want["indicators"].items():
        if number in library_indicators:
            i = library_indicators[number]
            lines += _differ(entity, f"indicator {number} value", i.value, value)
            lines += _differ(entity, f"indicator {number} stars", i.stars, stars)
            lines += _differ(entity, f"indicator {number} points", i.points, points)
    library_groups = {g.name: g.points for g in got.groups}
    lines += _differ(entity, "group names", sorted(library_groups), sorted(want["groups"]))
    for name, points in want["groups"].items():
        if name in library_groups:
            lines += _differ(entity, f"group {name!r} points", library_groups[name], points)
    return lines


def _differ(entity: str, what: str, library: object, reference: object) -> list[str]:
    # `type` matters too: stars are ints and numbers Fractions, so `1 == Fraction(1)` is not enough.
    if library == reference and type(library) is type(reference):
        return []
    return [f"{entity}: {what}: library {library!s}, reference {reference!s}"]
