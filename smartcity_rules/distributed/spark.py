"""Scoring a Spark DataFrame where it lives: by the generated Spark SQL, or by the columnar back-end
in each partition (`mapInArrow`), the standard shipped to the executors as its pickle.

The batch path uses mapInArrow, Spark's mapInPandas over Arrow batches without the conversion to
pandas: pandas turns a nullable integer column into floats, which cannot hold every count exactly.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from ..language.errors import MissingExtra, NotCompilable, UnsupportedConstruct
from .partitions import Shipped, argument_schema, arguments_part, gather, needs_pass, raise_first, result_schema
from .partitions import score_part as _score_part

if TYPE_CHECKING:
    import pyarrow as pa

    from ..results.evaluation import Evaluation
    from ..standard import Standard

_VIEWS = itertools.count(1)


def _pyspark() -> Any:
    try:
        import pyspark.sql
        import pyarrow  # noqa: F401
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
    first = needs_pass(standard, cohort)
    whole = cohort == "partition" and standard.needs_cohort
    gathered = None
    if first:
        arguments = frame.mapInArrow(lambda batches: arguments_part(shipped, batches), _spark_schema(argument_schema(standard)))
        gathered = frame.sparkSession.sparkContext.broadcast(gather(standard, arguments.toArrow()))

    def scored(batches: Any) -> Any:
        return _score_part(shipped, batches, None if gathered is None else gathered.value, whole, values)

    return frame.mapInArrow(scored, _spark_schema(result_schema(standard, values)))


def _spark_schema(schema: pa.Schema) -> Any:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def collect_scores(scores: Any) -> pa.Table:
    """A scores frame gathered to the driver as an Arrow table, in the frame's order; raises the
    first row's DataError, if a row has one."""
    table = scores.toArrow()
    raise_first(table)
    return table


# ------------------------------------------------------------------ the SQL path
def score_sql(standard: Standard, frame: Any, *, cohort: str = "global", nodes: bool | None = None) -> Any:
    """The generated Spark SQL over `frame`, as a Spark DataFrame of the query's columns
    (docs/sql.md): cohort functions are window functions over the whole frame."""
    query, _ = _query(standard, frame, cohort, standard.sql_nodes if nodes is None else nodes)
    return query


def evaluate_sql(standard: Standard, frame: Any, *, cohort: str = "global") -> tuple[Evaluation, ...]:
    """The generated Spark SQL run on `frame`, its rows gathered as the Evaluations evaluate_cohort
    gives on the same rows (in the frame's order), raising the first refusal as it does."""
    from ..backends.sql.run import _finish

    result, query = _query(standard, frame, cohort, False)
    rows = _collected(result)
    columns, entities = _finish(standard.plan, query, rows)
    return standard._compiled.evaluations(columns, entities)


def _query(standard: Standard, frame: Any, cohort: str, nodes: bool) -> tuple[Any, Any]:
    from sqlglot import exp

    from ..backends.sql.run import _checked, to_sql
    from ..backends.sql.tree import ident

    _pyspark()
    if cohort != "global":
        raise UnsupportedConstruct(f"cohort={cohort!r}: the SQL path computes cohort functions by window functions "
                                   "over the whole frame ('global'); score_frame computes them per partition")
    needs_pass(standard, "partition")  # refuses a standard typed by entity
    session = frame.sparkSession
    if str(session.conf.get("spark.sql.ansi.enabled", "true")).lower() != "true":
        raise NotCompilable("the SQL path needs spark.sql.ansi.enabled=true: without it Spark turns an "
                            "integer overflow into NULL, which would read as a missing value, not an error")
    view = f"scr_frame_{next(_VIEWS)}"
    frame.createOrReplaceTempView(view)
    columns = _checked(standard.plan, {name: kind.upper() for name, kind in frame.dtypes})
    query = to_sql(standard.plan, exp.Table(this=ident(view)), "spark", columns, nodes=nodes)
    return session.sql(query.sql(pretty=False)), query


def _collected(result: Any) -> list[tuple[Any, ...]]:
    from pyspark.errors import ArithmeticException

    from ..backends.sql.run import _overflow

    try:
        return [tuple(row) for row in result.collect()]
    except ArithmeticException as error:
        raise _overflow(error) from None
