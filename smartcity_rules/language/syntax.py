"""The syntax tree: small frozen nodes, each carrying its source span.

Spans never take part in equality, so two standards that say the same thing
compare equal wherever they were written.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Iterator
from fractions import Fraction

import attrs

from .source import Span


def _span() -> Span:
    return attrs.field(eq=False, repr=False, kw_only=True)  # type: ignore[no-any-return]


# ---------------------------------------------------------------- literals
@attrs.frozen(slots=True)
class Literal:
    """An exact number as written: `12`, `0.5`, `30%`, `1/3`, `-5%`."""

    value: Fraction
    text: str
    span: Span = _span()


@attrs.frozen(slots=True)
class PerType:
    """A number written per entity type: `10 for "市", 12 for "县"` (one type each)."""

    values: tuple[tuple[str, Literal], ...]  # (entity type, its number), as written
    span: Span = _span()

    def get(self, entity_type: str) -> Literal | None:
        return next((literal for name, literal in self.values if name == entity_type), None)


@attrs.frozen(slots=True)
class ForTypes:
    """`for "市", "县"` after a node's name: the entity types the node applies to."""

    names: tuple[str, ...]
    span: Span = _span()


# Fields that may be written per entity type, with the node's main field holding the first
# number written: a typed tree is only ever checked through its projections (variants.py).
PerTypeFields = tuple[tuple[str, PerType], ...]


# ---------------------------------------------------------------- formulas
@attrs.frozen(slots=True)
class Ref:
    """A reported statistic, by its input name."""

    name: str
    span: Span = _span()


class BinaryOp(enum.Enum):
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"


@attrs.frozen(slots=True)
class Binary:
    op: BinaryOp
    left: Expr
    right: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class Neg:
    operand: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class Power:
    """`x ^ n`: a whole power, exactly."""

    base: Expr
    exponent: int
    span: Span = _span()


class Function(enum.Enum):
    """The functions a formula may call; consumers dispatch on these, never on names."""

    RATIO = "ratio"
    GROWTH = "growth"
    PREVIOUS = "previous"
    RANK = "rank"
    SHARE = "share"
    MINMAX = "minmax"
    PERCENTILE = "percentile"
    TO_BEST = "to_best"
    ZSCORE = "zscore"
    COHORT_MEAN = "cohort_mean"
    COHORT_MEDIAN = "cohort_median"
    COHORT_MIN = "cohort_min"
    COHORT_MAX = "cohort_max"
    MIN = "min"
    MAX = "max"
    CLAMP = "clamp"
    SQRT = "sqrt"

    @property
    def compares_entities(self) -> bool:
        """The cohort functions are computed across the cohort, not from one record."""
        return self in _COHORT_FUNCTIONS


_COHORT_FUNCTIONS = frozenset({Function.RANK, Function.SHARE, Function.MINMAX, Function.PERCENTILE,
                               Function.TO_BEST, Function.COHORT_MEAN, Function.COHORT_MEDIAN,
                               Function.COHORT_MIN, Function.COHORT_MAX, Function.ZSCORE})


@attrs.frozen(slots=True)
class Call:
    """`ratio(a, b)`, `growth(x)`, `previous(x)`, `min`, `max`, `clamp`, or a cohort function
    such as `rank(x)`, `share(x)`, `minmax(x)`."""

    function: str  # as written: the parser keeps unknown names for the checker to report
    args: tuple[Expr, ...]
    span: Span = _span()
    name_span: Span = _span()

    @property
    def callee(self) -> Function:
        """The function called, to dispatch on; in a checked tree every name is known."""
        return Function(self.function)


@attrs.frozen(slots=True)
class WeightedPart:
    weight: Literal
    expr: Expr
    span: Span = _span()


@attrs.frozen(slots=True)
class Weighted:
    """Sub-scores weighted by fractions that add up to one."""

    parts: tuple[WeightedPart, ...]
    span: Span = _span()


@attrs.frozen(slots=True)
class ChecklistItem:
    name: str
    points: Literal
    span: Span = _span()


@attrs.frozen(slots=True)
class Checklist:
    """Yes/no items, each worth points when it holds; the value is their sum."""

    items: tuple[ChecklistItem, ...]
    span: Span = _span()


