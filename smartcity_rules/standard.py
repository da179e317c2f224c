"""The facade that wires the stages: text -> parse -> check -> compile -> evaluate."""

from __future__ import annotations

import datetime
import itertools
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from .backends.protocol import Backend
from .data.records import read_records
from .language import syntax as s
from .language import variants
from .language.check import ENTITY_KEY, CheckedStandard, NodeKind, check, conclude, review
from .language.diagnostics import Diagnostic, sort_key
from .language.errors import DataError, InvalidStandard, InvalidValue, MissingInput, NotCompilable, NotFound
from .language.link import link
from .language.parse import parse, parse_file
from .plan.lower import PREVIOUS_SUFFIX
from .plan.scoring import ScoringPlan
from .results.evaluate import CompiledStandard
from .results.evaluation import Evaluation, IndicatorInfo, InputInfo
from .results.explain import Explanation, NodeExplanation, explain, explain_node

LOG = logging.getLogger(__name__)

if TYPE_CHECKING:  # numpy is an extra: imported only when a table is scored
    from .results.table import TableResult


class Standard:
    """A checked, compiled standard: load it once, evaluate many entities with it.

    Thread-safe: evaluation keeps no state between calls.
    """

    def __init__(self, checked: CheckedStandard, backend: Backend | None = None, *,
                 entity_type: str | None = None) -> None:
        self._checked = checked
        self._compiled = CompiledStandard(checked, backend, entity_type=entity_type)
        self._entity_type = entity_type

    @property
    def entity_types(self) -> tuple[str, ...]:
        """The entity types of a standard that says `entity type by`, in its choice's order; ()."""
        return ()

    @property
    def entity_type(self) -> str | None:
        """For one type's standard (`TypedStandard.variant`), that type; else None."""
        return self._entity_type

    def variant(self, entity_type: str | None) -> Standard:
        """The standard that scores entities of a type (`Evaluation.entity_type`); a standard
        without entity types scores every entity itself (entity type None)."""
        if entity_type is None or entity_type == self._entity_type:
            return self
        raise NotFound(f"the standard has no entity types, so none is {entity_type!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its checked tree and back-end: unpickling compiles it again, so no code
        object ever crosses a process boundary (a pool, Spark, Dask)."""
        return (_unpickled, (self._checked, self._compiled.backend, self._entity_type))

    # ------------------------------------------------------------ metadata
    @property
    def title(self) -> str:
        return self._checked.header.title

    @property
    def level(self) -> str | None:
        level = self._checked.header.level
        return None if level is None else level.value

    @property
    def edition(self) -> str | None:
        return self._checked.header.edition

    @property
    def effective(self) -> datetime.date | None:
        return self._checked.header.effective

    @property
    def source_name(self) -> str:
        return self._checked.syntax.span.source.name

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return self._checked.warnings

    @property
    def provisional(self) -> tuple[str, ...]:
        """Every number the standard marks provisional, e.g. "indicator 4 star thresholds"."""
        return self._checked.provisional

    @property
    def notes(self) -> tuple[str, ...]:
        """The header's `note "..."` lines, e.g. why numbers are provisional."""
        return self._checked.header.notes

    @property
    def syntax(self) -> s.StandardFile:
        return self._checked.syntax

    @property
    def checked(self) -> CheckedStandard:
        return self._checked

    @property
    def backend(self) -> Backend:
        """The back-end that runs its plan (the Python back-end unless `load` was given one)."""
        return self._compiled.backend

    @property
    def indicators(self) -> tuple[IndicatorInfo, ...]:
        """What the standard fixes about each indicator (name, group, ★, description,
        formula, bands, points, provisional parts), in file order; no evaluation needed."""
        return self._compiled.indicators

    @property
    def inputs(self) -> tuple[InputInfo, ...]:
        """The statistics the standard reads, in file order (inputs taken from a base
        standard last), with their labels, kinds and units."""
        return tuple(
            InputInfo(d.name, d.label, d.kind.value, d.unit, d.part_of,
                      None if d.direction is None else d.direction.value)
            for d in self._checked.inputs.values())

    @property
    def input_names(self) -> frozenset[str]:
        """The statistics a record may carry: every input, and `NAME@previous` for each."""
        names = self._checked.inputs
        return frozenset(names) | frozenset(name + PREVIOUS_SUFFIX for name in names)

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        """The code of every indicator and item scored from a value, in source order."""
        return tuple(item.code for item in self._checked.indicators)

    @property
    def indicator_numbers(self) -> tuple[int, ...]:
        """The numbers of the numbered indicators (codes such as `12`), in source order."""
        return tuple(item.number for item in self._checked.indicators if item.number is not None)

    @property
    def needs_cohort(self) -> bool:
        """True when rank() or share() make results depend on the other entities."""
        return self._compiled.needs_cohort

    @property
    def plan(self) -> ScoringPlan:
        """The scoring plan every back-end runs; `plan.dump()` shows it as text."""
        return self._compiled.plan

    def origin_of_generated_line(self, line: int) -> str | None:
        """The `file:line:col` of the indicator whose code is at a line of `python_source` (a
        traceback through the generated code names such lines); None for the shared reading
        of the inputs, which belongs to no one indicator."""
        return self._compiled.origin_of_generated_line(line)

    @property
    def python_source(self) -> str:
        """The generated evaluator, for inspection."""
        return self._compiled.python_source

    # ------------------------------------------------------------ evaluation
    def evaluate(self, record: Mapping[str, Any], *,
                 cohort: Sequence[Mapping[str, Any]] | None = None) -> Evaluation:
        """Score one entity's statistics; standards that rank or share need its cohort."""
        return self._compiled.evaluate(record, cohort)

    def evaluate_cohort(self, records: Sequence[Mapping[str, Any]]) -> tuple[Evaluation, ...]:
        """Score entities evaluated together (ranks and shares are taken among them)."""
        return self._compiled.evaluate_cohort(records)

    def evaluate_stream(self, records: Iterable[Mapping[str, Any]], *, chunk: int = 10_000,
                        errors: list[DataError] | None = None) -> Iterator[Evaluation]:
        """Score records one by one, for more than fit in memory: results come out as they are
        made and are not kept. Without rank() or share(), records are read `chunk` at a time;
        with them, the whole cohort is read first (each entity is compared with all).

        With `errors`, a record that cannot be scored is left out and its DataError appended
        there, and the rest are scored (ranks and shares then among the rest)."""
        if errors is not None:
            return self._compiled.evaluate_lenient(records, chunk, errors)
        return self._compiled.evaluate_stream(records, chunk)

    def evaluate_table(self, table: Any, *, keep_going: bool = False) -> TableResult:
        """Score a table of statistics, one row an entity, as one cohort, a column at a time
        (the columnar back-end; the `batch` extra): a pyarrow Table or RecordBatch, a pandas
        or polars DataFrame (with the `arrow` extra), or a mapping of column names to numpy
        arrays or sequences. The same numbers, ratings and errors as evaluate_cohort; with
        keep_going a bad row is left out and its error kept in the result's `errors`."""
        return self._compiled.evaluate_table(table, keep_going)

    def evaluate_parts(self, parts: Callable[[], Iterable[Any]], *, keep_going: bool = False) -> Iterator[TableResult]:
        """evaluate_table for a cohort read a part at a time (a Parquet file's row groups):
        `parts()` yields the tables anew on each call, and one result comes out per part.
        With rank() or share(), the parts are read twice: the cohort first, then the scores."""
        return self._compiled.evaluate_parts(parts, keep_going)

    def read(self, source: str | Path | Any) -> list[dict[str, Any]]:
        """The records of a statistics file or DataFrame (see read_records), its columns headed by
        this standard's input names or labels."""
        return read_records(source, standard=self)

    # ------------------------------------------------------------ in a database
    def to_sql(self, table: str, dialect: str = "duckdb", *, pretty: bool = True, nodes: bool | None = None,
               columns: Mapping[str, str] | None = None) -> str:
        """One query scoring every row of `table` (an `entity` column and one column per input)
        where the data lives: per entity each leaf's exact value, stars and points, every node's
        score, the total and the rating, and error columns naming the input (docs/sql.md).
        `nodes=None` leaves out the nodes and the rating when a geometric mean makes them
        irrational, True refuses such a standard (NotCompilable), False always leaves them out.
        `columns`: the table's column types by name, as the database names them (`BIGINT`,
        `DOUBLE`, `BOOLEAN`, ...): such inputs are read as what they are, much faster than through
        their text, as every other input is. Needs `pip install 'smartcity_rules[sql]'`."""
        from .backends.sql.run import checked_columns, to_sql

        types = None if columns is None else checked_columns(self.plan, {ENTITY_KEY: "VARCHAR", **columns})
        return to_sql(self.plan, table, dialect, types, nodes=self.sql_nodes if nodes is None else nodes).sql(
            pretty=pretty)

    @property
    def sql_nodes(self) -> bool:
        """Whether to_sql can give the nodes and the rating: no geometric mean among the nodes."""
        return all(node.aggregation is not s.Aggregation.GEOMETRIC for node in self.plan.nodes)

    def evaluate_sql(self, source: Any, table: str | None = None) -> tuple[Evaluation, ...]:
        """Score a table in the database that holds it: a DuckDB or psycopg (PostgreSQL) connection
        and a table name, a DuckDB relation, or a pandas or Arrow table (scored by an embedded
        DuckDB); results equal `evaluate_cohort` on the same rows, in entity order."""
        from .backends.sql.run import score_table

        columns, entities = score_table(self.plan, source, table)
        return self._compiled.evaluations(columns, entities)

    def explain(self, records: Sequence[Mapping[str, Any]], entity: str,
                indicator: str | int) -> Explanation | NodeExplanation:
        """How one indicator's (or item's) number was reached for one entity of a cohort; for an
        indicator made of items, or a group by its code or name, its members and their rule."""
        key = str(indicator)
        leaf = key in self.indicator_codes
        if not leaf and not any(key in (n.code, n.name if n.kind is NodeKind.GROUP else None)
                                for n in self._checked.nodes):
            raise NotFound(f"the standard has no indicator, item or group {indicator}")
        evaluations = self.evaluate_cohort(records)
        for record, evaluation in zip(records, evaluations):
            if evaluation.entity == entity:
                if not leaf:
                    return explain_node(self._checked, evaluation, key)
                return explain(self._checked, evaluation, record, indicator)
        names = ", ".join(e.entity for e in evaluations)
        raise NotFound(f"no entity {entity!r} in the data (entities: {names})")

    def __repr__(self) -> str:
        return f"<Standard {self.title!r} edition={self.edition!r} indicators={len(self.indicator_codes)}>"


def _standard(tree: s.StandardFile, backend: Backend | None) -> Standard:
    """A linked tree, checked and compiled: one plan, or one per entity type."""
    if not variants.is_typed(tree):
        return Standard(check(tree), backend)
    checked, problems = variants.review_each(tree, review)
    if checked is None:
        raise InvalidStandard(sorted(problems, key=sort_key))
    return TypedStandard(tree, {t: conclude(c, problems) for t, c in checked.items()}, backend)


def from_tree(tree: s.StandardFile, *, backend: Backend | None = None) -> Standard:
    """A parsed, linked tree checked and compiled, such as one a tool changed (whatif's `--set`);
    raises InvalidStandard, each diagnostic pointing where its node was written."""
    return _standard(tree, backend)


def loads(text: str, name: str = "<string>", *, backend: Backend | None = None,
          root: str | Path | None = None) -> Standard:
    """Parse, check and compile a standard from text; raises InvalidStandard.

    `use` paths in the text are relative to the directory of `name`, and read only inside
    `root` (default: that directory). `backend` runs the scoring plan; the default is the
    Python back-end.
    """
    return _standard(link(parse(text, name), root=root), backend)


def load(path: str | Path, *, backend: Backend | None = None, root: str | Path | None = None) -> Standard:
    """Parse, check and compile a standard file (and those it builds on); raises InvalidStandard.

    The standards it `use`s are read only inside `root` (default: the file's directory).
    `backend` runs the scoring plan; the default is the Python back-end."""
    started = time.perf_counter()
    standard = _standard(link(parse_file(path), root=root), backend)
    LOG.debug("loaded %s: %d indicators, checked and compiled in %.3f s", path, len(standard.indicator_codes),
              time.perf_counter() - started)
    return standard


def diagnose(path: str | Path, *, root: str | Path | None = None) -> tuple[Diagnostic, ...]:
    """Every diagnostic for a standard file, in source order: the checker's and the analyses'.

    Unlike `load`, runs the static analyses (smartcity_rules.analysis), which import sympy.
    `root` is as for `load`.
    """
    try:
        return diagnose_tree(link(parse_file(path), root=root))
    except InvalidStandard as error:
        return error.diagnostics


def diagnose_tree(tree: s.StandardFile) -> tuple[Diagnostic, ...]:
    """`diagnose` for a parsed, linked tree; raises InvalidStandard when it has errors."""
    from .analysis.passes import analyse  # imports sympy: only diagnosing pays for it

    def reviewed(tree: s.StandardFile) -> tuple[CheckedStandard | None, list[Diagnostic]]:
        checked, problems = review(tree)
        return checked, problems if checked is None else [*problems, *analyse(checked)]

    if variants.is_typed(tree):
        each, problems = variants.review_each(tree, reviewed)
        return conclude(None if each is None else next(iter(each.values())), problems).warnings
    return conclude(*reviewed(tree)).warnings


class TypedStandard(Standard):
    """A standard whose indicators and numbers depend on the entity's type (`entity type by`):
    one checked, compiled standard per type, each record scored by the one of its type.

    A cohort is split by type and each part scored as a cohort of its own, so rank, share,
    minmax and the other cohort functions compare an entity with those of its type only;
    evaluations come back in the caller's order."""

    def __init__(self, tree: s.StandardFile, checked: Mapping[str, CheckedStandard],
                 backend: Backend | None = None) -> None:
        self._tree = tree
        self._checked_by_type = checked
        self._variants = {t: Standard(c, backend, entity_type=t) for t, c in checked.items()}
        self._key = tree.header.entity_type if tree.header is not None else None
        first = next(iter(self._variants.values()))
        self._checked, self._compiled, self._entity_type = first._checked, first._compiled, None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its tree, each type's checked standard and the back-end: compiled again when unpickled."""
        return (TypedStandard, (self._tree, dict(self._checked_by_type), self._compiled.backend))

    # ------------------------------------------------------------ the types
    @property
    def entity_types(self) -> tuple[str, ...]:
        return tuple(self._variants)

    @property
    def entity_type_input(self) -> str:
        """The input that says an entity's type, e.g. `类型`."""
        assert self._key is not None
        return self._key

    def variant(self, entity_type: str | None) -> Standard:
        """The standard as entities of one type see it: its own indicators, plan and code."""
        if entity_type is None or entity_type not in self._variants:
            raise NotFound(f"the standard has no entity type {entity_type!r} "
                           f"(its types: {', '.join(self._variants)})")
        return self._variants[entity_type]

    def _per_type(self, what: str) -> NoReturn:
        raise NotFound(f"{what} differs by entity type: ask standard.variant(type) "
                       f"for one of {', '.join(self._variants)}")

    def to_sql(self, table: str, dialect: str = "duckdb", *, pretty: bool = True, nodes: bool | None = None,
               columns: Mapping[str, str] | None = None) -> str:
        """One query scoring every row of `table` by its type's standard, each type's rows a
        cohort of their own, with an `entity_type` column (docs/sql.md). Every input is read
        through its text: `columns` is refused (NotCompilable) for such a standard."""
        from .backends.sql.run import to_sql_by_type

        if columns is not None:
            raise NotCompilable("a standard typed by entity reads every column through its text: to_sql takes no "
                                "column types for it")
        plans = {t: v.plan for t, v in self._variants.items()}
        wanted = self.sql_nodes if nodes is None else nodes
        return to_sql_by_type(plans, self.entity_type_input, table, dialect, wanted).sql(dialect=dialect, pretty=pretty)

    @property
    def sql_nodes(self) -> bool:
        return all(v.sql_nodes for v in self._variants.values())

    def evaluate_table(self, table: Any, *, keep_going: bool = False) -> TableResult:
        # Not yet split by type a column at a time: one type's plan must never score another's rows.
        self._per_type("scoring a table")

    def evaluate_parts(self, parts: Callable[[], Iterable[Any]], *, keep_going: bool = False) -> Iterator[TableResult]:
        self._per_type("scoring a table")

    # ------------------------------------------------------------ metadata
    @property
    def syntax(self) -> s.StandardFile:
        return self._tree

    @property
    def checked(self) -> CheckedStandard:
        self._per_type("the checked standard")

    @property
    def plan(self) -> ScoringPlan:
        self._per_type("the scoring plan")

    @property
    def python_source(self) -> str:
        self._per_type("the generated evaluator")

    def origin_of_generated_line(self, line: int) -> str | None:
        self._per_type("the generated evaluator")

    @property
    def indicators(self) -> tuple[IndicatorInfo, ...]:
        self._per_type("what the standard fixes about its indicators")

    @property
    def provisional(self) -> tuple[str, ...]:
        """Every type's provisional numbers, each once, each after the one its type lists before it."""
        merged: list[str] = []
        for variant in self._variants.values():
            after = -1
            for number in variant.provisional:
                if number in merged:
                    after = merged.index(number)
                else:
                    after += 1
                    merged.insert(after, number)
        return tuple(merged)

    @property
    def inputs(self) -> tuple[InputInfo, ...]:
        choice = variants.routing(self._tree)
        assert choice is not None
        routing = InputInfo(choice.name, choice.label, "choice", None, None, None)
        return (routing, *self.variant(self.entity_types[0]).inputs)

    @property
    def input_names(self) -> frozenset[str]:
        return frozenset({self.entity_type_input}).union(*(v.input_names for v in self._variants.values()))

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for v in self._variants.values() for c in v.indicator_codes))

    @property
    def indicator_numbers(self) -> tuple[int, ...]:
        return tuple(dict.fromkeys(n for v in self._variants.values() for n in v.indicator_numbers))

    @property
    def needs_cohort(self) -> bool:
        return any(v.needs_cohort for v in self._variants.values())

    # ------------------------------------------------------------ routing
    def _routed(self, record: Any, index: int) -> tuple[str, dict[str, Any]]:
        """A record's type, and the record as its type's standard reads it: named, without the type."""
        if not isinstance(record, Mapping):
            raise DataError(f"record {index + 1} is not a mapping of statistics (got {type(record).__name__})")
        entity = str(record.get(ENTITY_KEY, f"#{index + 1}"))
        key = self.entity_type_input
        value = record.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise MissingInput(f"the entity type is not given (one of {', '.join(self._variants)})",
                               entity=entity, input=key)
        if not isinstance(value, str) or value not in self._variants:
            raise InvalidValue(f"entity type {value!r} is not one of {', '.join(self._variants)}",
                               entity=entity, input=key)
        return value, {**{k: v for k, v in record.items() if k != key}, ENTITY_KEY: entity}

    def evaluate_cohort(self, records: Sequence[Mapping[str, Any]]) -> tuple[Evaluation, ...]:
        routed = [self._routed(record, index) for index, record in enumerate(records)]
        _once_each(record[ENTITY_KEY] for _, record in routed)
        results: list[Evaluation | None] = [None] * len(routed)
        for entity_type, standard in self._variants.items():
            rows = [k for k, (t, _) in enumerate(routed) if t == entity_type]
            for k, evaluation in zip(rows, standard.evaluate_cohort([routed[k][1] for k in rows])):
                results[k] = evaluation
        return tuple(e for e in results if e is not None)

    def evaluate_sql(self, source: Any, table: str | None = None) -> tuple[Evaluation, ...]:
        """As Standard.evaluate_sql, each type's rows scored in the database by its type's query,
        as a cohort of their own; the same refusals as evaluate_cohort for a row without a type."""
        from .backends.sql.typed import split_by_type

        key = self.entity_type_input
        with split_by_type(source, table, key, list(self._variants)) as split:
            for index, (entity, kind) in enumerate(split.order):
                self._routed({ENTITY_KEY: entity, key: kind}, index)
            _once_each(str(entity) for entity, _ in split.order)
            scored = {e.entity: e for t, part in split.parts.items() for e in self._variants[t].evaluate_sql(*part)}
        return tuple(scored[str(entity)] for entity, _ in split.order)

    def evaluate(self, record: Mapping[str, Any], *,
                 cohort: Sequence[Mapping[str, Any]] | None = None) -> Evaluation:
        entity_type, routed = self._routed(record, 0)
        standard = self._variants[entity_type]
        if cohort is None:
            return standard.evaluate(routed)
        if ENTITY_KEY not in record:
            raise DataError("name the record with an `entity` key to place it in its cohort")
        members = [r for t, r in (self._routed(other, i) for i, other in enumerate(cohort)) if t == entity_type]
        return standard.evaluate(routed, cohort=members)

    def evaluate_stream(self, records: Iterable[Mapping[str, Any]], *, chunk: int = 10_000,
                        errors: list[DataError] | None = None) -> Iterator[Evaluation]:
        if errors is not None:
            yield from self._lenient(records, chunk, errors)
            return
        if self.needs_cohort:
            yield from self.evaluate_cohort(list(records))
            return
        seen: set[str] = set()
        iterator, start = iter(records), 0
        while part := list(itertools.islice(iterator, chunk)):
            for i, record in enumerate(part):
                self._routed(record, start + i)  # bad data named by its place in the whole stream
            named = [{**r, ENTITY_KEY: r.get(ENTITY_KEY, f"#{start + i + 1}")} for i, r in enumerate(part)]
            for evaluation in self.evaluate_cohort(named):
                if evaluation.entity in seen:
                    raise DataError(f"entity {evaluation.entity!r} appears twice in the cohort",
                                    entity=evaluation.entity)
                seen.add(evaluation.entity)
                yield evaluation
            start += len(part)

    def _lenient(self, records: Iterable[Mapping[str, Any]], chunk: int,
                 errors: list[DataError]) -> Iterator[Evaluation]:
        """evaluate_stream leaving out each record that cannot be scored, `chunk` records at a
        time unless a cohort function needs them all; a record keeps the name its place in the
        whole stream gives it."""
        start = 0
        seen: set[str] = set()
        for part in _parts(records, chunk, whole=self.needs_cohort):
            named = [{**r, ENTITY_KEY: r.get(ENTITY_KEY, f"#{start + i + 1}")} if isinstance(r, Mapping) else r
                     for i, r in enumerate(part)]
            for evaluation in _leaving_out(self, named, errors):
                if evaluation.entity in seen:
                    errors.append(DataError(f"entity {evaluation.entity!r} appears twice in the cohort",
                                            entity=evaluation.entity))
                    continue
                seen.add(evaluation.entity)
                yield evaluation
            start += len(part)

    def explain(self, records: Sequence[Mapping[str, Any]], entity: str,
                indicator: str | int) -> Explanation | NodeExplanation:
        """As Standard.explain, by the standard of the entity's type, over the entities of that type."""
        routed = [self._routed(record, index) for index, record in enumerate(records)]
        found = next((t for t, r in routed if r[ENTITY_KEY] == entity), None)
        if found is None:
            names = ", ".join(r[ENTITY_KEY] for _, r in routed)
            raise NotFound(f"no entity {entity!r} in the data (entities: {names})")
        standard = self._variants[found]
        if str(indicator) not in standard.indicator_codes and str(indicator) in self.indicator_codes:
            raise NotFound(f"indicator {indicator} is not scored for entity type {found!r} (entity {entity!r})")
        return standard.explain([r for t, r in routed if t == found], entity, indicator)

    def __repr__(self) -> str:
        return (f"<Standard {self.title!r} edition={self.edition!r} entity types={', '.join(self.entity_types)} "
                f"indicators={len(self.indicator_codes)}>")


