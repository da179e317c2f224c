"""Checks a parsed standard and resolves its names: syntax tree -> checked standard.

A pass of its own that collects every problem it finds, in source order, and
raises once at the end; warnings ride along on the checked standard.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator, Mapping
from fractions import Fraction

import attrs

from . import syntax as s
from .diagnostics import Diagnostic, Label, Severity, capped, sort_key
from .errors import InvalidStandard
from .numbers import ratio
from .source import Span
from .syntax import Function, walk

STAR_LEVELS = 5
ENTITY_KEY = "entity"  # the record key that names the entity, not a statistic
MAX_DECIMALS = 12
MAX_INDICATOR_NUMBER = 9999  # the shipped standards number theirs from 1 to at most 49
# Scoring is exact: points are scaled to one common denominator, thresholds and checklist
# points to theirs, and sums of them are shown in messages.  Bounding the common denominator
# of every number written keeps all of these a few hundred digits long.
MAX_DENOMINATOR_DIGITS = 100

# name -> (smallest, largest) number of arguments
FUNCTIONS: Mapping[str, tuple[int, int | None]] = {
    Function.RATIO.value: (2, 2),
    Function.GROWTH.value: (1, 1),
    Function.PREVIOUS.value: (1, 1),
    Function.RANK.value: (1, 1),
    Function.SHARE.value: (1, 1),
    Function.MIN.value: (2, None),
    Function.MAX.value: (2, None),
    Function.CLAMP.value: (3, 3),
}
COHORT_FUNCTIONS = frozenset(f.value for f in Function if f.compares_entities)


@attrs.frozen
class ScoredIndicator:
    """An indicator with its names resolved: the group it sits in and its star bands."""

    syntax: s.Indicator
    group: s.Group
    bands: s.StarBands | None

    @property
    def number(self) -> int:
        return self.syntax.number

    @property
    def is_deduction(self) -> bool:
        return self.syntax.deduction is not None

    @property
    def provisional_parts(self) -> tuple[str, ...]:
        """Which of its numbers the standard marks provisional: "formula", "star thresholds"..."""
        syntax = self.syntax
        marked = {"formula": syntax.provisional,
                  "star thresholds": self.bands is not None and self.bands.provisional,
                  "points": syntax.points is not None and syntax.points.provisional,
                  "deduction": syntax.deduction is not None and syntax.deduction.provisional}
        return tuple(part for part, provisional in marked.items() if provisional)

    @property
    def direction(self) -> s.Direction | None:
        """Which way is good for the value: as declared, else as its (resolved) bands say."""
        return s.indicator_direction(self.syntax, self.bands)


@attrs.frozen
class CheckedStandard:
    """A standard that passed every check, ready to compile."""

    syntax: s.StandardFile
    header: s.Header
    inputs: Mapping[str, s.InputDecl]
    indicators: tuple[ScoredIndicator, ...]
    warnings: tuple[Diagnostic, ...]

    def indicator(self, number: int) -> ScoredIndicator:
        for item in self.indicators:
            if item.number == number:
                return item
        raise KeyError(number)

    @property
    def provisional_numbers(self) -> tuple[ProvisionalNumber, ...]:
        """Every number the standard marks provisional, as data."""
        found = [ProvisionalNumber("the total")] if self.header.total_provisional else []
        found += [ProvisionalNumber("points", group=g.name) for g in self.syntax.groups if g.provisional]
        found += [ProvisionalNumber(part, indicator=item.number)
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
    indicator: int | None = None
    group: str | None = None

    @property
    def text(self) -> str:
        if self.indicator is not None:
            return f"indicator {self.indicator} {self.part}"
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
    def formula(self, expr: s.Expr, number: int) -> None:
        for node in walk(expr):
            if isinstance(node, s.Ref):
                self._ref(node)
            elif isinstance(node, s.Call):
                self._call(node, number)
            elif isinstance(node, s.Weighted):
                self._weighted(node)
            elif isinstance(node, s.Checklist):
                self._checklist(node)

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

    def _call(self, call: s.Call, number: int) -> None:
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
    def indicator(self, indicator: s.Indicator, group: s.Group) -> ScoredIndicator:
        n = indicator.number
        if indicator.value is None:
            self.error("E0220", f"indicator {n} has no `value`", indicator.number_span,
                       help="say how the indicator is computed: `value ratio(part, whole)`")
        else:
            self.formula(indicator.value, n)
        bands = self._resolve_bands(indicator)
        if indicator.deduction is not None:
            if indicator.leading:
                self.error("E0238", f"deduction indicator {n} cannot be leading (★)", indicator.number_span,
                           help="leading indicators are held to star levels; a deduction has none")
            if indicator.stars is not None or indicator.points is not None:
                self.error("E0221", f"deduction indicator {n} cannot also have stars or points",
                           indicator.deduction.span, help="a deduction only takes points off")
            if indicator.deduction.each.value <= 0 or indicator.deduction.cap.value <= 0:
                self.error("E0222", "a deduction and its cap must be positive", indicator.deduction.span)
        else:
            if indicator.stars is None:
                self.error("E0223", f"indicator {n} has no star bands", indicator.number_span,
                           help="add `stars at least t1, t2, t3, t4, t5`")
            if indicator.points is None:
                self.error("E0224", f"indicator {n} has no `points`", indicator.number_span,
                           help="add `points N`: its maximum points")
            else:
                self._points(indicator.points)
        return ScoredIndicator(indicator, group, bands)

    def _points(self, points: s.Points) -> None:
        if points.maximum.value <= 0:
            self.error("E0225", "maximum points must be positive", points.maximum.span)
        if isinstance(points.scoring, s.Linear) and points.scoring.low.value == points.scoring.high.value:
            self.error("E0226", "a linear scale needs two different bounds", points.scoring.span)

    def groups(self) -> list[ScoredIndicator]:
        scored: list[ScoredIndicator] = []
        numbers: dict[int, s.Indicator] = {}
        names: dict[str, s.Group] = {}
        for group in self.tree.groups:
            if group.name in names:
                self.error("E0227", f"group \"{group.name}\" is declared twice", group.name_span)
            names[group.name] = group
            for indicator in _linked(group):
                if indicator.number in numbers:
                    self.error("E0228", f"indicator number {indicator.number} is used twice",
                               indicator.number_span, label="used again here",
                               labels=(Label(numbers[indicator.number].number_span, "first used here"),))
                numbers[indicator.number] = indicator
                scored.append(self.indicator(indicator, group))
            self._group_points(group)
        return scored

    def _group_points(self, group: s.Group) -> None:
        if group.bonus:
            if group.points is not None:
                self.error("E0229", "a bonus group is capped with `at most`, not given `points`",
                           group.points.span)
            return
        if group.cap is not None:
            self.error("E0229", "only a bonus group takes `at most`", group.cap.span,
                       help="write `bonus group` or use `points N`")
        if group.points is None:
            self.error("E0230", f"group \"{group.name}\" does not say its `points`", group.name_span)
            return
        parts = [i.points.maximum.value for i in _linked(group) if i.points is not None and i.deduction is None]
        total = sum(parts, Fraction(0))
        if total != group.points.value:
            self.error("E0231", f"points of group \"{group.name}\" sum to {_fmt(total)}, expected "
                       f"{group.points.text}", group.points.span,
                       label=f"its indicators add up to {_fmt(total)}",
                       help="make the indicators' points add up to the group's points")

    def header(self) -> s.Header:
        header = self.tree.header
        if header is None:
            self.error("E0232", "the standard has no `standard \"title\" { ... }` header", None,
                       help="start the file with a header naming the standard")
            return s.Header("", span=self.tree.span)
        if header.rounding is not None and not 0 <= header.rounding <= MAX_DECIMALS:
            self.error("E0240", f"rounding keeps 0 to {MAX_DECIMALS} decimals", header.span,
                       help="rounding exists to match published tables, which keep a few decimals")
            # The analyses still read the standard: rounding to 10^20 places hung them.
            header = attrs.evolve(header, rounding=None)
        if header.total is not None:
            total = sum((g.points.value for g in self.tree.groups if not g.bonus and g.points is not None),
                        Fraction(0))
            if total != header.total.value:
                self.error("E0233", f"group points sum to {_fmt(total)}, expected the total {header.total.text}",
                           header.total.span, label=f"the groups add up to {_fmt(total)}")
        return header

    # ------------------------------------------------------------ rating
    def rating(self, scored: list[ScoredIndicator]) -> None:
        rating = self.tree.rating
        if rating is None:
            return
        numbers = {i.number for i in scored}
        groups = {g.name for g in self.tree.groups}
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
                self._requirement(requirement, numbers, groups)

    def _requirement(self, req: s.Requirement, numbers: set[int], groups: set[str]) -> None:
        if isinstance(req, s.IndicatorRequirement) and int(req.number.value) not in numbers:
            self.error("E0235", f"no indicator {req.number.text}", req.number.span,
                       help=self._suggest(req.number.text, [str(n) for n in sorted(numbers)]))
        if isinstance(req, s.GroupRequirement) and req.group not in groups:
            self.error("E0236", f"no group \"{req.group}\"", req.span, help=self._suggest(req.group, list(groups)))
        stars = req.stars if isinstance(req, s.LeadingRequirement) else (
            req.threshold if isinstance(req, s.IndicatorRequirement) and req.on_stars else None)
        if stars is not None and not 0 <= stars.value <= STAR_LEVELS:
            self.error("E0237", f"stars go from 0 to {STAR_LEVELS}", stars.span)

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

    def numbering(self) -> None:
        """Indicator numbers past the limit: nothing in a standard is numbered in the millions,
        and every number is shown in messages and documents."""
        for group in self.tree.groups:
            for indicator in _linked(group):
                if not 1 <= indicator.number <= MAX_INDICATOR_NUMBER:
                    self.error("E0254", f"indicator number {indicator.number} is out of range",
                               indicator.number_span, label=f"numbers go from 1 to {MAX_INDICATOR_NUMBER}",
                               help="number the indicators 1, 2, 3, … as the standard does")

    # ------------------------------------------------------------ all
    def unlinked(self) -> None:
        for group in self.tree.groups:
            for item in group.indicators:
                if isinstance(item, s.ReusedIndicator):
                    self.error("E0247", f"indicator {item.number} is taken from `{item.standard}`, "
                               "which was never linked", item.span,
                               help="load the file with `smartcity_rules.load`, or link the tree "
                               "with `smartcity_rules.link.link` before checking it")

    def run(self) -> tuple[CheckedStandard | None, list[Diagnostic]]:
        self.unlinked()
        if self.problems:  # the rest would only count missing indicators
            return None, self.problems
        self.denominators()
        header = self.header()
        self.declarations()
        self.numbering()
        scored = self.groups()
        self.rating(scored)
        for decl in self.tree.inputs:
            if decl.name not in self.used:
                self.warn("W0201", f"input `{decl.name}` is never used", decl.name_span,
                          help="remove it, or use it in a formula")
        return CheckedStandard(self.tree, header, dict(self.inputs), tuple(scored), ()), self.problems


def _linked(group: s.Group) -> Iterator[s.Indicator]:
    """A group's indicators; reused ones are reported by `unlinked` and skipped."""
    return (item for item in group.indicators if isinstance(item, s.Indicator))


def review(tree: s.StandardFile) -> tuple[CheckedStandard | None, list[Diagnostic]]:
    """Every problem the checker finds, unsorted, and the checked standard, even when some of
    the problems are errors (the analyses still read it); None when the tree is not linked."""
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
