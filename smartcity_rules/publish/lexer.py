"""Highlights standard files (`.scs`) for Pygments: `pygmentize -l scs FILE`, and the HTML document.

Registered through the `pygments.lexers` entry point in pyproject.toml. The word lists
below mirror grammar/standard.lark, syntax.py and check.FUNCTIONS; tests/test_lexer.py
keeps them in step. Codes (`12`, `L1P1-A1`, `2.3.1`) are labels after the word that
introduces them (`indicator`, `item`, `group`, `from city`); a rounding mode is a
constant after `decimals`, a mean after `aggregate`.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

# Every quoted word of grammar/standard.lark. Keywords are contextual in the language
# (`level` may name an input), but an author reads them as keywords, so they are shown as such.
# `min` and `previous` are functions too (`when missing: cohort min`, `when missing: previous`):
# called, they are builtins.
KEYWORDS = (
    "aggregate", "and", "applicable", "as", "at", "bands", "better", "bonus", "by", "cap", "checklist", "choice",
    "cohort", "decimals", "deduct", "denominator", "description", "each", "edition", "effective", "entity", "error",
    "every", "for", "from", "group", "indicator", "input", "item", "leading", "least", "level", "linear", "mean",
    "median", "min", "missing", "more", "most", "not", "note", "of", "on", "part", "points", "previous",
    "provisional", "rating", "redistribute", "rounding", "score", "source", "standard", "stars", "table", "than",
    "to", "total", "type", "unrated", "use", "value", "veto", "weight", "weighted", "when", "zero",
)
# How `rounding N decimals MODE` rounds (syntax.RoundMode; grammar ROUND_MODE, not quoted words).
ROUND_MODES = ("half up", "half even", "truncate")
# How `aggregate MEAN` combines a node's members (syntax.Aggregation; a NAME in the grammar).
AGGREGATIONS = ("arithmetic", "geometric", "harmonic", "minimum")
# The kinds of input (syntax.Kind; `score` is a keyword above, as it takes a range).
KINDS = ("area", "count", "flag", "length", "measure", "money", "rank", "rate")
# Words that stand for a fixed value: entity levels (syntax.EntityLevel) and directions.
CONSTANTS = ("city", "community", "county", "higher", "lower")
# The formula functions (check.FUNCTIONS), the cohort functions among them.
FUNCTIONS = (
    "clamp", "cohort_max", "cohort_mean", "cohort_median", "cohort_min", "growth", "max", "min", "minmax",
    "percentile", "previous", "rank", "ratio", "share", "sqrt", "to_best", "zscore",
)

_NAME = r"(?!\d)\w+"
_NUMBER = r"\d+(?:\.\d+)?(?:/\d+(?:\.\d+)?)?%?"  # 12, 0.5, 30%, 1/3
# An indicator's, item's or group's code (grammar CODE): 12, L1P1-A1, 2.3.1.
_CODE = r"[A-Za-z0-9]+(?:[.\-][A-Za-z0-9]+)*(?![\w.\-])"
_MODE = r"half[ \t]+up|half[ \t]+even|truncate"


class StandardLexer(RegexLexer):  # type: ignore[misc]  # pygments is untyped
    """Smart-city evaluation standards (`.scs`): keywords, ★, strings, exact numbers, formulas."""

    name = "Smart-city standard"
    aliases: ClassVar[list[str]] = ["scs", "smartcity"]
    filenames: ClassVar[list[str]] = ["*.scs"]
    mimetypes: ClassVar[list[str]] = ["text/x-scs"]

    tokens: ClassVar[dict[str, list[object]]] = {
        "root": [
            (r"\s+", Whitespace),
            (r"#[^\n]*", Comment.Single),
            (r'"', String.Double, "string"),
            (r"\d{4}-\d{2}-\d{2}\b", Literal.Date),
            # A code after what it names: `indicator L1P1`, `item L1P1-A1`, `group L1`, and the base's
            # code in `indicator 5 from city 7`; in requirements too (`indicator L1P1 >= 8 points`).
            (rf"(indicator|item|group)(\s+)({_CODE})", bygroups(Keyword, Whitespace, Name.Label)),
            (rf"(from)(\s+)({_NAME})(\s+)({_CODE})",
             bygroups(Keyword, Whitespace, Name.Namespace, Whitespace, Name.Label)),
            # `rounding 2 decimals half even`: the mode is a fixed value, and only after `decimals`.
            (rf"(decimals)(\s+)({_MODE})\b", bygroups(Keyword, Whitespace, Keyword.Constant)),
            (rf"(aggregate)(\s+)({'|'.join(AGGREGATIONS)})\b", bygroups(Keyword, Whitespace, Keyword.Constant)),
            (_NUMBER, Number),
            (r"★", Keyword),
            # A declaration names what it declares: `input fibre "…"`, `bands rates = …`.
            (rf"(input|bands)(\s+)({_NAME})", bygroups(Keyword, Whitespace, Name.Variable)),
            # A standard reused by name: `use "city.scs" as city`, `indicator 5 from city 7`.
            (rf"(as|from)(\s+)({_NAME})", bygroups(Keyword, Whitespace, Name.Namespace)),
            (words(FUNCTIONS, suffix=r"(?=\s*\()"), Name.Builtin),
            (rf"{_NAME}(?=\s*\()", Name.Function),  # an unknown function: the checker says so
            (words(KEYWORDS, suffix=r"\b"), Keyword),
            (words(KINDS, suffix=r"\b"), Keyword.Type),
            (words(CONSTANTS, suffix=r"\b"), Keyword.Constant),
            (_NAME, Name),
            (r">=|<=|>|<", Operator),
            (r"[-+*/=^]", Operator),
            (r"[{}(),:]", Punctuation),
        ],
        "string": [
            (r'\\["\\nt]', String.Escape),
            (r'[^"\\\n]+', String.Double),
            (r'"', String.Double, "#pop"),
            (r"\n", Error, "#pop"),  # strings end on their line
            (r"\\.?", Error),
        ],
    }
