"""Compiles a checked standard into Python code, once; evaluate.py runs it many times.

Every value is an exact rational held as a pair of Python ints (numerator,
denominator > 0), never a float and never a Fraction on the hot path: star
bands are found by one integer division and a bisection over thresholds
scaled to whole numbers, points come from tables scaled to a common
denominator, and a Fraction is made only for the total.

Hygiene: author text never reaches the generated source. Input names become
`x0`, `x1`...; keys are emitted with repr() of checked strings; constants are
passed through the namespace; the code runs in a fresh namespace holding only
runtime.EXPORTS, the constants and four builtins.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import attrs

from ...language import syntax as s
from ...language.check import COHORT_FUNCTIONS, CheckedStandard, ScoredIndicator
from ...language.formula import render
from ...language.syntax import walk
from ...plan import semantics as runtime

PREVIOUS_SUFFIX = "@previous"
_INT_KINDS = frozenset({s.Kind.COUNT, s.Kind.RANK, s.Kind.FLAG})


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
class CohortSite:
    """A rank() or share() call: computed across the cohort before each entity's run."""

    function: str
    indicator: int
    zero_policy: s.ZeroPolicy


@attrs.frozen
class Program:
    """The generated source and the constants it reads, before it is built."""

    source: str
    constants: dict[str, Any]
    cohort_sites: tuple[CohortSite, ...]
    scale: int  # common denominator of table-based points
    scaled: tuple[bool, ...]  # per indicator: are its points returned scaled by `scale`?


def _mul(a: str, b: str) -> str:
    if a == "1":
        return b
    if b == "1":
        return a
    return f"({a} * {b})"


