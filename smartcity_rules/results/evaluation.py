"""Result types: what an evaluation hands back, frozen, with to_dict() for JSON.

Numbers are exact Fractions; to_dict() writes them as exact decimal strings
(or `a/b` where a decimal would not end), so JSON loses nothing.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from fractions import Fraction
from typing import Any, Protocol, cast

import attrs

from ..language.errors import NotFound
from ..language.numbers import fmt, fmt_ratio
from ..language.syntax import code_number
from ..plan.surds import Surd


class Status(enum.Enum):
    SCORED = "scored"
    NOT_APPLICABLE = "not applicable"
    DEDUCTION = "deduction"


def _num(value: Fraction | int | None) -> str | None:
    return None if value is None else fmt(value)


@attrs.frozen
class IndicatorInfo:
    """What a standard fixes about an indicator or item, shared by all its results."""

    code: str  # as the standard writes it: `12`, `L1P1-A1`
    name: str
    group: str  # the innermost group it is in
    leading: bool
    bonus: bool
    max_points: Fraction | None  # None for deductions
    provisional: tuple[str, ...]  # which of its numbers are provisional
    description: str = ""  # the 指标说明, as the standard words it
    formula: str = ""  # the `value` formula as written
    bands: str | None = None  # e.g. "at least 50%, 60%, 70%, 80%, 90%"; None for deductions
    notes: tuple[str, ...] = ()
    item_of: str | None = None  # for an item (分项), the code of its indicator

    @functools.cached_property
    def number(self) -> int | None:
        """The code as a number, for numbered indicators such as `12`; None for `L1P1-A1`."""
        return code_number(self.code)


@attrs.frozen
class InputInfo:
    """A statistic the standard reads: what a form or a data pipeline must supply."""

    name: str  # the key in a record
    label: str
    kind: str  # "count", "money", "rate", "flag", "score", ...
    unit: str | None
    part_of: str | None  # never above this input
    direction: str | None  # "higher" or "lower" is better; None when not declared


@attrs.frozen(eq=False)
class IndicatorResult:
    """One indicator's value, star level and points for one entity."""

    info: IndicatorInfo = attrs.field(repr=False)
    status: Status
    # The exact value as a (numerator, denominator) pair, reduced to a Fraction on first
    # access: reducing costs more than the rest of a result, and many callers never ask.
    _pair: tuple[int, int] | None = attrs.field(repr=False, alias="pair")
    stars: int | None  # None for deductions and when not applicable
    points: Fraction
    # A leaf taking a square root (sqrt, zscore): its exact value, such as 1/2·√2, where it has
    # one; `value` is it rounded at the declared precision (docs/language.md §5, Square roots).
    exact: Surd | None = attrs.field(default=None, kw_only=True)

    @functools.cached_property
    def value(self) -> Fraction | None:
        """The indicator's exact value; None when not applicable."""
        return None if self._pair is None else Fraction(*self._pair)

    @property
    def pair(self) -> tuple[int, int] | None:
        """The exact value as (numerator, denominator > 0), not necessarily in lowest terms: for
        bulk writers, which need no Fraction to write it out (`numbers.fmt_ratio`, `n / d`)."""
        return self._pair

    def _key(self) -> tuple[Any, ...]:
        return (self.info, self.status, self.value, self.stars, self.points)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IndicatorResult):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def code(self) -> str:
        return self.info.code

    @property
    def number(self) -> int | None:
        return self.info.number

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def group(self) -> str:
        return self.info.group

    @property
    def leading(self) -> bool:
        return self.info.leading

    @property
    def bonus(self) -> bool:
        return self.info.bonus

    @property
    def max_points(self) -> Fraction | None:
        return self.info.max_points

    @property
    def provisional(self) -> tuple[str, ...]:
        return self.info.provisional

    def __repr__(self) -> str:
        return (f"IndicatorResult(code={self.code!r}, status={self.status.value!r}, value={self.value!r}, "
                f"stars={self.stars!r}, points={self.points!r})")

    def to_dict(self) -> dict[str, Any]:
        info, pair = self.info, self._pair
        return {
            "code": info.code, "number": info.number, "name": info.name, "group": info.group,
            "item_of": info.item_of,
            "leading": info.leading, "bonus": info.bonus, "status": self.status.value,
            # Written from the pair: reducing it to a Fraction first would cost more than the rest.
            "value": None if pair is None else fmt_ratio(*pair), "stars": self.stars, "points": _num(self.points),
            "max_points": _num(info.max_points), "provisional": list(info.provisional),
            **({} if self.exact is None else {"exact": str(self.exact)}),
        }


