"""Scores records with a standard: records in, Evaluation row views out.

The standard is lowered once into its scoring plan, which a back-end prepares; this
module checks the records (names, unique entities, declared statistics), hands them to
the back-end as a batch, and wraps the result columns it returns: one light Evaluation
per row, each figure read from the columns when asked for.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import itertools
import math
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, cast

from ..backends.protocol import Backend, Batch, Executor, ResultColumns
from ..backends.python.codegen import generate
from ..backends.python.executor import PythonBackend, PythonExecutor
from ..language import syntax as s
from ..language.check import ENTITY_KEY, CheckedStandard, ScoredIndicator
from ..language.errors import CohortRequired, DataError, MissingExtra, UnknownInput
from ..language.formula import bands_text, render, requirement_text
from ..language.numbers import fmt
from ..plan import scoring as p
from ..plan.lower import PREVIOUS_SUFFIX, lower
from ..plan.semantics import COMPARE
from . import dictcode
from .dictcode import LevelShape, Writer
from .dicts import RowDicts, value_parts
from .display import is_percentage, show_pair
from .evaluation import (
    CohortInfo,
    Evaluation,
    GroupResult,
    IndicatorInfo,
    IndicatorResult,
    LevelResult,
    MissingValue,
    NodeResult,
    RatingResult,
    RequirementResult,
    Status,
)
from .nodes import NodeScores
from .objects import ResultObjects
from .rating import Ratings, extra_requirements

if TYPE_CHECKING:
    from .table import TableResult

Record = Mapping[str, Any]
_UNNAMED = object()  # a record without an `entity` key
_DICT, _STR = frozenset({dict}), frozenset({str})


def _info(item: ScoredIndicator, bonus: bool) -> IndicatorInfo:
    syntax = item.syntax
    return IndicatorInfo(
        syntax.code, syntax.name, item.group.name, syntax.leading, bonus, item.maximum, item.provisional_parts,
        syntax.description, render(syntax.value) if syntax.value is not None else "",
        bands_text(item.bands) if item.bands is not None else None, syntax.notes,
        None if item.parent is None else item.parent.code)


def _bonus_leaves(plan: p.ScoringPlan) -> set[int]:
    """The leaves inside a bonus group, at any depth."""
    found: set[int] = set()
    pending = [m for node in plan.nodes if node.bonus for m in node.members]
    while pending:
        node = plan.nodes[pending.pop()]
        if node.leaf is not None:
            found.add(node.leaf)
        pending.extend(node.members)
    return found


def _member_key(node: p.NodePlan) -> str:
    return node.code if node.code is not None and node.kind is not p.NodeKind.GROUP else node.name


class _Shape:
    """What a standard fixes about its results, shared by every batch it scores."""

    def __init__(self, standard: CheckedStandard, plan: p.ScoringPlan, entity_type: str | None = None) -> None:
        self.standard = standard
        self.plan = plan
        self.entity_type = entity_type  # a typed standard's projection scores entities of one type
        self.title = standard.header.title
        self.edition = standard.header.edition
        self.provisional = standard.provisional
        bonus = _bonus_leaves(plan)
        self.infos = tuple(_info(item, k in bonus) for k, item in enumerate(standard.indicators))
        self.statuses = tuple(Status.DEDUCTION if item.is_deduction else Status.SCORED
                              for item in standard.indicators)
        self.percent = {item.code: is_percentage(item) for item in standard.indicators}
        self.node_provisional = tuple(node.provisional for node in standard.nodes)
        # What every row's results share, worked out once rather than per row: to_dict()'s
        # entries start as copies of these, in to_dict()'s order of keys.
        self.indicator_dicts = tuple({**IndicatorResult(info, status, None, None, Fraction(0)).to_dict()}
                                     for info, status in zip(self.infos, self.statuses))
        self.leaf_provisional = tuple(info.provisional for info in self.infos)
        # Where a rating requirement's figure is in the columns, as Evaluation.indicator, node and group find it.
        self.leading = tuple(k for k, info in enumerate(self.infos) if info.leading)
        self.leaf_of = {info.code: k for k, info in reversed(list(enumerate(self.infos)))}
        nodes = plan.nodes
        self.node_of: dict[str, int] = {}
        for n, node in enumerate(nodes):
            for key in (node.code, node.name if node.kind is p.NodeKind.GROUP else None):
                if key is not None:
                    self.node_of.setdefault(key, n)
        self.group_of: dict[str, int] = {}
        for g in plan.groups:
            self.group_of.setdefault(nodes[g].name, g)
        self.node_dicts = tuple(NodeResult(node.kind.value, node.code, node.name, Fraction(0), Fraction(0),
                                           node.maximum, (), False).to_dict() for node in nodes)
        self.node_members = tuple(tuple(_member_key(nodes[m]) for m in node.members) for node in nodes)
        self.group_maxima = tuple(None if (top := nodes[g].maximum) is None else fmt(top) for g in plan.groups)
        self.group_members = tuple(
            (tuple(code for m in nodes[g].members
                   if nodes[m].kind is not p.NodeKind.GROUP and (code := nodes[m].code) is not None),
             tuple(nodes[m].name for m in nodes[g].members if nodes[m].kind is p.NodeKind.GROUP))
            for g in plan.groups)
        rating = standard.syntax.rating
        self.rating_rule = rating
        self.texts = () if rating is None else tuple(
            tuple(requirement_text(req) for req in level.requirements) for level in rating.levels)
        # The rest of what to_dict's generated writer is made from (dictcode.py).
        self.node_templates = tuple({**template, "provisional": provisional}
                                    for template, provisional in zip(self.node_dicts, self.node_provisional))
        self.group_templates = tuple({"name": nodes[g].name, "code": nodes[g].code, "bonus": nodes[g].bonus,
                                      "points": None, "max_points": maximum, "indicators": None, "groups": None}
                                     for g, maximum in zip(plan.groups, self.group_maxima))
        self.rated = rating is not None and plan.levels is not None
        self.rating_provisional = rating is not None and rating.provisional
        self.levels = () if rating is None or plan.levels is None else tuple(
            LevelShape(int(level.rank.value), level.name, texts,
                       tuple((which, implicit_text(rating, which)) for which in extra_requirements(plan, lowered)))
            for level, texts, lowered in zip(rating.levels, self.texts, plan.levels))

    @functools.cached_property
    def bind_writer(self) -> Callable[..., Writer]:
        """to_dict()'s writer for a batch of this standard, generated on first use, once."""
        return dictcode.build(self)


