"""The differential fuzzer's cases: random standards that pass `check`, cohorts with values of
every sign their domains allow (and some they do not), data files with hostile texts; each run
by the library and by the independent reference evaluator (tests/reference), which must agree
on every indicator, group, total and rating, or refuse the same input.

A case is built from a seed by plain `random.Random` (fast enough for a million cases in an
hour), as a small structure that renders to a `.scs` text and records; a failing case shrinks
by removing and simplifying parts of that structure while the failure stays. tools/fuzz.py runs
campaigns of these; tests/test_differential.py runs a fixed-seed slice and plants defects.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import smartcity_rules as scr

from . import reference
from .reference.compare import compare

# ---------------------------------------------------------------- the inputs every case declares
INPUTS = """input n "数量n": count
input c "数量c": count
input w "总数": count
input p "部分": count, part of w
input m "金额": money "万元"
input r "比例": rate
input s "评分": score -10 to 10
input t "得分": score 0 to 5
input k "排名": rank
input f "是否f": flag
input g "是否g": flag
input u "补数u": count, when missing: cohort median
input v "补数v": rate, when missing: cohort mean
input z "补数z": count, when missing: zero
input q "补数q": score 0 to 5, when missing: previous
input x "缺则不适用": measure, when missing: not applicable
input y "补数y": money "元", when missing: cohort min
"""
# Inputs a record may leave out: their `when missing` fills them in (docs/language.md §3).
GAPS = ["u", "v", "z", "q", "x", "y"]
NUMERIC = ["n", "c", "w", "p", "m", "r", "s", "t", "k", *GAPS]
UNDECLARED = ["n", "c", "m", "s", "t", "k", "w", "p"]  # inputs with no `when missing` of their own
FLAGS = ["f", "g"]
FUNCTIONS_1 = ["growth", "rank", "share"]
COHORT_FUNCTIONS = ["minmax", "percentile", "to_best", "cohort_mean", "cohort_median", "cohort_min", "cohort_max"]
WEIGHT_SPLITS = [("1",), ("1/2", "1/2"), ("30%", "70%"), ("0.25", "0.25", "0.5"), ("1/3", "1/3", "1/3")]
LITERALS = ["0", "1", "2", "3", "10", "0.5", "1/3", "2/3", "50%", "-1", "-2", "-5%", "0.25", "100"]


# ---------------------------------------------------------------- the structure of a case
Node = tuple[Any, ...]  # ("in", name) ("lit", text) ("neg", x) ("bin", op, a, b) ("call", name, args)
#                         ("weighted", ((weight, x), ...)) ("checklist", ((flag, points), ...))


@dataclass(frozen=True)
class Indicator:
    """A scored leaf, an item, or (with `items`) an indicator made of items."""

    number: int
    formula: Node
    scoring: tuple[Any, ...]  # ("stars", rule, thresholds, points, linear), ("deduct", each, cap | None),
    #                           or ("weight", w) for a weighted leaf; unused when there are items
    zero: str
    leading: bool
    code: str = ""  # as written; "" means the number
    items: tuple[Indicator, ...] = ()
    weight: str | None = None  # an indicator made of items: its weight
    points_declared: bool = False  # an indicator made of items says `points N`, its items' sum
    rounding: str | None = None  # e.g. "3 decimals half even"
    missing: str | None = None  # `when missing: ...` for the inputs read inside it

    @property
    def key(self) -> str:
        return self.code or str(self.number)

    def maximum(self, total: Fraction) -> Fraction:
        """Its most points, as docs/language.md §9 counts them; 0 for a deduction."""
        if self.items:
            return Fraction(self.weight) * total if self.weight else sum(
                (item.maximum(total) for item in self.items), Fraction(0))
        if self.scoring[0] == "weight":
            return Fraction(self.scoring[1]) * total
        if self.scoring[0] == "table":
            return max(Fraction(row.rsplit(": ", 1)[1]) for row in self.scoring[1])
        return Fraction(self.scoring[3]) if self.scoring[0] == "stars" else Fraction(0)

    @property
    def points(self) -> Fraction:
        return self.maximum(WEIGHTED_TOTAL)


@dataclass(frozen=True)
class Group:
    name: str
    indicators: tuple[Indicator, ...]
    bonus_cap: str | None = None  # a bonus group's `at most`
    subgroups: tuple[Group, ...] = ()
    code: str | None = None
    weight: str | None = None
    rounding: str | None = None
    bonus: bool = False  # a bonus group without a cap
    points_declared: bool = True  # a sub-group may leave its points to its members' sum
    aggregation: str | None = None  # `aggregate ...`
    redistribute: bool = False  # `when not applicable: redistribute`
    missing: str | None = None  # `when missing: ...` for the inputs read inside it

    @property
    def is_bonus(self) -> bool:
        return self.bonus or self.bonus_cap is not None

    def maximum(self, total: Fraction) -> Fraction:
        if self.weight:
            return Fraction(self.weight) * total
        return sum((m.maximum(total) for m in (*self.indicators, *self.subgroups)
                    if not (isinstance(m, Group) and m.is_bonus)), Fraction(0))


WEIGHTED_TOTAL = Fraction(100)  # a case with weights has the full mark 100

# ---------------------------------------------------------------- entity types (§9, *Entity types*)
TYPES = ("A", "B")
TYPE_INPUT = 'input ty "类型": choice of "A", "B"'


@dataclass(frozen=True)
class Typing:
    """A case made one standard for two entity types: top-level groups and their indicators
    `for` one type only, and leaves whose points for "B" are twice those for "A"."""

    only: tuple[tuple[str, str], ...] = ()  # ("g:NAME" or "i:KEY", the one type it is for)
    doubled: tuple[str, ...] = ()  # keys of star- or linear-scored leaves

    def of(self, key: str) -> str | None:
        return dict(self.only).get(key)

    def applies(self, key: str, entity_type: str) -> bool:
        return self.of(key) in (None, entity_type)


@dataclass(frozen=True)
class Case:
    groups: tuple[Group, ...]
    rounding: int | None
    levels: tuple[tuple[int, str, tuple[str, ...]], ...]  # (rank, name, requirements as written)
    records: tuple[dict[str, Any], ...] = field(default=())
    mode: str = ""  # the header rounding's mode, "" for the default (half up)
    weighted: bool = False  # weights take shares of WEIGHTED_TOTAL
    overrides: tuple[str, ...] = ()  # `veto ...` and `cap ...` lines, as written
    unrated: str | None = None  # `unrated when missing more than P`
    typing: Typing | None = None  # entity types, `entity type by ty`

    def text(self) -> str:
        return render(self) if self.typing is None else render_typed(self, self.typing)

    @property
    def total(self) -> Fraction:
        if self.weighted:
            return WEIGHTED_TOTAL
        return sum((g.maximum(WEIGHTED_TOTAL) for g in self.groups if not g.is_bonus), Fraction(0))


# ---------------------------------------------------------------- rendering
def render_node(node: Node) -> str:
    kind = node[0]
    if kind in ("in", "lit"):
        return f"({node[1]})" if kind == "lit" and node[1].startswith("-") else str(node[1])
    if kind == "neg":
        return f"-({render_node(node[1])})"
    if kind == "pow":
        return f"({render_node(node[1])}) ^ {node[2]}"
    if kind == "bin":
        return f"({render_node(node[2])} {node[1]} {render_node(node[3])})"
    if kind == "call":
        return f"{node[1]}({', '.join(render_node(a) for a in node[2])})"
    if kind == "weighted":
        return "weighted { " + ", ".join(f"{w}: {render_node(x)}" for w, x in node[1]) + " }"
    return "checklist { " + ", ".join(f"{flag}: {points}" for flag, points in node[1]) + " }"


def _value(literal: str) -> Fraction:
    """What a literal such as `100%` or `1/3` stands for."""
    return Fraction(literal[:-1]) / 100 if literal.endswith("%") else Fraction(literal)


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _indicator_text(item: Indicator, total: Fraction, indent: str = "  ", keyword: str = "indicator",
                    typed: _TypedText | None = None) -> str:
    star = " ★" if item.leading else ""
    tag = "" if typed is None else typed.tag(f"i:{item.key}")
    lines = [f'{indent}{keyword} {item.key}{star} "指标{item.key}"{tag} {{']
    inner = indent + "  "
    if item.rounding:
        lines.append(f"{inner}rounding {item.rounding}")
    if item.missing:
        lines.append(f"{inner}when missing: {item.missing}")
    if item.items:
        if item.weight:
            lines.append(f"{inner}weight {item.weight}")
        elif item.points_declared:
            lines.append(f"{inner}points {_number(item.maximum(total))}")
        lines += [_indicator_text(i, total, inner, "item") for i in item.items]
        return "\n".join([*lines, f"{indent}}}"])
    lines.append(f"{inner}value {render_node(item.formula)}")
    if item.scoring[0] == "table":
        lines.append(f"{inner}points table {{ " + "  ".join(item.scoring[1]) + " }")
        if item.scoring[2]:
            lines.append(f"{inner}stars {item.scoring[2][0]} {', '.join(item.scoring[2][1:])}")
    elif item.scoring[0] == "stars":
        _, rule, thresholds, points, linear = item.scoring
        if thresholds:
            lines.append(f"{inner}stars {rule} {', '.join(thresholds)}")
        points = points if typed is None else typed.points(item, points)
        lines.append(f"{inner}points {points}" + (f" linear from {linear[0]} to {linear[1]}" if linear else ""))
    elif item.scoring[0] == "weight":
        lines.append(f"{inner}weight {item.scoring[1]}")
        if item.scoring[2]:  # (rule, thresholds...)
            lines.append(f"{inner}stars {item.scoring[2][0]} {', '.join(item.scoring[2][1:])}")
    else:
        cap = "" if item.scoring[2] is None else f", at most {item.scoring[2]}"
        lines.append(f"{inner}deduct {item.scoring[1]} each{cap}")
    lines.append(f"{inner}on zero denominator: {item.zero}")
    return "\n".join([*lines, f"{indent}}}"])


def _group_text(group: Group, total: Fraction, indent: str = "", typed: _TypedText | None = None) -> str:
    bonus = "bonus " if group.is_bonus else ""
    code = f"{group.code} " if group.code else ""
    head = f'{indent}{bonus}group {code}"{group.name}"'
    if typed is not None and not indent:
        head += typed.tag(f"g:{group.name}")
    if group.bonus_cap is not None:
        head += f" at most {group.bonus_cap}"
    elif group.weight:
        head += f" weight {group.weight}"
    elif not group.is_bonus and group.points_declared:
        maximum = _number(group.maximum(total))
        head += f" points {maximum if typed is None or indent else typed.group_points(group, maximum)}"
    lines = [head + " {"]
    if group.rounding:
        lines.append(f"{indent}  rounding {group.rounding}")
    if group.aggregation:
        lines.append(f"{indent}  aggregate {group.aggregation}")
    if group.redistribute:
        lines.append(f"{indent}  when not applicable: redistribute")
    if group.missing:
        lines.append(f"{indent}  when missing: {group.missing}")
    top = typed if not indent else None  # types mark the top level only
    lines += [_indicator_text(i, total, indent + "  ", typed=top) for i in group.indicators]
    lines += [_group_text(g, total, indent + "  ") for g in group.subgroups]
    return "\n".join([*lines, f"{indent}}}"])


def render(case: Case) -> str:
    total = case.total
    mode = f" {case.mode}" if case.mode else ""
    rounding = "" if case.rounding is None else f" rounding {case.rounding} decimals{mode}"
    parts = [f'standard "fuzz" {{ level city total {_number(total)}{rounding} }}', INPUTS]
    parts += [_group_text(g, total) for g in case.groups]
    if case.levels:
        levels = [f'  level {rank} "{name}" when ' + " and ".join(reqs) for rank, name, reqs in case.levels]
        rules = ([] if case.unrated is None else [f"  unrated when missing more than {case.unrated}"])
        parts.append("rating {\n" + "\n".join([*rules, *(f"  {o}" for o in case.overrides), *levels]) + "\n}")
    return "\n".join(parts) + "\n"


def project_case(case: Case, typing: Typing, entity_type: str) -> Case:
    """The plain case entities of one type are scored by: what is `for` the other left out, the
    doubled points doubled for "B", and the rating's requirements on what is left out dropped."""
    def leaf(item: Indicator) -> Indicator:
        if entity_type == "B" and item.key in typing.doubled and item.scoring[0] == "stars":
            _, rule, thresholds, points, linear = item.scoring
            return replace(item, scoring=("stars", rule, thresholds, _number(2 * _value(points)), linear))
        return item
    groups = tuple(replace(g, indicators=tuple(leaf(i) for i in g.indicators
                                               if typing.applies(f"i:{i.key}", entity_type)))
                   for g in case.groups if typing.applies(f"g:{g.name}", entity_type))
    plain = replace(case, groups=groups, typing=None)
    keep = _present(plain)
    levels = tuple((rank, name, tuple(r for r in reqs if keep(r)) or ("total >= 0",))
                   for rank, name, reqs in case.levels)
    overrides = tuple(o for o in case.overrides if keep(o))
    return replace(plain, levels=levels, overrides=overrides)


