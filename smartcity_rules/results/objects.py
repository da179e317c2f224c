"""Result objects read off a scored batch's columns: what Evaluation.indicators, groups and nodes hand back.

They are made when read, not kept on the Evaluation: a cohort's evaluations holding some 55
frozen objects each made the collector's walks over them cost several times the scoring
(bench/README.md, "Results at scale"). A one-row memo keeps a caller that reads one entity's
results again and again (Evaluation.indicator in a loop) from making them anew each time.

A node's or a group's result is fixed by the node and its points, and points are few per node in
a batch (multiples of 1/points_scale; a leaf's follow from its stars or its value), so each
distinct one is made once per batch and shared: they are frozen, so only `is` can tell. An
indicator's result carries the entity's own value and is made per row, by the cheapest
construction there is: its slots set directly, skipping the attrs __init__ and its frozen
__setattr__, for figures the columns already hold checked.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Hashable, Sequence
from fractions import Fraction
from typing import Any

import attrs

from ..plan import scoring as p
from .dicts import value_parts
from .evaluation import GroupResult, IndicatorResult, NodeResult, Status


def _setters(cls: type) -> tuple[Callable[[Any, Any], None], ...]:
    """The slot setters of an attrs class's fields, in their order: unpacked below by name, so a
    field added to the class fails here, at import, rather than leave a slot unset."""
    return tuple(cls.__dict__[field.name].__set__ for field in attrs.fields(cls))


_SET_INFO, _SET_STATUS, _SET_PAIR, _SET_STARS, _SET_POINTS, _SET_EXACT = _setters(IndicatorResult)
_NEW = object.__new__
_ABSENT = Status.NOT_APPLICABLE


class _Key(enum.Enum):
    """What fixes a node's result in a row, beyond the node (nodes.NodeScores says why)."""

    SUMMED = "summed"  # points in scaled ints, unrounded the same: the int alone
    STARRED = "starred"  # a leaf scored by stars: its points and its stars
    VALUED = "valued"  # any other leaf in scaled ints: its points and its value
    NONE = "none"  # Fractions throughout: made per row


class ResultObjects:
    """The result objects of any row of one scored batch (an evaluate.ScoredBatch, typed Any:
    evaluate imports this module)."""

    def __init__(self, scored: Any) -> None:
        self.scored = scored
        self.shape = scored.shape
        self.points = scored.points
        self._values: list[tuple[Sequence[int | None], Sequence[Any]]] | None = None
        self._node_keys: list[tuple[_Key, Sequence[Any], Sequence[Any], Sequence[Any]]] | None = None
        self._nodes: list[dict[Hashable, NodeResult]] = [{} for _ in self.shape.plan.nodes]
        self._groups: list[dict[int, GroupResult]] = [{} for _ in self.shape.plan.groups]
        # (row, results) of the row read last: one tuple, replaced whole, so threads may share it
        self._recent: dict[str, tuple[int, tuple[Any, ...]]] = {}

    def _memo(self, kind: str, row: int, make: Callable[[int], tuple[Any, ...]]) -> tuple[Any, ...]:
        recent = self._recent.get(kind)
        if recent is not None and recent[0] == row:
            return recent[1]
        found = make(row)
        self._recent[kind] = (row, found)
        return found

    # ------------------------------------------------------------ indicators
    def indicators(self, row: int) -> tuple[IndicatorResult, ...]:
        return self._memo("indicators", row, self._indicators)

    def _indicators(self, row: int) -> tuple[IndicatorResult, ...]:
        if self._values is None:
            self._values = [value_parts(column) for column in self.scored.columns.values]
        shape, found = self.shape, []
        for info, status, (nums, dens), stars, points in zip(
                shape.infos, shape.statuses, self._values, self.scored.columns.stars, self.points.leaves(row)):
            result = _NEW(IndicatorResult)
            _SET_INFO(result, info)
            num = nums[row]
            _SET_STATUS(result, _ABSENT if num is None else status)
            _SET_PAIR(result, None if num is None else (num, dens[row]))
            _SET_STARS(result, stars[row])
            _SET_POINTS(result, points)
            _SET_EXACT(result, None)
            found.append(result)
        for k, exact in self.scored.columns.exact.items():  # not yet handed out: still ours to set
            _SET_EXACT(found[k], exact[row])
        return tuple(found)

    # ------------------------------------------------------------ nodes
    def nodes(self, row: int) -> tuple[NodeResult, ...]:
        return self._memo("nodes", row, self._row_nodes)

    def _row_nodes(self, row: int) -> tuple[NodeResult, ...]:
        found = []
        for n, ((key, ints, second, third), cache) in enumerate(zip(self._keys(), self._nodes)):
            if key is _Key.NONE:
                found.append(self._node(n, row))
                continue
            at: Hashable = (ints[row] if key is _Key.SUMMED else (ints[row], second[row]) if key is _Key.STARRED
                            else (ints[row], second[row], third[row]))
            result = cache.get(at)
            if result is None:
                result = cache.setdefault(at, self._node(n, row))
            found.append(result)
        return tuple(found)

    def _keys(self) -> list[tuple[_Key, Sequence[Any], Sequence[Any], Sequence[Any]]]:
        """Per node, what fixes its result and the columns it is read from."""
        if self._node_keys is None:
            self._node_keys = [self._key(n, node) for n, node in enumerate(self.shape.plan.nodes)]
        return self._node_keys

    def _key(self, n: int, node: p.NodePlan) -> tuple[_Key, Sequence[Any], Sequence[Any], Sequence[Any]]:
        ints, columns = self.points.scaled(n), self.scored.columns
        if ints is None:
            return _Key.NONE, (), (), ()
        k = node.leaf
        if k is None or self.shape.plan.indicators[k].rounding is None:
            return _Key.SUMMED, ints, (), ()  # NodeScores.unrounded: the same points
        if k in columns.exact:
            return _Key.NONE, (), (), ()  # a table's row is chosen by the exact value
        if isinstance(self.shape.plan.indicators[k].points, p.StarPoints):
            return _Key.STARRED, ints, columns.stars[k], ()
        nums, dens = value_parts(columns.values[k])
        return _Key.VALUED, ints, nums, dens

    def _node(self, n: int, row: int) -> NodeResult:
        shape, points = self.shape, self.points
        node = shape.plan.nodes[n]
        return NodeResult(node.kind.value, node.code, node.name, points.node(n, row), points.unrounded(n, row),
                          node.maximum, shape.node_members[n], shape.node_provisional[n])

    # ------------------------------------------------------------ groups
    def groups(self, row: int) -> tuple[GroupResult, ...]:
        return self._memo("groups", row, self._row_groups)

    def _row_groups(self, row: int) -> tuple[GroupResult, ...]:
        found = []
        for index, (g, cache) in enumerate(zip(self.shape.plan.groups, self._groups)):
            ints = self.points.scaled(g)
            if ints is None:
                found.append(self._group(index, g, self.points.node(g, row)))
                continue
            result = cache.get(ints[row])
            if result is None:
                result = cache.setdefault(ints[row], self._group(index, g, self.points.node(g, row)))
            found.append(result)
        return tuple(found)

    def _group(self, index: int, g: int, points: Fraction) -> GroupResult:
        node = self.shape.plan.nodes[g]
        indicators, groups = self.shape.group_members[index]
        return GroupResult(node.name, node.bonus, points, node.maximum, indicators, node.code, groups)
