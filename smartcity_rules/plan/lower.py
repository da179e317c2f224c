"""Lowers a checked standard into its scoring plan, once: checked standard -> ScoringPlan.

Pure and deterministic: the same standard always gives the same plan. Every function call
is dispatched on the Function enum, exhaustively; every decision about numbers that a
back-end would otherwise make for itself (scales, which points are whole multiples of a
common denominator, whether the total needs rounding) is made here, once.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Sequence
from fractions import Fraction

from ..language import syntax as s
from ..language.check import CheckedStandard, NodeKind, ScoredIndicator
from ..language.formula import render
from ..language.syntax import Function
from . import scoring as p
from .semantics import Rounding, band_scale, domain, round_score, rounding_of

PREVIOUS_SUFFIX = "@previous"
_WHOLE_KINDS = frozenset({s.Kind.COUNT, s.Kind.RANK, s.Kind.FLAG})
SlotKey = tuple[str, bool]  # (input, previous?)


def lower(standard: CheckedStandard) -> p.ScoringPlan:
    """The scoring plan of a checked standard."""
    return _Lowering(standard).plan()


def points_scale(indicators: Sequence[p.IndicatorPlan]) -> int:
    """The common denominator of scaled points: every star-points table entry, point-table row,
    and scaled deduction (and its cap) is a whole multiple of 1/points_scale."""
    denominators: list[int] = []
    for item in indicators:
        if isinstance(item.points, p.StarPoints):
            denominators += [v.denominator for v in item.points.table]
        elif isinstance(item.points, p.TablePoints):
            denominators += [points.denominator for points in item.points.rounded]
        elif isinstance(item.points, p.DeductionPoints) and item.scaled:
            denominators.append(item.points.each.denominator)
            if item.points.cap is not None:
                denominators.append(item.points.cap.denominator)
    return math.lcm(1, *denominators)


def _not_applicable_when_missing(decl: s.InputDecl, item: ScoredIndicator) -> bool:
    """Whether the leaf is not applicable when the input is missing: the input says so, or,
    declaring nothing itself, the leaf's node does."""
    if decl.missing_declared:
        return decl.missing is s.MissingPolicy.NOT_APPLICABLE
    return item.missing is s.MissingPolicy.NOT_APPLICABLE


def record_key(name: str, previous: bool) -> str:
    return name + PREVIOUS_SUFFIX if previous else name


def inputs_of(expr: s.Expr, previous: bool = False) -> Iterator[SlotKey]:
    """Every (input, previous?) a formula reads, cohort calls included, in reading order, once
    each. Each (node, period) is visited once: growth reads its argument in both periods, and
    nested growth would otherwise double the walk at every level."""
    found: dict[SlotKey, None] = {}
    _reads(expr, previous, found, set())
    return iter(found)


def _reads(expr: s.Expr, previous: bool, found: dict[SlotKey, None], seen: set[tuple[int, bool]]) -> None:
    if (id(expr), previous) in seen:
        return
    seen.add((id(expr), previous))
    if isinstance(expr, s.Ref):
        found[expr.name, previous] = None
    elif isinstance(expr, s.Checklist):
        found.update(((item.name, previous), None) for item in expr.items)
    elif isinstance(expr, s.Call) and expr.callee in (Function.PREVIOUS, Function.GROWTH):
        _reads(expr.args[0], True, found, seen)
        if expr.callee is Function.GROWTH:
            _reads(expr.args[0], previous, found, seen)
    else:
        for child in _children(expr):
            _reads(child, previous, found, seen)


def _children(expr: s.Expr) -> tuple[s.Expr, ...]:
    if isinstance(expr, s.Binary):
        return (expr.left, expr.right)
    if isinstance(expr, s.Neg):
        return (expr.operand,)
    if isinstance(expr, s.Power):
        return (expr.base,)
    if isinstance(expr, s.Call):
        return expr.args
    if isinstance(expr, s.Weighted):
        return tuple(part.expr for part in expr.parts)
    return ()


def cohort_uses(expr: s.Expr, previous: bool = False) -> Iterator[tuple[s.Call, bool]]:
    """Every cohort function's call with the period it is taken in, in evaluation order, once
    each: inside growth() each is taken twice, over this period's and over last period's values."""
    found: dict[tuple[int, bool], tuple[s.Call, bool]] = {}
    _cohort_uses(expr, previous, found, set())
    return iter(found.values())


