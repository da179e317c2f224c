"""A table scored a partition at a time where each partition lives, by the columnar back-end.

Spark (`distributed/spark.py`) and Dask (`distributed/dask.py`) hand each partition, as Arrow
batches or a pandas frame, to `score_part`, which a worker runs on a standard rebuilt from its
pickle (`Shipped`). Cohort functions and imputation from the cohort compare entities, so a
distributed table says which entities a row is compared with (`cohort=`):

- "global": the whole table, exactly. A first pass computes each row's cohort arguments where it
  lives (`arguments_part`); the driver gathers them and applies each function across all of
  them by the columnar back-end's one rule (`gather`); the scoring pass then reads each row's
  cohort values by its entity (`GlobalCohort.take`). Imputation from the cohort has no such
  first pass on the batch path: asking for it globally is refused (`UnsupportedConstruct`).
- "partition": each partition is a cohort of its own, as if scored alone by evaluate_cohort.

A row that cannot be scored carries its error in the error columns instead of raising inside a
worker (a worker's traceback is never ours); `raise_first` raises the first one, in the table's
order, on the driver. Rows compared with one another (a partition cohort) are refused together,
as evaluate_cohort refuses its cohort; independent rows (no cohort function, or a global cohort
already taken) are refused one by one.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterable, Iterator, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import attrs

from ..language import errors
from ..language.check import ENTITY_KEY
from ..language.errors import DataError, UnsupportedConstruct
from ..language.numbers import fmt, fmt_ratio

if TYPE_CHECKING:
    import pyarrow as pa

    from ..backends.columnar.executor import Cohort
    from ..results.table import TableResult
    from ..standard import Standard

COHORT_MODES = ("global", "partition")
ERROR_COLUMNS = ("error", "error_kind", "error_entity", "error_indicator", "error_input")
_BUILT: dict[str, Standard] = {}  # per worker process: each shipped standard compiled once


class Shipped:
    """A standard as its pickle (its checked tree, never code), compiled once per process."""

    def __init__(self, standard: Standard) -> None:
        self.blob = pickle.dumps(standard)
        self.key = hashlib.sha256(self.blob).hexdigest()

    def standard(self) -> Standard:
        found = _BUILT.get(self.key)
        if found is None:
            found = _BUILT[self.key] = pickle.loads(self.blob)  # our own pickle of a checked tree
        return found


def needs_pass(standard: Standard, cohort: str, columns: Sequence[str]) -> bool:
    """Whether `cohort` asks for a first pass over the whole table. Refuses, on the driver before any
    row is read, what cannot be honoured, and a table whose columns the standard does not read."""
    if ENTITY_KEY not in columns:
        raise errors.UnknownInput(f"the table has no `{ENTITY_KEY}` column naming each entity: rows of a "
                                  "distributed table are told apart by entity, not by their place")
    if cohort not in COHORT_MODES:
        raise UnsupportedConstruct(f"cohort={cohort!r}: say 'global' (the whole table) or 'partition'")
    if standard.entity_types:
        raise UnsupportedConstruct("the standard differs by entity type: score each type's rows with "
                                   "standard.variant(type)")
    standard._compiled._columnar()  # refuses a construct the columnar back-end does not run
    standard._compiled._check_keys(dict.fromkeys(columns), None)
    plan = standard.plan
    if cohort == "partition" or not standard.needs_cohort:
        return False
    if plan.imputed:
        keys = ", ".join(plan.slots[k].key for k in plan.imputed)
        raise UnsupportedConstruct(
            f"the standard fills in missing values from the cohort ({keys}), which the batch path computes "
            "only within a partition: ask cohort='partition', or score the table with its SQL, whose "
            "window functions take the whole table")
    return True


# ------------------------------------------------------------------ the cohort's first pass
def argument_schema(standard: Standard) -> pa.Schema:
    """Each row's entity and, per cohort site, its argument as exact text and whether it has one."""
    import pyarrow as pa

    fields = [pa.field(ENTITY_KEY, pa.string()), *_error_fields()]
    for k in range(len(standard.plan.cohort_sites)):
        fields += [pa.field(f"site{k}_num", pa.string()), pa.field(f"site{k}_den", pa.string()),
                   pa.field(f"site{k}_present", pa.bool_())]
    return pa.schema(fields)


