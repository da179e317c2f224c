"""Scoring a Spark DataFrame where it lives: the columnar back-end in each partition (`mapInArrow`),
the standard shipped to the executors as its pickle.

mapInArrow is Spark's mapInPandas over Arrow batches without the conversion to pandas: pandas turns
a nullable integer column into floats, which cannot hold every count exactly. The generated Spark
SQL runs by `score_sql` (distributed/spark_sql.py) instead; `collect_scores` gathers either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..language.errors import MissingExtra
from .partitions import Shipped, argument_schema, arguments_part, gather, needs_pass, raise_first, result_schema
from .partitions import score_part as _score_part

if TYPE_CHECKING:
    import pyarrow as pa

    from ..standard import Standard

def _pyspark() -> Any:
    try:
        import pyarrow  # noqa: F401
        import pyspark.sql
    except ImportError:
        raise MissingExtra("scoring a Spark DataFrame needs pyspark and pyarrow: "
                           "pip install 'smartcity_rules[spark]'", extra="spark") from None
    return pyspark.sql


# ------------------------------------------------------------------ the batch path
def score_frame(standard: Standard, frame: Any, *, cohort: str = "global", values: bool = False) -> Any:
    """The scores of every row of `frame` (an `entity` column and one column per input), as a Spark
    DataFrame: entity, total, rating, each leaf's stars and points (with `values`, its value), exact
    numbers as text, and the error columns of a row that cannot be scored (`collect_scores` raises
    them). `cohort`: "global" compares each entity with the whole frame (a first pass, run now),
    "partition" with the entities of its own partition."""
    _pyspark()
    shipped = Shipped(standard)
    gathered = _gathered(standard, shipped, frame) if needs_pass(standard, cohort, list(frame.columns)) else None
    whole = cohort == "partition" and standard.needs_cohort

    def scored(batches: Any) -> Any:
        return _score_part(shipped, batches, None if gathered is None else gathered.value, whole, values)

    return frame.mapInArrow(scored, _spark_schema(result_schema(standard, values)))


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def _gathered(standard: Standard, shipped: Shipped, frame: Any) -> Any:
    """The first pass: each row's cohort arguments where it lives, gathered and taken across the
    whole frame on the driver, then broadcast to the executors."""
    schema = _spark_schema(argument_schema(standard))
    arguments = frame.mapInArrow(lambda batches: arguments_part(shipped, batches), schema)
    return frame.sparkSession.sparkContext.broadcast(gather(standard, arguments.toArrow()))


def collect_scores(scores: Any) -> pa.Table:
    """A scores frame gathered to the driver as an Arrow table, in the frame's order; raises the
    first row's DataError, if a row has one."""
    from pyspark.errors import ArithmeticException

    from ..backends.sql.spark_session import overflow

    try:
        table = scores.toArrow()
    except ArithmeticException as error:  # Spark SQL's scores (score_sql): a decimal overflowed
        raise overflow(error) from None
    raise_first(table)
    return table
