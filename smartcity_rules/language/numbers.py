"""Exact numbers as text: what results, messages and documents print for a Fraction."""

from __future__ import annotations

import decimal
import functools
import math
from fractions import Fraction


def digits(number: int) -> str:
    """An int as text, whatever its size: str() refuses ints over 4,300 digits (a guard
    against slow conversion), and Decimal writes them out exactly."""
    return str(number) if number.bit_length() < 14_000 else str(decimal.Decimal(number))


def ratio(value: Fraction | int) -> str:
    """An exact number as the standard writes a fraction: whole, or `a/b`, whatever its size."""
    value = Fraction(value)
    if value.denominator == 1:
        return digits(value.numerator)
    return f"{digits(value.numerator)}/{digits(value.denominator)}"


def fmt(value: Fraction | int) -> str:
    """An exact number as text: whole, a terminating decimal written out in full, or `a/b`."""
    if type(value) is int:
        return digits(value)
    if not isinstance(value, Fraction):
        value = Fraction(value)
    return fmt_pair(value.numerator, value.denominator)


@functools.lru_cache(maxsize=1 << 14)  # results print the same points and maxima over and over
def fmt_pair(num: int, den: int) -> str:
    """fmt() of num/den in lowest terms, den > 0: read from the ints, no Fraction built."""
    if den == 1:
        return digits(num)
    twos = (den & -den).bit_length() - 1
    rest = den >> twos
    fives = 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return f"{digits(num)}/{digits(den)}"
    places = max(twos, fives)
    shown = digits(abs(num) * 10**places // den).rjust(places + 1, "0")
    return f"{'-' if num < 0 else ''}{shown[:-places]}.{shown[-places:]}"


def fmt_ratio(num: int, den: int) -> str:
    """fmt() of any num/den with den > 0, as result columns hold values: reduced by one gcd."""
    common = math.gcd(num, den)
    return fmt_pair(num // common, den // common)
