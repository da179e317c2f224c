r"""Formulas as their authors wrote them: presentation MathML for HTML, LaTeX for Markdown.

The formula is rendered from the syntax tree, never through sympy, so nothing is
rearranged: terms keep the author's order, `weighted` keeps its weights, and numbers
keep their written form (`50%`, `1/3`, `0.5`). The forms become:

- an input: its label (on one line), as text; `previous(x)`: x's label with the
  subscript `上期` (the previous period), the period `growth` compares with;
- a number: as written; `1/3` (a weight or points) and every `/` division as a fraction;
- `ratio(a, b)`: the fraction a / b;
- `weighted { w: e, ... }`: `w · e + ...`, `checklist { x: p, ... }`: `x · p + ...`;
- `growth`, `rank`, `share`, the other cohort functions (`minmax`, `cohort_mean`, ...), `min`, `max`,
  `clamp`: by name, with their arguments;
- parentheses where the tree needs them; a right operand of `+` or `·` that is itself a
  sum or product keeps the parentheses the author had to write.

Labels are text (`<mtext>`, `\text{}`) and numbers are numbers (`<mn>`), joined by
explicit operators (`⋅` / `\cdot`), so a number never runs into a label.

Long formulas are broken so they fit a page: a sum wider than `LINE_WIDTH` (estimated in
em) is set as several left-aligned rows, one or more terms each (`<mtable>` in MathML,
`aligned` in LaTeX), and a label wider than what is left is set on several lines. MathML
Core, which Chromium implements, has no automatic line breaking, so the breaks are
decided here.

Every piece of author text is escaped: XML escaping in MathML; in LaTeX, labels sit in
`\text{}` runs and every LaTeX special or Markdown-active character (`[`, `*`, `<`, ...)
is written outside them as a math command such as `\lbrack{}` (`\text{}` itself treats a
backslash differently in MathJax and KaTeX, so none goes inside).
"""

from __future__ import annotations

import html
import math
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import attrs

from ..language import syntax as s

PREVIOUS_MARK = "上期"  # "the previous period": the value growth() compares with
LINE_WIDTH = 40.0  # em: at 1280 px the formula box holds 50 em of its maths; the rest is margin for the estimate
MIN_LABEL_WIDTH = 8.0  # em: a label is never cut into lines narrower than this

Inputs = Mapping[str, s.InputDecl]


# ====================================================================== the layout
@attrs.frozen
class Label:
    """An input's label, on one line or (when too wide) several; `previous`: last period's value."""

    lines: tuple[str, ...]
    previous: bool = False


@attrs.frozen
class Number:
    text: str


@attrs.frozen
class Fraction:
    numerator: Node
    denominator: Node


@attrs.frozen
class Fenced:
    """In parentheses."""

    inner: Node


@attrs.frozen
class Signed:
    """A leading minus."""

    operand: Node


@attrs.frozen
class Power:
    """A base raised to a whole power."""

    base: Node
    exponent: str


@attrs.frozen
class Product:
    factors: tuple[Node, ...]


@attrs.frozen
class Sum:
    terms: tuple[Term, ...]


@attrs.frozen
class Applied:
    """A function applied to its arguments, shown by its name as written."""

    name: str
    args: tuple[Node, ...]
    function: s.Function | None = None  # None for a name the checker would reject


@attrs.frozen
class Rows:
    """A sum broken into rows, each starting with its operator but the first."""

    rows: tuple[tuple[Term, ...], ...]


Node = Label | Number | Fraction | Fenced | Signed | Power | Product | Sum | Applied | Rows
Term = tuple[str | None, Node]  # the operator before it ("+" or "−"; None for the first), the term

SUM, PRODUCT, SIGNED, ATOM = 1, 2, 3, 4
_PLUS, _MINUS = "+", "−"


def _precedence(node: Node) -> int:
    if isinstance(node, Sum | Rows):
        return SUM
    if isinstance(node, Product):
        return PRODUCT
    return SIGNED if isinstance(node, Signed) else ATOM


def _leads_with_sign(node: Node) -> bool:
    """Whether the node is shown starting with a minus: after `+` or `·` it needs parentheses."""
    if isinstance(node, Signed):
        return True
    if isinstance(node, Product):
        return _leads_with_sign(node.factors[0])
    if isinstance(node, Sum):
        return _leads_with_sign(node.terms[0][1])
    return False