_NAMED = re.compile(r'indicator (\S+)|group "([^"]+)"')


def _present(case: Case) -> Callable[[str], bool]:
    """Whether a requirement (or a veto's or cap's line) names only what the case holds."""
    codes = {i.key for i in walk_indicators(case.groups)}
    names = {g.name for g in walk_groups(case.groups)}
    return lambda text: all((code in codes) if code else (name in names) for code, name in _NAMED.findall(text))


class _TypedText:
    """What a typed case writes per type: `for` marks and numbers per entity type."""

    def __init__(self, case: Case, typing: Typing) -> None:
        self.typing = typing
        self.plain = {t: project_case(case, typing, t) for t in TYPES}

    def tag(self, key: str) -> str:
        only = self.typing.of(key)
        return "" if only is None else f' for "{only}"'

    def per_type(self, numbers: dict[str, str]) -> str:
        if len(set(numbers.values())) == 1:
            return next(iter(numbers.values()))
        return ", ".join(f'{number} for "{t}"' for t, number in numbers.items())

    def points(self, item: Indicator, points: str) -> str:
        if item.key not in self.typing.doubled or self.typing.of(f"i:{item.key}") is not None:
            return points
        return self.per_type({"A": points, "B": _number(2 * _value(points))})

    def group_points(self, group: Group, maximum: str) -> str:
        numbers = {t: _number(g.maximum(WEIGHTED_TOTAL)) for t, case in self.plain.items()
                   for g in case.groups if g.name == group.name}
        return self.per_type(numbers) if numbers else maximum

    def total(self) -> str:
        return self.per_type({t: _number(case.total) for t, case in self.plain.items()})

    def rules(self, lines: Callable[[Case], list[str]]) -> list[str]:
        """The rating's lines: one every type has, as it is; one only some have, `for` each."""
        each = {t: lines(case) for t, case in self.plain.items()}
        if each["A"] == each["B"]:
            return each["A"]
        return [line.replace(" when ", f' for "{t}" when ', 1) for t, found in each.items() for line in found]