class _Emitter:
    """Writes the statements of one generated function."""

    def __init__(self, standard: CheckedStandard, constants: dict[str, Any]) -> None:
        self.standard = standard
        self.constants = constants
        self.lines: list[str] = []
        self.depth = 1
        self.temps = 0
        self.vars: dict[tuple[str, bool], Pair] = {}  # (input, previous?) -> pair
        self.cohort: dict[int, Pair] = {}  # id(rank/share call) -> its value for this entity
        self.indicator: int | None = None  # the indicator being emitted, for error messages

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

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
    def read_inputs(self, names: list[tuple[str, bool]], users: dict[str, int]) -> None:
        """Read, check and convert each (input, previous?) statistic into locals.

        Whole numbers in range take an inline fast path; anything else goes
        through runtime.coerce_*, which converts exactly or raises a DataError.
        """
        for index, (name, previous) in enumerate(names):
            decl = self.standard.inputs[name]
            key = name + PREVIOUS_SUFFIX if previous else name
            var = f"x{index}"
            where = f"{key!r}, entity, {users.get(name)!r}"
            self.line(f"{var} = record.get({key!r}, _MISSING)")
            if decl.kind in _INT_KINDS:
                self.line(f"if {self._fast_check(decl, var)}:")
                self.line(f"    {var} = _coerce_int(_Kind.{decl.kind.name}, {var}, {where})")
                self.vars[name, previous] = Pair(var, "1", True)
                continue
            bounds = ""
            if decl.score_range is not None:
                low, high = decl.score_range
                bounds = f", {self.constant(low.value)}, {self.constant(high.value)}"
            self.line(f"if {self._fast_check(decl, var)}:")
            self.line(f"    {var}n, {var}d = _coerce_pair(_Kind.{decl.kind.name}, {var}, {where}{bounds})")
            self.line("else:")
            self.line(f"    {var}n, {var}d = {var}, 1")
            self.vars[name, previous] = Pair(f"{var}n", f"{var}d", True)
        for name, previous in names:
            self._check_part(name, previous, users)

    def _fast_check(self, decl: s.InputDecl, var: str) -> str:
        """The condition under which a value needs the slow, checking path."""
        if decl.kind is s.Kind.FLAG:
            return f"{var} is not True and {var} is not False"
        if decl.kind is s.Kind.RATE:
            return f"type({var}) is not int or not 0 <= {var} <= 1"
        if decl.kind is s.Kind.RANK:
            return f"type({var}) is not int or {var} < 1"
        if decl.score_range is not None:
            low, high = decl.score_range
            return (f"type({var}) is not int or not {self.constant(low.value)} <= {var} "
                    f"<= {self.constant(high.value)}")
        return f"type({var}) is not int or {var} < 0"

    def _check_part(self, name: str, previous: bool, users: dict[str, int]) -> None:
        whole = self.standard.inputs[name].part_of
        if whole is None or (whole, previous) not in self.vars:
            return
        part, total = self.vars[name, previous], self.vars[whole, previous]
        suffix = PREVIOUS_SUFFIX if previous else ""
        self.line(f"if {_mul(part.num, total.den)} > {_mul(total.num, part.den)}:")
        self.line(f"    raise _part_above({name + suffix!r}, {whole + suffix!r}, "
                  f"{_fraction(part)}, {_fraction(total)}, entity, {users.get(name)!r})")

    # ------------------------------------------------------------ formulas
    def expr(self, node: s.Expr, previous: bool = False) -> Pair:
        if isinstance(node, s.Literal):
            return self.literal(node.value)
        if isinstance(node, s.Ref):
            return self.vars[node.name, previous]
        if isinstance(node, s.Neg):
            inner = self.expr(node.operand, previous)
            return self.bind(f"-{inner.num}", inner.den, False)
        if isinstance(node, s.Binary):
            left, right = self.expr(node.left, previous), self.expr(node.right, previous)
            return self.binary(node.op, left, right, _zero_name(node.right, previous))
        if isinstance(node, s.Weighted):
            parts = [self.binary(s.BinaryOp.MUL, self.literal(p.weight.value), self.expr(p.expr, previous),
                                 None)
                     for p in node.parts]
            return self.sum(parts)
        if isinstance(node, s.Checklist):
            scale = math.lcm(*(item.points.value.denominator for item in node.items))
            terms = [_mul(str(item.points.value * scale), self.vars[item.name, previous].num)
                     for item in node.items]
            return self.bind(" + ".join(terms), str(scale), True)
        assert isinstance(node, s.Call)
        return self.call(node, previous)

    def literal(self, value: Fraction) -> Pair:
        num = str(value.numerator) if value >= 0 else f"({value.numerator})"
        return Pair(num, str(value.denominator), value >= 0)

    def sum(self, parts: list[Pair]) -> Pair:
        total = parts[0]
        for part in parts[1:]:
            total = self.binary(s.BinaryOp.ADD, total, part, None)
        return total

    def binary(self, op: s.BinaryOp, a: Pair, b: Pair, zero_name: str | None) -> Pair:
        if op is s.BinaryOp.MUL:
            return self.bind(_mul(a.num, b.num), _mul(a.den, b.den), a.nonneg and b.nonneg)
        if op is s.BinaryOp.DIV:
            if not b.num.lstrip("(-").rstrip(")").isdigit():
                self.line(f"if {b.num} == 0:")
                self.line(f"    _zero({zero_name!r})")
            elif int(b.num.strip("()")) == 0:
                self.line(f"_zero({zero_name!r})")
            if b.nonneg:
                return self.bind(_mul(a.num, b.den), _mul(a.den, b.num), a.nonneg)
            # The divisor may be negative: keep the denominator positive, in names of our own
            # (a bound pair may be literals, such as `0, 1`, which cannot be assigned to).
            name = self.temp()
            self.line(f"{name}n, {name}d = {_mul(a.num, b.den)}, {_mul(a.den, b.num)}")
            self.line(f"if {name}d < 0:")
            self.line(f"    {name}n, {name}d = -{name}n, -{name}d")
            return Pair(f"{name}n", f"{name}d", False)
        sign = "+" if op is s.BinaryOp.ADD else "-"
        nonneg = op is s.BinaryOp.ADD and a.nonneg and b.nonneg
        if a.den == b.den:
            return self.bind(f"{a.num} {sign} {b.num}", a.den, nonneg)
        return self.bind(f"{_mul(a.num, b.den)} {sign} {_mul(b.num, a.den)}", _mul(a.den, b.den), nonneg)

    def call(self, node: s.Call, previous: bool) -> Pair:
        name = node.function
        if name == "ratio":
            return self.ratio(node, previous)
        if name == "previous":
            return self.expr(node.args[0], True)
        if name == "growth":
            now, before = self.expr(node.args[0], previous), self.expr(node.args[0], True)
            change = self.binary(s.BinaryOp.SUB, now, before, None)
            return self.binary(s.BinaryOp.DIV, change, before, _zero_name(node.args[0], True))
        if name in ("min", "max"):
            return self.extreme(name, [self.expr(arg, previous) for arg in node.args])
        if name == "clamp":
            value, low, high = (self.expr(arg, previous) for arg in node.args)
            return self.extreme("min", [self.extreme("max", [value, low]), high])
        return self.cohort[id(node)]  # rank() and share(), computed across the cohort

    def ratio(self, node: s.Call, previous: bool) -> Pair:
        """A part over its whole; a part above its whole is bad data.

        Inputs declared `part of` their whole were checked on reading already.
        """
        part_node, whole_node = node.args
        part, whole = self.expr(part_node, previous), self.expr(whole_node, previous)
        declared = (isinstance(part_node, s.Ref) and isinstance(whole_node, s.Ref)
                    and self.standard.inputs[part_node.name].part_of == whole_node.name)
        if not declared:
            # The labels may be formulas: they reach the code as constants, never as source text.
            labels = [self.constant(_label(n, previous)) for n in node.args]
            self.line(f"if {_mul(part.num, whole.den)} > {_mul(whole.num, part.den)}:")
            self.line(f"    raise _ratio_above({labels[0]}, {labels[1]}, {_fraction(part)}, {_fraction(whole)}, "
                      f"entity, {self.indicator!r})")
        return self.binary(s.BinaryOp.DIV, part, whole, _zero_name(whole_node, previous))

    def extreme(self, name: str, items: list[Pair]) -> Pair:
        best = items[0]
        better = ">" if name == "max" else "<"
        for item in items[1:]:
            target = self.temp()
            self.line(f"if {_mul(item.num, best.den)} {better} {_mul(best.num, item.den)}:")
            self.line(f"    {target}n, {target}d = {item.num}, {item.den}")
            self.line("else:")
            self.line(f"    {target}n, {target}d = {best.num}, {best.den}")
            best = Pair(f"{target}n", f"{target}d", best.nonneg and item.nonneg)
        return best