class ScoredBatch:
    """Result columns of one batch, read row by row by its Evaluations."""

    def __init__(self, shape: _Shape, columns: ResultColumns, entities: Sequence[str],
                 cohort: Sequence[str] | None = None) -> None:
        self.shape = shape
        self.columns = columns
        self.entities = entities
        self._cohort = entities if cohort is None else cohort  # a part's cohort spans every part
        self.title = shape.title
        self.edition = shape.edition
        self.provisional = shape.provisional
        self.entity_type = shape.entity_type
        self.points = NodeScores(shape.plan, columns)
        self._value_writers: dict[int, _ValueTexts] = {}
        self._actual_columns: dict[tuple[int, str, str], list[str]] = {}

    @functools.cached_property
    def cohort(self) -> CohortInfo | None:
        if not self.shape.plan.needs_cohort:
            return None
        names = "\n".join(sorted(self._cohort)).encode("utf-8")
        return CohortInfo(len(self._cohort), hashlib.sha256(names).hexdigest()[:16], self.entity_type)

    @functools.cached_property
    def ratings(self) -> Ratings | None:
        levels = self.shape.plan.levels
        return None if levels is None else Ratings(self.shape.plan, self.columns, self.points)

    def entity(self, row: int) -> str:
        return self.entities[row]

    def total(self, row: int) -> Fraction:
        return self.points.total(row)

    def rating_rank(self, row: int) -> int | None:
        ratings = self.ratings
        return None if ratings is None else ratings.ranks[row]

    # The batch's helpers hold it by a weak proxy: a strong reference back would make every batch a
    # cycle, freed only by the collector's rare full passes, so a stream's memory grew with the
    # file (100,000 communities to a CSV file: 360 MB, not 180).
    @functools.cached_property
    def objects(self) -> ResultObjects:
        return ResultObjects(weakref.proxy(self))

    def indicators(self, row: int) -> tuple[IndicatorResult, ...]:
        return self.objects.indicators(row)

    @functools.cached_property
    def dicts(self) -> RowDicts:
        return RowDicts(weakref.proxy(self))

    def row_dict(self, row: int) -> dict[str, Any]:
        """Evaluation.to_dict() of the row, written from the columns without the result objects."""
        return self.dicts.writer(row)

    def groups(self, row: int) -> tuple[GroupResult, ...]:
        return self.objects.groups(row)

    def missing(self, row: int) -> tuple[MissingValue, ...]:
        if not self.columns.missing:
            return ()
        plan = self.shape.plan
        return tuple(MissingValue(plan.slots[k].key, self._policy(k),
                                  tuple(item.code for item in plan.indicators if k in item.reads), self._filled(k))
                     for k in sorted(self.columns.missing[row]))

    def _policy(self, k: int) -> str:
        """How a missing slot was taken: its input's policy, or its readers' nodes' when they agree."""
        plan = self.shape.plan
        if not plan.slots[k].tolerant:
            return plan.slots[k].missing.value
        policies = {dict(item.defaults).get(k, s.MissingPolicy.ERROR) for item in plan.indicators if k in item.reads}
        return policies.pop().value if len(policies) == 1 else "as each indicator says"

    def _filled(self, k: int) -> Fraction | None:
        policy = self.shape.plan.slots[k].missing
        if self.shape.plan.slots[k].tolerant and self._policy(k) == s.MissingPolicy.ZERO.value:
            return Fraction(0)
        if policy is s.MissingPolicy.ZERO:
            return Fraction(0)
        if policy.from_cohort and k in self.shape.plan.imputed:
            value = self.columns.imputed[self.shape.plan.imputed.index(k)]
            return Fraction(value) if isinstance(value, (int, Fraction)) else None
        return None

    def missing_share(self, row: int) -> Fraction:
        return self.points.missing_share(row)

    def nodes(self, row: int) -> tuple[NodeResult, ...]:
        return self.objects.nodes(row)

    def rating(self, row: int, evaluation: Evaluation) -> RatingResult | None:
        ratings, rule = self.ratings, self.shape.rating_rule
        if ratings is None or rule is None:
            return None
        index = ratings.level_reached(row)
        reached = None if index is None else rule.levels[index]
        rank, name = (0, None) if reached is None else (int(reached.rank.value), reached.name)
        return RatingResult(rank, name, functools.partial(self._levels, ratings, rule, row),
                            rule.provisional)

    def _levels(self, ratings: Ratings, rule: s.Rating, row: int) -> tuple[LevelResult, ...]:
        """Every level of the rating rule, each requirement with whether it held and what the entity had."""
        levels = []
        for index, level in enumerate(rule.levels):
            outcomes = tuple(RequirementResult(text, held, functools.partial(self.actual, req, row))
                             for req, text, held in zip(level.requirements, self.shape.texts[index],
                                                        ratings.outcomes(index, row)))
            held = ratings.outcomes(index, row)[len(level.requirements):]
            outcomes += tuple(self.implicit(rule, which, ok, row)
                              for (which, _), ok in zip(ratings.extras[index], held))
            levels.append(LevelResult(int(level.rank.value), level.name, all(o.held for o in outcomes), outcomes))
        return tuple(levels)

    def implicit(self, rule: s.Rating, override: int | None, ok: bool, row: int) -> RequirementResult:
        """A level's requirement beyond its own: enough data (no override), no veto, no cap below it."""
        text = implicit_text(rule, override)
        if override is None:
            return RequirementResult(text, ok, self.missing_actual(row))
        return RequirementResult(text, ok, "does not apply" if ok else "applies")

    def missing_actual(self, row: int) -> str:
        """What the row had for `unrated when missing more than P`."""
        return f"missing {fmt(self.points.missing_share(row) * 100)}% of the weight"

    def actual(self, req: s.Requirement, row: int) -> str:
        """What the entity had, for the requirement's line in a report: read from the columns."""
        return self.actual_writer(req)(row)

    def actual_writer(self, req: s.Requirement) -> Callable[[int], str]:
        """actual(req, row) for any row: the requirement's kind is looked at once, and the texts
        of its figure's few distinct values are made once each."""
        shape, columns = self.shape, self.columns
        if isinstance(req, s.TotalRequirement):
            totals = self.dicts.node_texts(0)
            return lambda row: f"total {totals[row]}"
        if isinstance(req, s.LeadingRequirement):
            return functools.partial(_leading_actual, shape, columns, COMPARE[req.compare], _bar(req))
        if isinstance(req, s.IndicatorRequirement) and req.measure is not s.Measure.POINTS:
            k = shape.leaf_of[req.code]
            stars = columns.stars[k]
            absent = f"indicator {req.code}: not applicable"
            if req.on_stars:
                shown = _StarTexts(f"indicator {req.code}: ")
                return lambda row: absent if (count := stars[row]) is None else shown[count]
            return self._value_texts(k, req.code)
        n, named = self._named_node(req)
        texts = self.dicts.node_texts(n)
        return lambda row: f"{named}: {texts[row]} points"

    def actual_column(self, req: s.Requirement) -> Sequence[str]:
        """actual(req, row) for every row, as to_dict reads them (most rows fail some level's
        requirements): a column at a time, in C maps through each figure's distinct texts."""
        columns = self.columns
        if isinstance(req, s.TotalRequirement):
            return self._node_actuals(0, "total ", "")
        if isinstance(req, s.LeadingRequirement):
            return _LeadingTexts(self.shape, COMPARE[req.compare], _bar(req)).column(columns)
        if isinstance(req, s.IndicatorRequirement) and req.measure is not s.Measure.POINTS:
            k = self.shape.leaf_of[req.code]
            if req.on_stars:
                shown = _StarTexts(f"indicator {req.code}: ")
                shown[None] = f"indicator {req.code}: not applicable"
                return list(map(shown.__getitem__, columns.stars[k]))
            return self._value_texts(k, req.code).column()
        n, named = self._named_node(req)
        return self._node_actuals(n, f"{named}: ", " points")

    def _named_node(self, req: s.Requirement) -> tuple[int, str]:
        """The node a points requirement reads, and how its line names it."""
        shape = self.shape
        if isinstance(req, s.IndicatorRequirement):
            return shape.node_of[req.code], f"indicator {req.code}"
        assert isinstance(req, s.GroupRequirement)
        n = shape.group_of[req.group]
        return n, f"group \"{shape.plan.nodes[n].name}\""

    def _node_actuals(self, n: int, prefix: str, suffix: str) -> list[str]:
        """Node n's points texts between a prefix and a suffix, for every row: each distinct text
        made once, and the column once per batch (a rating's levels ask for the total each)."""
        key = (n, prefix, suffix)
        found = self._actual_columns.get(key)
        if found is None:
            shown = _Affixed(prefix, suffix)
            found = self._actual_columns.setdefault(key, list(map(shown.__getitem__, self.dicts.node_texts(n))))
        return found

    def _value_texts(self, k: int, code: str) -> _ValueTexts:
        """The writer of leaf k's value for any requirement on it: one per leaf, since a rating's
        levels ask for the same indicator's value each (a row's text is made once)."""
        found = self._value_writers.get(k)
        if found is None:
            writer = _ValueTexts(code, self.columns.values[k], self.shape.percent[code])
            found = self._value_writers.setdefault(k, writer)
        return found


