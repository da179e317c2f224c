"""The scoring plan: what every back-end runs, lowered once from a checked standard.

Nothing syntactic is left in it. Inputs are slots with their domains; formulas are a few
basic operations, each division naming the input to blame for a zero; star bands are
whole-number thresholds on a common scale; points, deductions and linear scales are
numbers; groups and the rating refer to indicators by index. A plan is frozen, and
`dump()` writes it as text, so a change to lowering shows as a diff of a golden file.
"""

from __future__ import annotations

import enum
from fractions import Fraction

import attrs

from ..language.check import NodeKind as NodeKind  # the node tree's kinds, as the checker made them
from ..language.numbers import fmt
from ..language.syntax import Aggregation, BandRule, Compare, Function, Kind, MissingPolicy, ZeroPolicy
from .semantics import Domain, Rounding, deduction_points, linear_points, table_row


# ------------------------------------------------------------------ inputs
@attrs.frozen
class InputSlot:
    """One statistic a record carries: an input this period, or `NAME@previous`."""

    key: str  # the record key
    name: str  # the input's declared name
    previous: bool
    kind: Kind
    domain: Domain
    whole: int | None  # the slot of the input it is `part of`, in the same period
    first_user: str | None  # the indicator that errors about this input name: the first to read it
    missing: MissingPolicy = MissingPolicy.ERROR  # what a missing value means; last period's: an error
    # Declaring no policy, it may still be missing where a node's `when missing` covers a reader:
    # read with a flag, each reader then applying its own policy.
    tolerant: bool = False


# ------------------------------------------------------------------ formulas
class Arith(enum.Enum):
    ADD = "+"
    SUB = "-"
    MUL = "*"


@attrs.frozen
class Const:
    value: Fraction


@attrs.frozen
class Load:
    slot: int


@attrs.frozen
class Negate:
    operand: Op


@attrs.frozen
class Binary:
    op: Arith
    left: Op
    right: Op


@attrs.frozen
class Divide:
    """left / right; a zero right side signals the indicator's zero policy, naming `blame`.

    `bounded` (the labels of part and whole) makes it a ratio whose part may not exceed
    its whole: bad data, unless the inputs are declared `part of` and so checked on reading.
    """

    left: Op
    right: Op
    blame: str | None  # the record key of the input that was zero, when the divisor is one
    bounded: tuple[str, str] | None = None


@attrs.frozen
class Sum:
    """terms[0] + terms[1] + ..., in order."""

    terms: tuple[Op, ...]


@attrs.frozen
class Tally:
    """A checklist: the points of each yes/no slot that holds, summed."""

    items: tuple[tuple[Fraction, int], ...]  # (points, slot)


@attrs.frozen
class Extreme:
    """The largest (max) or smallest (min) of the operands, exactly."""

    largest: bool
    operands: tuple[Op, ...]


@attrs.frozen
class Root:
    """√operand, an exact Surd (plan/surds.py); a negative operand is bad data naming `reads`,
    the record keys the operand reads. Only an irrational leaf's formula holds one."""

    operand: Op
    reads: tuple[str, ...]


@attrs.frozen
class CohortValue:
    """This entity's value of a cohort site (rank or share), computed across the cohort first."""

    site: int


Op = Const | Load | Negate | Binary | Divide | Sum | Tally | Extreme | Root | CohortValue


# ------------------------------------------------------------------ scoring
@attrs.frozen
class Banding:
    """Star bands as whole numbers: threshold t is t * scale (see semantics.stars)."""

    rule: BandRule
    thresholds: tuple[int, ...]
    scale: int


@attrs.frozen
class StarPoints:
    """Points for 0 to 5 stars: maximum x stars / 5, each rounded as declared."""

    table: tuple[Fraction, ...]
    maximum: Fraction  # so the unrounded points, maximum x stars / 5, can be told

    def unrounded(self, num: int, den: int, stars: int | None) -> Fraction:
        return self.maximum * (stars or 0) / 5


@attrs.frozen
class TablePoints:
    """The points of the one row the value satisfies; rows are (low, low closed, high, high
    closed, points) with None for an open end, and every value satisfies exactly one (checked)."""

    rows: tuple[tuple[Fraction | None, bool, Fraction | None, bool, Fraction], ...]  # points as written
    maximum: Fraction
    rounded: tuple[Fraction, ...] = ()  # each row's points, rounded as the leaf is

    def row(self, num: int, den: int) -> int:
        return table_row(self.rows, Fraction(num, den))

    def unrounded(self, num: int, den: int, stars: int | None) -> Fraction:
        return self.rows[self.row(num, den)][4]


