"""Square roots for the reference, from docs/language.md §5 (*Square roots*), with sympy.

A value with a root is a sympy expression kept in one canonical form (expanded, denominators
rationalised: a rational plus rational multiples of roots of square-free integers), so it is
0 exactly when it is the number 0; a value without one stays a Fraction. Signs of nonzero
values are read from 100 digits, enough for any value a test builds (they are at most a few
hundred times a square root of a small number away from a rational with small terms).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy

Value = Any  # a Fraction, or a sympy expression holding a square root
DIGITS = 100


def canon(value: Value) -> Value:
    """The canonical form; a rational comes back as a Fraction."""
    if isinstance(value, int | Fraction):
        return Fraction(value)
    form = sympy.expand(value)  # sympy writes 1/√n as √n/n itself; a sum below a line it leaves
    if not sympy.denom(form).is_Rational:
        form = sympy.expand(sympy.radsimp(form))
    if form.is_Rational:
        return Fraction(int(form.p), int(form.q))
    return form


def root(value: Fraction) -> Value:
    """√value for value ≥ 0 (the caller refuses a negative one)."""
    return canon(sympy.sqrt(sympy.Rational(value.numerator, value.denominator)))


def sign(value: Value) -> int:
    value = canon(value)
    if isinstance(value, Fraction):
        return (value > 0) - (value < 0)
    digits = sympy.N(value, DIGITS)
    assert digits != 0, value  # an irrational in canonical form is never 0
    return 1 if digits > 0 else -1


def compare(actual: Value, op: str, target: Value) -> bool:
    difference = sign(actual - target)
    return {">=": difference >= 0, ">": difference > 0, "<=": difference <= 0, "<": difference < 0}[op]


def is_root(value: Value) -> bool:
    return not isinstance(value, int | Fraction)


def floor(value: Value) -> int:
    """The largest whole number at or below the value, exactly."""
    value = canon(value)
    if isinstance(value, Fraction):
        return value.numerator // value.denominator
    guess = int(sympy.floor(sympy.N(value, DIGITS)))
    while compare(value, "<", guess):
        guess -= 1
    while compare(value, ">=", guess + 1):
        guess += 1
    return guess


def shown(value: Value, decimals: int, mode: str) -> Fraction:
    """§5: an irrational value rounded to its declared precision by its mode, decided exactly
    (an irrational is never at a half, so both half modes take the nearest)."""
    scale = 10**decimals
    magnitude = canon(abs(value) * scale) if is_root(value) else abs(Fraction(value)) * scale
    whole = floor(magnitude)
    if mode != "truncate":
        rest = canon(magnitude - whole)
        if compare(rest, ">", Fraction(1, 2)) or (
                rest == Fraction(1, 2) and (mode == "half up" or whole % 2 == 1)):
            whole += 1
    return Fraction(whole if sign(value) >= 0 else -whole, scale)


def zscore(own: Fraction, peers: list[Fraction]) -> Value | None:
    """(own − mean) / sd with sd the sample standard deviation (n − 1); None for a zero sd
    (a cohort of one, or all values equal)."""
    if len(peers) < 2:
        return None
    mean = sum(peers, Fraction(0)) / len(peers)
    variance = sum(((v - mean) ** 2 for v in peers), Fraction(0)) / (len(peers) - 1)
    if variance == 0:
        return None
    return canon(sympy.Rational((own - mean).numerator, (own - mean).denominator) / root(variance))