def _rating_lines(case: Case) -> list[str]:
    return [*(f"  {o}" for o in case.overrides)]


def _level_lines(case: Case) -> list[str]:
    return [f'  level {rank} "{name}" when ' + " and ".join(reqs) for rank, name, reqs in case.levels]


def render_typed(case: Case, typing: Typing) -> str:
    """A typed case's text: `entity type by ty`, the choice input, marks and per-type numbers."""
    typed = _TypedText(case, typing)
    mode = f" {case.mode}" if case.mode else ""
    rounding = "" if case.rounding is None else f" rounding {case.rounding} decimals{mode}"
    parts = [f'standard "fuzz" {{ level city total {typed.total()}{rounding} entity type by ty }}',
             INPUTS, TYPE_INPUT]
    parts += [_group_text(g, case.total, typed=typed) for g in case.groups]
    if case.levels:
        rules = ([] if case.unrated is None else [f"  unrated when missing more than {case.unrated}"])
        body = [*rules, *typed.rules(_rating_lines), *typed.rules(_level_lines)]
        parts.append("rating {\n" + "\n".join(body) + "\n}")
    return "\n".join(parts) + "\n"


def walk_indicators(groups: tuple[Group, ...]) -> Iterator[Indicator]:
    """Every indicator and item of the groups, at every depth."""
    for group in groups:
        for item in group.indicators:
            yield item
            yield from item.items
        yield from walk_indicators(group.subgroups)


def walk_groups(groups: tuple[Group, ...]) -> Iterator[Group]:
    for group in groups:
        yield group
        yield from walk_groups(group.subgroups)


