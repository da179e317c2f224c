"""The rating, decided once over result columns: which requirements hold, which level is reached.

Every back-end hands back the same columns, so the rating is written here once. A whole
column of each requirement is decided at a time; the per-entity report reads the same
columns, so the level reached and the requirements listed can never disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from ..backends.protocol import ResultColumns
from ..plan import scoring as p
from ..plan.semantics import COMPARE
from .dicts import value_parts
from .nodes import NodeScores


def held(req: p.RequirementPlan, columns: ResultColumns, points: NodeScores) -> list[bool]:
    """Whether the requirement holds, for every row."""
    compare = COMPARE[req.compare]
    match req:
        case p.TotalAtLeast(_, threshold):
            return _points_held(points, 0, threshold, compare, None)
        case p.EveryLeading(_, stars, members):
            # Not-applicable leading indicators are skipped: they have no stars to hold to the bar.
            if not members:
                return [True] * len(columns)
            each = [[s is None or compare(s, stars) for s in columns.stars[k]] for k in members]
            return list(map(all, zip(*each)))
        case p.IndicatorStars(_, k, stars):
            return [s is not None and compare(s, stars) for s in columns.stars[k]]
        case p.IndicatorValue(_, k, threshold):
            top, bottom = threshold.numerator, threshold.denominator
            nums, dens = value_parts(columns.values[k])  # no pair made per value
            decided = [num is not None and compare(num * bottom, top * den) for num, den in zip(nums, dens)]
            if k in columns.exact:  # an irrational value: decided on it exactly, not as shown
                return [held if e is None else compare(e, threshold) for held, e in zip(decided, columns.exact[k])]
            return decided
        case p.NodePoints(_, n, bar):
            # An N/A indicator or item satisfies no requirement; a group is held to its score.
            group = points.plan.nodes[n].kind is p.NodeKind.GROUP
            return _points_held(points, n, bar, compare, None if group else points.held(n))
    raise AssertionError(req)


def _points_held(points: NodeScores, n: int, bar: Fraction, compare: Callable[[Any, Any], bool],
                 counts: Sequence[bool] | None) -> list[bool]:
    """Whether node n's points compare true with the bar, for every row (and only where
    `counts`, when given): by integers cross-multiplied when the node is summed in scaled ints,
    else by Fractions."""
    scaled = points.scaled(n)
    if scaled is None:
        held = [compare(points.node(n, row), bar) for row in range(len(points.columns))]
    else:
        limit, bottom = bar.numerator * points.plan.points_scale, bar.denominator  # t / scale CMP top / bottom
        held = [compare(t * bottom, limit) for t in scaled]
    return held if counts is None else [ok and held_here for ok, held_here in zip(counts, held)]


# An implicit requirement of a level and whether it holds: the override's index, or None for
# enough data (`unrated when missing more than P`).
Extra = tuple[int | None, list[bool]]


def _extras(plan: p.ScoringPlan, level: p.LevelPlan, columns: ResultColumns, points: NodeScores) -> list[Extra]:
    """The requirements a level has beyond its own, listed after them: enough data (`unrated
    when missing more than P`), no veto, no cap below its rank."""
    rows = range(len(columns))
    found: list[Extra] = []
    for which in extra_requirements(plan, level):
        if which is None:
            assert plan.unrated_above is not None
            found.append((None, [points.missing_share(row) <= plan.unrated_above for row in rows]))
            continue
        requirements = plan.overrides[which].requirements
        fires = [all(column) for column in zip(*(held(r, columns, points) for r in requirements))]
        found.append((which, [not f for f in fires] if fires else [True] * len(columns)))
    return found


def extra_requirements(plan: p.ScoringPlan, level: p.LevelPlan) -> list[int | None]:
    """Which implicit requirements a level has, in _extras' order: None for enough data, else an
    override's index. Fixed by the plan, so to_dict's writer is generated from it (dictcode.py)."""
    found: list[int | None] = [None] if plan.unrated_above is not None else []
    return found + [k for k, override in enumerate(plan.overrides)
                    if override.cap is None or level.rank > override.cap]


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
        """The first level listed whose requirements all hold, for every row (0 for none): the
        levels in reverse, each overwriting the rows it reaches."""
        ranks = [0] * count
        for level, columns in zip(reversed(self.levels), reversed(self.held)):
            reached = columns[0] if len(columns) == 1 else map(all, zip(*columns)) if columns else [True] * count
            ranks = [level.rank if ok else rank for rank, ok in zip(ranks, reached)]
        return ranks

    def level_reached(self, row: int) -> int | None:
        """The index of the first level whose requirements all hold for the row."""
        return next((i for i, columns in enumerate(self.held) if all(c[row] for c in columns)), None)

    def outcomes(self, level: int, row: int) -> Sequence[bool]:
        return [column[row] for column in self.held[level]]