def implicit_text(rule: s.Rating, override: int | None) -> str:
    """The text of a level's implicit requirement: enough data (no override), no veto, no cap below it."""
    if override is None:
        assert rule.unrated_above is not None
        return f"missing at most {rule.unrated_above.text}"
    found = rule.overrides[override]
    return (f"not vetoed: {found.reason}" if found.cap is None
            else f"not capped below {found.cap.text}: {found.reason}")


def _leading_actual(shape: _Shape, columns: ResultColumns, compare: Callable[[Any, Any], bool], bar: Any,
                    row: int) -> str:
    """The leading indicators short of a `every leading` bar, for the row's requirement line."""
    return _leading_text(shape, compare, bar, [columns.stars[k][row] for k in shape.leading])


def _leading_text(shape: _Shape, compare: Callable[[Any, Any], bool], bar: Any, stars: Sequence[Any]) -> str:
    """_leading_actual of a row whose leading indicators have these stars, in shape.leading's order."""
    failing = [(shape.infos[k].code, count) for k, count in zip(shape.leading, stars)
               if count is not None and not compare(count, bar)]
    return ", ".join(f"indicator {code}: {_stars(count)}" for code, count in failing) or "all hold"


class _LeadingTexts(dict[tuple[Any, ...], str]):
    """_leading_actual for every row, made once per combination of the leading indicators' stars
    (a handful in a batch): to_dict asks for most rows', and a call per row cost more."""

    def __init__(self, shape: _Shape, compare: Callable[[Any, Any], bool], bar: Any) -> None:
        super().__init__()
        self.shape, self.compare, self.bar = shape, compare, bar

    def __missing__(self, stars: tuple[Any, ...]) -> str:
        text = self[stars] = _leading_text(self.shape, self.compare, self.bar, stars)
        return text

    def column(self, columns: ResultColumns) -> list[str]:
        if not self.shape.leading:
            return [self[()]] * len(columns)
        return list(map(self.__getitem__, zip(*(columns.stars[k] for k in self.shape.leading))))