@attrs.frozen
class GroupResult:
    """A group's score, at any level: its members' scores summed, capped, weighted, rounded."""

    name: str
    bonus: bool
    points: Fraction  # after the bonus cap and the weight, rounded as declared
    max_points: Fraction | None  # the group's points, or a bonus group's cap
    indicators: tuple[str, ...]  # the codes of the indicators directly in it
    code: str | None = None
    groups: tuple[str, ...] = ()  # the names of the groups directly in it

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "code": self.code, "bonus": self.bonus, "points": _num(self.points),
                "max_points": _num(self.max_points), "indicators": list(self.indicators),
                "groups": list(self.groups)}


@attrs.frozen
class NodeResult:
    """One node's score: the standard (the total), a group, an indicator or an item."""

    kind: str  # "standard", "group", "indicator" or "item"
    code: str | None
    name: str
    points: Fraction  # rounded as declared
    unrounded: Fraction  # before this node's own rounding step
    max_points: Fraction | None  # None for deductions
    members: tuple[str, ...]  # how each member is named: its code, or a group's name
    provisional: bool  # whether the node itself is marked provisional

    @property
    def key(self) -> str:
        """What names it in `Evaluation.node`: its code, else its name."""
        return self.code if self.code is not None else self.name

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "code": self.code, "name": self.name, "points": _num(self.points),
                "unrounded": _num(self.unrounded), "max_points": _num(self.max_points),
                "members": list(self.members), "provisional": self.provisional}


@attrs.frozen(eq=False)
class RequirementResult:
    """One requirement of a rating level, as written, and whether it held."""

    text: str
    held: bool
    # What the entity had, e.g. "total 71.5" or "indicator 12: 3 stars": given, or made when first
    # read, since writing the numbers out costs far more than deciding the rating.
    _actual: str | Callable[[], str] = attrs.field(alias="actual", repr=False)

    @functools.cached_property
    def actual(self) -> str:
        return self._actual if isinstance(self._actual, str) else self._actual()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RequirementResult):
            return NotImplemented
        return (self.text, self.held, self.actual) == (other.text, other.held, other.actual)

    def __hash__(self) -> int:
        return hash((self.text, self.held))

    def __repr__(self) -> str:
        return f"RequirementResult(text={self.text!r}, held={self.held!r}, actual={self.actual!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (RequirementResult, (self.text, self.held, self.actual))


@attrs.frozen
class LevelResult:
    """A rating level; `reached` when all its requirements hold (the rating is the
    highest level reached)."""

    rank: int
    name: str
    reached: bool
    requirements: tuple[RequirementResult, ...]

    @property
    def failed(self) -> tuple[RequirementResult, ...]:
        return tuple(r for r in self.requirements if not r.held)


@attrs.frozen(eq=False)
class RatingResult:
    """The overall rating: the highest level whose requirements all hold."""

    rank: int  # 0 when no level is reached
    name: str | None
    # Every level and its requirements: given, or made when first read, since a caller that
    # wants the rating reached should not pay for the report of every requirement.
    _levels: tuple[LevelResult, ...] | Callable[[], tuple[LevelResult, ...]] = attrs.field(alias="levels", repr=False)
    provisional: bool

    @functools.cached_property
    def levels(self) -> tuple[LevelResult, ...]:
        return self._levels if isinstance(self._levels, tuple) else self._levels()

    def _key(self) -> tuple[Any, ...]:
        return (self.rank, self.name, self.levels, self.provisional)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RatingResult):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.rank, self.name, self.provisional))

    def __repr__(self) -> str:
        return (f"RatingResult(rank={self.rank!r}, name={self.name!r}, levels={self.levels!r}, "
                f"provisional={self.provisional!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        return (RatingResult, (self.rank, self.name, self.levels, self.provisional))

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank, "name": self.name, "provisional": self.provisional,
            "levels": [{"rank": lv.rank, "name": lv.name, "reached": lv.reached,
                        "failed": [{"requirement": r.text, "actual": r.actual} for r in lv.failed]}
                       for lv in self.levels],
        }


