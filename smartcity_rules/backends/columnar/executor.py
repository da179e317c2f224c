"""The columnar batch back-end: a scoring plan run a whole column at a time, exactly.

Rows the columns read and score as the per-record path does are done with numpy; every
other row (a value only the per-record reader reads, a missing value a cohort fills in, a
zero denominator under `error`, bad data) is scored by the Python back-end, record by
record, so its numbers and its errors are that back-end's own. The columns never decide a
row they cannot decide exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import attrs
import numpy as np

from ...language.check import ENTITY_KEY
from ...language.errors import DataError, UnsupportedConstruct
from ...language.syntax import MissingPolicy, ZeroPolicy
from ...plan import scoring as p
from ...plan.semantics import COHORT_FUNCTIONS, imputed_values
from ..protocol import Batch, ResultColumns
from ..python.executor import PythonExecutor
from .exact import LIMIT, Array, Exact, Overflow, above, wide
from .formulas import (
    Estimates,
    Formulas,
    across,
    deduction,
    estimated_stars,
    exact_points,
    rows_of,
    scaled_table,
    stars,
    table_points,
)
from .reading import Column, Read, read, records_columns

CHUNK = 1 << 16  # rows scored together: each column of a chunk fits the CPU's caches
Cohort = tuple[tuple[Exact, Array], ...]  # per cohort site: its value per row, and the rows that have one
_OPS = (p.Const, p.Load, p.Negate, p.Binary, p.Divide, p.Sum, p.Tally, p.Extreme, p.CohortValue)
_POINTS = (p.StarPoints, p.LinearPoints, p.DeductionPoints, p.TablePoints)
_FILLED = frozenset({MissingPolicy.ZERO, MissingPolicy.NOT_APPLICABLE})  # handled a column at a time


class ColumnarBackend:
    """The batch back-end: numpy columns, exact rationals, any cohort size."""

    name = "columnar"

    def prepare(self, plan: p.ScoringPlan) -> ColumnarExecutor:
        return ColumnarExecutor(plan)


@attrs.frozen
class Table:
    """Input columns by record key, one row an entity."""

    rows: int
    columns: Mapping[str, Column]
    entities: Sequence[str]

    def take(self, rows: Array) -> Table:
        columns = {key: Column(c.values[rows], None if c.nulls is None else c.nulls[rows])
                   for key, c in self.columns.items()}
        return Table(len(rows), columns, [self.entities[int(r)] for r in rows])

    def between(self, start: int, stop: int) -> Table:
        """Rows start to stop, as views of the same columns."""
        columns = {key: Column(c.values[start:stop], None if c.nulls is None else c.nulls[start:stop])
                   for key, c in self.columns.items()}
        return Table(stop - start, columns, self.entities[start:stop])

    def record(self, row: int) -> dict[str, Any]:
        return {key: column.raw(row) for key, column in self.columns.items()}


class Leaf:
    """One scored leaf's columns: stars -1 where there are none; points scaled ints or Fractions.
    Its exact values may be computed only when first asked for (`value` a function)."""

    def __init__(self, value: Exact | Callable[[], Exact], applicable: Array, stars: Array, points: Array,
                 puts: dict[int, tuple[int, int]] | None = None) -> None:
        self._value = value
        self._puts: dict[int, tuple[int, int]] = {} if puts is None else puts
        self._own = False  # whether the value's arrays are this leaf's (else copied before a put)
        self.applicable, self.stars, self.points = applicable, stars, points

    @property
    def num(self) -> Array:
        return self._exact().num

    @property
    def den(self) -> Array:
        return self._exact().den

    def _exact(self) -> Exact:
        if callable(self._value):
            value = self._value()
            num, den = value.num, value.den
            if self._puts:  # the values computed may be an input's own column: not written into
                num, den = (rows_of(a, len(self.stars)).copy() for a in (num, den))
            self._own = True
            for row, (n, d) in self._puts.items():
                num, den = _put(num, row, n), _put(den, row, d)
            self._value = Exact(num, den)
        return self._value

    def take(self, rows: Array) -> Leaf:
        return Leaf(Exact(self.num[rows], self.den[rows]), self.applicable[rows], self.stars[rows], self.points[rows])

    @property
    def puts(self) -> dict[int, tuple[int, int]]:
        """The values the per-record back-end put in, by row."""
        return self._puts

    def put(self, row: int, value: tuple[int, int] | None, star: int | None, points: int | Fraction) -> None:
        self.applicable[row] = value is not None
        pair = value or (0, 1)
        self._puts[row] = pair  # kept, for values computed later (lazily, or over a whole table)
        if not callable(self._value):
            if not self._own:  # a value may be an input's own column, or the cohort's: not written into
                rows = len(self.stars)
                self._value = Exact(*(rows_of(a, rows).copy() for a in (self._value.num, self._value.den)))
                self._own = True
            self._value = Exact(_put(self._value.num, row, pair[0]), _put(self._value.den, row, pair[1]))
        self.stars[row] = -1 if star is None else star
        self.points = _put(self.points, row, points)


def _put(array: Array, row: int, value: Any) -> Array:
    if array.dtype != object and not (isinstance(value, int) and _holds(array.dtype, value)):
        array = array.astype(np.int64) if isinstance(value, int) and abs(value) < LIMIT else wide(array)
    array[row] = value
    return array


def _holds(dtype: Any, value: int) -> bool:
    """Whether an integer array of this dtype holds the value (and int64 only below LIMIT)."""
    if dtype == np.int64:
        return abs(value) < LIMIT
    info = np.iinfo(dtype)
    return int(info.min) <= value <= int(info.max)


@attrs.frozen
class Scored:
    """Result columns of a table: every leaf, what was missing, and the rows that failed."""

    plan: p.ScoringPlan
    entities: Sequence[str]
    leaves: tuple[Leaf, ...]
    missing: Sequence[tuple[int, ...]]
    imputed: tuple[Any, ...]
    kept: Array  # for each row scored, its row in the table given
    errors: tuple[tuple[int, DataError], ...] = ()
    handed: int = 0  # how many rows the per-record back-end scored

    @property
    def rows(self) -> int:
        return len(self.entities)

    def take(self, rows: Array) -> Scored:
        """The same columns for some rows only."""
        leaves = tuple(leaf.take(rows) for leaf in self.leaves)
        return attrs.evolve(self, entities=[self.entities[int(r)] for r in rows], leaves=leaves,
                            missing=[self.missing[int(r)] for r in rows], kept=self.kept[rows])

    def result_columns(self, rows: slice = slice(None)) -> ResultColumns:
        """The columns as every consumer reads them (see ResultColumns), of every row or a slice."""
        values, marks, points = [], [], []
        count = len(range(*rows.indices(self.rows)))
        for leaf in self.leaves:
            num, den = (rows_of(a, self.rows)[rows] for a in (leaf.num, leaf.den))
            pairs = zip(num.tolist(), den.tolist(), leaf.applicable[rows].tolist())
            values.append([(int(n), int(d)) if ok else None for n, d, ok in pairs])
            marks.append([None if s < 0 else s for s in leaf.stars[rows].tolist()])
            points.append(leaf.points[rows].tolist())
        return ResultColumns(tuple(values), tuple(marks), tuple(points), count, self.missing[rows], self.imputed)


class _Gathered:
    """The chunks of one table, scored one after another, written into the table's columns:
    each chunk's columns are freed as soon as they are copied (so the next chunk reuses
    memory still in the caches), and its exact values are not kept but computed again over
    the whole table when a caller asks for them."""

    def __init__(self, executor: ColumnarExecutor, table: Table, cohort: Cohort | None) -> None:
        self.executor, self.table, self.cohort = executor, table, cohort
        self.stars: list[Array] = []
        self.points: list[Array] = []
        self.applicable: list[Array] = []
        self.puts: list[dict[int, tuple[int, int]]] = []
        self.missing: list[tuple[int, ...]] = []
        self.handed = 0

    def put(self, start: int, part: Scored) -> None:
        if not self.stars:
            rows = self.table.rows
            self.stars = [np.empty(rows, dtype=np.int8) for _ in part.leaves]
            self.points = [np.empty(rows, dtype=leaf.points.dtype) for leaf in part.leaves]
            self.applicable = [np.empty(rows, dtype=bool) for _ in part.leaves]
            self.puts = [{} for _ in part.leaves]
        stop = start + part.rows
        for k, leaf in enumerate(part.leaves):
            self.stars[k][start:stop] = leaf.stars
            self.applicable[k][start:stop] = leaf.applicable
            if not np.can_cast(leaf.points.dtype, self.points[k].dtype):  # a chunk of wider points
                self.points[k] = self.points[k].astype(np.result_type(leaf.points.dtype, self.points[k].dtype))
            self.points[k][start:stop] = leaf.points
            self.puts[k].update({start + row: pair for row, pair in leaf.puts.items()})
        self.missing.extend(part.missing)
        self.handed += part.handed

    def scored(self) -> Scored:
        executor, table = self.executor, self.table
        leaves = tuple(Leaf(functools.partial(executor.leaf_values, table, k, self.cohort),
                            self.applicable[k], self.stars[k], self.points[k], self.puts[k])
                       for k in range(len(self.stars)))
        return Scored(executor.plan, table.entities, leaves, self.missing, (), np.arange(table.rows),
                      handed=self.handed)


def refusal(plan: p.ScoringPlan) -> str | None:
    """What in the plan this back-end cannot run, or None."""
    formulas = [site.formula for site in plan.cohort_sites] + [item.formula for item in plan.indicators]
    pending: list[p.Op] = list(formulas)
    while pending:
        op = pending.pop()
        if not isinstance(op, _OPS):
            return f"the formula operation {type(op).__name__}"
        pending.extend(p.operands(op))
    for site in plan.cohort_sites:
        if site.function not in COHORT_FUNCTIONS:
            return f"the cohort function `{site.function.value}`"
    for item in plan.indicators:
        if not isinstance(item.points, _POINTS):
            return f"the points of indicator {item.code} ({type(item.points).__name__})"
    return None


class ColumnarExecutor:
    """A plan prepared for columns; run(batch) keeps the protocol, score(table) is the batch path."""

    def __init__(self, plan: p.ScoringPlan) -> None:
        construct = refusal(plan)
        if construct is not None:
            raise UnsupportedConstruct(f"the columnar back-end does not run {construct}; "
                                       "the python back-end (the default) does")
        self.plan = plan
        self.python = PythonExecutor(plan)  # the rows the columns hand on
        self.keys = tuple(dict.fromkeys(slot.key for slot in plan.slots))
        self.cohort_keys = (ENTITY_KEY, *(plan.slots[k].key for k in sorted(_cohort_slots(plan))))
        self.chunk = CHUNK
        self.wide: set[str] = set()  # leaves whose values left int64 in a batch: estimated at once in later ones

    def run(self, batch: Batch) -> ResultColumns:
        table = Table(len(batch.records), records_columns(batch.records, self.keys), batch.entities)
        return self.score(table).result_columns()

    def score(self, table: Table, keep_going: bool = False, cohort: Cohort | None = None) -> Scored:
        """Score a table; a bad row raises its DataError (the one the per-record back-end raises
        first), or with keep_going is left out, its error kept, and the other rows scored as
        the cohort. `cohort`: the cohort columns, when the cohort spans more than this table
        (see cohort_of); a row then left out stays in that cohort."""
        if cohort is None and table.rows > self.chunk and not self.plan.imputed:
            try:
                return self._chunked(table)
            except DataError:
                if not keep_going:
                    raise  # the first error in the order the per-record path meets them
        return self._whole(table, keep_going, cohort)

    def _chunked(self, table: Table) -> Scored:
        """A large table a chunk of rows at a time (each chunk's columns stay in the CPU's
        caches), the cohort functions taken across all chunks first."""
        starts = range(0, table.rows, self.chunk)
        chunks = [table.between(start, min(start + self.chunk, table.rows)) for start in starts]
        cohort = self.cohort_of(chunks) if self.plan.cohort_sites else None
        gathered = _Gathered(self, table, cohort)
        for start, chunk in zip(starts, chunks):
            sliced = None if cohort is None else cohort_rows(cohort, start, start + chunk.rows)
            gathered.put(start, self._whole(chunk, False, sliced))
        return gathered.scored()

    def leaf_values(self, table: Table, k: int, cohort: Cohort | None) -> Exact:
        """Leaf k's exact values over a table (before the per-record back-end's are put in)."""
        item = self.plan.indicators[k]
        run = _Run(self, table)
        run.read(slots=set(item.reads) | set(p.reads_of(item.formula)))
        value, zero, _ = Formulas(run.values, table.rows, cohort or ()).run(item.formula)
        value = value.where(~zero, Exact.constant(Fraction(0))) if zero.any() else value
        return Exact(rows_of(value.num, table.rows), rows_of(value.den, table.rows))

    def _whole(self, table: Table, keep_going: bool, cohort: Cohort | None) -> Scored:
        kept, errors = np.arange(table.rows), []
        while True:
            part = table if len(kept) == table.rows else table.take(kept)
            run = _Run(self, part)
            failed = run.prepare(cohort)
            if not failed:
                scored, failed = run.score()
            if failed and not keep_going:
                raise min(failed, key=lambda e: e[0])[1]
            errors += [(int(kept[row]), error) for row, error in failed]
            if not failed or (run.scored and (cohort is not None or not self.plan.needs_cohort)):
                break  # the rows left are independent of those left out: no second run
            kept = np.delete(kept, [row for row, _ in failed])
        if not failed and not errors:
            return scored
        good = np.setdiff1d(np.arange(part.rows), [row for row, _ in failed])
        scored = scored if len(good) == part.rows else scored.take(good)
        return attrs.evolve(scored, kept=kept[good], errors=tuple(sorted(errors, key=lambda e: e[0])))

    def cohort_of(self, tables: Iterable[Table]) -> Cohort:
        """The cohort columns of tables scored as one cohort (read a part at a time): each
        part's arguments, then each function across all of them. Raises the first error."""
        return self.cohort_across([self.cohort_arguments(table) for table in tables])

    def cohort_arguments(self, table: Table) -> list[tuple[Exact, Array]]:
        """One part's cohort arguments, per site its value per row and the rows that have one
        (cohort_of's first pass, which a cluster runs where each part lives)."""
        if self.plan.imputed:
            raise UnsupportedConstruct("the columnar back-end fills in missing values from the cohort only "
                                       "for a cohort in one table; the python back-end streams it")
        run = _Run(self, table)
        run.read(cohort_only=True)
        found, failed = run.arguments()
        if failed:
            raise min(failed, key=lambda e: e[0])[1]
        return [(Exact(rows_of(value.num, table.rows), rows_of(value.den, table.rows)), present)
                for value, present in found]  # a constant made one a row, to concatenate

    def cohort_across(self, parts: Sequence[list[tuple[Exact, Array]]]) -> Cohort:
        """Each cohort function across the parts' arguments, in the parts' order."""
        joined = [(Exact(*(np.concatenate([wide_if(part[k][0], parts, k, side) for part in parts])
                           for side in ("num", "den"))), np.concatenate([part[k][1] for part in parts]))
                  for k in range(len(self.plan.cohort_sites))]
        return tuple(across(site.function, value, present)
                     for site, (value, present) in zip(self.plan.cohort_sites, joined))


