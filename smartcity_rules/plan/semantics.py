"""Exact arithmetic, input coercion and scoring rules that compiled standards call.

Everything generated code may touch is listed in EXPORTS; the meaning of each
operation lives here once.
"""

from __future__ import annotations

import bisect
import decimal
import math
import re
from fractions import Fraction
from typing import Any, NoReturn

from ..language.errors import InvalidValue, MissingInput, ZeroDenominator
from ..language.numbers import fmt
from ..language.syntax import Kind

MISSING: Any = object()
# Bounds on numbers written as text, so that "1e999999999" is an error, not an hour of arithmetic.
MAX_EXPONENT = 400
MAX_DIGITS = 1000
Number = int | Fraction

_DECIMAL = re.compile(r"\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(%?)\s*")
# Thousands separators are accepted only where they group thousands: "1,234.5", never "1,5".
_FRACTION = re.compile(r"\s*([+-]?\d+)\s*/\s*(\d+)\s*")  # "2/3": what fmt() writes for 2/3
_GROUPED = re.compile(r"\s*[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?\s*%?\s*")
_YES = frozenset({"yes", "y", "true", "t", "1", "是", "有", "√", "✓"})
_NO = frozenset({"no", "n", "false", "f", "0", "否", "无", "×", "✗"})
_KIND_WORDS = {
    Kind.COUNT: "a whole number of at least 0",
    Kind.MONEY: "an amount of money of at least 0",
    Kind.AREA: "an area of at least 0",
    Kind.LENGTH: "a length of at least 0",
    Kind.MEASURE: "a measurement of at least 0",
    Kind.RATE: "a rate from 0 to 1 (or a string such as \"85%\")",
    Kind.FLAG: "yes or no (true/false)",
    Kind.SCORE: "a score within its range",
    Kind.RANK: "a rank: a whole number of at least 1",
}


class ZeroSignal(Exception):
    """Raised inside an indicator's code when a denominator is zero; the indicator's
    declared policy decides what it means."""

    def __init__(self, input: str | None) -> None:
        self.input = input


def zero(input: str | None) -> NoReturn:
    raise ZeroSignal(input)


def zero_error(signal: ZeroSignal, entity: str | None, indicator: int) -> ZeroDenominator:
    what = f"`{signal.input}` is 0" if signal.input else "a denominator is 0"
    return ZeroDenominator(f"division by zero: {what}", entity=entity, indicator=indicator, input=signal.input)


def exact(raw: Any) -> Fraction:
    """An exact rational from a number or a numeric string; floats by their shortest decimal.

    0.9 means nine tenths here, not the binary float nearest to it: that is what the
    person who typed it meant, and it makes thresholds land where they should.
    """
    if isinstance(raw, bool):
        raise TypeError("a yes/no value is not a number")
    if isinstance(raw, int):
        return Fraction(raw)
    if isinstance(raw, Fraction):
        return raw
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueError(f"{raw} is not a finite number")
        return Fraction(repr(raw))
    if isinstance(raw, decimal.Decimal):
        if not raw.is_finite():
            raise ValueError(f"{raw} is not a finite number")
        if abs(raw.adjusted()) > MAX_EXPONENT:
            raise ValueError(f"{raw} is out of range")
        return Fraction(raw)
    if isinstance(raw, str):
        fraction = _FRACTION.fullmatch(raw)
        if fraction is not None and len(raw) <= MAX_DIGITS:
            if int(fraction.group(2)) == 0:
                raise ValueError(f"{raw!r} divides by zero")
            return Fraction(int(fraction.group(1)), int(fraction.group(2)))
        text = raw.replace(",", "") if _GROUPED.fullmatch(raw) else raw
        match = _DECIMAL.fullmatch(text)
        if match is None or len(raw) > MAX_DIGITS:
            raise ValueError(f"{raw[:40]!r} is not a number")
        exponent = match.group(1).lower().partition("e")[2]
        if exponent and abs(int(exponent)) > MAX_EXPONENT:
            raise ValueError(f"{raw!r} is out of range")
        value = Fraction(match.group(1))
        return value / 100 if match.group(2) else value
    raise TypeError(f"{type(raw).__name__} is not a number")


def _flag(raw: Any) -> int:
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, int) and raw in (0, 1):
        return raw
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in _YES:
            return 1
        if word in _NO:
            return 0
    raise ValueError(f"{raw!r} is not yes or no")


def exact_pair(raw: Any) -> tuple[int, int]:
    """exact() as a (numerator, denominator > 0) pair, not necessarily in lowest terms.

    Floats take a fast path: their shortest repr, read as a decimal, with no gcd.
    """
    if type(raw) is float and math.isfinite(raw):
        text = repr(raw)
        if "e" not in text:
            whole, _, digits = text.partition(".")
            return int(whole + digits), 10 ** len(digits)
    value = exact(raw)
    return value.numerator, value.denominator


