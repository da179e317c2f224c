"""Compiles a scoring plan to one SQL query (a sqlglot tree): the third back-end.

The query reads one row per entity and returns, per scored leaf, its value as an exact pair,
its stars and its points, per input whether it was missing, and error columns: `error_event`
(an index into `Query.events`, which names the kind, the input and the indicator) and `error`
(the message). Rules are the python back-end's (backends/python/codegen.py), from the plan:
errors in the order that back-end meets them, so both refuse a batch for the same reason.
A construct that cannot be exact in SQL is refused at compile time (`NotCompilable`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Protocol

import attrs
from sqlglot import exp

from ...language.check import ENTITY_KEY
from ...language.errors import DataError, InvalidValue, MissingInput, ZeroDenominator
from ...language.numbers import fmt
from ...language.syntax import BandRule, Function, Kind, MissingPolicy, RoundMode
from ...plan import scoring as p
from ...plan.lower import PREVIOUS_SUFFIX
from ...plan.scoring import reads_of as _loads
from ...plan.semantics import _KIND_WORDS, _NO, _YES, MAX_DIGITS, MAX_EXPONENT, Rounding
from ...plan.signs import nonneg
from .tree import (
    DIGITS,
    Pair,
    Stages,
    add,
    alias,
    and_,
    case,
    cmp,
    col,
    concat,
    constant,
    div,
    func,
    ident,
    lowest_common_denominator,
    mod,
    mul,
    neg,
    not_,
    one_of,
    or_,
    shown_exactly,
    sub,
    text,
)

INTEGER_TYPES = frozenset({"TINYINT", "SMALLINT", "INTEGER", "INT", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
                           "UINTEGER", "UBIGINT", "INT2", "INT4", "INT8"})
Phase = int  # 0: the cohort's imputation, 1: cohort functions' arguments, 2: the entity's own scoring


class Refuse(Protocol):
    """Refuses a row where `condition` holds: its message is the value's text (or `shown`), then
    `words`."""

    def __call__(self, condition: exp.Expression, words: str, shown: exp.Expression | None = None) -> None: ...


@attrs.frozen
class Event:
    """One way a row can be refused: the error the python back-end raises there."""

    kind: type[DataError]
    input: str | None
    indicator: str | None
    phase: Phase


@attrs.frozen
class Query:
    tree: exp.Select
    events: tuple[Event, ...]
    dialect: str

    def sql(self, pretty: bool = True) -> str:
        return self.tree.sql(dialect=self.dialect, pretty=pretty)


@attrs.frozen
class _Slot:
    value: Pair | None  # None: not read
    absent: exp.Expression  # no value given (before any filling in)
    na: exp.Expression | None  # the value is None (`when missing: not applicable`)
    flag: exp.Expression | None  # tolerant: missing, 0 standing in


# The decimal text semantics.exact reads, as POSIX groups: sign, digits, fraction, exponent, percent.
_DECIMAL = r"^\s*([+-]?)([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE]([+-]?[0-9]+))?\s*(%?)\s*$"
_FRACTION = r"^\s*([+-]?[0-9]+)\s*/\s*([0-9]+)\s*$"
_GROUPED = r"^\s*[+-]?[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]*)?\s*%?\s*$"
_BLANK = r"^\s*$"
_FAST_PLACES = 15  # a double of at most 15 significant digits is read without its text
_FIRST_PLACES = 4  # the places tried first


class Compiler:
    def __init__(self, plan: p.ScoringPlan, source: exp.Table, dialect: str,
                 columns: Mapping[str, str] | None) -> None:
        self.plan = plan
        self.source = source
        self.dialect = dialect
        self.columns = columns
        self.st = Stages(dialect)
        self.events: list[Event] = []
        # per event: its words, the value's text (None: no value shown) and whether it is quoted
        self.messages: list[tuple[str, exp.Expression | None, bool]] = []
        # per phase, in the order the python back-end meets them: (condition, event index expression)
        self.phase_events: dict[Phase, list[tuple[exp.Expression, exp.Expression]]] = {0: [], 1: [], 2: []}
        self.slots: dict[int, _Slot] = {}
        self.inputs: dict[str, str] = {}  # record key -> its column's name in the query
        self.numbered = False  # the source has a `_row` column numbering its rows
        self.cohort: dict[int, tuple[Pair, exp.Expression]] = {}  # site -> value, is None
        self.imputed: dict[int, tuple[Pair, exp.Expression]] = {}  # slot -> value, nothing to impute

    # ------------------------------------------------------------ errors
    def event(self, kind: type[DataError], input: str | None, indicator: str | None, phase: Phase,
              words: str, value: exp.Expression | None = None, quoted: bool = True) -> int:
        """A new event; its message is `words`, after the value's text where given, quoted as
        Python's repr quotes a text (a typed column's number is not)."""
        self.events.append(Event(kind, input, indicator, phase))
        self.messages.append((words, value, quoted))
        return len(self.events)

    def refuse(self, condition: exp.Expression, event: int | exp.Expression, phase: Phase) -> None:
        index = exp.Literal.number(event) if isinstance(event, int) else event
        self.phase_events[phase].append((condition, index))

    # ------------------------------------------------------------ source
    def raw(self, key: str) -> exp.Expression:
        if self.columns is not None and key not in self.columns:
            return exp.Null()
        return exp.column(ident(key), table=ident("src"))

    def source_select(self) -> exp.Select:
        keys = list(dict.fromkeys(slot.key for slot in self.plan.slots))
        keys += [slot.key + PREVIOUS_SUFFIX for slot in self.plan.slots
                 if slot.missing is MissingPolicy.PREVIOUS and slot.key + PREVIOUS_SUFFIX not in keys]
        if self.numbered or (self.columns is not None and "_row" in self.columns):
            row: exp.Expression = exp.column(ident("_row"), table=ident("src"))
        else:
            row = _read_order(self.dialect)
        picked = [alias(self.raw(key), ident(self.input_name(key))) for key in keys]
        return exp.select(alias(exp.cast(exp.column(ident(ENTITY_KEY), table=ident("src")), "VARCHAR"),
                                     ident(ENTITY_KEY)), alias(row, ident("_row")), *picked).from_(
            self.source.as_("src"))

    def input_name(self, key: str) -> str:
        """The short name the query gives an input's column (i1, i2, ...): every stage passes on
        the ones later stages read, and long names made the text long."""
        return self.inputs.setdefault(key, f"i{len(self.inputs) + 1}")

    def column_kind(self, key: str | None) -> str | None:
        """How the table holds an input: "integer", "double", "boolean", or None (text, or
        anything else, read through its text)."""
        if key is None:
            return None
        kind = (self.columns or {}).get(key, "VARCHAR").upper().split("(")[0].strip()
        if kind in INTEGER_TYPES:
            return "integer"
        return {"DOUBLE": "double", "FLOAT8": "double",  # not FLOAT, REAL: 4-byte floats are read as text
                "DOUBLE PRECISION": "double", "BOOLEAN": "boolean", "BOOL": "boolean"}.get(kind)

    def shown(self, k: int | None, value: Pair) -> exp.Expression:
        """A value, for a message, as numbers.fmt writes it. An input read from an integer
        column is its text, one from a double column its text without a trailing ".0" (repr's,
        which fmt writes out in full where repr has an exponent), one from a text column its
        text, quoted (fmt would write "1,000" as 1000): the message reads these columns anyway.
        Any other value (a formula, an input the missing policy may fill in) is written from
        its pair, which every stage then carries to the message (for a text column's values
        too, DuckDB's planning of the city query over text columns took a fifth longer)."""
        slot = None if k is None else self.plan.slots[k]
        if slot is not None and slot.missing is MissingPolicy.ERROR and not slot.tolerant:
            kind, raw = self.column_kind(slot.key), self.text_of(slot.key)
            if kind == "integer":
                return raw
            if kind == "double":
                return exp.RegexpReplace(this=raw, expression=text(r"\.0$"), replacement=text(""))
            if kind is None:
                return concat(text("'"), raw, text("'"))
        return shown_exactly(value, self.st.big, self.dialect != "spark")

    # ------------------------------------------------------------ reading an input
    def text_of(self, key: str) -> exp.Expression:
        """An input's text. A typed column's is left unnamed: only messages and a failed cheap
        reading use it, and they compute it for those rows alone."""
        cast = exp.cast(col(self.input_name(key)), "VARCHAR")
        return cast if self.column_kind(key) is not None else self.st.bind(cast, "r")

    def absent_of(self, key: str, raw: exp.Expression) -> exp.Expression:
        if self.column_kind(key) is not None:
            return self.st.bind(exp.Is(this=col(self.input_name(key)), expression=exp.Null()), "a")
        return self.st.bind(or_(exp.Is(this=raw, expression=exp.Null()),
                                    exp.RegexpLike(this=raw, expression=text(_BLANK))), "a")

    def parse(self, slot: p.InputSlot, key: str | None, raw: exp.Expression, given: exp.Expression,
              indicator: str | None, phases: tuple[Phase, ...], own: bool = False) -> Pair:
        """The exact pair a value's text means (semantics.coerce_pair), refusing what it refuses
        where `given` holds. `key` names the table's column when the value is read from it
        alone (None: `raw`, a text, is all there is); `own`: `given` is only that it is there."""
        kind = self.column_kind(key)
        source: exp.Expression = exp.Null() if key is None else col(self.input_name(key))
        # An integer column's tests are of the column itself: NULL where it is, so not met there.
        strict = own and kind == "integer"

        def refuse(condition: exp.Expression, words: str, shown: exp.Expression | None = None) -> None:
            event = self.event(InvalidValue, slot.key, indicator, phases[0], words,
                               raw if shown is None else shown, kind is None and shown is None)
            for phase in phases:
                self.refuse(condition if strict else and_(given, condition), event, phase)

        if slot.kind is Kind.FLAG and kind == "boolean":
            return Pair(self.st.bind(case((source, exp.Literal.number(1)), default=exp.Literal.number(0)), "f"),
                        exp.Literal.number(1), True)
        if slot.kind is Kind.FLAG:
            word = self.st.bind(exp.Lower(this=exp.Trim(this=raw)), "w")
            yes = one_of(word, [text(w) for w in sorted(_YES)])
            no = one_of(word, [text(w) for w in sorted(_NO)])
            refuse(not_(or_(yes, no)), f" is not yes or no; expected {_KIND_WORDS[slot.kind]}")
            return Pair(self.st.bind(case((yes, exp.Literal.number(1)), default=exp.Literal.number(0)), "f"),
                        exp.Literal.number(1), True)
        if kind == "integer":
            assert key is not None  # a kind is a column's
            if (self.columns or {}).get(key, "").upper().strip() != "HUGEINT":
                self.st.limits[self.input_name(key)] = 2**64  # every other integer type has 64 bits at most
            value = Pair(self.st.bind(exp.cast(source, self.st.big), "n"), exp.Literal.number(1), True)
            self._domain(slot, Pair(source, value.den, True), refuse)  # tested as typed: cheaper
            return value
        if kind == "double":
            value = self._double(slot, source, refuse)
        else:
            value = self._decimal(slot, raw, refuse)
        self._domain(slot, value, refuse)
        return value

    def _double(self, slot: p.InputSlot, source: exp.Expression, refuse: Refuse) -> Pair:
        """A double by its shortest round-tripping decimal (what repr gives), without its text:
        decimals k for which n = round(d x 10^k) reads back as d (n / 10^k, both exact doubles,
        divided with IEEE rounding, is the double nearest n / 10^k). With at most 15 significant
        digits (an integer below 2^53 for k = 0), no other decimal of at most 15 digits reads
        back as d, so n / 10^k is repr's value, for the fewest such k or any other. k = 4 is
        tried first, on its own: most reported decimals have at most 4 places, and their rows
        then take one test and a constant 10^4 (the pair is not in lowest terms). The other
        rows try 0 to 15 places (`_places`). Any other double (NaN, infinities, 1e300,
        0.1 + 0.2) is read through its text, for its rows only (`_shortest`)."""
        st = self.st
        first, power = self._reads_back(source, _FIRST_PLACES)
        first = st.bind(first, "q")
        power_of = st.bind(case((not_(first), self._places(source))), "p")  # NULL: first, or none to 15
        fast = exp.Not(this=exp.Is(this=power_of, expression=exp.Null()))
        slow = self._shortest(slot, source, and_(not_(first), exp.Is(this=power_of, expression=exp.Null())), refuse)
        nums = exp.cast(exp.Round(this=exp.Mul(this=source, expression=power_of)), st.big)
        dens = exp.cast(power_of, st.big)  # powers of ten to 1e22 are exact doubles
        return st.pair(case((first, exp.cast(exp.Round(this=mul(source, power)), st.big)), (fast, nums),
                            default=slow.num),
                       case((first, st.big_number(10**_FIRST_PLACES)), (fast, dens), default=slow.den))

    def _places(self, source: exp.Expression) -> exp.Expression:
        """10^k for the fewest places k, 0 to 15, that read back; NULL where none does."""
        return case(*(self._reads_back(source, k) for k in range(_FAST_PLACES + 1) if k != _FIRST_PLACES))

    @staticmethod
    def _reads_back(source: exp.Expression, k: int) -> tuple[exp.Expression, exp.Expression]:
        """(round(d x 10^k) / 10^k = d, with at most 15 digits; 10^k as a double)."""
        limit = exp.Literal.number(2**53 if k == 0 else 10 ** (_FAST_PLACES - k))
        power = exp.Literal.number(f"1e{k}")
        back = exp.Div(this=exp.Round(this=mul(source, power)), expression=power) if k else exp.Round(this=source)
        return and_(cmp(exp.LT, exp.Abs(this=source), limit), exp.EQ(this=back, expression=source)), power

    def _shortest(self, slot: p.InputSlot, source: exp.Expression, slow: exp.Expression, refuse: Refuse) -> Pair:
        """A double the cheap reading missed (16 or 17 significant digits, an exponent beyond
        the cheap range, NaN, an infinity), from the engine's text of it, which is repr's form
        (the mantissa's digits, e and the exponent). Three columns, each NULL where not `slow`
        and computed behind that CASE, so the other rows compute none of it: the text, and the
        numerator and denominator it writes, cast where the dialect's exact integers are
        bounded by TRY_CAST to DECIMAL(38, 0), NULL where they would not hold them. Columns of
        the mantissa, the scale and the outcomes instead cost every row a dozen functions of
        NULL a double (a tenth of the city query's time), and the parts written out in every
        reader a fifth of its planning."""
        st, zero = self.st, exp.Literal.number(0)
        written = st.bind(case((slow, exp.Lower(this=exp.cast(source, "VARCHAR")))), "r")  # NULL where not slow
        def part(of: exp.Expression, mark: str, n: int) -> exp.Expression:
            return exp.SplitPart(this=of, delimiter=text(mark), part_index=exp.Literal.number(n))
        mantissa = part(written, "e", 1)
        exponent = exp.cast(part(exp.DPipe(this=written, expression=text("e0")), "e", 2), "INTEGER")  # "e0": none
        scale = sub(exponent, exp.Length(this=part(mantissa, ".", 2)))
        up = exp.Greatest(this=scale, expressions=[zero], ignore_nulls=True)
        down = exp.Greatest(this=neg(scale), expressions=[zero], ignore_nulls=True)
        signed_digits = exp.Replace(this=mantissa, expression=text("."), replacement=text(""))  # "-" read by the cast
        finite = cmp(exp.LTE, exp.Abs(this=source), exp.Literal.number("1.7976931348623157e308"))
        refuse(and_(slow, not_(finite)), f" is not a finite number; expected {_KIND_WORDS[slot.kind]}",
               _non_finite(source))
        digits_max = DIGITS.get(self.dialect)

        def whole(digits: exp.Expression) -> exp.Expression:
            if digits_max is None:
                return exp.cast(digits, st.big)
            held = exp.DataType.build(f"DECIMAL({digits_max}, 0)")
            return exp.cast(exp.TryCast(this=digits, to=held), st.big)
        readable = and_(slow, finite)
        num = st.bind(case((readable, whole(exp.DPipe(this=signed_digits, expression=exp.Repeat(this=text("0"),
                                                                                                times=up))))), "n")
        den = st.bind(case((readable, whole(exp.DPipe(this=text("1"), expression=exp.Repeat(this=text("0"),
                                                                                             times=down))))), "d")
        if digits_max is not None:
            long = or_(exp.Is(this=num, expression=exp.Null()), exp.Is(this=den, expression=exp.Null()))
            refuse(and_(readable, long), f" has more digits than {self.dialect}'s exact integers hold ({digits_max})")
        return Pair(exp.Coalesce(this=num, expressions=[st.big_number(0)]),
                    exp.Coalesce(this=den, expressions=[st.big_number(1)]))

    def _decimal(self, slot: p.InputSlot, raw: exp.Expression, refuse: Refuse) -> Pair:
        st = self.st
        fraction = st.bind(exp.RegexpLike(this=raw, expression=text(_FRACTION)), "g")
        grouped = exp.RegexpLike(this=raw, expression=text(_GROUPED))
        plain = st.bind(case((grouped, exp.Replace(this=raw, expression=text(","), replacement=text(""))),
                             default=raw), "r")
        decimal = st.bind(exp.RegexpLike(this=plain, expression=text(_DECIMAL)), "g")

        def group(pattern: str, n: int, on: exp.Expression) -> exp.Expression:
            """Group n of a match, '' when the text does not match."""
            matched = fraction if pattern == _FRACTION else decimal
            return case((matched, exp.RegexpReplace(this=on, expression=text(pattern),
                                                    replacement=text(_backreference(self.dialect, n)))),
                        default=text(""))
        long = cmp(exp.GT, exp.Length(this=raw), exp.Literal.number(MAX_DIGITS))
        if slot.kind is not Kind.RATE:
            percent = exp.RegexpLike(this=raw, expression=text(r"%\s*$"))
            refuse(percent, f" is a percentage, which is read only for rates; expected {_KIND_WORDS[slot.kind]}")
        refuse(or_(long, not_(or_(fraction, decimal))),
               f" is not a number; expected {_KIND_WORDS[slot.kind]}")
        sign = st.bind(group(_DECIMAL, 1, plain), "r")
        mantissa = group(_DECIMAL, 2, plain)
        whole = st.bind(exp.RegexpReplace(this=mantissa, expression=text(r"\..*$"), replacement=text("")), "r")
        digits = st.bind(exp.RegexpReplace(this=mantissa, expression=text(r"^[0-9]*\.?"), replacement=text("")), "r")
        exponent_text = st.bind(group(_DECIMAL, 5, plain), "r")
        huge = cmp(exp.GT, exp.Length(this=exponent_text), exp.Literal.number(5))
        exponent = st.bind(case((huge, exp.Literal.number(99999)), (exp.EQ(this=exponent_text, expression=text("")),
                                                                   exp.Literal.number(0)),
                                default=exp.cast(exponent_text, "INTEGER")), "e")
        refuse(and_(decimal, not_(fraction), cmp(exp.GT, exp.Abs(this=exponent),
                                                         exp.Literal.number(MAX_EXPONENT))),
               " is out of range")
        scale = sub(sub(exponent, exp.Length(this=digits)),
                    case((exp.EQ(this=group(_DECIMAL, 6, plain), expression=text("%")), exp.Literal.number(2)),
                         default=exp.Literal.number(0)))
        scale = st.bind(scale, "e")
        body = exp.DPipe(this=whole, expression=digits)
        num_text = st.bind(exp.DPipe(this=body, expression=exp.Repeat(
            this=text("0"), times=exp.Greatest(this=scale, expressions=[exp.Literal.number(0)]))), "r")
        den_text = st.bind(exp.DPipe(this=text("1"), expression=exp.Repeat(
            this=text("0"), times=exp.Greatest(this=neg(scale), expressions=[exp.Literal.number(0)]))), "r")
        frac_num = group(_FRACTION, 1, raw)
        frac_den = group(_FRACTION, 2, raw)
        too_long: list[exp.Expression] = []
        digits_max = DIGITS.get(self.dialect)
        ok_decimal = and_(decimal, not_(fraction), cmp(exp.LTE, exp.Abs(this=exponent),
                                                               exp.Literal.number(MAX_EXPONENT)))
        if digits_max is not None:
            long_decimal = or_(
                cmp(exp.GT, exp.Length(this=exp.Trim(this=num_text, expression=text("0"), position="LEADING")),
                    exp.Literal.number(digits_max)),
                cmp(exp.GT, exp.Length(this=den_text), exp.Literal.number(digits_max)))
            long_fraction = or_(cmp(exp.GT, exp.Length(this=frac_num), exp.Literal.number(digits_max)),
                                    cmp(exp.GT, exp.Length(this=frac_den), exp.Literal.number(digits_max)))
            too_long = [and_(ok_decimal, long_decimal), and_(fraction, long_fraction)]
            refuse(or_(*too_long), f" has more digits than {self.dialect}'s exact integers hold ({digits_max})")
        refuse(and_(fraction, exp.RegexpLike(this=frac_den, expression=text(r"^0+$"))),
               " divides by zero")
        readable = not_(or_(*too_long)) if too_long else exp.true()
        num = case((and_(fraction, readable), exp.cast(exp.Trim(this=frac_num), st.big)),
                   (and_(ok_decimal, readable),
                    mul(case((exp.EQ(this=sign, expression=text("-")), exp.Literal.number(-1)),
                             default=exp.Literal.number(1)), exp.cast(num_text, st.big))),
                   default=st.big_number(0))
        den = case((and_(fraction, readable, not_(exp.RegexpLike(this=frac_den, expression=text(r"^0+$")))),
                    exp.cast(frac_den, st.big)),
                   (and_(ok_decimal, readable), exp.cast(den_text, st.big)), default=st.big_number(1))
        return st.pair(num, den)

    def _domain(self, slot: p.InputSlot, value: Pair, refuse: Refuse) -> None:
        """semantics._outside, on the pair: the first problem, in its order."""
        d, words = slot.domain, _KIND_WORDS[slot.kind]
        n, den, big = value.num, value.den, self.st.big_number

        def below(bound: Fraction) -> exp.Expression:
            return cmp(exp.LT, mul(n, big(bound.denominator)), mul(big(bound.numerator), den))

        def above(bound: Fraction) -> exp.Expression:
            return cmp(exp.GT, mul(n, big(bound.denominator)), mul(big(bound.numerator), den))
        problems: list[tuple[exp.Expression, str]] = []
        if d.low >= 0:
            problems.append((cmp(exp.LT, n, exp.Literal.number(0)), f" is negative; expected {words}"))
        if d.whole and not value.den_one:  # a denominator of 1 (an integer column) is whole
            problems.append((exp.NEQ(this=mod(exp.Abs(this=n), den), expression=exp.Literal.number(0)),
                             f" is not a whole number; expected {words}"))
        if d.high is None and d.low != 0:
            problems.append((below(d.low), f" is below {fmt(d.low)}; expected {words}"))
        if slot.kind is Kind.RATE:
            problems.append((above(Fraction(1)), " is above 100%; give a rate as 0.85 or \"85%\""))
        if slot.kind is Kind.SCORE and d.high is not None:
            problems.append((or_(below(d.low), above(d.high)),
                             f" is outside the score range {fmt(d.low)} to {fmt(d.high)}"))
        for condition, reason in problems:
            refuse(condition, reason)

    def read(self, k: int) -> None:
        """Slot k's value, as the python back-end reads it (codegen.read_inputs)."""
        if k in self.slots:
            return
        slot = self.plan.slots[k]
        raw = self.text_of(slot.key)
        absent = self.absent_of(slot.key, raw)
        user = slot.first_user
        phases = self._phases(k)
        if slot.missing is MissingPolicy.PREVIOUS:
            previous = slot.key + PREVIOUS_SUFFIX
            earlier = self.text_of(previous)
            earlier_absent = self.absent_of(previous, earlier)
            raw = self.st.bind(case((absent, exp.cast(earlier, "VARCHAR")), default=exp.cast(raw, "VARCHAR")), "r")
            missing = and_(absent, earlier_absent)
            given = not_(missing)
            self._missing_error(slot, missing, phases)
            value = self.parse(slot, None, raw, given, user, phases)  # either column: read as text
            self.slots[k] = _Slot(value, absent, None, None)
            return
        value = self.parse(slot, slot.key, raw, not_(absent), user, phases, own=True)
        zero = Pair(exp.Literal.number(0), exp.Literal.number(1), True)
        if slot.missing is MissingPolicy.ERROR and not slot.tolerant:
            self._missing_error(slot, absent, phases)
            self.slots[k] = _Slot(value, absent, None, None)
        elif slot.tolerant or slot.missing is MissingPolicy.ZERO:
            filled = self.st.pair(case((absent, zero.num), default=value.num),
                                  case((absent, zero.den), default=value.den), value.den_one)
            self.slots[k] = _Slot(filled, absent, None, absent if slot.tolerant else None)
        elif slot.missing is MissingPolicy.NOT_APPLICABLE:
            self.slots[k] = _Slot(value, absent, absent, None)
        else:
            imputed, nothing = self._impute(k)
            event = self.event(MissingInput, slot.key, user, phases[0],
                               "no value given, and no other entity of the cohort reports one to fill in from")
            for phase in phases:
                self.refuse(and_(absent, nothing), event, phase)
            filled = self.st.pair(case((absent, imputed.num), default=value.num),
                                  case((absent, imputed.den), default=value.den))
            self.slots[k] = _Slot(filled, absent, None, None)

    def _phases(self, k: int) -> tuple[Phase, ...]:
        return tuple(phase for phase, reads in ((1, self.plan.cohort_reads), (2, self.plan.main_reads)) if k in reads)

    def _missing_error(self, slot: p.InputSlot, condition: exp.Expression, phases: tuple[Phase, ...]) -> None:
        event = self.event(MissingInput, slot.key, slot.first_user, phases[0] if phases else 2, "no value given")
        for phase in phases:
            self.refuse(condition, event, phase)

    # ------------------------------------------------------------ the cohort's values
    def _impute(self, k: int) -> tuple[Pair, exp.Expression]:
        """semantics.imputed_values for slot k: every reported value checked (phase 0), then the
        cohort's mean, median or least, whole numbers rounded half up."""
        slot = self.plan.slots[k]
        raw = self.text_of(slot.key)
        absent = self.absent_of(slot.key, raw)
        value = self.parse(slot, slot.key, raw, not_(absent), None, (0,), own=True)
        function = {MissingPolicy.COHORT_MEAN: Function.COHORT_MEAN,
                    MissingPolicy.COHORT_MEDIAN: Function.COHORT_MEDIAN,
                    MissingPolicy.COHORT_MIN: Function.COHORT_MIN}[slot.missing]
        result, _ = self.statistic(function, value, absent, f"imp{k}")
        if slot.domain.whole:
            rounded = self.round(result, Rounding(0, RoundMode.HALF_UP))
            result = Pair(rounded.num, self.st.big_number(1), True)
        reported = exp.Window(this=exp.Count(this=case((not_(absent), exp.Literal.number(1)))))
        self.imputed[k] = (result, self.st.bind(exp.EQ(this=reported, expression=exp.Literal.number(0)), "u"))
        return self.imputed[k]

    def statistic(self, function: Function, value: Pair, none: exp.Expression,
                  name: str) -> tuple[Pair, exp.Expression]:
        """A cohort function (semantics.cohort_column) over the rows where not `none`: this row's
        value, and whether it is None. Ordering uses an exact integer key; sums put the values on
        their least common denominator first."""
        st = self.st
        present = not_(none)
        one, two = exp.Literal.number(1), exp.Literal.number(2)
        rn: exp.Expression
        rd: exp.Expression
        always = isinstance(none, exp.Boolean) and not none.this  # every row takes part
        if value.den_one:
            rn, rd = value.num if always else st.bind(case((present, value.num)), "n"), exp.Literal.number(1)
            key: exp.Expression = rn
        else:
            g = st.bind(func("gcd", value.num, value.den), "g")
            rn = st.bind(case((present, div(value.num, g))), "n")
            rd = st.bind(case((present, div(value.den, g))), "d")
            key = self._order_key(rn, rd)
        count = st.bind(exp.Window(this=exp.Count(this=key)), "c")

        def ranked(desc: bool) -> exp.Expression:
            return exp.Window(this=exp.Anonymous(this="RANK"), order=_order(key, desc))

        def first(of: exp.Expression, desc: bool) -> exp.Expression:
            return st.bind(exp.Window(this=exp.FirstValue(this=of), order=_order(key, desc)), "f")
        if function is Function.RANK:
            rank = st.descending_rank(key, name) if st.dialect == "duckdb" else st.bind(ranked(True), "n")
            return Pair(rank, one, True), none
        if function is Function.PERCENTILE:
            return (Pair(st.bind(sub(ranked(False), one), "n"), st.bind(sub(count, one), "d")),
                    or_(none, cmp(exp.LT, count, two)))
        low, high = Pair(first(rn, False), first(rd, False)), Pair(first(rn, True), first(rd, True))
        if function is Function.MINMAX:
            spread = self.binary(p.Arith.SUB, high, low)
            offset = self.binary(p.Arith.SUB, Pair(rn, rd), low)
            return (Pair(mul(offset.num, spread.den), mul(offset.den, spread.num)),
                    or_(none, exp.EQ(this=spread.num, expression=exp.Literal.number(0))))
        if function is Function.TO_BEST:
            quotient = self.signed(mul(rn, high.den), mul(rd, high.num))
            return quotient, or_(none, exp.EQ(this=high.num, expression=exp.Literal.number(0)))
        if function is Function.COHORT_MIN:
            return low, none
        if function is Function.COHORT_MAX:
            return high, none
        if function is Function.COHORT_MEDIAN:
            position = st.bind(exp.Window(this=exp.RowNumber(), order=_order(key, False)), "o")
            lower = cmp(exp.EQ, position, div(add(count, one), two))
            upper = cmp(exp.EQ, position, add(div(count, two), one))

            def at(where: exp.Expression, of: exp.Expression) -> exp.Expression:
                return st.bind(exp.Window(this=exp.Max(this=case((and_(present, where), of)))), "m")
            middle = self.binary(p.Arith.ADD, Pair(at(lower, rn), at(lower, rd)), Pair(at(upper, rn), at(upper, rd)))
            return Pair(middle.num, mul(two, middle.den)), none
        common: exp.Expression = one
        scaled = rn
        if not value.den_one:
            common = lowest_common_denominator(st, rd, present, name)
            scaled = st.bind(case((present, mul(rn, div(common, rd)))), "k")
        total = st.bind(exp.Window(this=exp.Sum(this=scaled)), "s")
        if function is Function.SHARE:
            return self.signed(scaled, total), or_(none, exp.EQ(this=total, expression=exp.Literal.number(0)))
        assert function is Function.COHORT_MEAN
        return Pair(total, mul(count, common)), none

    def _order_key(self, num: exp.Expression, den: exp.Expression) -> exp.Expression:
        """floor(value x S), with S a power of ten above the square of the largest denominator:
        two values of the column differ by at least 1/S then, so the keys order them exactly."""
        st = self.st
        largest = st.bind(exp.Window(this=exp.Max(this=den)), "d")
        digits = exp.Length(this=exp.cast(mul(largest, largest), "VARCHAR"))
        scale = st.bind(exp.cast(exp.DPipe(this=text("1"), expression=exp.Repeat(this=text("0"), times=digits)),
                                 st.big), "k")
        up = mul(num, scale)
        floor = case((cmp(exp.GTE, num, exp.Literal.number(0)), div(up, den)),
                     default=neg(div(add(neg(up), sub(den, exp.Literal.number(1))), den)))
        return st.bind(floor, "k")

    def signed(self, num: exp.Expression, den: exp.Expression) -> Pair:
        """num/den with the denominator made positive."""
        negative = cmp(exp.LT, den, exp.Literal.number(0))
        return self.st.pair(case((negative, neg(num)), default=num), case((negative, neg(den)), default=den))

    # ------------------------------------------------------------ formulas
    def formula(self, op: p.Op, signals: list[tuple[exp.Expression, int]], memo: dict[int, Pair],
                indicator: str, phase: Phase) -> Pair:
        """An op's value; `signals` gathers, in evaluation order, the conditions that stop it:
        (condition, event) for an error, (condition, None) for a zero denominator (its blame
        is resolved by the caller)."""
        if id(op) in memo:
            return memo[id(op)]
        value = self._op(op, signals, memo, indicator, phase)
        memo[id(op)] = value
        return value

    def _op(self, op: p.Op, signals: list[tuple[exp.Expression, int]], memo: dict[int, Pair],
            indicator: str, phase: Phase) -> Pair:
        st = self.st
        def sub_formula(child: p.Op) -> Pair:
            return self.formula(child, signals, memo, indicator, phase)
        match op:
            case p.Const(value):
                return st.fraction(value)
            case p.Load(slot):
                found = self.slots[slot].value
                assert found is not None
                return found
            case p.Negate(operand):
                inner = sub_formula(operand)
                return Pair(st.bind(neg(inner.num), "n"), inner.den, inner.den_one)
            case p.Binary(kind, left, right):
                return self.binary(kind, sub_formula(left), sub_formula(right))
            case p.Divide(left, right, blame, bounded):
                a, b = sub_formula(left), sub_formula(right)
                if bounded is not None:
                    self._bounded(a, b, bounded, (left, right), signals, indicator, phase)
                words = f"division by zero: `{blame}` is 0" if blame else "division by zero: a denominator is 0"
                zero = self.event(ZeroDenominator, blame, indicator, phase, words)
                signals.append((exp.EQ(this=b.num, expression=exp.Literal.number(0)), -zero))
                num, den = mul(a.num, b.den), mul(a.den, b.num)
                if nonneg(right, self.plan):
                    return st.pair(num, den)
                return self.signed(st.bind(num, "n"), st.bind(den, "d"))
            case p.Sum(terms):
                return self.total([sub_formula(term) for term in terms])
            case p.Tally(items):
                scale = 1
                for points, _ in items:
                    scale = scale * points.denominator // _gcd(scale, points.denominator)
                counted: exp.Expression = st.big_number(0)
                for points, k in items:
                    found = self.slots[k].value
                    assert found is not None
                    counted = add(counted, mul(st.big_number(int(points * scale)), found.num))
                return Pair(st.bind(counted, "n"), st.big_number(scale), scale == 1)
            case p.Extreme(largest, operands):
                return self.extreme(largest, [sub_formula(o) for o in operands])
            case p.CohortValue(site):
                found_value, none = self.cohort[site]
                signals.append((none, -self.event(ZeroDenominator, None, indicator, phase,
                                                  "division by zero: a denominator is 0")))
                return found_value
        raise AssertionError(op)

    def extreme(self, largest: bool, values: list[Pair]) -> Pair:
        chosen = values[0]
        for other in values[1:]:
            better = self.st.bind(cmp(exp.GT if largest else exp.LT, mul(other.num, chosen.den),
                                      mul(chosen.num, other.den)), "x")
            chosen = self.st.pair(case((better, other.num), default=chosen.num),
                                  case((better, other.den), default=chosen.den), other.den_one and chosen.den_one)
        return chosen

    def total(self, pairs: list[Pair]) -> Pair:
        """The sum of the pairs: one expression where every denominator is a constant (not a
        column: its readers, a rounding and a node's outputs, take it in place, a stage
        sooner), else added pairwise, so the chain of columns (and of stages) is log2 of the
        terms, not their number."""
        st = self.st
        if not pairs:
            return Pair(exp.Literal.number(0), exp.Literal.number(1), True)
        known = [k for pair in pairs if (k := constant(pair.den)) is not None and k > 0]
        if len(pairs) > 2 and len(known) == len(pairs):
            common = 1
            for k in known:
                common = common * k // _gcd(common, k)
            terms = [mul(pair.num, st.number(common // k)) for pair, k in zip(pairs, known)]
            summed = terms[0]
            for term in terms[1:]:
                summed = add(summed, term)
            return Pair(summed, st.big_number(common), common == 1)
        while len(pairs) > 1:
            pairs = [self.binary(p.Arith.ADD, *pairs[k:k + 2]) if k + 1 < len(pairs) else pairs[k]
                     for k in range(0, len(pairs), 2)]
        return pairs[0]

    def where(self, condition: exp.Expression, value: Pair) -> Pair:
        """The value where the condition holds, else 0 (a constant denominator kept: 0 over it)."""
        st = self.st
        num = st.bind(case((condition, value.num), default=st.big_number(0)), "n")
        if constant(value.den) is not None:
            return Pair(num, value.den, value.den_one)
        return Pair(num, st.bind(case((condition, value.den), default=st.big_number(1)), "d"))

    def binary(self, kind: p.Arith, a: Pair, b: Pair) -> Pair:
        """a + b, a - b or a x b. Where both denominators are constants (points, rounded
        scores, the standard's fractions), the result's is too: their least common multiple
        for a sum, so a node's sum of thirty members' points stays on one scale rather than
        growing by a factor at every term."""
        st = self.st
        da, db = constant(a.den), constant(b.den)
        if kind is p.Arith.MUL:
            den = st.big_number(da * db) if da is not None and db is not None else mul(a.den, b.den)
            return Pair(st.bind(mul(a.num, b.num), "n"), st.bind(den, "d"), a.den_one and b.den_one)
        combine = add if kind is p.Arith.ADD else sub
        if a.den_one and b.den_one:
            return Pair(st.bind(combine(a.num, b.num), "n"), exp.Literal.number(1), True)
        if da is not None and db is not None and da > 0 and db > 0:
            common = da * db // _gcd(da, db)
            num = combine(mul(a.num, st.number(common // da)), mul(b.num, st.number(common // db)))
            return Pair(st.bind(num, "n"), st.big_number(common), common == 1)
        return st.pair(combine(mul(a.num, b.den), mul(b.num, a.den)), mul(a.den, b.den))

    def _bounded(self, part: Pair, whole: Pair, labels: tuple[str, str], operands: tuple[p.Op, p.Op],
                 signals: list[tuple[exp.Expression, int]], indicator: str, phase: Phase) -> None:
        reads = (*_loads(operands[0]), *_loads(operands[1]))
        stand_ins = [flag for k in dict.fromkeys(reads) if (flag := self.slots[k].flag) is not None]
        above = cmp(exp.GT, mul(part.num, whole.den), mul(whole.num, part.den))
        if stand_ins:
            above = and_(not_(or_(*stand_ins)), above)
        slots = [op.slot if isinstance(op, p.Load) else None for op in operands]
        shown = concat(text(f"ratio({labels[0]}, {labels[1]}): the part, "), self.shown(slots[0], part),
                       text(", is above the whole, "), self.shown(slots[1], whole))
        event = self.event(InvalidValue, labels[0], indicator, phase, "", shown, quoted=False)
        signals.append((above, event))

    # ------------------------------------------------------------ rounding and points
    def round(self, value: Pair, rounding: Rounding | None) -> Pair:
        """semantics.round_score on a pair: half up, half even or truncate, exactly. With A =
        |num| x 10^decimals, half up is floor((2A + den) / 2den), which is floor((A + h) / den)
        for h = den div 2: one division and no intermediate column (a rounding once took four
        chained columns, and so four stages, at every level of the tree). 2A + den takes one
        bit more than A: an A that large is an engine's overflow error, never a wrong score."""
        if rounding is None:
            return value
        st = self.st
        scale = st.big_number(10**rounding.decimals)
        scaled = mul(exp.Abs(this=value.num), scale)
        known = constant(value.den)
        if rounding.mode is RoundMode.TRUNCATE:
            whole = div(scaled, value.den)
        elif rounding.mode is RoundMode.HALF_UP and known is not None:  # the same, for a constant den
            whole = div(add(scaled, st.big_number(known // 2)), value.den)
        elif rounding.mode is RoundMode.HALF_UP:
            whole = div(add(mul(exp.Literal.number(2), scaled), value.den), self.doubled(value.den))
        else:  # half even: half up, but a tie (an exact half) taken down to the even neighbour
            doubled = self.doubled(value.den)
            halved = st.bind(add(mul(exp.Literal.number(2), scaled), value.den), "h")
            up = st.bind(div(halved, doubled), "w")
            tie = and_(exp.EQ(this=mod(halved, doubled), expression=exp.Literal.number(0)),
                       exp.EQ(this=mod(up, exp.Literal.number(2)), expression=exp.Literal.number(1)))
            whole = sub(up, case((tie, exp.Literal.number(1)), default=exp.Literal.number(0)))
        negative = cmp(exp.LT, value.num, exp.Literal.number(0))
        return Pair(st.bind(case((negative, neg(whole)), default=whole), "n"), scale)

    def doubled(self, den: exp.Expression) -> exp.Expression:
        """2 x den, folded where den is a constant."""
        known = constant(den)
        return self.st.big_number(2 * known) if known is not None else mul(exp.Literal.number(2), den)

    def stars(self, value: Pair, banding: p.Banding) -> exp.Expression:
        """The thresholds reached. For a threshold m (on the banding's scale) and den > 0,
        value x scale >= m exactly when num x scale >= m x den (<= alike): products only. A
        128-bit division costs DuckDB some 25 products (it is done in software), and the
        floor division this replaced, one per value, was most of the query's divisions.
        Where m x den could pass the dialect's digits (den above a bound known here), the row
        takes the floor division instead, behind a CASE, so such a row is scored as before
        rather than refused as an overflow; where no row's den can be that large (Stages.bound),
        there is no such test."""
        st = self.st
        scaled = st.bind(mul(value.num, st.big_number(banding.scale)), "a")
        kind = exp.GTE if banding.rule is BandRule.AT_LEAST else exp.LTE
        den = value.den
        products = self._reached(banding, lambda m: cmp(kind, scaled, mul(st.big_number(m), den)))
        digits = DIGITS.get(self.dialect)
        largest = max((abs(m) for m in banding.thresholds), default=0)
        if digits is None or value.den_one or largest <= 1:
            return st.bind(products, "s")
        known = st.bound(den)
        if known is not None and known * largest <= 10**digits - 1:  # no product can overflow
            return st.bind(products, "s")
        huge = cmp(exp.GT, den, st.big_number((10**digits - 1) // largest))

        def bound() -> exp.Expression:  # written in place per threshold: only huge rows compute it
            return _floor_div(scaled, den) if kind is exp.GTE else neg(_floor_div(neg(scaled), den))
        divided = self._reached(banding, lambda m: cmp(kind, bound(), st.big_number(m)))
        return st.bind(case((huge, divided), default=products), "s")

    def _reached(self, banding: p.Banding, reaches: Callable[[int], exp.Expression]) -> exp.Expression:
        """The count of thresholds reached: the highest one reached, tested from the top, as the
        checker has them strictly ascend (`at least`) or descend (`at most`) so that reaching
        one is reaching every one below it (E0208); a count of each one otherwise."""
        thresholds = list(banding.thresholds)
        ordered = thresholds == sorted(set(thresholds), reverse=banding.rule is not BandRule.AT_LEAST)
        if ordered:
            return case(*((reaches(m), exp.Literal.number(n)) for n, m in reversed(list(enumerate(thresholds, 1)))),
                        default=exp.Literal.number(0))
        counted: exp.Expression = exp.Literal.number(0)
        for m in thresholds:
            counted = add(counted, case((reaches(m), exp.Literal.number(1)), default=exp.Literal.number(0)))
        return counted

    def points(self, item: p.IndicatorPlan, value: Pair, stars: exp.Expression | None) -> Pair:
        st, scale = self.st, self.plan.points_scale
        points = item.points
        if isinstance(points, p.DeductionPoints):
            off = self.clamp(Pair(mul(st.big_number(points.each.numerator), value.num),
                                  mul(st.big_number(points.each.denominator), value.den)), Fraction(0), points.cap)
            rounded = self.round(st.pair(off.num, off.den), item.rounding)
            return Pair(st.bind(neg(rounded.num), "n"), rounded.den)
        if isinstance(points, p.LinearPoints):
            span = points.high - points.low
            low = points.low
            num = sub(mul(value.num, st.big_number(low.denominator)), mul(st.big_number(low.numerator), value.den))
            den = mul(value.den, st.big_number(points.low.denominator))
            position = Pair(mul(num, st.big_number(span.denominator * (1 if span > 0 else -1))),
                            mul(den, st.big_number(abs(span.numerator))))
            clamped = self.clamp(position, Fraction(0), Fraction(1))
            scaled = st.pair(mul(clamped.num, st.big_number(points.maximum.numerator)),
                             mul(clamped.den, st.big_number(points.maximum.denominator)))
            return self.round(scaled, item.rounding)
        if isinstance(points, p.TablePoints):
            return Pair(st.bind(self._table(points, value), "n"), st.big_number(scale))
        assert stars is not None
        each = [int(v * scale) for v in points.table]  # points per star count, scaled
        if all(v == n * each[1] for n, v in enumerate(each)):  # a line through 0: no rounding bent it
            return Pair(st.bind(mul(exp.cast(stars, st.big), st.number(each[1])), "n"), st.big_number(scale))
        table = [(exp.EQ(this=stars, expression=exp.Literal.number(n)), st.big_number(v)) for n, v in enumerate(each)]
        return Pair(st.bind(case(*table), "n"), st.big_number(scale))

    def clamp(self, value: Pair, low: Fraction | None, high: Fraction | None) -> Pair:
        st = self.st
        num, den = value.num, value.den
        if low is not None:
            under = cmp(exp.LT, mul(num, st.big_number(low.denominator)), mul(st.big_number(low.numerator), den))
            num, den = st.bind(case((under, st.big_number(low.numerator)), default=num), "n"), \
                st.bind(case((under, st.big_number(low.denominator)), default=den), "d")
        if high is not None:
            over = cmp(exp.GT, mul(num, st.big_number(high.denominator)), mul(st.big_number(high.numerator), den))
            num, den = st.bind(case((over, st.big_number(high.numerator)), default=num), "n"), \
                st.bind(case((over, st.big_number(high.denominator)), default=den), "d")
        return Pair(num, den)

    def _table(self, points: p.TablePoints, value: Pair) -> exp.Expression:
        return self.table_points(points, value, raw=False)

    def table_scale(self, points: p.TablePoints) -> int:
        """The common denominator of a table's points as written."""
        scale = 1
        for row in points.rows:
            scale = scale * row[4].denominator // _gcd(scale, row[4].denominator)
        return scale

    def table_points(self, points: p.TablePoints, value: Pair, raw: bool) -> exp.Expression:
        """The points of the row the value satisfies, scaled: rounded (by points_scale), or as
        written (`raw`, by table_scale)."""
        scale = self.table_scale(points) if raw else self.plan.points_scale
        whens = []
        for (low, low_closed, high, high_closed, written), row_points in zip(points.rows, points.rounded):
            tests: list[exp.Expression] = []
            if low is not None:
                tests.append(cmp(exp.GTE if low_closed else exp.GT, mul(value.num, self.st.big_number(low.denominator)),
                                 mul(self.st.big_number(low.numerator), value.den)))
            if high is not None:
                tests.append(cmp(exp.LTE if high_closed else exp.LT,
                                 mul(value.num, self.st.big_number(high.denominator)),
                                 mul(self.st.big_number(high.numerator), value.den)))
            shown = written if raw else row_points
            whens.append((and_(*tests) if tests else exp.true(), self.st.big_number(int(shown * scale))))
        return case(*whens[:-1], default=whens[-1][1]) if len(whens) > 1 else whens[0][1]

    def divide_pairs(self, a: Pair, b: Pair) -> Pair:
        """a / b for b > 0 or b < 0 (the caller rules out 0), the denominator kept positive."""
        return self.signed(self.st.bind(mul(a.num, b.den), "n"), self.st.bind(mul(a.den, b.num), "d"))


def _non_finite(source: exp.Expression) -> exp.Expression:
    """Python's text of a double that is not finite (engines write Infinity, NaN or inf, nan).
    NaN equals NaN and is above every number in DuckDB, PostgreSQL and Spark."""
    nan = exp.cast(text("NaN"), "DOUBLE")
    return case((exp.EQ(this=source, expression=nan), text("nan")),
                (cmp(exp.GT, source, exp.Literal.number(0)), text("inf")), default=text("-inf"))


def _floor_div(a: exp.Expression, d: exp.Expression) -> exp.Expression:
    """floor(a / d) for d > 0, by integer divisions of non-negative numbers only (engines
    differ in how they divide negative ones)."""
    return case((cmp(exp.GTE, a, exp.Literal.number(0)), div(a, d)),
                default=neg(div(sub(sub(d, exp.Literal.number(1)), a), d)))


def _order(key: exp.Expression, desc: bool) -> exp.Order:
    return exp.Order(expressions=[exp.Ordered(this=key, desc=desc, nulls_first=False)])


def paren_(e: exp.Expression) -> exp.Expression:
    return e if isinstance(e, (exp.Column, exp.Paren)) else exp.Paren(this=e)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def _backreference(dialect: str, n: int) -> str:
    """Group n in a regexp_replace replacement: Spark's is Java's `$n`, the others' `\\n`."""
    return f"${n}" if dialect == "spark" else f"\\{n}"


def _read_order(dialect: str) -> exp.Expression:
    """Each row's place in the order the engine reads the table in. Spark refuses an unordered
    row_number(); its row ids grow in that order (partition by partition)."""
    if dialect == "spark":
        return exp.Anonymous(this="monotonically_increasing_id")
    return exp.Window(this=exp.RowNumber())
