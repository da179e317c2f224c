"""Turns indicator formulas into mathematics: syntax tree -> sympy expression -> Unicode, LaTeX, MathML.

Every number stays exact (`30%` becomes the Rational 3/10).  Each input becomes a
sympy Symbol named after the input, with the assumptions its kind allows:

| kind                               | Symbol assumptions                |
|------------------------------------|-----------------------------------|
| count, flag                        | integer, nonnegative              |
| rank                               | integer, positive                 |
| money, area, length, measure, rate | real, nonnegative                 |
| score A to B                       | real, nonnegative when A >= 0     |

Upper bounds (a rate is at most 1, a flag at most 1, a score at most B, a part at
most its whole) cannot be written as sympy assumptions; the analyses that need
them (analysis.py) take them from the declarations.

The formula forms become:

- `ratio(a, b)` and `a / b`: a/b;
- `weighted { w: e, ... }`: the sum of w*e;  `checklist { f: p, ... }`: the sum of p*f
  with f a 0/1 Symbol;
- `previous(x)`: the Symbol `x@previous` (see `previous_symbol`);
- `growth(e)`: (e - e')/e', where e' is e with every input replaced by its previous Symbol;
- `min`, `max`: sympy Min, Max;  `clamp(x, lo, hi)`: Min(Max(x, lo), hi);
- `rank(e)`, `share(e)`: the opaque functions RANK and SHARE.  They depend on the cohort
  evaluated together, so they have no closed form; what is known is their direction:
  rank is non-increasing in e (1 = largest), share is non-decreasing in e.

Public API: `to_sympy`, `symbol`, `previous_symbol`, `to_unicode`, `to_latex`, `to_mathml`.
Importing this module imports sympy (about 0.3 s), so the fast path of loading a
standard never imports it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.mathml import MathMLPresentationPrinter
from sympy.printing.precedence import precedence
from sympy.printing.str import StrPrinter

from ..language import syntax as s
from ..language.syntax import Function

RANK = sympy.Function("rank")
SHARE = sympy.Function("share")
# The other cohort functions, opaque too, each named as the language writes it.
_OPAQUE = {f: sympy.Function(f.value) for f in Function
           if f.compares_entities and f not in (Function.RANK, Function.SHARE)}
# rank(e) falls (weakly) as e rises; every other cohort function rises (weakly) as e rises.
COHORT_DIRECTIONS: Mapping[sympy.FunctionClass, int] = {RANK: -1, SHARE: 1, **{f: 1 for f in _OPAQUE.values()}}
PREVIOUS = "@previous"

Inputs = Mapping[str, s.InputDecl]

_ASSUMPTIONS: Mapping[s.Kind, Mapping[str, bool]] = {
    s.Kind.COUNT: {"integer": True, "nonnegative": True},
    s.Kind.FLAG: {"integer": True, "nonnegative": True},
    s.Kind.RANK: {"integer": True, "positive": True},
    s.Kind.MONEY: {"real": True, "nonnegative": True},
    s.Kind.AREA: {"real": True, "nonnegative": True},
    s.Kind.LENGTH: {"real": True, "nonnegative": True},
    s.Kind.MEASURE: {"real": True, "nonnegative": True},
    s.Kind.RATE: {"real": True, "nonnegative": True},
}


# ------------------------------------------------------------ symbols
def _assumptions(decl: s.InputDecl | None) -> Mapping[str, bool]:
    if decl is None:
        return {"real": True}
    if decl.kind is s.Kind.SCORE:
        low = decl.score_range[0].value if decl.score_range is not None else -1
        return {"real": True, "nonnegative": True} if low >= 0 else {"real": True}
    return _ASSUMPTIONS[decl.kind]


def symbol(name: str, inputs: Inputs) -> sympy.Symbol:
    """The Symbol standing for input `name` (a plain real Symbol if `name` is not declared)."""
    return sympy.Symbol(name, **_assumptions(inputs.get(name)))


def previous_symbol(name: str, inputs: Inputs) -> sympy.Symbol:
    """The Symbol standing for last period's value of input `name`, named `name@previous`."""
    return sympy.Symbol(name + PREVIOUS, **_assumptions(inputs.get(name)))


# ------------------------------------------------------------ conversion
def to_sympy(expr: s.Expr, inputs: Inputs) -> sympy.Expr:
    """The formula as an exact sympy expression over one Symbol per input (see the module doc)."""
    return _Converter(inputs).convert(expr)


def _nary(function: Callable[..., Any]) -> Callable[[list[sympy.Expr]], sympy.Expr]:
    return lambda args: function(*args)


