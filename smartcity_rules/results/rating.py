"""The rating, decided once over result columns: which requirements hold, which level is reached.

Every back-end hands back the same columns, so the rating is written here once. A whole
column of each requirement is decided at a time; the per-entity report reads the same
columns, so the level reached and the requirements listed can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from ..backends.protocol import ResultColumns
from ..plan import scoring as p
from ..plan.semantics import COMPARE
from .nodes import NodeScores


def held(req: p.RequirementPlan, columns: ResultColumns, points: NodeScores) -> list[bool]:
    """Whether the requirement holds, for every row."""
    compare = COMPARE[req.compare]
    match req:
        case p.TotalAtLeast(_, threshold):
            # Integers cross-multiplied: a Fraction comparison costs more than the rest of a check.
            top, bottom = threshold.numerator, threshold.denominator
            totals = (points.total(row) for row in range(len(columns)))
            return [compare(t.numerator * bottom, top * t.denominator) for t in totals]
        case p.EveryLeading(_, stars, members):
            # Not-applicable leading indicators are skipped: they have no stars to hold to the bar.
            rows = zip(*(columns.stars[k] for k in members)) if members else ((),) * len(columns)
            return [all(s is None or compare(s, stars) for s in row) for row in rows]
        case p.IndicatorStars(_, k, stars):
            return [s is not None and compare(s, stars) for s in columns.stars[k]]
        case p.IndicatorValue(_, k, threshold):
            top, bottom = threshold.numerator, threshold.denominator
            return [v is not None and compare(v[0] * bottom, top * v[1]) for v in columns.values[k]]
        case p.NodePoints(_, n, bar):
            return [compare(points.node(n, row), bar) for row in range(len(columns))]
    raise AssertionError(req)


class Ratings:
    """The rating of every row of a batch, and the requirement columns behind it."""

    def __init__(self, levels: tuple[p.LevelPlan, ...], columns: ResultColumns, points: NodeScores,
                 unrated_above: Fraction | None = None) -> None:
        self.levels = levels
        # `unrated when missing more than P` is a requirement of every level, held when no more
        # than P of the weight rests on missing inputs; listed last.
        self.enough_data = None if unrated_above is None else [
            points.missing_share(row) <= unrated_above for row in range(len(columns))]
        extra = () if self.enough_data is None else (self.enough_data,)
        self.held = tuple((*(held(req, columns, points) for req in level.requirements), *extra) for level in levels)
        self.ranks = self._ranks(len(columns))

    def _ranks(self, count: int) -> list[int]:
        ranks = [0] * count
        open_rows = list(range(count))
        for level, columns in zip(self.levels, self.held):
            still = []
            for row in open_rows:
                if all(column[row] for column in columns):
                    ranks[row] = level.rank
                else:
                    still.append(row)
            open_rows = still
        return ranks

    def level_reached(self, row: int) -> int | None:
        """The index of the first level whose requirements all hold for the row."""
        return next((i for i, columns in enumerate(self.held) if all(c[row] for c in columns)), None)

    def outcomes(self, level: int, row: int) -> Sequence[bool]:
        return [column[row] for column in self.held[level]]