# ---------------------------------------------------------------- generating
class Generator:
    """Random cases from one seed; each method draws one part."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.overrides: tuple[str, ...] = ()
        self.drops = False  # some node says `when missing`: records may leave out undeclared inputs

    def choice(self, options: list[Any]) -> Any:
        return self.random.choice(options)

    def formula(self, depth: int = 0, inside_cohort: bool = False, in_growth: bool = False) -> Node:
        roll = self.random.random()
        if depth >= 3 or roll < 0.3:
            return ("in", self.choice(NUMERIC)) if self.random.random() < 0.7 else ("lit", self.choice(LITERALS))
        if roll < 0.45:
            left, right = (self.formula(depth + 1, inside_cohort, in_growth) for _ in range(2))
            return ("bin", self.choice(["+", "-", "*", "/"]), left, right)
        if roll < 0.55:  # a division by what may be negative: where signs matter most
            return ("bin", "/", self.formula(depth + 1, inside_cohort, in_growth), self._divisor(depth, inside_cohort))
        if roll < 0.6:
            if self.random.random() < 0.3:
                return ("pow", self.formula(depth + 1, inside_cohort, in_growth), self.choice(["0", "1", "2", "3"]))
            return ("neg", self.formula(depth + 1, inside_cohort, in_growth))
        if roll < 0.85:
            return self._call(depth, inside_cohort, in_growth)
        if roll < 0.93:
            return self._weighted(depth, inside_cohort, in_growth)
        return ("checklist", tuple((flag, self.choice(["1", "2", "-1", "0.5", "-2"])) for flag in FLAGS))

    def _call(self, depth: int, inside_cohort: bool, in_growth: bool) -> Node:
        names = ["ratio", "min", "max", "clamp"]
        # Last period's growth or previous value would need the period before last: refused (E0250).
        names += [] if in_growth else ["growth", "previous"]
        names += [] if inside_cohort else ["rank", "share", self.choice(COHORT_FUNCTIONS)]
        name = self.choice(names)
        sub: Callable[[], Node] = lambda: self.formula(  # noqa: E731
            depth + 1, inside_cohort or name in ("rank", "share", *COHORT_FUNCTIONS), in_growth or name == "growth")
        if name == "previous":
            return ("call", name, (("in", self.choice(NUMERIC)),))
        if name == "ratio":
            args = (("in", "p"), ("in", "w")) if self.random.random() < 0.5 else (sub(), sub())
            return ("call", name, args)
        count = {"min": self.random.randint(2, 3), "max": self.random.randint(2, 3), "clamp": 3}.get(name, 1)
        return ("call", name, tuple(sub() for _ in range(count)))

    def _divisor(self, depth: int, inside_cohort: bool) -> Node:
        difference = ("bin", "-", ("in", self.choice(NUMERIC)), ("in", self.choice(NUMERIC)))
        options: list[Node] = [("in", "s"), difference, ("neg", ("in", "t"))]
        if not inside_cohort:
            options.append(("call", "share", (self.choice([difference, ("in", "s")]),)))
        return self.choice(options)

    def _weighted(self, depth: int, inside_cohort: bool, in_growth: bool) -> Node:
        weights = self.choice([("1/2", "1/2"), ("1/3", "2/3"), ("0.25", "0.75"), ("50%", "30%", "20%")])
        return ("weighted", tuple((weight, self.formula(depth + 1, inside_cohort, in_growth)) for weight in weights))

    def scoring(self) -> tuple[Any, ...]:
        if self.random.random() < 0.15:
            cap = self.choice(["3", "2.5", "1", "4/3", None])
            return ("deduct", self.choice(["1", "0.5", "2", "1/3"]), cap)
        if self.random.random() < 0.1:
            return ("table", self.table(), self.thresholds() if self.random.random() < 0.3 else ())
        thresholds = self.thresholds()
        rule = thresholds[0]
        linear = None
        if self.random.random() < 0.2:
            low, high = self.random.sample(["0", "1", "-1", "0.5", "10", "100%"], 2)
            linear = (low, high) if _value(low) != _value(high) else None
        shown: tuple[str, ...] = thresholds[1:]
        if linear is not None and self.random.random() < 0.4:
            shown = ()  # points without bands
        return ("stars", rule, shown, self.choice(["1", "2", "3", "1.5", "2.25", "1/3"]), linear)

    def table(self) -> tuple[str, ...]:
        """Rows that cover every value once: `>= b3: p`, `>= b2 and < b3: p`, ..., `< b1: p`."""
        bounds = sorted(self.random.sample([Fraction(v, 4) for v in range(-8, 9)], self.random.randint(1, 3)))
        points = [self.choice(["0", "1", "0.5", "2", "1/3", "1.25"]) for _ in range(len(bounds) + 1)]
        if all(Fraction(x) == 0 for x in points):
            points[-1] = "1"
        low = [">" if self.random.random() < 0.3 else ">=" for _ in bounds]  # `>` leaves the bound below
        rows = [f"{low[-1]} {_number(bounds[-1])}: {points[-1]}"]
        for k in range(len(bounds) - 1, 0, -1):
            high = "<=" if low[k] == ">" else "<"
            rows.append(f"{low[k - 1]} {_number(bounds[k - 1])} and {high} {_number(bounds[k])}: {points[k]}")
        rows.append(f"{'<=' if low[0] == '>' else '<'} {_number(bounds[0])}: {points[0]}")
        return tuple(rows)

    def thresholds(self) -> tuple[str, ...]:
        """(rule, five thresholds) for star bands."""
        values = sorted(self.random.sample([Fraction(v, 4) for v in range(-12, 13)], 5))
        rule = "at least" if self.random.random() < 0.7 else "at most"
        return (rule, *(_number(v) for v in (values if rule == "at least" else values[::-1])))

    def rounding(self) -> str | None:
        """A node's own rounding, now and then."""
        if self.random.random() < 0.8:
            return None
        mode = self.choice(["", " half up", " half even", " truncate"])
        return f"{self.random.randint(0, 3)} decimals{mode}"

    def indicator(self, number: int) -> Indicator:
        scoring = self.scoring()
        leading = scoring[0] == "stars" and bool(scoring[2]) and self.random.random() < 0.3
        zero = self.choice(["error", "zero", "not applicable"])
        if self.random.random() < 0.12:  # a square root needs a declared precision (E0277)
            rounding = self.rounding() or self.choice(["2 decimals", "1 decimals truncate", "3 decimals half even"])
            return Indicator(number, self.root_formula(), scoring, zero, leading, rounding=rounding,
                             missing=self.node_missing())
        return Indicator(number, self.formula(), scoring, zero, leading, rounding=self.rounding(),
                         missing=self.node_missing())

    def root_formula(self) -> Node:
        """A formula with `sqrt` or `zscore` where the checker allows one (docs/language.md §5,
        Square roots). `sqrt(t)` of the quarters 0 to 5 meets the quarter thresholds exactly at
        t = 1/4, 1, 9/4 and 4; `sqrt(t ± 0.0001)` lies just beside them, where a value shown at
        its precision (1.50 for √2.2499) is at a threshold the exact value misses."""
        rational = lambda: self.formula(2)  # noqa: E731  # formula() never draws a root
        root = self.choice([
            ("call", "sqrt", (("in", self.choice(["t", "t", "r", "v", "q", "n"])),)),
            ("call", "sqrt", (("bin", self.choice(["+", "-"]), ("in", "t"), ("lit", "0.0001")),)),
            ("call", "sqrt", (rational(),)),  # maybe negative: a NegativeRoot for both evaluators
            ("call", "zscore", (self.formula(2, inside_cohort=True),)),
        ])
        return self.choice([
            root, root,
            ("bin", self.choice(["+", "-", "*"]), root, rational()),
            ("bin", "*", root, ("call", "sqrt", (("in", self.choice(["n", "t", "w"])),))),
            ("bin", "/", root, self._divisor(2, False)),
            ("bin", "/", rational(), root),  # a divisor of one term
            ("call", self.choice(["min", "max"]), (root, rational())),
        ])

    def node_missing(self) -> str | None:
        """Now and then a node's `when missing`, for the inputs read inside it."""
        if self.random.random() < 0.9:
            return None
        self.drops = True  # records may then leave out inputs that declare no policy
        return self.choice(["zero", "not applicable", "error"])

    def made_of_items(self, numbers: Iterator[int], weighted: bool) -> Indicator:
        """An indicator made of 1 to 3 items: weighted ones whose weights make 1, or scored ones."""
        number = next(numbers)
        code = self.choice([f"P{number}", f"{number}.1", f"L{number}P1"])
        if weighted:
            weights = self.choice(WEIGHT_SPLITS)
            items = [replace(self.weighted_leaf(next(numbers)), code=f"{code}-A{k + 1}") for k, _ in enumerate(weights)]
            items = [replace(item, scoring=("weight", w, item.scoring[2])) for item, w in zip(items, weights)]
        else:
            items = [replace(self.indicator(next(numbers)), leading=False) for _ in range(self.random.randint(1, 3))]
            items = [replace(item, code=f"{code}-A{k + 1}") for k, item in enumerate(items)]
        if self.random.random() < 0.3:
            scoring = ("deduct", "1", self.choice(["2", None]))
            items.append(Indicator(next(numbers), self.formula(), scoring, "zero", False, code=f"{code}-D"))
        return Indicator(number, ("lit", "0"), ("stars",), "error", False, code=code, items=tuple(items),
                         points_declared=self.random.random() < 0.5, rounding=self.rounding())

    def weighted_leaf(self, number: int) -> Indicator:
        bands = self.thresholds() if self.random.random() < 0.3 else ()
        zero = self.choice(["error", "zero", "not applicable"])
        return Indicator(number, self.formula(), ("weight", "1", bands), zero, False, rounding=self.rounding())

    def case(self) -> Case:
        if self.random.random() < 0.3:
            return self.weighted_case()
        numbers = iter(range(1, 1000))
        groups = [self.group(f"组{g}", numbers) for g in range(self.random.randint(1, 2))]
        if self.random.random() < 0.4:
            cap = self.choice(["1", "0.5", "1.25", "0.125", "2/3", None])
            groups.append(Group("加分", (self.indicator(next(numbers)),), bonus_cap=cap, bonus=cap is None))
        mode = self.choice(["", "", "half up", "half even", "truncate"])
        case = Case(tuple(groups), self.choice([None, None, 0, 1, 2]), (), mode=mode)
        return self.rating_rules(replace(case, levels=self.levels(case)))

    def group(self, name: str, numbers: Iterator[int], depth: int = 0) -> Group:
        """A scored group of indicators, maybe some made of items, maybe a sub-group or a bonus one."""
        members = []
        for _ in range(self.random.randint(1, 3)):
            members.append(self.made_of_items(numbers, False) if self.random.random() < 0.2
                           else self.indicator(next(numbers)))
        subgroups: list[Group] = []
        if depth == 0 and self.random.random() < 0.25:
            sub = self.group(f"{name}子", numbers, depth + 1)
            subgroups.append(replace(sub, points_declared=self.random.random() < 0.5))
        if depth == 0 and self.random.random() < 0.15:
            cap = self.choice(["1", "0.5", None])
            subgroups.append(Group(f"{name}加分", (self.indicator(next(numbers)),), bonus_cap=cap, bonus=cap is None))
        code = self.choice([None, None, f"G{sum(map(ord, name))}{depth}"])
        rounding = self.rounding()
        return Group(name, tuple(members), subgroups=tuple(subgroups), code=code, rounding=rounding,
                     aggregation=self.aggregation(rounding), redistribute=self.random.random() < 0.2,
                     missing=self.node_missing())

    def aggregation(self, rounding: str | None) -> str | None:
        """Now and then a mean in place of the sum; a geometric one only under a rounding."""
        if self.random.random() < 0.75:
            return None
        return self.choice(["arithmetic", "harmonic", "minimum", *(["geometric"] * 2 if rounding else [])])

    def weighted_case(self) -> Case:
        """Weights at every level, as the national evaluation writes them: top groups whose
        weights make 1, each made of weighted indicators (or items) whose weights make 1."""
        numbers = iter(range(1, 1000))
        groups = []
        for g, weight in enumerate(self.choice(WEIGHT_SPLITS)):
            members = []
            for share in self.choice(WEIGHT_SPLITS):
                if self.random.random() < 0.5:
                    members.append(replace(self.made_of_items(numbers, True), weight=share, points_declared=False))
                else:
                    leaf = self.weighted_leaf(next(numbers))
                    members.append(replace(leaf, scoring=("weight", share, leaf.scoring[2])))
            if self.random.random() < 0.2:
                members.append(Indicator(next(numbers), self.formula(), ("deduct", "2", self.choice(["5", None])),
                                         "zero", False))
            rounding = self.rounding() or ("2 decimals" if self.random.random() < 0.3 else None)
            groups.append(Group(f"组{g}", tuple(members), code=f"L{g + 1}", weight=weight, rounding=rounding,
                                aggregation=self.aggregation(rounding), redistribute=self.random.random() < 0.2))
        mode = self.choice(["", "half up", "half even", "truncate"])
        case = Case(tuple(groups), self.choice([None, 2, 2, 1]), (), mode=mode, weighted=True)
        return self.rating_rules(replace(case, levels=self.levels(case)))

    def levels(self, case: Case) -> tuple[tuple[int, str, tuple[str, ...]], ...]:
        indicators = list(walk_indicators(case.groups))
        starred = [i for i in indicators if not i.items and i.scoring[0] in ("stars", "weight") and i.scoring[2]]
        valued = [i for i in indicators if not i.items]
        options = ["total >= 1", "total >= 0.5", "total > 2", "every leading >= 3 stars", 'group "组0" >= 1 points']
        options += [f"indicator {i.key} >= {self.choice(['0', '1/2', '-1', '2'])}" for i in valued]
        options += [f"indicator {i.key} >= {self.random.randint(1, 5)} stars" for i in starred]
        options += [f"indicator {i.key} >= {self.choice(['0', '1', '2.5'])} points" for i in indicators]
        options += [f'group "{g.name}" >= {self.choice(["0.5", "1", "3"])} points' for g in walk_groups(case.groups)]
        levels = [(rank, f"{rank}级", tuple(self.random.sample(options, self.random.randint(1, 2))))
                  for rank in sorted(self.random.sample(range(1, 6), self.random.randint(0, 3)), reverse=True)]
        self.overrides = tuple(self._override(options) for _ in range(self.random.randint(0, 2))) if levels else ()
        return tuple(levels)

    def _override(self, options: list[str]) -> str:
        """A veto, or a cap at some level, on one or two of the levels' own requirements."""
        when = " and ".join(self.random.sample(options, self.random.randint(1, 2)))
        if self.random.random() < 0.5:
            return f'veto "否决" when {when}'
        return f'cap {self.random.randint(0, 4)} "封顶" when {when}'

    def rating_rules(self, case: Case) -> Case:
        """The vetoes and caps drawn with the levels, and now and then the unrated rule."""
        unrated = self.choice(["30%", "0", "1/2"]) if case.levels and self.random.random() < 0.3 else None
        return replace(case, overrides=self.overrides, unrated=unrated)

    # ------------------------------------------------------------ entity types
    def typing(self, case: Case) -> Typing | None:
        """Marks for a case made typed; None for a weighted case (its weights take shares of one
        total) or one where a type would be left with nothing."""
        if case.weighted:
            return None
        scored = [g for g in case.groups if not g.is_bonus]
        marked = {g.name: self.choice(TYPES) for g in scored if self.random.random() < 0.25}
        if len(marked) == len(scored):  # a type would be left with no scored group
            marked = {}
        only = [(f"g:{name}", t) for name, t in marked.items()]
        doubled: list[str] = []
        for group in (g for g in case.groups if g.name not in marked):
            for k, item in enumerate(group.indicators):
                if k and self.random.random() < 0.3:  # the first stays, so no group is left empty
                    only.append((f"i:{item.key}", self.choice(TYPES)))
                elif not item.items and item.scoring[0] == "stars" and self.random.random() < 0.3:
                    doubled.append(item.key)
        return Typing(tuple(only), tuple(doubled))

    def typed_record(self, record: dict[str, Any]) -> dict[str, Any]:
        roll = self.random.random()
        if roll < 0.03:  # now and then no type, or one that is not a choice
            return record if roll < 0.015 else {**record, "ty": self.choice(["C", 1, "", None, "a"])}
        return {**record, "ty": self.choice(TYPES)}

    # ------------------------------------------------------------ statistics
    def value(self, name: str) -> Any:
        """A value for an input, of every representation and sign its domain allows; now and
        then a hostile one, or a number just outside the domain, in any spelling."""
        roll = self.random.random()
        if roll < 0.03:
            return self.choice(HOSTILE)
        if roll < 0.05:
            return self._spelled(self.choice(OUTSIDE[name]), name)
        return self._spelled(self._exact(name), name)

    def _exact(self, name: str) -> Fraction:
        if name in ("n", "c", "w", "p", "u", "z"):
            return Fraction(self.random.choice([0, 1, 2, 3, 5, 10, 12]))
        if name == "v":
            return self.choice([Fraction(0), Fraction(1), Fraction(1, 4), Fraction(3, 5)])
        if name == "q":
            return Fraction(self.random.randint(0, 20), 4)
        if name == "k":
            return Fraction(self.random.randint(1, 5))
        if name == "r":
            return self.choice([Fraction(0), Fraction(1), Fraction(1, 2), Fraction(17, 20), Fraction(3, 10)])
        if name == "s":
            return Fraction(self.random.randint(-40, 40), 4)
        if name == "t":
            return Fraction(self.random.randint(0, 20), 4)
        return Fraction(self.random.randint(0, 2000), 100)  # money

    def _spelled(self, value: Fraction, name: str) -> Any:
        """The same number as an int, a float, a decimal text, a fraction text or a percentage."""
        spelling = self.random.random()
        if value.denominator == 1 and spelling < 0.4:
            return int(value)
        if spelling < 0.6 and (value * 10**6).denominator == 1:
            return float(value)
        if spelling < 0.8 and (value * 10**6).denominator == 1:
            return _decimal_text(value)
        if name == "r" and spelling < 0.9 and (value * 100 * 10**6).denominator == 1:
            return _decimal_text(value * 100) + "%"
        return _number(value) if value.denominator != 1 else str(value.numerator)

    def flag(self) -> Any:
        return self.choice([True, False, "是", "否", "yes", "no", 1, 0, "√", "×"])

    def record(self, entity: str) -> dict[str, Any]:
        record: dict[str, Any] = {"entity": entity}
        for name in NUMERIC:
            record[name] = self.value(name)
            record[f"{name}@previous"] = self.value(name)
        for name in FLAGS:
            record[name] = self.flag()
            record[f"{name}@previous"] = self.flag()
        for name in GAPS:  # now and then not reported: its `when missing` fills it in
            if self.random.random() < 0.25:
                del record[name]
        if self.random.random() < 0.9:  # a part within its whole, most of the time
            for suffix in ("", "@previous"):
                whole, part = (_as_int(record[key + suffix]) for key in ("w", "p"))
                if whole is not None and part is not None:
                    record["p" + suffix] = min(whole, part)
        for name in (UNDECLARED if self.drops else ()):  # a node's `when missing` decides, or it is an error
            if self.random.random() < 0.1:
                del record[name]
        return record

    def cohort(self) -> tuple[dict[str, Any], ...]:
        return tuple(self.record(f"E{index}") for index in range(self.random.randint(1, 4)))


