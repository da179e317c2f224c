"""How numbers are shown to people: percentages where the author wrote them, exact
where short, rounded and marked ≈ where not. Shared by reports, ratings and tools."""

from __future__ import annotations

import functools
import math
from fractions import Fraction

from ..language.check import ScoredIndicator
from ..language.numbers import digits as int_text
from ..language.numbers import fmt_pair


def is_percentage(item: ScoredIndicator) -> bool:
    """Whether to show an indicator's value as a percentage: its author wrote the
    star thresholds as percentages."""
    return item.bands is not None and any(t.text.endswith("%") for t in item.bands.thresholds)


def show_number(value: Fraction | None, percent: bool = False, digits: int = 4) -> str:
    """A value for a table: exact where short, else `digits` significant digits (marked ≈).

    Integer arithmetic on the numerator and denominator throughout: ratings write such a
    number for every requirement of every entity, and Fraction arithmetic would cost more
    than the scoring."""
    if value is None:
        return "n/a"
    return show_pair(value.numerator, value.denominator, percent, digits)


@functools.lru_cache(maxsize=1 << 14)  # a rating's report shows the same few values over and over
def show_pair(num: int, den: int, percent: bool = False, digits: int = 4) -> str:
    """show_number() of num/den in lowest terms (den > 0), without a Fraction."""
    if percent:
        common = math.gcd(num * 100, den)
        num, den = num * 100 // common, den // common
    suffix = "%" if percent else ""
    if _terminates(den):  # else fmt_pair writes `a/b`, never shown: no text made to look at
        exact = fmt_pair(num, den)
        if len(exact.replace("-", "").replace(".", "").lstrip("0")) <= digits:
            return exact + suffix
    whole = abs(num) // den
    places = max(0, digits - len(str(whole))) if whole else 0
    if not whole and num:
        places = digits - 1 + _first_digit(abs(num), den)
    return f"≈{_decimal(_round_half_even(num, den, places), places)}{suffix}"


@functools.lru_cache(maxsize=1 << 10)  # a cohort's values have few denominators (their wholes)
def _terminates(den: int) -> bool:
    """Whether 1/den (den > 0) is a terminating decimal: den has no prime factor but 2 and 5."""
    rest = den >> ((den & -den).bit_length() - 1)
    while rest % 5 == 0:
        rest //= 5
    return rest == 1


def _first_digit(num: int, den: int) -> int:
    """The decimal place of the first significant digit of 0 < num/den < 1 (1 for 0.1 to 0.9...)."""
    place = 1
    while num * 10**place < den:
        place += 1
    return place


def _round_half_even(num: int, den: int, places: int) -> int:
    """round(num/den, places) as Python rounds a Fraction (ties to even), times 10**places."""
    scale: int = 10**places  # an int: places >= 0 (typeshed types an int power as Any)
    quotient, remainder = divmod(num * scale, den)
    if 2 * remainder > den or (2 * remainder == den and quotient % 2):
        quotient += 1
    return quotient


def _decimal(scaled: int, places: int) -> str:
    """fmt_pair() of scaled / 10**places, written from the digits without reducing the fraction:
    the integer part, then the places' digits without their trailing zeros (fmt_pair writes a
    terminating decimal with just as many places as its lowest terms need)."""
    if not places:
        return int_text(scaled)
    text = int_text(abs(scaled)).rjust(places + 1, "0")
    head, tail = text[:-places], text[-places:].rstrip("0")
    sign = "-" if scaled < 0 else ""
    return f"{sign}{head}.{tail}" if tail else f"{sign}{head}"