_BINARY: Mapping[s.BinaryOp, Callable[[sympy.Expr, sympy.Expr], sympy.Expr]] = {
    s.BinaryOp.ADD: lambda a, b: a + b,
    s.BinaryOp.SUB: lambda a, b: a - b,
    s.BinaryOp.MUL: lambda a, b: a * b,
    s.BinaryOp.DIV: lambda a, b: a / b,
}

def _opaque(function: sympy.FunctionClass) -> Callable[[list[sympy.Expr]], sympy.Expr]:
    return lambda args: function(args[0])


# Every Function but previous and growth, which read last period's symbols (see _Converter.call).
_CALLS: Mapping[Function, Callable[[list[sympy.Expr]], sympy.Expr]] = {
    Function.RATIO: lambda args: args[0] / args[1],
    Function.MIN: _nary(sympy.Min),
    Function.MAX: _nary(sympy.Max),
    Function.CLAMP: lambda args: sympy.Min(sympy.Max(args[0], args[1]), args[2]),
    Function.RANK: lambda args: RANK(args[0]),
    Function.SHARE: lambda args: SHARE(args[0]),
    Function.SQRT: lambda args: sympy.sqrt(args[0]),
    **{f: _opaque(g) for f, g in _OPAQUE.items()},
}


_KNOWN = frozenset(f.value for f in Function)  # unknown names: an unchecked tree, kept opaque


class _Converter:
    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs

    def convert(self, expr: s.Expr) -> sympy.Expr:
        if isinstance(expr, s.Literal):
            return sympy.Rational(expr.value.numerator, expr.value.denominator)
        if isinstance(expr, s.Ref):
            return symbol(expr.name, self.inputs)
        if isinstance(expr, s.Neg):
            return -self.convert(expr.operand)
        if isinstance(expr, s.Power):
            return self.convert(expr.base) ** expr.exponent
        if isinstance(expr, s.Binary):
            return _BINARY[expr.op](self.convert(expr.left), self.convert(expr.right))
        if isinstance(expr, s.Weighted):
            return sympy.Add(*(self.convert(p.weight) * self.convert(p.expr) for p in expr.parts))
        if isinstance(expr, s.Checklist):
            return sympy.Add(*(self.convert(i.points) * symbol(i.name, self.inputs) for i in expr.items))
        return self.call(expr)

    def call(self, call: s.Call) -> sympy.Expr:
        if call.function not in _KNOWN:
            return sympy.Function(call.function)(*(self.convert(arg) for arg in call.args))  # kept opaque
        if call.callee is Function.PREVIOUS and isinstance(call.args[0], s.Ref):
            return previous_symbol(call.args[0].name, self.inputs)
        args = [self.convert(arg) for arg in call.args]
        if call.callee is Function.GROWTH:
            before = self.previous(args[0])
            # Unevaluated, so it reads as the standard defines it: (now - before) / before.
            return sympy.Mul(args[0] - before, sympy.Pow(before, -1, evaluate=False), evaluate=False)
        return _CALLS[call.callee](args)

    def previous(self, expr: sympy.Expr) -> sympy.Expr:
        """`expr` with every current-period input replaced by its previous-period Symbol."""
        current = {sym for sym in expr.free_symbols if not sym.name.endswith(PREVIOUS)}
        return expr.xreplace({sym: previous_symbol(sym.name, self.inputs) for sym in current})


# ------------------------------------------------------------ rendering
def _shown(sym: sympy.Symbol, inputs: Inputs, labels: bool) -> tuple[str, bool]:
    """An input's name, or with `labels` its label on one line, and whether it is last period's value."""
    name = sym.name.removesuffix(PREVIOUS)
    decl = inputs.get(name)
    shown = " ".join(decl.label.split()) if labels and decl is not None else name
    return shown, sym.name.endswith(PREVIOUS)


def _display(sym: sympy.Symbol, inputs: Inputs, labels: bool) -> str:
    """An input as shown in plain text; last period's values keep the `@previous` mark."""
    shown, previous = _shown(sym, inputs, labels)
    return shown + (PREVIOUS if previous else "")


def _slot(index: int) -> str:
    """A placeholder for the index-th name: no operator rewriting or markup can touch it."""
    return f"\x00{index}\x00"


class _UnicodePrinter(StrPrinter):  # type: ignore[misc]  # sympy is untyped
    """sympy's one-line printer with symbols shown as placeholders, filled in after.

    Placeholders keep labels (which may contain `-` or `*`) out of the operator rewriting.
    """

    def __init__(self) -> None:
        super().__init__({"order": "none"})
        self.slots: dict[sympy.Symbol, int] = {}

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        return _slot(self.slots.setdefault(expr, len(self.slots)))

    def _print_Mul(self, expr: sympy.Mul) -> str:
        text = str(super()._print_Mul(expr))
        # sympy 1.14 brackets an unevaluated 1/(a·b) twice, `/((a·b))`: once as any Mul
        # operand, once more for its sympy#14160 fix.  growth's denominator is such a Pow.
        for factor in expr.args:
            if factor.is_Pow and factor.exp == -1 and factor.base.is_Mul:
                bracketed = self.parenthesize(factor.base, precedence(expr), strict=False)
                text = text.replace(f"({bracketed})", bracketed)
        return text


