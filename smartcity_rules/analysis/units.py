"""Checks kinds and units through formulas: part of the analysis stage (analysis.py).

A quantity is a product of base quantities, each a kind with its unit, raised to a
power: `fibre / households` is 户/户, a pure number; `patents / population` is
件 per 人.  Rates, scores, ranks and the results of ratio, growth, rank, share and
zscore are pure numbers; `sqrt` halves every power (and is free where one is odd).
Literals and checklists are free: `2 * pilots` and `events + checklist { shown: 3 }`
take the quantity of what they meet, as a checklist's points are whatever the author
counts them as.

Adding, subtracting, comparing (min, max, clamp), weighing together, or taking the
ratio of two different quantities is an error; so is a `part of` whose part and whole
differ in kind or unit.  A missing unit matches any unit of the same kind.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..language import syntax as s
from ..language.diagnostics import Diagnostic, Label
from ..language.syntax import Function

# ((kind, unit), power) pairs, sorted; () is a pure number; None is free (a literal).
Base = tuple[str, str | None]
Quantity = tuple[tuple[Base, int], ...]
PURE: Quantity = ()
_AMOUNTS = frozenset({s.Kind.COUNT, s.Kind.MONEY, s.Kind.AREA, s.Kind.LENGTH, s.Kind.MEASURE})
_PURE_CALLS = frozenset({Function.RATIO, Function.GROWTH, Function.RANK, Function.SHARE, Function.MINMAX,
                         Function.PERCENTILE, Function.TO_BEST, Function.ZSCORE})
# A cohort's mean, median, min or max of a quantity is that quantity.
_LIKE_ARGUMENT = frozenset({Function.PREVIOUS, Function.COHORT_MEAN, Function.COHORT_MEDIAN, Function.COHORT_MIN,
                           Function.COHORT_MAX})
_SUMS = {s.BinaryOp.ADD: "add", s.BinaryOp.SUB: "subtract"}
_HELP = {
    "E0305": "convert one side, or divide to make a rate first",
    "E0307": "a ratio is of a part to its whole, in the same kind and unit; use `/` for a rate such as "
             "revenue per head",
}


def unit_findings(inputs: Mapping[str, s.InputDecl], indicators: Sequence[s.Indicator]) -> list[Diagnostic]:
    """Kind and unit errors in `part of` declarations and in the given indicators' formulas."""
    found = list(_part_of_findings(inputs))
    for indicator in indicators:
        if indicator.value is not None:
            walker = _Units(inputs)
            walker.quantity(indicator.value)
            found += walker.problems
    return found


def of_input(decl: s.InputDecl) -> Quantity:
    """An input's quantity: an amount of its kind in its unit, or a pure number."""
    if decl.kind in _AMOUNTS:
        return (((decl.kind.value, decl.unit), 1),)
    return PURE


def describe(quantity: Quantity) -> str:
    """`a count (户)`, `money (亿元) per area (km²)`, `a pure number`."""
    if not quantity:
        return "a pure number"
    top = [base for base, power in quantity for _ in range(power)]
    bottom = [base for base, power in quantity for _ in range(-power)]
    text = " × ".join(map(_base, top)) if top else "1"
    article = "a " if len(top) == 1 and top[0][0] == "count" else ""  # "a count", but "money", "area"
    return article + text + "".join(f" per {_base(b)}" for b in bottom)


def _base(base: Base) -> str:
    kind, unit = base
    return f"{kind} ({unit})" if unit else kind


def _quantity(powers: Mapping[Base, int]) -> Quantity:
    """The bases with a power, in one order; a missing unit sorts first (None and text do not compare)."""
    return tuple(sorted(((b, p) for b, p in powers.items() if p),
                        key=lambda item: (item[0][0], item[0][1] is not None, item[0][1] or "")))


def _strip(quantity: Quantity) -> Quantity:
    """The quantity with every unit dropped: what is left to compare when one side has no unit."""
    powers: dict[Base, int] = {}
    for (kind, _), power in quantity:
        powers[(kind, None)] = powers.get((kind, None), 0) + power
    return _quantity(powers)


def _has_missing_unit(quantity: Quantity) -> bool:
    return any(unit is None for (_, unit), _ in quantity)


def compatible(a: Quantity | None, b: Quantity | None) -> bool:
    """Can the two be added or compared?  Free (None) matches anything; a missing unit any unit."""
    if a is None or b is None or a == b:
        return True
    return (_has_missing_unit(a) or _has_missing_unit(b)) and _strip(a) == _strip(b)


def _combine(a: Quantity, b: Quantity, sign: int) -> Quantity:
    """a × b (sign 1) or a / b (sign -1)."""
    powers = dict(a)
    for base, power in b:
        powers[base] = powers.get(base, 0) + sign * power
    return _quantity(powers)


def _power(a: Quantity, exponent: int) -> Quantity:
    """a ^ n: every base's power times n."""
    return _quantity({base: power * exponent for base, power in a})