@attrs.frozen
class CohortInfo:
    """The cohort a cohort-dependent result was computed over: how many entities, and a
    digest of their names (sorted), so two results can be told to come from the same one."""

    size: int
    digest: str  # the first 16 hex digits of SHA-256 over the sorted names, one a line
    # A typed standard compares an entity with those of its own type only: that type.
    entity_type: str | None = None

    def to_dict(self) -> dict[str, Any]:
        typed = {} if self.entity_type is None else {"entity_type": self.entity_type}
        return {"size": self.size, "digest": self.digest, **typed}


@attrs.frozen
class MissingValue:
    """An input the entity did not report, and what the standard made of it."""

    input: str
    filled: str  # its `when missing` policy: "zero", "previous", "cohort median", "not applicable", ...
    indicators: tuple[str, ...]  # the codes of the indicators and items that read it
    value: Fraction | None = None  # what it was filled in with, when `zero` or the cohort gave it

    def to_dict(self) -> dict[str, Any]:
        return {"input": self.input, "filled": self.filled, "indicators": list(self.indicators),
                "value": _num(self.value)}


class Rows(Protocol):
    """A scored batch, as its row views read it (see batch.py)."""

    title: str
    edition: str | None
    provisional: tuple[str, ...]
    entity_type: str | None  # the entity's type, for a standard with entity types

    def entity(self, row: int) -> str: ...

    def total(self, row: int) -> Fraction: ...

    def rating_rank(self, row: int) -> int | None: ...

    def indicators(self, row: int) -> tuple[IndicatorResult, ...]: ...

    def groups(self, row: int) -> tuple[GroupResult, ...]: ...

    def nodes(self, row: int) -> tuple[NodeResult, ...]: ...

    def missing(self, row: int) -> tuple[MissingValue, ...]: ...

    def missing_share(self, row: int) -> Fraction: ...

    @property
    def cohort(self) -> CohortInfo | None: ...

    def rating(self, row: int, evaluation: Evaluation) -> RatingResult | None: ...

    def row_dict(self, row: int) -> dict[str, Any]:
        """Evaluation.to_dict() of the row (a batch writes it from its columns)."""
        ...


class Evaluation:
    """Everything a standard says about one entity's statistics: a row of a scored batch.

    A light view: making one costs two attributes. Each figure is read from the batch's
    result columns when asked for, so a caller that needs only the rating pays only
    for the rating.
    """

    def __init__(self, rows: Rows, row: int) -> None:
        self._rows = rows
        self._row = row

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as its own row, every figure read out: not the batch it views (which may hold
        thousands of other rows), nor the evaluator that scored it."""
        return (Evaluation, (StoredRow.of(self), 0))

    @property
    def entity(self) -> str:
        return self._rows.entity(self._row)

    @property
    def standard(self) -> str:
        return self._rows.title

    @property
    def edition(self) -> str | None:
        return self._rows.edition

    @property
    def entity_type(self) -> str | None:
        """The entity's type (`entity type by`), which chose the indicators it is scored on;
        None for a standard without entity types."""
        return self._rows.entity_type

    @property
    def total(self) -> Fraction:
        return self._rows.total(self._row)

    @property
    def rating_rank(self) -> int | None:
        """The rank of the level reached; 0 when none is, None without a rating rule."""
        return self._rows.rating_rank(self._row)

    @property
    def provisional(self) -> tuple[str, ...]:
        """The standard's provisional numbers: a total rests on every indicator's, so on all
        of them; IndicatorResult.provisional says which belong to one indicator."""
        return self._rows.provisional

    # Indicators, groups and nodes are read anew each time (the batch keeps the row read last), not
    # kept here: a cohort's evaluations keeping some 55 objects each cost the collector more than
    # making them (results/objects.py).
    @property
    def indicators(self) -> tuple[IndicatorResult, ...]:
        return self._rows.indicators(self._row)

    @property
    def groups(self) -> tuple[GroupResult, ...]:
        return self._rows.groups(self._row)

    @property
    def cohort(self) -> CohortInfo | None:
        """The cohort its cohort functions compared it with; None when the standard has none."""
        return self._rows.cohort

    @functools.cached_property
    def missing(self) -> tuple[MissingValue, ...]:
        """Every input the entity did not report that the standard filled in or skipped."""
        return self._rows.missing(self._row)

    @property
    def missing_share(self) -> Fraction:
        """The share of the total's maximum resting on inputs the entity did not report."""
        return self._rows.missing_share(self._row)

    @property
    def nodes(self) -> tuple[NodeResult, ...]:
        """Every node's score, parents first: the total, then each group, indicator and item."""
        return self._rows.nodes(self._row)

    @functools.cached_property
    def rating(self) -> RatingResult | None:
        return self._rows.rating(self._row, self)  # the report reads this row's own results

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Evaluation):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.entity, self.standard, self.total))

    def __repr__(self) -> str:
        return (f"Evaluation(entity={self.entity!r}, standard={self.standard!r}, edition={self.edition!r}, "
                f"total={self.total!r}, rating_rank={self.rating_rank!r})")

    def _key(self) -> tuple[Any, ...]:
        return (self.entity, self.standard, self.edition, self.total, self.rating, self.indicators)

    def indicator(self, code: str | int) -> IndicatorResult:
        """An indicator's or item's result, by its code (`12` or 12, `L1P1-A1`)."""
        for result in self.indicators:
            if result.code == str(code):
                return result
        raise NotFound(f"the standard has no indicator {code} scored from a value")

    def node(self, key: str | int) -> NodeResult:
        """Any node's score, by its code (an indicator's, an item's, a group's) or a group's name."""
        for result in self.nodes:
            if str(key) in (result.code, result.name if result.kind == "group" else None):
                return result
        raise NotFound(f"the standard has no indicator, item or group {key}")

    def group(self, name: str) -> GroupResult:
        for result in self.groups:
            if result.name == name:
                return result
        raise NotFound(f"the standard has no group {name!r}")

    def to_dict(self) -> dict[str, Any]:
        return self._rows.row_dict(self._row)


