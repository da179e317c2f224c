"""Generates the Python back-end's code from a scoring plan, once; executor.py runs it.

Every value is an exact rational held as a pair of Python ints (numerator,
denominator > 0), never a float: star bands are found by one integer division
and a bisection, written out as comparisons, over thresholds scaled to whole
numbers (semantics.stars), and
star points come from tables scaled to the plan's common denominator. A Fraction
is made for the total, and for the points of a linear scale or of a deduction
of a fractional value (semantics.linear_points, deduction_points); nowhere else.

Hygiene: author text never reaches the generated source. Input names become
`x0`, `x1`...; record keys reach the code inside the constant that fetches them
(an operator.itemgetter) or as repr() of checked strings; constants are passed
through the namespace; the code runs in a fresh namespace holding only
semantics.EXPORTS, the constants and five builtins (min, max, type, int, KeyError).
"""

from __future__ import annotations

import math
import operator
from fractions import Fraction
from typing import Any

import attrs

from ...language.syntax import BandRule, Kind, MissingPolicy, ZeroPolicy
from ...plan import scoring as p
from ...plan import semantics, signs
from ...plan.lower import PREVIOUS_SUFFIX
from ...plan.scoring import ScoringPlan
from ...plan.semantics import UnreadInput
from .irrational import SurdEmitter


@attrs.frozen
class Pair:
    """Generated code for an exact value: numerator and denominator expressions."""

    num: str
    den: str
    nonneg: bool  # the numerator is known to be >= 0

    @property
    def den_one(self) -> bool:
        return self.den == "1"


@attrs.frozen
class Program:
    """The generated source and the constants it reads, before it is built."""

    source: str
    constants: dict[str, Any]
    # For each line of the source (line n at index n - 1), the indicator whose code it is:
    # a traceback through generated code is traced back to the standard with it.
    origins: tuple[str | None, ...] = ()


def _mul(a: str, b: str) -> str:
    if a == "1":
        return b
    if b == "1":
        return a
    return f"({a} * {b})"


_ARITH = {p.Arith.ADD: "+", p.Arith.SUB: "-"}


