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

from ..backends.python.codegen import PREVIOUS_SUFFIX, Program, generate
from ..language import syntax as s
from ..language.check import ENTITY_KEY, CheckedStandard, ScoredIndicator
from ..language.errors import CohortRequired, DataError, UnknownInput
from ..language.formula import bands_text, render, requirement_text
from ..language.numbers import fmt
from ..plan import semantics as runtime
from .display import is_percentage, show_number
from .evaluation import (
    Evaluation,
    GroupResult,
    IndicatorInfo,
    IndicatorResult,
    LevelResult,
    RatingResult,
    RequirementResult,
    Status,
)

Check = Callable[["Raw"], bool]

Record = Mapping[str, Any]
Raw = tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...], Fraction]

_COMPARE: dict[s.Compare, Callable[[Any, Any], bool]] = {
    s.Compare.GE: operator.ge, s.Compare.GT: operator.gt, s.Compare.LE: operator.le, s.Compare.LT: operator.lt,
}


def _info(item: ScoredIndicator) -> IndicatorInfo:
    syntax = item.syntax
    return IndicatorInfo(
        syntax.number, syntax.name, item.group.name, syntax.leading, item.group.bonus,
        syntax.points.maximum.value if syntax.points is not None else None, item.provisional_parts,
        syntax.description, render(syntax.value) if syntax.value is not None else "",
        bands_text(item.bands) if item.bands is not None else None, syntax.notes)


class _Layout:
    """Turns the generated code's raw tuples into results; built once per standard."""

    def __init__(self, standard: CheckedStandard, program: Program) -> None:
        self.standard = standard
        self.scale = program.scale
        self.infos = tuple(_info(item) for item in standard.indicators)
        self.scaled = program.scaled
        self.statuses = tuple(Status.DEDUCTION if item.is_deduction else Status.SCORED
                              for item in standard.indicators)
        self.fractions: dict[int, Fraction] = {}  # scaled points -> Fraction, filled as met
        self.index = {info.number: k for k, info in enumerate(self.infos)}
        self.percent = {item.number: is_percentage(item) for item in standard.indicators}
        self.members = {g.name: tuple(k for k, info in enumerate(self.infos) if info.group == g.name)
                        for g in standard.syntax.groups}
        rating = standard.syntax.rating
        self.levels = () if rating is None else tuple(
            (level, tuple(self._check(req) for req in level.requirements)) for level in rating.levels)

    # ------------------------------------------------------------ numbers from raw tuples
    def points(self, raw: Raw, k: int) -> Fraction:
        point = raw[2][k]
        if not self.scaled[k]:
            return Fraction(point)
        exact = self.fractions.get(point)
        if exact is None:
            exact = self.fractions.setdefault(point, Fraction(point, self.scale))
        return exact

    def group_points(self, raw: Raw, group: s.Group) -> Fraction:
        points = sum((self.points(raw, k) for k in self.members[group.name]), Fraction(0))
        if group.bonus and group.cap is not None:
            points = min(points, group.cap.value)
        return points

    # ------------------------------------------------------------ the rating
    def _check(self, req: s.Requirement) -> Check:
        """Whether a requirement holds, decided from raw numbers: one meaning for the
        rating level and for the per-requirement report."""
        compare = _COMPARE[req.compare]
        if isinstance(req, s.TotalRequirement):
            # Integers cross-multiplied: a Fraction comparison costs more than the rest of a
            # rating check (denominators are positive, so the order is kept).
            top, bottom = req.threshold.value.numerator, req.threshold.value.denominator
            return lambda raw: compare(raw[3].numerator * bottom, top * raw[3].denominator)
        if isinstance(req, s.LeadingRequirement):
            # Not-applicable leading indicators are skipped: they have no stars to hold to the bar.
            leading = [k for k, info in enumerate(self.infos) if info.leading]
            stars = int(req.stars.value)  # whole (the parser checks): int compares faster than Fraction
            return lambda raw: all(raw[1][k] is None or compare(raw[1][k], stars) for k in leading)
        if isinstance(req, s.IndicatorRequirement):
            k, bar = self.index[int(req.number.value)], req.threshold.value
            if req.on_stars:
                whole = int(bar)
                return lambda raw: raw[1][k] is not None and compare(raw[1][k], whole)
            top, bottom = bar.numerator, bar.denominator
            return lambda raw: raw[0][k] is not None and compare(raw[0][k][0] * bottom, top * raw[0][k][1])
        group = next(g for g in self.standard.syntax.groups if g.name == req.group)
        bar = req.points.value
        return lambda raw: compare(self.group_points(raw, group), bar)

    def rating_rank(self, raw: Raw) -> int | None:
        if self.standard.syntax.rating is None:
            return None
        for level, checks in self.levels:
            if all(check(raw) for check in checks):
                return int(level.rank.value)
        return 0

    def rating(self, evaluation: Evaluation) -> RatingResult | None:
        rating = self.standard.syntax.rating
        if rating is None:
            return None
        raw = evaluation._raw
        levels = []
        for level, checks in self.levels:
            outcomes = tuple(RequirementResult(requirement_text(req), check(raw), self._actual(req, evaluation))
                             for req, check in zip(level.requirements, checks))
            levels.append(LevelResult(int(level.rank.value), level.name, all(o.held for o in outcomes), outcomes))
        reached = next((lv for lv in levels if lv.reached), None)
        return RatingResult(reached.rank if reached else 0, reached.name if reached else None,
                            tuple(levels), rating.provisional)

    def _actual(self, req: s.Requirement, evaluation: Evaluation) -> str:
        if isinstance(req, s.TotalRequirement):
            return f"total {fmt(evaluation.total)}"
        if isinstance(req, s.LeadingRequirement):
            failing = [i for i in evaluation.indicators
                       if i.leading and i.stars is not None and not _COMPARE[req.compare](i.stars, req.stars.value)]
            return ", ".join(f"indicator {i.number}: {_stars(i.stars)}" for i in failing) or "all hold"
        if isinstance(req, s.IndicatorRequirement):
            result = evaluation.indicator(int(req.number.value))
            if (result.stars if req.on_stars else result.value) is None:
                return f"indicator {result.number}: not applicable"
            shown = _stars(result.stars) if req.on_stars else show_number(result.value, self.percent[result.number])
            return f"indicator {result.number}: {shown}"
        group = evaluation.group(req.group)
        return f"group \"{group.name}\": {fmt(group.points)} points"

    # ------------------------------------------------------------ results
    def indicators(self, raw: Raw) -> tuple[IndicatorResult, ...]:
        values, stars = raw[0], raw[1]
        return tuple(
            IndicatorResult(info, status if value is not None else Status.NOT_APPLICABLE,
                            value, stars[k],
                            self.points(raw, k))
            for k, (info, status, value) in enumerate(zip(self.infos, self.statuses, values)))

    def groups(self, raw: Raw) -> tuple[GroupResult, ...]:
        results = []
        for group in self.standard.syntax.groups:
            maximum = group.cap if group.bonus else group.points
            results.append(GroupResult(group.name, group.bonus, self.group_points(raw, group),
                                       None if maximum is None else maximum.value,
                                       tuple(self.infos[k].number for k in self.members[group.name])))
        return tuple(results)