def _fenced_if(node: Node, condition: bool) -> Node:
    return Fenced(node) if condition else node


# ====================================================================== syntax tree -> layout
def layout(expr: s.Expr, inputs: Inputs) -> Node:
    """The formula's layout on one line, in the author's order."""
    return _Layout(inputs).node(expr)


class _Layout:
    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs

    def node(self, expr: s.Expr) -> Node:
        if isinstance(expr, s.Literal):
            return literal(expr.text)
        if isinstance(expr, s.Ref):
            return self.label(expr.name)
        if isinstance(expr, s.Neg):
            operand = self.node(expr.operand)
            return Signed(_fenced_if(operand, _precedence(operand) < ATOM))
        if isinstance(expr, s.Power):
            base = self.node(expr.base)
            return Power(_fenced_if(base, _precedence(base) < ATOM or isinstance(base, Fraction | Power)),
                         str(expr.exponent))
        if isinstance(expr, s.Binary):
            return self.binary(expr)
        if isinstance(expr, s.Weighted):
            return Sum(tuple(self.weighted_part(k, part) for k, part in enumerate(expr.parts)))
        if isinstance(expr, s.Checklist):
            return Sum(tuple(self.checklist_item(k, item) for k, item in enumerate(expr.items)))
        return self.call(expr)

    def label(self, name: str, previous: bool = False) -> Label:
        decl = self.inputs.get(name)
        shown = " ".join(decl.label.split()) if decl is not None else name  # one line
        return Label((shown,), previous)

    def binary(self, expr: s.Binary) -> Node:
        left, right = self.node(expr.left), self.node(expr.right)
        if expr.op is s.BinaryOp.DIV:
            return Fraction(left, right)
        if expr.op is s.BinaryOp.MUL:
            # The parser groups from the left, so a right product came in parentheses: keep them.
            right = _fenced_if(right, _precedence(right) < ATOM)
            factors = left.factors if isinstance(left, Product) else (_fenced_if(left, _precedence(left) < PRODUCT),)
            return Product((*factors, right))
        right = _fenced_if(right, _precedence(right) == SUM or _leads_with_sign(right))
        terms = left.terms if isinstance(left, Sum) else ((None, left),)
        return Sum((*terms, (_PLUS if expr.op is s.BinaryOp.ADD else _MINUS, right)))

    def weighted_part(self, index: int, part: s.WeightedPart) -> Term:
        shown = self.node(part.expr)
        shown = _fenced_if(shown, _precedence(shown) < PRODUCT or _leads_with_sign(shown))
        return _term(index, Product((literal(part.weight.text), shown)))

    def checklist_item(self, index: int, item: s.ChecklistItem) -> Term:
        points = literal(item.points.text)
        return _term(index, Product((self.label(item.name), _fenced_if(points, _leads_with_sign(points)))))

    def call(self, call: s.Call) -> Node:
        function = _callee(call)
        if function is s.Function.PREVIOUS and len(call.args) == 1 and isinstance(call.args[0], s.Ref):
            return self.label(call.args[0].name, previous=True)
        args = tuple(self.node(arg) for arg in call.args)
        if function is s.Function.RATIO and len(args) == 2:
            return Fraction(*args)
        return Applied(call.function, args, function)


def _callee(call: s.Call) -> s.Function | None:
    """The function called; None for an unknown name (an unchecked tree), which is shown as written."""
    try:
        return call.callee
    except ValueError:
        return None


def _term(index: int, node: Node) -> Term:
    """A term of a sum written as a list: `+` between; one that starts with a minus is bracketed."""
    return (None, node) if index == 0 else (_PLUS, _fenced_if(node, _leads_with_sign(node)))


def literal(text: str) -> Node:
    """A number as written: `12`, `0.5`, `30%`, `1/3`, `-5%` (a weight or points may be signed)."""
    body = text.removeprefix("-")
    top, slash, bottom = body.partition("/")
    shown: Node = Fraction(Number(top), Number(bottom)) if slash else Number(body)
    return Signed(shown) if body != text else shown