class _Emitter:
    """Writes the statements of one generated function."""

    def __init__(self, plan: ScoringPlan, constants: dict[str, Any]) -> None:
        self.plan = plan
        self.constants = constants
        self.lines: list[str] = []
        self.origins: list[str | None] = []
        self.depth = 1
        self.temps = 0
        self.vars: dict[int, Pair] = {}  # slot -> pair
        self.flags: dict[int, str] = {}  # tolerant slot -> the local saying it was missing
        self.memo: dict[int, Pair] = {}  # id(op) -> its value, within one indicator
        self.indicator: str | None = None  # the indicator being emitted, for error messages
        self.misses = False  # whether a slot may be missing: the function then lists which were

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)
        self.origins.append(self.indicator)

    def note_missing(self, k: int) -> None:
        """Inside an `if _absent(...)`: record that slot k had no value."""
        self.line(f"    missing.append({k})")
        self.misses = True

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def constant(self, value: Any) -> str:
        name = f"_K{len(self.constants)}"
        self.constants[name] = value
        return name

    def bind(self, num: str, den: str, nonneg: bool) -> Pair:
        if _simple(num) and _simple(den):
            return Pair(num, den, nonneg)
        name = self.temp()
        if den == "1":
            self.line(f"{name} = {num}")
            return Pair(name, "1", nonneg)
        self.line(f"{name}n = {num}")
        self.line(f"{name}d = {den}")
        return Pair(f"{name}n", f"{name}d", nonneg)

    # ------------------------------------------------------------ inputs
    def read_inputs(self, reads: tuple[int, ...]) -> None:
        """Read, check and convert each slot's statistic into locals.

        Values in their kind's domain take an inline fast path derived from the domain
        table; anything else goes through the kind's reader (semantics.reader), which
        converts exactly or raises a DataError.
        """
        self._fetch(reads)
        for index, k in enumerate(reads):
            slot = self.plan.slots[k]
            var = f"x{index}"
            if slot.missing is MissingPolicy.NOT_APPLICABLE:
                self._not_applicable_input(k, var)
                continue
            if slot.tolerant:
                self._tolerant_input(k, var)
                continue
            if slot.missing is not MissingPolicy.ERROR:
                self.line(f"if _absent({var}):")
                self.note_missing(k)
                self.line(f"    {var} = {self._filled(slot)}")
            self._convert(k, var)
        for k in reads:
            self._check_part(k)

    def _fetch(self, reads: tuple[int, ...]) -> None:
        """Every statistic the function reads, fetched at once by one C call (operator.itemgetter);
        a record without one of them takes semantics.fetch_lenient, which gives _MISSING for it."""
        keys = tuple(self.plan.slots[k].key for k in reads)
        if len(keys) < 2:
            for index, key in enumerate(keys):  # an itemgetter of one key gives no tuple
                self.line(f"x{index} = record.get({key!r}, _MISSING)")
            return
        names = ", ".join(f"x{index}" for index in range(len(keys)))
        self.line("try:")
        self.line(f"    {names} = {self.constant(operator.itemgetter(*keys))}(record)")
        self.line("except KeyError:")
        self.line(f"    {names} = {self.constant(semantics.fetch_lenient(keys))}(record)")

    def _filled(self, slot: p.InputSlot) -> str:
        """What a missing value becomes, as declared (docs/language.md §3, Missing values)."""
        match slot.missing:
            case MissingPolicy.ZERO:
                return "False" if slot.kind is Kind.FLAG else "0"
            case MissingPolicy.PREVIOUS:
                return f"record.get({slot.key + PREVIOUS_SUFFIX!r}, _MISSING)"
        return f"imputed[{self.plan.imputed.index(self.plan.slots.index(slot))}]"  # from the cohort

    def _tolerant_input(self, k: int, var: str) -> None:
        """A slot a node's `when missing` may cover: read with a flag saying it was missing (then
        0 stands in), each reader deciding what that means for it (see `defaults`)."""
        slot = self.plan.slots[k]
        flag = self.flags[k] = f"{var}a"
        self.line(f"if _absent({var}):")
        self.note_missing(k)
        self.line(f"    {flag} = True")
        self.line(f"    {var} = 0" if slot.domain.whole else f"    {var}n, {var}d = 0, 1")
        self.line("else:")
        self.depth += 1
        self.line(f"{flag} = False")
        self._convert(k, var)
        self.depth -= 1

    def missing(self, item: p.IndicatorPlan, slots: tuple[int, ...]) -> None:
        """Each reader's policy for the tolerant slots it reads, errors first (a missing value
        its policy refuses is refused, whatever else makes it not applicable), then not
        applicable (the input's own, then its nodes'); under zero, 0 stands in already."""
        policies = dict(item.defaults)
        tolerant = [k for k in slots if k in self.flags]
        for k in tolerant:
            if policies.get(k, MissingPolicy.ERROR) is MissingPolicy.ERROR:
                self.line(f"if {self.flags[k]}:")
                self.line(f"    raise _missing_input({self.plan.slots[k].key!r}, entity, {item.code!r})")
        self.unavailable(slots)
        for k in tolerant:
            if policies.get(k) is MissingPolicy.NOT_APPLICABLE:
                self.line(f"if {self.flags[k]}:")
                self.line("    raise _NotApplicable")

    def _not_applicable_input(self, k: int, var: str) -> None:
        """A missing value makes its readers not applicable: the slot holds None."""
        slot = self.plan.slots[k]
        self.line(f"if _absent({var}):")
        self.note_missing(k)
        self.line(f"    {var} = None" if slot.domain.whole else f"    {var}n = {var}d = None")
        self.line("else:")
        self.depth += 1
        self._convert(k, var)
        self.depth -= 1

    def _convert(self, k: int, var: str) -> None:
        slot = self.plan.slots[k]
        read = f"{self._reader(slot)}({var}, {slot.key!r}, entity, {slot.first_user!r})"
        if slot.domain.whole:
            self.line(f"if {self._fast_check(slot, var)}:")
            self.line(f"    {var} = {read}[0]")
            self.vars[k] = Pair(var, "1", slot.domain.low >= 0)
            return
        self.line(f"if {self._fast_check(slot, var)}:")
        self.line(f"    {var}n, {var}d = {read}")
        self.line("else:")
        self.line(f"    {var}n, {var}d = {var}, 1")
        self.vars[k] = Pair(f"{var}n", f"{var}d", slot.domain.low >= 0)

    def _reader(self, slot: p.InputSlot) -> str:
        """The constant naming the slot's reader (semantics.reader), one per kind and range."""
        bounds = (slot.domain.low, slot.domain.high) if slot.kind is Kind.SCORE else ()
        found = semantics.reader(slot.kind, *bounds)
        return next((name for name, value in self.constants.items() if value is found), None) or self.constant(found)

    def _fast_check(self, slot: p.InputSlot, var: str) -> str:
        """The condition under which a value needs the slow, checking path: anything but an
        int in the slot's domain (a bool for yes/no). Declared bounds reach the code as
        constants, the kinds' own as literals."""
        if slot.kind is Kind.FLAG:
            return f"{var} is not True and {var} is not False"
        low, high = slot.domain.low, slot.domain.high
        if slot.kind is Kind.SCORE:
            return f"type({var}) is not int or not {self.constant(low)} <= {var} <= {self.constant(high)}"
        if high is None:
            return f"type({var}) is not int or {var} < {low}"
        return f"type({var}) is not int or not {low} <= {var} <= {high}"

    def _check_part(self, k: int) -> None:
        slot = self.plan.slots[k]
        if slot.whole is None or slot.whole not in self.vars:
            return
        part, total = self.vars[k], self.vars[slot.whole]
        guard = " and ".join(f"{pair.num} is not None" for pair, index in ((part, k), (total, slot.whole))
                             if self.plan.slots[index].missing is MissingPolicy.NOT_APPLICABLE)
        tolerated = " and ".join(f"not {self.flags[index]}" for index in (k, slot.whole) if index in self.flags)
        guard = " and ".join(g for g in (guard, tolerated) if g)
        self.line(f"if {guard + ' and ' if guard else ''}{_mul(part.num, total.den)} > {_mul(total.num, part.den)}:")
        self.line(f"    raise _part_above({slot.key!r}, {self.plan.slots[slot.whole].key!r}, "
                  f"{_fraction(part)}, {_fraction(total)}, entity, {slot.first_user!r})")

    def absent(self, slots: list[int], item: p.IndicatorPlan) -> str:
        """A condition that holds when one of the slots, read under `when missing: not
        applicable` (the input's, or the item's node's), had no value; "" when none can."""
        policies = dict(item.defaults)
        found = [f"{self.vars[k].num} is None" for k in slots
                 if self.plan.slots[k].missing is MissingPolicy.NOT_APPLICABLE and k in self.vars]
        found += [self.flags[k] for k in slots
                  if k in self.flags and policies.get(k) is MissingPolicy.NOT_APPLICABLE]
        return " or ".join(found)

    def unavailable(self, slots: tuple[int, ...]) -> None:
        """Signal not applicable when one of the slots, read under `when missing: not applicable`,
        had no value."""
        for k in slots:
            if self.plan.slots[k].missing is MissingPolicy.NOT_APPLICABLE and k in self.vars:
                self.line(f"if {self.vars[k].num} is None:")
                self.line("    raise _NotApplicable")

    # ------------------------------------------------------------ formulas
    def expr(self, op: p.Op) -> Pair:
        # An op met twice (growth reads its argument twice) is emitted once.
        key = id(op)
        if key not in self.memo:
            self.memo[key] = self._expr(op)
        return self.memo[key]

    def _expr(self, op: p.Op) -> Pair:
        match op:
            case p.Const(value):
                return self.literal(value)
            case p.Load(slot):
                return self.vars[slot]
            case p.Negate(operand):
                inner = self.expr(operand)
                return self.bind(f"-{inner.num}", inner.den, False)
            case p.Binary(kind, left, right):
                return self.binary(kind, self.expr(left), self.expr(right))
            case p.Divide(left, right, blame, bounded):
                a, b = self.expr(left), self.expr(right)
                if bounded is not None:
                    self._bounded(a, b, bounded, (*_loads(left), *_loads(right)))
                return self.divide(a, b, blame)
            case p.Sum(terms):
                return self.sum([self.expr(term) for term in terms])
            case p.Tally(items):
                scale = math.lcm(*(points.denominator for points, _ in items))
                counted = [_mul(_signed(points * scale), self.vars[k].num) for points, k in items]
                return self.bind(" + ".join(counted), str(scale), all(points >= 0 for points, _ in items))
            case p.Extreme(largest, operands):
                return self.extreme(largest, [self.expr(o) for o in operands])
            case p.CohortValue(site):
                return self.cohort(site)
        raise AssertionError(op)

    def literal(self, value: Fraction) -> Pair:
        num = str(value.numerator) if value >= 0 else f"({value.numerator})"
        return Pair(num, str(value.denominator), value >= 0)

    def sum(self, parts: list[Pair]) -> Pair:
        total = parts[0]
        for part in parts[1:]:
            total = self.binary(p.Arith.ADD, total, part)
        return total

    def binary(self, kind: p.Arith, a: Pair, b: Pair) -> Pair:
        if kind is p.Arith.MUL:
            return self.bind(_mul(a.num, b.num), _mul(a.den, b.den), a.nonneg and b.nonneg)
        sign = _ARITH[kind]
        nonneg = kind is p.Arith.ADD and a.nonneg and b.nonneg
        if a.den == b.den:
            return self.bind(f"{a.num} {sign} {b.num}", a.den, nonneg)
        return self.bind(f"{_mul(a.num, b.den)} {sign} {_mul(b.num, a.den)}", _mul(a.den, b.den), nonneg)

    def divide(self, a: Pair, b: Pair, blame: str | None) -> Pair:
        if not b.num.lstrip("(-").rstrip(")").isdigit():
            self.line(f"if {b.num} == 0:")
            self.line(f"    _zero({blame!r})")
        elif int(b.num.strip("()")) == 0:
            self.line(f"_zero({blame!r})")
        if b.nonneg:
            return self.bind(_mul(a.num, b.den), _mul(a.den, b.num), a.nonneg)
        # The divisor may be negative: keep the denominator positive, in names of our own
        # (a bound pair may be literals, such as `0, 1`, which cannot be assigned to).
        name = self.temp()
        self.line(f"{name}n, {name}d = {_mul(a.num, b.den)}, {_mul(a.den, b.num)}")
        self.line(f"if {name}d < 0:")
        self.line(f"    {name}n, {name}d = -{name}n, -{name}d")
        return Pair(f"{name}n", f"{name}d", False)

    def _bounded(self, part: Pair, whole: Pair, labels: tuple[str, str], reads: tuple[int, ...]) -> None:
        """A ratio's part above its whole is bad data. The labels may be formulas: they
        reach the code as constants, never as source text. A missing value standing in as 0
        (a node's `when missing: zero`) is no data to hold to it."""
        names = [self.constant(label) for label in labels]
        stand_ins = " or ".join(self.flags[k] for k in dict.fromkeys(reads) if k in self.flags)
        guard = f"not ({stand_ins}) and " if stand_ins else ""
        self.line(f"if {guard}{_mul(part.num, whole.den)} > {_mul(whole.num, part.den)}:")
        self.line(f"    raise _ratio_above({names[0]}, {names[1]}, {_fraction(part)}, {_fraction(whole)}, "
                  f"entity, {self.indicator!r})")

    def extreme(self, largest: bool, items: list[Pair]) -> Pair:
        best = items[0]
        better = ">" if largest else "<"
        for item in items[1:]:
            target = self.temp()
            self.line(f"if {_mul(item.num, best.den)} {better} {_mul(best.num, item.den)}:")
            self.line(f"    {target}n, {target}d = {item.num}, {item.den}")
            self.line("else:")
            self.line(f"    {target}n, {target}d = {best.num}, {best.den}")
            # The largest is >= 0 when either is; the smallest only when both are.
            nonneg = (best.nonneg or item.nonneg) if largest else (best.nonneg and item.nonneg)
            best = Pair(f"{target}n", f"{target}d", nonneg)
        return best

    def cohort(self, site: int) -> Pair:
        """This entity's value of a cohort site, computed across the cohort before this run."""
        self.line(f"if cohort[{site}] is None:")
        self.line("    _zero(None)")
        self.line(f"q{site}n, q{site}d = cohort[{site}]")
        return Pair(f"q{site}n", f"q{site}d", signs.site_nonneg(self.plan, site))