def _at(array: Array, row: int) -> int:
    return int(array[row] if array.ndim else array)


def _rows(value: Exact, rows: Array) -> Exact:
    return Exact(*(a[rows] if a.ndim else a for a in (value.num, value.den)))


def cohort_rows(cohort: Cohort, start: int, stop: int) -> Cohort:
    """The cohort columns of rows start to stop."""
    return tuple((Exact(rows_of(value.num, len(present))[start:stop], rows_of(value.den, len(present))[start:stop]),
                  present[start:stop]) for value, present in cohort)


def wide_if(value: Exact, parts: Sequence[list[tuple[Exact, Array]]], k: int, side: str) -> Array:
    """One part's column, as Python ints when any part's is, so the parts concatenate exactly."""
    array = getattr(value, side)
    return wide(array) if any(getattr(part[k][0], side).dtype == object for part in parts) else array


def _cohort_slots(plan: p.ScoringPlan) -> set[int]:
    """The slots the cohort pass reads: the cohort functions' arguments, their wholes, and the
    `not applicable` inputs of the indicators calling them (as the per-record cohort_args)."""
    callers = [item for item in plan.indicators if item.code in {s.indicator for s in plan.cohort_sites}]
    found = set(plan.cohort_reads) | {k for item in callers for k in item.reads
                                      if plan.slots[k].missing is MissingPolicy.NOT_APPLICABLE}
    return found | {plan.slots[k].whole for k in found if plan.slots[k].whole is not None}  # type: ignore[misc]


