"""The one semantics module: each scoring rule defined once, for every back-end.

Input domains, exact reading of numbers, bands, rounding, comparison, points, ranks
and shares. Each rule is a scalar function; the rules a batch back-end applies to a
whole column have a twin over sequences (`*_column`), tested against the scalar one.
Everything generated Python may touch is listed in EXPORTS.
"""

from __future__ import annotations

import bisect
import decimal
import functools
import math
import operator
import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any, NoReturn, cast

import attrs

from ..language.errors import InvalidValue, MissingInput, NegativeRoot, ZeroDenominator
from ..language.numbers import fmt
from ..language.syntax import Aggregation, BandRule, Compare, Function, Kind, MissingPolicy, RoundMode
from ..language.syntax import Rounding as SyntaxRounding
from .surds import Surd, square_root

MISSING: Any = object()
NOTHING_TO_IMPUTE: Any = object()  # a cohort policy's value when no entity reports the input
# Bounds on numbers written as text, so that "1e999999999" is an error, not an hour of arithmetic.
MAX_EXPONENT = 400
MAX_DIGITS = 1000
Number = int | Fraction

# ASCII digits only: Python's int() also reads "١٢" and "１２", which no form means as digits.
_DECIMAL = re.compile(r"\s*([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)\s*(%?)\s*", re.ASCII)
# Thousands separators are accepted only where they can only group thousands: "1,234.5" and
# "12,345,678", never "1,5" (a decimal comma) nor "0,500" (no grouping starts with 0).
_FRACTION = re.compile(r"\s*([+-]?[0-9]+)\s*/\s*([0-9]+)\s*", re.ASCII)  # "2/3": what fmt() writes for 2/3
_GROUPED = re.compile(r"\s*[+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?\s*%?\s*", re.ASCII)
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


@attrs.frozen
class Domain:
    """The values a kind of input may take: an inclusive range, whole numbers or not."""

    low: Fraction
    high: Fraction | None  # None: unbounded above
    whole: bool

    def holds(self, value: Fraction) -> bool:
        return (value >= self.low and (self.high is None or value <= self.high)
                and (not self.whole or value.denominator == 1))


_NON_NEGATIVE = Domain(Fraction(0), None, False)
# The domain of each kind but score, whose range its declaration gives: the one table of domains.
DOMAINS: dict[Kind, Domain] = {
    Kind.COUNT: Domain(Fraction(0), None, True),
    Kind.MONEY: _NON_NEGATIVE,
    Kind.AREA: _NON_NEGATIVE,
    Kind.LENGTH: _NON_NEGATIVE,
    Kind.MEASURE: _NON_NEGATIVE,
    Kind.RATE: Domain(Fraction(0), Fraction(1), False),
    Kind.FLAG: Domain(Fraction(0), Fraction(1), True),
    Kind.RANK: Domain(Fraction(1), None, True),
}


_PLAIN_DIGITS = 40  # a plain decimal text of this many digits or fewer is read on the fast path


def domain(kind: Kind, score_range: tuple[Fraction, Fraction] | None = None) -> Domain:
    """What an input of this kind may be; a score's range is its declaration's."""
    if kind is Kind.SCORE:
        assert score_range is not None, "the checker requires a range for every score"
        return Domain(score_range[0], score_range[1], False)
    return DOMAINS[kind]


class ZeroSignal(Exception):
    """Raised inside an indicator's code when a denominator is zero; the indicator's
    declared policy decides what it means."""

    def __init__(self, input: str | None) -> None:
        self.input = input


class NotApplicable(Exception):
    """An input the formula reads is missing, declared `when missing: not applicable`."""


def missing_input(key: str, entity: str | None, indicator: str) -> MissingInput:
    """A missing value where the reader's `when missing` (none, or `error`) makes it an error."""
    return MissingInput("no value given", entity=entity, indicator=indicator, input=key)