def arguments_part(shipped: Shipped, batches: Iterable[Any]) -> Iterator[pa.RecordBatch]:
    """The first pass over one partition: its rows' cohort arguments, or the error of the first
    row that has none (then nothing more of the partition)."""
    import pyarrow as pa

    standard = shipped.standard()
    schema = argument_schema(standard)
    compiled = standard._compiled
    executor = compiled._columnar()
    seen: set[str] = set()
    for batch in batches:
        try:
            table = compiled._table(_refuse_unnamed(_arrow(batch)), seen)
            found = executor.cohort_arguments(table)
        except DataError as error:
            yield pa.RecordBatch.from_pylist([{ENTITY_KEY: error.entity, **_error_cells(error)}], schema=schema)
            return
        columns: dict[str, Any] = {ENTITY_KEY: list(table.entities)}
        for k, (value, present) in enumerate(found):
            columns[f"site{k}_num"] = _texts(value.num, table.rows)
            columns[f"site{k}_den"] = _texts(value.den, table.rows)
            columns[f"site{k}_present"] = present
        yield pa.RecordBatch.from_pydict(columns | dict.fromkeys(ERROR_COLUMNS, [None] * table.rows), schema=schema)


@attrs.frozen
class GlobalCohort:
    """The cohort functions' values over the whole table, and each entity's row in them."""

    cohort: Cohort
    rows: dict[str, int]

    def take(self, entities: Sequence[str]) -> Cohort:
        """The cohort values of these entities' rows, in their order."""
        import numpy as np

        from ..backends.columnar.exact import Exact
        from ..backends.columnar.formulas import rows_of

        try:
            picked = np.array([self.rows[e] for e in entities], dtype=np.int64)
        except KeyError as unknown:
            raise DataError("the entity was not in the table when its cohort was taken: the table must give "
                            "the same rows each time it is read", entity=str(unknown.args[0])) from None
        total = len(self.rows)
        return tuple((Exact(rows_of(value.num, total)[picked], rows_of(value.den, total)[picked]), present[picked])
                     for value, present in self.cohort)


def gather(standard: Standard, arguments: pa.Table) -> GlobalCohort:
    """The first pass's rows, in the table's order, as the whole table's cohort; raises the first
    error, and an entity named twice, as evaluate_cohort does."""
    import numpy as np

    from ..backends.columnar.exact import Exact

    raise_first(arguments)
    entities = arguments.column(ENTITY_KEY).to_pylist()
    rows = dict(zip(entities, range(len(entities))))
    if len(rows) != len(entities):
        seen: set[str] = set()
        twice = next(e for e in entities if e in seen or seen.add(e))  # type: ignore[func-returns-value]
        raise DataError(f"entity {twice!r} appears twice in the cohort", entity=twice)
    parts = []
    for k in range(len(standard.plan.cohort_sites)):
        value = Exact(_ints(arguments.column(f"site{k}_num").to_pylist()),
                      _ints(arguments.column(f"site{k}_den").to_pylist()))
        parts.append((value, np.asarray(arguments.column(f"site{k}_present").to_numpy(zero_copy_only=False), bool)))
    executor = standard._compiled._columnar()
    return GlobalCohort(executor.cohort_across([parts]), rows)


def _texts(array: Any, rows: int) -> list[str]:
    from ..backends.columnar.formulas import rows_of

    return [str(v) for v in rows_of(array, rows).tolist()]