def _as_int(value: Any) -> int | None:
    """A whole number a generated value stands for, or None for a hostile one."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Fraction(str(value))
    except (ValueError, ZeroDivisionError):
        return None
    return int(number) if number.denominator == 1 and number >= 0 else None


def _decimal_text(value: Fraction) -> str:
    whole = value.numerator // value.denominator if value >= 0 else -((-value.numerator) // value.denominator)
    rest = abs(value - whole)
    if rest == 0:
        return str(whole)
    digits = ""
    while rest and len(digits) < 8:
        rest *= 10
        digits += str(int(rest))
        rest -= int(rest)
    sign = "-" if value < 0 and whole == 0 else ""
    return f"{sign}{whole}.{digits}"


# Numbers just outside each input's domain: a negative count, a rate above 1, a rank of 0, a
# score beyond its range, a fraction where a whole number belongs.
OUTSIDE: dict[str, list[Fraction]] = {
    **{name: [Fraction(-1), Fraction(1, 2), Fraction(-1, 4)] for name in ("n", "c", "w", "p")},
    "m": [Fraction(-1, 100), Fraction(-5)], "r": [Fraction(3, 2), Fraction(101, 100), Fraction(-1, 10)],
    "s": [Fraction(-41, 4), Fraction(11)], "t": [Fraction(-1, 4), Fraction(21, 4)],
    "u": [Fraction(-1), Fraction(1, 2)], "z": [Fraction(-1)], "v": [Fraction(3, 2)], "q": [Fraction(6)],
    "x": [Fraction(-1, 100)], "y": [Fraction(-5)],
    "k": [Fraction(0), Fraction(3, 2), Fraction(-1)],
}
HOSTILE: list[Any] = [None, "", " ", "abc", "1,234", "0,500", "1,5", "١٢", "１２", "50%", "-1", -1, -0.5, "1e3",
                      "nan", float("nan"), float("inf"), True, [], {}, "2/3", "1/0", " 7 ", "9" * 50, 10**30]


# ---------------------------------------------------------------- running a case
@dataclass(frozen=True)
class Outcome:
    """What a case showed: nothing (agreed), or the first disagreement."""

    failure: str | None
    loaded: bool  # whether the library accepted the standard

    @property
    def failed(self) -> bool:
        return self.failure is not None


def run(case: Case) -> Outcome:
    """The library and the reference on one case: the standard, then its cohort."""
    text = case.text()
    try:
        library = scr.loads(text, name="fuzz.scs")
    except scr.InvalidStandard as error:
        return Outcome(_reference_agrees_it_is_invalid(text, error), False)
    except Exception as error:  # a fuzzer records whatever escapes
        return Outcome(f"load crashed: {type(error).__name__}: {error}", False)
    return _against_reference(library, text, case)


def run_on_duckdb(case: Case) -> Outcome:
    """The case scored by the SQL back-end on an embedded DuckDB, against the reference. A
    standard the checker refuses, or one taking a square root (which SQL cannot compute
    exactly: refused when the back-end prepares it), is not a disagreement."""
    from smartcity_rules.backends.sql.run import SqlBackend

    text = case.text()
    try:
        library = scr.loads(text, name="fuzz.scs", backend=SqlBackend())
    except (scr.InvalidStandard, scr.UnsupportedConstruct):
        return Outcome(None, False)
    except Exception as error:  # a fuzzer records whatever escapes
        return Outcome(f"load on duckdb crashed: {type(error).__name__}: {error}", False)
    try:
        library.evaluate_cohort(list(case.records))
    except scr.InvalidValue as error:
        if "exact integers hold" in str(error):  # the documented width of DuckDB's integers: refused, never wrong
            return Outcome(None, True)
    except scr.DataError:
        pass
    return _against_reference(library, text, case)


def _against_reference(library: Any, text: str, case: Case) -> Outcome:
    """A standard the library loaded, scored by it and by the reference on the case's cohort."""
    try:
        ours = reference.loads(text, ".")
    except reference.RefSyntaxError as error:
        return Outcome(f"the library loads a standard the reference refuses: {error}", True)
    problems = compare(library, ours, list(case.records))
    return Outcome(problems[0] if problems else None, True)


