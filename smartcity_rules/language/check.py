"""Checks a parsed standard and resolves its names: syntax tree -> checked standard.

A pass of its own that collects every problem it finds, in source order, and
raises once at the end; warnings ride along on the checked standard.
"""

from __future__ import annotations

import difflib
import enum
import itertools
import math
from collections.abc import Iterator, Mapping
from fractions import Fraction

import attrs

from . import syntax as s
from . import variants
from .diagnostics import Diagnostic, Label, Severity, capped, sort_key
from .errors import InvalidStandard
from .numbers import ratio
from .source import Span
from .syntax import Function, walk

STAR_LEVELS = 5
ENTITY_KEY = "entity"  # the record key that names the entity, not a statistic
MAX_DECIMALS = 12
MAX_INDICATOR_NUMBER = 9999  # the shipped standards number theirs from 1 to at most 49
MAX_CODE_LENGTH = 40  # codes such as `L1P1-A1` or `2.3.1` are a few characters
MAX_GEOMETRIC_DENOMINATOR = 1000  # a geometric node's weights: 1/3, 1/4, 3/10 ... need 3 to 60
# Scoring is exact: points are scaled to one common denominator, thresholds and checklist
# points to theirs, and sums of them are shown in messages.  Bounding the common denominator
# of every number written keeps all of these a few hundred digits long.
MAX_DENOMINATOR_DIGITS = 100

# name -> (smallest, largest) number of arguments
FUNCTIONS: Mapping[str, tuple[int, int | None]] = {
    Function.RATIO.value: (2, 2),
    Function.GROWTH.value: (1, 1),
    Function.PREVIOUS.value: (1, 1),
    **{f.value: (1, 1) for f in Function if f.compares_entities},
    Function.MIN.value: (2, None),
    Function.MAX.value: (2, None),
    Function.CLAMP.value: (3, 3),
    Function.SQRT.value: (1, 1),
}
COHORT_FUNCTIONS = frozenset(f.value for f in Function if f.compares_entities)


def _first_root(expr: s.Expr, functions: tuple[str, ...] = s.ROOTS) -> s.Call | None:
    return next((n for n in walk(expr) if isinstance(n, s.Call) and n.function in functions), None)


def _one_term(expr: s.Expr) -> bool:
    """Whether a formula's value is always one term q·√s (a rational included): a root, a
    formula without one, or products, quotients, powers and negations of such."""
    if not s.holds_root(expr) or (isinstance(expr, s.Call) and expr.function in s.ROOTS):
        return True
    if isinstance(expr, s.Neg | s.Power):
        return _one_term(expr.operand if isinstance(expr, s.Neg) else expr.base)
    if isinstance(expr, s.Binary) and expr.op in (s.BinaryOp.MUL, s.BinaryOp.DIV):
        return _one_term(expr.left) and _one_term(expr.right)
    if isinstance(expr, s.Call) and expr.function == "ratio":
        return all(_one_term(a) for a in expr.args)
    return False


@attrs.frozen
class ScoredIndicator:
    """A scored leaf (an indicator with a value, or an item) with its names resolved: the group
    it sits in, the indicator it is an item of, its star bands and the rounding that covers it."""

    syntax: s.Indicator
    group: s.Group
    bands: s.StarBands | None
    parent: s.Indicator | None = None  # for an item, its indicator
    rounding: s.Rounding | None = None
    total: Fraction | None = None  # the standard's full mark, which a weight takes a share of
    # The innermost `when missing` of the leaf, its indicator or its groups: what a missing
    # input that declares no policy of its own means here; None: an error.
    missing: s.MissingPolicy | None = None

    @property
    def code(self) -> str:
        return self.syntax.code

    @property
    def number(self) -> int | None:
        return self.syntax.number

    @property
    def is_deduction(self) -> bool:
        return self.syntax.deduction is not None

    @property
    def is_item(self) -> bool:
        return self.parent is not None

    @property
    def leading(self) -> bool:
        return self.syntax.leading

    @property
    def maximum(self) -> Fraction | None:
        """Its most points: `points P`, or a weight's share of the total; None for deductions."""
        syntax = self.syntax
        if syntax.deduction is not None:
            return None
        if syntax.weight is not None and self.total is not None:
            return syntax.weight.value * self.total
        return None if syntax.points is None else syntax.points.maximum.value

    @property
    def provisional_parts(self) -> tuple[str, ...]:
        """Which of its numbers the standard marks provisional: "formula", "star thresholds"..."""
        syntax = self.syntax
        whole = syntax.provisional or (self.parent is not None and self.parent.provisional)
        marked = {"formula": whole,
                  "star thresholds": self.bands is not None and self.bands.provisional,
                  "points": syntax.points is not None and syntax.points.provisional,
                  "deduction": syntax.deduction is not None and syntax.deduction.provisional}
        return tuple(part for part, provisional in marked.items() if provisional)

    @property
    def direction(self) -> s.Direction | None:
        """Which way is good for the value: as declared, else as its (resolved) bands say."""
        return s.indicator_direction(self.syntax, self.bands)


class NodeKind(enum.Enum):
    STANDARD = "standard"
    GROUP = "group"
    INDICATOR = "indicator"
    ITEM = "item"