def absent(raw: Any) -> bool:
    """No value given: the key is absent, or the value is null or blank."""
    return raw is MISSING or not _given(raw)


def zero(input: str | None) -> NoReturn:
    raise ZeroSignal(input)


def zero_error(signal: ZeroSignal, entity: str | None, indicator: str) -> ZeroDenominator:
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
    if raw is NOTHING_TO_IMPUTE:
        raise MissingInput("no value given, and no other entity of the cohort reports one to fill in from", **where)
    if raw is MISSING or raw is None:
        raise MissingInput("no value given", **where)
    if isinstance(raw, str) and not raw.strip():  # an empty cell is no answer, not "no" or 0
        raise MissingInput("an empty value", **where)
    try:
        if kind is Kind.FLAG:
            return _flag(raw), 1
        return exact_pair(raw)
    except (TypeError, ValueError) as error:
        raise InvalidValue(f"{error}; expected {_KIND_WORDS[kind]}", **where) from None


def coerce_pair(kind: Kind, raw: Any, name: str, entity: str | None, indicator: str | None,
                low: Fraction | None = None, high: Fraction | None = None) -> tuple[int, int]:
    """Check and convert one reported statistic to an exact (numerator, denominator) pair.

    `low` and `high` are a score's declared range. The common spellings take reader()'s fast
    paths; everything else is checked here, in _checked_value."""
    return reader(kind, low, high)(raw, name, entity, indicator)


Reader = Callable[[Any, str, str | None, str | None], tuple[int, int]]
_POW10 = tuple(10**k for k in range(_PLAIN_DIGITS + 1))
_EXACT_INTS = 2.0**53  # an integral float below it is exactly its int, as its shortest repr reads