def _label(node: s.Expr, previous: bool) -> str:
    """How an error names a ratio's part or whole: the input, or the formula."""
    text = render(node)
    return text + PREVIOUS_SUFFIX if previous and isinstance(node, s.Ref) else text


def _simple(code: str) -> bool:
    """A local name or a literal: safe to repeat without binding it to a temporary."""
    return code.isidentifier() or code.isdigit()


def _zero_name(node: s.Expr, previous: bool) -> str | None:
    """The input to blame when `node`, a denominator, is zero."""
    if isinstance(node, s.Ref):
        return node.name + (PREVIOUS_SUFFIX if previous else "")
    return None


def _fraction(pair: Pair) -> str:
    return pair.num if pair.den_one else f"_Fraction({pair.num}, {pair.den})"


# ---------------------------------------------------------------- the program
def inputs_of(expr: s.Expr, previous: bool = False) -> Iterator[tuple[str, bool]]:
    """Every (input, previous?) a formula reads, cohort calls included."""
    if isinstance(expr, s.Ref):
        yield expr.name, previous
    elif isinstance(expr, s.Checklist):
        for item in expr.items:
            yield item.name, previous
    elif isinstance(expr, s.Call) and expr.function in ("previous", "growth"):
        yield from inputs_of(expr.args[0], True)
        if expr.function == "growth":
            yield from inputs_of(expr.args[0], previous)
    else:
        for child in _children(expr):
            yield from inputs_of(child, previous)


