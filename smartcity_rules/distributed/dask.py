"""Scoring a Dask DataFrame where it lives: the columnar back-end in each partition (map_partitions).

The same passes as on Spark (distributed/partitions.py): a global cohort's arguments computed per
partition and gathered, then each partition scored. Partitions come as pandas frames; their
results go back as Arrow-backed columns, so stars stay integers with nulls and exact numbers text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..language.errors import MissingExtra
from .partitions import GlobalCohort, Shipped, argument_schema, arguments_part, gather, needs_pass, raise_first
from .partitions import score_part as _score_part

if TYPE_CHECKING:
    import pyarrow as pa

    from ..standard import Standard


def _pandas() -> Any:
    try:
        import dask.dataframe  # noqa: F401
        import pandas
        import pyarrow  # noqa: F401
    except ImportError:
        raise MissingExtra("scoring a Dask DataFrame needs dask[dataframe], pandas and pyarrow: "
                           "pip install 'smartcity_rules[dask]'", extra="dask") from None
    return pandas


def score_frame(standard: Standard, frame: Any, *, cohort: str = "global", values: bool = False) -> Any:
    """The scores of every row of `frame` as a Dask DataFrame (the columns of smartcity_rules.spark's
    score_frame). `cohort`: "global" compares each entity with the whole frame (a first pass,
    computed now), "partition" with the entities of its own partition."""
    pd = _pandas()
    from .partitions import result_schema

    shipped = Shipped(standard)
    gathered = None
    if needs_pass(standard, cohort, list(frame.columns)):
        gathered = _gathered(standard, shipped, frame)
    whole = cohort == "partition" and standard.needs_cohort
    meta = _frame(result_schema(standard, values).empty_table(), pd)
    return frame.map_partitions(_scored, shipped, gathered, whole, values, meta=meta, align_dataframes=False)


def _gathered(standard: Standard, shipped: Shipped, frame: Any) -> GlobalCohort:
    import pyarrow as pa

    pd = _pandas()
    meta = _frame(argument_schema(standard).empty_table(), pd)
    arguments = frame.map_partitions(_arguments, shipped, meta=meta).compute()
    return gather(standard, pa.Table.from_pandas(arguments, schema=argument_schema(standard), preserve_index=False))


def _arguments(part: Any, shipped: Shipped) -> Any:
    import pyarrow as pa

    batches = list(arguments_part(shipped, [part]))
    schema = argument_schema(shipped.standard())
    return _frame(pa.Table.from_batches(batches, schema=schema), _pandas())


def _scored(part: Any, shipped: Shipped, gathered: GlobalCohort | None, whole: bool, values: bool) -> Any:
    import pyarrow as pa

    from .partitions import result_schema

    schema = result_schema(shipped.standard(), values)
    batches = list(_score_part(shipped, [part], gathered, whole, values))
    return _frame(pa.Table.from_batches(batches, schema=schema), _pandas())


def _frame(table: pa.Table, pd: Any) -> Any:
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def collect_scores(scores: Any) -> pa.Table:
    """A scores frame computed as an Arrow table, in the frame's order; raises the first row's
    DataError, if a row has one."""
    import pyarrow as pa

    table = pa.Table.from_pandas(scores.compute(), preserve_index=False)
    raise_first(table)
    return table