def _checked_pair(kind: Kind, raw: Any, where: dict[str, Any]) -> tuple[int, int]:
    if raw is MISSING or raw is None:
        raise MissingInput("no value given", **where)
    try:
        if kind is Kind.FLAG:
            return _flag(raw), 1
        return exact_pair(raw)
    except (TypeError, ValueError) as error:
        raise InvalidValue(f"{error}; expected {_KIND_WORDS[kind]}", **where) from None


def coerce_pair(kind: Kind, raw: Any, name: str, entity: str | None, indicator: int | None,
                low: Fraction | None = None, high: Fraction | None = None) -> tuple[int, int]:
    """Check and convert one reported statistic to an exact (numerator, denominator) pair.

    The generated code's slow path: it handles ints of the right range itself.
    """
    if type(raw) is float and kind is not Kind.FLAG and raw >= 0 and raw != math.inf:
        # The common case of data parsed from JSON, kept short: a float in range.
        text = repr(raw)
        if "e" not in text and (kind is not Kind.RATE or raw <= 1) and low is None:
            whole, _, digits = text.partition(".")
            if kind not in (Kind.COUNT, Kind.RANK) or digits == "0":
                return int(whole + digits), 10 ** len(digits)
    where: dict[str, Any] = {"entity": entity, "indicator": indicator, "input": name}
    num, den = _checked_pair(kind, raw, where)
    if kind is Kind.FLAG:
        return num, den
    if num < 0:
        raise InvalidValue(f"{raw!r} is negative; expected {_KIND_WORDS[kind]}", **where)
    if kind in (Kind.COUNT, Kind.RANK) and num % den:
        raise InvalidValue(f"{raw!r} is not a whole number; expected {_KIND_WORDS[kind]}", **where)
    if kind is Kind.RANK and num < den:
        raise InvalidValue(f"{raw!r} is below 1; expected {_KIND_WORDS[kind]}", **where)
    if kind is Kind.RATE and num > den:
        raise InvalidValue(f"{raw!r} is above 100%; give a rate as 0.85 or \"85%\"", **where)
    if low is not None and high is not None and not low <= Fraction(num, den) <= high:
        raise InvalidValue(f"{raw!r} is outside the score range {fmt(low)} to {fmt(high)}", **where)
    return num, den


def coerce_int(kind: Kind, raw: Any, name: str, entity: str | None, indicator: int | None) -> int:
    """coerce_pair() for counts, ranks and yes/no: always a whole number."""
    num, den = coerce_pair(kind, raw, name, entity, indicator)
    return num // den


def part_above_whole(part: str, whole: str, part_value: Any, whole_value: Any,
                     entity: str | None, indicator: int | None) -> InvalidValue:
    return InvalidValue(
        f"{fmt(exact(part_value))} is above its whole `{whole}` = {fmt(exact(whole_value))}",
        entity=entity, indicator=indicator, input=part,
    )


def ratio_above(part: str, whole: str, part_value: Any, whole_value: Any,
                entity: str | None, indicator: int | None) -> InvalidValue:
    """ratio(part, whole) met a part larger than its whole."""
    return InvalidValue(
        f"ratio({part}, {whole}): the part, {fmt(exact(part_value))}, is above the whole, "
        f"{fmt(exact(whole_value))}", entity=entity, indicator=indicator, input=part)


def round_half_up(value: Fraction, decimals: int | None) -> Fraction:
    """Round half away from zero to `decimals` places; None keeps the value exact."""
    if decimals is None:
        return value
    scale = 10**decimals
    scaled = abs(value) * scale
    whole = int(scaled)
    if scaled - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if value >= 0 else -whole, scale)


def linear_points(num: int, den: int, low: Fraction, high: Fraction, maximum: Fraction,
                  decimals: int | None) -> Fraction:
    """maximum x the value's position between low and high, capped to [0, 1]."""
    position = (Fraction(num, den) - low) / (high - low)
    position = min(max(position, Fraction(0)), Fraction(1))
    return round_half_up(maximum * position, decimals)


def deduction_points(num: int, den: int, each: Fraction, cap: Fraction, decimals: int | None) -> Fraction:
    """Points off: each x the value, at most the cap; never a bonus."""
    off = min(max(each * Fraction(num, den), Fraction(0)), cap)
    return -round_half_up(off, decimals)


EXPORTS: dict[str, Any] = {
    "_MISSING": MISSING,
    "_coerce_pair": coerce_pair,
    "_coerce_int": coerce_int,
    "_zero": zero,
    "_ZeroSignal": ZeroSignal,
    "_zero_error": zero_error,
    "_part_above": part_above_whole,
    "_ratio_above": ratio_above,
    "_linear": linear_points,
    "_deduct": deduction_points,
    "_Fraction": Fraction,
    "_bisect_right": bisect.bisect_right,
    "_bisect_left": bisect.bisect_left,
    "_Kind": Kind,
}
