"""Hypothesis strategies that generate valid statistics for any loaded standard."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules import syntax as s
from smartcity_rules.check import walk

MAX_COUNT = 10**6


def _previous_inputs(standard: scr.Standard) -> set[str]:
    """Inputs read for the previous period (under growth() or previous())."""
    names: set[str] = set()
    for item in standard.checked.indicators:
        assert item.syntax.value is not None
        for node in walk(item.syntax.value):
            if isinstance(node, s.Call) and node.function in ("growth", "previous"):
                names |= {n.name for n in walk(node.args[0]) if isinstance(n, s.Ref)}
    return names


def _spellings(value: Fraction, whole: bool) -> st.SearchStrategy[Any]:
    """The same exact number as the kinds of value a caller might pass."""
    options: list[Any] = [value]
    if whole:
        options += [int(value), str(int(value))]
    if (value * 100).denominator == 1:
        text = str(Decimal(value.numerator) / Decimal(value.denominator))
        options += [text, Decimal(text), float(text)]
    return st.sampled_from(options)


@st.composite
def _value(draw: st.DrawFn, decl: s.InputDecl, whole: Fraction | None) -> Any:
    kind = decl.kind
    if kind is s.Kind.FLAG:
        return draw(st.sampled_from([True, False, "yes", "no", "是", "否"]))
    if kind in (s.Kind.COUNT, s.Kind.RANK):
        low = 1 if kind is s.Kind.RANK else 0
        high = MAX_COUNT if whole is None else int(whole)
        return draw(_spellings(Fraction(draw(st.integers(low, max(low, high)))), True))
    if kind is s.Kind.RATE:
        top = 1 if whole is None else whole
        return draw(_spellings(Fraction(draw(st.integers(0, 1000))) / 1000 * top, False))
    if kind is s.Kind.SCORE:
        assert decl.score_range is not None
        low, high = (lit.value for lit in decl.score_range)
        return draw(_spellings(low + (high - low) * Fraction(draw(st.integers(0, 100)), 100), False))
    top = Fraction(10**7) if whole is None else whole
    cents = draw(st.integers(0, int(top * 100)))
    return draw(_spellings(Fraction(cents, 100), False))


@st.composite
def records(draw: st.DrawFn, standard: scr.Standard, entity: str = "X") -> dict[str, Any]:
    """One entity's complete, valid statistics: every domain and `part of` respected."""
    inputs = standard.checked.inputs
    previous = _previous_inputs(standard)
    record: dict[str, Any] = {"entity": entity}
    for suffix in ("", "@previous"):
        done: dict[str, Fraction] = {}

        def fill(name: str, suffix: str = suffix, done: dict[str, Fraction] = done) -> Fraction:
            if name not in done:
                decl = inputs[name]
                whole = fill(decl.part_of) if decl.part_of is not None else None
                raw = draw(_value(decl, whole))
                record[name + suffix] = raw
                done[name] = Fraction(int(raw in (True, "yes", "是"))) if decl.kind is s.Kind.FLAG else \
                    scr.runtime.exact(raw)  # type: ignore[attr-defined]
            return done[name]

        for name in inputs:
            if suffix == "" or name in previous or any(
                    inputs[p].part_of == name for p in previous):
                fill(name)
    return record


@st.composite
def cohorts(draw: st.DrawFn, standard: scr.Standard, min_size: int = 1, max_size: int = 6) -> list[dict[str, Any]]:
    size = draw(st.integers(min_size, max_size))
    return [draw(records(standard, entity=f"E{i}")) for i in range(size)]