def _cohort_uses(expr: s.Expr, previous: bool, found: dict[tuple[int, bool], tuple[s.Call, bool]],
                 seen: set[tuple[int, bool]]) -> None:
    if (id(expr), previous) in seen:
        return
    seen.add((id(expr), previous))
    if isinstance(expr, s.Call) and expr.callee.compares_entities:
        found[id(expr), previous] = (expr, previous)  # cohort functions do not nest (E0215)
    elif isinstance(expr, s.Call) and expr.callee is Function.PREVIOUS:
        _cohort_uses(expr.args[0], True, found, seen)
    elif isinstance(expr, s.Call) and expr.callee is Function.GROWTH:
        _cohort_uses(expr.args[0], previous, found, seen)
        _cohort_uses(expr.args[0], True, found, seen)
    else:
        for child in _children(expr):
            _cohort_uses(child, previous, found, seen)


def _integral(expr: s.Expr, standard: CheckedStandard) -> bool:
    """Whether a formula always yields a whole number (known before any data)."""
    if isinstance(expr, s.Literal):
        return expr.value.denominator == 1
    if isinstance(expr, s.Ref):
        return standard.inputs[expr.name].kind in _WHOLE_KINDS
    if isinstance(expr, s.Neg | s.Power):
        return _integral(expr.operand if isinstance(expr, s.Neg) else expr.base, standard)
    if isinstance(expr, s.Binary):
        return expr.op is not s.BinaryOp.DIV and all(_integral(e, standard) for e in (expr.left, expr.right))
    if isinstance(expr, s.Checklist):
        return all(item.points.value.denominator == 1 for item in expr.items)
    if isinstance(expr, s.Call):
        whole_functions = (Function.RANK, Function.MIN, Function.MAX, Function.CLAMP, Function.PREVIOUS)
        return expr.callee in whole_functions and all(_integral(a, standard) for a in expr.args)
    return False


def _label(node: s.Expr, previous: bool) -> str:
    """How an error names a ratio's part or whole: the input, or the formula."""
    text = render(node)
    return text + PREVIOUS_SUFFIX if previous and isinstance(node, s.Ref) else text


def _blame(node: s.Expr, previous: bool) -> str | None:
    """The input to blame when `node`, a denominator, is zero."""
    return record_key(node.name, previous) if isinstance(node, s.Ref) else None


