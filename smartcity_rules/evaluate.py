"""Runs a compiled standard on statistics: records in, Evaluation results out.

The generated code (compile.py) does the arithmetic; this module builds it in a
fresh namespace, computes the cohort-wide values (ranks, shares) that the code
reads, and turns its raw tuples into frozen results. It never walks the tree
per record: everything it needs is gathered once, when the standard compiles.
"""

from __future__ import annotations

import difflib
import operator
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

from . import runtime
from . import syntax as s
from .check import CheckedStandard, ScoredIndicator
from .compile import PREVIOUS_SUFFIX, Program, generate
from .errors import CohortRequired, DataError, UnknownInput
from .results import (
    Evaluation, GroupResult, IndicatorResult, LevelResult, RatingResult, RequirementResult, Status,
)

ENTITY_KEY = "entity"
Record = Mapping[str, Any]
Raw = tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...], Fraction]

_COMPARE: dict[s.Compare, Callable[[Any, Any], bool]] = {
    s.Compare.GE: operator.ge, s.Compare.GT: operator.gt, s.Compare.LE: operator.le, s.Compare.LT: operator.lt,
}


@attrs.frozen
class _IndicatorInfo:
    """What results need to know about an indicator, gathered at compile time."""

    number: int
    name: str
    group: str
    leading: bool
    bonus: bool
    deduction: bool
    scaled: bool  # points come back scaled by the program's common denominator
    max_points: Fraction | None
    provisional: tuple[str, ...]


def _provisional_parts(item: ScoredIndicator) -> tuple[str, ...]:
    syntax, parts = item.syntax, []
    if syntax.provisional:
        parts.append("formula")
    if item.bands is not None and item.bands.provisional:
        parts.append("star thresholds")
    if syntax.points is not None and syntax.points.provisional:
        parts.append("points")
    if syntax.deduction is not None and syntax.deduction.provisional:
        parts.append("deduction")
    return tuple(parts)


def _info(item: ScoredIndicator, program: Program) -> _IndicatorInfo:
    syntax = item.syntax
    scaled = syntax.points is not None and isinstance(syntax.points.scoring, s.FromStars)
    return _IndicatorInfo(
        syntax.number, syntax.name, item.group.name, syntax.leading, item.group.bonus,
        syntax.deduction is not None, scaled,
        syntax.points.maximum.value if syntax.points is not None else None,
        _provisional_parts(item),
    )


def provisional_numbers(standard: CheckedStandard) -> tuple[str, ...]:
    notes: list[str] = []
    header = standard.header
    if header.total_provisional:
        notes.append("the total")
    for group in standard.syntax.groups:
        if group.provisional:
            notes.append(f"group \"{group.name}\" points")
    for item in standard.indicators:
        for part in _provisional_parts(item):
            notes.append(f"indicator {item.number} {part}")
    if standard.syntax.rating is not None and standard.syntax.rating.provisional:
        notes.append("the rating rule")
    return tuple(notes)