@attrs.frozen
class LinearPoints:
    """maximum x the value's position between low and high, capped to [0, 1], rounded."""

    low: Fraction
    high: Fraction
    maximum: Fraction

    def unrounded(self, num: int, den: int, stars: int | None) -> Fraction:
        return linear_points(num, den, self.low, self.high, self.maximum, None)


@attrs.frozen
class DeductionPoints:
    """`each` off per unit of the value, at most `cap` if there is one; never a bonus."""

    each: Fraction
    cap: Fraction | None

    def unrounded(self, num: int, den: int, stars: int | None) -> Fraction:
        return deduction_points(num, den, self.each, self.cap, None)


@attrs.frozen
class IndicatorPlan:
    """A scored leaf: an indicator with a value, or an item."""

    code: str
    formula: Op
    zero_policy: ZeroPolicy
    banding: Banding | None  # None for deductions and for leaves without star bands
    points: StarPoints | LinearPoints | DeductionPoints | TablePoints
    # Points are whole multiples of 1/ScoringPlan.points_scale, so back-ends return them
    # scaled as ints; otherwise as exact Fractions.
    scaled: bool
    rounding: Rounding | None  # how its linear points and deductions are rounded
    reads: tuple[int, ...] = ()  # this period's slots its formula reads
    # For tolerant slots it reads (InputSlot.tolerant): what a missing value means here.
    defaults: tuple[tuple[int, MissingPolicy], ...] = ()
    # Its share of the total's maximum (its maximum, times the weights above it, over the
    # top-level scored maxima): what it carries toward `unrated when missing more than P`.
    carries: Fraction = Fraction(0)
    # Its formula holds a square root (sqrt, zscore): it is computed as a Surd, its stars, point
    # rows and value requirements decided on that exact value, and its value shown (and scored
    # linearly) at its rounding. Rational leaves keep the (num, den) pairs.
    irrational: bool = False


@attrs.frozen
class CohortSite:
    """A rank() or share() call: its argument is evaluated per entity, then across the cohort."""

    function: Function
    formula: Op
    indicator: str  # the code of the indicator that calls it
    zero_policy: ZeroPolicy


@attrs.frozen
class NodePlan:
    """A node of the standard's tree: its leaf's points, or its members' scores summed,
    capped, weighted and rounded (semantics.node_score). nodes[0] is the standard, whose
    score is the total; members come after their parent."""

    kind: NodeKind
    code: str | None
    name: str
    members: tuple[int, ...]  # node indices
    leaf: int | None  # the indicator index, for a scored leaf
    bonus: bool
    cap: Fraction | None  # a bonus group's `at most`
    weight: Fraction | None
    rounding: Rounding | None
    maximum: Fraction | None  # None for deductions
    redistribute: bool = False  # not-applicable members' weight goes to the applicable ones
    aggregation: Aggregation | None = None  # None: the members' sum
    weighs: bool = False  # as a member, it carries weight in a mean and in redistribution (check.Node.weighs)


# ------------------------------------------------------------------ rating
@attrs.frozen
class TotalAtLeast:
    compare: Compare
    threshold: Fraction


@attrs.frozen
class EveryLeading:
    compare: Compare
    stars: int
    members: tuple[int, ...]  # the leading indicators' indices


@attrs.frozen
class IndicatorValue:
    compare: Compare
    indicator: int
    threshold: Fraction


@attrs.frozen
class IndicatorStars:
    compare: Compare
    indicator: int
    stars: int


@attrs.frozen
class NodePoints:
    """A group's, an indicator's or an item's score compares with a number of points."""

    compare: Compare
    node: int
    points: Fraction


RequirementPlan = TotalAtLeast | EveryLeading | IndicatorValue | IndicatorStars | NodePoints


@attrs.frozen
class LevelPlan:
    rank: int
    name: str
    requirements: tuple[RequirementPlan, ...]


@attrs.frozen
class OverridePlan:
    """A veto (cap None: unrated) or a cap (at most level `cap`) that holds when all its
    requirements do."""

    cap: int | None
    reason: str
    requirements: tuple[RequirementPlan, ...]