Expr = Literal | Ref | Binary | Neg | Power | Call | Weighted | Checklist


def children(expr: Expr) -> tuple[Expr, ...]:
    """The formulas directly inside one (a weighted part's weight and checklist points are not)."""
    if isinstance(expr, Binary):
        return expr.left, expr.right
    if isinstance(expr, Neg):
        return (expr.operand,)
    if isinstance(expr, Power):
        return (expr.base,)
    if isinstance(expr, Call):
        return expr.args
    if isinstance(expr, Weighted):
        return tuple(part.expr for part in expr.parts)
    return ()


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of a formula, parents before children, left to right.

    With a stack, not recursion: nested `yield from` costs a frame and a hop per level for
    every node, which made a deep formula quadratic and a RecursionError a matter of depth."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(children(node)))


ROOTS = (Function.SQRT.value, Function.ZSCORE.value)  # the functions whose values are irrational


def holds_root(expr: Expr) -> bool:
    """Whether a formula holds a square root (`sqrt`, `zscore`): its value is then irrational
    in general (docs/language.md §5, Square roots)."""
    return any(isinstance(node, Call) and node.function in ROOTS for node in walk(expr))


def input_names(expr: Expr) -> Iterator[str]:
    """The names of the inputs a formula reads, checklist items included, in order."""
    for node in walk(expr):
        if isinstance(node, Ref):
            yield node.name
        elif isinstance(node, Checklist):
            yield from (item.name for item in node.items)


# ------------------------------------------------------------------ inputs
class Kind(enum.Enum):
    """What an input measures; decides its type, domain and unit checks."""

    COUNT = "count"
    MONEY = "money"
    AREA = "area"
    LENGTH = "length"
    MEASURE = "measure"
    RATE = "rate"
    FLAG = "flag"
    SCORE = "score"
    RANK = "rank"


class Direction(enum.Enum):
    """Which way is good for an input or an indicator's value."""

    HIGHER = "higher"
    LOWER = "lower"


class Aggregation(enum.Enum):
    """How an inner node combines its members (docs/language.md §9, Aggregation)."""

    ARITHMETIC = "arithmetic"
    GEOMETRIC = "geometric"
    HARMONIC = "harmonic"
    MINIMUM = "minimum"


class MissingPolicy(enum.Enum):
    """What a missing value of an input means (docs/language.md §3, Missing values)."""

    ERROR = "error"
    ZERO = "zero"
    PREVIOUS = "previous"
    COHORT_MEAN = "cohort mean"
    COHORT_MEDIAN = "cohort median"
    COHORT_MIN = "cohort min"
    NOT_APPLICABLE = "not applicable"

    @property
    def from_cohort(self) -> bool:
        return self in (MissingPolicy.COHORT_MEAN, MissingPolicy.COHORT_MEDIAN, MissingPolicy.COHORT_MIN)


@attrs.frozen(slots=True)
class InputDecl:
    name: str
    label: str
    kind: Kind
    unit: str | None
    part_of: str | None = None
    score_range: tuple[Literal, Literal] | None = None
    better: Direction | None = None  # as declared; see `direction` for the default
    missing: MissingPolicy = MissingPolicy.ERROR
    missing_declared: bool = False  # `when missing` is written: it wins over any node's
    span: Span = _span()
    name_span: Span = _span()
    part_of_span: Span | None = attrs.field(default=None, eq=False, repr=False, kw_only=True)

    @property
    def direction(self) -> Direction | None:
        """Which way is good: as declared, else higher for a part of a whole, else unknown."""
        if self.better is not None:
            return self.better
        return Direction.HIGHER if self.part_of is not None else None


@attrs.frozen(slots=True)
class ChoiceInput:
    """`input 类型 "entity type": choice of "市", "县"`: an input whose value is one of a few
    texts; it says an entity's type (`entity type by 类型`), and no formula reads it."""

    name: str
    label: str
    choices: tuple[str, ...]
    span: Span = _span()
    name_span: Span = _span()