def _root(a: Quantity | None) -> Quantity | None:
    """√a: every power halved (√(area × area) is an area); a pure number stays pure. An odd
    power has no whole-power quantity to follow, so the root is left free, as a literal is."""
    if a is None or any(power % 2 for _, power in a):
        return None
    return _quantity({base: power // 2 for base, power in a})


def _part_of_findings(inputs: Mapping[str, s.InputDecl]) -> Iterator[Diagnostic]:
    for decl in inputs.values():
        whole = inputs.get(decl.part_of) if decl.part_of is not None else None
        if whole is None or s.Kind.FLAG in (decl.kind, whole.kind):
            continue  # unknown wholes and flags are the checker's (E0204, E0205)
        if decl.kind is not whole.kind or (decl.unit and whole.unit and decl.unit != whole.unit):
            yield Diagnostic("E0306", f"`{decl.name}` is part of `{whole.name}` but measures something else",
                             decl.part_of_span or decl.name_span,
                             label=f"`{decl.name}` is {_declared(decl)}",
                             labels=(Label(whole.name_span, f"`{whole.name}` is {_declared(whole)}"),),
                             help="a part and its whole must have the same kind and unit")


def _declared(decl: s.InputDecl) -> str:
    return decl.kind.value + (f" \"{decl.unit}\"" if decl.unit else "")


class _Units:
    """Works out each node's quantity, recording a problem where two do not match."""

    def __init__(self, inputs: Mapping[str, s.InputDecl]) -> None:
        self.inputs = inputs
        self.problems: list[Diagnostic] = []

    def quantity(self, expr: s.Expr) -> Quantity | None:
        if isinstance(expr, s.Literal | s.Checklist):
            return None
        if isinstance(expr, s.Ref):
            return of_input(self.inputs[expr.name])
        if isinstance(expr, s.Neg):
            return self.quantity(expr.operand)
        if isinstance(expr, s.Power):
            base = self.quantity(expr.base)
            return None if base is None else _power(base, expr.exponent)
        if isinstance(expr, s.Binary):
            return self.binary(expr)
        if isinstance(expr, s.Weighted):
            return self.same("weigh together", [p.expr for p in expr.parts])
        return self.call(expr)

    def binary(self, node: s.Binary) -> Quantity | None:
        if node.op in _SUMS:
            return self.same(_SUMS[node.op], [node.left, node.right])
        left, right = self.quantity(node.left), self.quantity(node.right)
        if left is None or right is None:
            # A literal scales or divides without changing what is measured: 2 * a, a / 10.
            return right if left is None and node.op is s.BinaryOp.MUL else left
        return _combine(left, right, 1 if node.op is s.BinaryOp.MUL else -1)

    def call(self, call: s.Call) -> Quantity | None:
        if call.callee is Function.RATIO:
            if not self._declared_part(call):  # a declared part is judged where it is declared (E0306)
                self.same("take the ratio of", list(call.args), code="E0307")
            return PURE
        if call.callee in _PURE_CALLS:
            for arg in call.args:
                self.quantity(arg)
            return PURE
        if call.callee in _LIKE_ARGUMENT:
            return self.quantity(call.args[0])
        if call.callee is Function.SQRT:
            return _root(self.quantity(call.args[0]))
        return self.same("compare", list(call.args))  # min, max, clamp

    def _declared_part(self, call: s.Call) -> bool:
        part, whole = call.args
        return (isinstance(part, s.Ref) and isinstance(whole, s.Ref)
                and self.inputs[part.name].part_of == whole.name)

    def same(self, verb: str, parts: list[s.Expr], code: str = "E0305") -> Quantity | None:
        """The quantity the parts share; a problem if two differ (then None, to stop a cascade)."""
        first: tuple[s.Expr, Quantity] | None = None
        for part in parts:
            quantity = self.quantity(part)
            if quantity is None:
                continue
            if first is None:
                first = (part, quantity)
            elif not compatible(first[1], quantity):
                self.mismatch(code, verb, first, (part, quantity))
                return None
        return None if first is None else first[1]

    def mismatch(self, code: str, verb: str, first: tuple[s.Expr, Quantity], second: tuple[s.Expr, Quantity]) -> None:
        (a, qa), (b, qb) = first, second
        what_a, what_b = self._what(a, qa), self._what(b, qb)
        self.problems.append(Diagnostic(code, f"cannot {verb} {what_a} and {what_b}", a.span,
                                        label=f"this is {what_a}", labels=(Label(b.span, f"this is {what_b}"),),
                                        help=_HELP[code]))

    def _what(self, node: s.Expr, quantity: Quantity) -> str:
        """A rate is named a rate, not "a pure number", where the node says so."""
        if isinstance(node, s.Ref) and not quantity:
            decl = self.inputs[node.name]
            return f"a {decl.kind.value}" + (f" ({decl.unit})" if decl.unit else "")
        return describe(quantity)