@attrs.frozen
class ScoringPlan:
    slots: tuple[InputSlot, ...]  # ordered: this period's first, each in declaration order
    main_reads: tuple[int, ...]  # the slots the per-entity evaluation reads
    cohort_reads: tuple[int, ...]  # the slots the cohort sites' arguments read
    # Inputs no formula reads: still checked (domain, part of its whole) when a record has them.
    unread: tuple[int, ...]
    cohort_sites: tuple[CohortSite, ...]
    indicators: tuple[IndicatorPlan, ...]
    nodes: tuple[NodePlan, ...]
    levels: tuple[LevelPlan, ...] | None  # None: the standard has no rating rule
    points_scale: int  # the common denominator of scaled points
    imputed: tuple[int, ...] = ()  # the slots whose missing values the cohort fills in
    overrides: tuple[OverridePlan, ...] = ()  # the rating's vetoes and caps
    unrated_above: Fraction | None = None  # `unrated when missing more than P`

    @property
    def tracks_missing(self) -> bool:
        """Whether some input may be missing without an error, so results list what was filled in."""
        return any(slot.missing is not MissingPolicy.ERROR for slot in self.slots)

    @property
    def groups(self) -> tuple[int, ...]:
        """The indices of the group nodes, at every level."""
        return tuple(k for k, node in enumerate(self.nodes) if node.kind is NodeKind.GROUP)

    @property
    def needs_cohort(self) -> bool:
        return bool(self.cohort_sites or self.imputed)

    def dump(self) -> str:
        """The plan as text, one fact a line: for golden files and for reading."""
        return "\n".join(_dump(self)) + "\n"


# ------------------------------------------------------------------ dump
class _Names:
    """Names for the ops a formula reads more than once (growth's previous value): the dump
    writes such an op in full once, as `#k=...`, and as `#k` after, so it stays linear."""

    def __init__(self) -> None:
        self.counts: dict[int, int] = {}
        self.names: dict[int, str] = {}

    def count(self, op: Op) -> None:
        self.counts[id(op)] = self.counts.get(id(op), 0) + 1
        if self.counts[id(op)] == 1:
            for child in operands(op):
                self.count(child)


def operands(op: Op) -> tuple[Op, ...]:
    """The ops an op reads directly, in order."""
    match op:
        case Negate(operand) | Root(operand, _):
            return (operand,)
        case Binary(_, left, right) | Divide(left, right, _, _):
            return (left, right)
        case Sum(terms):
            return terms
        case Extreme(_, operands):
            return operands
    return ()


def reads_of(op: Op) -> tuple[int, ...]:
    """The slots an op reads, each once, checklists' included."""
    found: dict[int, None] = {}
    pending = [op]
    while pending:
        current = pending.pop()
        if isinstance(current, Load):
            found[current.slot] = None
        elif isinstance(current, Tally):
            found.update((slot, None) for _, slot in current.items)
        pending.extend(operands(current))
    return tuple(found)


def _shown(op: Op, slots: tuple[InputSlot, ...], names: _Names) -> str:
    if isinstance(op, (Const, Load, CohortValue)) or names.counts.get(id(op), 0) < 2:
        return _op(op, slots, names)
    if id(op) in names.names:
        return names.names[id(op)]
    names.names[id(op)] = f"#{len(names.names) + 1}"
    return f"{names.names[id(op)]}={_op(op, slots, names)}"


def _formula(op: Op, slots: tuple[InputSlot, ...]) -> str:
    names = _Names()
    names.count(op)
    return _shown(op, slots, names)


def _op(op: Op, slots: tuple[InputSlot, ...], names: _Names) -> str:
    def show(child: Op) -> str:
        return _shown(child, slots, names)

    match op:
        case Const(value):
            return fmt(value)
        case Load(slot):
            return f"${slots[slot].key}"
        case Negate(operand):
            return f"-({show(operand)})"
        case Binary(kind, left, right):
            return f"({show(left)} {kind.value} {show(right)})"
        case Divide(left, right, blame, bounded):
            check = "" if bounded is None else " part<=whole"
            return f"({show(left)} / {show(right)} blame={blame}{check})"
        case Sum(terms):
            return "sum(" + ", ".join(show(t) for t in terms) + ")"
        case Tally(items):
            return "tally(" + ", ".join(f"{fmt(p)}*${slots[k].key}" for p, k in items) + ")"
        case Extreme(largest, operands):
            return ("max(" if largest else "min(") + ", ".join(show(o) for o in operands) + ")"
        case Root(operand, _):
            return f"sqrt({show(operand)})"
        case CohortValue(site):
            return f"cohort[{site}]"
    raise AssertionError(op)


