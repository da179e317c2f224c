"""The reference evaluator (tests/reference/) on `when missing` said by a group, an indicator or an
item (docs/language.md §3, *Missing values*, *Per indicator or node*).

Every expected number is computed by hand from the docs (the comments show the arithmetic);
none comes from the library. Each example is then also run through the library and compared
with the reference bit for bit (`compare`), and a refusal is held to the leaf it must name.
Two tests at the end held library bugs this file found, fixed since: a leaf under `error` that
another input made not applicable let a missing value through, and `ratio` held an undeclared
part to a whole that was missing under a node's `zero`.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import smartcity_rules as scr

from . import reference
from .reference.compare import compare
from .reference.evaluate import AS_EACH_SAYS
from .test_reference_missing import _both, _one, _scored

F = Fraction
Record = dict[str, Any]
NA = (None, None, F(0))  # a not-applicable leaf: no value, no stars, 0 points


def _refusals(text: str, records: list[Record]) -> tuple[list[reference.RefDataError], scr.DataError]:
    """Every refusal the reference finds, and the one the library raises (which must be among them)."""
    library, ref = _both(text)
    assert compare(library, ref, records) == []
    with pytest.raises(scr.DataError) as caught:
        library.evaluate_cohort([dict(r) for r in records])
    return ref.errors(records), caught.value


def _missing(result: dict[str, Any]) -> list[tuple[str, str, tuple[object, ...], Fraction | None]]:
    return [(m.input, m.filled, m.indicators, m.value) for m in result["missing"]]


# ---------------------------------------------------------------- a group's policy

GROUPS = """
standard "T" {{ level city total 100 rounding 2 decimals }}
input a "a": rate
input b "b": rate
input c "c": rate
group "G" points 60 {{
    {settings}
    indicator 1 "a" {{ value a points 20 linear from 0 to 1 }}
    indicator 2 "b" {{ value b points 40 linear from 0 to 1 }}
}}
group "H" points 40 {{
    indicator 3 "c" {{ value c points 40 linear from 0 to 1 }}
}}
"""


@pytest.mark.parametrize("settings", [
    "when missing: not applicable\n    when not applicable: redistribute",
    "when not applicable: redistribute\n    rounding 2 decimals\n    when missing: not applicable",  # any order
])
def test_a_groups_not_applicable_with_redistribute(settings: str) -> None:
    result = _one(GROUPS.format(settings=settings), {"b": "50%", "c": "25%"})
    assert result["indicators"][1] == NA  # a is missing: indicator 1 is not applicable
    assert result["indicators"][2] == (F(1, 2), None, 20)  # 40 × 1/2
    assert result["groups"] == {"G": 30, "H": 10}  # G: 20 × 60 / 40 (indicator 1's 20 redistributed)
    assert result["total"] == 40
    assert _missing(result) == [("a", "not applicable", (1,), None)]
    assert result["missing_share"] == F(20, 100)  # indicator 1 carries its 20 of the 100


def test_without_redistribute_the_not_applicable_leaf_scores_nothing() -> None:
    result = _one(GROUPS.format(settings="when missing: not applicable"), {"b": "50%", "c": "25%"})
    assert result["groups"] == {"G": 20, "H": 10}


def test_outside_the_group_a_missing_value_is_still_an_error() -> None:
    errors, library = _refusals(GROUPS.format(settings="when missing: not applicable"),
                                [{"entity": "X", "a": "50%", "b": "50%"}])
    assert [(e.kind, e.entity, e.indicator, e.input) for e in errors] == [("missing", "X", 3, "c")]
    assert (type(library).__name__, library.entity, library.indicator, library.input) == ("MissingInput", "X", "3", "c")


# ---------------------------------------------------------------- the innermost wins

NESTED = """
standard "T" { level city total 100 rounding 2 decimals }
input a "a": rate
input b "b": rate
group "G" points 100 {
    when missing: not applicable
    indicator 1 "a" { value a points 20 linear from 0 to 1 }
    indicator 2 "a, zero" { when missing: zero value (a + b) / 2 points 20 linear from 0 to 1 }
    group "G2" points 60 {
        when missing: zero
        indicator 3 "a + b" { value a + b points 20 linear from 0 to 2 }
        indicator 4 "items" {
            when missing: not applicable
            item 4-1 "x" { value a points 10 linear from 0 to 1 }
            item 4-2 "y" { when missing: error value b points 10 linear from 0 to 1 }
        }
        indicator 5 "b" { when missing: error value b points 20 linear from 0 to 1 }
    }
}
"""


def test_the_innermost_policy_decides_each_leaf() -> None:
    result = _one(NESTED, {"b": "50%"})
    assert result["indicators"][1] == NA  # G: not applicable
    assert result["indicators"][2] == (F(1, 4), None, 5)  # its own zero: (0 + 1/2) / 2, 20 × 1/4
    assert result["indicators"][3] == (F(1, 2), None, 5)  # G2's zero: 0 + 1/2, 20 × (1/2) / 2
    assert result["indicators"]["4-1"] == NA  # its indicator's not applicable, over G2's zero
    assert result["indicators"]["4-2"] == (F(1, 2), None, 5)  # b is reported: its `error` never bites
    assert result["indicators"][5] == (F(1, 2), None, 10)
    assert result["nodes"][4].points == 5  # 0 + 5: no redistribute in indicator 4
    assert result["groups"] == {"G": 25, "G2": 20}  # G2: 5 + 5 + 10; G: 0 + 5 + 20
    # One entry for a: its readers say different things.
    assert _missing(result) == [("a", AS_EACH_SAYS, (1, 2, 3, "4-1"), None)]
    assert result["missing_share"] == F(20 + 20 + 20 + 10, 100)  # every leaf reading a


def test_readers_that_agree_name_their_policy() -> None:
    text = NESTED.replace('indicator 1 "a" { value a ', 'indicator 1 "a" { value b ').replace(
        'item 4-1 "x" { value a ', 'item 4-1 "x" { value b ')
    result = _one(text, {"b": "50%"})  # a is read by 2 and 3, both under zero
    assert _missing(result) == [("a", "zero", (2, 3), F(0))]
    assert result["missing_share"] == F(40, 100)


BESIDE = """standard "T" { level city total 20 }
input w "w": count, when missing: not applicable
input p "p": count
group "G" points 20 {
    when missing: zero
    indicator 4 "p + w" { when missing: error value p + w points 10 linear from 0 to 1 }
    indicator 5 "p" { value p points 10 linear from 0 to 1 }
}"""


def test_a_leaf_under_error_refuses_a_missing_value_though_not_applicable_by_another() -> None:
    """Indicator 4 is not applicable (w is missing), and it still refuses p, as it does when no
    node says anything (p's default `error`): a missing value is refused when read."""
    errors = reference.loads(BESIDE, ".").errors([{"entity": "X"}])
    assert [(e.kind, e.entity, e.indicator, e.input) for e in errors] == [("missing", "X", 4, "p")]
    alone = BESIDE.replace("    when missing: zero\n", "").replace("{ when missing: error value", "{ value").replace(
        '"p" { value p ', '"p" { value w ')
    errors, library = _refusals(alone, [{"entity": "X"}])
    assert [(e.kind, e.indicator, e.input) for e in errors] == [("missing", 4, "p")]
    assert (library.indicator, library.input) == ("4", "p")


def test_the_library_refuses_a_missing_value_a_not_applicable_leaf_under_error_reads() -> None:
    _, library = _refusals(BESIDE, [{"entity": "X"}])
    assert (library.indicator, library.input) == ("4", "p")


def test_a_leaf_under_error_is_refused_by_its_own_code() -> None:
    """b is read by 2 and 3 (zero), item 4-2 and indicator 5 (error): the refusal names those two
    leaves, not indicator 2, the first to read b."""
    errors, library = _refusals(NESTED, [{"entity": "X", "a": "50%"}])
    assert [(e.kind, e.entity, e.indicator, e.input) for e in errors] == [
        ("missing", "X", "4-2", "b"), ("missing", "X", 5, "b")]
    assert (type(library).__name__, library.entity, library.input) == ("MissingInput", "X", "b")
    assert library.indicator in ("4-2", "5")


# ---------------------------------------------------------------- an input's own policy wins

OWN = """
standard "T" { level city total 30 rounding 2 decimals }
input a "a": rate, when missing: zero
input e "e": rate, when missing: error
input m "m": rate, when missing: cohort mean
group "N" points 20 {
    when missing: not applicable
    indicator 1 "a" { value a points 10 linear from 0 to 1 }
    indicator 2 "m" { value m points 10 linear from 0 to 1 }
}
group "Z" points 10 {
    when missing: zero
    indicator 3 "e" { value e points 10 linear from 0 to 1 }
}
"""
OWN_FULL: Record = {"a": "50%", "e": "50%", "m": "50%"}


def test_an_inputs_own_zero_wins_over_the_groups_not_applicable() -> None:
    result = _one(OWN, {"e": "50%", "m": "50%"})
    assert result["indicators"][1] == (0, None, 0)  # a counts as 0: applicable, and 0 points
    assert _missing(result) == [("a", "zero", (1,), F(0))]


def test_an_inputs_own_cohort_mean_wins_over_the_groups_not_applicable() -> None:
    first, second, third = _scored(OWN, [{"entity": "A", "a": 0, "e": 0},
                                         {"entity": "B", **OWN_FULL}, {"entity": "C", **OWN_FULL, "m": "10%"}])
    assert first["indicators"][2] == (F(3, 10), None, 3)  # (1/2 + 1/10) / 2 of the others
    assert _missing(first) == [("m", "cohort mean", (2,), F(3, 10))]
    assert (second["missing"], third["missing"]) == ((), ())


def test_an_inputs_own_error_wins_over_the_groups_zero() -> None:
    errors, library = _refusals(OWN, [{"entity": "X", "a": 0, "m": 0}])
    assert [(e.kind, e.entity, e.indicator, e.input) for e in errors] == [("missing", "X", 3, "e")]
    assert (type(library).__name__, library.entity, library.indicator, library.input) == ("MissingInput", "X", "3", "e")


# ---------------------------------------------------------------- parts and wholes

WHOLES = """
standard "T" { level city total 30 rounding 2 decimals }
input w "w": count
input p "p": count, part of w
input v "v": count, part of w
group "G" points 30 {
    when missing: zero
    indicator 1 "p" { value p / 10 points 10 linear from 0 to 1 }
    indicator 2 "w" { value w / 10 points 10 linear from 0 to 1 }
    indicator 3 "v / w" { value ratio(v, w) points 10 linear from 0 to 1 on zero denominator: not applicable }
}
"""


def test_a_part_is_not_held_to_a_whole_missing_under_a_nodes_policy() -> None:
    """w counts as 0 in 2 and 3 alone: it has no value to hold p and v to (p = 5 > 0 is no error),
    and ratio(v, w) meets a zero denominator, not a part above its whole."""
    result = _one(WHOLES, {"p": 5, "v": 3})
    assert result["indicators"][1] == (F(1, 2), None, 5)
    assert result["indicators"][2] == (0, None, 0)
    assert result["indicators"][3] == NA  # on zero denominator: not applicable
    assert result["total"] == 5
    assert _missing(result) == [("w", "zero", (2, 3), F(0))]
    assert result["missing_share"] == F(20, 30)  # 2 and 3 read w; 3 is N/A by its zero denominator


def test_a_part_missing_under_a_nodes_policy_is_not_held_to_its_whole() -> None:
    result = _one(WHOLES, {"w": 4, "v": 3})
    assert result["indicators"][1] == (0, None, 0)
    assert result["indicators"][3] == (F(3, 4), None, F("7.5"))
    assert result["total"] == F("11.5")  # 0 + 4 + 7.5
    assert _missing(result) == [("p", "zero", (1,), F(0))]


def test_a_reported_part_is_still_held_to_its_reported_whole() -> None:
    errors, _ = _refusals(WHOLES, [{"entity": "X", "w": 4, "p": 5, "v": 3}])
    assert [(e.kind, e.entity, e.input) for e in errors] == [("invalid", "X", "p")]


def test_a_whole_no_leaf_reads_is_read_inside_no_node() -> None:
    """w is needed only to hold p to it: no node's policy covers it, so its default, error, stands."""
    text = WHOLES.replace('    indicator 2 "w" { value w / 10 points 10 linear from 0 to 1 }\n', "").replace(
        "value ratio(v, w)", "value v / 10").replace(" on zero denominator: not applicable", "").replace(
        "points 30 {", "points 20 {").replace("total 30", "total 20")
    errors, library = _refusals(text, [{"entity": "X", "p": 5, "v": 3}])
    assert [(e.kind, e.entity, e.input) for e in errors] == [("missing", "X", "w")]
    assert (type(library).__name__, library.input) == ("MissingInput", "w")


RATIO = """standard "T" { level city total 10 }
input a "a": count
input b "b": count
group "G" points 10 {
    when missing: zero
    indicator 1 "x" { value ratio(a, b) points 10 linear from 0 to 1 on zero denominator: not applicable }
}"""


def test_ratio_holds_no_part_to_a_whole_missing_under_a_nodes_policy() -> None:
    """a is not declared `part of` b, yet it is the same as when it is: b has no value to hold a
    to, and counts as 0 in the leaf alone, so ratio(a, b) meets a zero denominator (the leaf's
    `on zero denominator` decides), not a part 5 above a whole 0."""
    for text in (RATIO, RATIO.replace('input a "a": count', 'input a "a": count, part of b')):
        result = _one(text, {"a": 5}, library=False)
        assert result["indicators"][1] == NA
        assert _missing(result) == [("b", "zero", (1,), F(0))]
    _one(RATIO.replace('input a "a": count', 'input a "a": count, part of b'), {"a": 5})  # the library agrees


def test_the_library_holds_no_undeclared_part_to_a_whole_missing_under_a_nodes_policy() -> None:
    _one(RATIO, {"a": 5})


def test_a_nodes_zero_is_no_value_of_the_input() -> None:
    """A rank counts as 0 (no rank is 0), a score from 1 to 10 as 0: nothing is filled in, so
    nothing is held to the domain; 1 / k meets a zero denominator."""
    text = """standard "T" { level city total 10 }
input k "k": rank
input s "s": score 1 to 10
group "G" points 10 {
    when missing: zero
    indicator 1 "k" { value 1 / k points 5 linear from 0 to 1 on zero denominator: zero }
    indicator 2 "s" { value s / 10 points 5 linear from 0 to 1 }
}"""
    result = _one(text, {})
    assert (result["indicators"][1], result["indicators"][2]) == ((0, None, 0), (0, None, 0))
    assert _missing(result) == [("k", "zero", (1,), F(0)), ("s", "zero", (2,), F(0))]


def test_a_part_no_formula_needs_is_held_only_to_a_whole_given() -> None:
    """docs/api.md: a value no formula needs is checked against "its whole when that is given
    too"; w is filled in (its own `zero`), not given, so p = 3 above it is no error."""
    text = """standard "T" { level city total 10 }
input w "w": count, when missing: zero
input p "p": count, part of w
group "G" points 10 { indicator 1 "w" { value w / 10 points 10 linear from 0 to 1 } }"""
    result = _one(text, {"p": 3})
    assert result["indicators"][1] == (0, None, 0)
    errors, _ = _refusals(text, [{"entity": "X", "p": 3, "w": 2}])  # a whole given: p is held to it
    assert [(e.kind, e.input) for e in errors] == [("invalid", "p")]


# ---------------------------------------------------------------- cohort functions

COHORT = """
standard "T" { level city total 30 rounding 2 decimals }
input q "q": rate
group "G" points 30 {
    indicator 1 "rank" { when missing: zero value rank(q) points 10 linear from 3 to 1 }
    indicator 2 "mean, zero" { when missing: zero value cohort_mean(q) points 10 linear from 0 to 1 }
    indicator 3 "mean, n/a" { when missing: not applicable value cohort_mean(q) points 10 linear from 0 to 1 }
}
"""
TRIO: list[Record] = [{"entity": "A"}, {"entity": "B", "q": "0.5"}, {"entity": "C", "q": "0.2"}]


def test_a_cohort_function_takes_a_missing_value_as_each_caller_says() -> None:
    """A's q counts as 0 in the columns of 1 and 2, and leaves A out of 3's."""
    a, b, c = _scored(COHORT, TRIO)
    # Indicator 1: 0, 0.5, 0.2 rank A 3, B 1, C 2; points 10 × (rank − 3) / (1 − 3).
    assert [r["indicators"][1] for r in (a, b, c)] == [(3, None, 0), (1, None, 10), (2, None, 5)]
    # Indicator 2: (0 + 1/2 + 1/5) / 3 = 7/30 for all; 10 × 7/30 = 2.333… → 2.33.
    assert [r["indicators"][2] for r in (a, b, c)] == [(F(7, 30), None, F("2.33"))] * 3
    # Indicator 3: A is not applicable, B and C are averaged among themselves: 7/20 → 3.5.
    assert [r["indicators"][3] for r in (a, b, c)] == [NA, (F(7, 20), None, F("3.5")), (F(7, 20), None, F("3.5"))]
    assert [r["total"] for r in (a, b, c)] == [F("2.33"), F("15.83"), F("10.83")]
    assert _missing(a) == [("q", AS_EACH_SAYS, (1, 2, 3), None)]
    assert a["missing_share"] == 1 and b["missing"] == () and b["missing_share"] == 0


def test_a_cohort_function_under_error_refuses_the_entity() -> None:
    text = COHORT.replace("total 30", "total 40").replace("points 30 {", "points 40 {").replace(
        "\n}", '\n    indicator 4 "share" { value share(q) points 10 linear from 0 to 1 }\n}')
    errors, library = _refusals(text, TRIO)
    assert [(e.kind, e.entity, e.indicator, e.input) for e in errors] == [("missing", "A", 4, "q")]
    assert (type(library).__name__, library.entity, library.indicator, library.input) == ("MissingInput", "A", "4", "q")


# ---------------------------------------------------------------- what a node may not say; reuse


@pytest.mark.parametrize("where", [
    'group "G" points 10 {{ when missing: {policy}\n    indicator 1 "x" {{ value x points 10 linear from 0 to 1 }} }}',
    'group "G" points 10 {{ indicator 1 "x" {{ when missing: {policy} value x points 10 linear from 0 to 1 }} }}',
    'group "G" points 10 {{ indicator 1 "x" {{ item 1-1 "y" {{ when missing: {policy} value x points 10 '
    'linear from 0 to 1 }} }} }}',
])
@pytest.mark.parametrize("policy", ["previous", "cohort median", "cohort mean", "cohort min"])
def test_filling_in_stays_the_inputs(where: str, policy: str) -> None:
    text = 'standard "T" { level city total 10 }\ninput x "x": rate\n' + where.format(policy=policy)
    with pytest.raises(reference.RefSyntaxError, match="E0273"):
        reference.loads(text, ".")
    with pytest.raises(scr.InvalidStandard) as caught:
        scr.loads(text, name="inline.scs")
    assert "E0273" in [d.code for d in caught.value.diagnostics if d.is_error]


BASE = """standard "B" { level city total 20 }
input x "x": rate
group "BG" points 20 {
    when missing: zero
    indicator 1 "x" { value x points 10 linear from 0 to 1 }
    indicator 2 "x, own" { when missing: zero value x points 10 linear from 0 to 1 }
}
"""


def test_a_reused_indicator_brings_its_own_policy_not_its_base_groups(tmp_path: Path) -> None:
    """Indicator 1's zero was its base group's: here it sits in a not-applicable group. Indicator
    2 says zero itself, and keeps it; a reuse block's own `when missing` replaces it."""
    (tmp_path / "base.scs").write_text(BASE, encoding="utf-8")
    text = """standard "D" { level county total 30 rounding 2 decimals }
use "base.scs" as base
group "DG" points 30 {
    when missing: not applicable
    indicator 1 from base 1
    indicator 2 from base 2
    indicator 3 from base 2 { when missing: not applicable }
}
"""
    ours, ref = scr.loads(text, name=str(tmp_path / "d.scs")), reference.loads(text, tmp_path)
    records = [{"entity": "X"}]
    assert compare(ours, ref, records) == []
    (result,) = ref.evaluate_cohort(records)
    assert (result["indicators"][1], result["indicators"][2], result["indicators"][3]) == (NA, (0, None, 0), NA)
    assert [(m.input, m.filled, m.indicators) for m in result["missing"]] == [("x", AS_EACH_SAYS, (1, 2, 3))]