# ====================================================================== widths and breaking
# Estimates in em of the maths font: wide (CJK) characters are a full em, others about half.
_OPERATOR, _COMMA, _PARENTHESIS, _APPLY, _SUBSCRIPT = 1.0, 0.5, 0.4, 0.2, 0.71


def _text_width(text: str) -> float:
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.55 for c in text)


def width(node: Node) -> float:
    """The node's width, estimated in em."""
    if isinstance(node, Label):
        marker = _SUBSCRIPT * _text_width(PREVIOUS_MARK) if node.previous else 0.0
        return max(_text_width(line) for line in node.lines) + marker
    if isinstance(node, Number):
        return _text_width(node.text)
    if isinstance(node, Fraction):
        return max(width(node.numerator), width(node.denominator)) + 0.3
    if isinstance(node, Fenced):
        return width(node.inner) + 2 * _PARENTHESIS
    if isinstance(node, Signed):
        return _OPERATOR / 2 + width(node.operand)
    if isinstance(node, Power):
        return width(node.base) + _SUBSCRIPT * _text_width(node.exponent)
    if isinstance(node, Product):
        return sum(width(f) for f in node.factors) + _OPERATOR * (len(node.factors) - 1)
    if isinstance(node, Sum):
        return _row_width(node.terms)
    if isinstance(node, Rows):
        return max(_row_width(row) for row in node.rows)
    return _text_width(node.name) + _APPLY + 2 * _PARENTHESIS + sum(width(a) for a in node.args) \
        + _COMMA * (len(node.args) - 1)


def _row_width(terms: Sequence[Term]) -> float:
    return sum(width(term) + (_OPERATOR if op else 0.0) for op, term in terms)


def fit(node: Node, limit: float = LINE_WIDTH) -> Node:
    """The node broken where it is wider than `limit` em: sums into rows, labels into lines."""
    if width(node) <= limit:
        return node
    if isinstance(node, Label):
        return _wrapped_label(node, limit)
    if isinstance(node, Fraction):
        return Fraction(fit(node.numerator, limit), fit(node.denominator, limit))
    if isinstance(node, Fenced):
        return Fenced(fit(node.inner, limit - 2 * _PARENTHESIS))
    if isinstance(node, Signed):
        return Signed(fit(node.operand, limit - _OPERATOR / 2))
    if isinstance(node, Product):
        return Product(tuple(_fit_among(node.factors, k, limit, _OPERATOR) for k in range(len(node.factors))))
    if isinstance(node, Applied):
        room = limit - _text_width(node.name) - _APPLY - 2 * _PARENTHESIS
        args = tuple(_fit_among(node.args, k, room, _COMMA) for k in range(len(node.args)))
        return Applied(node.name, args, node.function)
    if isinstance(node, Sum):
        return _rows(node.terms, limit)
    return node  # Rows: already broken


def _fit_among(items: Sequence[Node], index: int, limit: float, gap: float) -> Node:
    """Item `index` fitted into what its neighbours on the line leave (never less than a label's minimum)."""
    others = sum(width(item) for k, item in enumerate(items) if k != index) + gap * (len(items) - 1)
    return fit(items[index], max(limit - others, MIN_LABEL_WIDTH))


def _rows(terms: Sequence[Term], limit: float) -> Node:
    """Terms packed into rows left to right, as many to a row as fit; a row never splits a term."""
    rows: list[list[Term]] = []
    for op, term in terms:
        shown = fit(term, limit - _OPERATOR)
        if rows and _row_width([*rows[-1], (op, shown)]) <= limit:
            rows[-1].append((op, shown))
        else:
            rows.append([(op, shown)])
    return Rows(tuple(tuple(row) for row in rows)) if len(rows) > 1 else Sum(tuple(rows[0]))


def _wrapped_label(label: Label, limit: float) -> Label:
    """The label cut into as few lines of about equal width as fit `limit`, at spaces or between wide characters."""
    text = "".join(label.lines)
    room = max(limit - (width(label) - _text_width(text)), MIN_LABEL_WIDTH)  # the subscript takes its share
    count = math.ceil(_text_width(text) / room)
    return Label(tuple(_cut(text, _text_width(text) / count)), label.previous)


