"""Exact rationals a column at a time: numerator and denominator arrays, int64 where it is safe.

A column is int64 only while a range check over its actual values (per batch) proves that
the next operation cannot overflow; otherwise both arrays become object arrays of Python
ints, slower but exact. Nothing here rounds: an operation either fits or is widened.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import attrs
import numpy as np

Array = Any  # a numpy array: numpy's own annotations do not tell int64 from object arrays
LIMIT = 2**62  # every int64 result stays below this in magnitude, sums of two included


def bound(values: Array) -> int:
    """The largest magnitude in an array, as a Python int (0 for an empty one)."""
    if values.size == 0:
        return 0
    return int(max(abs(int(values.max())), abs(int(values.min()))))


def wide(values: Array) -> Array:
    """An array of Python ints with the same values."""
    return values if values.dtype == object else values.astype(object)


@attrs.frozen
class Exact:
    """num / den per row, den > 0; 0-d arrays stand for a constant in every row."""

    num: Array
    den: Array

    @staticmethod
    def constant(value: Fraction) -> Exact:
        return Exact(_scalar(value.numerator), _scalar(value.denominator))

    @staticmethod
    def whole(values: Array) -> Exact:
        return Exact(values, np.array(1, dtype=np.int64))

    @property
    def narrow(self) -> bool:
        return bool(self.num.dtype != object and self.den.dtype != object)

    def bounds(self) -> tuple[int, int]:
        return bound(self.num), bound(self.den)

    def where(self, rows: Array, other: Exact) -> Exact:
        """This value in `rows`, the other elsewhere."""
        if rows.ndim and rows.all():
            return self
        return Exact(*(_where(rows, a, b) for a, b in ((self.num, other.num), (self.den, other.den))))

    def pairs(self, rows: int) -> list[tuple[int, int]]:
        """Python (num, den) pairs, one a row."""
        num = np.broadcast_to(self.num, (rows,)).tolist()
        den = np.broadcast_to(self.den, (rows,)).tolist()
        return list(zip(map(int, num), map(int, den)))


def _scalar(value: int) -> Array:
    return np.array(value, dtype=np.int64 if abs(value) < LIMIT else object)


def _where(rows: Array, a: Array, b: Array) -> Array:
    if a.dtype == object or b.dtype == object:
        return np.where(rows, wide(a), wide(b))
    return np.where(rows, a, b)


def product(a: Array, b: Array) -> Array:
    """a * b elementwise, in int64 when the bounds prove it fits (narrower arrays, such as
    int16 points, are computed in int64 too, never in their own width)."""
    if a.dtype != object and b.dtype != object:
        if _one(b) and a.dtype == np.int64:
            return a
        if _one(a) and b.dtype == np.int64:
            return b
        if bound(a) * bound(b) < LIMIT:
            return np.multiply(a, b, dtype=np.int64)
    return wide(a) * wide(b)


def _one(value: Array) -> bool:
    """Whether an array is the constant 1 (a factor that changes nothing)."""
    return bool(value.ndim == 0 and value == 1)


def total(a: Array, b: Array) -> Array:
    """a + b elementwise, in int64 when the bounds prove it fits."""
    if a.dtype != object and b.dtype != object and bound(a) + bound(b) < LIMIT:
        return np.add(a, b, dtype=np.int64)
    return wide(a) + wide(b)


def negate(value: Exact) -> Exact:
    return Exact(-wide(value.num) if bound(value.num) >= LIMIT else -value.num, value.den)


def add(a: Exact, b: Exact, subtract: bool = False) -> Exact:
    right = negate(b) if subtract else b
    if a.den is b.den or (a.den.ndim == 0 and b.den.ndim == 0 and int(a.den) == int(b.den)):
        return Exact(total(a.num, right.num), a.den)
    return Exact(total(product(a.num, b.den), product(right.num, a.den)), product(a.den, b.den))


def multiply(a: Exact, b: Exact) -> Exact:
    return Exact(product(a.num, b.num), product(a.den, b.den))


def divide(a: Exact, b: Exact) -> tuple[Exact, Array]:
    """a / b, and the rows where b is zero (their value is a / 1, to be discarded)."""
    zero = b.num == 0
    divisor = Exact(np.where(zero, 1, b.num) if b.num.ndim else (b.num if int(b.num) else _scalar(1)), b.den)
    num, den = product(a.num, divisor.den), product(a.den, divisor.num)
    negative = den < 0
    if np.any(negative):
        num, den = np.where(negative, -num, num), np.where(negative, -den, den)
    return Exact(num, den), zero


def above(a: Exact, b: Exact) -> Array:
    """a > b per row, exactly."""
    return np.asarray(product(a.num, b.den) > product(b.num, a.den), dtype=bool)


def floor_scaled(value: Exact, scale: int) -> Array:
    """floor(value * scale) per row."""
    return np.asarray(product(value.num, _scalar(scale)) // value.den)


def ceil_scaled(value: Exact, scale: int) -> Array:
    """ceil(value * scale) per row."""
    return np.asarray(-(product(-value.num if value.narrow else -wide(value.num), _scalar(scale)) // value.den))


def search(thresholds: Sequence[int], keys: Array, right: bool) -> Array:
    """bisect over ascending whole-number thresholds for every key, exactly."""
    if keys.dtype != object and all(abs(t) < LIMIT for t in thresholds):
        # bisect_right counts the thresholds at or below the key, bisect_left those below it:
        # a few comparisons a row beat a binary search over five thresholds
        found = np.zeros(keys.shape, dtype=np.int8)
        for threshold in thresholds:
            found += (keys >= threshold) if right else (keys > threshold)
        return found
    find = bisect.bisect_right if right else bisect.bisect_left
    return np.array([find(thresholds, int(k)) for k in np.atleast_1d(keys).tolist()], dtype=np.int64)