def _reference_agrees_it_is_invalid(text: str, error: scr.InvalidStandard) -> str | None:
    """A generated standard the checker refuses is no failure, as long as only our own
    diagnostics say so; the generator means to write valid ones, so it is counted."""
    assert error.diagnostics
    return None


# ---------------------------------------------------------------- data files
def file_case(generator: Generator, case: Case, directory: Path) -> Outcome:
    """The case's cohort written as a JSON or CSV file, read by both readers, then scored."""
    as_csv = generator.random.random() < 0.5
    path = directory / ("cohort.csv" if as_csv else "cohort.json")
    _write_cohort(path, case.records, generator)
    text = case.text()
    try:
        library = scr.loads(text, name="fuzz.scs")
        ours = reference.loads(text, ".")
    except (scr.InvalidStandard, reference.RefSyntaxError):
        return Outcome(None, False)
    return Outcome(_file_disagreement(library, ours, path), True)


def _write_cohort(path: Path, records: tuple[dict[str, Any], ...], generator: Generator) -> None:
    rows = [{key: _cell(value) for key, value in record.items()} for record in records]
    if path.suffix == ".json":
        body = json.dumps(rows, ensure_ascii=False, default=str)
        if generator.random.random() < 0.1:  # a key twice, which json would quietly collapse
            body = body.replace('{"entity"', '{"entity": "X", "entity"', 1)
        path.write_text(body, encoding="utf-8")
        if generator.random.random() < 0.15:
            path.write_bytes(generator.choice(CORRUPTIONS)(path.read_bytes()))
        return
    keys = list(dict.fromkeys(key for row in rows for key in row))
    lines = [",".join(keys)] + [",".join(_csv_cell(row.get(key, "")) for key in keys) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding=generator.choice(["utf-8", "utf-8-sig"]))
    if generator.random.random() < 0.15:
        path.write_bytes(generator.choice(CORRUPTIONS)(path.read_bytes()))