_loads = p.reads_of


def _signed(value: Fraction) -> str:
    return str(value) if value >= 0 else f"({value})"


def _simple(code: str) -> bool:
    """A local name or a literal: safe to repeat without binding it to a temporary."""
    return code.isidentifier() or code.isdigit()


def _fraction(pair: Pair) -> str:
    return pair.num if pair.den_one else f"_Fraction({pair.num}, {pair.den})"


def _tuple(names: list[str]) -> str:
    return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"


class _ProgramBuilder:
    def __init__(self, plan: ScoringPlan) -> None:
        self.plan = plan
        self.constants: dict[str, Any] = {}
        self.scale = plan.points_scale

    def build(self) -> Program:
        cohort_fn, cohort_origins = self._cohort_function()
        main_fn, main_origins = self._main_function()
        origins = (*cohort_origins, None, *main_origins)
        return Program("\n".join([*cohort_fn, "", *main_fn, ""]), self.constants, origins)

    def _cohort_function(self) -> tuple[list[str], list[str | None]]:
        em = _Emitter(self.plan, self.constants)
        em.read_inputs(self.plan.cohort_reads)
        results = []
        for index, site in enumerate(self.plan.cohort_sites):
            em.indicator = site.indicator
            em.memo.clear()
            caller = next(item for item in self.plan.indicators if item.code == site.indicator)
            absent = em.absent([k for k in caller.reads if k not in _loads(site.formula)], caller)
            em.line("try:")
            em.depth += 1
            em.missing(caller, _loads(site.formula))
            value = em.expr(site.formula)
            em.line(f"c{index} = ({value.num}, {value.den})")
            em.depth -= 1
            em.line("except _NotApplicable:")  # a missing input: left out of the comparison
            em.line(f"    c{index} = None")
            em.line("except _ZeroSignal as signal:")
            em.depth += 1
            if site.zero_policy is ZeroPolicy.ERROR:
                # The caller is not applicable, missing an input its argument does not read: it
                # meets no zero denominator, and is left out (docs/language.md §3).
                if absent:
                    em.line(f"if {absent}:")
                    em.line(f"    c{index} = None")
                    em.line("else:")
                    em.line(f"    raise _zero_error(signal, entity, {site.indicator!r}) from None")
                else:
                    em.line(f"raise _zero_error(signal, entity, {site.indicator!r}) from None")
            else:
                em.line(f"c{index} = None")
            em.depth -= 1
            results.append(f"c{index}")
        body, origins = (em.lines, em.origins) if em.lines else (["    pass"], [None])
        returned = f"    return ({', '.join(results)}{',' if results else ''})"
        head = "    missing = []" if em.misses else "    pass"  # the list is not returned: appends go nowhere
        lines = ["def cohort_args(record, entity, imputed):", head, *body, returned]
        return lines, [None, None, *origins, None]

    def _main_function(self) -> tuple[list[str], list[str | None]]:
        em = _Emitter(self.plan, self.constants)
        em.read_inputs(self.plan.main_reads)
        if self.plan.unread:
            em.line(f"_check_unread(record, entity, {em.constant(self._unread())})")
        values, stars, points = [], [], []
        for k, item in enumerate(self.plan.indicators):
            self._indicator(em, item, f"v{k}", f"s{k}", f"p{k}")
            values += [f"v{k}n", f"v{k}d"]
            stars.append(f"s{k}")
            points.append(f"p{k}")
        em.indicator = None
        # One flat tuple a row: stars, points, missing, each value's numerator and denominator in
        # turn, then a tuple of the exact Surd of each irrational leaf, when there is one
        # (ResultColumns.exact). Every tuple a row keeps costs its allocation and the collector's
        # walks over it, so a row keeps one; the executor takes out stars and points at once, and
        # values only when a caller reads them (see executor.Pairs).
        exact = [f"e{k}" for k, item in enumerate(self.plan.indicators) if item.irrational]
        extra = f", {_tuple(exact)}" if exact else ""
        em.line(f"return ({''.join(name + ', ' for name in [*stars, *points])}{'missing' if em.misses else '()'}, "
                f"{', '.join(values)}{extra})")
        lines = ["def evaluate(record, entity, cohort, imputed):", "    missing = []" if em.misses else "    pass",
                 *em.lines]
        return lines, [None, None, *em.origins]

    def _unread(self) -> tuple[tuple[UnreadInput, UnreadInput | None], ...]:
        def spec(slot: p.InputSlot) -> UnreadInput:
            bounded = slot.kind is Kind.SCORE
            return (slot.key, slot.kind, slot.domain.low if bounded else None, slot.domain.high if bounded else None)
        slots = self.plan.slots
        wholes = [slots[k].whole for k in self.plan.unread]
        return tuple((spec(slots[k]), None if whole is None else spec(slots[whole]))
                     for k, whole in zip(self.plan.unread, wholes))

    def _indicator(self, em: _Emitter, item: p.IndicatorPlan, value_var: str, stars_var: str,
                   points_var: str) -> None:
        em.indicator = item.code
        em.line(f"# indicator {item.code}")
        em.memo.clear()
        if item.irrational:  # stays None where not applicable or counted as 0: the shown value decides
            em.line(f"e{value_var[1:]} = None")
        em.line("try:")
        em.depth += 1
        em.missing(item, item.reads)
        exact = f"e{value_var[1:]}" if item.irrational else None
        if exact is not None:
            value = self._irrational(em, item, value_var, exact)
        else:
            value = em.expr(item.formula)
        em.line(f"{value_var}n, {value_var}d = {value.num}, {value.den}")
        self._score(em, item, value, stars_var, points_var, exact)
        em.depth -= 1
        if any(self.plan.slots[k].missing is MissingPolicy.NOT_APPLICABLE for k in item.reads) or any(
                policy is MissingPolicy.NOT_APPLICABLE for _, policy in item.defaults):
            em.line("except _NotApplicable:")  # an input missing under `when missing: not applicable`
            em.line(f"    {value_var}n = {value_var}d = {stars_var} = None")
            em.line(f"    {points_var} = {'0' if item.scaled else '_Fraction(0)'}")
        em.line("except _ZeroSignal as signal:")
        em.depth += 1
        if item.zero_policy is ZeroPolicy.ERROR:
            em.line(f"raise _zero_error(signal, entity, {item.code!r}) from None")
        elif item.zero_policy is ZeroPolicy.NOT_APPLICABLE:
            em.line(f"{value_var}n = {value_var}d = {stars_var} = None")
            # No points, in the column's type: a scaled int, or an exact Fraction (see ResultColumns).
            em.line(f"{points_var} = {'0' if item.scaled else '_Fraction(0)'}")
        else:
            em.line(f"{value_var}n, {value_var}d = 0, 1")
            self._score(em, item, Pair("0", "1", True), stars_var, points_var)
        em.depth -= 1

    def _irrational(self, em: _Emitter, item: p.IndicatorPlan, value_var: str, exact: str) -> Pair:
        """An irrational leaf's exact Surd in `exact`, and its shown value, at its rounding, as
        the pair `value_var` that linear points and everything downstream read."""
        em.line(f"{exact} = {SurdEmitter(em).surd(item.formula)}")
        assert item.rounding is not None  # the checker requires a precision (E0277)
        em.line(f"{value_var} = _shown({exact}, {em.constant(item.rounding)})")
        return Pair(f"{value_var}[0]", f"{value_var}[1]", False)

    def _score(self, em: _Emitter, item: p.IndicatorPlan, value: Pair, stars_var: str, points_var: str,
               exact: str | None = None) -> None:
        rounding = "None" if item.rounding is None else em.constant(item.rounding)
        points = item.points
        if isinstance(points, p.DeductionPoints):
            em.line(f"{stars_var} = None")
            if item.scaled:
                off = _mul(str(int(points.each * self.scale)), value.num)
                off = off if value.nonneg else f"max({off}, 0)"
                capped = off if points.cap is None else f"min({off}, {int(points.cap * self.scale)})"
                em.line(f"{points_var} = -({capped})")
            else:
                each, cap = em.constant(points.each), em.constant(points.cap)
                em.line(f"{points_var} = _deduct({value.num}, {value.den}, {each}, {cap}, {rounding})")
            return
        banding = item.banding
        if banding is None:
            em.line(f"{stars_var} = None")
        elif exact is not None:  # an irrational value's stars are decided on it, exactly
            em.line(f"{stars_var} = _surd_stars({em.constant(banding.rule)}, {em.constant(banding.thresholds)}, "
                    f"{banding.scale}, {exact})")
        else:
            _stars_code(em, value, banding, stars_var)
        if isinstance(points, p.TablePoints) and exact is not None:
            rows = tuple(int(row_points * self.scale) for row_points in points.rounded)
            em.line(f"{points_var} = {em.constant(rows)}[_table_row({em.constant(points.rows)}, {exact})]")
            return
        if isinstance(points, p.LinearPoints):
            low, high = em.constant(points.low), em.constant(points.high)
            maximum = em.constant(points.maximum)
            em.line(f"{points_var} = _linear({value.num}, {value.den}, {low}, {high}, {maximum}, {rounding})")
            return
        if isinstance(points, p.TablePoints):
            self._table(em, points, value, points_var)
            return
        scaled = tuple(int(v * self.scale) for v in points.table)
        em.line(f"{points_var} = {em.constant(scaled)}[{stars_var}]")

    def _table(self, em: _Emitter, points: p.TablePoints, value: Pair, points_var: str) -> None:
        """The rows as an if-chain of exact comparisons; the checker made the last the only one left."""
        for k, ((low, low_closed, high, high_closed, _), row_points) in enumerate(zip(points.rows, points.rounded)):
            tests = []
            if low is not None:
                tests.append(f"{_mul(value.num, str(low.denominator))} {'>=' if low_closed else '>'} "
                             f"{_mul(_signed(Fraction(low.numerator)), value.den)}")
            if high is not None:
                tests.append(f"{_mul(value.num, str(high.denominator))} {'<=' if high_closed else '<'} "
                             f"{_mul(_signed(Fraction(high.numerator)), value.den)}")
            scaled = int(row_points * self.scale)
            if len(points.rows) == 1:  # one row holds for every value
                em.line(f"{points_var} = {scaled}")
                return
            head = "else" if k == len(points.rows) - 1 else ("if " if k == 0 else "elif ") + " and ".join(tests)
            em.line(f"{head}:")
            em.line(f"    {points_var} = {scaled}")


