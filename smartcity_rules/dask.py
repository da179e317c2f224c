"""Scoring a Dask DataFrame where it lives (the `dask` extra): see docs/sql.md, "On Dask".

`score_frame(standard, frame, cohort="global"|"partition")` gives the scores as a Dask DataFrame;
`collect_scores(scores)` computes them as an Arrow table and raises a row's error as a DataError.
"""

from __future__ import annotations

from .distributed.dask import collect_scores, score_frame
from .distributed.partitions import COHORT_MODES

__all__ = ["COHORT_MODES", "collect_scores", "score_frame"]
