"""Scoring a Spark DataFrame where it lives (the `spark` extra): see docs/sql.md, "On Spark".

`score_frame(standard, frame, cohort="global"|"partition")` gives the scores as a Spark DataFrame;
`score_sql(standard, frame_or_table, spark=...)` scores by the generated Spark SQL instead (every
node, exact DECIMAL(38, 0) pairs); `collect_scores(scores)` gathers either as an Arrow table and
raises a row's error as a DataError.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .distributed.partitions import COHORT_MODES
from .distributed.spark import collect_scores, score_frame

if TYPE_CHECKING:
    from .standard import Standard


def score_sql(standard: Standard, frame: Any, *, spark: Any = None) -> Any:
    """The scores of `frame` (a DataFrame, or a table name with `spark`) by the generated Spark SQL,
    as a lazy Spark DataFrame (docs/sql.md, "Spark SQL")."""
    from .distributed.spark_sql import score_sql as scored

    return scored(standard, frame, spark=spark)


__all__ = ["COHORT_MODES", "collect_scores", "score_frame", "score_sql"]