class _Lowering:
    def __init__(self, standard: CheckedStandard) -> None:
        self.standard = standard
        values = [item.syntax.value for item in standard.indicators if item.syntax.value is not None]
        uses = [(item, call, previous) for item in standard.indicators if item.syntax.value is not None
                for call, previous in cohort_uses(item.syntax.value)]
        self.calls = list({(id(call), previous): (item, call, previous) for item, call, previous in uses}.values())
        main = self._needed([(value, False) for value in values])
        cohort = self._needed([(call.args[0], previous) for _, call, previous in self.calls])
        # An indicator made not applicable by a missing input is left out of its cohort calls'
        # comparisons, whatever their argument: the cohort pass reads those inputs too.
        cohort |= {(name, False) for item, _, _ in self.calls if item.syntax.value is not None
                   for name, previous in inputs_of(item.syntax.value)
                   if not previous and _not_applicable_when_missing(standard.inputs[name], item)}
        order = {name: index for index, name in enumerate(standard.inputs)}
        # This period's inputs that no formula reads: their values are still data to check.
        unread = {(name, False) for name in standard.inputs} - main - cohort
        keys = sorted(set(main) | set(cohort) | unread, key=lambda key: (key[1], order[key[0]]))
        self.slot = {key: index for index, key in enumerate(keys)}
        self.names = [name for name, _ in keys]  # slot -> its input's name
        self.main_reads = tuple(sorted(self.slot[key] for key in main))
        self.cohort_reads = tuple(sorted(self.slot[key] for key in cohort))
        self.unread = tuple(sorted(self.slot[key] for key in unread))
        self.site = {(id(call), previous): index for index, (_, call, previous) in enumerate(self.calls)}
        self.memo: dict[tuple[int, bool], p.Op] = {}
        self.carries = self._carries()

    def _needed(self, exprs: list[tuple[s.Expr, bool]]) -> set[SlotKey]:
        needed = {key for expr, previous in exprs for key in inputs_of(expr, previous)}
        # Wholes are read too, and theirs, so `part of` is checked wherever a part is read.
        pending = list(needed)
        while pending:
            name, previous = pending.pop()
            whole = self.standard.inputs[name].part_of
            if whole is not None and (whole, previous) not in needed:
                needed.add((whole, previous))
                pending.append((whole, previous))
        return needed

    # ------------------------------------------------------------ the plan
    def plan(self) -> p.ScoringPlan:
        indicators = tuple(self._indicator(k, item) for k, item in enumerate(self.standard.indicators))
        slots = self._slots({k for item in indicators for k, _ in item.defaults})
        rating = self.standard.syntax.rating
        unrated = None if rating is None or rating.unrated_above is None else rating.unrated_above.value
        return p.ScoringPlan(
            slots=slots, main_reads=self.main_reads, cohort_reads=self.cohort_reads, unread=self.unread,
            cohort_sites=tuple(self._site(item, call, previous) for item, call, previous in self.calls),
            indicators=indicators, nodes=self._nodes(), levels=self._levels(),
            points_scale=points_scale(indicators),
            imputed=tuple(k for k, slot in enumerate(slots) if slot.missing.from_cohort
                          and (k in self.main_reads or k in self.cohort_reads)),
            unrated_above=unrated, overrides=self._overrides())

    def _slots(self, tolerant: set[int]) -> tuple[p.InputSlot, ...]:
        """The slots, in order; `tolerant`: those a leaf's node-level `when missing` covers."""
        users: dict[str, str] = {}
        for item in self.standard.indicators:
            if item.syntax.value is not None:
                for name, _ in inputs_of(item.syntax.value):
                    users.setdefault(name, item.code)
        slots = []
        for k, (name, previous) in enumerate(self.slot):
            decl = self.standard.inputs[name]
            bounds = None if decl.score_range is None else (decl.score_range[0].value, decl.score_range[1].value)
            whole = None if decl.part_of is None else self.slot.get((decl.part_of, previous))
            missing = s.MissingPolicy.ERROR if previous else decl.missing
            slots.append(p.InputSlot(record_key(name, previous), name, previous, decl.kind,
                                     domain(decl.kind, bounds), whole, users.get(name), missing, k in tolerant))
        return tuple(slots)

    def _site(self, item: ScoredIndicator, call: s.Call, previous: bool) -> p.CohortSite:
        self.memo.clear()
        return p.CohortSite(call.callee, self.op(call.args[0], previous), item.code,
                            item.syntax.zero_policy)

    # ------------------------------------------------------------ formulas
    def op(self, node: s.Expr, previous: bool) -> p.Op:
        # One op for each (node, period): growth reads its argument twice, and nested growth
        # would otherwise double the plan at every level.
        key = (id(node), previous)
        if key not in self.memo:
            self.memo[key] = self._op(node, previous)
        return self.memo[key]

    def _op(self, node: s.Expr, previous: bool) -> p.Op:
        if isinstance(node, s.Literal):
            return p.Const(node.value)
        if isinstance(node, s.Ref):
            return p.Load(self.slot[node.name, previous])
        if isinstance(node, s.Neg):
            return p.Negate(self.op(node.operand, previous))
        if isinstance(node, s.Power):  # repeated products of one op, which back-ends compute once
            base = self.op(node.base, previous)
            if node.exponent == 0:  # 1, once the base is computed: its zero denominator or bad data still counts
                return p.Binary(p.Arith.ADD, p.Binary(p.Arith.MUL, base, p.Const(Fraction(0))), p.Const(Fraction(1)))
            result = base
            for _ in range(node.exponent - 1):
                result = p.Binary(p.Arith.MUL, result, base)
            return result
        if isinstance(node, s.Binary):
            left, right = self.op(node.left, previous), self.op(node.right, previous)
            if node.op is s.BinaryOp.DIV:
                return p.Divide(left, right, _blame(node.right, previous))
            return p.Binary(p.Arith(node.op.value), left, right)
        if isinstance(node, s.Weighted):
            return p.Sum(tuple(p.Binary(p.Arith.MUL, p.Const(part.weight.value), self.op(part.expr, previous))
                               for part in node.parts))
        if isinstance(node, s.Checklist):
            return p.Tally(tuple((item.points.value, self.slot[item.name, previous]) for item in node.items))
        return self._call(node, previous)

    def _call(self, call: s.Call, previous: bool) -> p.Op:
        args = call.args
        match call.callee:
            case Function.RATIO:
                return self._ratio(call, previous)
            case Function.PREVIOUS:
                return self.op(args[0], True)
            case Function.GROWTH:
                now, before = self.op(args[0], previous), self.op(args[0], True)
                return p.Divide(p.Binary(p.Arith.SUB, now, before), before, _blame(args[0], True))
            case Function.MIN | Function.MAX as function:
                return p.Extreme(function is Function.MAX, tuple(self.op(a, previous) for a in args))
            case Function.CLAMP:
                value, low, high = (self.op(a, previous) for a in args)
                return p.Extreme(False, (p.Extreme(True, (value, low)), high))
            case Function.SQRT:
                reads = tuple(record_key(name, before) for name, before in inputs_of(args[0], previous))
                return p.Root(self.op(args[0], previous), reads)
            case cohort if cohort.compares_entities:
                return p.CohortValue(self.site[id(call), previous])
        raise AssertionError(call.callee)

    def _ratio(self, call: s.Call, previous: bool) -> p.Op:
        """A part over its whole; a part above its whole is bad data. Inputs declared
        `part of` their whole were checked on reading already."""
        part_node, whole_node = call.args
        declared = (isinstance(part_node, s.Ref) and isinstance(whole_node, s.Ref)
                    and self.standard.inputs[part_node.name].part_of == whole_node.name)
        part, whole = self.op(part_node, previous), self.op(whole_node, previous)
        bounded = None if declared else (_label(part_node, previous), _label(whole_node, previous))
        return p.Divide(part, whole, _blame(whole_node, previous), bounded)

    # ------------------------------------------------------------ scoring
    def _indicator(self, index: int, item: ScoredIndicator) -> p.IndicatorPlan:
        syntax = item.syntax
        assert syntax.value is not None  # the checker requires one
        self.memo.clear()  # ops are not shared between indicators: each runs on its own
        formula = self.op(syntax.value, False)
        banding = None
        if item.bands is not None and syntax.deduction is None:
            scale, whole = band_scale([t.value for t in item.bands.thresholds])
            banding = p.Banding(item.bands.rule, whole, scale)
        reads = tuple(sorted({self.slot[key] for key in inputs_of(syntax.value) if not key[1]}))
        carries = self.carries.get(index, Fraction(0))
        defaults = tuple((k, policy) for k in reads if (policy := self._default(item, k)) is not None)
        return p.IndicatorPlan(syntax.code, formula, syntax.zero_policy, banding, self._points(item),
                               self._scaled(item), rounding_of(item.rounding), reads, defaults, carries,
                               s.holds_root(syntax.value))

    def _default(self, item: ScoredIndicator, slot: int) -> s.MissingPolicy | None:
        """What a missing value of the slot means for this leaf, where a node's `when missing`
        decides it: the input declares none of its own, and the node's is not an error."""
        name = self.names[slot]
        if self.standard.inputs[name].missing_declared or item.missing in (None, s.MissingPolicy.ERROR):
            return None
        return item.missing

    def _points(self, item: ScoredIndicator) -> p.StarPoints | p.LinearPoints | p.DeductionPoints | p.TablePoints:
        syntax = item.syntax
        if syntax.deduction is not None:
            cap = syntax.deduction.cap
            return p.DeductionPoints(syntax.deduction.each.value, None if cap is None else cap.value)
        maximum = item.maximum
        assert maximum is not None  # the checker requires points, a weight or a deduction
        if syntax.weight is not None:  # W x total x clamp(v, 0, 1)
            return p.LinearPoints(Fraction(0), Fraction(1), maximum)
        assert syntax.points is not None
        scoring = syntax.points.scoring
        if isinstance(scoring, s.Linear):
            return p.LinearPoints(scoring.low.value, scoring.high.value, maximum)
        rounding = rounding_of(item.rounding)
        if isinstance(scoring, s.Table):
            return p.TablePoints(tuple((None if r.low is None else r.low.value, r.low_closed,
                                        None if r.high is None else r.high.value, r.high_closed,
                                        r.points.value) for r in scoring.rows), maximum,
                                 tuple(round_score(r.points.value, rounding) for r in scoring.rows))
        return p.StarPoints(star_table(maximum, rounding), maximum)

    def _scaled(self, item: ScoredIndicator) -> bool:
        """Table points are always scaled; a deduction is when its value is a whole number
        and rounding cannot touch its amounts."""
        syntax = item.syntax
        if syntax.deduction is None:
            return syntax.weight is None and syntax.points is not None and isinstance(
                syntax.points.scoring, (s.FromStars, s.Table))
        if syntax.value is None or not _integral(syntax.value, self.standard):
            return False
        amounts = [syntax.deduction.each] + ([] if syntax.deduction.cap is None else [syntax.deduction.cap])
        if item.rounding is None:
            return True
        places = 10**item.rounding.decimals
        return all((a.value * places).denominator == 1 for a in amounts)

    def _nodes(self) -> tuple[p.NodePlan, ...]:
        """The node tree, parents first; members are indices into the same tuple."""
        assert self.standard.root is not None  # a checked standard has its tree
        order = list(self.standard.root.walk())
        index = {id(node): k for k, node in enumerate(order)}
        return tuple(p.NodePlan(node.kind, node.code, node.name,
                                tuple(index[id(m)] for m in node.members), node.leaf, node.bonus, node.cap,
                                node.weight, rounding_of(node.rounding), node.maximum, node.redistribute,
                                node.aggregation, node.weighs)
                     for node in order)

    def _carries(self) -> dict[int, Fraction]:
        """Each scored leaf's share of the total's maximum, through the weights above it."""
        root = self.standard.root
        assert root is not None
        top = sum((m.maximum for m in root.members if not m.bonus and m.maximum is not None), Fraction(0))
        found: dict[int, Fraction] = {}
        pending = [(m, Fraction(1)) for m in root.members if not m.bonus]
        while pending and top:
            node, factor = pending.pop()
            factor *= node.weight if node.weight is not None and node.leaf is None else 1
            if node.leaf is not None and node.maximum is not None:
                found[node.leaf] = node.maximum * factor / top
            pending.extend((m, factor) for m in node.members if not m.bonus)
        return found

    # ------------------------------------------------------------ rating
    def _levels(self) -> tuple[p.LevelPlan, ...] | None:
        rating = self.standard.syntax.rating
        if rating is None:
            return None
        return tuple(p.LevelPlan(int(level.rank.value), level.name, tuple(self._requirement(r)
                                                                           for r in level.requirements))
                     for level in rating.levels)

    def _overrides(self) -> tuple[p.OverridePlan, ...]:
        rating = self.standard.syntax.rating
        if rating is None:
            return ()
        return tuple(p.OverridePlan(None if o.cap is None else int(o.cap.value), o.reason,
                                    tuple(self._requirement(r) for r in o.requirements)) for o in rating.overrides)

    def _requirement(self, req: s.Requirement) -> p.RequirementPlan:
        if isinstance(req, s.TotalRequirement):
            return p.TotalAtLeast(req.compare, req.threshold.value)
        if isinstance(req, s.LeadingRequirement):
            leading = tuple(k for k, item in enumerate(self.standard.indicators) if item.syntax.leading)
            return p.EveryLeading(req.compare, int(req.stars.value), leading)
        nodes = self.standard.nodes
        if isinstance(req, s.IndicatorRequirement):
            node = next(k for k, n in enumerate(nodes) if n.code == req.code and n.kind is not NodeKind.GROUP)
            leaf = nodes[node].leaf
            if req.measure is s.Measure.POINTS or leaf is None:
                return p.NodePoints(req.compare, node, req.threshold.value)
            if req.measure is s.Measure.STARS:
                return p.IndicatorStars(req.compare, leaf, int(req.threshold.value))
            return p.IndicatorValue(req.compare, leaf, req.threshold.value)
        group = next(k for k, n in enumerate(nodes) if n.kind is NodeKind.GROUP and n.name == req.group)
        return p.NodePoints(req.compare, group, req.points.value)


@functools.lru_cache(maxsize=256)
def star_table(maximum: Fraction, rounding: Rounding | None) -> tuple[Fraction, ...]:
    """Points for 0 to 5 stars, maximum x stars / 5 rounded: indicators share a few maxima."""
    return tuple(round_score(maximum * stars / 5, rounding) for stars in range(6))