@attrs.frozen
class Node:
    """One scored node of the standard's tree: the standard (its score is the total), a group,
    an indicator or an item. A node scores its leaf's points, or its members' scores summed,
    capped (a bonus group), weighted and rounded (docs/language.md §9, *Node scores*)."""

    kind: NodeKind
    code: str | None
    name: str
    members: tuple[Node, ...]
    leaf: int | None  # the index of its ScoredIndicator, for a scored leaf
    maximum: Fraction | None  # None for a deduction: it counts 0 toward its parent's points
    weight: Fraction | None
    bonus: bool
    cap: Fraction | None
    rounding: s.Rounding | None  # the rounding that covers it
    provisional: bool
    redistribute: bool = False  # `when not applicable: redistribute`
    aggregation: s.Aggregation | None = None  # `aggregate ...`; None: the sum

    @property
    def weighs(self) -> bool:
        """Whether, as a member, it carries weight in its parent's mean and redistribution: a
        positive maximum, not a bonus group (deductions and bonus groups are added after)."""
        return self.maximum is not None and self.maximum > 0 and not self.bonus

    @property
    def label(self) -> str:
        """How messages and reports name it: `indicator L1P1`, `group "惠民服务"`, `the total`."""
        if self.kind is NodeKind.STANDARD:
            return "the total"
        if self.kind is NodeKind.GROUP:
            return f'group "{self.name}"'
        return f"{self.kind.value} {self.code}"

    def walk(self) -> Iterator[Node]:
        """This node and every node under it, parents first, in source order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.members))


@attrs.frozen
class CheckedStandard:
    """A standard that passed every check, ready to compile."""

    syntax: s.StandardFile
    header: s.Header
    inputs: Mapping[str, s.InputDecl]
    indicators: tuple[ScoredIndicator, ...]  # every scored leaf, items included, in source order
    warnings: tuple[Diagnostic, ...]
    root: Node | None = None  # the node tree; None only while the checker builds it

    def indicator(self, code: str | int) -> ScoredIndicator:
        for item in self.indicators:
            if item.code == str(code):
                return item
        raise KeyError(code)

    @property
    def nodes(self) -> tuple[Node, ...]:
        """Every node, parents first, in source order; the root (the total) is the first."""
        return () if self.root is None else tuple(self.root.walk())

    @property
    def provisional_numbers(self) -> tuple[ProvisionalNumber, ...]:
        """Every number the standard marks provisional, as data."""
        found = [ProvisionalNumber("the total")] if self.header.total_provisional else []
        found += [ProvisionalNumber("points", group=g.name) for g in self.syntax.all_groups() if g.provisional]
        found += [ProvisionalNumber("formula", indicator=i.code) for i in self.syntax.all_indicators()
                  if i.items and i.provisional]
        found += [ProvisionalNumber("points", indicator=i.code) for i in self.syntax.all_indicators()
                  if i.items and i.points is not None and i.points.provisional]
        found += [ProvisionalNumber(part, indicator=item.code, item=item.is_item)
                  for item in self.indicators for part in item.provisional_parts]
        if self.syntax.rating is not None and self.syntax.rating.provisional:
            found.append(ProvisionalNumber("the rating rule"))
        return tuple(found)

    @property
    def provisional(self) -> tuple[str, ...]:
        """Every number the standard marks provisional, e.g. "indicator 4 star thresholds"."""
        return tuple(number.text for number in self.provisional_numbers)


@attrs.frozen
class ProvisionalNumber:
    """A number the standard marks provisional: which part, of which indicator or group."""

    part: str  # "formula", "star thresholds", "points", "deduction", "the total", "the rating rule"
    indicator: str | None = None  # an indicator's or item's code
    group: str | None = None
    item: bool = False  # `indicator` names an item

    @property
    def text(self) -> str:
        if self.indicator is not None:
            return f"{'item' if self.item else 'indicator'} {self.indicator} {self.part}"
        if self.group is not None:
            return f"group \"{self.group}\" {self.part}"
        return self.part


# Did-you-mean compares a name with every candidate (about 15 µs each): a thousand unknown
# names among a thousand inputs took 17 s, three thousand 150 s.  Past these it is skipped.
MAX_SUGGESTION_CANDIDATES = 1000
MAX_SUGGESTION_COMPARISONS = 20_000  # for one standard


_fmt = ratio  # sums of a standard's numbers, in messages


def _literals(tree: s.StandardFile) -> Iterator[s.Literal]:
    """Every number written in the (linked) standard, wherever it stands."""
    stack: list[object] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, s.Literal):
            yield node
        elif isinstance(node, tuple):
            stack.extend(node)
        elif attrs.has(kind := type(node)) and not isinstance(node, Span):
            stack.extend(getattr(node, field.name) for field in attrs.fields(kind))


class _Checker:
    def __init__(self, tree: s.StandardFile) -> None:
        self.tree = tree
        self.problems: list[Diagnostic] = []
        self.inputs: dict[str, s.InputDecl] = {}
        self.bands: dict[str, s.StarBands] = {}
        self.used: set[str] = set()
        self.comparisons = MAX_SUGGESTION_COMPARISONS
        self.tree_header = s.Header("", span=tree.span)  # the header as checked (run sets it)
        self.full_mark: Fraction | None = None  # the header's total, which weights take shares of
        self.scored: list[ScoredIndicator] = []
        self.codes: dict[str, s.Indicator] = {}
        self.group_names: dict[str, s.Group] = {}
        self.group_codes: dict[str, s.Group] = {}
        self.missing_stack: list[s.MissingPolicy | None] = []  # the groups' `when missing`, innermost last

    def _suggest(self, name: str, candidates: list[str]) -> str:
        """`did you mean ...?`, or "" when nothing is close or the search would cost too much."""
        if len(candidates) > min(MAX_SUGGESTION_CANDIDATES, self.comparisons):
            return ""
        self.comparisons -= len(candidates)
        match = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
        return f"did you mean `{match[0]}`?" if match else ""

    def error(self, code: str, message: str, span: Span | None, label: str = "", help: str = "",
              labels: tuple[Label, ...] = ()) -> None:
        self.problems.append(Diagnostic(code, message, span, label=label, help=help, labels=labels))

    def warn(self, code: str, message: str, span: Span | None, label: str = "", help: str = "") -> None:
        self.problems.append(Diagnostic(code, message, span, Severity.WARNING, label=label, help=help))

    # ------------------------------------------------------------ declarations
    def declarations(self) -> None:
        for decl in self.tree.inputs:
            if decl.name == ENTITY_KEY:
                self.error("E0248", f"an input cannot be named `{ENTITY_KEY}`", decl.name_span,
                           label="reserved", help=f"a record names its entity under `{ENTITY_KEY}`; "
                           "call the statistic something else")
            if decl.name in self.inputs:
                first = self.inputs[decl.name]
                self.error("E0201", f"input `{decl.name}` is declared twice", decl.name_span,
                           label="declared again here",
                           labels=(Label(first.name_span, "first declared here"),))
                continue
            self.inputs[decl.name] = decl
            if decl.missing.from_cohort and decl.kind is s.Kind.FLAG:
                self.error("E0264", f"yes/no input `{decl.name}` cannot take a cohort's {decl.missing.value[7:]}",
                           decl.name_span, label=f"when missing: {decl.missing.value}",
                           help="a missing yes/no answer can count as no (`when missing: zero`), be last "
                           "period's (`previous`) or make its indicators not applicable")
            if decl.score_range is not None:
                low, high = decl.score_range
                if low.value >= high.value:
                    self.error("E0202", "a score range must go from low to high", low.span,
                               label=f"{low.text} to {high.text} is empty")
        for decl in self.tree.inputs:
            self._check_part_of(decl)
        for named in self.tree.bands:
            if named.name in self.bands:
                self.error("E0203", f"bands `{named.name}` are declared twice", named.span)
            self.bands[named.name] = named.bands
            self._check_bands(named.bands)

    def _check_part_of(self, decl: s.InputDecl) -> None:
        if decl.part_of is None:
            return
        whole = self.inputs.get(decl.part_of)
        if whole is None:
            self.error("E0204", f"unknown input `{decl.part_of}`", decl.part_of_span,
                       label="not declared", help=self._suggest(decl.part_of, list(self.inputs)))
            return
        self.used.add(decl.part_of)
        if whole.kind is s.Kind.FLAG or decl.kind is s.Kind.FLAG:
            self.error("E0205", "a yes/no input cannot be part of another", decl.part_of_span)
        # A cycle of parts means every member must equal every other: surely a slip.
        seen = {decl.name}
        current: s.InputDecl | None = whole
        while current is not None and current.part_of is not None:
            if current.name in seen:
                self.error("E0206", f"`part of` goes round in a cycle through `{decl.name}`",
                           decl.part_of_span, label="this input ends up part of itself")
                return
            seen.add(current.name)
            current = self.inputs.get(current.part_of)

    # ------------------------------------------------------------ bands
    def _check_bands(self, bands: s.StarBands) -> None:
        values = [t.value for t in bands.thresholds]
        if len(values) != STAR_LEVELS:
            self.error("E0207", f"star bands need {STAR_LEVELS} thresholds, one per star; found {len(values)}",
                       bands.span, help="list the thresholds for 1, 2, 3, 4 and 5 stars")
            return
        ascending = bands.rule is s.BandRule.AT_LEAST
        for before, after in zip(bands.thresholds, bands.thresholds[1:]):
            if (after.value <= before.value) if ascending else (after.value >= before.value):
                order = "ascend" if ascending else "descend"
                self.error("E0208", f"thresholds must strictly {order} ({bands.rule.value})", after.span,
                           label=f"{after.text} comes after {before.text}",
                           help="with `at least` more is better; with `at most` less is better")
                return

    def _resolve_bands(self, indicator: s.Indicator) -> s.StarBands | None:
        stars = indicator.stars
        if isinstance(stars, s.BandsRef):
            found = self.bands.get(stars.name)
            if found is None:
                self.error("E0209", f"unknown bands `{stars.name}`", stars.span, label="not declared",
                           help=self._suggest(stars.name, list(self.bands)))
            return found
        if stars is not None:
            self._check_bands(stars)
        return stars

    # ------------------------------------------------------------ formulas
    def formula(self, expr: s.Expr, code: str) -> None:
        for node in walk(expr):
            if isinstance(node, s.Ref):
                self._ref(node)
            elif isinstance(node, s.Call):
                self._call(node, code)
            elif isinstance(node, s.Weighted):
                self._weighted(node)
            elif isinstance(node, s.Checklist):
                self._checklist(node)
        if s.holds_root(expr):
            self._roots(expr)

    # ------------------------------------------------------------ square roots
    def _roots(self, expr: s.Expr) -> None:
        """Where a square root may stand (docs/language.md §5, Square roots): values stay sums of
        rational multiples of roots, exact and comparable, only if nothing divides by a sum of
        roots, takes a root of one, or compares a cohort by one."""
        for node in walk(expr):
            if isinstance(node, s.Binary) and node.op is s.BinaryOp.DIV:
                self._root_divisor(node.right, "`/`")
            elif isinstance(node, s.Call) and node.function in ("ratio", "growth") and node.args:
                self._root_divisor(node.args[-1], f"`{node.function}`")
            if isinstance(node, s.Call) and node.function in s.ROOTS and node.args:
                self._nested_root(node)
            elif isinstance(node, s.Call) and node.function in COHORT_FUNCTIONS and node.args:
                inner = _first_root(node.args[0], ("sqrt",))  # a z-score inside is E0215
                if inner is not None:
                    self.error("E0276", f"`{inner.function}` inside `{node.function}`", inner.span,
                               label=f"`{node.function}` of a square root is not offered",
                               help="compare the cohort by the value under the root: it orders the "
                               "entities alike")

    def _root_divisor(self, divisor: s.Expr, where: str) -> None:
        if not _one_term(divisor):
            self.error("E0274", f"the divisor of {where} adds a square root to something", divisor.span,
                       label="a sum with a square root cannot divide exactly",
                       help="divide by one term, such as `sqrt(x)` or `2 * sqrt(x)`, or by a formula without roots")

    def _nested_root(self, call: s.Call) -> None:
        inner = _first_root(call.args[0], ("sqrt",) if call.function == "zscore" else s.ROOTS)
        if inner is not None:
            self.error("E0275", f"`{inner.function}` inside `{call.function}`", inner.span,
                       label="a square root of a square root is not offered",
                       help="take one root of the whole formula: `sqrt(x * y)` rather than `sqrt(x * sqrt(y))`")

    def _ref(self, ref: s.Ref) -> s.InputDecl | None:
        decl = self.inputs.get(ref.name)
        if decl is None:
            self.error("E0210", f"unknown input `{ref.name}`", ref.span, label="not declared",
                       help=self._suggest(ref.name, list(self.inputs)) or "declare it with `input`")
            return None
        self.used.add(ref.name)
        if decl.kind is s.Kind.FLAG:
            self.error("E0211", f"yes/no input `{ref.name}` used as a number", ref.span,
                       help="yes/no inputs are counted with `checklist { name: points }`")
        return decl

    def _call(self, call: s.Call, code: str) -> None:
        arity = FUNCTIONS.get(call.function)
        if arity is None:
            self.error("E0212", f"unknown function `{call.function}`", call.name_span,
                       help=self._suggest(call.function, list(FUNCTIONS))
                       or "functions: " + ", ".join(sorted(FUNCTIONS)))
            return
        low, high = arity
        count = len(call.args)
        if count < low or (high is not None and count > high):
            want = str(low) if low == high else f"at least {low}"
            self.error("E0213", f"`{call.function}` takes {want} argument{'s' if want != '1' else ''}, "
                       f"given {count}", call.span)
        if call.function == "previous" and not isinstance(call.args[0], s.Ref):
            self.error("E0214", "`previous` takes an input name", call.args[0].span,
                       help="for a formula's previous value use `growth(...)` or name each input")
        if call.function == "growth" and call.args:
            self._period_before_last(call)
        if call.function in COHORT_FUNCTIONS:
            for arg in call.args:
                for inner in walk(arg):
                    if isinstance(inner, s.Call) and inner.function in COHORT_FUNCTIONS:
                        self.error("E0215", f"`{inner.function}` inside `{call.function}`", inner.span,
                                   label="a cohort function cannot nest in another")

    def _period_before_last(self, call: s.Call) -> None:
        """growth() compares this period with the last; last period's growth or previous value
        would need the period before last, which no record carries (only `name@previous`)."""
        inner = next((n for n in walk(call.args[0]) if isinstance(n, s.Call)
                      and n.function in ("growth", "previous")), None)
        if inner is not None:
            self.error("E0256", f"`{inner.function}` inside `growth`", inner.span,
                       label="last period's value of this needs the period before last",
                       help="a record carries this period's values and the last's (`name@previous`) only")

    def _weighted(self, node: s.Weighted) -> None:
        total = sum((part.weight.value for part in node.parts), Fraction(0))
        if total != 1:
            first, last = node.parts[0].weight.span, node.parts[-1].weight.span
            self.error("E0216", f"weights sum to {_fmt(total)}, expected 1", first.source.span(first.start, last.end),
                       label=f"these add up to {_fmt(total)}", help="add the missing part or rescale")
        for part in node.parts:
            if part.weight.value <= 0:
                self.error("E0217", "a weight must be positive", part.weight.span)

    def _checklist(self, node: s.Checklist) -> None:
        seen: set[str] = set()
        for item in node.items:
            decl = self.inputs.get(item.name)
            if decl is None:
                self.error("E0210", f"unknown input `{item.name}`", item.span, label="not declared",
                           help=self._suggest(item.name, list(self.inputs)) or "declare it with `input ...: flag`")
                continue
            self.used.add(item.name)
            if decl.kind is not s.Kind.FLAG:
                self.error("E0218", f"checklist item `{item.name}` is not a yes/no input", item.span,
                           label=f"declared as {decl.kind.value}")
            if item.name in seen:
                self.error("E0219", f"checklist item `{item.name}` is listed twice", item.span)
            seen.add(item.name)

    # ------------------------------------------------------------ indicators
    def leaf(self, indicator: s.Indicator) -> s.StarBands | None:
        """Check a scored leaf (an indicator with a value, or an item); its resolved bands."""
        n = indicator.code
        what = "item" if indicator.is_item else "indicator"
        if indicator.value is None:
            self.error("E0220", f"{what} {n} has no `value`", indicator.code_span,
                       help="say how it is computed: `value ratio(part, whole)`")
        else:
            self.formula(indicator.value, n)
        bands = self._resolve_bands(indicator)
        if indicator.weight is not None and (indicator.points is not None or indicator.deduction is not None):
            clause = "points" if indicator.points is not None else "deduct"
            given = indicator.points if indicator.points is not None else indicator.deduction
            assert given is not None
            self.error("E0261", f"weighted {what} {n} cannot also have `{clause}`", given.span,
                       help="its points are its weight's share of the total: drop one of the two")
        elif indicator.deduction is not None:
            self._deduction(indicator, what)
        elif indicator.points is None and indicator.weight is None:
            self.error("E0224", f"{what} {n} has no `points`", indicator.code_span,
                       help="add `points N` (its maximum points) or `weight W`")
        elif indicator.points is not None:
            self._points(indicator.points)
            if indicator.stars is None and isinstance(indicator.points.scoring, s.FromStars):
                self.error("E0223", f"{what} {n} scores points by stars but has no star bands",
                           indicator.code_span, help="add `stars at least t1, t2, t3, t4, t5`, "
                           "or score the value with `points N linear from L to H`")
        if indicator.leading and indicator.deduction is None and indicator.stars is None:
            self.error("E0238", f"leading (★) {what} {n} has no star bands", indicator.code_span,
                       help="leading indicators are held to star levels: give it `stars ...`")
        return bands

    def _deduction(self, indicator: s.Indicator, what: str) -> None:
        deduction, n = indicator.deduction, indicator.code
        assert deduction is not None
        if indicator.leading:
            self.error("E0238", f"deduction indicator {n} cannot be leading (★)", indicator.code_span,
                       help="leading indicators are held to star levels; a deduction has none")
        if indicator.stars is not None or indicator.points is not None:
            self.error("E0221", f"deduction {what} {n} cannot also have stars or points",
                       deduction.span, help="a deduction only takes points off")
        if deduction.each.value <= 0 or (deduction.cap is not None and deduction.cap.value <= 0):
            self.error("E0222", "a deduction and its cap must be positive", deduction.span)

    def _points(self, points: s.Points) -> None:
        if points.maximum.value <= 0:
            self.error("E0225", "maximum points must be positive", points.maximum.span)
        if isinstance(points.scoring, s.Table):
            self._table(points.scoring)
        if isinstance(points.scoring, s.Linear) and points.scoring.low.value == points.scoring.high.value:
            self.error("E0226", "a linear scale needs two different bounds", points.scoring.span)

    def _table(self, table: s.Table) -> None:
        """Every value in exactly one row, as the rows are written: no overlap, no gap."""
        for row in table.rows:
            if row.points.value < 0:
                self.error("E0225", "a row's points cannot be negative", row.points.span,
                           help="points off are a deduction: `deduct D each`")
        for k, row in enumerate(table.rows):
            for other in table.rows[k + 1:]:
                shared = _shared(row, other)
                if shared is not None:
                    self.error("E0269", f"two rows of the point table both hold for {shared}", other.span,
                               label="this row", labels=(Label(row.span, "and this one"),),
                               help="make one row stop where the next begins: `>= 93% and < 97%`, `>= 97%`")
                    return
        gap = _gap(table.rows)
        if gap is not None:
            self.error("E0270", f"no row of the point table holds for {gap}", table.span,
                       label="a value there scores nothing",
                       help="add a row for it, or move a bound: rows cover every value, the floor being "
                       "the row with no lower bound (`< 85%: 60`)")

    def _made_of_items(self, indicator: s.Indicator) -> None:
        """An indicator with items scores them: a formula, bands or points of its own would mean
        nothing, and a leading one would have no stars to hold to a bar."""
        linear = indicator.points if indicator.points is not None and isinstance(
            indicator.points.scoring, s.Linear) else None  # `points N` alone is its items' sum
        clauses = {"value": indicator.value, "stars": indicator.stars, "deduct": indicator.deduction,
                   "points … linear": linear}
        for clause, given in clauses.items():
            if given is not None:
                self.error("E0257", f"indicator {indicator.code} is made of items and cannot have `{clause}`",
                           given.span,
                           label="its score is its items' scores summed",
                           help="move the clause into an item, or make the items separate indicators")
        if indicator.leading:
            self.error("E0257", f"indicator {indicator.code} is made of items and cannot be leading (★)",
                       indicator.code_span, help="mark the item to hold to a star level instead")

    # ------------------------------------------------------------ the node tree
    def nodes(self) -> tuple[Node, list[ScoredIndicator]]:
        """Every node, checked; the root and the scored leaves in source order."""
        header = self.tree_header
        rounding = header.rounding
        members = tuple(self._group(g, rounding, top=True) for g in self.tree.groups)
        total = header.total.value if header.total is not None else None
        root = Node(NodeKind.STANDARD, None, header.title, members, None, total, None, False, None, rounding,
                    header.total_provisional)
        return root, self.scored

    def _node_missing(self, policy: s.MissingPolicy | None, span: Span) -> None:
        """A node's `when missing` says what a missing value means where it is read; filling one
        in (from the cohort, from last period) is the input's, once per entity."""
        if policy is not None and (policy.from_cohort or policy is s.MissingPolicy.PREVIOUS):
            self.error("E0273", f"`when missing: {policy.value}` belongs on the input", span,
                       label="a node may say zero, not applicable or error",
                       help="a statistic is filled in once per entity, whoever reads it: put it on the "
                       "`input` line")

    def _rounding(self, declared: s.Rounding | None, covering: s.Rounding | None) -> s.Rounding | None:
        if declared is None:
            return covering
        if not 0 <= declared.decimals <= MAX_DECIMALS:
            self.error("E0240", f"rounding keeps 0 to {MAX_DECIMALS} decimals", declared.span,
                       help="rounding exists to match published tables, which keep a few decimals")
            return covering  # the analyses still read the standard: 10^20 places hung them
        return declared

    def _weight(self, weight: s.Literal | None) -> Fraction | None:
        if weight is None:
            return None
        if not 0 < weight.value <= 1:
            self.error("E0258", f"a weight is more than 0 and at most 1; found {weight.text}", weight.span,
                       help="write a weight as a share: `weight 8%` or `weight 0.08`")
        if self.full_mark is None:
            self.error("E0259", "a weight needs the standard's `total`", weight.span,
                       label="a share of what?", help="say the full mark in the header: `total 100`")
            return None
        return weight.value

    def _group(self, group: s.Group, covering: s.Rounding | None, top: bool) -> Node:
        for seen, key, what in ((self.group_names, group.name, "name"), (self.group_codes, group.code, "code")):
            if key is None:
                continue
            if key in seen:
                self.error("E0227", f"two groups have the {what} \"{key}\"", group.name_span,
                           labels=(Label(seen[key].name_span, "first here"),))
            seen.setdefault(key, group)
        rounding = self._rounding(group.rounding, covering)
        self._node_missing(group.missing, group.name_span)
        self.missing_stack.append(group.missing or (self.missing_stack[-1] if self.missing_stack else None))
        members: list[Node] = []
        for member in group.members:
            if isinstance(member, s.Group):
                members.append(self._group(member, rounding, top=False))
            elif isinstance(member, s.Indicator):
                members.append(self._indicator(member, group, rounding))
        self.missing_stack.pop()
        weight = self._weight(group.weight)
        self._group_numbers(group, top)
        maximum = self._maximum(group.points, weight, group.cap if group.bonus else None, members,
                                group.name_span, f'group "{group.name}"')
        self._aggregation(group.aggregation, rounding, members, group.name_span, f'group "{group.name}"')
        return Node(NodeKind.GROUP, group.code, group.name, tuple(members), None, maximum, weight, group.bonus,
                    group.cap.value if group.bonus and group.cap is not None else None, rounding,
                    group.provisional, group.redistribute, group.aggregation)

    def _group_numbers(self, group: s.Group, top: bool) -> None:
        if group.weight is not None and (group.points is not None or group.cap is not None):
            self.error("E0229", "a weighted group cannot also have `points` or `at most`", group.weight.span)
        if group.bonus:
            if group.points is not None:
                self.error("E0229", "a bonus group is capped with `at most`, not given `points`",
                           group.points.span)
            return
        if group.cap is not None:
            self.error("E0229", "only a bonus group takes `at most`", group.cap.span,
                       help="write `bonus group` or use `points N`")
        if top and group.points is None and group.weight is None:
            self.error("E0230", f"group \"{group.name}\" does not say its `points`", group.name_span)

    def _maximum(self, points: s.Literal | None, weight: Fraction | None, cap: s.Literal | None,
                 members: list[Node], span: Span, label: str) -> Fraction | None:
        """A node's maximum, checking that its members add up to what it says."""
        parts = sum((m.maximum for m in members if not m.bonus and m.maximum is not None), Fraction(0))
        if weight is not None and self.full_mark is not None:
            if parts != self.full_mark:
                self.error("E0260", f"the members of weighted {label} add up to {_fmt(parts)}, "
                           f"expected the total {_fmt(self.full_mark)}", span,
                           label=f"its members add up to {_fmt(parts)}",
                           help="a weighted node takes its weight of its members' sum, "
                           "which runs up to the full mark: rescale the members' weights or points")
            return weight * self.full_mark
        if points is not None:
            if parts != points.value:
                self.error("E0231", f"points of {label} sum to {_fmt(parts)}, expected {points.text}",
                           points.span, label=f"its members add up to {_fmt(parts)}",
                           help="make the members' points add up to the declared points")
            return points.value
        return cap.value if cap is not None else parts

    def _indicator(self, indicator: s.Indicator, group: s.Group, covering: s.Rounding | None) -> Node:
        self._code(indicator)
        rounding = self._rounding(indicator.rounding, covering)
        if not indicator.items:
            return self._leaf(indicator, group, None, rounding, NodeKind.INDICATOR)
        self._made_of_items(indicator)
        self._node_missing(indicator.missing, indicator.code_span)
        for item in indicator.items:
            self._code(item)  # a repeat is reported, and the item still scored: no cascade of sums
        members = [self._leaf(item, group, indicator, self._rounding(item.rounding, rounding), NodeKind.ITEM)
                   for item in indicator.items]
        weight = self._weight(indicator.weight)
        points = indicator.points.maximum if indicator.points is not None else None
        maximum = self._maximum(points, weight, None, members, indicator.code_span, f"indicator {indicator.code}")
        self._aggregation(indicator.aggregation, rounding, members, indicator.code_span,
                          f"indicator {indicator.code}")
        return Node(NodeKind.INDICATOR, indicator.code, indicator.name, tuple(members), None, maximum, weight,
                    False, None, rounding, indicator.provisional, indicator.redistribute, indicator.aggregation)

    def _aggregation(self, aggregation: s.Aggregation | None, rounding: s.Rounding | None, members: list[Node],
                     span: Span, label: str) -> None:
        """A geometric mean is irrational in general: its node needs a declared precision, and
        weights fine enough to keep the exact decision (powers of the weights' denominator) small."""
        if aggregation is not s.Aggregation.GEOMETRIC:
            return
        if rounding is None:
            self.error("E0267", f"geometric {label} needs a rounding", span,
                       label="a geometric mean is irrational in general",
                       help="declare its precision: `rounding 2 decimals` in it or above it")
        weighed = [m.maximum for m in members if m.weighs and m.maximum is not None]
        total = sum(weighed, Fraction(0))
        common = math.lcm(1, *((w / total).denominator for w in weighed)) if total else 1
        if common > MAX_GEOMETRIC_DENOMINATOR:
            self.error("E0268", f"the weights of geometric {label} need a common denominator of {common:,}",
                       span, label=f"more than {MAX_GEOMETRIC_DENOMINATOR:,}",
                       help="the mean is decided exactly by raising to that power: give the members "
                       "maxima in simpler proportions")

    def _leaf(self, indicator: s.Indicator, group: s.Group, parent: s.Indicator | None,
              rounding: s.Rounding | None, kind: NodeKind) -> Node:
        bands = self.leaf(indicator)
        if rounding is None and indicator.value is not None and s.holds_root(indicator.value):
            self.error("E0277", f"{kind.value} {indicator.code} takes a square root and needs a rounding",
                       indicator.code_span, label="a square root is irrational in general",
                       help="declare the precision its value is shown at: `rounding 2 decimals` in it or above it")
        if indicator.redistribute or indicator.aggregation is not None:
            what = "redistribute among" if indicator.redistribute else "aggregate"
            clause = "when not applicable: redistribute" if indicator.redistribute else "aggregate"
            self.error("E0266", f"{kind.value} {indicator.code} has no members to {what}",
                       indicator.code_span, label=f"`{clause}` needs members",
                       help="say it on the indicator made of items, or on the group, whose members share the weight")
        weight = self._weight(indicator.weight)
        self._node_missing(indicator.missing, indicator.code_span)
        covering = self.missing_stack[-1] if self.missing_stack else None
        missing = indicator.missing or (parent.missing if parent is not None else None) or covering
        item = ScoredIndicator(indicator, group, bands, parent, rounding, self.full_mark, missing)
        self.scored.append(item)
        return Node(kind, indicator.code, indicator.name, (), len(self.scored) - 1, item.maximum, weight, False, None,
                    rounding, indicator.provisional or (parent is not None and parent.provisional))

    def _code(self, indicator: s.Indicator) -> bool:
        """Record a code; report one used twice or out of range. False when it is a repeat."""
        code = indicator.code
        if code in self.codes:
            self.error("E0228", f"code {code} is used twice", indicator.code_span, label="used again here",
                       labels=(Label(self.codes[code].code_span, "first used here"),))
            return False
        self.codes[code] = indicator
        number = s.code_number(code)
        if (number is not None and not 1 <= number <= MAX_INDICATOR_NUMBER) or len(code) > MAX_CODE_LENGTH:
            self.error("E0254", f"indicator code {code[:MAX_CODE_LENGTH]} is out of range", indicator.code_span,
                       label=f"numbers go from 1 to {MAX_INDICATOR_NUMBER}, codes have at most "
                       f"{MAX_CODE_LENGTH} characters",
                       help="number the indicators 1, 2, 3, … or code them as the standard does")
        return True

    def header(self) -> s.Header:
        header = self.tree.header
        if header is None:
            self.error("E0232", "the standard has no `standard \"title\" { ... }` header", None,
                       help="start the file with a header naming the standard")
            return s.Header("", span=self.tree.span)
        return header

    def _total(self, root: Node) -> None:
        header = self.tree_header
        if header.total is None:
            return
        total = sum((m.maximum for m in root.members if not m.bonus and m.maximum is not None), Fraction(0))
        if total != header.total.value:
            self.error("E0233", f"group points sum to {_fmt(total)}, expected the total {header.total.text}",
                       header.total.span, label=f"the groups add up to {_fmt(total)}")

    # ------------------------------------------------------------ rating
    def rating(self, root: Node, scored: list[ScoredIndicator]) -> None:
        rating = self.tree.rating
        if rating is None:
            return
        if rating.unrated_above is not None and not 0 <= rating.unrated_above.value <= 1:
            self.error("E0265", f"a share of the weight is from 0 to 1; found {rating.unrated_above.text}",
                       rating.unrated_above.span, help="write it as a share: `unrated when missing more than 30%`")
        for override in rating.overrides:
            if override.cap is not None and override.cap.value < 0:
                self.error("E0239", "a rating level cannot be negative", override.cap.span)
            for requirement in override.requirements:
                self._requirement(requirement, root, scored)
        previous: s.Level | None = None
        names: dict[str, s.Level] = {}
        for level in rating.levels:
            if level.rank.value < 0:
                self.error("E0239", "a rating level cannot be negative", level.rank.span)
            # Equal ranks are sub-tiers of one level (四星级成长型 above 四星级基础型), higher first.
            if previous is not None and level.rank.value > previous.rank.value:
                self.error("E0234", "rating levels must be listed from the highest down", level.rank.span,
                           label=f"level {level.rank.text} after level {previous.rank.text}")
            if level.name in names:
                self.error("E0249", f"two rating levels are named \"{level.name}\"", level.span,
                           label="named again here", labels=(Label(names[level.name].span, "first here"),),
                           help="each level or sub-tier is reported by its name: give each its own")
            names.setdefault(level.name, level)
            previous = level
            for requirement in level.requirements:
                self._requirement(requirement, root, scored)

    def _requirement(self, req: s.Requirement, root: Node, scored: list[ScoredIndicator]) -> None:
        if isinstance(req, s.IndicatorRequirement):
            self._indicator_requirement(req, root, scored)
        if isinstance(req, s.GroupRequirement):
            groups = [n.name for n in root.walk() if n.kind is NodeKind.GROUP]
            if req.group not in groups:
                self.error("E0236", f"no group \"{req.group}\"", req.span, help=self._suggest(req.group, groups))
        stars = req.stars if isinstance(req, s.LeadingRequirement) else (
            req.threshold if isinstance(req, s.IndicatorRequirement) and req.on_stars else None)
        if stars is not None and not 0 <= stars.value <= STAR_LEVELS:
            self.error("E0237", f"stars go from 0 to {STAR_LEVELS}", stars.span)

    def _indicator_requirement(self, req: s.IndicatorRequirement, root: Node, scored: list[ScoredIndicator]) -> None:
        node = next((n for n in root.walk() if n.code == req.code and n.kind is not NodeKind.GROUP), None)
        if node is None:
            codes = [n.code for n in root.walk() if n.code is not None and n.kind is not NodeKind.GROUP]
            self.error("E0235", f"no indicator {req.code}", req.code_span, help=self._suggest(req.code, codes))
            return
        if req.measure is s.Measure.POINTS:
            return
        leaf = None if node.leaf is None else scored[node.leaf]
        if req.measure is s.Measure.STARS:
            lacks = "star bands" if leaf is None or leaf.bands is None else None
        else:
            lacks = "value" if leaf is None else None
        if lacks is not None:
            self.error("E0263", f"{node.label} has no {lacks} to compare", req.code_span,
                       label=f"compares its {req.measure.value}",
                       help=f"compare its score instead: `indicator {req.code} >= N points`")

    # ------------------------------------------------------------ limits
    def denominators(self) -> None:
        """The number that takes the common denominator of the standard's numbers past the limit.

        Each number is short (E0113), but 300 fractions over different 40-digit primes sum to
        12,000 digits: the checker's messages and the compiler failed on Python's 4,300-digit
        limit for printing an int."""
        common = 1
        for literal in sorted(_literals(self.tree), key=lambda lit: (lit.span.source.name, lit.span.start)):
            common = math.lcm(common, literal.value.denominator)
            if common >= 10**MAX_DENOMINATOR_DIGITS:
                self.error("E0255", f"the standard's numbers need a common denominator of more than "
                           f"{MAX_DENOMINATOR_DIGITS} digits", literal.span, label="with this one",
                           help="scoring is exact, over one denominator for all numbers: "
                           "write them as decimals or fractions with small denominators")
                return

    # ------------------------------------------------------------ all
    def unlinked(self) -> None:
        for group in self.tree.all_groups():
            for item in group.indicators:
                if isinstance(item, s.ReusedIndicator):
                    self.error("E0247", f"indicator {item.code} is taken from `{item.standard}`, "
                               "which was never linked", item.span,
                               help="load the file with `smartcity_rules.load`, or link the tree "
                               "with `smartcity_rules.link.link` before checking it")

    def run(self) -> tuple[CheckedStandard | None, list[Diagnostic]]:
        self.unlinked()
        if self.problems:  # the rest would only count missing indicators
            return None, self.problems
        self.denominators()
        header = self.header()
        rounding = self._rounding(header.rounding, None)
        self.tree_header = header = attrs.evolve(header, rounding=rounding)
        self.full_mark = header.total.value if header.total is not None else None
        self.declarations()
        root, scored = self.nodes()
        self._total(root)
        self.rating(root, scored)
        for decl in self.tree.inputs:
            if decl.name not in self.used:
                self.warn("W0201", f"input `{decl.name}` is never used", decl.name_span,
                          help="remove it, or use it in a formula")
        return CheckedStandard(self.tree, header, dict(self.inputs), tuple(scored), (), root), self.problems


