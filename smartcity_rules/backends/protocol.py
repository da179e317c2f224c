"""The seam every back-end implements: prepare(plan) -> executor; executor.run(batch) -> columns.

A back-end sees only the scoring plan and the records, and hands back result columns in
the one representation every consumer reads (results/, and later writers and SQL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Protocol

import attrs

from ..plan.scoring import ScoringPlan
from ..plan.surds import Surd

Record = Mapping[str, Any]
Pair = tuple[int, int]  # an exact value: (numerator, denominator > 0), not necessarily in lowest terms


@attrs.frozen
class Batch:
    """Records scored together: rank() and share() compare the entities of one batch.

    `entities` names each record; the caller has checked that names are unique and that
    records carry only declared statistics.
    """

    records: Sequence[Record]
    entities: Sequence[str]


@attrs.frozen
class ResultColumns:
    """What a back-end returns: one column per indicator for each figure, one row per record.

    - values[k][row]: the exact value as a Pair, None when not applicable;
    - stars[k][row]: 0 to 5, None for deductions and when not applicable;
    - points[k][row]: an int scaled by plan.points_scale where plan.indicators[k].scaled,
      else an exact Fraction, rounded as the indicator's plan says;
    - exact[k][row]: an irrational leaf's exact value (below).

    Columns are per scored leaf (an indicator with a value, or an item); the scores of groups,
    indicators made of items and the total follow from them by one rule, applied once for
    every back-end (results/nodes.py).
    """

    values: tuple[Sequence[Pair | None], ...]
    stars: tuple[Sequence[int | None], ...]
    points: tuple[Sequence[int | Fraction], ...]
    rows: int
    # missing[row]: the slots whose missing values were filled in or made their readers not
    # applicable, as the plan's slots declare; () for every row when nothing may be missing.
    missing: Sequence[tuple[int, ...]] = ()
    # imputed[j]: the value the cohort gave plan.imputed[j] in this batch (NOTHING_TO_IMPUTE
    # when no entity reported it).
    imputed: tuple[Any, ...] = ()
    # exact[k][row]: for an irrational leaf k (plan.indicators[k].irrational), its exact value as
    # a Surd, None where not applicable or counted as 0; values[k] holds it rounded, as shown.
    # Stars, point rows and `indicator CODE CMP v` requirements are decided on this one.
    exact: Mapping[int, Sequence[Surd | None]] = attrs.field(factory=dict)

    def __len__(self) -> int:
        return self.rows


class Executor(Protocol):
    """A plan prepared by one back-end, ready to score batches; safe to share between threads."""

    def run(self, batch: Batch) -> ResultColumns:
        """Score a batch; raises a DataError naming the entity, the indicator and the input."""
        ...


class Backend(Protocol):
    name: str

    def prepare(self, plan: ScoringPlan) -> Executor: ...
