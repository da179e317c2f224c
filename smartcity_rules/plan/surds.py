"""Exact real numbers with square roots: the values of formulas that use `sqrt` or `zscore`.

A `Surd` is q0 + q1·√s1 + … + qk·√sk with rational q and integer radicands s > 1, none a
perfect square and no product of two a perfect square. Square roots of distinct square-free
integers are linearly independent over the rationals, so this form is unique: a value is
rational exactly when it has no root terms, and is then its q0. That makes equality decidable,
and a comparison with a rational is decided by narrowing integer-isqrt bounds on each root
until the interval leaves the rational behind (it must, the difference being irrational).
Closed under + − × and division by a rational or by one term q·√s. No float anywhere.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Union

import attrs

Term = tuple[int, Fraction]  # (radicand, coefficient)
Real = Union["Surd", Fraction, int]
_SMALL_SQUARES = tuple(p * p for p in (2, 3, 5, 7, 11, 13))  # pulled out of radicands: shorter text
_FIRST_BITS = 16  # binary digits of the first bounds on each root; doubled until decided


def _square_root(value: int) -> int | None:
    """√value when value is a perfect square, else None."""
    root = math.isqrt(value)
    return root if root * root == value else None


def _add_term(terms: dict[int, Fraction], radicand: int, coefficient: Fraction) -> None:
    """Add coefficient·√radicand (radicand > 1, not a square) into terms, merging it with the one
    radicand it may share a square-free part with (at most one can: their product is no square)."""
    factor, radicand = _canonical_root(radicand)
    coefficient *= factor
    for known in terms:
        root = _square_root(known * radicand)
        if root is not None:  # √r = √(r·k) / √k = (root / k)·√k
            radicand, coefficient = known, coefficient * Fraction(root, known)
            break
    merged = terms.get(radicand, Fraction(0)) + coefficient
    if merged:
        terms[radicand] = merged
    else:
        terms.pop(radicand, None)


def _canonical_root(radicand: int) -> tuple[int, int]:
    """radicand as (factor, rest) with radicand = factor²·rest, small squares pulled out."""
    factor = 1
    for square in _SMALL_SQUARES:
        while radicand % square == 0 and radicand > square:
            radicand //= square
            factor *= math.isqrt(square)
    return factor, radicand


@attrs.frozen(eq=False)  # equality and hash below: a rational Surd equals its Fraction
class Surd:
    """q0 + Σ qi·√si, in the unique form the module docstring describes."""

    rational: Fraction
    terms: tuple[Term, ...] = ()  # radicands ascending, coefficients non-zero

    @staticmethod
    def of(value: Real) -> Surd:
        return value if isinstance(value, Surd) else Surd(Fraction(value))

    @staticmethod
    def _build(rational: Fraction, terms: dict[int, Fraction]) -> Surd:
        return Surd(rational, tuple(sorted(terms.items())))

    @property
    def is_rational(self) -> bool:
        return not self.terms

    @property
    def is_one_term(self) -> bool:
        """q·√s (or a rational): what may divide."""
        return not self.terms or (not self.rational and len(self.terms) == 1)

    # ------------------------------------------------------------ arithmetic
    def __add__(self, other: Real) -> Surd:
        other = Surd.of(other)
        if not other.terms:  # a rational: the terms stay as they are
            return Surd(self.rational + other.rational, self.terms)
        terms = dict(self.terms)
        for radicand, coefficient in other.terms:
            _add_term(terms, radicand, coefficient)
        return Surd._build(self.rational + other.rational, terms)

    __radd__ = __add__

    def __neg__(self) -> Surd:
        return Surd(-self.rational, tuple((r, -c) for r, c in self.terms))

    def __sub__(self, other: Real) -> Surd:
        return self + -Surd.of(other)

    def __rsub__(self, other: Real) -> Surd:
        return Surd.of(other) - self

    def __mul__(self, other: Real) -> Surd:
        other = Surd.of(other)
        if not other.terms or not self.terms:  # by a rational: each coefficient scaled
            factor, scaled = (other.rational, self) if not other.terms else (self.rational, other)
            if not factor:
                return Surd(Fraction(0))
            return Surd(scaled.rational * factor, tuple((r, c * factor) for r, c in scaled.terms))
        rational = self.rational * other.rational
        terms: dict[int, Fraction] = {}
        for mine in ((1, self.rational), *self.terms):
            for theirs in ((1, other.rational), *other.terms):
                coefficient = mine[1] * theirs[1]
                if not coefficient:
                    continue
                if mine[0] == 1 and theirs[0] == 1:
                    continue  # the rational parts, multiplied above
                radicand = mine[0] * theirs[0]
                root = _square_root(radicand)
                if root is not None:
                    rational += coefficient * root
                else:
                    _add_term(terms, radicand, coefficient)
        return Surd._build(rational, terms)

    __rmul__ = __mul__

    def __truediv__(self, other: Real) -> Surd:
        """Division by a rational or by one term q·√s (= multiplying by √s / (q·s)); a zero
        divisor raises ZeroDivisionError, a longer one ValueError (the checker refuses it)."""
        other = Surd.of(other)
        if other.is_rational:
            if not other.rational:
                raise ZeroDivisionError("division by zero")
            return self * Surd(1 / other.rational)
        if not other.is_one_term:
            raise ValueError("a sum of square roots cannot divide")
        radicand, coefficient = other.terms[0]
        return self * Surd(Fraction(0), ((radicand, 1 / (coefficient * radicand)),))

    def __rtruediv__(self, other: Real) -> Surd:
        return Surd.of(other) / self

    def __pow__(self, exponent: int) -> Surd:
        result = Surd(Fraction(1))
        for _ in range(exponent):
            result = result * self
        return result

    # ------------------------------------------------------------ order
    def bounds(self, bits: int) -> tuple[Fraction, Fraction]:
        """An interval holding the value, from each √s bounded within 2^-bits by isqrt."""
        low = high = self.rational
        scale = 1 << bits
        for radicand, coefficient in self.terms:
            floor = math.isqrt(radicand << (2 * bits))
            below, above = Fraction(floor, scale), Fraction(floor + 1, scale)
            if coefficient > 0:
                low, high = low + coefficient * below, high + coefficient * above
            else:
                low, high = low + coefficient * above, high + coefficient * below
        return low, high

    def sign(self) -> int:
        """-1, 0 or 1, exactly: a value with root terms is irrational, so never 0, and the
        bounds separate it from 0 after finitely many doublings."""
        if not self.terms:
            return (self.rational > 0) - (self.rational < 0)
        if len(self.terms) == 1:  # q0 + c·√s, the common case: by squares, no bounds
            (radicand, coefficient), = self.terms
            ahead, root = (self.rational > 0) - (self.rational < 0), 1 if coefficient > 0 else -1
            if ahead in (0, root):
                return root
            return ahead if self.rational**2 > coefficient**2 * radicand else root  # never equal
        bits = _FIRST_BITS
        while True:
            low, high = self.bounds(bits)
            if low > 0:
                return 1
            if high < 0:
                return -1
            bits *= 2

    def _compare(self, other: Real) -> int:
        return (self - other).sign()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, int | Fraction):
            return not self.terms and self.rational == other
        if isinstance(other, Surd):
            return self.rational == other.rational and self.terms == other.terms
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.rational) if not self.terms else hash((self.rational, self.terms))

    def __lt__(self, other: Real) -> bool:
        return self._compare(other) < 0

    def __le__(self, other: Real) -> bool:
        return self._compare(other) <= 0

    def __gt__(self, other: Real) -> bool:
        return self._compare(other) > 0

    def __ge__(self, other: Real) -> bool:
        return self._compare(other) >= 0

    def floor(self) -> int:
        """The largest whole number at or below the value, exactly."""
        if not self.terms:
            return math.floor(self.rational)
        if len(self.terms) == 1:
            return self._floor_one_term()
        bits = _FIRST_BITS
        low, high = self.bounds(bits)
        while high - low >= 1:  # narrow until at most one whole number lies inside
            bits *= 2
            low, high = self.bounds(bits)
        candidate = math.floor(high)
        return candidate if self >= candidate else candidate - 1

    def _floor_one_term(self) -> int:
        """floor((P + C·√s) / D) in whole numbers: with M = C²·s (no square), P + √M lies
        strictly between P + isqrt(M) and the next whole number, and so does its floor over D."""
        (radicand, coefficient), = self.terms
        common = math.lcm(self.rational.denominator, coefficient.denominator)
        top = self.rational.numerator * (common // self.rational.denominator)
        factor = coefficient.numerator * (common // coefficient.denominator)
        root = math.isqrt(factor * factor * radicand)
        return (top + root) // common if factor > 0 else (top - root - 1) // common

    def ceil(self) -> int:
        return -(-self).floor()

    def __str__(self) -> str:
        parts = [str(self.rational)] if self.rational or not self.terms else []
        for radicand, coefficient in self.terms:
            factor = "" if coefficient == 1 else "-" if coefficient == -1 else f"{coefficient}·"
            parts.append(f"{factor}√{radicand}")
        return " + ".join(parts).replace("+ -", "- ")


def square_root(value: Fraction) -> Surd:
    """√value for a rational value ≥ 0: √(n/d) = √(n·d) / d; ValueError below 0."""
    if value < 0:
        raise ValueError("a square root of a negative number")
    radicand, denominator = value.numerator * value.denominator, value.denominator
    root = _square_root(radicand)
    if root is not None:
        return Surd(Fraction(root, denominator))
    terms: dict[int, Fraction] = {}
    _add_term(terms, radicand, Fraction(1, denominator))
    return Surd._build(Fraction(0), terms)