# -------------------------------------------------------------- star bands
class BandRule(enum.Enum):
    """The one boundary rule: a value exactly at a threshold reaches that band."""

    AT_LEAST = "at least"  # more is better
    AT_MOST = "at most"  # less is better

    @property
    def better(self) -> Direction:
        """Which way these bands reward: the one place a band rule becomes a direction."""
        return Direction.HIGHER if self is BandRule.AT_LEAST else Direction.LOWER


@attrs.frozen(slots=True)
class StarBands:
    """Thresholds for 1 to 5 stars; below the first, no stars."""

    rule: BandRule
    thresholds: tuple[Literal, ...]
    provisional: bool
    span: Span = _span()


@attrs.frozen(slots=True)
class BandsRef:
    name: str
    span: Span = _span()


@attrs.frozen(slots=True)
class BandsDecl:
    name: str
    bands: StarBands
    span: Span = _span()


# -------------------------------------------------------------- indicators
@attrs.frozen(slots=True)
class FromStars:
    """Points = maximum x stars / 5."""


@attrs.frozen(slots=True)
class Linear:
    """Points = maximum x the value's position between two bounds, capped to [0, 1]."""

    low: Literal
    high: Literal
    span: Span = _span()


@attrs.frozen(slots=True)
class TableRow:
    """One row of a point table: `>= 93% and < 97%: 95`; a missing bound is unbounded."""

    low: Literal | None
    low_closed: bool  # `>=` rather than `>`
    high: Literal | None
    high_closed: bool  # `<=` rather than `<`
    points: Literal
    span: Span = _span()

    def holds(self, value: Fraction) -> bool:
        above = self.low is None or (value >= self.low.value if self.low_closed else value > self.low.value)
        below = self.high is None or (value <= self.high.value if self.high_closed else value < self.high.value)
        return above and below


@attrs.frozen(slots=True)
class Table:
    """Points = those of the one row the value satisfies."""

    rows: tuple[TableRow, ...]
    span: Span = _span()


@attrs.frozen(slots=True)
class Points:
    maximum: Literal
    scoring: FromStars | Linear | Table
    provisional: bool
    span: Span = _span()


@attrs.frozen(slots=True)
class Deduction:
    """Points off per unit of the value (per incident), capped unless `cap` is None."""

    each: Literal
    cap: Literal | None
    provisional: bool
    span: Span = _span()


class RoundMode(enum.Enum):
    """How a score is rounded to its declared decimals."""

    HALF_UP = "half up"  # halves away from zero
    HALF_EVEN = "half even"  # halves to the even last digit
    TRUNCATE = "truncate"  # towards zero


@attrs.frozen(slots=True)
class Rounding:
    """`rounding N decimals [mode]`: for the node that declares it and everything inside."""

    decimals: int
    mode: RoundMode = RoundMode.HALF_UP
    span: Span = _span()


class ZeroPolicy(enum.Enum):
    """What a zero denominator means for an indicator."""

    ERROR = "error"
    NOT_APPLICABLE = "not applicable"
    ZERO = "zero"


@attrs.frozen(slots=True)
class Origin:
    """Where a reused indicator came from: the base standard's file and number, and
    which of its clauses this standard replaced."""

    standard: str  # the base file, as the `use` line resolved it
    alias: str
    code: str  # the indicator's code there
    replaced: tuple[str, ...]


def code_number(code: str) -> int | None:
    """The number a code is, for codes such as `12`; None for `L1P1-A1` or `2.3.1`."""
    return int(code) if code.isascii() and code.isdigit() else None


def code_order(code: str) -> tuple[int, str]:
    """Sorts numbered codes by number, then the others as written."""
    number = code_number(code)
    return (number, "") if number is not None else (10**9, code)


