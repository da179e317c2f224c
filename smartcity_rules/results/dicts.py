"""Evaluation.to_dict() written from a scored batch's columns, without the result objects.

A result dict holds some sixty small dicts per entity; building the result objects first and
asking each for its dict cost twenty times the evaluation. Here every figure is read from the
columns: the texts of scaled-int points are made once per distinct value (a batch's points take
few), a node's texts once per column, and each entry starts as a copy of its indicator's or
node's fixed part. The output is key for key what the objects' to_dict() write
(tests/test_result_dicts.py holds the two to it).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any, cast

from ..backends.python.executor import Pairs
from ..language.numbers import fmt, fmt_pair
from ..plan import scoring as p
from .evaluation import Status

_NOT_APPLICABLE = Status.NOT_APPLICABLE.value
_ZERO = fmt(0)


def value_parts(values: Sequence[tuple[int, int] | None]) -> tuple[Sequence[int | None], Sequence[Any]]:
    """A value column as numerators (None for not applicable) and denominators: a Python back-end's
    Pairs holds them so, and a writer reading them needs no pair per value."""
    if isinstance(values, Pairs):
        return values.parts()
    return [None if v is None else v[0] for v in values], [None if v is None else v[1] for v in values]


def _text(value: Fraction) -> str:
    return _ZERO if not value else fmt(value)


class ScaledTexts(dict[int, str]):
    """fmt() of points held as ints scaled by the plan's points_scale, each made once."""

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def __missing__(self, scaled: int) -> str:
        common = math.gcd(scaled, self.scale)
        text = self[scaled] = fmt_pair(scaled // common, self.scale // common)
        return text


def _value_texts(nums: Sequence[int | None], dens: Sequence[Any]) -> list[str | None]:
    """fmt() of a leaf's values, None where not applicable: a column at a time, as the other texts."""
    gcd = math.gcd  # fmt_ratio, without a call per value
    return [None if num is None else fmt_pair(num // (common := gcd(num, den)), den // common)
            for num, den in zip(nums, dens)]


class _StarTexts(dict[int | None, str]):
    """fmt() of a leaf's unrounded points for each star count, each made once: "0" for none."""

    def __init__(self, points: p.StarPoints) -> None:
        super().__init__()
        self.points = points

    def __missing__(self, stars: int | None) -> str:
        text = self[stars] = _ZERO if stars is None else fmt(self.points.unrounded(0, 1, stars))
        return text


class RowDicts:
    """The to_dict() of any row of one scored batch; its text columns are made on first use."""

    # `scored` is an evaluate.ScoredBatch, typed Any: evaluate imports this module, and the
    # layering test counts an import for types only as an import (no cycles).
    def __init__(self, scored: Any) -> None:
        self.scored = scored
        self.shape = scored.shape
        self.points = scored.points
        self.rows = len(scored.columns)
        self.texts = ScaledTexts(self.shape.plan.points_scale)
        self._node_texts: dict[int, Sequence[str]] = {}
        self._unrounded_texts: dict[int, Sequence[str]] = {}
        self._leaf_texts: dict[int, Sequence[str]] = {}

    # ------------------------------------------------------------ text columns
    def node_texts(self, n: int) -> Sequence[str]:
        """fmt() of node n's points, for every row."""
        found = self._node_texts.get(n)
        if found is None:
            ints = self.points.scaled(n)
            node = self.points.node
            found = (list(map(self.texts.__getitem__, ints)) if ints is not None
                     else [fmt(node(n, row)) for row in range(self.rows)])
            self._node_texts[n] = found
        return found

    def unrounded_texts(self, n: int) -> Sequence[str]:
        """fmt() of node n's points before its own rounding, for every row."""
        found = self._unrounded_texts.get(n)
        if found is None:
            node = self.shape.plan.nodes[n]
            if node.leaf is None and self.points.scaled(n) is not None:
                found = self.node_texts(n)  # summed in ints: rounding cannot touch them (nodes.summable)
            elif node.leaf is not None and self.shape.plan.indicators[node.leaf].rounding is None:
                found = self.leaf_texts(node.leaf)
            elif node.leaf is not None and self._by_stars(node.leaf):
                found = self._star_texts(node.leaf)
            else:
                unrounded = self.points.unrounded
                found = [fmt(unrounded(n, row)) for row in range(self.rows)]
            self._unrounded_texts[n] = found
        return found

    def _by_stars(self, k: int) -> bool:
        """Whether leaf k's unrounded points follow from its stars alone (nodes.NodeScores._exact)."""
        return isinstance(self.shape.plan.indicators[k].points, p.StarPoints) and k not in self.scored.columns.exact

    def _star_texts(self, k: int) -> list[str]:
        """unrounded_texts of a leaf scored by stars: one text per star count, "0" where not applicable
        (no stars there: ResultColumns), as NodeScores._exact reads them."""
        return list(map(_StarTexts(self.shape.plan.indicators[k].points).__getitem__, self.scored.columns.stars[k]))

    def leaf_texts(self, k: int) -> Sequence[str]:
        """fmt() of leaf k's points, for every row."""
        found = self._leaf_texts.get(k)
        if found is None:
            column = self.scored.columns.points[k]
            if self.shape.plan.indicators[k].scaled:
                found = list(map(self.texts.__getitem__, cast(Sequence[int], column)))  # see ResultColumns
            else:
                found = [fmt(Fraction(point)) for point in column]
            self._leaf_texts[k] = found
        return found

    @functools.cached_property
    def all_nodes(self) -> list[tuple[Sequence[str], Sequence[str]]]:
        """Every node's points and unrounded texts."""
        return [(self.node_texts(n), self.unrounded_texts(n)) for n in range(len(self.shape.plan.nodes))]

    @functools.cached_property
    def all_values(self) -> list[tuple[Sequence[int | None], Sequence[Any]]]:
        """Each leaf's values as numerators (None for not applicable) and denominators."""
        values = self.scored.columns.values
        return [value_parts(column) for column in values]

    @functools.cached_property
    def writers(self) -> list[list[Callable[[int], str]]]:
        """Per level, the writer of each requirement's `actual` (ScoredBatch.actual_writer)."""
        rule = self.shape.rating_rule
        levels = () if rule is None else rule.levels
        return [[self.scored.actual_writer(req, every_row=True) for req in level.requirements] for level in levels]

    @functools.cached_property
    def all_leaves(self) -> list[Sequence[str]]:
        return [self.leaf_texts(k) for k in range(len(self.shape.plan.indicators))]

    # ------------------------------------------------------------ dicts
    # Each entry is a copy of its fixed part (in to_dict()'s order of keys, the status an
    # applicable one has) with the row's figures set: fewer operations than any other way of
    # making a dict in CPython. Lists are made per entry, since callers may change them.
    @functools.cached_property
    def _indicator_columns(self) -> list[tuple[dict[str, Any], Sequence[str | None], Sequence[int | None],
                                               Sequence[str], tuple[str, ...]]]:
        shape = self.shape
        return [(template, _value_texts(nums, dens), stars, points, provisional)
                for template, (nums, dens), stars, points, provisional in zip(
                    shape.indicator_dicts, self.all_values, self.scored.columns.stars, self.all_leaves,
                    shape.leaf_provisional)]

    def indicators(self, row: int) -> list[dict[str, Any]]:
        found = []
        for template, values, stars, points, provisional in self._indicator_columns:
            entry = template.copy()
            value = values[row]
            if value is None:
                entry["status"] = _NOT_APPLICABLE
            else:
                entry["value"] = value
            entry["stars"] = stars[row]
            entry["points"] = points[row]
            entry["provisional"] = [*provisional] if provisional else []
            found.append(entry)
        for k, exact in self.scored.columns.exact.items():  # an irrational value, as IndicatorResult.to_dict writes it
            if exact[row] is not None:
                found[k]["exact"] = str(exact[row])
        return found

    @functools.cached_property
    def _node_columns(self) -> list[tuple[dict[str, Any], Sequence[str], Sequence[str], tuple[str, ...]]]:
        shape = self.shape
        return [({**template, "provisional": provisional}, points, unrounded, members)
                for template, members, provisional, (points, unrounded) in zip(
                    shape.node_dicts, shape.node_members, shape.node_provisional, self.all_nodes)]

    def nodes(self, row: int) -> list[dict[str, Any]]:
        found = []
        for template, points, unrounded, members in self._node_columns:
            entry = template.copy()
            entry["points"] = points[row]
            entry["unrounded"] = unrounded[row]
            entry["members"] = [*members] if members else []
            found.append(entry)
        return found

    @functools.cached_property
    def _group_columns(self) -> list[tuple[dict[str, Any], Sequence[str], tuple[str, ...], tuple[str, ...]]]:
        nodes = self.shape.plan.nodes
        return [({"name": nodes[g].name, "code": nodes[g].code, "bonus": nodes[g].bonus, "points": None,
                  "max_points": maximum, "indicators": None, "groups": None}, self.all_nodes[g][0], indicators, groups)
                for g, maximum, (indicators, groups) in zip(self.shape.plan.groups, self.shape.group_maxima,
                                                           self.shape.group_members)]

    def groups(self, row: int) -> list[dict[str, Any]]:
        found = []
        for template, points, indicators, groups in self._group_columns:
            entry = template.copy()
            entry["points"] = points[row]
            entry["indicators"] = [*indicators]
            entry["groups"] = [*groups]
            found.append(entry)
        return found

    @functools.cached_property
    def _levels(self) -> list[tuple[int, str, list[tuple[Callable[[int], str], str]], int, list[tuple[bool, ...]]]]:
        """Per level: its rank, its name, each own requirement's writer and text, how many it has,
        and each row's outcomes (every requirement's, the implicit ones last), transposed in C."""
        rule, ratings = self.shape.rating_rule, self.scored.ratings
        if rule is None or ratings is None:
            return []
        return [(int(level.rank.value), level.name, list(zip(writers, texts)), len(level.requirements),
                 list(zip(*held)) if held else [()] * self.rows)
                for level, writers, texts, held in zip(rule.levels, self.writers, self.shape.texts, ratings.held)]

    def rating(self, row: int) -> dict[str, Any] | None:
        """RatingResult.to_dict(): the level reached, and each level's failed requirements."""
        scored = self.scored
        ratings, rule = scored.ratings, self.shape.rating_rule
        if ratings is None or rule is None:
            return None
        levels: list[dict[str, Any]] = []
        first: tuple[int, str | None] | None = None  # the first level listed that is reached
        for index, (level_rank, level_name, requirements, own, outcomes) in enumerate(self._levels):
            held = outcomes[row]
            reached = all(held)
            failed = [] if reached else self._failed(rule, index, requirements, own, held, row)
            if reached and first is None:
                first = (level_rank, level_name)
            levels.append({"rank": level_rank, "name": level_name, "reached": reached, "failed": failed})
        rank, name = (0, None) if first is None else first
        return {"rank": rank, "name": name, "provisional": rule.provisional, "levels": levels}

    def _failed(self, rule: Any, index: int, requirements: list[tuple[Callable[[int], str], str]], own: int,
                held: tuple[bool, ...], row: int) -> list[dict[str, str]]:
        """A level's failed requirements, its own first, as RatingResult.to_dict lists them."""
        failed = [{"requirement": text, "actual": actual(row)}
                  for (actual, text), ok in zip(requirements, held) if not ok]
        for (which, _), ok in zip(self.scored.ratings.extras[index], held[own:]):
            if not ok:
                implicit = self.scored.implicit(rule, which, ok, row)
                failed.append({"requirement": implicit.text, "actual": implicit.actual})
        return failed

    def evaluation(self, row: int, missing: Callable[[], list[dict[str, Any]]]) -> dict[str, Any]:
        """Evaluation.to_dict() of the row; `missing` writes its missing values."""
        scored = self.scored
        typed = {} if scored.entity_type is None else {"entity_type": scored.entity_type}
        cohort = scored.cohort
        return {
            "entity": scored.entity(row), **typed, "standard": scored.title, "edition": scored.edition,
            "total": self.node_texts(0)[row],
            "rating": self.rating(row),
            "groups": self.groups(row),
            "indicators": self.indicators(row),
            "nodes": self.nodes(row),
            "cohort": None if cohort is None else cohort.to_dict(),
            "missing": missing(), "missing_share": _text(scored.missing_share(row)),
            "provisional": list(scored.provisional),
        }