# Whole-file damage a reader must refuse, never misread: bytes that are not UTF-8 (GBK, as
# Excel saves on a Chinese Windows), a NUL, a header named twice, a quote left open,
# JSON's NaN, brackets nested past any record, text after the document.
CORRUPTIONS: list[Callable[[bytes], bytes]] = [
    lambda data: data.replace("数".encode(), "数".encode("gbk"), 1) + "人口".encode("gbk"),
    lambda data: data.replace(b",", b",\0", 1),
    lambda data: data.replace(b"\n", b",entity\n", 1),
    lambda data: data.rstrip(b"\n") + b',"open\n',
    lambda data: data.replace(b": 0", b": NaN", 1) if b": 0" in data else data + b"NaN",
    lambda data: b"[" * 10_000 + data + b"]" * 10_000,
    lambda data: data + b"\n}",
]


def _cell(value: Any) -> Any:
    return value if isinstance(value, (int, float, str, bool)) or value is None else str(value)


def _csv_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n') else text


def _file_disagreement(library: scr.Standard, ours: reference.RefStandard, path: Path) -> str | None:
    try:
        theirs = scr.read_records(path)
    except scr.DataFileError as error:
        return _both_refuse_the_file(path, error)
    except Exception as error:  # a fuzzer records whatever escapes
        return f"read_records crashed: {type(error).__name__}: {error}"
    try:
        mine = reference.read_records(path)
    except reference.RefFileError as error:
        return f"the library reads a file the reference refuses: {error}"
    if [dict(r) for r in theirs] != [dict(r) for r in mine]:
        return f"the readers differ: library {theirs!r}, reference {mine!r}"[:400]
    problems = compare(library, ours, list(mine))
    return problems[0] if problems else None


def _both_refuse_the_file(path: Path, error: scr.DataFileError) -> str | None:
    try:
        reference.read_records(path)
    except reference.RefFileError:
        return None
    return f"the library refuses a file the reference reads: {error}"


# ---------------------------------------------------------------- use chains of real files
def derived_text(generator: Generator, base: Case) -> str:
    """A standard built on `base.scs`: some of its indicators taken by reference, renumbered,
    some with their stars or points replaced, in one group whose points add up."""
    if base.weighted:  # weights take shares of the base's total, which the derived one does not have
        return ""
    starred = [i for g in base.groups if not g.is_bonus for i in g.indicators if not i.items and i.scoring[0] == "stars"
               and i.scoring[2]]
    taken = generator.random.sample(starred, generator.random.randint(1, len(starred))) if starred else []
    lines, total = [], Fraction(0)
    for number, item in enumerate(taken, start=1):
        points = item.points
        override = ""
        if generator.random.random() < 0.4:
            points = Fraction(generator.choice(["1", "2", "1/2"]))
            override = f" {{ points {_number(points)} }}"
        elif generator.random.random() < 0.3:
            override = f" {{ stars at least {', '.join(_number(Fraction(v, 4)) for v in range(-2, 3))} }}"
        lines.append(f"  indicator {number} from base {item.key}{override}")
        total += points
    if not lines:
        return ""
    return (f'use "base.scs" as base\nstandard "derived" {{ level county total {_number(total)} }}\n'
            f'group "取用" points {_number(total)} {{\n' + "\n".join(lines) + "\n}\n")


def use_case(generator: Generator, case: Case, directory: Path) -> Outcome:
    """A base standard and one built on it, as real files: both evaluators link and score them."""
    (directory / "base.scs").write_text(case.text(), encoding="utf-8")
    text = derived_text(generator, case)
    if not text:
        return Outcome(None, False)
    derived = directory / "derived.scs"
    derived.write_text(text, encoding="utf-8")
    try:
        library = scr.load(derived)
    except scr.InvalidStandard:
        return Outcome(None, False)
    try:
        ours = reference.load(derived)
    except reference.RefSyntaxError as error:
        return Outcome(f"the library links a standard the reference refuses: {error}", True)
    problems = compare(library, ours, list(case.records))
    return Outcome(problems[0] if problems else None, True)


# ---------------------------------------------------------------- hostile author text
AUTHOR_TEXT = ["<script>alert(1)</script>", "</math><img src=x onerror=alert(1)>", "&amp; &lt; &#60;", "]]>",
               "[链接](javascript:alert(1))", "$\\input{/etc/passwd}$", "\\begin{x}", "`code`", "# 标题",
               "| a | b |", "<!-- c -->", "\"'", "{{ x }}", "\\\\", "*强调*", "_x_", "~~x~~", "<b>粗</b>"]


