"""Builds the generated code in a fresh namespace and runs it, record by record."""

from __future__ import annotations

import itertools
import linecache
import operator
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

from ...plan import semantics
from ...plan.scoring import ScoringPlan
from ..protocol import Batch, Pair, Record, ResultColumns
from .codegen import Program, generate

Row = tuple[Any, ...]  # every stars, every points, the missing slots, numerator, denominator, ..., (exact values)
_NAMES = itertools.count(1)
_BUILTINS = {"min": min, "max": max, "type": type, "int": int, "KeyError": KeyError}


class Pairs(Sequence[Pair | None]):
    """A column of exact values, read from the rows (numerator at `at`, denominator at `at + 1`;
    None for not applicable) when a caller first reads it: a run leaves no tuple per value for the
    collector to walk, and a caller that wants totals never transposes them."""

    __slots__ = ("_at", "_dens", "_nums", "_rows")

    def __init__(self, rows: Sequence[tuple[Any, ...]], at: int) -> None:
        self._rows, self._at = rows, at
        self._nums: list[int | None] | None = None
        self._dens: list[Any] = []  # an int wherever the numerator is

    def parts(self) -> tuple[list[int | None], list[Any]]:
        """The numerators (None for not applicable) and the denominators, as two lists: for a
        writer that reads every row, without a pair per value."""
        return self._columns()

    def _columns(self) -> tuple[list[int | None], list[Any]]:
        if self._nums is None:  # two threads may both build it: the same lists, no harm
            self._dens = list(map(operator.itemgetter(self._at + 1), self._rows))
            self._nums = list(map(operator.itemgetter(self._at), self._rows))
        return self._nums, self._dens

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, row: int) -> Pair | None: ...

    @overload
    def __getitem__(self, row: slice) -> Sequence[Pair | None]: ...

    def __getitem__(self, row: int | slice) -> Pair | Sequence[Pair | None] | None:
        if isinstance(row, slice):
            return Pairs(self._rows[row], self._at)
        nums = self._nums
        if nums is None:
            nums = self._columns()[0]
        num = nums[row]
        return None if num is None else (num, self._dens[row])

    def __iter__(self) -> Iterator[Pair | None]:
        return map(_pair, *self._columns())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __hash__(self) -> int:
        return hash(tuple(self))


def _column(rows: Sequence[Row], at: int) -> list[Any]:
    return list(map(operator.itemgetter(at), rows))


def _pair(num: int | None, den: int) -> Pair | None:
    return None if num is None else (num, den)


class PythonBackend:
    """The per-record back-end: straight-line Python generated from the plan."""

    name = "python"

    def prepare(self, plan: ScoringPlan) -> PythonExecutor:
        return PythonExecutor(plan)


class PythonExecutor:
    def __init__(self, plan: ScoringPlan) -> None:
        self.plan = plan
        self.program: Program = generate(plan)
        namespace: dict[str, Any] = {"__builtins__": dict(_BUILTINS)}
        namespace.update(semantics.EXPORTS)
        namespace.update(self.program.constants)
        # A name of its own, and the source in linecache, so a traceback through the generated
        # code shows its lines; indicator_at() traces a line back to the standard.
        self.filename = f"<generated evaluator {next(_NAMES)}>"
        linecache.cache[self.filename] = (len(self.program.source), None,
                                          self.program.source.splitlines(keepends=True), self.filename)
        weakref.finalize(self, linecache.cache.pop, self.filename, None)  # a service loads many standards
        code = compile(self.program.source, self.filename, "exec")
        exec(code, namespace)  # source generated from the checked plan only; see codegen.py
        self._evaluate: Callable[[Record, str, tuple[Any, ...], tuple[Any, ...]], Row] = namespace["evaluate"]
        self._cohort_args: Callable[[Record, str, tuple[Any, ...]], tuple[Any, ...]] = namespace["cohort_args"]

    def indicator_at(self, line: int) -> str | None:
        """The code of the indicator whose code is at a line of the generated source."""
        origins = self.program.origins
        return origins[line - 1] if 0 < line <= len(origins) else None

    def run(self, batch: Batch) -> ResultColumns:
        evaluate = self._evaluate
        imputed = semantics.imputed_values(self.plan, batch.records, batch.entities)
        cohort = self._cohort_values(batch, imputed)
        rows = [evaluate(record, entity, values, imputed)
                for record, entity, values in zip(batch.records, batch.entities, cohort)]
        width = len(self.plan.indicators)
        if not rows:
            return ResultColumns(((),) * width, ((),) * width, ((),) * width, 0)
        # Each row is flat (stars, points, missing, numerator and denominator of each value, the
        # irrational leaves' exact values if any): stars, points and missing are taken out a column
        # at a time, by one pass in C each; the values' columns are made when first read.
        stars = tuple(_column(rows, k) for k in range(width))
        points = tuple(_column(rows, width + k) for k in range(width))
        missing = _column(rows, 2 * width)
        values = tuple(Pairs(rows, 2 * width + 1 + 2 * k) for k in range(width))
        irrational = [k for k, item in enumerate(self.plan.indicators) if item.irrational]
        exact = dict(zip(irrational, zip(*map(operator.itemgetter(4 * width + 1), rows)))) if irrational else {}
        return ResultColumns(values, stars, points, len(rows), missing, imputed, exact)

    def figures(self, record: Record, entity: str, cohort: tuple[Any, ...], imputed: tuple[Any, ...]
                ) -> tuple[list[Pair | None], Row, Row, tuple[int, ...]]:
        """One record's values, stars, points and missing slots, out of the flat row `run` zips:
        for a back-end that hands a row on to this one (the columnar back-end's irregular rows)."""
        width = len(self.plan.indicators)
        row = self._evaluate(record, entity, cohort, imputed)
        at = 2 * width + 1
        values = [None if row[at + 2 * k] is None else (row[at + 2 * k], row[at + 2 * k + 1]) for k in range(width)]
        return values, row[:width], row[width:2 * width], tuple(row[2 * width])

    def _cohort_values(self, batch: Batch, imputed: tuple[Any, ...]) -> Sequence[tuple[Any, ...]]:
        sites = self.plan.cohort_sites
        if not sites:
            return [()] * len(batch.records)
        args = [self._cohort_args(record, entity, imputed) for record, entity in zip(batch.records, batch.entities)]
        columns: list[list[Pair | None]] = [
            semantics.cohort_column(site.function, [a[index] for a in args]) for index, site in enumerate(sites)]
        return list(zip(*columns))