def _ints(texts: list[str]) -> Any:
    import numpy as np

    values = [int(t) for t in texts]
    narrow = not values or max(abs(v) for v in values) < 2**62
    return np.array(values, dtype=np.int64 if narrow else object)


# ------------------------------------------------------------------ the scoring pass
def result_schema(standard: Standard, values: bool = False) -> pa.Schema:
    """The scores' columns: entity, total and rating, then per leaf its stars and points (and with
    `values` its exact value), then the error columns. Exact numbers are text (`466/5`, `93.2`)."""
    import pyarrow as pa

    plan = standard.plan
    fields = [pa.field(ENTITY_KEY, pa.string()), pa.field("total", pa.string())]
    if plan.levels is not None:
        fields.append(pa.field("rating", pa.int8()))
    for item in plan.indicators:
        fields += [pa.field(f"{item.code} value", pa.string())] if values else []
        fields += [pa.field(f"{item.code} stars", pa.int8()), pa.field(f"{item.code} points", pa.string())]
    return pa.schema([*fields, *_error_fields()])


def score_part(shipped: Shipped, batches: Iterable[Any], cohort: GlobalCohort | None, whole: bool,
               values: bool = False) -> Iterator[pa.RecordBatch]:
    """The scoring pass over one partition. `whole`: the partition is its own cohort, scored as one
    table; else each batch is scored alone, with `cohort`'s values when the standard compares."""
    import pyarrow as pa

    standard = shipped.standard()
    schema = result_schema(standard, values)
    if whole:
        tables = [pa.Table.from_batches([b]) if isinstance(b, pa.RecordBatch) else _arrow(b) for b in batches]
        if tables:
            yield from _scored(standard, pa.concat_tables(tables), schema, None, strict=True)
        return
    for batch in batches:
        yield from _scored(standard, batch, schema, cohort, strict=False)


def _scored(standard: Standard, data: Any, schema: pa.Schema, cohort: GlobalCohort | None,
            strict: bool) -> Iterator[pa.RecordBatch]:
    compiled = standard._compiled
    named = _arrow(data)
    if not len(named):
        yield from schema.empty_table().to_batches()
        return
    try:
        table = compiled._table(_refuse_unnamed(named), None)
        taken = None if cohort is None or not standard.plan.cohort_sites else cohort.take(table.entities)
        result = compiled._result(compiled._columnar().score(table, not strict, taken))
    except DataError as error:  # the cohort refused as a whole: every row carries its error
        yield _refused([str(e) for e in named.column(ENTITY_KEY).to_pylist()], error, schema)
        return
    yield from _rows(result, table.entities, schema)


def _rows(result: TableResult, entities: Sequence[str], schema: pa.Schema) -> Iterator[pa.RecordBatch]:
    """The result in the table's row order: a scored row's figures, a left-out row's error."""
    import numpy as np
    import pyarrow as pa

    columns = _figures(result, schema)
    kept = result.kept.tolist()
    scored = pa.Table.from_pydict(columns | dict.fromkeys(ERROR_COLUMNS, [None] * len(kept)), schema=schema)
    if result.errors:
        failed = pa.Table.from_pylist([{ENTITY_KEY: entities[row], **_error_cells(error)}
                                       for row, error in result.errors], schema=schema)
        places = np.argsort(np.array(kept + [row for row, _ in result.errors]), kind="stable")
        scored = pa.concat_tables([scored, failed]).take(pa.array(places))
    yield from scored.to_batches()


def _figures(result: TableResult, schema: pa.Schema) -> dict[str, Any]:
    import pyarrow as pa

    plan = result.plan
    columns: dict[str, Any] = {ENTITY_KEY: list(result.entities), "total": _point_texts(result, 0)}
    if result.rating is not None:
        columns["rating"] = pa.array(result.rating, pa.int8())
    leaf_nodes = {node.leaf: n for n, node in enumerate(plan.nodes) if node.leaf is not None}
    for k, item in enumerate(plan.indicators):
        if f"{item.code} value" in schema.names:
            leaf = result.scored.leaves[k]
            columns[f"{item.code} value"] = _value_texts(leaf, result.scored.rows)
        stars = result.stars(k)
        columns[f"{item.code} stars"] = pa.array(stars, pa.int8(), mask=stars < 0)
        columns[f"{item.code} points"] = _point_texts(result, leaf_nodes[k])
    return columns


