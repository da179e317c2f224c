"""How numbers are shown to people: percentages where the author wrote them, exact
where short, rounded and marked ≈ where not. Shared by reports, ratings and tools."""

from __future__ import annotations

from fractions import Fraction

from ..language.check import ScoredIndicator
from ..language.numbers import fmt


def is_percentage(item: ScoredIndicator) -> bool:
    """Whether to show an indicator's value as a percentage: its author wrote the
    star thresholds as percentages."""
    return item.bands is not None and any(t.text.endswith("%") for t in item.bands.thresholds)


def show_number(value: Fraction | None, percent: bool = False, digits: int = 4) -> str:
    """A value for a table: exact where short, else `digits` significant digits (marked ≈)."""
    if value is None:
        return "n/a"
    if percent:
        value = value * 100
    suffix = "%" if percent else ""
    exact = fmt(value)
    if "/" not in exact and len(exact.replace("-", "").replace(".", "").lstrip("0")) <= digits:
        return exact + suffix
    magnitude = len(fmt(abs(int(value)))) if abs(value) >= 1 else 0
    places = max(0, digits - magnitude)
    if abs(value) < 1 and value != 0:
        places = digits - 1 + _leading_zeros(abs(value))
    return f"≈{fmt(round(value, places))}{suffix}"


def _leading_zeros(value: Fraction) -> int:
    """Zeros after the decimal point before the first significant digit of 0 < value < 1."""
    zeros = 0
    while value * 10 < 1:
        value *= 10
        zeros += 1
    return zeros + 1
