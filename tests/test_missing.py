"""Missing data (docs/language.md §3 Missing values, §9 Not applicable members, §10 Missing data):
what each policy fills in, which indicators it makes not applicable, how a parent redistributes
their weight, and when an entity goes unrated."""

from __future__ import annotations

from fractions import Fraction as F

import pytest

import smartcity_rules as scr
from smartcity_rules import testing

STANDARD = '''standard "缺失" { level city total 100 rounding 2 decimals }
input w "w": count, when missing: cohort median
input p "p": count, part of w, when missing: not applicable
input r "r": rate, when missing: cohort mean
input s "s": score 0 to 10, when missing: previous
input z "z": count, when missing: zero
input m "m": count, when missing: cohort min
input f "f": flag, when missing: zero
input e "e": count
group "G" points 100 {
    when not applicable: redistribute
    indicator 1 "a" { value ratio(p, w) points 40 linear from 0 to 1 }
    indicator 2 "b" { value r points 30 linear from 0 to 1 }
    indicator 3 "c" { value s / 10 + z + checklist { f: 1 } + m - e points 30 linear from 0 to 2 }
}
rating { unrated when missing more than 30%
    level 1 "达标" when total >= 10 }
'''
FULL = {"w": 10, "p": 5, "r": 0.5, "s": 5, "z": 0, "m": 0, "f": True, "e": 0}


@pytest.fixture(scope="module")
def standard() -> scr.Standard:
    return scr.loads(STANDARD)


def _score(standard: scr.Standard, *records: dict[str, object]) -> tuple[scr.Evaluation, ...]:
    return standard.evaluate_cohort([{"entity": f"E{k}", **r} for k, r in enumerate(records)])


def test_a_complete_record_fills_in_nothing(standard: scr.Standard) -> None:
    (result,) = _score(standard, FULL)
    assert result.missing == () and result.missing_share == 0
    assert result.total == F(20) + F(15) + F(45, 2)


POLICIES = {"w": "cohort median", "r": "cohort mean", "m": "cohort min"}


@pytest.mark.parametrize(("name", "others", "filled"), [
    ("w", [10, 20, 25], F(20)),  # the median of the others' values
    ("w", [10, 25], F(18)),  # the mean of the two middle ones, 17.5, rounded half up for a count
    ("r", ["10%", "30%"], F(1, 5)),  # the mean, exactly
    ("m", [4, 2, 7], F(2)),  # the least
])
def test_cohort_policies_fill_in_from_the_others(standard: scr.Standard, name: str, others: list[object],
                                                 filled: F) -> None:
    records = [{**FULL, name: value} for value in others] + [{k: v for k, v in FULL.items() if k != name}]
    if name == "w":  # keep the part within every whole
        records = [{**r, "p": 1} for r in records]
    result = _score(standard, *records)[-1]
    assert [(m.input, m.filled) for m in result.missing] == [(name, POLICIES[name])]
    read = {"w": (1, 1 / filled), "r": (2, filled), "m": (3, F(1, 2) + 1 + filled)}[name]
    assert result.indicator(read[0]).value == read[1]


def test_previous_and_zero(standard: scr.Standard) -> None:
    record = {k: v for k, v in FULL.items() if k not in ("s", "z", "f")} | {"s@previous": 8}
    (result,) = _score(standard, record)
    assert result.indicator(3).value == F(8, 10)  # s from last period, z and f as 0 and no
    assert {m.input: m.filled for m in result.missing} == {"s": "previous", "z": "zero", "f": "zero"}


def test_a_missing_previous_value_is_still_an_error(standard: scr.Standard) -> None:
    with pytest.raises(scr.MissingInput) as caught:
        _score(standard, {k: v for k, v in FULL.items() if k != "s"})
    assert caught.value.entity == "E0"


def test_an_input_without_a_policy_is_still_an_error(standard: scr.Standard) -> None:
    with pytest.raises(scr.MissingInput) as caught:
        _score(standard, {k: v for k, v in FULL.items() if k != "e"})
    assert caught.value.input == "e" and caught.value.indicator == "3"