def _once_each(entities: Iterable[str]) -> None:
    """Refuse a cohort naming an entity twice: the first name seen again."""
    seen: set[str] = set()
    for entity in entities:
        if entity in seen:
            raise DataError(f"entity {entity!r} appears twice in the cohort", entity=entity)
        seen.add(entity)


def _parts(records: Iterable[Mapping[str, Any]], chunk: int, *, whole: bool) -> Iterator[list[Mapping[str, Any]]]:
    """The records `chunk` at a time, or all at once when `whole`."""
    iterator = iter(records)
    if whole:
        yield list(iterator)
    while part := list(itertools.islice(iterator, chunk)):
        yield part


def _leaving_out(standard: Standard, kept: list[Any], errors: list[DataError]) -> Iterator[Evaluation]:
    """The cohort of named records scored without each one whose data error names its entity
    (the last of that name), each such error appended to `errors`."""
    while True:
        try:
            return iter(standard.evaluate_cohort(kept))
        except DataError as error:
            named = [i for i, r in enumerate(kept) if isinstance(r, Mapping) and str(r.get(ENTITY_KEY)) == error.entity]
            if not named:
                raise
            errors.append(error)
            del kept[named[-1]]


def _unpickled(checked: CheckedStandard, backend: Backend | None, entity_type: str | None) -> Standard:
    """A Standard unpickled: compiled again from its checked tree."""
    return Standard(checked, backend, entity_type=entity_type)
