"""Exact rationals a column at a time: numerator and denominator arrays, int64 where it is safe.

A column is int64 only while a range check over its actual values (per batch) proves that
the next operation cannot overflow; otherwise both arrays become object arrays of Python
ints, slower but exact. Nothing here rounds: an operation either fits or is widened.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import attrs
import numpy as np

Array = Any  # a numpy array: numpy's own annotations do not tell int64 from object arrays
LIMIT = 2**62  # every int64 result stays below this in magnitude, sums of two included


class Overflow(Exception):
    """An operation asked to stay in int64 (`narrow`) would leave it: the caller takes
    another exact path (for star points, floats checked near every threshold)."""


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


@functools.lru_cache(maxsize=1024)
def _scalar(value: int) -> Array:
    """A constant as a 0-d array, one read-only array per value: the same object each time,
    so operations can tell equal denominators by identity."""
    found = np.array(value, dtype=np.int64 if abs(value) < LIMIT else object)
    found.setflags(write=False)
    return found


def _where(rows: Array, a: Array, b: Array) -> Array:
    if a.dtype == object or b.dtype == object:
        return np.where(rows, wide(a), wide(b))
    return np.where(rows, a, b)


def product(a: Array, b: Array, narrow: bool = False) -> Array:
    """a * b elementwise, in int64 when the bounds prove it fits (narrower arrays, such as
    int16 points, are computed in int64 too, never in their own width), else in Python ints,
    or with `narrow` not at all (Overflow)."""
    if a.dtype != object and b.dtype != object:
        if _one(b) and a.dtype == np.int64:
            return a
        if _one(a) and b.dtype == np.int64:
            return b
        if bound(a) * bound(b) < LIMIT:
            return np.multiply(a, b, dtype=np.int64)
    if narrow:
        raise Overflow
    return wide(a) * wide(b)


def _one(value: Array) -> bool:
    """Whether an array is the constant 1 (a factor that changes nothing)."""
    return bool(value.ndim == 0 and value == 1)


def total(a: Array, b: Array, narrow: bool = False) -> Array:
    """a + b elementwise, in int64 when the bounds prove it fits (see product)."""
    if a.dtype != object and b.dtype != object and bound(a) + bound(b) < LIMIT:
        return np.add(a, b, dtype=np.int64)
    if narrow:
        raise Overflow
    return wide(a) + wide(b)


def negate(value: Exact, narrow: bool = False) -> Exact:
    if value.num.dtype != object and bound(value.num) < LIMIT:
        return Exact(-value.num, value.den)
    if narrow:
        raise Overflow
    return Exact(-wide(value.num), value.den)


def _same(a: Array, b: Array) -> bool:
    """Whether two denominators are the same, known without a pass over them."""
    return a is b or (a.ndim == 0 and b.ndim == 0 and int(a) == int(b))


def add(a: Exact, b: Exact, subtract: bool = False, narrow: bool = False) -> Exact:
    right = negate(b, narrow) if subtract else b
    if _same(a.den, b.den):
        return Exact(total(a.num, right.num, narrow), a.den)
    return Exact(total(product(a.num, b.den, narrow), product(right.num, a.den, narrow), narrow),
                 product(a.den, b.den, narrow))


def multiply(a: Exact, b: Exact, narrow: bool = False) -> Exact:
    return Exact(product(a.num, b.num, narrow), product(a.den, b.den, narrow))


def divide(a: Exact, b: Exact, narrow: bool = False) -> tuple[Exact, Array]:
    """a / b, and the rows where b is zero (their value is a / 1, to be discarded)."""
    zero = b.num == 0
    divisor = b
    if b.num.ndim and zero.any():
        divisor = Exact(np.where(zero, 1, b.num), b.den)
    elif not b.num.ndim and not int(b.num):
        divisor = Exact(_scalar(1), b.den)
    if _same(a.den, divisor.den):  # (x / d) / (y / d) = x / y: no products
        num, den = a.num, divisor.num
    else:
        num, den = product(a.num, divisor.den, narrow), product(a.den, divisor.num, narrow)
    if den.dtype == object or (den.size and den.min() < 0):
        negative = den < 0
        num, den = np.where(negative, -num, num), np.where(negative, -den, den)
    return Exact(num, den), zero


def above(a: Exact, b: Exact) -> Array:
    """a > b per row, exactly."""
    if _same(a.den, b.den):
        return np.asarray(a.num > b.num, dtype=bool)
    return np.asarray(product(a.num, b.den) > product(b.num, a.den), dtype=bool)


def floor_scaled(value: Exact, scale: int, narrow: bool = False) -> Array:
    """floor(value * scale) per row; `narrow`: in int64 only, else Overflow."""
    num, den = value.num, value.den
    if value.narrow and bound(num) * scale >= LIMIT and bound(den) * scale < LIMIT:
        # num = q * den + r with 0 <= r < den: floor(num * scale / den) = q * scale + floor(r * scale / den),
        # in int64 while the quotient times the scale fits, however large num * scale is
        whole, part = np.divmod(num, den)
        if bound(whole) * scale < LIMIT:
            return np.asarray(whole * scale + (part * scale) // den)
    return np.asarray(product(num, _scalar(scale), narrow) // den)


def ceil_scaled(value: Exact, scale: int, narrow: bool = False) -> Array:
    """ceil(value * scale) per row (see floor_scaled)."""
    return np.asarray(-floor_scaled(negate(value, narrow), scale, narrow))


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