def test_nobody_to_impute_from_is_an_error(standard: scr.Standard) -> None:
    with pytest.raises(scr.MissingInput):
        _score(standard, {k: v for k, v in FULL.items() if k != "r"})


def test_not_applicable_redistributes_the_weight(standard: scr.Standard) -> None:
    (result,) = _score(standard, {k: v for k, v in FULL.items() if k != "p"})
    assert result.indicator(1).value is None and result.indicator(1).points == 0
    # 15 + 22.5 of the applicable 60 points, scaled to the group's 100: 37.5 x 100/60.
    assert result.node("G").unrounded == F(75, 2) * F(100, 60)
    assert result.total == F(6250, 100)
    assert [m.indicators for m in result.missing] == [("1",)]


def test_too_much_missing_weight_leaves_the_entity_unrated(standard: scr.Standard) -> None:
    (result,) = _score(standard, {k: v for k, v in FULL.items() if k != "p"})
    assert result.missing_share == F(40, 100)  # indicator 1 carries 40 of the 100
    assert result.rating is not None and result.rating.rank == 0
    last = result.rating.levels[0].requirements[-1]
    assert (last.text, last.held, last.actual) == ("missing at most 30%", False, "missing 40% of the weight")
    (complete,) = _score(standard, FULL)
    assert complete.rating is not None and complete.rating.rank == 1


def test_a_group_of_nothing_applicable_scores_nothing() -> None:
    standard = scr.loads('''standard "T" { total 10 }
input a "a": count, when missing: not applicable
group "G" points 10 { when not applicable: redistribute
    indicator 1 "x" { value a points 10 linear from 0 to 10 } }''')
    (result,) = standard.evaluate_cohort([{"entity": "A"}])
    assert result.total == 0 and result.indicator(1).value is None


def test_a_part_filled_in_above_its_whole_is_bad_data() -> None:
    standard = scr.loads('''standard "T" { total 10 }
input w "w": count
input p "p": count, part of w, when missing: cohort median
group "G" points 10 { indicator 1 "x" { value ratio(p, w) points 10 linear from 0 to 1 } }''')
    with pytest.raises(scr.InvalidValue):
        standard.evaluate_cohort([{"entity": "A", "w": 9, "p": 9}, {"entity": "B", "w": 3}])


def test_the_invariants_hold_with_gaps_in_the_data(standard: scr.Standard) -> None:
    run = testing.run_invariants(standard, examples=40, seed=5)
    assert run.failure is None, (run.failure, run.counterexample)


def test_a_planted_imputation_outside_the_cohorts_range_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    from smartcity_rules.plan import semantics

    real = semantics._statistic
    monkeypatch.setattr(semantics, "_statistic", lambda policy, values, whole: (
        real(policy, values, whole) + 1 if values else real(policy, values, whole)))
    standard = scr.loads(STANDARD.replace('rounding 2 decimals', 'rounding 3 decimals'))  # a fresh compile
    run = testing.run_invariants(standard, examples=200, seed=1)
    assert run.failure is not None and run.failure.invariant == "missing"


def test_explain_flags_a_missing_input_and_what_filled_it_in(standard: scr.Standard) -> None:
    records = [{"entity": "A", **FULL}, {"entity": "B", **{k: v for k, v in FULL.items() if k != "r"}}]
    explanation = standard.explain(records, "B", 2)
    assert [i.value for i in explanation.inputs] == ["missing, filled in: cohort mean = 0.5"]
    assert explanation.substituted == "0.5"


