"""Exact numbers as text: what results, messages and documents print for a Fraction."""

from __future__ import annotations

import decimal
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
    value = Fraction(value)
    num, den = value.numerator, value.denominator
    if den == 1:
        return digits(num)
    twos = fives = 0
    rest = den
    while rest % 2 == 0:
        rest //= 2
        twos += 1
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest != 1:
        return f"{digits(num)}/{digits(den)}"
    places = max(twos, fives)
    shown = digits(abs(num) * 10**places // den).rjust(places + 1, "0")
    return f"{'-' if num < 0 else ''}{shown[:-places]}.{shown[-places:]}"