_UNICODE_OPERATORS = (("**", "^"), ("*", "·"), ("Min(", "min("), ("Max(", "max("), (" - ", " − "), ("-", "−"))


def to_unicode(expr: s.Expr | sympy.Basic, inputs: Inputs, *, labels: bool = False) -> str:
    """The formula (or a sympy expression over its Symbols) on one line of plain Unicode.

    E.g. `fibre/households`, `3·a/10 + b/2`.  One line rather than sympy's 2-D pretty
    form: labels are often Chinese, whose double-width characters put 2-D fraction
    bars out of line in a terminal.  With `labels`, inputs show their labels.
    """
    value = expr if isinstance(expr, sympy.Basic) else to_sympy(expr, inputs)
    printer = _UnicodePrinter()
    text = str(printer.doprint(value))
    for old, new in _UNICODE_OPERATORS:
        text = text.replace(old, new)
    for sym, index in printer.slots.items():
        text = text.replace(_slot(index), _display(sym, inputs, labels))
    return text


# Characters with a meaning in LaTeX, or in the Markdown around a `$$` block (a label such
# as `[x](javascript:...)` must not turn into a link where math is not rendered).  Spaces
# are kept visible; `_shown` has already folded line breaks and tabs into single spaces.
_LATEX_TEXT = str.maketrans({
    "\\": r"\backslash{}", "_": r"\_", "%": r"\%", "#": r"\#", "&": r"\&", "{": r"\{", "}": r"\}",
    "$": r"\$", "^": r"\hat{}", "~": r"\sim{}", "<": r"\lt{}", ">": r"\gt{}", "[": r"\lbrack{}",
    "]": r"\rbrack{}", "|": r"\vert{}", "`": r"\grave{}", "*": r"\ast{}", " ": r"\ ",
})


def _latex_symbol(sym: sympy.Symbol, inputs: Inputs, labels: bool) -> str:
    shown, previous = _shown(sym, inputs, labels)
    text = rf"\mathrm{{{shown.translate(_LATEX_TEXT)}}}"
    return text + r"_{\mathrm{previous}}" if previous else text


def to_latex(expr: s.Expr, inputs: Inputs, *, labels: bool = False) -> str:
    r"""The formula as LaTeX math (no `$`), inputs as `\mathrm{name}` with LaTeX specials escaped.

    A previous-period value is `\mathrm{name}_{\mathrm{previous}}`; products use `\cdot`.
    The result is safe inside Markdown's `$$`: no `<`, `>`, `$`, backquote or line break.
    """
    value = to_sympy(expr, inputs)
    names = {sym: _latex_symbol(sym, inputs, labels) for sym in value.free_symbols}
    printer = LatexPrinter({"symbol_names": names, "mul_symbol": "dot"})
    return str(printer.doprint(value))


class _MathMLPrinter(MathMLPresentationPrinter):  # type: ignore[misc]  # sympy is untyped
    """Presentation MathML that shows a name whole (sympy would read `a_b` as a subscript)."""

    def __init__(self) -> None:
        super().__init__({})
        self.slots: dict[sympy.Symbol, int] = {}

    def _print_Symbol(self, sym: sympy.Symbol, style: str = "plain") -> Any:
        # sympy writes text nodes unescaped; a placeholder keeps author text out of the markup.
        mi = self.dom.createElement("mi")
        mi.setAttribute("mathvariant", "normal")
        mi.appendChild(self.dom.createTextNode(_slot(self.slots.setdefault(sym, len(self.slots)))))
        return mi


def to_mathml(expr: s.Expr, inputs: Inputs, *, labels: bool = False) -> str:
    """The formula as presentation MathML (the inner `<mrow>`; wrap it in `<math>`), names escaped.

    Browsers render presentation MathML natively, so an HTML page shows formulas
    with no script and no network access.  sympy's markup may hold HTML named entities
    such as `&InvisibleTimes;` and numeric character references for non-ASCII text.
    """
    printer = _MathMLPrinter()
    markup = str(printer.doprint(to_sympy(expr, inputs)))
    for sym, index in printer.slots.items():
        markup = markup.replace(_slot(index), html.escape(_display(sym, inputs, labels), quote=False))
    return markup