def test_not_applicable_comes_before_a_cohort_arguments_zero_denominator() -> None:
    """Found by the fuzzer (seed 785826): the indicator reads an input missing as not applicable,
    so it is not applicable, even where its cohort call's own argument divides by zero."""
    standard = scr.loads('''standard "T" { total 1 }
input p "p": count, part of w
input w "w": count
input x "x": measure, when missing: not applicable
group "G" points 1 { indicator 1 "i" { value percentile(ratio(p, w)) + x points 1 linear from 0 to 2 } }''')
    a, b, c, d = standard.evaluate_cohort([{"entity": "A", "p": 0, "w": 0}, {"entity": "B", "p": 1, "w": 2, "x": 1},
                                           {"entity": "C", "p": 2, "w": 2, "x": 0}, {"entity": "D", "p": 1, "w": 4}])
    assert a.indicator(1).value is None and d.indicator(1).value is None
    # A's argument divides by zero: it is left out. D's argument is 1/4: it still counts in the others'
    # comparison, below B's 1/2 and C's 1 (seed 1178).
    assert (b.indicator(1).value, c.indicator(1).value) == (F(1, 2) + 1, F(1))


def test_the_score_table_counts_what_was_not_reported(standard: scr.Standard) -> None:
    from smartcity_rules.publish.report import table

    records = [{"entity": "A", **FULL}, {"entity": "B", **{k: v for k, v in FULL.items() if k not in ("r", "p")}}]
    lines = table(standard, standard.evaluate_cohort(records)[1]).splitlines()
    assert "Not reported (2): p (not applicable), r = 0.5 (cohort mean); 70% of the weight rests on them" in lines


NODES = '''standard "T" { total 10 }
input a "a": count
input b "b": count
input c "c": count, when missing: error
input w "w": count
input p "p": count, part of w
group "G" points 10 {
    when missing: not applicable
    when not applicable: redistribute
    indicator 1 "x" { value a + ratio(p, w) points 4 linear from 0 to 10 }
    indicator 2 "y" { when missing: zero value b + 1 points 3 linear from 0 to 10 }
    indicator 3 "z" { value c points 3 linear from 0 to 10 }
}'''


@pytest.fixture(scope="module")
def nodes() -> scr.Standard:
    return scr.loads(NODES)


def test_a_groups_policy_makes_its_readers_not_applicable(nodes: scr.Standard) -> None:
    result = nodes.evaluate({"b": 2, "c": 5, "p": 1})  # a and w missing: indicator 1 not applicable
    assert result.indicator(1).value is None  # and its part is not held to a missing whole
    assert result.total == (F(9, 10) + F(3, 2)) * F(10, 6)  # redistributed over 2 and 3
    assert [(m.input, m.filled) for m in result.missing] == [("a", "not applicable"), ("w", "not applicable")]


def test_an_indicators_policy_wins_over_its_groups(nodes: scr.Standard) -> None:
    result = nodes.evaluate({"a": 1, "c": 5, "w": 2, "p": 1})
    assert result.indicator(2).value == 1  # b counts as 0 here
    assert [(m.input, m.filled, m.value) for m in result.missing] == [("b", "zero", 0)]


def test_an_inputs_own_policy_wins_over_any_nodes(nodes: scr.Standard) -> None:
    with pytest.raises(scr.MissingInput) as caught:
        nodes.evaluate({"a": 1, "b": 1, "w": 2, "p": 1})
    assert (caught.value.input, caught.value.indicator) == ("c", "3")


def test_a_node_cannot_fill_in_from_the_cohort() -> None:
    with pytest.raises(scr.InvalidStandard) as caught:
        scr.loads(NODES.replace("when missing: not applicable", "when missing: cohort mean"))
    assert [d.code for d in caught.value.diagnostics] == ["E0273"]


def test_the_invariants_hold_with_node_policies(nodes: scr.Standard) -> None:
    run = testing.run_invariants(nodes, examples=40, seed=2)
    assert run.failure is None, (run.failure, run.counterexample)


def test_the_document_says_what_a_nodes_when_missing_means(nodes: scr.Standard) -> None:
    from smartcity_rules import document

    markdown = document.to_markdown(nodes)
    assert "- **When missing**: a missing input that declares no policy of its own makes its readers not " \
           "applicable here" in markdown
    assert "- **When missing**: a missing input that declares no policy of its own counts as 0 here" in markdown