def _cut(text: str, target: float) -> Iterator[str]:
    """Lines of about `target` em; a run of narrow characters (a word, a number) is never split."""
    line, line_width = "", 0.0
    for piece in _pieces(text):
        piece_width = _text_width(piece)
        if line and line_width + piece_width / 2 > target:
            yield line
            line, line_width = "", 0.0
        line, line_width = line + piece, line_width + piece_width
    if line:
        yield line


def _pieces(text: str) -> Iterator[str]:
    """The places a label may break: after each wide character, and after each space."""
    piece = ""
    for char in text:
        piece += char
        if char == " " or unicodedata.east_asian_width(char) in "WF":
            yield piece
            piece = ""
    if piece:
        yield piece


# ====================================================================== MathML
def to_mathml(expr: s.Expr, inputs: Inputs, *, limit: float = LINE_WIDTH) -> str:
    """The formula as presentation MathML: one element, to go inside `<math>`; plain XML, no entities."""
    return _mathml(fit(layout(expr, inputs), limit))


def _xml(text: str) -> str:
    return html.escape(text, quote=False)


def _mo(op: str, infix: bool = False) -> str:
    # An operator that opens a row would be read as a prefix sign, without the spacing of `+`.
    return f'<mo form="infix">{_xml(op)}</mo>' if infix else f"<mo>{_xml(op)}</mo>"


def _mrow(*parts: str) -> str:
    """One element of the parts, each an element: a lone part needs no row around it."""
    return parts[0] if len(parts) == 1 else f"<mrow>{''.join(parts)}</mrow>"


def _mtable(cells: Sequence[str]) -> str:
    # displaystyle: a table is compact by default in MathML Core, which would shrink its fractions;
    # columnalign is for Firefox (Chromium aligns by the CSS `text-align` of the document).
    rows = "".join(f"<mtr><mtd>{cell}</mtd></mtr>" for cell in cells)
    return f'<mtable displaystyle="true" columnalign="left">{rows}</mtable>'


def _mathml_label(node: Label) -> str:
    lines = [f"<mtext>{_xml(line)}</mtext>" for line in node.lines]
    base = lines[0] if len(lines) == 1 else _mtable(lines)
    return f"<msub>{base}<mtext>{_xml(PREVIOUS_MARK)}</mtext></msub>" if node.previous else base


def _mathml_terms(terms: Sequence[Term], opens_row: bool = False) -> str:
    parts: list[str] = []
    for k, (op, term) in enumerate(terms):
        parts += [_mo(op, infix=opens_row and k == 0)] if op else []
        parts.append(_mathml(term))
    return _mrow(*parts)


def _mathml_applied(node: Applied) -> str:
    if node.function is s.Function.SQRT and len(node.args) == 1:  # the root sign, as a standard prints it
        return f"<msqrt>{_mathml(node.args[0])}</msqrt>"
    args = _mo(",").join(_mathml(arg) for arg in node.args)
    return _mrow(f"<mi>{_xml(node.name)}</mi>", _mo("\u2061"), _mrow(_mo("("), args, _mo(")")))


_MATHML: Mapping[type, Callable[[Any], str]] = {
    Label: _mathml_label,
    Number: lambda node: f"<mn>{_xml(node.text)}</mn>",
    Fraction: lambda node: f"<mfrac>{_mathml(node.numerator)}{_mathml(node.denominator)}</mfrac>",
    Fenced: lambda node: _mrow(_mo("("), _mathml(node.inner), _mo(")")),
    Signed: lambda node: _mrow(_mo(_MINUS), _mathml(node.operand)),
    Power: lambda node: f"<msup>{_mathml(node.base)}<mn>{_xml(node.exponent)}</mn></msup>",
    Product: lambda node: _mrow(*_joined(_mo("\u22c5"), [_mathml(f) for f in node.factors])),
    Sum: lambda node: _mathml_terms(node.terms),
    Applied: _mathml_applied,
    Rows: lambda node: _mtable([_mathml_terms(row, opens_row=True) for row in node.rows]),
}


def _mathml(node: Node) -> str:
    return _MATHML[type(node)](node)


def _joined(separator: str, parts: Sequence[str]) -> list[str]:
    return [piece for k, part in enumerate(parts) for piece in ((separator, part) if k else (part,))]


