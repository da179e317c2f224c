"""The rating, decided once over result columns: which requirements hold, which level is reached.

Every back-end hands back the same columns, so the rating is written here once. A whole
column of each requirement is decided at a time; the per-entity report reads the same
columns, so the level reached and the requirements listed can never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

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
            decided = [v is not None and compare(v[0] * bottom, top * v[1]) for v in columns.values[k]]
            if k in columns.exact:  # an irrational value: decided on it exactly, not as shown
                return [held if e is None else compare(e, threshold) for held, e in zip(decided, columns.exact[k])]
            return decided
        case p.NodePoints(_, n, bar):
            # An N/A indicator or item satisfies no requirement; a group is held to its score.
            group = points.plan.nodes[n].kind is p.NodeKind.GROUP
            return [(group or points.applicable(n, row)) and compare(points.node(n, row), bar)
                    for row in range(len(columns))]
    raise AssertionError(req)


# An implicit requirement of a level and whether it holds: the override's index, or None for
# enough data (`unrated when missing more than P`).
Extra = tuple[int | None, list[bool]]


def _extras(plan: p.ScoringPlan, level: p.LevelPlan, columns: ResultColumns, points: NodeScores) -> list[Extra]:
    """The requirements a level has beyond its own, listed after them: enough data (`unrated
    when missing more than P`), no veto, no cap below its rank."""
    rows = range(len(columns))
    found: list[Extra] = []
    if plan.unrated_above is not None:
        found.append((None, [points.missing_share(row) <= plan.unrated_above for row in rows]))
    for k, override in enumerate(plan.overrides):
        if override.cap is None or level.rank > override.cap:
            fires = [all(column) for column in zip(*(held(r, columns, points) for r in override.requirements))]
            found.append((k, [not f for f in fires] if fires else [True] * len(columns)))
    return found


class Ratings:
    """The rating of every row of a batch, and the requirement columns behind it."""

    def __init__(self, plan: p.ScoringPlan, columns: ResultColumns, points: NodeScores) -> None:
        assert plan.levels is not None
        self.levels = levels = plan.levels
        self.extras = tuple(tuple(_extras(plan, level, columns, points)) for level in levels)
        self.held = tuple((*(held(req, columns, points) for req in level.requirements),
                           *(column for _, column in extras)) for level, extras in zip(levels, self.extras))
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
