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
from collections.abc import Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs

from ..backends.protocol import Backend, Batch, Executor, ResultColumns
from ..backends.python.codegen import generate
from ..backends.python.executor import PythonBackend, PythonExecutor
from ..language import syntax as s
from ..language.check import ENTITY_KEY, CheckedStandard, ScoredIndicator
from ..language.errors import CohortRequired, DataError, UnknownInput
from ..language.formula import bands_text, render, requirement_text
from ..language.numbers import fmt
from ..plan import scoring as p
from ..plan.lower import PREVIOUS_SUFFIX, lower
from ..plan.semantics import COMPARE
from .display import is_percentage, show_number
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
from .rating import Ratings

Record = Mapping[str, Any]


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
        rating = standard.syntax.rating
        self.rating_rule = rating
        self.texts = () if rating is None else tuple(
            tuple(requirement_text(req) for req in level.requirements) for level in rating.levels)


class ScoredBatch:
    """Result columns of one batch, read row by row by its Evaluations."""

    def __init__(self, shape: _Shape, columns: ResultColumns, entities: Sequence[str]) -> None:
        self.shape = shape
        self.columns = columns
        self.entities = entities
        self.title = shape.title
        self.edition = shape.edition
        self.provisional = shape.provisional
        self.entity_type = shape.entity_type
        self.points = NodeScores(shape.plan, columns)

    @functools.cached_property
    def cohort(self) -> CohortInfo | None:
        if not self.shape.plan.needs_cohort:
            return None
        names = "\n".join(sorted(self.entities)).encode("utf-8")
        return CohortInfo(len(self.entities), hashlib.sha256(names).hexdigest()[:16], self.entity_type)

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

    def indicators(self, row: int) -> tuple[IndicatorResult, ...]:
        columns, shape = self.columns, self.shape
        found = tuple(
            IndicatorResult(info, status if value is not None else Status.NOT_APPLICABLE,
                            value, columns.stars[k][row], self.points.indicator(k, row))
            for k, (info, status, value) in enumerate(
                zip(shape.infos, shape.statuses, (column[row] for column in columns.values))))
        if not columns.exact:
            return found
        return tuple(attrs.evolve(result, exact=columns.exact[k][row]) if k in columns.exact else result
                     for k, result in enumerate(found))

    def groups(self, row: int) -> tuple[GroupResult, ...]:
        nodes = self.shape.plan.nodes
        results = []
        for g in self.shape.plan.groups:
            group = nodes[g]
            members = [nodes[m] for m in group.members]
            results.append(GroupResult(
                group.name, group.bonus, self.points.node(g, row), group.maximum,
                tuple(m.code for m in members if m.kind is not p.NodeKind.GROUP and m.code is not None),
                group.code, tuple(m.name for m in members if m.kind is p.NodeKind.GROUP)))
        return tuple(results)

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
        nodes, flags = self.shape.plan.nodes, self.shape.node_provisional
        return tuple(NodeResult(node.kind.value, node.code, node.name, self.points.node(n, row),
                                self.points.unrounded(n, row), node.maximum,
                                tuple(_member_key(nodes[m]) for m in node.members), flags[n])
                     for n, node in enumerate(nodes))

    def rating(self, row: int, evaluation: Evaluation) -> RatingResult | None:
        ratings, rule = self.ratings, self.shape.rating_rule
        if ratings is None or rule is None:
            return None
        levels = []
        for index, level in enumerate(rule.levels):
            outcomes = tuple(RequirementResult(text, held, self._actual(req, evaluation))
                             for req, text, held in zip(level.requirements, self.shape.texts[index],
                                                        ratings.outcomes(index, row)))
            held = ratings.outcomes(index, row)[len(level.requirements):]
            outcomes += tuple(self._implicit(rule, which, ok, row)
                              for (which, _), ok in zip(ratings.extras[index], held))
            levels.append(LevelResult(int(level.rank.value), level.name, all(o.held for o in outcomes), outcomes))
        reached = next((lv for lv in levels if lv.reached), None)
        return RatingResult(reached.rank if reached else 0, reached.name if reached else None,
                            tuple(levels), rule.provisional)

    def _implicit(self, rule: s.Rating, override: int | None, ok: bool, row: int) -> RequirementResult:
        """A level's requirement beyond its own: enough data (no override), no veto, no cap below it."""
        if override is None:
            assert rule.unrated_above is not None
            return RequirementResult(f"missing at most {rule.unrated_above.text}", ok,
                                     f"missing {fmt(self.points.missing_share(row) * 100)}% of the weight")
        found = rule.overrides[override]
        text = (f"not vetoed: {found.reason}" if found.cap is None
                else f"not capped below {found.cap.text}: {found.reason}")
        return RequirementResult(text, ok, "does not apply" if ok else "applies")

    def _actual(self, req: s.Requirement, evaluation: Evaluation) -> str:
        """What the entity had, for the requirement's line in a report."""
        if isinstance(req, s.TotalRequirement):
            return f"total {fmt(evaluation.total)}"
        if isinstance(req, s.LeadingRequirement):
            failing = [i for i in evaluation.indicators
                       if i.leading and i.stars is not None and not COMPARE[req.compare](i.stars, req.stars.value)]
            return ", ".join(f"indicator {i.code}: {_stars(i.stars)}" for i in failing) or "all hold"
        if isinstance(req, s.IndicatorRequirement) and req.measure is not s.Measure.POINTS:
            result = evaluation.indicator(req.code)
            if (result.stars if req.on_stars else result.value) is None:
                return f"indicator {result.code}: not applicable"
            percent = self.shape.percent[result.code]
            shown = _stars(result.stars) if req.on_stars else show_number(result.value, percent)
            return f"indicator {result.code}: {shown}"
        if isinstance(req, s.IndicatorRequirement):
            return f"indicator {req.code}: {fmt(evaluation.node(req.code).points)} points"
        group = evaluation.group(req.group)
        return f"group \"{group.name}\": {fmt(group.points)} points"


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    iterator = iter(records)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


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
        return tuple(Evaluation(scored, row) for row in range(len(batch.entities)))

    def evaluations(self, columns: ResultColumns, entities: Sequence[str]) -> tuple[Evaluation, ...]:
        """Evaluations over result columns a back-end made elsewhere (a query run in a database)."""
        scored = ScoredBatch(self._shape, columns, entities)
        return tuple(Evaluation(scored, row) for row in range(len(entities)))

    def evaluate_stream(self, records: Iterable[Record], chunk: int = 10_000) -> Iterator[Evaluation]:
        """Evaluations one by one, holding at most `chunk` records' results at a time; none is
        kept once the caller lets it go. A standard with rank() or share() compares the whole
        cohort, so it reads every record first."""
        if self.needs_cohort:
            yield from self._stream([list(records)], set())
        else:
            yield from self._stream(_chunks(records, chunk), set())

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
        entities = [self._entity(record, start + index) for index, record in enumerate(records)]
        seen = set() if seen is None else seen
        for entity in entities:
            if entity in seen:
                raise DataError(f"entity {entity!r} appears twice in the cohort", entity=entity)
            seen.add(entity)
        for record, entity in zip(records, entities):
            self._check_keys(record, entity)
        return Batch(records, entities)

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