def objects_dict(evaluation: Evaluation) -> dict[str, Any]:
    """Evaluation.to_dict(), written from its result objects: what a row read back from a pickle
    writes, and what a batch's columns must write too (tests/test_result_dicts.py)."""
    e = evaluation
    typed = {} if e.entity_type is None else {"entity_type": e.entity_type}
    return {
        "entity": e.entity, **typed, "standard": e.standard, "edition": e.edition,
        "total": _num(e.total),
        "rating": None if e.rating is None else e.rating.to_dict(),
        "groups": [g.to_dict() for g in e.groups],
        "indicators": [i.to_dict() for i in e.indicators],
        "nodes": [n.to_dict() for n in e.nodes],
        "cohort": None if e.cohort is None else e.cohort.to_dict(),
        "missing": [m.to_dict() for m in e.missing], "missing_share": _num(e.missing_share),
        "provisional": list(e.provisional),
    }


class StoredRow:
    """One evaluation's figures, held rather than read from a batch: what an Evaluation is
    unpickled from, in another process or later."""

    def __init__(self, title: str, edition: str | None, provisional: tuple[str, ...], figures: dict[str, Any],
                 entity_type: str | None = None) -> None:
        self.title = title
        self.edition = edition
        self.provisional = provisional
        self.entity_type = entity_type
        self._figures = figures

    @classmethod
    def of(cls, evaluation: Evaluation) -> StoredRow:
        names = ("entity", "total", "rating_rank", "indicators", "groups", "nodes", "missing", "missing_share",
                 "cohort", "rating")
        return cls(evaluation.standard, evaluation.edition, evaluation.provisional,
                   {name: getattr(evaluation, name) for name in names}, evaluation.entity_type)

    def entity(self, row: int) -> str:
        return cast(str, self._figures["entity"])

    def total(self, row: int) -> Fraction:
        return cast(Fraction, self._figures["total"])

    def rating_rank(self, row: int) -> int | None:
        return cast("int | None", self._figures["rating_rank"])

    def indicators(self, row: int) -> tuple[IndicatorResult, ...]:
        return cast("tuple[IndicatorResult, ...]", self._figures["indicators"])

    def groups(self, row: int) -> tuple[GroupResult, ...]:
        return cast("tuple[GroupResult, ...]", self._figures["groups"])

    def nodes(self, row: int) -> tuple[NodeResult, ...]:
        return cast("tuple[NodeResult, ...]", self._figures["nodes"])

    def missing(self, row: int) -> tuple[MissingValue, ...]:
        return cast("tuple[MissingValue, ...]", self._figures["missing"])

    def missing_share(self, row: int) -> Fraction:
        return cast(Fraction, self._figures["missing_share"])

    @property
    def cohort(self) -> CohortInfo | None:
        return cast("CohortInfo | None", self._figures["cohort"])

    def rating(self, row: int, evaluation: Evaluation) -> RatingResult | None:
        return cast("RatingResult | None", self._figures["rating"])

    def row_dict(self, row: int) -> dict[str, Any]:
        return objects_dict(Evaluation(self, row))