# ====================================================================== LaTeX
def to_latex(expr: s.Expr, inputs: Inputs, *, limit: float = LINE_WIDTH) -> str:
    r"""The formula as LaTeX maths (no `$` around it). Safe inside Markdown's `$$`: no `<`, `>`, backquote,
    `[`, `]`, `|` or `*`, and a `$` only as `\$`; a long formula is an `aligned` block whose every line
    after the first starts with `&` or `\`, so none can start a Markdown block."""
    return _latex(fit(layout(expr, inputs), limit))


# Characters with a meaning in LaTeX, or in the Markdown around a `$$` block (a label such as
# `[x](javascript:...)` must not turn into a link where maths is not rendered), as maths commands.
_LATEX_SPECIAL = {
    "\\": r"\backslash{}", "_": r"\_", "%": r"\%", "#": r"\#", "&": r"\&", "{": r"\{", "}": r"\}",
    "$": r"\$", "^": r"\hat{}", "~": r"\sim{}", "<": r"\lt{}", ">": r"\gt{}", "[": r"\lbrack{}",
    "]": r"\rbrack{}", "|": r"\vert{}", "`": r"\grave{}", "*": r"\ast{}",
}


def _latex_text(text: str) -> str:
    """Author text as `\\text{}` runs, each special character between them as its maths command."""
    out: list[str] = []
    run = ""
    for char in text:
        if char in _LATEX_SPECIAL:
            out += [f"\\text{{{run}}}" if run else "", _LATEX_SPECIAL[char]]
            run = ""
        else:
            run += char
    return "".join([*out, f"\\text{{{run}}}" if run else ""]) or r"\text{}"


def _latex_number(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(char, char) for char in text)  # `50%` is `50\%`


def _latex_label(node: Label) -> str:
    lines = [_latex_text(line) for line in node.lines]
    base = lines[0] if len(lines) == 1 else r"{\begin{array}{l}" + r" \\ ".join(lines) + r"\end{array}}"
    return f"{base}_{{{_latex_text(PREVIOUS_MARK)}}}" if node.previous else base


_ASCII_NAME = re.compile(r"[A-Za-z]+(?:_[A-Za-z]+)*")  # every function's name: `ratio`, `cohort_mean`
_LATEX_OPERATORS = {_PLUS: "+", _MINUS: "-"}
_LATEX_FUNCTIONS = {s.Function.MIN: r"\min", s.Function.MAX: r"\max"}  # LaTeX's own; others: \operatorname


def _latex_terms(terms: Sequence[Term]) -> str:
    return " ".join((f"{_LATEX_OPERATORS[op]} " if op else "") + _latex(term) for op, term in terms)


def _latex_rows(node: Rows) -> str:
    # `&` first: every line is left-aligned, and none can start a Markdown block (`- x`, `+ x`).
    lines = " \\\\\n".join("&" + _latex_terms(row) for row in node.rows)
    return f"\\begin{{aligned}}\n{lines}\n\\end{{aligned}}"


def _latex_applied(node: Applied) -> str:
    if node.function is s.Function.SQRT and len(node.args) == 1:  # the root sign, as a standard prints it
        return r"\sqrt{" + _latex(node.args[0]) + "}"
    own = _LATEX_FUNCTIONS.get(node.function) if node.function is not None else None
    plain = node.name.replace("_", r"\_") if _ASCII_NAME.fullmatch(node.name) else _latex_text(node.name)
    return (own or f"\\operatorname{{{plain}}}") + r"\left(" + ", ".join(_latex(arg) for arg in node.args) + r"\right)"


_LATEX: Mapping[type, Callable[[Any], str]] = {
    Label: _latex_label,
    Number: lambda node: _latex_number(node.text),
    Fraction: lambda node: f"\\frac{{{_latex(node.numerator)}}}{{{_latex(node.denominator)}}}",
    Fenced: lambda node: f"\\left({_latex(node.inner)}\\right)",
    Signed: lambda node: f"-{_latex(node.operand)}",
    Power: lambda node: f"{{{_latex(node.base)}}}^{{{node.exponent}}}",
    Product: lambda node: r" \cdot ".join(_latex(f) for f in node.factors),
    Sum: lambda node: _latex_terms(node.terms),
    Applied: _latex_applied,
    Rows: _latex_rows,
}


def _latex(node: Node) -> str:
    return _LATEX[type(node)](node)