def _children(expr: s.Expr) -> tuple[s.Expr, ...]:
    if isinstance(expr, s.Binary):
        return (expr.left, expr.right)
    if isinstance(expr, s.Neg):
        return (expr.operand,)
    if isinstance(expr, s.Call):
        return expr.args
    if isinstance(expr, s.Weighted):
        return tuple(p.expr for p in expr.parts)
    return ()


def _cohort_calls(expr: s.Expr) -> list[s.Call]:
    return [n for n in walk(expr) if isinstance(n, s.Call) and n.function in COHORT_FUNCTIONS]


def _points_table(points: s.Points, decimals: int | None) -> tuple[Fraction, ...]:
    maximum = points.maximum.value
    return tuple(runtime.round_half_up(maximum * stars / 5, decimals) for stars in range(6))


def _stars_code(em: _Emitter, value: Pair, bands: s.StarBands, target: str) -> None:
    """Stars by one integer division and a bisection, exactly.

    With L the common denominator of the thresholds, each threshold t is the whole
    number t*L, and for a whole number m: value >= m/L  <=>  floor(value*L) >= m
    (and value <= m/L  <=>  ceil(value*L) <= m). So no float ever decides a band.
    """
    thresholds = [t.value for t in bands.thresholds]
    scale = math.lcm(*(t.denominator for t in thresholds))
    whole = [int(t * scale) for t in thresholds]
    scaled = _mul(value.num, str(scale))
    if bands.rule is s.BandRule.AT_LEAST:
        floor = scaled if value.den_one else f"{scaled} // {value.den}"
        em.line(f"{target} = _bisect_right({em.constant(tuple(whole))}, {floor})")
    else:
        ceiling = scaled if value.den_one else f"-(-{scaled} // {value.den})"
        em.line(f"{target} = 5 - _bisect_left({em.constant(tuple(reversed(whole)))}, {ceiling})")