def _stars_code(em: _Emitter, value: Pair, banding: p.Banding, target: str) -> None:
    """semantics.stars, inlined: one integer division, then the bisection written out as a
    balanced tree of comparisons with the whole-number thresholds (a call to bisect costs
    more than the rest of an indicator), exactly."""
    scaled = _mul(value.num, str(banding.scale))
    if banding.rule is BandRule.AT_LEAST:
        bound = scaled if value.den_one else f"{scaled} // {value.den}"
    else:
        bound = scaled if value.den_one else f"-(-{scaled} // {value.den})"
    if not _simple(bound):  # one local for every indicator's, used at once: no temporary of its own
        em.line(f"b = {bound}")
        bound = "b"
    ascending = banding.thresholds if banding.rule is BandRule.AT_LEAST else banding.thresholds[::-1]
    em.line(f"{target} = {_bisection(bound, ascending, banding.rule is BandRule.AT_LEAST, 0, len(ascending))}")


def _bisection(bound: str, ascending: tuple[int, ...], at_least: bool, low: int, high: int) -> str:
    """The stars of `bound` as one expression, knowing the count lies in [low, high]: at least,
    bisect_right (how many thresholds are <= floor(value x scale)); at most, n - bisect_left
    (how many are >= ceil(value x scale)), as semantics.stars decides them."""
    if low == high:
        return str(low if at_least else len(ascending) - low)
    middle = (low + high) // 2
    above = f"{bound} >= {ascending[middle]}" if at_least else f"{bound} > {ascending[middle]}"
    return (f"({_bisection(bound, ascending, at_least, middle + 1, high)} if {above} "
            f"else {_bisection(bound, ascending, at_least, low, middle)})")


def generate(plan: ScoringPlan) -> Program:
    """The Python source of a scoring plan's evaluator."""
    return _ProgramBuilder(plan).build()
