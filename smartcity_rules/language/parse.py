"""Parses standard text into the syntax tree; the only module that touches Lark.

Lark errors are translated here, at one boundary, into diagnostics; the
transformer never raises, it records problems and carries on.
"""

from __future__ import annotations

import datetime
import difflib
import enum
import functools
import re
import unicodedata
from collections.abc import Callable
from fractions import Fraction
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import attrs
import lark
from lark import Token, v_args
from lark.tree import Meta
from lark.visitors import Transformer_NonRecursive

from . import files
from . import syntax as s
from .concrete import Phrase, Word
from .diagnostics import Diagnostic, Severity, sort_key
from .errors import InvalidStandard
from .source import Source, Span

GRAMMAR_FILE = "standard.lark"
MAX_SOURCE_CHARS = 2_000_000
MAX_SYNTAX_ERRORS = 20
# Where a top-level item starts: error recovery resumes at the next one.
_ITEM_START = re.compile(r"^[ \t]*(?:standard|use|input|bands|group|bonus[ \t]+group|rating)\b", re.MULTILINE)
# Tree levels; the shipped standards' deepest formula has 5.  The later stages walk a formula
# recursively, up to 4 frames a level (plan/lower.py): at 200 levels a caller 200 frames deep,
# or the document's renderer, ran out of Python's 1,000 frames (RecursionError).
MAX_NESTING = 100
MAX_LITERAL_DIGITS = 100  # characters in one written number
MAX_EXPONENT = 10  # `x ^ n`: squares and cubes in practice; the bound keeps exact values short
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 and C1 controls but tab and line break


def grammar_text() -> str:
    """The grammar: `smartcity_rules/language/grammar` links to the top-level `grammar/`
    folder in a checkout, and is a real folder inside an installed wheel."""
    packaged = resources.files("smartcity_rules.language") / "grammar" / GRAMMAR_FILE
    if packaged.is_file():
        return packaged.read_text("utf-8")
    return (Path(__file__).resolve().parents[2] / "grammar" / GRAMMAR_FILE).read_text("utf-8")


@functools.lru_cache(maxsize=1)
def _parser() -> lark.Lark:
    return lark.Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=False,
    )


# Human words for terminals, in "expected ..." messages.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "STRING": 'a quoted string ("...")',
    "DECIMAL": "a number",
    "DATE": "a date (YYYY-MM-DD)",
    "COMPARE": "a comparison (>=, >, <=, <)",
    "CODE": "an indicator code (12, L1P1-A1, 2.3.1)",
    "ROUND_MODE": "`half up`, `half even` or `truncate`",
    "$END": "the end of the file",
}


