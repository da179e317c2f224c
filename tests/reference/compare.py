"""Library against reference on one cohort: every disagreement, as one line each.

The library is reached only through the object passed in (duck typing), so that nothing in this
package imports `smartcity_rules`: `evaluate_cohort(records)` returning results with `.entity`,
`.total`, `.rating_rank`, `.indicators` (`.code` or, before codes, `.number`; `.value .stars
.points`) and `.groups` (`.name .points`), or raising a `DataError` (`.entity .indicator .input`).

Codes are compared as `model.code_key` reads them: an all-digit code (`"12"`, or the int `12`)
is a number, any other the text as written; so the library may give codes as str or int.
The reference lists every leaf at any depth in `.indicators` (each indicator with a value, and
each item; an indicator made of items only among the nodes), and every group at every level in
`.groups`: a library that lists more or fewer is reported as differing.

Node scores (docs/language.md §9, *Node scores*) are compared only when the library's result
has them (`hasattr(result, "nodes")`): the library did not always produce them, and the other
comparisons must keep working without. `nodes` is then a sequence of node results, each with
`.kind` ("standard", "group", "indicator", "item"), `.code` (str, int or None: None for the
root and groups without a code), `.name`, `.points` (rounded), `.unrounded` and `.max_points`;
they are matched by code (indicators and items), name (groups) or kind (the one "standard"),
and every field is compared, `.name` except the root's, the maxima as the reference's readings
take them (see tests/reference/evaluate.py: a deduction's is `None`).

The rating's name (which tells sub-tiers of one rank apart) is compared when the library's
result has `.rating` (`.rating.name`; `None` when unrated or without a rating rule). Missing data
(§3, §10) is compared when the library's result has it: `.missing`, a sequence of objects with
`.input`, `.filled` (the policy, in the words of `when missing:`, or "as each indicator says"
when the nodes reading it say different things) and `.indicators` (the codes of the leaves that
read the input), in the order the standard declares the inputs, each one's codes in the file's
order; `.value` when the library gives it (what the value was filled in with: 0 under `zero`,
the cohort's value under `cohort …`, else `None`); and `.missing_share`, an exact Fraction.

Refusals agree when both refuse and the library's refusal is one the reference also finds
(same entity, same input, same sort; for a zero denominator, same indicator): the reference
collects every refusal, so whichever the library meets first is recognised.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import RefDataError, RefPartAboveWhole, RefZeroDenominator
from .evaluate import NodeKey, NodeScore, RefStandard, Result
from .model import Code, code_key

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
        return _code(getattr(library, "indicator", None)) == reference.indicator
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
    entity, indicator = getattr(library, "entity", None), _code(getattr(library, "indicator", None))
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
    if hasattr(got, "entity_type"):  # §9, *Entity types*: None for a standard without them
        lines += _differ(entity, "entity type", got.entity_type, want.get("entity_type"))
    if hasattr(got, "rating"):
        lines += _differ(entity, "rating name", None if got.rating is None else got.rating.name, want["rating_name"])
    if hasattr(got, "missing"):
        library_missing = tuple((m.input, m.filled, tuple(_code(c) for c in m.indicators)) for m in got.missing)
        reference_missing = tuple((m.input, m.filled, m.indicators) for m in want["missing"])
        lines += _differ(entity, "missing", library_missing, reference_missing)
        if all(hasattr(m, "value") for m in got.missing) and len(got.missing) == len(want["missing"]):
            for m, w in zip(got.missing, want["missing"]):
                lines += _differ(entity, f"missing {w.input} value", m.value, w.value)
    if hasattr(got, "missing_share"):
        lines += _differ(entity, "missing share", got.missing_share, want["missing_share"])
    library_indicators = {_indicator_code(i): i for i in got.indicators}
    lines += _differ(entity, "indicator numbers", _sorted(library_indicators), _sorted(want["indicators"]))
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
    if hasattr(got, "nodes"):  # see the module's docstring: only when the library has them
        lines += _compare_nodes(entity, got.nodes, want["nodes"])
    return lines


def _code(code: object) -> object:
    """A code as `model.code_key` reads it; anything else (None, …) as it is."""
    return code_key(code) if isinstance(code, str) else code


def _indicator_code(result: Any) -> object:
    return _code(result.code) if hasattr(result, "code") else result.number


def _order(key: object) -> tuple[int, int, str]:
    """Sorts None, numbers and texts together: the root, then numeric codes, then the others."""
    if key is None:
        return (0, 0, "")
    if isinstance(key, int):
        return (1, key, "")
    return (2, 0, str(key))


def _sorted(keys: Any) -> list[Any]:
    return sorted(keys, key=_order)


def _library_node_key(node: Any) -> object:
    if node.kind == "standard":
        return None
    return node.name if node.kind == "group" else _code(node.code)


def _compare_nodes(entity: str, got: Any, want: dict[NodeKey, NodeScore]) -> list[str]:
    library: dict[object, Any] = {}
    lines: list[str] = []
    for node in got:
        key = _library_node_key(node)
        if key in library:
            lines.append(f"{entity}: node {key!r}: the library gives it twice")
        library[key] = node
    lines += _differ(entity, "node keys", _sorted(library), _sorted(want))
    for key, score in want.items():
        if key not in library:
            continue
        node = library[key]
        label = "the standard" if key is None else f"{score.kind} {key}"
        lines += _differ(entity, f"{label} kind", node.kind, score.kind)
        code: Code | None = score.code
        lines += _differ(entity, f"{label} code", node.code if score.kind == "group" else _code(node.code), code)
        if key is not None:
            lines += _differ(entity, f"{label} name", node.name, score.name)
        lines += _differ(entity, f"{label} points", node.points, score.points)
        lines += _differ(entity, f"{label} unrounded", node.unrounded, score.unrounded)
        lines += _differ(entity, f"{label} max points", node.max_points, score.maximum)
    return lines


def _differ(entity: str, what: str, library: object, reference: object) -> list[str]:
    # `type` matters too: stars are ints and numbers Fractions, so `1 == Fraction(1)` is not enough.
    if library == reference and type(library) is type(reference):
        return []
    return [f"{entity}: {what}: library {library!s}, reference {reference!s}"]