def _point_texts(result: TableResult, n: int) -> Any:
    """Node n's points as exact text, each distinct number formatted once: from the scaled ints
    where the node has them (a few distinct values over many rows), else from its Fractions."""
    import numpy as np

    ints = result._nodes[0][n]
    if ints is None or ints.dtype == object:
        cache: dict[Fraction, str] = {}
        return [cache[v] if v in cache else cache.setdefault(v, fmt(v)) for v in result.node_points(n).tolist()]
    import pyarrow as pa

    distinct, inverse = np.unique(ints, return_inverse=True)
    scale = result.plan.points_scale
    return pa.array([fmt_ratio(int(v), scale) for v in distinct.tolist()], pa.string()).take(pa.array(inverse))


def _value_texts(leaf: Any, rows: int) -> list[str | None]:
    from ..backends.columnar.formulas import rows_of

    nums, dens = rows_of(leaf.num, rows).tolist(), rows_of(leaf.den, rows).tolist()
    applicable = rows_of(leaf.applicable, rows).tolist()
    return [fmt_ratio(int(n), int(d)) if ok else None for n, d, ok in zip(nums, dens, applicable)]


def _arrow(data: Any) -> Any:
    """A partition's batch (Arrow, or pandas from Dask) as Arrow."""
    import pyarrow as pa

    return data if isinstance(data, (pa.RecordBatch, pa.Table)) else pa.Table.from_pandas(data, preserve_index=False)


def _refuse_unnamed(table: Any) -> Any:
    """Refuses a row without an entity name: a name made up from its place in one partition could
    be another partition's name too."""
    entities = table.column(ENTITY_KEY)
    if entities.null_count:
        raise errors.MissingInput("a row has no entity name; every row of a distributed table needs one",
                                  input=ENTITY_KEY)
    return table


# ------------------------------------------------------------------ errors
def _error_fields() -> list[Any]:
    import pyarrow as pa

    return [pa.field(name, pa.string()) for name in ERROR_COLUMNS]


def _error_cells(error: DataError) -> dict[str, str | None]:
    return {"error": error.reason, "error_kind": type(error).__name__, "error_entity": error.entity,
            "error_indicator": error.indicator, "error_input": error.input}


def _refused(entities: list[str], error: DataError, schema: pa.Schema) -> pa.RecordBatch:
    import pyarrow as pa

    rows = [{ENTITY_KEY: entity, **_error_cells(error)} for entity in entities]
    return pa.RecordBatch.from_pylist(rows, schema=schema)


def error_of(row: dict[str, Any]) -> DataError:
    """The DataError an error row carries, of the kind the worker raised."""
    kind = getattr(errors, str(row["error_kind"]), DataError)
    kind = kind if isinstance(kind, type) and issubclass(kind, DataError) else DataError
    return kind(str(row["error"]), entity=row["error_entity"], indicator=row["error_indicator"],
                input=row["error_input"])


def raise_first(table: pa.Table) -> None:
    """Raise the first row's error, in the table's order, if any row has one."""
    import pyarrow.compute as pc

    if "error_kind" not in table.schema.names:
        raise errors.NotFound("the scores have no `error_kind` column: keep the error columns when selecting, "
                              "so that a refused row is never taken for a scored one")
    if not len(table):
        return
    failed = pc.indices_nonzero(pc.is_valid(table.column("error_kind"))).to_pylist()
    if failed:
        raise error_of(table.slice(failed[0], 1).to_pylist()[0])