def document_case(generator: Generator, case: Case) -> Outcome:
    """The case's standard with hostile labels, names and notes, published: the HTML must parse
    as XML with no element the author wrote, and the Markdown must carry no raw markup."""
    text = case.text()
    for old in ("数量n", "指标1", "组0", "fuzz"):
        text = text.replace(f'"{old}"', json.dumps(generator.choice(AUTHOR_TEXT), ensure_ascii=False), 1)
    try:
        standard = scr.loads(text, name="hostile.scs")
    except scr.InvalidStandard:
        return Outcome(None, False)
    return Outcome(_unsafe_document(standard), True)


def _unsafe_document(standard: scr.Standard) -> str | None:
    import xml.dom.minidom

    from smartcity_rules import document

    html = document.to_html(standard)
    try:
        parsed = xml.dom.minidom.parseString(html)
    except Exception as error:  # the published HTML is XHTML: it must parse
        return f"the HTML does not parse as XML: {error}"
    for tag in ("script", "img", "b", "iframe"):
        if parsed.getElementsByTagName(tag):
            return f"author text became a <{tag}> element"
    # Outside fenced code (the source appendix shows the file as it is), markup must be escaped.
    prose = re.sub(r"^```.*?^```", "", document.to_markdown(standard), flags=re.S | re.M)
    raw = re.search(r"(?<!\\)<(?:script|img|b|iframe)\b|(?<!\\)\]\(javascript:", prose)
    return None if raw is None else f"author text reached the Markdown raw: {raw.group(0)}"


# ---------------------------------------------------------------- shrinking
def shrink(case: Case, still_fails: Callable[[Case], bool], budget: int = 400) -> Case:
    """A smaller case that still fails: records, keys, values, indicators, formulas and levels
    removed or simplified, one step at a time, while `still_fails` holds."""
    tried = 0
    improved = True
    while improved and tried < budget:
        improved = False
        for candidate in _smaller(case):
            tried += 1
            if still_fails(candidate):
                case, improved = candidate, True
                break
            if tried >= budget:
                break
    return case


def _smaller(case: Case) -> Iterator[Case]:
    for index in range(len(case.records)):
        if len(case.records) > 1:
            yield replace(case, records=case.records[:index] + case.records[index + 1:])
    for index in range(len(case.levels)):
        yield replace(case, levels=case.levels[:index] + case.levels[index + 1:])
    yield from _fewer_indicators(case)
    yield from _simpler_formulas(case)
    yield from _simpler_values(case)


def _fewer_indicators(case: Case) -> Iterator[Case]:
    for g, group in enumerate(case.groups):
        for i in range(len(group.indicators)):
            if len(group.indicators) > 1:
                smaller = replace(group, indicators=group.indicators[:i] + group.indicators[i + 1:])
                yield replace(case, groups=(*case.groups[:g], smaller, *case.groups[g + 1:]))
        if len(case.groups) > 1:
            yield replace(case, groups=case.groups[:g] + case.groups[g + 1:])


def _simpler_formulas(case: Case) -> Iterator[Case]:
    for g, group in enumerate(case.groups):
        for i, item in enumerate(group.indicators):
            for simpler in _simpler_nodes(item.formula):
                changed = (*group.indicators[:i], replace(item, formula=simpler), *group.indicators[i + 1:])
                yield replace(case, groups=(*case.groups[:g], replace(group, indicators=changed), *case.groups[g + 1:]))


def _simpler_nodes(node: Node) -> Iterator[Node]:
    """The node's own children in its place, then each child simplified in place."""
    children = _node_children(node)
    yield from (child for child in children if child[0] != "lit" or node[0] != "call")
    for index, child in enumerate(children):
        for simpler in _simpler_nodes(child):
            yield _with_child(node, index, simpler)


def _node_children(node: Node) -> list[Node]:
    kind = node[0]
    if kind in ("neg", "pow"):
        return [node[1]]
    if kind == "bin":
        return [node[2], node[3]]
    if kind == "call" and node[1] != "previous":
        return list(node[2])
    if kind == "weighted":
        return [x for _, x in node[1]]
    return []


def _with_child(node: Node, index: int, child: Node) -> Node:
    kind = node[0]
    if kind == "neg":
        return ("neg", child)
    if kind == "pow":
        return ("pow", child, node[2])
    if kind == "bin":
        return ("bin", node[1], *(child if k == index else c for k, c in enumerate(node[2:4])))
    if kind == "call":
        return ("call", node[1], tuple(child if k == index else c for k, c in enumerate(node[2])))
    return ("weighted", tuple((w, child if k == index else x) for k, (w, x) in enumerate(node[1])))


def _simpler_values(case: Case) -> Iterator[Case]:
    for index, record in enumerate(case.records):
        for key, value in record.items():
            if key == "entity":
                continue
            for simpler in ({k: v for k, v in record.items() if k != key}, {**record, key: 0}, {**record, key: 1}):
                if simpler != record and value not in (0, 1):
                    yield replace(case, records=(*case.records[:index], simpler, *case.records[index + 1:]))


def reproducer(case: Case) -> str:
    """A failing case as text a person can paste: the standard and the cohort."""
    return f"{case.text()}\n# cohort\n{json.dumps(list(case.records), ensure_ascii=False, default=repr)}"


# ---------------------------------------------------------------- campaigns
CATEGORIES = ("standards and cohorts", "data files", "use chains", "documents", "entity types")


def one(seed: int, category: str, directory: Path | None = None) -> tuple[Case, Outcome]:
    """The case of a seed in a category, and what it showed."""
    generator = Generator(seed)
    case = replace(generator.case(), records=generator.cohort())
    if category == "documents":
        return case, document_case(generator, case)
    if category == "entity types":
        typing = generator.typing(case)
        if typing is not None:
            case = replace(case, typing=typing, records=tuple(generator.typed_record(r) for r in case.records))
        return case, run(case)
    if category in ("data files", "use chains"):
        with tempfile.TemporaryDirectory() if directory is None else _kept(directory) as folder:
            make = file_case if category == "data files" else use_case
            return case, make(generator, case, Path(folder))
    return case, run(case)


class _kept:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __enter__(self) -> str:
        return str(self.directory)

    def __exit__(self, *exc: object) -> None:
        return None


def one_again(case: Case, category: str) -> Outcome:
    """A (shrunk) case run again in its category; files and hostile texts drawn from seed 0."""
    if category in ("standards and cohorts", "entity types"):
        return run(case)
    generator = Generator(0)
    if category == "documents":
        return document_case(generator, case)
    with tempfile.TemporaryDirectory() as folder:
        make = file_case if category == "data files" else use_case
        return make(generator, case, Path(folder))


def first_failure(seeds: range, category: str) -> tuple[int, Case, Outcome] | None:
    """The first seed in the range whose case fails, with the case and the failure."""
    for seed in seeds:
        case, outcome = one(seed, category)
        if outcome.failed:
            return seed, case, outcome
    return None