def _stars(count: Any) -> str:
    return f"{count} star" if count == 1 else f"{count} stars"


class CompiledStandard:
    """A checked standard's evaluator: built once, safe to call from many threads."""

    def __init__(self, standard: CheckedStandard) -> None:
        self.standard = standard
        self.program = generate(standard)
        namespace: dict[str, Any] = {"__builtins__": {"min": min, "max": max, "type": type, "int": int}}
        namespace.update(runtime.EXPORTS)
        namespace.update(self.program.constants)
        code = compile(self.program.source, "<generated evaluator>", "exec")
        exec(code, namespace)  # source generated from the checked tree only; see compile.py
        self._evaluate: Callable[[Record, str, tuple[Any, ...]], Raw] = namespace["evaluate"]
        self._cohort_args: Callable[[Record, str], tuple[Any, ...]] = namespace["cohort_args"]
        self._layout = _Layout(standard, self.program)
        self._provisional = standard.provisional
        self._known = frozenset(standard.inputs) | {n + PREVIOUS_SUFFIX for n in standard.inputs} | {ENTITY_KEY}
        self._title = standard.header.title
        self._edition = standard.header.edition

    @property
    def needs_cohort(self) -> bool:
        return bool(self.program.cohort_sites)

    @property
    def indicators(self) -> tuple[IndicatorInfo, ...]:
        return self._layout.infos

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
        return tuple(self._result(entity, self._evaluate(record, entity, values))
                     for record, entity, values in zip(records, entities, cohort))

    def evaluate(self, record: Record, cohort: Sequence[Record] | None = None) -> Evaluation:
        entity = self._entity(record, 0)
        if cohort is None:
            if self.needs_cohort:
                site = self.program.cohort_sites[0]
                raise CohortRequired(
                    f"`{site.function}` compares entities: evaluate a cohort, or pass cohort=",
                    entity=entity, indicator=site.indicator)
            self._check_keys(record, entity)
            return self._result(entity, self._evaluate(record, entity, ()))
        if ENTITY_KEY not in record:
            raise DataError("name the record with an `entity` key to place it in its cohort")
        # The record's own statistics count: it replaces its namesake in the cohort, or joins it.
        entities = [self._entity(r, i) for i, r in enumerate(cohort)]
        members = [record if name == entity else other for name, other in zip(entities, cohort)]
        if entity not in entities:
            members.append(record)
        return self.evaluate_cohort(members)[[*entities, entity].index(entity)]

    def _result(self, entity: str, raw: Raw) -> Evaluation:
        return Evaluation(entity, self._title, self._edition, raw[3], self._layout.rating_rank(raw),
                          self._provisional, layout=self._layout, raw=raw)

    def _entity(self, record: Any, index: int) -> str:
        if not isinstance(record, Mapping):
            raise DataError(f"record {index + 1} is not a mapping of statistics (got {type(record).__name__})")
        return str(record.get(ENTITY_KEY, f"#{index + 1}"))

    def _check_keys(self, record: Record, entity: str) -> None:
        if self._known.issuperset(record):
            return
        key = next(key for key in record if key not in self._known)
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
