"""Renders formulas and rating requirements as text, with input names or with the values put in."""

from __future__ import annotations

from collections.abc import Callable

from . import syntax as s
from .numbers import fmt

_PRECEDENCE = {s.BinaryOp.ADD: 1, s.BinaryOp.SUB: 1, s.BinaryOp.MUL: 2, s.BinaryOp.DIV: 2}

Substitute = Callable[[str, bool], str | None]


def render(expr: s.Expr, substitute: Substitute | None = None) -> str:
    """The formula as text; `substitute(name, previous)` may replace an input by its value."""
    return _render(expr, substitute, 0, False)


def _name(name: str, previous: bool, substitute: Substitute | None) -> str:
    shown = substitute(name, previous) if substitute is not None else None
    if shown is not None:
        return shown
    return f"previous({name})" if previous else name


def _item(name: str, previous: bool, substitute: Substitute | None) -> str:
    """A checklist item keeps its name when its value is put in: `plan (yes)`."""
    shown = substitute(name, previous) if substitute is not None else None
    label = f"previous({name})" if previous else name
    return label if shown is None else f"{label} ({shown})"


def _render(expr: s.Expr, sub: Substitute | None, outer: int, previous: bool) -> str:
    if isinstance(expr, s.Literal):
        return expr.text
    if isinstance(expr, s.Ref):
        return _name(expr.name, previous, sub)
    if isinstance(expr, s.Neg):
        return "-" + _render(expr.operand, sub, 3, previous)
    if isinstance(expr, s.Power):
        return f"{_render(expr.base, sub, 4, previous)} ^ {expr.exponent}"
    if isinstance(expr, s.Binary):
        mine = _PRECEDENCE[expr.op]
        # The right side of - and / binds tighter, so a - (b - c) keeps its parentheses.
        right_outer = mine + 1 if expr.op in (s.BinaryOp.SUB, s.BinaryOp.DIV) else mine
        text = (f"{_render(expr.left, sub, mine, previous)} {expr.op.value} "
                f"{_render(expr.right, sub, right_outer, previous)}")
        return f"({text})" if mine < outer else text
    if isinstance(expr, s.Weighted):
        parts = ", ".join(f"{p.weight.text}: {_render(p.expr, sub, 0, previous)}" for p in expr.parts)
        return f"weighted {{ {parts} }}"
    if isinstance(expr, s.Checklist):
        items = ", ".join(f"{_item(i.name, previous, sub)}: {i.points.text}" for i in expr.items)
        return f"checklist {{ {items} }}"
    assert isinstance(expr, s.Call)
    if expr.function == "previous":
        return _render(expr.args[0], sub, outer, True)
    args = ", ".join(_render(a, sub, 0, previous) for a in expr.args)
    return f"{expr.function}({args})"


def requirement_text(req: s.Requirement, *, by_value: bool = False) -> str:
    """A rating requirement as written, e.g. `indicator 12 >= 4 stars`; `by_value` writes
    each number by its value, so `50%` and `0.5` read alike (to compare editions)."""
    def number(literal: s.Literal) -> str:
        return fmt(literal.value) if by_value else literal.text

    op = req.compare.value
    if isinstance(req, s.TotalRequirement):
        return f"total {op} {number(req.threshold)}"
    if isinstance(req, s.LeadingRequirement):
        return f"every leading {op} {number(req.stars)} stars"
    if isinstance(req, s.IndicatorRequirement):
        measure = "" if req.measure is s.Measure.VALUE else f" {req.measure.value}"
        return f"indicator {req.code} {op} {number(req.threshold)}{measure}"
    return f'group "{req.group}" {op} {number(req.points)} points'


def table_text(table: s.Table) -> str:
    """A point table's rows as written, e.g. `>= 97%: 100; >= 93% and < 97%: 95; < 93%: 60`."""
    def row(r: s.TableRow) -> str:
        bounds = ([] if r.low is None else [(">= " if r.low_closed else "> ") + r.low.text]) + (
            [] if r.high is None else [("<= " if r.high_closed else "< ") + r.high.text])
        return " and ".join(bounds) + f": {r.points.text}"
    return "; ".join(row(r) for r in table.rows)


def bands_text(bands: s.StarBands) -> str:
    """Star bands as written, e.g. `at least 50%, 60%, 70%, 80%, 90%`."""
    return f"{bands.rule.value} " + ", ".join(t.text for t in bands.thresholds)
