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

Public API: `to_sympy`, `previous_symbol`, `to_unicode`, `to_latex`, `to_mathml`.
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
from sympy.printing.str import StrPrinter

from . import syntax as s

RANK = sympy.Function("rank")
SHARE = sympy.Function("share")
# rank(e) falls (weakly) as e rises; share(e) rises (weakly) as e rises.
COHORT_DIRECTIONS: Mapping[sympy.FunctionClass, int] = {RANK: -1, SHARE: 1}
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

_CALLS: Mapping[str, Callable[[list[sympy.Expr]], sympy.Expr]] = {
    "ratio": lambda args: args[0] / args[1],
    "min": _nary(sympy.Min),
    "max": _nary(sympy.Max),
    "clamp": lambda args: sympy.Min(sympy.Max(args[0], args[1]), args[2]),
    "rank": lambda args: RANK(args[0]),
    "share": lambda args: SHARE(args[0]),
}


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
        if isinstance(expr, s.Binary):
            return _BINARY[expr.op](self.convert(expr.left), self.convert(expr.right))
        if isinstance(expr, s.Weighted):
            return sympy.Add(*(self.convert(p.weight) * self.convert(p.expr) for p in expr.parts))
        if isinstance(expr, s.Checklist):
            return sympy.Add(*(self.convert(i.points) * symbol(i.name, self.inputs) for i in expr.items))
        return self.call(expr)

    def call(self, call: s.Call) -> sympy.Expr:
        if call.function == "previous" and isinstance(call.args[0], s.Ref):
            return previous_symbol(call.args[0].name, self.inputs)
        args = [self.convert(arg) for arg in call.args]
        if call.function == "growth":
            before = self.previous(args[0])
            # Unevaluated, so it reads as the standard defines it: (now - before) / before.
            return sympy.Mul(args[0] - before, sympy.Pow(before, -1, evaluate=False), evaluate=False)
        if call.function in _CALLS:
            return _CALLS[call.function](args)
        return sympy.Function(call.function)(*args)  # unknown to the checker: kept opaque

    def previous(self, expr: sympy.Expr) -> sympy.Expr:
        """`expr` with every current-period input replaced by its previous-period Symbol."""
        current = {sym for sym in expr.free_symbols if not sym.name.endswith(PREVIOUS)}
        return expr.xreplace({sym: previous_symbol(sym.name, self.inputs) for sym in current})


# ------------------------------------------------------------ rendering
def _display(sym: sympy.Symbol, inputs: Inputs, labels: bool) -> str:
    """An input's name (or label) as shown; previous-period values keep the `@previous` mark."""
    name = sym.name.removesuffix(PREVIOUS)
    decl = inputs.get(name)
    shown = decl.label if labels and decl is not None else name
    return shown + (PREVIOUS if sym.name.endswith(PREVIOUS) else "")


class _UnicodePrinter(StrPrinter):  # type: ignore[misc]  # sympy is untyped
    """sympy's one-line printer with symbols shown as placeholders, filled in after.

    Placeholders keep labels (which may contain `-` or `*`) out of the operator rewriting.
    """

    def __init__(self, shown: list[str]) -> None:
        super().__init__({"order": "none"})
        self.shown = shown

    def _print_Symbol(self, expr: sympy.Symbol) -> str:
        self.shown.append(expr.name)
        return f"\x00{len(self.shown) - 1}\x00"


_UNICODE_OPERATORS = (("**", "^"), ("*", "·"), ("Min(", "min("), ("Max(", "max("), (" - ", " − "), ("-", "−"))


def to_unicode(expr: s.Expr | sympy.Basic, inputs: Inputs, *, labels: bool = False) -> str:
    """The formula (or a sympy expression over its Symbols) on one line of plain Unicode.

    E.g. `fibre/households`, `3·a/10 + b/2`.  One line rather than sympy's 2-D pretty
    form: labels are often Chinese, whose double-width characters put 2-D fraction
    bars out of line in a terminal.  With `labels`, inputs show their labels.
    """
    value = expr if isinstance(expr, sympy.Basic) else to_sympy(expr, inputs)
    shown: list[str] = []
    text = str(_UnicodePrinter(shown).doprint(value))
    for old, new in _UNICODE_OPERATORS:
        text = text.replace(old, new)
    for index, name in enumerate(shown):
        text = text.replace(f"\x00{index}\x00", _display(sympy.Symbol(name), inputs, labels))
    return text


# Characters with a meaning in LaTeX, or in the Markdown around a `$$` block (a label such
# as `[x](javascript:...)` must not turn into a link where math is not rendered).
_LATEX_TEXT = str.maketrans({
    "\\": r"\backslash{}", "_": r"\_", "%": r"\%", "#": r"\#", "&": r"\&", "{": r"\{", "}": r"\}",
    "$": r"\$", "^": r"\hat{}", "~": r"\sim{}", "<": r"\lt{}", ">": r"\gt{}", "[": r"\lbrack{}",
    "]": r"\rbrack{}", "|": r"\vert{}", "`": r"\grave{}", "*": r"\ast{}", " ": r"\ ", "\n": r"\ ", "\t": r"\ ",
})


def _latex_name(text: str) -> str:
    return text.translate(_LATEX_TEXT)


def _latex_symbol(sym: sympy.Symbol, inputs: Inputs, labels: bool) -> str:
    name = sym.name.removesuffix(PREVIOUS)
    decl = inputs.get(name)
    shown = decl.label if labels and decl is not None else name
    text = rf"\mathrm{{{_latex_name(shown)}}}"
    return text + r"_{\mathrm{previous}}" if sym.name.endswith(PREVIOUS) else text


def to_latex(expr: s.Expr, inputs: Inputs, *, labels: bool = False) -> str:
    r"""The formula as LaTeX math (no `$`), inputs as `\mathrm{name}` with `_` escaped.

    A previous-period value is `\mathrm{name}_{\mathrm{previous}}`; products use `\cdot`.
    """
    value = to_sympy(expr, inputs)
    names = {sym: _latex_symbol(sym, inputs, labels) for sym in value.free_symbols}
    printer = LatexPrinter({"symbol_names": names, "mul_symbol": "dot"})
    return str(printer.doprint(value))


class _MathMLPrinter(MathMLPresentationPrinter):  # type: ignore[misc]  # sympy is untyped
    """Presentation MathML that shows a name whole (sympy would read `a_b` as a subscript)."""

    def __init__(self, inputs: Inputs, labels: bool) -> None:
        super().__init__({})
        self.inputs = inputs
        self.labels = labels
        self.names: list[str] = []  # shown names, put in escaped after printing

    def _print_Symbol(self, sym: sympy.Symbol, style: str = "plain") -> Any:
        # sympy writes text nodes unescaped; a placeholder keeps author text out of the markup.
        mi = self.dom.createElement("mi")
        mi.setAttribute("mathvariant", "normal")
        mi.appendChild(self.dom.createTextNode(f"\x00{len(self.names)}\x00"))
        self.names.append(_display(sym, self.inputs, self.labels))
        return mi


def to_mathml(expr: s.Expr, inputs: Inputs, *, labels: bool = False) -> str:
    """The formula as presentation MathML (the inner `<mrow>`; wrap it in `<math>`).

    Browsers render presentation MathML natively, so an HTML page shows formulas
    with no script and no network access.
    """
    printer = _MathMLPrinter(inputs, labels)
    markup = str(printer.doprint(to_sympy(expr, inputs)))
    for index, name in enumerate(printer.names):
        markup = markup.replace(f"\x00{index}\x00", html.escape(name, quote=False))
    return markup