def _numbers(values: tuple[Fraction, ...]) -> str:
    return ", ".join(fmt(v) for v in values)


def _points(points: StarPoints | LinearPoints | DeductionPoints | TablePoints) -> str:
    match points:
        case TablePoints(rows, _, _):
            return "points table [" + "; ".join(_row(row) for row in rows) + "]"
        case StarPoints(table, _):
            return f"points by stars [{_numbers(table)}]"
        case LinearPoints(low, high, maximum):
            return f"points {fmt(maximum)} linear from {fmt(low)} to {fmt(high)}"
        case DeductionPoints(each, cap):
            return f"deduct {fmt(each)} each" + ("" if cap is None else f", at most {fmt(cap)}")
    raise AssertionError(points)


def _row(row: tuple[Fraction | None, bool, Fraction | None, bool, Fraction]) -> str:
    low, low_closed, high, high_closed, points = row
    bounds = ([] if low is None else [(">=" if low_closed else ">") + f" {fmt(low)}"]) + (
        [] if high is None else [("<=" if high_closed else "<") + f" {fmt(high)}"])
    return " and ".join(bounds) + f": {fmt(points)}"


def _requirement(req: RequirementPlan) -> str:
    match req:
        case TotalAtLeast(compare, threshold):
            return f"total {compare.value} {fmt(threshold)}"
        case EveryLeading(compare, stars, members):
            return f"indicators {list(members)} stars {compare.value} {stars}"
        case IndicatorValue(compare, indicator, threshold):
            return f"indicator[{indicator}] value {compare.value} {fmt(threshold)}"
        case IndicatorStars(compare, indicator, stars):
            return f"indicator[{indicator}] stars {compare.value} {stars}"
        case NodePoints(compare, node, points):
            return f"node[{node}] points {compare.value} {fmt(points)}"
    raise AssertionError(req)


def _rounding(rounding: Rounding | None) -> str:
    return "" if rounding is None else f", rounded to {rounding.decimals} {rounding.mode.value}"


def _dump(plan: ScoringPlan) -> list[str]:
    lines = [f"points scale {plan.points_scale}", "slots:"]
    for k, slot in enumerate(plan.slots):
        d = slot.domain
        high = "inf" if d.high is None else fmt(d.high)
        whole = "" if slot.whole is None else f" part of ${plan.slots[slot.whole].key}"
        lines.append(f"  {k} ${slot.key} {slot.kind.value} [{fmt(d.low)}, {high}]"
                     f"{' whole' if d.whole else ''}{whole} first read by {slot.first_user}")
    lines.append(f"main reads {list(plan.main_reads)}; cohort reads {list(plan.cohort_reads)}; "
                 f"unread {list(plan.unread)}")
    for k, site in enumerate(plan.cohort_sites):
        lines.append(f"cohort[{k}] {site.function.value}({_formula(site.formula, plan.slots)}) "
                     f"for indicator {site.indicator}, on zero {site.zero_policy.value}")
    for k, item in enumerate(plan.indicators):
        band = "" if item.banding is None else (
            f" {item.banding.rule.value} [{', '.join(map(str, item.banding.thresholds))}] / {item.banding.scale}")
        lines += [f"indicator[{k}] {item.code}, on zero {item.zero_policy.value}"
                  f"{', scaled' if item.scaled else ''}{', irrational' if item.irrational else ''}"
                  f"{_rounding(item.rounding)}",
                  f"  value {_formula(item.formula, plan.slots)}", f"  stars{band or ' none'}",
                  f"  {_points(item.points)}"]
    for k, node in enumerate(plan.nodes):
        cap = "" if node.cap is None else f" at most {fmt(node.cap)}"
        weight = "" if node.weight is None else f" weight {fmt(node.weight)}"
        weight += "" if node.aggregation is None else f" aggregate {node.aggregation.value}"
        weight += " redistribute" if node.redistribute else ""
        what = f"leaf indicator[{node.leaf}]" if node.leaf is not None else f"members {list(node.members)}"
        name = node.name if node.code is None else f"{node.code} {node.name}"
        lines.append(f"node[{k}] {node.kind.value} {name!r}{' bonus' if node.bonus else ''}{cap}{weight}"
                     f"{_rounding(node.rounding)}: {what}")
    for level in plan.levels or ():
        lines.append(f"level {level.rank} {level.name!r} when "
                     + " and ".join(_requirement(r) for r in level.requirements))
    return lines