def _shared(a: s.TableRow, b: s.TableRow) -> str | None:
    """A value, as text, that both rows hold for; None when they share none."""
    return next((text for value, text in _probes((a, b)) if a.holds(value) and b.holds(value)), None)


def _gap(rows: tuple[s.TableRow, ...]) -> str | None:
    """A value, as text, that no row holds for; None when they cover every number."""
    return next((text for value, text in _probes(rows) if not any(r.holds(value) for r in rows)), None)


def _probes(rows: tuple[s.TableRow, ...]) -> list[tuple[Fraction, str]]:
    """Where rows can meet or part: each bound, between neighbouring bounds, and beyond the
    outermost. Rows are intervals, so what holds (or fails) anywhere holds (or fails) at one
    of these."""
    bounds = sorted({b.value for r in rows for b in (r.low, r.high) if b is not None})
    texts = {b.value: b.text for r in rows for b in (r.low, r.high) if b is not None}
    if not bounds:
        return [(Fraction(0), "every value")]
    probes = [(b, texts[b]) for b in bounds]
    probes += [((x + y) / 2, f"values between {texts[x]} and {texts[y]}") for x, y in itertools.pairwise(bounds)]
    return [*probes, (bounds[0] - 1, f"values below {texts[bounds[0]]}"),
            (bounds[-1] + 1, f"values above {texts[bounds[-1]]}")]


def review(tree: s.StandardFile) -> tuple[CheckedStandard | None, list[Diagnostic]]:
    """Every problem the checker finds, unsorted, and the checked standard, even when some of
    the problems are errors (the analyses still read it); None when the tree is not linked, or
    is typed: a standard with entity types is checked type by type (`variants.review_each`)."""
    if variants.is_typed(tree):
        return None, variants.problems(tree)
    return _Checker(tree).run()


def conclude(checked: CheckedStandard | None, problems: list[Diagnostic]) -> CheckedStandard:
    """Raise InvalidStandard when any problem is an error; else the standard, with its
    warnings and notes in source order."""
    ordered = sorted(problems, key=sort_key)
    if checked is None or any(p.is_error for p in ordered):
        raise InvalidStandard(ordered)
    return attrs.evolve(checked, warnings=capped(ordered))


def check(tree: s.StandardFile) -> CheckedStandard:
    """Check a parsed, linked standard; raise InvalidStandard listing every error (warnings
    included). The static analyses are not run here: the facade's `diagnose` adds them."""
    return conclude(*review(tree))