class _Run:
    """One attempt at a table: imputation, cohort arguments, cohort columns, leaves."""

    def __init__(self, executor: ColumnarExecutor, table: Table) -> None:
        self.plan = executor.plan
        self.python = executor.python
        self.table = table
        self.rows = table.rows
        self.reads: dict[int, Read] = {}
        self.values: dict[int, Exact] = {}
        self.unavailable: dict[int, Array] = {}  # slot -> rows where `not applicable` made it absent
        self.handed = np.zeros(self.rows, dtype=bool)  # rows the per-record back-end scores
        self.imputed: tuple[Any, ...] = ()
        self.cohort: Cohort = ()
        self.python_missing: dict[int, tuple[int, ...]] = {}
        self.scored = False  # whether the leaves were scored (else it failed before them)
        self.floats: dict[int, tuple[Array, Array]] = {}  # inputs as floats, for every leaf's estimates
        self.wide = executor.wide

    def prepare(self, cohort: Cohort | None) -> list[tuple[int, DataError]]:
        """Read, fill in, and compare across the cohort; the rows that fail doing so."""
        self.read()
        failed = self._impute()
        if failed:
            return failed
        if cohort is not None:
            self.cohort = cohort
            self.arguments()  # hands on the rows whose arguments the per-record path decides
            return []
        found, failed = self.arguments()
        self.cohort = tuple(across(site.function, value, present)
                            for site, (value, present) in zip(self.plan.cohort_sites, found))
        return failed

    def score(self) -> tuple[Scored, list[tuple[int, DataError]]]:
        self.scored = True
        leaves = [self._leaf(item, self.cohort) for item in self.plan.indicators]
        failed = self._hand_on(leaves, self.cohort)
        return Scored(self.plan, self.table.entities, tuple(leaves), self._missing(), self.imputed,
                      np.arange(self.rows), handed=int(self.handed.sum())), failed

    # ------------------------------------------------------------ inputs
    def read(self, cohort_only: bool = False, slots: set[int] | None = None) -> None:
        """Read the slots; `cohort_only`: those the cohort functions' arguments read (and the
        not-applicable inputs of their callers), as the per-record path's cohort_args does;
        `slots`: only those (a leaf's values computed again)."""
        plan = self.plan
        read_slots = set(plan.main_reads) | set(plan.cohort_reads)
        needed = read_slots | set(plan.unread)
        if slots is not None:
            read_slots, needed = read_slots & slots, slots
        elif cohort_only:
            read_slots, needed = set(plan.cohort_reads), _cohort_slots(plan)
        needed |= {plan.slots[k].whole for k in needed if plan.slots[k].whole is not None}  # type: ignore[misc]
        for k in sorted(needed):
            slot = plan.slots[k]
            self.reads[k] = got = read(slot, self.table.columns.get(slot.key), self.rows)
            value = got.value
            if k in read_slots:
                self.handed |= got.irregular
                if slot.tolerant or slot.missing not in _FILLED:
                    self.handed |= got.absent  # an error, or a value the per-record path fills in
                elif slot.missing is MissingPolicy.NOT_APPLICABLE:
                    self.unavailable[k] = got.absent
                value = value.where(~got.absent, Exact.constant(Fraction(0)))
            elif k in plan.unread:
                self.handed |= got.irregular
            elif slot.missing is MissingPolicy.NOT_APPLICABLE:  # a caller's, for the cohort pass
                self.unavailable[k] = got.absent
            self.values[k] = value
        for k in needed:
            self._check_part(k, k in read_slots)

    def _check_part(self, k: int, read_here: bool) -> None:
        """A part above its whole is bad data: those rows are handed on, to raise it."""
        whole = self.plan.slots[k].whole
        if whole is None:
            return
        exceeds = above(self.values[k], self.values[whole])
        if not exceeds.any():
            return
        part_read, whole_read = self.reads[k], self.reads[whole]
        filled = read_here and self.plan.slots[k].missing is MissingPolicy.ZERO
        given = (~part_read.absent | filled) & ~whole_read.absent | (whole_read.absent & filled)
        self.handed |= given & exceeds

    def _impute(self) -> list[tuple[int, DataError]]:
        if not self.plan.imputed:
            return []
        keys = [self.plan.slots[k].key for k in self.plan.imputed]
        columns = [self.table.columns.get(key) for key in keys]
        records = [{key: c.raw(row) for key, c in zip(keys, columns) if c is not None} for row in range(self.rows)]
        try:
            self.imputed = imputed_values(self.plan, records, self.table.entities)
        except DataError as error:
            return [(list(self.table.entities).index(error.entity) if error.entity is not None else 0, error)]
        return []

    # ------------------------------------------------------------ cohorts
    def arguments(self) -> tuple[list[tuple[Exact, Array]], list[tuple[int, DataError]]]:
        """Each cohort site's argument per row (and whether it has one), and the rows failing."""
        formulas = Formulas(self.values, self.rows)
        found = []
        for site in self.plan.cohort_sites:
            caller = next(item for item in self.plan.indicators if item.code == site.indicator)
            own = p.reads_of(site.formula)
            value, zero, bad = formulas.run(site.formula)
            left_out = self._absent(own)
            zero &= ~left_out
            if site.zero_policy is ZeroPolicy.ERROR:
                # a zero is an error unless the caller misses an input its argument does not read
                self.handed |= zero & ~self._absent([k for k in caller.reads if k not in own])
            self.handed |= bad & ~left_out
            found.append((value, ~left_out & ~zero))
        if not self.plan.cohort_sites:
            return [], []
        return found, self._hand_on_cohort(found)

    def _hand_on_cohort(self, found: list[tuple[Exact, Array]]) -> list[tuple[int, DataError]]:
        """The handed-on rows' cohort arguments, from the per-record path, put in the columns."""
        failed: list[tuple[int, DataError]] = []
        if not self.handed.any():
            return failed
        columns = [[rows_of(value.num, self.rows).copy(), rows_of(value.den, self.rows).copy(), present.copy()]
                   for value, present in found]  # copies: an argument may be the caller's own column
        for row in np.flatnonzero(self.handed).tolist():
            try:
                args = self.python._cohort_args(self.table.record(row), self.table.entities[row], self.imputed)
            except DataError as error:
                failed.append((row, error))
                continue
            for column, arg in zip(columns, args):
                num, den = arg or (0, 1)
                column[0], column[1] = _put(column[0], row, num), _put(column[1], row, den)
                column[2][row] = arg is not None
        found[:] = [(Exact(num, den), present) for num, den, present in columns]
        return failed

    def _absent(self, slots: Sequence[int]) -> Array:
        """Rows where one of the slots is missing under `when missing: not applicable`."""
        found = np.zeros(self.rows, dtype=bool)
        for k in slots:
            if k in self.unavailable:
                found |= self.unavailable[k]
        return found

    # ------------------------------------------------------------ leaves
    def _leaf(self, item: p.IndicatorPlan, cohort: Cohort) -> Leaf:
        unavailable = self._absent(item.reads)
        found = None
        if not self._estimable(item):
            found = self._exact(item, cohort, narrow=False)
        elif item.code not in self.wide:
            try:  # int64 all the way, or the floats below: Python ints are far slower than both
                found = self._exact(item, cohort, narrow=True)
            except Overflow:
                self.wide.add(item.code)  # the other chunks of the table take the floats at once
        value, zero, bad, marks = found or self._estimate(item, cohort, unavailable)
        some_unavailable = bool(unavailable.any())
        if some_unavailable:
            zero, bad = zero & ~unavailable, bad & ~unavailable
        self.handed |= bad
        if item.zero_policy is ZeroPolicy.ERROR:
            self.handed |= zero
        elif item.zero_policy is ZeroPolicy.NOT_APPLICABLE and zero.any():
            unavailable, some_unavailable = unavailable | zero, True
        nothing = Exact.constant(Fraction(0))
        if isinstance(value, Exact):
            value = Exact(rows_of(value.num, self.rows), rows_of(value.den, self.rows))
            points = self._points(item, value, marks)
        else:
            assert item.banding is not None
            marks[zero] = stars(item.banding, nothing, 1)[0]
            points = self._points(item, nothing, marks)
        if some_unavailable:
            marks[unavailable] = -1
            points[unavailable] = 0 if item.scaled else Fraction(0)
        return Leaf(value, ~unavailable, marks, points)

    def _exact(self, item: p.IndicatorPlan, cohort: Cohort, narrow: bool) -> tuple[Exact, Array, Array, Array]:
        """A leaf's exact values (0 under a zero denominator), the rows with a zero denominator
        and those to hand on, and its stars; `narrow`: in int64 only, else Overflow."""
        value, zero, bad = Formulas(self.values, self.rows, cohort, narrow).run(item.formula)
        if zero.any():  # under `zero`, the value is 0 (under the other policies it is not used)
            value = value.where(~zero, Exact.constant(Fraction(0)))
        if item.banding is None:
            return value, zero, bad, np.full(self.rows, -1, dtype=np.int8)
        return value, zero, bad, stars(item.banding, value, self.rows, narrow)

    @staticmethod
    def _estimable(item: p.IndicatorPlan) -> bool:
        """Star points of a banded value: decided by stars alone, so floats may decide them."""
        return item.banding is not None and isinstance(item.points, p.StarPoints)

    def _estimate(self, item: p.IndicatorPlan, cohort: Cohort,
                  unavailable: Array) -> tuple[Callable[[], Exact], Array, Array, Array]:
        """Stars from floats, every row near a threshold (or a zero, or a part near its whole)
        decided again exactly; the exact values are computed when asked for."""
        assert item.banding is not None
        estimates = Estimates(self.values, self.rows, cohort, self.floats)
        value, error = estimates.run(item.formula)
        marks, unsure = estimated_stars(item.banding, value, error)
        unsure = (unsure | estimates.unsure) & ~unavailable
        zero, bad = estimates.zero & ~unsure, estimates.bad & ~unsure
        rows = np.flatnonzero(unsure)
        if len(rows):
            sub_values = {k: _rows(v, rows) for k, v in self.values.items()}
            sub_cohort = tuple((_rows(v, rows), present[rows]) for v, present in cohort)
            exact, sub_zero, sub_bad = Formulas(sub_values, len(rows), sub_cohort).run(item.formula)
            exact = exact.where(~sub_zero, Exact.constant(Fraction(0)))
            marks[rows] = stars(item.banding, exact, len(rows))
            zero[rows], bad[rows] = sub_zero, sub_bad

        def values() -> Exact:
            found, found_zero, _ = Formulas(self.values, self.rows, cohort).run(item.formula)
            found = found.where(~found_zero, Exact.constant(Fraction(0)))
            return Exact(rows_of(found.num, self.rows), rows_of(found.den, self.rows))
        return values, zero, bad, marks

    def _points(self, item: p.IndicatorPlan, value: Exact, marks: Array) -> Array:
        scale, points = self.plan.points_scale, item.points
        if isinstance(points, p.StarPoints):
            return rows_of(np.take(scaled_table(points.table, scale), marks, mode="clip"), self.rows)
        if isinstance(points, p.TablePoints):
            return rows_of(table_points(points, value, scale, self.rows), self.rows)
        if isinstance(points, p.DeductionPoints) and item.scaled:
            self.handed |= np.asarray(value.den != 1)  # the per-record path reads a whole value
            return deduction(points, value, scale, self.rows)
        return exact_points(item, value, self.rows)

    def _hand_on(self, leaves: list[Leaf], cohort: tuple[tuple[Exact, Array], ...]) -> list[tuple[int, DataError]]:
        """Score the handed-on rows record by record, and put their figures in the columns."""
        failed = []
        for row in np.flatnonzero(self.handed).tolist():
            values = tuple((_at(value.num, row), _at(value.den, row)) if present[row] else None
                           for value, present in cohort)
            try:
                figures = self.python.figures(self.table.record(row), self.table.entities[row], values,
                                              self.imputed)
            except DataError as error:
                failed.append((row, error))
                continue
            for leaf, value, star, point in zip(leaves, *figures[:3]):
                leaf.put(row, value, star, point)
            self.python_missing[row] = figures[3]
        return failed

    def _missing(self) -> Sequence[tuple[int, ...]]:
        """Per row, the slots filled in or made not applicable, in the order the code reads them."""
        if not self.plan.tracks_missing:
            return [()] * self.rows
        columns = [(k, self.reads[k].absent) for k in self.plan.main_reads
                   if self.plan.slots[k].missing is not MissingPolicy.ERROR]
        found: list[tuple[int, ...]] = [()] * self.rows
        for row in np.flatnonzero(np.any([c for _, c in columns], axis=0) if columns else []).tolist():
            found[row] = tuple(k for k, absent in columns if absent[row])
        for row, missing in self.python_missing.items():
            found[row] = missing
        return found

