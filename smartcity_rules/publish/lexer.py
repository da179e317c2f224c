"""Highlights standard files (`.scs`) for Pygments: `pygmentize -l scs FILE`, and the HTML document.

Registered through the `pygments.lexers` entry point in pyproject.toml. The word lists
below mirror grammar/standard.lark, syntax.py and check.FUNCTIONS; tests/test_lexer.py
keeps them in step.
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
KEYWORDS = (
    "and", "applicable", "as", "at", "bands", "better", "bonus", "checklist", "decimals", "deduct",
    "denominator", "description", "each", "edition", "effective", "error", "every", "from", "group",
    "indicator", "input", "leading", "least", "level", "linear", "most", "not", "note", "of", "on",
    "part", "points", "provisional", "rating", "rounding", "score", "source", "standard", "stars",
    "to", "total", "use", "value", "weighted", "when", "zero",
)
# The kinds of input (syntax.Kind; `score` is a keyword above, as it takes a range).
KINDS = ("area", "count", "flag", "length", "measure", "money", "rank", "rate")
# Words that stand for a fixed value: entity levels (syntax.EntityLevel) and directions.
CONSTANTS = ("city", "community", "county", "higher", "lower")
# The formula functions (check.FUNCTIONS).
FUNCTIONS = ("clamp", "growth", "max", "min", "previous", "rank", "ratio", "share")

_NAME = r"(?!\d)\w+"
_NUMBER = r"\d+(?:\.\d+)?(?:/\d+(?:\.\d+)?)?%?"  # 12, 0.5, 30%, 1/3


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
            (r"[-+*/=]", Operator),
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
