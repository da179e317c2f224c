"""The Pygments lexer: in step with the grammar, no errors on real files, registered by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Error, Keyword, Name, Number, Token, _TokenType

from smartcity_rules.language import syntax as s
from smartcity_rules.language.check import FUNCTIONS
from smartcity_rules.publish.lexer import AGGREGATIONS, KEYWORDS, ROUND_MODES, StandardLexer

from .conftest import FIXTURES, ROOT, STANDARDS

GRAMMAR = ROOT / "grammar" / "standard.lark"
SHIPPED = sorted(STANDARDS.rglob("*.scs")) + sorted(FIXTURES.glob("*.scs"))


def tokens(text: str) -> list[tuple[_TokenType, str]]:
    return [(kind, value) for kind, value in StandardLexer().get_tokens(text) if value.strip()]


def kind_of(word: str, context: str = "{}") -> _TokenType:
    """The token type the lexer gives `word`, written alone or inside `context`."""
    found = [kind for kind, value in tokens(context.format(word)) if value == word]
    assert found, f"{word!r} is not one token in {context.format(word)!r}"
    return found[0]


def grammar_keywords() -> set[str]:
    """Every quoted word of the grammar (comments and regular expressions left out)."""
    text = re.sub(r"//[^\n]*", "", GRAMMAR.read_text(encoding="utf-8"))
    text = re.sub(r"/(?:[^/\\\n]|\\.)+/", "", text)  # terminals such as /"([^"\\\n]|...)*"/
    return {word for word in re.findall(r'"([^"\s]+)"', text) if re.fullmatch(r"(?!\d)\w+|★", word)}


def test_the_grammar_has_keywords_to_compare() -> None:
    found = grammar_keywords()
    assert {"standard", "indicator", "weighted", "provisional", "★"} <= found


@pytest.mark.parametrize("word", sorted(grammar_keywords()))
def test_every_grammar_keyword_is_a_keyword(word: str) -> None:
    assert kind_of(word) in Keyword, f"grammar keyword {word!r} is not highlighted; add it to lexer.KEYWORDS"


def test_the_lexer_has_no_keyword_the_grammar_dropped() -> None:
    assert set(KEYWORDS) | {"★"} <= grammar_keywords()


@pytest.mark.parametrize("kind", [k.value for k in s.Kind if k is not s.Kind.SCORE])
def test_every_input_kind_is_a_type(kind: str) -> None:
    assert kind_of(kind, 'input x "X": {}') in Keyword.Type


@pytest.mark.parametrize("word", [*(e.value for e in s.EntityLevel), *(d.value for d in s.Direction)])
def test_levels_and_directions_are_constants(word: str) -> None:
    assert kind_of(word) in Keyword.Constant


@pytest.mark.parametrize("function", sorted(FUNCTIONS))
def test_every_function_is_a_builtin_when_called(function: str) -> None:
    assert kind_of(function, "value {}(a, b)") in Name.Builtin


def test_an_unknown_function_is_a_function_name_and_names_stay_names() -> None:
    assert kind_of("ratioo", "value ratioo(a, b)") in Name.Function
    assert kind_of("fibre_households", "ratio(fibre_households, b)") is Name
    assert kind_of("levels", "value levels + 1") is Name  # a keyword's prefix is no keyword


def test_declarations_name_what_they_declare() -> None:
    assert kind_of("fibre", 'input fibre "光纤": count') in Name.Variable
    assert kind_of("rates", "bands rates = at least 1, 2, 3, 4, 5") in Name.Variable
    assert kind_of("city", 'use "city.scs" as city') in Name.Namespace


@pytest.mark.parametrize("number", ["12", "0.85", "30%", "1/3", "2.5%", "0.05%"])
def test_numbers_with_percent_and_fractions_are_one_token(number: str) -> None:
    assert kind_of(number, "stars at least {}, 2") in Number


CODES = ["12", "L1P1", "L1P1-A1", "2.3.1", "A"]


@pytest.mark.parametrize("code", CODES)
@pytest.mark.parametrize("context", [
    'indicator {} "名称" {{ value x }}',
    'indicator {} ★ "名称" provisional {{',
    'item {} "分项" {{ value ratio(a, b) weight 30% }}',
    'group {} "惠民服务" points 37 {{',
    'indicator 5 from city {} "名称"',
    "level 1 \"a\" when indicator {} >= 8 points",
])
def test_a_code_is_one_label_token(code: str, context: str) -> None:
    assert kind_of(code, context) in Name.Label


def test_a_code_is_not_split_into_names_and_operators() -> None:
    found = tokens("item L1P1-A1 \"x\" { weight 30% }")
    assert (Name.Label, "L1P1-A1") in found and not any(kind in Token.Operator for kind, _ in found)
    assert not any(kind in Error for kind, _ in StandardLexer().get_tokens("indicator 2.3.1 \"x\" { }"))
    assert kind_of("L1P1", "ratio(L1P1, b)") is Name  # elsewhere a word is a name
    assert kind_of("weight", "item A1 \"x\" {{ {} 8% }}") in Keyword


@pytest.mark.parametrize("mode", [*ROUND_MODES, "half \t even"])
def test_rounding_modes_are_constants_after_decimals(mode: str) -> None:
    assert kind_of(mode, "rounding 2 decimals {}") in Keyword.Constant
    assert kind_of(mode, "group \"g\" points 1 {{ rounding 3 decimals {}\n indicator 1 \"x\" {{") in Keyword.Constant


def test_round_modes_match_the_syntax_and_stay_names_elsewhere() -> None:
    assert set(ROUND_MODES) == {m.value for m in s.RoundMode}
    assert kind_of("truncate", "value truncate + 1") is Name  # an input may be named so
    assert kind_of("half", "value half * 2") is Name


@pytest.mark.parametrize("mean", AGGREGATIONS)
def test_aggregations_are_constants_after_aggregate(mean: str) -> None:
    assert kind_of(mean, 'group "g" weight 10% {{ aggregate {}\n') in Keyword.Constant
    assert kind_of(mean, "value {} + 1") is Name  # elsewhere a name


def test_aggregations_match_the_syntax() -> None:
    assert set(AGGREGATIONS) == {a.value for a in s.Aggregation}


def test_missing_value_rules_are_keywords_and_functions_stay_builtins() -> None:
    found = tokens('input a "A": count, when missing: cohort median\n'
                   "group \"g\" points 1 { when not applicable: redistribute }\n"
                   "rating { unrated when missing more than 30% }\n"
                   "value min(a, previous(a))")
    words = [value for kind, value in found if kind in Keyword]
    assert {"when", "missing", "cohort", "median", "not", "applicable", "redistribute", "unrated", "more",
            "than"} <= set(words)
    assert (Name.Builtin, "min") in found and (Name.Builtin, "previous") in found


def test_strings_with_escapes_and_comments() -> None:
    found = tokens('note "a \\"b\\" # c" # a comment\n')
    assert (Token.Literal.String.Escape, '\\"') in found
    assert (Token.Comment.Single, "# a comment") in found
    assert not any(kind in Token.Comment for kind, value in found if "# c" in value)


def test_an_unterminated_string_is_an_error_not_a_hang() -> None:
    found = list(StandardLexer().get_tokens('note "open\nvalue x'))
    assert (Error, "\n") in found
    assert (Keyword, "value") in found  # the next line lexes as usual


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_no_error_tokens_in_shipped_standards(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    errors = [value for kind, value in StandardLexer().get_tokens(text) if kind in Error]
    assert errors == []
    joined = "".join(value for _, value in StandardLexer().get_tokens(text))
    assert joined.rstrip("\n") == text.rstrip("\n")  # nothing lost or doubled


def test_registered_with_pygments_by_name_and_file_name() -> None:
    assert isinstance(get_lexer_by_name("scs"), StandardLexer)
    assert isinstance(get_lexer_for_filename("city.scs"), StandardLexer)