@attrs.frozen(slots=True)
class Indicator:
    """An indicator, or (`is_item`) one of an indicator's items (分项).

    It has a `value` and scores it, or it is made of `items` and scores their sum."""

    code: str  # as written: `12`, `L1P1-A1`, `2.3.1`
    name: str
    leading: bool
    provisional: bool
    description: str = ""
    notes: tuple[str, ...] = ()
    value: Expr | None = None
    stars: StarBands | BandsRef | None = None
    points: Points | None = None
    deduction: Deduction | None = None
    zero_policy: ZeroPolicy = ZeroPolicy.ERROR
    better: Direction | None = None  # as declared; see `direction` for the default
    weight: Literal | None = None
    rounding: Rounding | None = None
    items: tuple[Indicator, ...] = ()
    is_item: bool = False
    redistribute: bool = False  # made of items: `when not applicable: redistribute`
    aggregation: Aggregation | None = None  # made of items: `aggregate ...`; None: the sum
    missing: MissingPolicy | None = None  # `when missing: ...` for the inputs read inside it
    types: ForTypes | None = None  # `for "县"`: the entity types it applies to; None: all
    per_type: PerTypeFields = ()  # `points 10 for "市", 12 for "县"`, `weight ... for ...`
    # Not part of equality: a reused indicator means what its copy would mean.
    origin: Origin | None = attrs.field(default=None, eq=False, kw_only=True)
    span: Span = _span()
    code_span: Span = _span()

    @property
    def number(self) -> int | None:
        return code_number(self.code)

    @property
    def direction(self) -> Direction | None:
        """Which way is good for the value (see `indicator_direction`); None when named
        bands are not resolved yet (the checker resolves them)."""
        return indicator_direction(self, self.stars if isinstance(self.stars, StarBands) else None)


def indicator_direction(indicator: Indicator, bands: StarBands | None) -> Direction | None:
    """Which way is good for an indicator's value: as declared, else lower for a deduction
    (it counts incidents), else as its star bands reward; the one rule for every caller."""
    if indicator.better is not None:
        return indicator.better
    if indicator.deduction is not None:
        return Direction.LOWER
    return None if bands is None else bands.rule.better


@attrs.frozen(slots=True)
class ReusedIndicator:
    """`indicator 5 from city 7 { ... }`: another standard's indicator, renumbered,
    with the clauses given here replacing its own. link.py turns it into an Indicator."""

    code: str
    standard: str  # the alias of a `use` line
    base_code: str
    name: str | None
    leading: bool
    provisional: bool
    clauses: tuple[tuple[str, object], ...]  # (field of Indicator, value), in source order
    notes: tuple[str, ...]
    types: ForTypes | None = None  # `for "县"`: this standard's, never the base's
    span: Span = _span()
    code_span: Span = _span()
    base_span: Span = _span()


@attrs.frozen(slots=True)
class Group:
    """A group of indicators and groups; groups nest to any depth."""

    name: str
    bonus: bool
    points: Literal | None
    cap: Literal | None
    provisional: bool
    # Only Indicators and Groups once linked (link.py); the checker sees no ReusedIndicator.
    members: tuple[Indicator | ReusedIndicator | Group, ...]
    code: str | None = None
    weight: Literal | None = None
    rounding: Rounding | None = None
    redistribute: bool = False  # `when not applicable: redistribute`
    aggregation: Aggregation | None = None  # `aggregate ...`; None: the sum
    missing: MissingPolicy | None = None  # `when missing: ...` for the inputs read inside it
    types: ForTypes | None = None  # `for "县"`: the entity types it applies to; None: all
    per_type: PerTypeFields = ()  # `points 10 for "市", 12 for "县"`, and `weight`, `at most`
    span: Span = _span()
    name_span: Span = _span()

    @property
    def indicators(self) -> tuple[Indicator | ReusedIndicator, ...]:
        """The indicators directly in this group, not in its sub-groups."""
        return tuple(m for m in self.members if not isinstance(m, Group))

    @property
    def subgroups(self) -> tuple[Group, ...]:
        return tuple(m for m in self.members if isinstance(m, Group))


# ------------------------------------------------------------------ rating
class Compare(enum.Enum):
    GE = ">="
    GT = ">"
    LE = "<="
    LT = "<"


@attrs.frozen(slots=True)
class TotalRequirement:
    compare: Compare
    threshold: Literal
    span: Span = _span()


@attrs.frozen(slots=True)
class LeadingRequirement:
    """Every leading (★) indicator compares with a number of stars."""

    compare: Compare
    stars: Literal
    span: Span = _span()