@functools.cache
def reader(kind: Kind, low: Fraction | None = None, high: Fraction | None = None) -> Reader:
    """The reader of one kind's statistics that generated code calls for anything but an int
    in the kind's domain (which it reads inline): (numerator, denominator), or (whole, 1) for
    the whole kinds.

    A finite float, or a plain decimal text ("46.0", "0.85": ASCII digits and at most one dot,
    as read_records hands decimals over), is read exactly without a regex or a Fraction, the
    way exact() reads it: an integral float below 2**53 as its int, any other float by its
    shortest repr. The domain is then checked by integer cross-multiplication. Anything else,
    and any value outside the domain, takes the checking path, which converts exactly or
    raises an error naming the entity, the indicator and the input."""
    allowed = domain(kind, None if low is None or high is None else (low, high))
    low_num, low_den = allowed.low.numerator, allowed.low.denominator
    high_num, high_den = (0, 1) if allowed.high is None else (allowed.high.numerator, allowed.high.denominator)
    bounded, whole = allowed.high is not None, allowed.whole

    def checked(raw: Any, name: str, entity: str | None, indicator: str | None) -> tuple[int, int]:
        num, den = _checked_value(kind, raw, name, entity, indicator, low, high)
        return (num // den, 1) if whole else (num, den)

    if kind is Kind.FLAG:
        return checked  # yes or no, never a number: _flag reads every spelling

    def read(raw: Any, name: str, entity: str | None, indicator: str | None) -> tuple[int, int]:
        kind_of = type(raw)
        if kind_of is float and -_EXACT_INTS < raw < _EXACT_INTS:  # finite, and repr() has no exponent above
            if raw.is_integer():
                num, den = int(raw), 1
            elif "e" in (text := repr(raw)):  # 1e-05: the checking path reads the exponent
                return checked(raw, name, entity, indicator)
            else:
                integral, _, digits = text.partition(".")
                num, den = int(integral + digits), _POW10[len(digits)]
        elif kind_of is str:
            integral, _, digits = raw.partition(".")
            text = integral + digits
            if not (text.isdecimal() and text.isascii() and len(text) <= _PLAIN_DIGITS):
                return checked(raw, name, entity, indicator)  # a sign, a space, "85%", "1,234", "1e3", ...
            num, den = int(text), _POW10[len(digits)]
        else:
            return checked(raw, name, entity, indicator)
        if (num * low_den >= low_num * den and (not bounded or num * high_den <= high_num * den)
                and (not whole or num % den == 0)):
            return (num // den, 1) if whole else (num, den)
        return checked(raw, name, entity, indicator)

    return read


def _checked_value(kind: Kind, raw: Any, name: str, entity: str | None, indicator: str | None,
                   low: Fraction | None, high: Fraction | None) -> tuple[int, int]:
    """The checking path: every spelling exact() reads, every domain check, every message."""
    where: dict[str, Any] = {"entity": entity, "indicator": indicator, "input": name}
    if kind is not Kind.RATE and isinstance(raw, str) and raw.rstrip().endswith("%"):
        raise InvalidValue(f"{raw[:40]!r} is a percentage, which is read only for rates; "
                           f"expected {_KIND_WORDS[kind]}", **where)
    num, den = _checked_pair(kind, raw, where)
    if kind is not Kind.FLAG:
        problem = _outside(kind, domain(kind, None if low is None or high is None else (low, high)), num, den)
        if problem is not None:
            raise InvalidValue(f"{raw!r} {problem}", **where)
    return num, den


def _outside(kind: Kind, allowed: Domain, num: int, den: int) -> str | None:
    """Why num/den is not in the domain, or None; one check for every path that reads data."""
    value, expected = Fraction(num, den), f"; expected {_KIND_WORDS[kind]}"
    if value < 0 <= allowed.low:
        return "is negative" + expected
    if allowed.whole and num % den:
        return "is not a whole number" + expected
    if allowed.high is None and value < allowed.low:
        return f"is below {fmt(allowed.low)}" + expected
    if kind is Kind.RATE and value > 1:
        return "is above 100%; give a rate as 0.85 or \"85%\""
    if not allowed.holds(value):
        return f"is outside the score range {fmt(allowed.low)} to {fmt(allowed.high or allowed.low)}"
    return None


def fetch_lenient(keys: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The values of `keys` in a record, MISSING for each one it lacks: what generated code
    reads a record with when the fast fetch (an operator.itemgetter) meets a missing key."""
    def fetch(record: Any) -> tuple[Any, ...]:
        return tuple(record.get(key, MISSING) for key in keys)
    return fetch


UnreadInput = tuple[str, Kind, Fraction | None, Fraction | None]  # record key, kind, score bounds


def check_unread(record: Any, entity: str | None,
                 inputs: tuple[tuple[UnreadInput, UnreadInput | None], ...]) -> None:
    """Inputs no formula reads are still data: each one a record carries must be in its
    domain, and a part no more than its whole (when the record carries that too)."""
    for (key, kind, low, high), whole in inputs:
        raw = record.get(key, MISSING)
        if raw is MISSING or not _given(raw):
            continue  # not given: nothing reads it, so nothing is missing
        num, den = coerce_pair(kind, raw, key, entity, None, low, high)
        if whole is not None and _given(record.get(whole[0])):
            whole_num, whole_den = coerce_pair(whole[1], record[whole[0]], whole[0], entity, None, *whole[2:])
            if num * whole_den > whole_num * den:
                raise part_above_whole(key, whole[0], raw, record[whole[0]], entity, None)


def _given(raw: Any) -> bool:
    return raw is not None and not (isinstance(raw, str) and not raw.strip())


def coerce_int(kind: Kind, raw: Any, name: str, entity: str | None, indicator: str | None) -> int:
    """coerce_pair() for counts, ranks and yes/no: always a whole number."""
    num, den = coerce_pair(kind, raw, name, entity, indicator)
    return num // den


def part_above_whole(part: str, whole: str, part_value: Any, whole_value: Any,
                     entity: str | None, indicator: str | None) -> InvalidValue:
    return InvalidValue(
        f"{fmt(exact(part_value))} is above its whole `{whole}` = {fmt(exact(whole_value))}",
        entity=entity, indicator=indicator, input=part,
    )


def ratio_above(part: str, whole: str, part_value: Any, whole_value: Any,
                entity: str | None, indicator: str | None) -> InvalidValue:
    """ratio(part, whole) met a part larger than its whole."""
    return InvalidValue(
        f"ratio({part}, {whole}): the part, {fmt(exact(part_value))}, is above the whole, "
        f"{fmt(exact(whole_value))}", entity=entity, indicator=indicator, input=part)


# ------------------------------------------------------------------ comparing
COMPARE: dict[Compare, Callable[[Any, Any], bool]] = {
    Compare.GE: operator.ge, Compare.GT: operator.gt, Compare.LE: operator.le, Compare.LT: operator.lt,
}


def compare_exact(compare: Compare, num: int, den: int, threshold: Fraction) -> bool:
    """num/den (den > 0) against a threshold, by integer cross-multiplication."""
    return COMPARE[compare](num * threshold.denominator, threshold.numerator * den)


# ------------------------------------------------------------------ star bands
def band_scale(thresholds: Sequence[Fraction]) -> tuple[int, tuple[int, ...]]:
    """The common denominator L of the thresholds, and each threshold t as the whole number t*L."""
    scale = math.lcm(*(t.denominator for t in thresholds))
    return scale, tuple(int(t * scale) for t in thresholds)


def stars(rule: BandRule, scaled: tuple[int, ...], scale: int, num: int, den: int) -> int:
    """0 to 5 stars for num/den (den > 0); a value exactly at a threshold reaches its band.

    For a whole number m: value >= m/L <=> floor(value*L) >= m, and value <= m/L <=>
    ceil(value*L) <= m, so one integer division and a bisection decide, never a float.
    `scaled` ascends for `at least` and descends for `at most`, as the standard lists them.
    """
    if rule is BandRule.AT_LEAST:
        return bisect.bisect_right(scaled, num * scale // den)
    return len(scaled) - bisect.bisect_left(scaled[::-1], -(-num * scale // den))


def stars_column(rule: BandRule, scaled: tuple[int, ...], scale: int,
                 values: Sequence[tuple[int, int] | None]) -> list[int | None]:
    """stars() over a column of pairs (None stays None), by counting the thresholds each
    value reaches with cross-multiplication: a second derivation of the same rule."""
    at_least = rule is BandRule.AT_LEAST
    return [None if v is None else sum(
        1 for m in scaled if (v[0] * scale >= m * v[1] if at_least else v[0] * scale <= m * v[1]))
        for v in values]


# ------------------------------------------------------------------ cohorts
# The functions cohort_column computes: a back-end refuses a plan calling any other.
COHORT_FUNCTIONS = frozenset({
    Function.RANK, Function.SHARE, Function.MINMAX, Function.PERCENTILE, Function.TO_BEST,
    Function.COHORT_MEAN, Function.COHORT_MEDIAN, Function.COHORT_MIN, Function.COHORT_MAX})


def cohort_column(function: Function, values: Sequence[tuple[int, int] | None]) -> list[tuple[int, int] | None]:
    """A cohort function over the values of every entity, in order."""
    match function:
        case Function.RANK:
            return rank_column(values)
        case Function.SHARE:
            return share_column(values)
        case Function.MINMAX:
            return minmax_column(values)
        case Function.PERCENTILE:
            return percentile_column(values)
        case Function.TO_BEST:
            return to_best_column(values)
        case Function.COHORT_MEAN | Function.COHORT_MEDIAN | Function.COHORT_MIN | Function.COHORT_MAX:
            return statistic_column(function, values)
        case Function.ZSCORE:
            return zscore_column(values)  # type: ignore[return-value]  # Surds: see zscore_column
    raise AssertionError(f"{function} does not compare entities")


def _present(values: Sequence[tuple[int, int] | None]) -> list[Fraction]:
    return [Fraction(*v) for v in values if v is not None]


def minmax_column(values: Sequence[tuple[int, int] | None]) -> list[tuple[int, int] | None]:
    """(value - min) / (max - min); None for all when the values are all equal (or none)."""
    present = _present(values)
    if not present or max(present) == min(present):
        return [None] * len(values)
    low, spread = min(present), max(present) - min(present)
    return [None if v is None else _pair((Fraction(*v) - low) / spread) for v in values]


def zscore_column(values: Sequence[tuple[int, int] | None]) -> list[Surd | None]:
    """(value - mean) / sd, with sd the sample standard deviation (n - 1, as R's sd() that
    COINr uses): exact, as value - mean times one square root. None for all when the cohort
    has fewer than two values or all are equal (sd = 0, a zero denominator)."""
    present = _present(values)
    if len(present) < 2:
        return [None] * len(values)
    mean = _mean(present)
    variance = sum(((v - mean) ** 2 for v in present), Fraction(0)) / (len(present) - 1)
    if variance == 0:
        return [None] * len(values)
    deviation = square_root(variance)
    return [None if v is None else (Surd(Fraction(*v) - mean) / deviation) for v in values]


def percentile_column(values: Sequence[tuple[int, int] | None]) -> list[tuple[int, int] | None]:
    """The share of the other entities with a smaller value; None for all in a cohort of one."""
    present = sorted(_present(values))
    if len(present) < 2:
        return [None] * len(values)
    below = {value: bisect.bisect_left(present, value) for value in present}
    others = len(present) - 1
    return [None if v is None else _pair(Fraction(below[Fraction(*v)], others)) for v in values]


def to_best_column(values: Sequence[tuple[int, int] | None]) -> list[tuple[int, int] | None]:
    """Each value over the cohort's largest; None for all when the largest is 0 (or none)."""
    present = _present(values)
    best = max(present, default=Fraction(0))
    if best == 0:
        return [None] * len(values)
    return [None if v is None else _pair(Fraction(*v) / best) for v in values]


def statistic_column(function: Function, values: Sequence[tuple[int, int] | None]) -> list[tuple[int, int] | None]:
    """The cohort's mean, median, smallest or largest value, for every entity that has one."""
    present = sorted(_present(values))
    if not present:
        return [None] * len(values)
    statistic = {Function.COHORT_MEAN: _mean(present), Function.COHORT_MEDIAN: _median(present),
                 Function.COHORT_MIN: present[0], Function.COHORT_MAX: present[-1]}[function]
    return [None if v is None else _pair(statistic) for v in values]


def _exact_keys(values: Sequence[tuple[int, int] | None]) -> list[int | Fraction | None]:
    """Each value as a number to sort and group by: its int when every value present is a
    whole number over 1 (counts, the common case), else its Fraction; None stays None. Ints
    and Fractions order, compare and hash alike, so either gives the same ranks and shares."""
    if all(v is None or v[1] == 1 for v in values):
        return [None if v is None else v[0] for v in values]
    return [None if v is None else Fraction(*v) for v in values]


def rank_column(values: Sequence[tuple[int, int] | None]) -> list[tuple[int, int] | None]:
    """Competition ranking, largest first: equal values share the best rank (1, 2, 2, 4)."""
    keys = _exact_keys(values)
    present = sorted((k for k in keys if k is not None), reverse=True)
    first: dict[int | Fraction, int] = {}
    for position, value in enumerate(present, start=1):
        first.setdefault(value, position)
    return [None if k is None else (first[k], 1) for k in keys]


def share_column(values: Sequence[tuple[int, int] | None]) -> list[tuple[int, int] | None]:
    """Each value over the sum of the cohort's; None for all when the sum is 0."""
    keys = _exact_keys(values)
    whole = sum(k for k in keys if k is not None)
    if whole == 0:
        return [None] * len(values)
    if isinstance(whole, int):  # every value an int: the pair (k, whole), its denominator made positive
        sign = 1 if whole > 0 else -1
        return [None if k is None else (sign * k, sign * whole) for k in cast(list[int | None], keys)]
    return [None if k is None else _pair(k / whole) for k in keys]


def _pair(value: Fraction) -> tuple[int, int]:
    return value.numerator, value.denominator


# ------------------------------------------------------------------ square roots
def lift(num: int, den: int) -> Surd:
    """A rational pair as a Surd, to meet a square root."""
    return Surd(Fraction(num, den))


def root(num: int, den: int, inputs: tuple[str, ...], entity: str | None, indicator: str) -> Surd:
    """√(num/den), exactly; below 0 it is bad data, naming the inputs the argument reads."""
    if num * den < 0:
        named = ", ".join(f"`{name}`" for name in inputs) or "its constants"
        raise NegativeRoot(f"sqrt of a negative value, {fmt(Fraction(num, den))}, computed from {named}",
                           entity=entity, indicator=indicator, input=inputs[0] if inputs else None)
    return square_root(Fraction(num, den))


def surd_divide(top: Surd, bottom: Surd, blame: str | None) -> Surd:
    """top / bottom, bottom one term (checked); a zero bottom signals the zero policy."""
    if bottom == 0:
        zero(blame)
    return top / bottom


def surd_bounded(part: Surd, whole: Surd, labels: tuple[str, str], entity: str | None, indicator: str) -> None:
    """ratio(part, whole) with square roots in it: a part above its whole is bad data."""
    if part > whole:
        raise InvalidValue(f"ratio({labels[0]}, {labels[1]}): the part, {part}, is above the whole, {whole}",
                           entity=entity, indicator=indicator, input=labels[0])


def round_exact(value: Surd, rounding: Rounding) -> Fraction:
    """An irrational value rounded to its declared precision, decided exactly: an irrational
    is never at a half, so both half modes take the nearest, and truncate the one towards 0."""
    if value.is_rational:
        return round_score(value.rational, rounding)
    scale = 10**rounding.decimals
    positive = value.sign() > 0
    magnitude = value * (scale if positive else -scale)
    if rounding.mode is RoundMode.TRUNCATE:
        whole = magnitude.floor()
    else:  # the nearest: floor(2m) is 2·floor(m) + 1 exactly when m is above the half
        twice = (magnitude * 2).floor()
        whole = twice // 2 + twice % 2
    return Fraction(whole if positive else -whole, scale)


def shown(value: Surd, rounding: Rounding) -> tuple[int, int]:
    """The shown value of an irrational indicator: its exact value at its declared precision."""
    return _pair(round_exact(value, rounding))


def surd_stars(rule: BandRule, scaled: tuple[int, ...], scale: int, value: Surd) -> int:
    """stars() on an exact irrational value: floor (at least) or ceiling (at most) of value x L."""
    if rule is BandRule.AT_LEAST:
        return bisect.bisect_right(scaled, (value * scale).floor())
    return len(scaled) - bisect.bisect_left(scaled[::-1], (value * scale).ceil())


TableRow = tuple[Fraction | None, bool, Fraction | None, bool, Fraction]


def table_row(rows: Sequence[TableRow], value: Fraction | Surd) -> int:
    """The index of the one row of a point table the exact value satisfies (checked to exist)."""
    return next(k for k, (low, low_closed, high, high_closed, _) in enumerate(rows)
                if (low is None or (value >= low if low_closed else value > low))
                and (high is None or (value <= high if high_closed else value < high)))


# ------------------------------------------------------------------ points
@attrs.frozen
class Rounding:
    """A declared rounding: to `decimals` places, by `mode` (docs/language.md §12)."""

    decimals: int
    mode: RoundMode = RoundMode.HALF_UP


def rounding_of(declared: SyntaxRounding | None) -> Rounding | None:
    """A checked `rounding` clause as the scoring rules take it."""
    return None if declared is None else Rounding(declared.decimals, declared.mode)


def node_score(members: Sequence[Fraction], cap: Fraction | None, weight: Fraction | None,
               rounding: Rounding | None, scale: Fraction | None = None) -> tuple[Fraction, Fraction]:
    """An inner node's score, unrounded and rounded: its members' scores summed, scaled (the
    weight of not-applicable members redistributed), capped (a bonus group), weighted, then
    rounded; the one rule for groups, indicators made of items and the total."""
    score = sum(members, Fraction(0))
    if scale is not None:
        score *= scale
    if cap is not None:
        score = min(score, cap)
    if weight is not None:
        score *= weight
    return score, round_score(score, rounding)


def redistribution(maxima: Sequence[Fraction], applicable: Sequence[bool]) -> Fraction | None:
    """`when not applicable: redistribute`: the factor M / A that gives the applicable members
    (maxima `maxima`, where `applicable`) the whole weight; None when none is applicable."""
    whole = sum(maxima, Fraction(0))
    held = sum((m for m, ok in zip(maxima, applicable) if ok), Fraction(0))
    return None if held == 0 else whole / held


def aggregate(aggregation: Aggregation, scores: Sequence[Fraction], maxima: Sequence[Fraction], whole: Fraction,
              rounding: Rounding | None) -> Fraction:
    """`whole` x A(s) for members' normalised scores s = score / max, weighted by max / sum of
    maxima: the geometric, harmonic or least of them, or their weighted mean (docs/language.md
    §9, Aggregation). A geometric mean is decided exactly and rounded as `rounding` says."""
    total = sum(maxima, Fraction(0))
    if not scores or total == 0:
        return Fraction(0)
    normal = [score / maximum for score, maximum in zip(scores, maxima)]
    weights = [maximum / total for maximum in maxima]
    if aggregation is Aggregation.ARITHMETIC:
        return whole * sum((w * s for w, s in zip(weights, normal)), Fraction(0))
    if aggregation is Aggregation.MINIMUM:
        return whole * min(normal)
    if min(normal) <= 0:
        return Fraction(0)  # a geometric or harmonic mean with a member at 0
    if aggregation is Aggregation.HARMONIC:
        return whole / sum((w / s for w, s in zip(weights, normal)), Fraction(0))
    return geometric_mean(normal, weights, whole, rounding)


def geometric_mean(values: Sequence[Fraction], weights: Sequence[Fraction], whole: Fraction,
                   rounding: Rounding | None) -> Fraction:
    """whole x the product of values^weights (values > 0, weights summing to 1), rounded exactly:
    with L the weights' common denominator, G^L = whole^L x the product of values^(w L) is
    rational, and the rounded G is found by integer L-th roots of it, no float anywhere."""
    assert rounding is not None  # the checker requires one (E0267)
    common = math.lcm(1, *(w.denominator for w in weights))
    power = whole**common
    for value, weight in zip(values, weights):
        power *= value ** int(weight * common)
    scale = 10**rounding.decimals
    target = power * scale**common  # (G x scale)^L
    low = _integer_root(target.numerator // target.denominator, common)  # floor(G x scale)
    if rounding.mode is RoundMode.TRUNCATE:
        return Fraction(low, scale)
    half = Fraction(2 * low + 1, 2) ** common  # (low + 1/2)^L against (G x scale)^L
    up = target > half or (target == half and (rounding.mode is RoundMode.HALF_UP or low % 2 == 1))
    return Fraction(low + up, scale)


def _integer_root(value: int, degree: int) -> int:
    """The largest k with k^degree <= value, for value >= 0, by bisection on exact ints."""
    low, high = 0, 1
    while high**degree <= value:
        high *= 2
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if middle**degree <= value else (low, middle)
    return low


def round_score(value: Fraction, rounding: Rounding | None) -> Fraction:
    """A score rounded as declared; None keeps it exact."""
    if rounding is None:
        return value
    scale = 10**rounding.decimals
    scaled = abs(value) * scale
    whole = int(scaled)  # towards zero
    rest = scaled - whole
    if rounding.mode is RoundMode.HALF_UP:
        whole += rest >= Fraction(1, 2)
    elif rounding.mode is RoundMode.HALF_EVEN:
        whole += rest > Fraction(1, 2) or (rest == Fraction(1, 2) and whole % 2 == 1)
    return Fraction(whole if value >= 0 else -whole, scale)


def round_half_up(value: Fraction, decimals: int | None) -> Fraction:
    """Round half away from zero to `decimals` places; None keeps the value exact."""
    return round_score(value, None if decimals is None else Rounding(decimals))


def linear_points(num: int, den: int, low: Fraction, high: Fraction, maximum: Fraction,
                  rounding: Rounding | None) -> Fraction:
    """maximum x the value's position between low and high, capped to [0, 1]."""
    position = (Fraction(num, den) - low) / (high - low)
    position = min(max(position, Fraction(0)), Fraction(1))
    return round_score(maximum * position, rounding)


def deduction_points(num: int, den: int, each: Fraction, cap: Fraction | None,
                     rounding: Rounding | None) -> Fraction:
    """Points off: each x the value, at most the cap if there is one; never a bonus."""
    off = max(each * Fraction(num, den), Fraction(0))
    if cap is not None:
        off = min(off, cap)
    return -round_score(off, rounding)


def imputed_values(plan: Any, records: Sequence[Any], entities: Sequence[str]) -> tuple[Any, ...]:
    """For each slot the cohort fills in (plan.imputed), the mean, median or least of the
    values the entities report, exact; a whole number for whole kinds (rounded half up);
    NOTHING_TO_IMPUTE when none reports it, so a missing value stays a data error."""
    found = []
    for k in plan.imputed:
        slot = plan.slots[k]
        bounds = (slot.domain.low, slot.domain.high) if slot.kind is Kind.SCORE else (None, None)
        given = sorted(Fraction(*coerce_pair(slot.kind, record[slot.key], slot.key, entity, None, *bounds))
                       for record, entity in zip(records, entities) if not absent(record.get(slot.key, MISSING)))
        found.append(_statistic(slot.missing, given, slot.domain.whole))
    return tuple(found)


def _statistic(policy: MissingPolicy, values: list[Fraction], whole: bool) -> Any:
    if not values:
        return NOTHING_TO_IMPUTE
    value = {MissingPolicy.COHORT_MEAN: _mean(values), MissingPolicy.COHORT_MEDIAN: _median(values),
             MissingPolicy.COHORT_MIN: values[0]}[policy]
    return int(round_half_up(value, 0)) if whole else value


def _mean(values: list[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def _median(ordered: list[Fraction]) -> Fraction:
    """The middle value, or the mean of the two middle values of an even count."""
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


EXPORTS: dict[str, Any] = {
    "_MISSING": MISSING,
    "_absent": absent,
    "_missing_input": missing_input,
    "_NotApplicable": NotApplicable,
    "_check_unread": check_unread,
    "_zero": zero,
    "_ZeroSignal": ZeroSignal,
    "_zero_error": zero_error,
    "_part_above": part_above_whole,
    "_ratio_above": ratio_above,
    "_linear": linear_points,
    "_deduct": deduction_points,
    "_Fraction": Fraction,
    "_Kind": Kind,
    "_lift": lift,
    "_root": root,
    "_surd_divide": surd_divide,
    "_surd_bounded": surd_bounded,
    "_shown": shown,
    "_surd_stars": surd_stars,
    "_table_row": table_row,
}
