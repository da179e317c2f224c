"""The reference's own syntax tree: plain frozen dataclasses, one per construct of docs/language.md."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

# A code as results key it (§9, *Codes*): an all-digit code is a number (`12`, also written `012`),
# any other (`L1P1-A1`, `2.3.1`) the text as written, case and all.
Code = int | str


def code_key(text: str) -> Code:
    """`"12"` -> `12`, `"L1P1-A1"` -> `"L1P1-A1"`: how both sides' codes are compared."""
    return int(text) if text.isascii() and text.isdigit() else text


# ---------------------------------------------------------------- formulas (§5)


@dataclass(frozen=True)
class Num:
    value: Fraction


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Neg:
    operand: Expr


@dataclass(frozen=True)
class Binary:
    op: str  # one of + - * /
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Power:
    """`x ^ n`: a whole power, n from 0 to 10 (§5)."""

    base: Expr
    exponent: int


@dataclass(frozen=True)
class Call:
    function: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Weighted:
    parts: tuple[tuple[Fraction, Expr], ...]


@dataclass(frozen=True)
class Checklist:
    items: tuple[tuple[str, Fraction], ...]


Expr = Num | Ref | Neg | Binary | Power | Call | Weighted | Checklist

# ---------------------------------------------------------------- declarations


@dataclass(frozen=True)
class InputDecl:
    name: str
    label: str
    kind: str  # count, money, area, length, measure, rate, flag, rank, score
    unit: str | None = None
    low: Fraction | None = None  # a score's range, `score A to B`
    high: Fraction | None = None
    part_of: str | None = None
    # §3, *Missing values*: "error", "zero", "previous", "cohort mean", "cohort median",
    # "cohort min" or "not applicable" (the library's `MissingValue.filled` words).
    missing: str = "error"
    # Whether `when missing` is written on the input: then it wins over any node's (§3, *Per
    # indicator or node*); an input that says nothing takes the innermost node's, else `error`.
    declared: bool = False
    choices: tuple[str, ...] = ()  # kind "choice": `choice of "市", "县"` (§9, *Entity types*)


@dataclass(frozen=True)
class Bands:
    rule: str  # "least" (ascending thresholds) or "most" (descending)
    thresholds: tuple[Fraction, ...]


@dataclass(frozen=True)
class Row:
    """One row of a point table (§8, *Point tables*): `BOUND [and BOUND]: P`."""

    bounds: tuple[tuple[str, Fraction], ...]  # (>=, >, < or <=, the bound), all of which must hold
    points: Fraction


@dataclass(frozen=True)
class Points:
    maximum: Fraction  # for a point table: its largest row's points
    linear: tuple[Fraction, Fraction] | None = None  # (from, to)
    table: tuple[Row, ...] | None = None  # `points table { … }`


@dataclass(frozen=True)
class Deduct:
    each: Fraction
    cap: Fraction | None  # None: `deduct D each` with no cap


@dataclass(frozen=True)
class Rounding:
    """`rounding N decimals [half up | half even | truncate]` (§12)."""

    decimals: int
    mode: str = "half up"  # "half up", "half even" or "truncate"


@dataclass
class Clauses:
    """An indicator body, or a reuse block's overrides: `None` means "not given here"."""

    description: str | None = None
    value: Expr | None = None
    stars: Bands | str | None = None  # inline bands, or the name of declared bands
    points: Points | None = None
    deduct: Deduct | None = None
    zero: str | None = None  # "error", "zero", "not applicable"
    better: str | None = None
    weight: Fraction | None = None
    rounding: Rounding | None = None
    redistribute: bool | None = None  # `when not applicable: redistribute` (§9)
    aggregate: str | None = None  # `aggregate geometric | harmonic | minimum | arithmetic` (§9)
    missing: str | None = None  # `when missing: zero | not applicable | error` (§3, *Per indicator or node*)
    notes: list[str] = field(default_factory=list)
    items: list[RawItem] = field(default_factory=list)  # an indicator's `item` clauses, in order


@dataclass
class RawItem:
    """`item CODE "name" [provisional] { clauses }` inside an indicator body (§9, *Items*)."""

    code: Code
    name: str
    clauses: Clauses


@dataclass
class RawIndicator:
    code: Code
    leading: bool
    name: str | None
    clauses: Clauses
    reuse: tuple[str, Code] | None = None  # (alias, base code) for `indicator N from alias M`


@dataclass
class RawGroup:
    name: str
    bonus: bool
    points: Fraction | None
    cap: Fraction | None
    members: list[RawIndicator | RawGroup]  # indicators and sub-groups, in order
    code: str | None = None  # `group L1 "…"`: as written
    weight: Fraction | None = None
    rounding: Rounding | None = None
    redistribute: bool = False
    aggregate: str | None = None
    missing: str | None = None  # `when missing: zero | not applicable | error` (§3, *Per indicator or node*)


@dataclass(frozen=True)
class Requirement:
    subject: str  # "total", "leading", "indicator", "group"
    op: str  # >=, >, <=, <
    target: Fraction
    code: Code | None = None  # for "indicator"
    group: str | None = None  # for "group"
    stars: bool = False  # `indicator N CMP k stars`
    points: bool = False  # `indicator CODE CMP n points`: the node's score


@dataclass(frozen=True)
class Level:
    rank: int
    name: str
    requirements: tuple[Requirement, ...]


@dataclass(frozen=True)
class Override:
    """`veto "reason" when …` (`cap` None) or `cap R "reason" when …` (§10, *Vetoes and caps*)."""

    cap: Fraction | None
    reason: str
    requirements: tuple[Requirement, ...]


@dataclass
class FileTree:
    """One `.scs` file as written: nothing looked up yet."""

    title: str | None = None
    header: dict[str, object] = field(default_factory=dict)
    uses: list[tuple[str, str]] = field(default_factory=list)  # (path, alias)
    inputs: list[InputDecl] = field(default_factory=list)
    bands: dict[str, Bands] = field(default_factory=dict)
    groups: list[RawGroup] = field(default_factory=list)
    levels: list[Level] | None = None
    unrated_above: Fraction | None = None  # `unrated when missing more than P` (§10)
    overrides: list[Override] = field(default_factory=list)