class CompiledStandard:
    """A checked standard's evaluator: built once, safe to call from many threads."""

    def __init__(self, standard: CheckedStandard) -> None:
        self.standard = standard
        self.program = generate(standard)
        namespace: dict[str, Any] = {"__builtins__": {"min": min, "type": type, "int": int}}
        namespace.update(runtime.EXPORTS)
        namespace.update(self.program.constants)
        code = compile(self.program.source, "<generated evaluator>", "exec")
        exec(code, namespace)  # source generated from the checked tree only; see compile.py
        self._evaluate: Callable[[Record, str, tuple[Any, ...]], Raw] = namespace["evaluate"]
        self._cohort_args: Callable[[Record, str], tuple[Any, ...]] = namespace["cohort_args"]
        self._infos = tuple(_info(item, self.program) for item in standard.indicators)
        self._provisional = provisional_numbers(standard)
        self._known = frozenset(standard.inputs) | {n + PREVIOUS_SUFFIX for n in standard.inputs} | {ENTITY_KEY}
        self._title = standard.header.title
        self._edition = standard.header.edition

    @property
    def needs_cohort(self) -> bool:
        return bool(self.program.cohort_sites)

    # ------------------------------------------------------------ running
    def evaluate_cohort(self, records: Sequence[Record]) -> tuple[Evaluation, ...]:
        entities = [self._entity(record, index) for index, record in enumerate(records)]
        seen: set[str] = set()
        for entity in entities:
            if entity in seen:
                raise DataError(f"entity {entity!r} appears twice in the cohort", entity=entity)
            seen.add(entity)
        for record, entity in zip(records, entities):
            self._check_keys(record, entity)
        cohort = self._cohort_values(records, entities)
        return tuple(self._result(entity, self._run(record, entity, values))
                     for record, entity, values in zip(records, entities, cohort))

    def evaluate(self, record: Record, cohort: Sequence[Record] | None = None) -> Evaluation:
        if cohort is None:
            if self.needs_cohort:
                site = self.program.cohort_sites[0]
                raise CohortRequired(
                    f"`{site.function}` compares entities: evaluate a cohort, or pass cohort=",
                    entity=self._entity(record, 0), indicator=site.indicator)
            entity = self._entity(record, 0)
            self._check_keys(record, entity)
            return self._result(entity, self._run(record, entity, ()))
        entity = self._entity(record, 0)
        entities = [self._entity(r, i) for i, r in enumerate(cohort)]
        if entity not in entities:
            raise DataError("the entity is not in the cohort given with it", entity=entity)
        return self.evaluate_cohort(cohort)[entities.index(entity)]

    def _run(self, record: Record, entity: str, cohort: tuple[Any, ...]) -> Raw:
        try:
            return self._evaluate(record, entity, cohort)
        except DataError:
            raise
        except (ArithmeticError, TypeError, ValueError) as error:  # pragma: no cover - a bug if reached
            raise DataError(f"could not evaluate: {error}", entity=entity) from error

    def _entity(self, record: Any, index: int) -> str:
        if not isinstance(record, Mapping):
            raise DataError(f"record {index + 1} is a {type(record).__name__}, not a mapping of statistics")
        name = record.get(ENTITY_KEY, f"#{index + 1}")
        return str(name)

    def _check_keys(self, record: Record, entity: str) -> None:
        unknown = [key for key in record if key not in self._known]
        if unknown:
            key = unknown[0]
            if not isinstance(key, str):
                raise UnknownInput(f"statistic names must be strings, got {key!r}", entity=entity)
            close = difflib.get_close_matches(key, sorted(self._known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise UnknownInput(f"the standard declares no input {key!r}{hint}", entity=entity, input=key)

    def _cohort_values(self, records: Sequence[Record], entities: list[str]) -> list[tuple[Any, ...]]:
        sites = self.program.cohort_sites
        if not sites:
            return [()] * len(records)
        args = [self._cohort_args(record, entity) for record, entity in zip(records, entities)]
        columns = []
        for index, site in enumerate(sites):
            values = [None if a[index] is None else Fraction(*a[index]) for a in args]
            columns.append(_rank(values) if site.function == "rank" else _share(values))
        return [tuple(column[row] for column in columns) for row in range(len(records))]

    # ------------------------------------------------------------ results
    def _result(self, entity: str, raw: Raw) -> Evaluation:
        values, stars, points, total = raw
        scale = self.program.scale
        indicators = []
        for info, value, star, point in zip(self._infos, values, stars, points):
            exact = None if value is None else Fraction(value[0], value[1])
            earned = Fraction(point, scale) if info.scaled else Fraction(point)
            status = Status.DEDUCTION if info.deduction else (
                Status.NOT_APPLICABLE if value is None else Status.SCORED)
            indicators.append(IndicatorResult(
                info.number, info.name, info.group, info.leading, info.bonus, status, exact, star,
                earned, info.max_points, info.provisional))
        groups = self._groups(indicators)
        return Evaluation(entity, self._title, self._edition, total, self._rating(total, indicators, groups),
                          groups, tuple(indicators), self._provisional)

    def _groups(self, indicators: list[IndicatorResult]) -> tuple[GroupResult, ...]:
        results = []
        for group in self.standard.syntax.groups:
            members = [i for i in indicators if i.group == group.name]
            points = sum((i.points for i in members), Fraction(0))
            if group.bonus and group.cap is not None:
                points = min(points, group.cap.value)
            maximum = group.cap if group.bonus else group.points
            results.append(GroupResult(group.name, group.bonus, points,
                                       None if maximum is None else maximum.value,
                                       tuple(i.number for i in members)))
        return tuple(results)

    def _rating(self, total: Fraction, indicators: list[IndicatorResult],
                groups: tuple[GroupResult, ...]) -> RatingResult | None:
        rating = self.standard.syntax.rating
        if rating is None:
            return None
        by_number = {i.number: i for i in indicators}
        by_group = {g.name: g for g in groups}
        levels = []
        reached: LevelResult | None = None
        for level in rating.levels:
            outcomes = tuple(_requirement(req, total, indicators, by_number, by_group)
                             for req in level.requirements)
            result = LevelResult(int(level.rank.value), level.name, all(o.held for o in outcomes), outcomes)
            if result.reached and reached is None:
                reached = result
            levels.append(result)
        return RatingResult(reached.rank if reached else 0, reached.name if reached else None,
                            tuple(levels), rating.provisional)


def _requirement(req: s.Requirement, total: Fraction, indicators: list[IndicatorResult],
                 by_number: dict[int, IndicatorResult], by_group: dict[str, GroupResult]) -> RequirementResult:
    compare = _COMPARE[req.compare]
    op = req.compare.value
    if isinstance(req, s.TotalRequirement):
        return RequirementResult(f"total {op} {req.threshold.text}", compare(total, req.threshold.value),
                                 f"total {runtime.fmt(total)}")
    if isinstance(req, s.LeadingRequirement):
        # Not-applicable leading indicators are skipped: they have no stars to hold against the bar.
        leading = [i for i in indicators if i.leading and i.stars is not None]
        failing = [i for i in leading if not compare(i.stars, req.stars.value)]
        actual = ", ".join(f"indicator {i.number}: {i.stars} stars" for i in failing) or "all hold"
        return RequirementResult(f"every leading {op} {req.stars.text} stars", not failing, actual)
    if isinstance(req, s.IndicatorRequirement):
        result = by_number[int(req.number.value)]
        text = f"indicator {req.number.text} {op} {req.threshold.text}" + (" stars" if req.on_stars else "")
        have = result.stars if req.on_stars else result.value
        if have is None:
            return RequirementResult(text, False, f"indicator {result.number}: not applicable")
        shown = f"{have} stars" if req.on_stars else runtime.fmt(have)
        return RequirementResult(text, compare(have, req.threshold.value), f"indicator {result.number}: {shown}")
    group = by_group[req.group]
    return RequirementResult(f"group \"{req.group}\" {op} {req.points.text} points",
                             compare(group.points, req.points.value),
                             f"group \"{group.name}\": {runtime.fmt(group.points)} points")


def _rank(values: list[Fraction | None]) -> list[tuple[int, int] | None]:
    """Competition ranking, largest first: equal values share the best rank (1, 2, 2, 4)."""
    present = sorted((v for v in values if v is not None), reverse=True)
    first: dict[Fraction, int] = {}
    for position, value in enumerate(present, start=1):
        first.setdefault(value, position)
    return [None if v is None else (first[v], 1) for v in values]


def _share(values: list[Fraction | None]) -> list[tuple[int, int] | None]:
    whole = sum((v for v in values if v is not None), Fraction(0))
    if whole == 0:
        return [None] * len(values)
    return [None if v is None else ((v / whole).numerator, (v / whole).denominator) for v in values]