class Measure(enum.Enum):
    """What an `indicator CODE` requirement compares: the value, the star level or the score."""

    VALUE = "value"
    STARS = "stars"
    POINTS = "points"


@attrs.frozen(slots=True)
class IndicatorRequirement:
    """An indicator's value, star level (`stars`) or score (`points`) compares with a threshold."""

    code: str
    compare: Compare
    threshold: Literal
    measure: Measure
    span: Span = _span()
    code_span: Span = _span()

    @property
    def on_stars(self) -> bool:
        return self.measure is Measure.STARS


@attrs.frozen(slots=True)
class GroupRequirement:
    group: str
    compare: Compare
    points: Literal
    span: Span = _span()


Requirement = TotalRequirement | LeadingRequirement | IndicatorRequirement | GroupRequirement


@attrs.frozen(slots=True)
class Level:
    rank: Literal
    name: str
    requirements: tuple[Requirement, ...]
    types: ForTypes | None = None  # `level 5 "五星级" for "市" when ...`; None: every type
    span: Span = _span()


@attrs.frozen(slots=True)
class Override:
    """`veto "reason" when ...` (unrated) or `cap R "reason" when ...` (at most level R)."""

    cap: Literal | None  # None for a veto
    reason: str
    requirements: tuple[Requirement, ...]
    types: ForTypes | None = None  # `veto "reason" for "县" when ...`; None: every type
    span: Span = _span()


@attrs.frozen(slots=True)
class Rating:
    levels: tuple[Level, ...]
    provisional: bool
    unrated_above: Literal | None = None  # `unrated when missing more than P`
    overrides: tuple[Override, ...] = ()
    span: Span = _span()


# ------------------------------------------------------------------ header
class EntityLevel(enum.Enum):
    CITY = "city"
    COUNTY = "county"
    COMMUNITY = "community"


@attrs.frozen(slots=True)
class Header:
    title: str
    level: EntityLevel | None = None
    edition: str | None = None
    effective: datetime.date | None = None
    source: str | None = None
    total: Literal | None = None
    total_provisional: bool = False
    rounding: Rounding | None = None
    notes: tuple[str, ...] = ()  # e.g. why some numbers are provisional
    entity_type: str | None = None  # `entity type by 类型`: the choice input that routes
    per_type: PerTypeFields = ()  # `total 100 for "市", 90 for "县"`
    span: Span = _span()
    entity_type_span: Span | None = attrs.field(default=None, eq=False, repr=False, kw_only=True)


@attrs.frozen(slots=True)
class Use:
    """`use "path.scs" as alias`: a standard whose indicators this one may take."""

    path: str
    alias: str
    span: Span = _span()
    alias_span: Span = _span()


@attrs.frozen(slots=True)
class StandardFile:
    """A whole parsed standard file, in source order."""

    header: Header | None
    inputs: tuple[InputDecl, ...]
    bands: tuple[BandsDecl, ...]
    groups: tuple[Group, ...]
    rating: Rating | None
    uses: tuple[Use, ...] = ()
    choices: tuple[ChoiceInput, ...] = ()  # choice inputs: they route entity types
    span: Span = _span()

    def all_groups(self) -> Iterator[Group]:
        """Every group at every level, parents before children, in source order."""
        return walk_groups(self.groups)

    def all_indicators(self) -> Iterator[Indicator]:
        """Every linked indicator at every level, items not included, in source order."""
        return walk_indicators(self.groups)


def walk_groups(groups: tuple[Group, ...]) -> Iterator[Group]:
    """Groups and their sub-groups, parents first, in source order (without recursion: the
    parser bounds nesting, but a stack costs nothing)."""
    stack = list(reversed(groups))
    while stack:
        group = stack.pop()
        yield group
        stack.extend(reversed(group.subgroups))


def walk_indicators(groups: tuple[Group, ...]) -> Iterator[Indicator]:
    """Every linked indicator in the groups and their sub-groups, in source order."""
    return (m for g in walk_groups(groups) for m in g.indicators if isinstance(m, Indicator))


def scored_leaves(indicator: Indicator) -> tuple[Indicator, ...]:
    """What is scored from a value: the indicator itself, or its items."""
    return indicator.items if indicator.items else (indicator,)