class _ValueTexts:
    """`indicator CODE: value` for every row, shown as the rating shows it, each made when first asked for."""

    def __init__(self, code: str, column: Sequence[tuple[int, int] | None], percent: bool) -> None:
        self.absent = f"indicator {code}: not applicable"
        self.prefix = f"indicator {code}: "
        self.nums, self.dens = value_parts(column)
        self.percent = percent
        self.texts: list[str | None] = [None] * len(column)
        self._column: list[str] | None = None

    def __call__(self, row: int) -> str:
        text = self.texts[row]
        if text is None:
            num, den = self.nums[row], self.dens[row]
            if num is None:
                text = self.absent
            else:
                common = math.gcd(num, den)  # show_number(Fraction(num, den)), without the Fraction
                text = self.prefix + show_pair(num // common, den // common, self.percent)
            self.texts[row] = text  # the same text whichever thread writes it
        return text

    def column(self) -> list[str]:
        """Every row's text, made once in one comprehension: to_dict asks for most rows' (a rating's
        levels fail most entities on some value), and a call per row cost more than the texts."""
        if self._column is None:
            shown = _ShownTexts(self.prefix, self.absent, self.percent)  # a batch's values repeat
            self._column = list(map(shown.__getitem__, zip(self.nums, self.dens)))
            self.texts = cast("list[str | None]", self._column)  # __call__'s texts, the same ones
        return self._column


class _ShownTexts(dict[tuple[Any, Any], str]):
    """_ValueTexts' text of each (numerator, denominator), made once: a hit is a lookup in C."""

    def __init__(self, prefix: str, absent: str, percent: bool) -> None:
        super().__init__()
        self.prefix, self.absent, self.percent = prefix, absent, percent

    def __missing__(self, pair: tuple[Any, Any]) -> str:
        num, den = pair
        if num is None:
            text = self.absent
        else:
            common = math.gcd(num, den)  # show_number(Fraction(num, den)), without the Fraction
            text = self.prefix + show_pair(num // common, den // common, self.percent)
        self[pair] = text
        return text


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class _StarTexts(dict[int | None, str]):
    """A prefix and a star count as text, each count's made once."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def __missing__(self, count: int | None) -> str:
        text = self[count] = self.prefix + _stars(count)
        return text


class _Affixed(dict[str, str]):
    """A text between a prefix and a suffix, each made once."""

    def __init__(self, prefix: str, suffix: str) -> None:
        super().__init__()
        self.prefix, self.suffix = prefix, suffix

    def __missing__(self, text: str) -> str:
        found = self[text] = self.prefix + text + self.suffix
        return found


def _bar(req: s.LeadingRequirement) -> Any:
    """The stars a `every leading` requirement asks for: a whole count compared as an int
    (Fraction comparisons cost ten times more)."""
    bar = req.stars.value
    return bar.numerator if bar.denominator == 1 else bar


def _stars(count: Any) -> str:
    return f"{count} star" if count == 1 else f"{count} stars"


class CompiledStandard:
    """A checked standard's scorer: lowered and prepared once, safe to call from many threads."""

    def __init__(self, standard: CheckedStandard, backend: Backend | None = None, *,
                 entity_type: str | None = None) -> None:
        self.standard = standard
        self.plan = lower(standard)
        self.backend = backend or PythonBackend()
        self.executor: Executor = self.backend.prepare(self.plan)
        self._shape = _Shape(standard, self.plan, entity_type)
        self._lock = threading.Lock()
        self._table_executor: Any = None
        self._known = frozenset(standard.inputs) | {n + PREVIOUS_SUFFIX for n in standard.inputs} | {ENTITY_KEY}

    @property
    def needs_cohort(self) -> bool:
        return self.plan.needs_cohort

    @property
    def indicators(self) -> tuple[IndicatorInfo, ...]:
        return self._shape.infos

    def origin_of_generated_line(self, line: int) -> str | None:
        """Where in the standard the Python back-end's generated line `line` comes from, as
        `file:line:col` of its indicator; None for the shared reading of inputs."""
        if not isinstance(self.executor, PythonExecutor):
            return None
        code = self.executor.indicator_at(line)
        return None if code is None else self.standard.indicator(code).syntax.code_span.location

    @property
    def python_source(self) -> str:
        """The Python back-end's generated code for this standard (generated here when another
        back-end runs it)."""
        if isinstance(self.executor, PythonExecutor):
            return self.executor.program.source
        return generate(self.plan).source

    # ------------------------------------------------------------ running
    def evaluate_cohort(self, records: Sequence[Record]) -> tuple[Evaluation, ...]:
        batch = self.batch(records)
        scored = ScoredBatch(self._shape, self.executor.run(batch), batch.entities)
        return tuple(map(Evaluation, itertools.repeat(scored), range(len(batch.entities))))

    def evaluations(self, columns: ResultColumns, entities: Sequence[str]) -> tuple[Evaluation, ...]:
        """Evaluations over result columns a back-end made elsewhere (a query run in a database)."""
        scored = ScoredBatch(self._shape, columns, entities)
        return tuple(map(Evaluation, itertools.repeat(scored), range(len(entities))))

    def evaluate_stream(self, records: Iterable[Record], chunk: int = 10_000) -> Iterator[Evaluation]:
        """Evaluations one by one, holding at most `chunk` records' results at a time; none is
        kept once the caller lets it go. A standard with rank() or share() compares the whole
        cohort, so it reads every record first."""
        if self.needs_cohort:
            yield from self._stream([list(records)], set())
        else:
            yield from self._stream(_chunks(records, chunk), set())

    def evaluate_lenient(self, records: Iterable[Record], chunk: int, errors: list[DataError]) -> Iterator[Evaluation]:
        """evaluate_stream, leaving out each record the scoring refuses: its error is appended to
        `errors` and the others are scored (with rank or share, among themselves)."""
        if self.needs_cohort:
            chunks: Iterable[list[Record]] = [list(records)]
        else:
            chunks = _chunks(records, chunk)
        seen: set[str] = set()
        start = 0
        for part in chunks:
            named = [r if isinstance(r, Mapping) and ENTITY_KEY in r else self._named(r, start + i)
                     for i, r in enumerate(part)]
            yield from self._leaving_out(named, seen, errors)
            start += len(part)

    def _named(self, record: Any, index: int) -> Any:
        """A record given the name it has by its place in the data, which leaving others out would change."""
        return {**record, ENTITY_KEY: self._entity(record, index)} if isinstance(record, Mapping) else record

    def _leaving_out(self, records: list[Record], seen: set[str], errors: list[DataError]) -> Iterator[Evaluation]:
        kept = list(range(len(records)))
        while True:
            trial = set(seen)
            try:
                batch = self.batch([records[i] for i in kept], seen=trial)
                scored = ScoredBatch(self._shape, self.executor.run(batch), batch.entities)
            except DataError as error:
                culprit = self._culprit(error, [records[i] for i in kept])
                if culprit is None:
                    raise
                errors.append(error)
                del kept[culprit]
                continue
            seen |= trial
            yield from (Evaluation(scored, row) for row in range(len(kept)))
            return

    def _culprit(self, error: DataError, records: list[Record]) -> int | None:
        """Which record an error is about: the last one of its entity (the second of a name given
        twice), or None when it names none."""
        found = [i for i, record in enumerate(records)
                 if isinstance(record, Mapping) and str(record.get(ENTITY_KEY)) == error.entity]
        if found:
            return found[-1]
        return 0 if len(records) == 1 else None

    def _stream(self, chunks: Iterable[list[Record]], seen: set[str]) -> Iterator[Evaluation]:
        start = 0
        for records in chunks:
            batch = self.batch(records, start=start, seen=seen)
            scored = ScoredBatch(self._shape, self.executor.run(batch), batch.entities)
            for row in range(len(records)):
                yield Evaluation(scored, row)
            start += len(records)

    def batch(self, records: Sequence[Record], *, start: int = 0, seen: set[str] | None = None) -> Batch:
        """The records as a batch, once their names and statistics are checked. `start` is the
        first record's index in the file; `seen`, the entities of earlier batches of one cohort."""
        entities = self._entities(records, start)
        seen = set() if seen is None else seen
        named = set(entities)
        if len(named) == len(entities) and named.isdisjoint(seen):
            seen |= named  # every name new: the common case, decided in C
        else:
            self._repeated(entities, seen)
        if not all(map(self._known.issuperset, records)):  # every record's keys known: decided in C
            for record, entity in zip(records, entities):
                self._check_keys(record, entity)
        return Batch(records, entities)

    def _entities(self, records: Sequence[Record], start: int) -> list[str]:
        """Each record's name: its `entity`, else its place in the data (`#3`)."""
        if {*map(type, records)} <= _DICT:
            names = [record.get(ENTITY_KEY, _UNNAMED) for record in records]
            if {*map(type, names)} <= _STR:  # every record a dict named by a string: the common case
                return names
        return [self._entity(record, start + index) for index, record in enumerate(records)]

    def _repeated(self, entities: list[str], seen: set[str]) -> None:
        """Raise for the first name met twice, in order."""
        for entity in entities:
            if entity in seen:
                raise DataError(f"entity {entity!r} appears twice in the cohort", entity=entity)
            seen.add(entity)

    # ------------------------------------------------------------ tables
    def _columnar(self) -> Any:
        """The columnar executor of this plan: the chosen back-end's, or one made on first use."""
        try:
            import numpy  # noqa: F401
        except ImportError:
            raise MissingExtra("evaluate_table needs numpy: pip install 'smartcity_rules[batch]'") from None
        from ..backends.columnar.executor import ColumnarExecutor

        if isinstance(self.executor, ColumnarExecutor):
            return self.executor
        with self._lock:
            if self._table_executor is None:
                self._table_executor = ColumnarExecutor(self.plan)
        return self._table_executor

    def evaluate_table(self, data: Any, keep_going: bool = False) -> TableResult:
        """Score a table of statistics (one row an entity) as one cohort, a column at a time."""
        executor = self._columnar()
        table = self._table(data, None)
        return self._result(executor.score(table, keep_going))

    def evaluate_parts(self, parts: Callable[[], Iterable[Any]], keep_going: bool = False) -> Iterator[TableResult]:
        """Score tables read one part at a time as one cohort: `parts()` gives the parts anew
        each time it is called; with rank() or share(), the parts are read twice, the first
        time with only the cohort's columns where `parts.only(keys)` gives them (as
        data/tables.py's TableParts does)."""
        from ..backends.columnar.executor import cohort_rows

        executor = self._columnar()
        cohort, everyone = None, None
        if self.plan.cohort_sites:
            only = getattr(parts, "only", None)
            everyone = list[str]()
            seen: set[str] = set()
            cohort = executor.cohort_of(self._table(part, seen, everyone)
                                        for part in (only(executor.cohort_keys) if callable(only) else parts()))
        start, seen = 0, set()
        for part in parts():
            table = self._table(part, seen) if everyone is None else self._again(part, everyone, start)
            sliced = None if cohort is None else cohort_rows(cohort, start, start + table.rows)
            start += table.rows
            yield self._result(executor.score(table, keep_going, sliced), everyone)

    def _table(self, data: Any, seen: set[str] | None, order: list[str] | None = None) -> Any:
        """A table's columns and entity names, each name checked to appear once: in the table,
        or (`seen`, added to) in every part read so far; `order` collects them."""
        from ..backends.columnar.executor import Table
        from ..backends.columnar.tables import columns_of, entity_names

        rows, columns = columns_of(data)
        self._check_keys(dict.fromkeys(columns), None)
        entities = entity_names(columns.get(ENTITY_KEY), rows, len(seen or ()))
        named = frozenset(entities)
        if len(named) != rows or (seen and not named.isdisjoint(seen)):
            self._repeated(entities, set(seen or ()))
        if seen is not None:
            seen |= named
        if order is not None:
            order += entities
        return Table(rows, columns, entities)

    def _again(self, data: Any, everyone: list[str], start: int) -> Any:
        """A part read the second time: its names were checked the first time, and must be
        those again, in the same rows (the cohort's figures are taken by row)."""
        from ..backends.columnar.executor import Table
        from ..backends.columnar.tables import columns_of, entity_names

        rows, columns = columns_of(data)
        self._check_keys(dict.fromkeys(columns), None)
        entities = entity_names(columns.get(ENTITY_KEY), rows, start)
        if entities != everyone[start:start + rows]:
            raise DataError("the parts changed between their two readings (the first read the cohort)")
        return Table(rows, columns, entities)

    def _result(self, scored: Any, cohort: Sequence[str] | None = None) -> TableResult:
        from .table import TableResult

        everyone = scored.entities if cohort is None else cohort  # a slice's cohort is the whole table's
        return TableResult(scored, lambda rows: ScoredBatch(self._shape, scored.result_columns(rows),
                                                            scored.entities[rows], everyone))

    def evaluate(self, record: Record, cohort: Sequence[Record] | None = None) -> Evaluation:
        entity = self._entity(record, 0)
        if cohort is None:
            if self.needs_cohort:
                site = self.plan.cohort_sites[0]
                raise CohortRequired(
                    f"`{site.function.value}` compares entities: evaluate a cohort, or pass cohort=",
                    entity=entity, indicator=site.indicator)
            return self.evaluate_cohort([record])[0]
        if ENTITY_KEY not in record:
            raise DataError("name the record with an `entity` key to place it in its cohort")
        # The record's own statistics count: it replaces its namesake in the cohort, or joins it.
        entities = [self._entity(r, i) for i, r in enumerate(cohort)]
        members = [record if name == entity else other for name, other in zip(entities, cohort)]
        if entity not in entities:
            members.append(record)
        return self.evaluate_cohort(members)[[*entities, entity].index(entity)]

    def _entity(self, record: Any, index: int) -> str:
        if type(record) is not dict and not isinstance(record, Mapping):
            raise DataError(f"record {index + 1} is not a mapping of statistics (got {type(record).__name__})")
        name = record.get(ENTITY_KEY, _UNNAMED)
        return f"#{index + 1}" if name is _UNNAMED else str(name)

    def _check_keys(self, record: Record, entity: str | None) -> None:
        if self._known.issuperset(record):
            return
        key = next(key for key in record if key not in self._known)
        if not isinstance(key, str):
            raise UnknownInput(f"statistic names must be strings, got {key!r}", entity=entity)
        close = difflib.get_close_matches(key, sorted(self._known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UnknownInput(f"the standard declares no input {key!r}{hint}", entity=entity, input=key)
