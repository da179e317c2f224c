"""Scoring a Spark DataFrame where it lives (the `spark` extra): see docs/sql.md, "On Spark".

`score_frame(standard, frame, cohort="global"|"partition")` gives the scores as a Spark DataFrame;
`collect_scores(scores)` gathers them as an Arrow table and raises a row's error as a DataError.
"""

from __future__ import annotations

from .distributed.partitions import COHORT_MODES
from .distributed.spark import collect_scores, score_frame

__all__ = ["COHORT_MODES", "collect_scores", "score_frame"]