class _ProgramBuilder:
    def __init__(self, standard: CheckedStandard) -> None:
        self.standard = standard
        self.constants: dict[str, Any] = {}
        self.decimals = standard.header.rounding
        self.sites: list[CohortSite] = []
        self.site_of: dict[int, int] = {}  # id(call node) -> cohort index
        self.scaled: list[bool] = []
        tables = [_points_table(i.syntax.points, self.decimals)
                  for i in self._table_indicators() if i.syntax.points is not None]
        caps = [g.cap.value for g in standard.syntax.groups if g.bonus and g.cap is not None]
        for item in standard.indicators:
            if self._scaled_deduction(item):
                assert item.syntax.deduction is not None
                caps += [item.syntax.deduction.each.value, item.syntax.deduction.cap.value]
        self.scale = math.lcm(1, *(p.denominator for table in tables for p in table),
                              *(c.denominator for c in caps))

    def _scaled_deduction(self, item: ScoredIndicator) -> bool:
        """A deduction of a whole-number value that rounding cannot touch is a scaled integer."""
        deduction, value = item.syntax.deduction, item.syntax.value
        if deduction is None or value is None or not _integral(value, self.standard):
            return False
        if self.decimals is None:
            return True
        places = 10**self.decimals
        return all((amount.value * places).denominator == 1 for amount in (deduction.each, deduction.cap))

    def _table_indicators(self) -> Iterator[ScoredIndicator]:
        for item in self.standard.indicators:
            points = item.syntax.points
            if points is not None and isinstance(points.scoring, s.FromStars):
                yield item

    def _users(self) -> dict[str, int]:
        users: dict[str, int] = {}
        for item in self.standard.indicators:
            if item.syntax.value is not None:
                for name, _ in inputs_of(item.syntax.value):
                    users.setdefault(name, item.number)
        return users

    def _needed(self, exprs: list[s.Expr]) -> list[tuple[str, bool]]:
        needed = {key for expr in exprs for key in inputs_of(expr)}
        # Wholes are read too, so `part of` is checked wherever a part is read.
        for name, previous in list(needed):
            whole = self.standard.inputs[name].part_of
            if whole is not None:
                needed.add((whole, previous))
        order = {name: index for index, name in enumerate(self.standard.inputs)}
        return sorted(needed, key=lambda key: (key[1], order[key[0]]))

    def build(self) -> Program:
        cohort_fn = self._cohort_function()
        main_fn = self._main_function()
        source = "\n".join([*cohort_fn, "", *main_fn, ""])
        return Program(source, self.constants, tuple(self.sites), self.scale, tuple(self.scaled))

    def _cohort_function(self) -> list[str]:
        em = _Emitter(self.standard, self.constants)
        calls: list[tuple[ScoredIndicator, s.Call]] = []
        for item in self.standard.indicators:
            if item.syntax.value is not None:
                calls += [(item, call) for call in _cohort_calls(item.syntax.value)]
        em.read_inputs(self._needed([call.args[0] for _, call in calls]), self._users())
        results = []
        for index, (item, call) in enumerate(calls):
            em.indicator = item.number
            self.site_of[id(call)] = index
            self.sites.append(CohortSite(call.function, item.number, item.syntax.zero_policy))
            em.line("try:")
            em.depth += 1
            value = em.expr(call.args[0])
            em.line(f"c{index} = ({value.num}, {value.den})")
            em.depth -= 1
            em.line("except _ZeroSignal as signal:")
            em.depth += 1
            if item.syntax.zero_policy is s.ZeroPolicy.ERROR:
                em.line(f"raise _zero_error(signal, entity, {item.number}) from None")
            else:
                em.line(f"c{index} = None")
            em.depth -= 1
            results.append(f"c{index}")
        body = em.lines or ["    pass"]
        return ["def cohort_args(record, entity):", *body, f"    return ({', '.join(results)}{',' if results else ''})"]

    def _main_function(self) -> list[str]:
        em = _Emitter(self.standard, self.constants)
        exprs = [i.syntax.value for i in self.standard.indicators if i.syntax.value is not None]
        em.read_inputs(self._needed(exprs), self._users())
        values, stars, points = [], [], []
        # Points of each group, split into scaled table entries and exact Fractions.
        terms: dict[str, tuple[list[str], list[str]]] = {g.name: ([], []) for g in self.standard.syntax.groups}
        for k, item in enumerate(self.standard.indicators):
            value_var, stars_var, points_var = f"v{k}", f"s{k}", f"p{k}"
            scaled = self._indicator(em, item, value_var, stars_var, points_var)
            self.scaled.append(scaled)
            values.append(value_var)
            stars.append(stars_var)
            points.append(points_var)
            terms[item.group.name][0 if scaled else 1].append(points_var)
        base: tuple[list[str], list[str]] = ([], [])
        bonuses = []
        for group in self.standard.syntax.groups:
            scaled_terms, fraction_terms = terms[group.name]
            if not group.bonus:
                base[0].extend(scaled_terms)
                base[1].extend(fraction_terms)
            elif fraction_terms:
                bonus = self._total_expr(scaled_terms, fraction_terms)
                if group.cap is not None:
                    bonus = f"min({bonus}, {em.constant(group.cap.value)})"
                bonuses.append(bonus)
            elif scaled_terms:
                bonus = " + ".join(scaled_terms)
                if group.cap is not None:
                    bonus = f"min({bonus}, {int(group.cap.value * self.scale)})"
                base[0].append(bonus)
        em.line(f"total = {' + '.join([self._total_expr(*base), *bonuses])}")
        em.line(f"return ({_tuple(values)}, {_tuple(stars)}, {_tuple(points)}, total)")
        return ["def evaluate(record, entity, cohort):", *em.lines]

    def _total_expr(self, scaled: list[str], fractions: list[str]) -> str:
        parts = [f"_Fraction({' + '.join(scaled)}, {self.scale})"] if scaled else []
        parts += fractions
        return " + ".join(parts) if parts else "_Fraction(0)"

    def _indicator(self, em: _Emitter, item: ScoredIndicator, value_var: str, stars_var: str,
                   points_var: str) -> bool:
        """Emit one indicator's code; True when its points are a scaled table entry."""
        syntax = item.syntax
        assert syntax.value is not None
        em.line(f"# indicator {item.number}")
        em.indicator = item.number
        em.line("try:")
        em.depth += 1
        value = self._value(em, syntax.value)
        em.line(f"{value_var} = ({value.num}, {value.den})")
        scaled = self._score(em, item, value, stars_var, points_var)
        em.depth -= 1
        em.line("except _ZeroSignal as signal:")
        em.depth += 1
        policy = syntax.zero_policy
        if policy is s.ZeroPolicy.ERROR:
            em.line(f"raise _zero_error(signal, entity, {item.number}) from None")
        elif policy is s.ZeroPolicy.NOT_APPLICABLE:
            em.line(f"{value_var} = {stars_var} = None")
            em.line(f"{points_var} = 0")
        else:
            em.line(f"{value_var} = (0, 1)")
            self._score(em, item, Pair("0", "1", True), stars_var, points_var)
        em.depth -= 1
        return scaled

    def _value(self, em: _Emitter, expr: s.Expr) -> Pair:
        # Cohort calls read the values computed across the cohort before this run.
        for call in _cohort_calls(expr):
            index = self.site_of[id(call)]
            em.line(f"if cohort[{index}] is None:")
            em.line("    _zero(None)")
            em.line(f"q{index}n, q{index}d = cohort[{index}]")
            em.cohort[id(call)] = Pair(f"q{index}n", f"q{index}d", True)
        return em.expr(expr)

    def _score(self, em: _Emitter, item: ScoredIndicator, value: Pair, stars_var: str, points_var: str) -> bool:
        syntax = item.syntax
        decimals = repr(self.decimals)
        if syntax.deduction is not None and self._scaled_deduction(item):
            em.line(f"{stars_var} = None")
            each_scaled = str(int(syntax.deduction.each.value * self.scale))
            cap_scaled = int(syntax.deduction.cap.value * self.scale)
            off = _mul(each_scaled, value.num)
            em.line(f"{points_var} = -min({off if value.nonneg else f'max({off}, 0)'}, {cap_scaled})")
            return True
        if syntax.deduction is not None:
            em.line(f"{stars_var} = None")
            each, cap = em.constant(syntax.deduction.each.value), em.constant(syntax.deduction.cap.value)
            em.line(f"{points_var} = _deduct({value.num}, {value.den}, {each}, {cap}, {decimals})")
            return False
        assert item.bands is not None and syntax.points is not None
        _stars_code(em, value, item.bands, stars_var)
        scoring = syntax.points.scoring
        if isinstance(scoring, s.Linear):
            low, high = em.constant(scoring.low.value), em.constant(scoring.high.value)
            maximum = em.constant(syntax.points.maximum.value)
            em.line(f"{points_var} = _linear({value.num}, {value.den}, {low}, {high}, {maximum}, {decimals})")
            return False
        table = _points_table(syntax.points, self.decimals)
        scaled = tuple(int(p * self.scale) for p in table)
        em.line(f"{points_var} = {em.constant(scaled)}[{stars_var}]")
        return True


def _integral(expr: s.Expr, standard: CheckedStandard) -> bool:
    """Whether a formula always yields a whole number (known before any data)."""
    if isinstance(expr, s.Literal):
        return expr.value.denominator == 1
    if isinstance(expr, s.Ref):
        return standard.inputs[expr.name].kind in _INT_KINDS
    if isinstance(expr, s.Neg):
        return _integral(expr.operand, standard)
    if isinstance(expr, s.Binary):
        return expr.op is not s.BinaryOp.DIV and all(_integral(e, standard) for e in (expr.left, expr.right))
    if isinstance(expr, s.Checklist):
        return all(item.points.value.denominator == 1 for item in expr.items)
    if isinstance(expr, s.Call):
        return expr.function in ("rank", "min", "max", "clamp", "previous") and all(
            _integral(arg, standard) for arg in expr.args)
    return False


def _tuple(names: list[str]) -> str:
    return "(" + ", ".join(names) + ("," if len(names) == 1 else "") + ")"


def generate(standard: CheckedStandard) -> Program:
    """The Python source of a checked standard's evaluator."""
    return _ProgramBuilder(standard).build()