def _describe_terminal(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    for terminal in _parser().terminals:
        if terminal.name == name:
            pattern = terminal.pattern
            if pattern.type == "str":
                return f"`{pattern.value}`"
    return name.lower()


def _expected(names: set[str] | frozenset[str]) -> str:
    words = sorted({_describe_terminal(n) for n in names if not n.startswith("__")})
    if not words:
        return ""
    if len(words) > 8:
        words = [*words[:8], "..."]
    return "one of " + ", ".join(words) if len(words) > 1 else words[0]


def _syntax_diagnostic(source: Source, error: lark.exceptions.UnexpectedInput) -> Diagnostic:
    offset = getattr(error, "pos_in_stream", None)
    if isinstance(error, lark.exceptions.UnexpectedToken):
        token = error.token
        if token.type == "$END":
            end = len(source.text.rstrip())  # just after the last thing written, not on an empty line
            span = source.span(end, end)
            found = "end of file"
        else:
            span = source.span(token.start_pos or 0, token.end_pos or 0)
            found = f"`{token}`"
        expected = _expected(error.expected)
        return Diagnostic(
            "E0101",
            f"unexpected {found}",
            span,
            label=f"expected {expected}" if expected else "not expected here",
            help=_hint(token.type, error.expected),
        )
    if isinstance(error, lark.exceptions.UnexpectedCharacters):
        start = offset or 0
        char = source.text[start : start + 1]
        if char == '"':
            return Diagnostic(
                "E0102", "unterminated string", source.span(start, start + 1),
                label="this string is not closed on its line",
                help='close it with `"`; write a quote inside a string as \\"',
            )
        ascii_form = _ascii_twin(char)
        if ascii_form is not None:  # the lexer's list of what it could take would only mislead
            return Diagnostic(
                "E0103", f"unexpected character `{char}`", source.span(start, start + 1),
                label=f"a full-width `{char}`", help=f"write the ASCII `{ascii_form}`; only strings may hold `{char}`",
            )
        expected = _expected(error.allowed or set())
        return Diagnostic(
            "E0103", f"unexpected character `{char}`", source.span(start, start + 1),
            label=f"expected {expected}" if expected else "not expected here",
        )
    end = len(source.text)
    return Diagnostic("E0101", "unexpected end of file", source.span(end, end))


def _ascii_twin(char: str) -> str | None:
    """The ASCII character a Chinese input method typed in full width: `，` for `,`."""
    if char in "“”":
        return '"'
    twin = unicodedata.normalize("NFKC", char)
    return twin if twin != char and twin.isascii() and twin.strip() else None


def _hint(found: str, expected: set[str] | frozenset[str]) -> str:
    if found == "$END" and "RBRACE" in expected:
        return "a `{` is still open: close it with `}`"
    if "RBRACE" in expected and found in ("INDICATOR", "GROUP"):
        return "the block above is not closed: add `}` before this line"
    return ""


# ------------------------------------------------------------ the transformer
E = TypeVar("E", bound=enum.Enum)
_LEADING = object()  # the ★ mark, told apart from the other parts of an indicator
_CLAUSE_NAMES = {
    "description": "description", "note": "note", "value": "value", "stars": "stars",
    "points": "points", "deduct": "deduct", "zero_policy": "on zero denominator",
    "better": "better", "part_of": "part of", "weight": "weight", "rounding": "rounding",
    "missing": "when missing", "redistribute": "when not applicable", "aggregation": "aggregate",
}
_FIELDS = {"deduct": "deduction"}  # clause keyword -> Indicator field, where they differ


class _Overrides(list[Any]):
    """The clauses of a reused indicator's `{ ... }`, told apart from its other parts."""


@attrs.frozen
class _PerTail:
    """`for "市", 12 for "县"` after a number: the type of the number before it, then pairs."""

    first: str
    rest: tuple[tuple[s.Literal, str], ...]
    span: Span


@attrs.frozen
class _Typed:
    """A clause's value with the numbers it gives per entity type, for `_clauses` to file."""

    value: Any
    per_type: s.PerTypeFields


@v_args(meta=True)
class _Builder(Transformer_NonRecursive[Token, Any]):
    """Builds syntax nodes from Lark's tree, recording problems instead of raising.

    Non-recursive: Lark's Transformer takes two frames a tree level, so even a formula within
    MAX_NESTING ran out of stack (a Lark VisitError) when parsed from a deep caller."""

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source
        self.diagnostics: list[Diagnostic] = []

    # -- helpers
    def _span(self, meta: Meta) -> Span:
        if getattr(meta, "empty", True):
            return self.source.span(0, 0)
        return self.source.span(meta.start_pos, meta.end_pos)

    def _tspan(self, token: Token) -> Span:
        return self.source.span(token.start_pos or 0, token.end_pos or 0)

    def _error(self, code: str, message: str, span: Span, label: str = "", help: str = "") -> None:
        self.diagnostics.append(Diagnostic(code, message, span, label=label, help=help))

    def _whole(self, literal: s.Literal, what: str) -> int:
        if literal.value.denominator != 1:
            self._error("E0104", f"{what} must be a whole number", literal.span,
                        label=f"`{literal.text}` is not whole")
        return int(literal.value)

    # -- literals
    def _number(self, token: Token) -> Fraction:
        """A written number, exactly; an absurdly long one is refused before Python's
        int-from-text limit turns it into an internal error."""
        text = str(token)
        if len(text) > MAX_LITERAL_DIGITS:
            self._error("E0113", f"number has {len(text):,} characters, more than {MAX_LITERAL_DIGITS}",
                        self._tspan(token), label="too long", help="thresholds and weights need a few digits")
            return Fraction(0)
        return Fraction(text)

    def decimal(self, meta: Meta, children: list[Token]) -> s.Literal:
        (token,) = children
        return s.Literal(self._number(token), str(token), span=self._tspan(token))

    def percent(self, meta: Meta, children: list[Token]) -> s.Literal:
        (token,) = children
        return s.Literal(self._number(token) / 100, f"{token}%", span=self._span(meta))

    def negative(self, meta: Meta, children: list[s.Literal]) -> s.Literal:
        (inner,) = children
        return s.Literal(-inner.value, f"-{inner.text}", span=self._span(meta))

    def fraction(self, meta: Meta, children: list[Token]) -> s.Literal:
        top, bottom = children
        span = self._span(meta)
        numerator, denominator = self._number(top), self._number(bottom)
        if denominator == 0:
            if len(str(bottom)) <= MAX_LITERAL_DIGITS:
                self._error("E0105", "division by zero in a number", span, label="the denominator is 0")
            return s.Literal(Fraction(0), f"{top}/{bottom}", span=span)
        return s.Literal(numerator / denominator, f"{top}/{bottom}", span=span)

    def literal_list(self, meta: Meta, children: list[s.Literal]) -> tuple[s.Literal, ...]:
        return tuple(children)

    def provisional(self, meta: Meta, children: list[Any]) -> bool:
        return True

    def leading(self, meta: Meta, children: list[Any]) -> object:
        return _LEADING

    def _string(self, token: Token) -> str:
        body = str(token)[1:-1]
        control = _CONTROL.search(body)
        if control is not None:
            # Raw control characters (ESC, BEL...) would reach terminals through reports.
            at = (token.start_pos or 0) + 1 + control.start()
            self._error("E0114", f"control character U+{ord(control.group()):04X} in a string",
                        self.source.span(at, at + 1), label="not allowed here",
                        help="write a tab as \\t and a line break as \\n; other control characters have no place")
            body = _CONTROL.sub("", body)
        return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)

    # -- entity types
    def for_types(self, meta: Meta, c: list[Token]) -> s.ForTypes:
        return s.ForTypes(tuple(self._string(token) for token in c), span=self._span(meta))

    def per_type(self, meta: Meta, c: list[Any]) -> _PerTail:
        first, *rest = c
        pairs = tuple((rest[i], self._string(rest[i + 1])) for i in range(0, len(rest), 2))
        return _PerTail(self._string(first), pairs, self._span(meta))

    def _numbers(self, number: s.Literal, c: list[Any], key: str) -> tuple[s.Literal, s.PerTypeFields]:
        """A number and, when `for` follows it, that number per entity type (the first kept in
        the node's own field: only projections, which set it per type, are ever scored)."""
        if not (c and isinstance(c[0], _PerTail)):
            return number, ()
        tail = c.pop(0)
        values = ((tail.first, number), *((name, literal) for literal, name in tail.rest))
        span = self.source.span(number.span.start, tail.span.end)
        return number, ((key, s.PerType(values, span=span)),)

    def meta_entity_type(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return "entity_type", (str(c[0]), self._tspan(c[0])), self._span(meta)

    def choice_decl(self, meta: Meta, c: list[Token]) -> s.ChoiceInput:
        name, label, *choices = c
        return s.ChoiceInput(str(name), self._string(label), tuple(self._string(t) for t in choices),
                             span=self._span(meta), name_span=self._tspan(name))

    # -- header
    def header(self, meta: Meta, children: list[Any]) -> s.Header:
        title, *metas = children
        fields: dict[str, Any] = {"title": self._string(title), "span": self._span(meta)}
        notes: list[str] = []
        for key, value, span in metas:
            if key == "notes":
                notes.append(value)
                continue
            if key in fields:
                self._error("E0106", f"`{key}` is given twice in the header", span,
                            label="second time here")
                continue
            if key == "total":
                fields["total"], fields["total_provisional"], fields["per_type"] = value
            elif key == "entity_type":
                fields["entity_type"], fields["entity_type_span"] = value
            else:
                fields[key] = value
        return s.Header(notes=tuple(notes), **fields)

    def _choice(self, token: Token, choices: type[E], what: str) -> E | None:
        """A keyword from a closed set, read as a name so a typo gets a did-you-mean."""
        words = [member.value for member in choices]
        if str(token) in words:
            return choices(str(token))
        close = difflib.get_close_matches(str(token), words, n=1)
        self._error("E0111", f"unknown {what} `{token}`", self._tspan(token),
                    label=f"expected one of {', '.join(words)}",
                    help=f"did you mean `{close[0]}`?" if close else "")
        return None

    def meta_level(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return "level", self._choice(c[0], s.EntityLevel, "level"), self._span(meta)

    def meta_edition(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return "edition", self._string(c[0]), self._span(meta)

    def meta_effective(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        try:
            day = datetime.date.fromisoformat(str(c[0]))
        except ValueError:
            self._error("E0107", f"`{c[0]}` is not a calendar date", self._tspan(c[0]))
            day = None
        return "effective", day, self._span(meta)

    def meta_source(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return "source", self._string(c[0]), self._span(meta)

    def meta_total(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Span]:
        rest = c[1:]
        total, per_type = self._numbers(c[0], rest, "total")
        return "total", (total, bool(rest), per_type), self._span(meta)

    def rounding(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Span]:
        decimals = self._whole(c[0], "the number of decimals")
        mode = s.RoundMode(" ".join(str(c[1]).split())) if len(c) > 1 else s.RoundMode.HALF_UP
        span = self._span(meta)
        return "rounding", s.Rounding(decimals, mode, span=span), span

    def meta_note(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return "notes", self._string(c[0]), self._span(meta)

    # -- inputs
    def simple_kind(self, meta: Meta, c: list[Token]) -> tuple[s.Kind, None]:
        # `score` never arrives here: it is a keyword of its own, followed by its range.
        return self._choice(c[0], s.Kind, "input kind") or s.Kind.COUNT, None

    def score_kind(self, meta: Meta, c: list[s.Literal]) -> tuple[s.Kind, tuple[s.Literal, s.Literal]]:
        return s.Kind.SCORE, (c[0], c[1])

    def unit(self, meta: Meta, c: list[Token]) -> str:
        return self._string(c[0])

    def part_of(self, meta: Meta, c: list[Token]) -> tuple[str, str, Span]:
        return "part_of", str(c[0]), self._tspan(c[0])

    def better(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return "better", self._choice(c[0], s.Direction, "direction"), self._span(meta)

    def input_decl(self, meta: Meta, c: list[Any]) -> s.InputDecl:
        name, label, (kind, score_range), *rest = c
        unit = rest.pop(0) if rest and isinstance(rest[0], str) else None
        fields: dict[str, tuple[Any, Span]] = {}
        for key, value, span in rest:
            if key in fields:
                self._error("E0106", f"`{_CLAUSE_NAMES[key]}` is given twice", span, label="second time here")
                continue
            fields[key] = value, span
        part_of, part_span = fields.get("part_of", (None, None))
        better, _ = fields.get("better", (None, None))
        missing, _ = fields.get("missing", (s.MissingPolicy.ERROR, None))
        return s.InputDecl(
            str(name), self._string(label), kind, unit, part_of, score_range, better, missing, "missing" in fields,
            span=self._span(meta), name_span=self._tspan(name), part_of_span=part_span,
        )

    def when_missing(self, meta: Meta, c: list[s.MissingPolicy]) -> tuple[str, Any, Span]:
        return "missing", c[0], self._span(meta)

    def missing_error(self, meta: Meta, c: list[Any]) -> s.MissingPolicy:
        return s.MissingPolicy.ERROR

    def missing_zero(self, meta: Meta, c: list[Any]) -> s.MissingPolicy:
        return s.MissingPolicy.ZERO

    def missing_previous(self, meta: Meta, c: list[Any]) -> s.MissingPolicy:
        return s.MissingPolicy.PREVIOUS

    def missing_mean(self, meta: Meta, c: list[Any]) -> s.MissingPolicy:
        return s.MissingPolicy.COHORT_MEAN

    def missing_median(self, meta: Meta, c: list[Any]) -> s.MissingPolicy:
        return s.MissingPolicy.COHORT_MEDIAN

    def missing_min(self, meta: Meta, c: list[Any]) -> s.MissingPolicy:
        return s.MissingPolicy.COHORT_MIN

    def missing_not_applicable(self, meta: Meta, c: list[Any]) -> s.MissingPolicy:
        return s.MissingPolicy.NOT_APPLICABLE

    def aggregate(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return "aggregation", self._choice(c[0], s.Aggregation, "aggregation"), self._span(meta)

    def redistribute(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Span]:
        return "redistribute", True, self._span(meta)

    def unrated_rule(self, meta: Meta, c: list[s.Literal]) -> s.Literal:
        return c[0]

    # -- bands
    def at_least(self, meta: Meta, c: list[Any]) -> s.StarBands:
        return s.StarBands(s.BandRule.AT_LEAST, c[0], len(c) > 1, span=self._span(meta))

    def at_most(self, meta: Meta, c: list[Any]) -> s.StarBands:
        return s.StarBands(s.BandRule.AT_MOST, c[0], len(c) > 1, span=self._span(meta))

    def bands_decl(self, meta: Meta, c: list[Any]) -> s.BandsDecl:
        return s.BandsDecl(str(c[0]), c[1], span=self._span(meta))

    # -- formulas
    def ref(self, meta: Meta, c: list[Token]) -> s.Ref:
        return s.Ref(str(c[0]), span=self._span(meta))

    def _binary(op: s.BinaryOp) -> Callable[[Any, Meta, list[Any]], s.Binary]:  # type: ignore[misc]
        def build(self: _Builder, meta: Meta, c: list[Any]) -> s.Binary:
            return s.Binary(op, c[0], c[1], span=self._span(meta))
        return build

    add = _binary(s.BinaryOp.ADD)
    sub = _binary(s.BinaryOp.SUB)
    mul = _binary(s.BinaryOp.MUL)
    div = _binary(s.BinaryOp.DIV)

    def neg(self, meta: Meta, c: list[Any]) -> s.Neg:
        return s.Neg(c[0], span=self._span(meta))

    def power(self, meta: Meta, c: list[Any]) -> s.Power:
        base, token = c
        exponent = self._number(token)
        if exponent.denominator != 1 or exponent > MAX_EXPONENT:
            self._error("E0272", f"a power is a whole number from 0 to {MAX_EXPONENT}", self._tspan(token),
                        label=f"`^ {token}`", help="square a share with `x ^ 2`; roots are not offered, "
                        "a root being irrational")
            exponent = Fraction(1)
        return s.Power(base, int(exponent), span=self._span(meta))

    def call(self, meta: Meta, c: list[Any]) -> s.Call:
        name, *args = c
        return s.Call(str(name), tuple(args), span=self._span(meta), name_span=self._tspan(name))

    def weight_part(self, meta: Meta, c: list[Any]) -> s.WeightedPart:
        return s.WeightedPart(c[0], c[1], span=self._span(meta))

    def weighted(self, meta: Meta, c: list[s.WeightedPart]) -> s.Weighted:
        return s.Weighted(tuple(c), span=self._span(meta))

    def check_item(self, meta: Meta, c: list[Any]) -> s.ChecklistItem:
        return s.ChecklistItem(str(c[0]), c[1], span=self._span(meta))

    def checklist(self, meta: Meta, c: list[s.ChecklistItem]) -> s.Checklist:
        return s.Checklist(tuple(c), span=self._span(meta))

    # -- indicator clauses: each returns (clause name, value, span)
    def description(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return "description", self._string(c[0]), self._span(meta)

    def note(self, meta: Meta, c: list[Token]) -> tuple[str, Any, Span]:
        return "note", self._string(c[0]), self._span(meta)

    def value(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Span]:
        return "value", c[0], self._span(meta)

    def stars_named(self, meta: Meta, c: list[Token]) -> s.BandsRef:
        return s.BandsRef(str(c[0]), span=self._span(meta))

    def stars(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Span]:
        return "stars", c[0], self._span(meta)

    def linear(self, meta: Meta, c: list[s.Literal]) -> s.Linear:
        return s.Linear(c[0], c[1], span=self._span(meta))

    def points(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Span]:
        maximum, *rest = c
        maximum, per_type = self._numbers(maximum, rest, "points")
        scoring: s.FromStars | s.Linear = s.FromStars()
        if rest and isinstance(rest[0], s.Linear):
            scoring = rest.pop(0)
        span = self._span(meta)
        return "points", _Typed(s.Points(maximum, scoring, bool(rest), span=span), per_type), span

    def bound(self, meta: Meta, c: list[Any]) -> tuple[s.Compare, s.Literal]:
        return s.Compare(str(c[0])), c[1]

    def table_row(self, meta: Meta, c: list[Any]) -> s.TableRow:
        *bounds, points = c
        found: dict[bool, tuple[s.Compare, s.Literal]] = {}
        for compare, literal in bounds:
            lower = compare in (s.Compare.GE, s.Compare.GT)
            if lower in found:
                self._error("E0271", f"a row with two {'lower' if lower else 'upper'} bounds", self._span(meta),
                            label="write one `>=` or `>` and one `<` or `<=`",
                            help="a row holds from its lower bound up to its upper bound: `>= 93% and < 97%`")
            found.setdefault(lower, (compare, literal))
        low, high = found.get(True), found.get(False)
        return s.TableRow(None if low is None else low[1], low is not None and low[0] is s.Compare.GE,
                          None if high is None else high[1], high is not None and high[0] is s.Compare.LE,
                          points, span=self._span(meta))

    def points_table(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Span]:
        provisional = c[-1] is True
        rows = tuple(c[:-1] if provisional else c)
        span = self._span(meta)
        top = max(rows, key=lambda row: row.points.value).points
        return "points", s.Points(top, s.Table(rows, span=span), provisional, span=span), span

    def deduct(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Span]:
        span = self._span(meta)
        provisional = c[-1] is True
        literals = c[:-1] if provisional else c
        cap = literals[1] if len(literals) > 1 else None
        return "deduct", s.Deduction(literals[0], cap, provisional, span=span), span

    def weight(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Span]:
        return "weight", _Typed(*self._numbers(c[0], c[1:], "weight")), self._span(meta)

    def item(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Span]:
        code, name, *rest = c
        types = rest.pop(0) if rest and isinstance(rest[0], s.ForTypes) else None
        provisional = bool(rest and rest[0] is True)
        if provisional:
            rest.pop(0)
        fields, notes, items = self._clauses(rest, str(code))
        fields["types"] = types
        for inner in items:
            self._error("E0262", f"item {inner.code} inside item {code}", inner.code_span,
                        label="items do not nest", help="an indicator's items are its leaves: "
                        "make this one an item of the indicator, or make its parent an indicator")
        span = self._span(meta)
        return "item", s.Indicator(code=str(code), name=self._string(name), leading=False,
                                   provisional=provisional, notes=tuple(notes), is_item=True, **fields,
                                   span=span, code_span=self._tspan(code)), span

    def not_applicable(self, meta: Meta, c: list[Any]) -> s.ZeroPolicy:
        return s.ZeroPolicy.NOT_APPLICABLE

    def counts_as_zero(self, meta: Meta, c: list[Any]) -> s.ZeroPolicy:
        return s.ZeroPolicy.ZERO

    def raise_error(self, meta: Meta, c: list[Any]) -> s.ZeroPolicy:
        return s.ZeroPolicy.ERROR

    def zero_policy(self, meta: Meta, c: list[Any]) -> tuple[str, Any, Span]:
        return "zero_policy", c[0], self._span(meta)

    def _clauses(self, clauses: list[tuple[str, Any, Span]],
                 code: str) -> tuple[dict[str, Any], list[str], list[s.Indicator]]:
        """An indicator's clauses by field name (each at most once), its notes and its items,
        in order."""
        fields: dict[str, Any] = {}
        notes: list[str] = []
        items: list[s.Indicator] = []
        per_type: list[tuple[str, s.PerType]] = []
        for key, value, span in clauses:
            if isinstance(value, _Typed):
                value, typed = value.value, value.per_type
                per_type.extend(typed if _FIELDS.get(key, key) not in fields else ())
            if key == "note":
                notes.append(value)
            elif key == "item":
                items.append(value)
            elif _FIELDS.get(key, key) in fields:
                self._error("E0106", f"`{_CLAUSE_NAMES[key]}` is given twice in indicator {code}",
                            span, label="second time here")
            else:
                fields[_FIELDS.get(key, key)] = value
        if per_type:
            fields["per_type"] = tuple(per_type)
        return fields, notes, items

    def indicator(self, meta: Meta, c: list[Any]) -> s.Indicator:
        code, *rest = c
        leading = bool(rest and rest[0] is _LEADING)
        if leading:
            rest.pop(0)
        name = self._string(rest.pop(0))
        types = rest.pop(0) if rest and isinstance(rest[0], s.ForTypes) else None
        provisional = bool(rest and rest[0] is True)
        if provisional:
            rest.pop(0)
        fields, notes, items = self._clauses(rest, str(code))
        return s.Indicator(
            code=str(code), name=name, leading=leading, provisional=provisional, notes=tuple(notes),
            items=tuple(items), types=types, **fields, span=self._span(meta), code_span=self._tspan(code),
        )

    def overrides(self, meta: Meta, c: list[Any]) -> _Overrides:
        return _Overrides(c)

    def reused_indicator(self, meta: Meta, c: list[Any]) -> s.ReusedIndicator:
        number, *rest = c
        leading = bool(rest and rest[0] is _LEADING)
        if leading:
            rest.pop(0)
        alias, base = rest.pop(0), rest.pop(0)
        name = self._string(rest.pop(0)) if rest and isinstance(rest[0], Token) else None
        types = rest.pop(0) if rest and isinstance(rest[0], s.ForTypes) else None
        provisional = bool(rest and rest[0] is True)
        if provisional:
            rest.pop(0)
        fields, notes, items = self._clauses(list(rest[0]) if rest else [], str(number))
        if items:
            fields["items"] = tuple(items)
        return s.ReusedIndicator(
            code=str(number), standard=str(alias), base_code=str(base), name=name, leading=leading,
            provisional=provisional, clauses=tuple(fields.items()), notes=tuple(notes), types=types,
            span=self._span(meta), code_span=self._tspan(number), base_span=self._tspan(base),
        )

    # -- groups
    def group_points(self, meta: Meta, c: list[Any]) -> tuple[str, _Typed]:
        return "points", _Typed(*self._numbers(c[0], c[1:], "points"))

    def group_cap(self, meta: Meta, c: list[Any]) -> tuple[str, _Typed]:
        return "cap", _Typed(*self._numbers(c[0], c[1:], "cap"))

    def group_weight(self, meta: Meta, c: list[Any]) -> tuple[str, _Typed]:
        return "weight", _Typed(*self._numbers(c[0], c[1:], "weight"))

    def group(self, meta: Meta, c: list[Any]) -> s.Group:
        bonus = bool(c and isinstance(c[0], Token) and c[0].type == "GROUP_KIND")
        if bonus:
            c = c[1:]
        code = str(c.pop(0)) if isinstance(c[0], Token) and c[0].type == "CODE" else None
        name, *rest = c
        numbers: dict[str, Any] = {"points": None, "cap": None, "weight": None, "rounding": None,
                                   "redistribute": False, "aggregation": None, "missing": None}
        provisional = False
        members = []
        types = rest.pop(0) if rest and isinstance(rest[0], s.ForTypes) else None
        per_type: s.PerTypeFields = ()
        for item in rest:
            if isinstance(item, (s.Indicator, s.ReusedIndicator, s.Group)):
                members.append(item)
            elif item is True:
                provisional = True
            elif isinstance(item[1], _Typed):
                numbers[item[0]], per_type = item[1].value, item[1].per_type
            else:
                numbers[item[0]] = item[1]
        return s.Group(self._string(name), bonus, numbers["points"], numbers["cap"], provisional,
                       tuple(members), code=code, weight=numbers["weight"], rounding=numbers["rounding"],
                       redistribute=numbers["redistribute"], aggregation=numbers["aggregation"],
                       missing=numbers["missing"], types=types, per_type=per_type,
                       span=self._span(meta), name_span=self._tspan(name))

    # -- rating
    def _compare(self, token: Token) -> s.Compare:
        return s.Compare(str(token))

    def require_total(self, meta: Meta, c: list[Any]) -> s.TotalRequirement:
        return s.TotalRequirement(self._compare(c[0]), c[1], span=self._span(meta))

    def require_leading(self, meta: Meta, c: list[Any]) -> s.LeadingRequirement:
        self._whole(c[1], "a number of stars")
        return s.LeadingRequirement(self._compare(c[0]), c[1], span=self._span(meta))

    def require_indicator(self, meta: Meta, c: list[Any]) -> s.IndicatorRequirement:
        measure = s.Measure(str(c[3])) if len(c) > 3 else s.Measure.VALUE
        if measure is s.Measure.STARS:
            self._whole(c[2], "a number of stars")
        return s.IndicatorRequirement(str(c[0]), self._compare(c[1]), c[2], measure,
                                      span=self._span(meta), code_span=self._tspan(c[0]))

    def require_group(self, meta: Meta, c: list[Any]) -> s.GroupRequirement:
        return s.GroupRequirement(self._string(c[0]), self._compare(c[1]), c[2], span=self._span(meta))

    @staticmethod
    def _types(c: list[Any]) -> s.ForTypes | None:
        return c.pop(0) if c and isinstance(c[0], s.ForTypes) else None

    def level(self, meta: Meta, c: list[Any]) -> s.Level:
        rank, name, *requirements = c
        self._whole(rank, "a level")
        types = self._types(requirements)
        return s.Level(rank, self._string(name), tuple(requirements), types, span=self._span(meta))

    def rating(self, meta: Meta, c: list[Any]) -> s.Rating:
        provisional = bool(c and c[0] is True)
        rest = c[1:] if provisional else c
        unrated = rest.pop(0) if rest and isinstance(rest[0], s.Literal) else None
        overrides = tuple(r for r in rest if isinstance(r, s.Override))
        levels = tuple(r for r in rest if isinstance(r, s.Level))
        return s.Rating(levels, provisional, unrated, overrides, span=self._span(meta))

    def veto(self, meta: Meta, c: list[Any]) -> s.Override:
        reason, *requirements = c
        types = self._types(requirements)
        return s.Override(None, self._string(reason), tuple(requirements), types, span=self._span(meta))

    def cap(self, meta: Meta, c: list[Any]) -> s.Override:
        rank, reason, *requirements = c
        self._whole(rank, "a level")
        types = self._types(requirements)
        return s.Override(rank, self._string(reason), tuple(requirements), types, span=self._span(meta))

    # -- the file
    def use_decl(self, meta: Meta, c: list[Token]) -> s.Use:
        return s.Use(self._string(c[0]), str(c[1]), span=self._span(meta), alias_span=self._tspan(c[1]))

    def start(self, meta: Meta, items: list[Any]) -> s.StandardFile:
        headers = [i for i in items if isinstance(i, s.Header)]
        ratings = [i for i in items if isinstance(i, s.Rating)]
        for header in headers[1:]:
            self._error("E0108", "a second `standard` header", header.span,
                        help="a file declares one standard")
        for rating in ratings[1:]:
            self._error("E0108", "a second `rating` block", rating.span,
                        help="a standard has one rating rule")
        return s.StandardFile(
            header=headers[0] if headers else None,
            inputs=tuple(i for i in items if isinstance(i, s.InputDecl)),
            bands=tuple(i for i in items if isinstance(i, s.BandsDecl)),
            groups=tuple(i for i in items if isinstance(i, s.Group)),
            rating=ratings[0] if ratings else None,
            uses=tuple(i for i in items if isinstance(i, s.Use)),
            choices=tuple(i for i in items if isinstance(i, s.ChoiceInput)),
            span=self.source.span(0, len(self.source.text)),
        )


def _nesting_problem(source: Source, tree: lark.Tree[Token]) -> Diagnostic | None:
    """Refuses absurdly deep formulas before any recursive pass meets them.

    Walks Lark's tree without recursion; the first node deeper than MAX_NESTING
    is reported where it stands in the source.
    """
    stack: list[tuple[lark.Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            meta = node.meta
            start = getattr(meta, "start_pos", 0) if not getattr(meta, "empty", True) else 0
            end = getattr(meta, "end_pos", start) if not getattr(meta, "empty", True) else 0
            what = "groups" if node.data in ("group", "group_points", "group_cap", "group_weight") else "formula"
            return Diagnostic("E0110", f"{what} nested deeper than {MAX_NESTING} levels",
                              source.span(start, min(end, start + 1)),
                              help="split the formula or simplify it" if what == "formula"
                              else "a standard is a few levels deep: 一级, 二级, 分项")
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, lark.Tree))
    return None


MAX_FORMULA_NODES = 2000  # tree nodes in one `value`; real formulas have tens


def _size_problem(source: Source, tree: lark.Tree[Token]) -> Diagnostic | None:
    """Refuses a formula too wide to check and compile in reasonable time: a
    `max(...)` or `weighted {...}` of thousands of parts is shallow, so nesting
    does not catch it.  Lark's iter_subtrees walks without recursion."""
    for value in tree.find_data("value"):
        size = sum(1 for _ in value.iter_subtrees())
        if size > MAX_FORMULA_NODES:
            start = value.meta.start_pos if not getattr(value.meta, "empty", True) else 0
            return Diagnostic("E0112", f"formula has {size:,} parts, more than {MAX_FORMULA_NODES:,}",
                              source.span(start, start + len("value")),
                              help="split it into several indicators, or simplify it")
    return None


MAX_INDICATORS = 1000  # the shipped standards have 24 to 49; 3,000 overflowed Python's compiler


def _count_problem(source: Source, tree: lark.Tree[Token]) -> Diagnostic | None:
    """Refuses a standard of more indicators than any later stage is sized for: the generated
    evaluator adds up every indicator's points in one expression, which Python's compiler
    nests one level per term."""
    starts = sorted(node.meta.start_pos for node in tree.iter_subtrees()
                    if node.data in ("indicator", "reused_indicator", "item") and not getattr(node.meta, "empty", True))
    if len(starts) <= MAX_INDICATORS:
        return None
    start = starts[MAX_INDICATORS]
    return Diagnostic("E0109", f"standard has {len(starts):,} indicators, more than {MAX_INDICATORS:,}",
                      source.span(start, start + len("indicator")),
                      label=f"indicator {MAX_INDICATORS + 1:,} in the file", help="split it into several standards")


def parse(text: str, name: str = "<string>") -> s.StandardFile:
    """Parse standard text; raise InvalidStandard with every syntax problem found.

    Parsing is a pure function of the text and its name, and the tree is frozen: the last few
    trees are kept, so a service that loads the same standard again does not parse it again
    (two thirds of a load). A text that does not parse is parsed again each time."""
    return _parse(text, name)


@functools.lru_cache(maxsize=16)
def _parse(text: str, name: str) -> s.StandardFile:
    source = Source(name, text)
    if len(text) > MAX_SOURCE_CHARS:
        raise InvalidStandard([Diagnostic(
            "E0109", f"standard is larger than {MAX_SOURCE_CHARS:,} characters", source.span(0, 0))])
    surrogates = _surrogates(source)
    if surrogates:
        raise InvalidStandard(surrogates)
    tree, problems = _parse_recovering(source)
    if tree is None:
        raise InvalidStandard(problems)
    nesting = _nesting_problem(source, tree) or _size_problem(source, tree) or _count_problem(source, tree)
    if nesting is not None:
        raise InvalidStandard([*problems, nesting])
    builder = _Builder(source)
    result = builder.transform(tree)
    problems += builder.diagnostics
    if problems:
        raise InvalidStandard(sorted(problems, key=sort_key))
    assert isinstance(result, s.StandardFile)
    return result


_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogates(source: Source) -> list[Diagnostic]:
    """Lone surrogates, which only text decoded wrongly holds (a file read as UTF-8 never does):
    no encoding can write them, so they broke every report and document that quoted them."""
    found: list[Diagnostic] = []
    for match in _SURROGATE.finditer(source.text):
        if len(found) == MAX_SYNTAX_ERRORS:
            found.append(Diagnostic("N0101", "more lone surrogates not shown", None, Severity.NOTE))
            break
        found.append(Diagnostic(
            "E0103", f"unexpected character U+{ord(match.group()):04X}, a lone surrogate",
            source.span(match.start(), match.end()), label="half of a UTF-16 pair, not a character",
            help="the text was decoded wrongly: read the file as UTF-8"))
    return found


@functools.lru_cache(maxsize=1)
def _concrete_parser() -> lark.Lark:
    # The same grammar and parser as _parser, so it accepts the same texts; it keeps the words
    # Lark's tree drops by default (keywords, punctuation), which a tool rewriting the text needs.
    return lark.Lark(grammar_text(), parser="lalr", lexer="contextual", maybe_placeholders=False,
                     keep_all_tokens=True)


class _Concrete(Transformer_NonRecursive[Token, Any]):
    """Lark's tree as concrete.Phrase and concrete.Word, without recursion (formulas may be deep)."""

    def __default__(self, data: Any, children: list[Any], meta: Any) -> Phrase:
        return Phrase(str(data), tuple(children))

    def __default_token__(self, token: Token) -> Word:
        return Word(token.type, str(token), token.start_pos or 0, token.end_pos or 0)


def parse_concrete(text: str, name: str = "<string>") -> Phrase:
    """The concrete tree of a standard's text: every token, as written (language/concrete.py).

    The text is parsed by `parse` first, so a text that does not parse raises InvalidStandard with
    the very diagnostics `parse` gives, and one that does is known to have a syntax tree too."""
    parse(text, name)
    tree = _Concrete().transform(_concrete_parser().parse(text))
    assert isinstance(tree, Phrase)
    return tree


def _parse_recovering(source: Source) -> tuple[lark.Tree[Token] | None, list[Diagnostic]]:
    """Parse, and on a syntax error carry on past it, so that one run reports the
    errors of every top-level item (input, bands, group, rating...).

    The item holding an error is blanked out (its characters, not its line breaks,
    become spaces, so every offset stays where it was) and the text parsed again.
    """
    text = source.text
    problems: list[Diagnostic] = []
    while True:
        try:
            return _parser().parse(text), problems
        except lark.exceptions.UnexpectedInput as error:
            if len(problems) == MAX_SYNTAX_ERRORS:  # each costs a parse of the whole file
                problems.append(Diagnostic("N0101", f"more syntax errors not shown: parsing stops after "
                                           f"{MAX_SYNTAX_ERRORS}", None, Severity.NOTE,
                                           help="fix these and check again"))
                break
            problems.append(_syntax_diagnostic(source, error))
            offset = _offset(error, len(text))
            starts = [match.start() for match in _ITEM_START.finditer(text)]
            begin = max((p for p in starts if p <= offset), default=0)
            end = min((p for p in starts if p > offset), default=len(text))
            if begin == end:  # nothing left to set aside
                break
            text = text[:begin] + re.sub(r"[^\n]", " ", text[begin:end]) + text[end:]
    return None, problems


def _offset(error: lark.exceptions.UnexpectedInput, end: int) -> int:
    if isinstance(error, lark.exceptions.UnexpectedToken):
        return end if error.token.type == "$END" else (error.token.start_pos or 0)
    return getattr(error, "pos_in_stream", None) or 0


# ------------------------------------------------------------ one clause on its own
# The rules a tool may parse alone, from the same grammar (the one `whatif --set` replaces a
# clause with): an indicator's clause, star bands, a named bands line, a group's points and
# settings, a header line, a rating level, veto or cap, and the rating's `unrated when` rule.
PART_RULES = ("clause", "band_spec", "bands_decl", "group_points", "group_setting", "meta", "level", "override",
              "unrated_rule")


@functools.lru_cache(maxsize=1)
def _part_parser() -> lark.Lark:
    return lark.Lark(grammar_text(), parser="lalr", lexer="contextual", propagate_positions=True,
                     maybe_placeholders=False, start=list(PART_RULES))


@attrs.frozen
class Clause:
    """A clause parsed alone: the field of its node it sets (`stars`, `points`, `deduction`,
    `cap`, `total`...), its value, and the numbers it gives per entity type."""

    field: str
    value: Any
    per_type: s.PerTypeFields
    span: Span


def parse_part(source: Source, start: int, end: int, rule: str) -> Any:
    """The text of `source` from `start` to `end` parsed as one of PART_RULES, built by the same
    builder as a whole file: a Clause for a clause, a header line or a group's points or
    setting, else the syntax node (StarBands, BandsDecl, Level, Override, Literal). Raises
    InvalidStandard, its spans in `source`: the text around the part is blanked, not cut, so
    every offset stays the source's."""
    text = source.text
    shown = re.sub(r"[^\n]", " ", text[:start]) + text[start:end] + re.sub(r"[^\n]", " ", text[end:])
    try:
        tree = _part_parser().parse(shown, start=rule)
    except lark.exceptions.UnexpectedInput as error:
        raise InvalidStandard([_syntax_diagnostic(source, error)]) from None
    builder = _Builder(source)
    built = builder.transform(tree)
    if builder.diagnostics:
        raise InvalidStandard(sorted(builder.diagnostics, key=sort_key))
    return _clause(built, source.span(start, end)) if isinstance(built, tuple) else built


def _clause(built: tuple[Any, ...], span: Span) -> Clause:
    """The builder's (keyword, value[, span]) of a clause as a Clause; a number given per type
    arrives wrapped with its types (`_Typed`), a header's total with its mark and types."""
    key, value = built[0], built[1]
    per_type: s.PerTypeFields = ()
    if isinstance(value, _Typed):
        value, per_type = value.value, value.per_type
    if key == "total":
        value, provisional, per_type = value
        value = (value, provisional)
    return Clause(_FIELDS.get(key, key), value, per_type, built[2] if len(built) > 2 else span)


def parse_file(path: str | Path) -> s.StandardFile:
    """Parse a standard file: a regular file of at most files.MAX_FILE_BYTES, read as UTF-8
    (a BOM from a Windows editor is dropped); raise InvalidStandard (E0100, E0109) otherwise."""
    return parse(read_standard(path), str(path))


def read_standard(path: str | Path) -> str:
    """A standard file's text, read as parse_file reads it; raises InvalidStandard (E0100, E0109)
    for a file it does not read: missing, not a regular file, too large, not UTF-8."""
    path = Path(path)
    try:
        return files.read_text(path)
    except files.FileRefused as refused:
        raise InvalidStandard([_refused(path, refused)]) from None
    except (OSError, UnicodeDecodeError, ValueError) as error:  # ValueError: a NUL in the path
        source = Source(str(path), "")
        raise InvalidStandard([Diagnostic("E0100", f"cannot read standard: {error}",
                                          source.span(0, 0))]) from None


def _refused(path: Path, refused: files.FileRefused) -> Diagnostic:
    """The diagnostic for a file not read; its text is never shown (it was not read)."""
    at = Source(str(path), "").span(0, 0)
    if refused.too_large:
        return Diagnostic("E0109", f"standard file {refused.why}", at)
    return Diagnostic("E0100", f"cannot read standard: {str(path)!r} {refused.why}", at)


# ------------------------------------------------------------ for editors (toolkit/lsp)
_WORD = re.compile(r"[A-Za-z_]\w*")


def keywords() -> tuple[str, ...]:
    """The grammar's keywords, sorted: every word its rules spell out (`standard`, `at`,
    `least`...), read from the parser, so an editor's list cannot drift from the grammar."""
    return tuple(sorted({t.pattern.value for t in _parser().terminals
                         if t.pattern.type == "str" and _WORD.fullmatch(t.pattern.value)}))


def expected_after(text: str) -> frozenset[str] | None:
    """What the grammar accepts next after `text`, the start of a standard: keywords as written
    (`indicator`), other tokens by terminal name (`NAME`, `CODE`, `STRING`, `DECIMAL`); None when
    `text` is not the start of any standard (a syntax error before its end). For completion."""
    interactive = _parser().parse_interactive(text)
    try:
        interactive.exhaust_lexer()
        accepted: set[str] = interactive.accepts()  # type: ignore[no-untyped-call]
    except (lark.exceptions.UnexpectedInput, lark.exceptions.UnexpectedEOF):
        return None
    words = {t.name: t.pattern.value for t in _parser().terminals if t.pattern.type == "str"}
    return frozenset(words.get(name, name) for name in accepted)


def parse_recovered(text: str, name: str = "<string>") -> tuple[s.StandardFile | None, tuple[Diagnostic, ...]]:
    """The tree of what parses, the top-level items holding syntax errors left out, and the
    problems; for an editor, which still outlines and navigates a file while it is being typed.
    None when nothing could be read (a file too large, a lone surrogate, too deep a formula)."""
    try:
        return parse(text, name), ()
    except InvalidStandard as error:
        problems = error.diagnostics
    source = Source(name, text)
    if len(text) > MAX_SOURCE_CHARS or _surrogates(source):
        return None, problems
    tree, _ = _parse_recovering(source)
    if tree is None or _nesting_problem(source, tree) or _size_problem(source, tree) or _count_problem(source, tree):
        return None, problems
    result = _Builder(source).transform(tree)
    return (result if isinstance(result, s.StandardFile) else None), problems
