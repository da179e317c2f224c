"""Uncertainty and sensitivity analysis (toolkit/sensitivity*.py): Sobol' indices against their closed
forms, the fast path against the library draw by draw, the spec's errors, every shipped standard."""

from __future__ import annotations

import io
import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules.cli import main
from smartcity_rules.language.syntax import RoundMode
from smartcity_rules.plan.semantics import Rounding, rank_column, round_score
from smartcity_rules.toolkit.sensitivity import Cohort, SensitivityResult, exact_scores, sensitivity, sobol
from smartcity_rules.toolkit.sensitivity_fast import Column, FastScorer, rank_rows, round_column
from smartcity_rules.toolkit.sensitivity_html import to_html
from smartcity_rules.toolkit.sensitivity_plan import perturbed
from smartcity_rules.toolkit.sensitivity_spec import Spec, loads_spec

from .browser import needs_chromium
from .conftest import FIXTURES, STANDARDS
from .test_cohort_report import HOSTILE_ENTITY, HOSTILE_NAME, observed, without_plotly_js

EXAMPLES = STANDARDS / "examples"
TOY = FIXTURES / "sensitivity-toy.scs"
TOY_SPEC = FIXTURES / "sensitivity-toy.toml"
TOY_DATA = FIXTURES / "sensitivity-toy.json"


@pytest.fixture(scope="module")
def toy() -> SensitivityResult:
    standard = scr.load(TOY)
    return sensitivity(standard, scr.read_records(TOY_DATA), TOY_SPEC)


def indices(result: SensitivityResult, output: str) -> dict[str, tuple[float, float, float, float]]:
    found = next(o for o in (*result.ranks, *result.totals, *result.counts) if o.output == output)
    return {i.parameter: (i.first, i.first_conf, i.total, i.total_conf) for i in found.indices}


# ---------------------------------------------------------------- the toy standard, analytically
def test_a_weight_that_cannot_change_the_ranking_has_a_total_index_of_zero(toy: SensitivityResult) -> None:
    """Both cities score the same stars on B: its weight adds the same points to both, so the
    rank never moves with it. Jansen's estimator is then exactly 0, not just small."""
    for city in ("甲", "乙"):
        first, _, total, _ = indices(toy, f"rank of {city}")["indicator B"]
        assert first == 0 and total == 0


def test_the_rank_has_first_order_indices_of_one_third_and_total_two_thirds(toy: SensitivityResult) -> None:
    """Rank of 甲 = 1 + [w_C > w_A], w_A and w_C independent and uniform over the same n values:
    Var = (n^2 - 1) / 4n^2 and Var E[rank | w_A] = (n^2 - 1) / 12n^2, so S1 = 1/3 for A and for
    C, and ST = 1 - S1 of the other = 2/3."""
    for city in ("甲", "乙"):
        found = indices(toy, f"rank of {city}")
        for weight in ("indicator A", "indicator C"):
            first, first_conf, total, total_conf = found[weight]
            assert abs(first - 1 / 3) < max(first_conf, 0.03) + 0.02, (city, weight, first, first_conf)
            assert abs(total - 2 / 3) < max(total_conf, 0.03) + 0.02, (city, weight, total, total_conf)


def test_a_total_has_first_order_indices_in_closed_form(toy: SensitivityResult) -> None:
    """甲's total is w_A + 3/5 w_B (five stars on A, three on B, none on C), the weights alike and
    independent: S1 = 25/34 for A, 9/34 for B, 0 for C, and the total indices the same."""
    found = indices(toy, "total of 甲")
    for weight, expected in (("indicator A", 25 / 34), ("indicator B", 9 / 34), ("indicator C", 0.0)):
        first, first_conf, total, total_conf = found[weight]
        assert abs(first - expected) < max(first_conf, 0.02) + 0.02, (weight, first)
        assert abs(total - expected) < max(total_conf, 0.02) + 0.02, (weight, total)
    assert found["indicator C"][0] == 0 and found["indicator C"][2] == 0


def test_the_uncertainty_of_the_toy(toy: SensitivityResult) -> None:
    first = toy.entities[0]
    assert (first.entity, first.total, first.rank) == ("甲", "16", 1)  # 10 + 6, tied with 乙
    assert first.rank_low == 1 and first.rank_high == 2
    assert sum(first.ratings) == pytest.approx(1)
    assert toy.samples == 10240 and toy.base == 2048 and toy.engine == "fast"  # 8192 asked: 2048 x (3 + 2)
    assert 15.5 < first.total_mean < 16.5 and 9 <= first.total_low < first.total_high <= 23


# ---------------------------------------------------------------- reproducible, and the same on both paths
def test_a_seed_reproduces_a_run_and_another_seed_does_not() -> None:
    standard, records = scr.load(TOY), scr.read_records(TOY_DATA)
    one = sensitivity(standard, records, TOY_SPEC, samples=200, seed=3).to_dict()
    assert sensitivity(standard, records, TOY_SPEC, samples=200, seed=3).to_dict() == one
    assert sensitivity(standard, records, TOY_SPEC, samples=200, seed=4).to_dict() != one


def test_the_fast_and_the_exact_path_give_the_same_result() -> None:
    standard = scr.load(STANDARDS / "shandong-city-2019.scs")
    records = scr.read_records(EXAMPLES / "city-cohort.json")
    spec = EXAMPLES / "shandong-city-2019.sensitivity.toml"
    fast = sensitivity(standard, records, spec, samples=48, seed=5, engine="fast").to_dict()
    exact = sensitivity(standard, records, spec, samples=48, seed=5, engine="exact").to_dict()
    assert fast.pop("engine") == "fast" and exact.pop("engine") == "exact"
    assert fast == exact


# ---------------------------------------------------------------- the fast path, held to the library
SPECS = {  # a standard, its cohort, and a spec that varies what the standard has
    "city": ("shandong-city-2019.scs", "city-cohort.json", (EXAMPLES / "shandong-city-2019.sensitivity.toml")),
    "city, a group with a deduction, a capped bonus, `at most` and leading bands": (
        "shandong-city-2019.scs", "city-cohort.json", """
[[weight]]
of = 'group "保障措施"'
low = 8
high = 16
step = 0.5
[[weight]]
of = "indicator 49"
low = 1
high = 3
step = 0.5
[[threshold]]
of = "indicator 17"
low = -2
high = 2
step = 1
[[threshold]]
of = "indicator 33"
low = -0.03
high = 0.03
step = 0.01
"""),
    "county": ("shandong-county-2019.scs", "county-cohort.json", """
[[weight]]
of = "indicator 1"
low = 1
high = 3
step = 0.25
[[weight]]
of = 'group "数字惠民"'
low = 30
high = 40
step = 0.5
[[threshold]]
of = "indicator 2"
low = -0.1
high = 0.1
step = 0.02
[[threshold]]
of = "level 4"
low = 65
high = 75
"""),
    "community": ("shandong-community-2019.scs", "community-cohort.json", """
[[weight]]
of = "indicator 1"
low = 3
high = 7
step = 0.5
[[threshold]]
of = "indicator 2"
low = -0.05
high = 0.05
step = 0.01
[[threshold]]
of = "level 3"
low = 80
high = 95
step = 1
"""),
    "national": ("china-smart-city-evaluation-2016.scs", "national-cohort.json", """
[[weight]]
of = "indicator L1P1"
low = 0.05
high = 0.11
step = 0.01
[[weight]]
of = "indicator L1P1-A1"
distribution = "choice"
values = [0.2, 0.3, 0.4]
[[weight]]
of = 'group "精准治理"'
distribution = "normal"
mean = 9
sd = 1
low = 6
high = 12
step = 1
"""),
    "revised": ("examples/shandong-city-revised.scs", "city-cohort.json", """
[[weight]]
of = "indicator 12"
distribution = "triangular"
low = 2
mode = 3
high = 5
step = 0.5
[[threshold]]
of = "indicator 13"
low = -0.05
high = 0.05
"""),
    "index": ("examples/digital-development-index.scs", "index-cohort.json", """
[[weight]]
of = "indicator D3.2"
low = 5
high = 15
step = 1
[[threshold]]
of = "level 4"
low = 60
high = 70
"""),
    "index bars": ("examples/digital-development-index.scs", "index-cohort.json", """
[[threshold]]
of = "level 4"
low = 60
high = 70
[[threshold]]
of = "level 2"
distribution = "triangular"
low = 30
mode = 35
high = 40
"""),
    "zscore": ("examples/digital-development-zscore.scs", "index-cohort.json", """
[[weight]]
of = "indicator Z1.1"
low = 5
high = 15
step = 1
[[threshold]]
of = "indicator Z2.1"
low = -0.1
high = 0.1
step = 0.05
[[threshold]]
of = "level 3"
low = 25
high = 35
"""),
    "toy": (TOY, TOY_DATA, TOY_SPEC),
}
# The exact path scores these: the fast path does not redistribute, nor move `unrated when missing`'s share.
EXACT_ONLY = {"index"}


def _case(name: str) -> tuple[scr.Standard, list[dict[str, object]], Spec]:
    standard_name, data, spec = SPECS[name]
    standard = scr.load(STANDARDS / standard_name, root=STANDARDS)
    records = scr.read_records(EXAMPLES / data)
    if name == "zscore":  # the index's cohort, less what the z-score example does not declare or fill in
        names = sorted(standard.input_names - {k for k in standard.input_names if k.endswith("@previous")})
        records = [{k: r[k] for k in ["entity", *names]} for r in records
                   if all(r.get(k) not in (None, "") for k in names)]
    text = spec.read_text("utf-8") if isinstance(spec, Path) else spec
    return standard, records, loads_spec(text, standard.plan, f"{name}.toml")


@pytest.mark.parametrize("name", sorted(set(SPECS) - EXACT_ONLY))
def test_the_fast_path_scores_every_draw_as_the_library_does(name: str) -> None:
    """Draws at random and at the ends of every grid: each one's perturbed plan prepared and run by the
    Python back-end, its totals, ranks and ratings held exactly to the fast path's."""
    standard, records, spec = _case(name)
    cohort = Cohort(standard, records)
    rng = np.random.default_rng(11)
    draws = np.column_stack([rng.integers(0, len(q.values), 24) for q in spec.parameters])
    draws[0], draws[1] = 0, [len(q.values) - 1 for q in spec.parameters]
    total, ratings, _ = FastScorer(cohort.base, spec.parameters).score(draws)
    ranks = rank_rows(total.ints)
    for row, draw in enumerate(draws.tolist()):
        totals, rated = exact_scores(perturbed(standard.plan, spec.parameters, draw), cohort.batch)
        assert [Fraction(int(v), total.den) for v in total.ints[row]] == totals, (name, draw)
        assert ranks[row].tolist() == [pair[0] for pair in rank_column([(t.numerator, t.denominator)
                                                                         for t in totals])], (name, draw)
        assert (ratings is None and rated is None) or (ratings is not None and ratings[row].tolist() == rated)


def test_an_unmoved_draw_scores_as_the_standard_does() -> None:
    """A spec whose grids hold the standard's own numbers, drawn at them: every total and rating as
    evaluate_cohort gives them."""
    standard = scr.load(STANDARDS / "shandong-city-2019.scs")
    records = scr.read_records(EXAMPLES / "city-cohort.json")
    spec = loads_spec('[[weight]]\nof = "indicator 12"\ndistribution = "choice"\nvalues = [3, 4]\n'
                      '[[threshold]]\nof = "level 5"\ndistribution = "choice"\nvalues = [85, 80]\n', standard.plan)
    total, ratings, _ = FastScorer(Cohort(standard, records).base, spec.parameters).score(np.array([[0, 0]]))
    evaluations = standard.evaluate_cohort(records)
    assert [Fraction(int(v), total.den) for v in total.ints[0]] == [e.total for e in evaluations]
    assert ratings is not None and ratings[0].tolist() == [e.rating_rank or 0 for e in evaluations]


def test_a_varied_aggregation_is_scored_on_the_exact_path() -> None:
    standard = scr.load(EXAMPLES / "digital-development-index.scs")
    records = scr.read_records(EXAMPLES / "index-cohort.json")
    spec = loads_spec("[[method]]\nof = 'group \"数字基础设施\"'\naggregation = [\"geometric\", \"sum\"]\n",
                      standard.plan)
    result = sensitivity(standard, records, spec, samples=12, seed=1)
    assert result.engine == "exact"
    geometric = exact_scores(perturbed(standard.plan, spec.parameters, [0]), Cohort(standard, records).batch)
    assert geometric[0] == [e.total for e in standard.evaluate_cohort(records)]  # as the standard says
    summed = exact_scores(perturbed(standard.plan, spec.parameters, [1]), Cohort(standard, records).batch)
    assert summed[0] != geometric[0]
    with pytest.raises(scr.UnsupportedConstruct, match="aggregation"):
        sensitivity(standard, records, spec, samples=12, seed=1, engine="fast")


# ---------------------------------------------------------------- every shipped standard
@pytest.mark.parametrize("name", [n for n in SPECS if n != "toy"])
def test_it_runs_on_every_shipped_standard(name: str) -> None:
    standard, records, spec = _case(name)
    result = sensitivity(standard, records, spec, samples=32, seed=2)
    assert result.engine == ("exact" if name in EXACT_ONLY else "fast")
    assert len(result.entities) == len(records) and result.samples >= 32
    assert all(abs(sum(e.ratings) - 1) < 1e-9 for e in result.entities if e.ratings)
    assert all(e.rank_low <= e.rank_median <= e.rank_high for e in result.entities)
    json.dumps(result.to_dict(), ensure_ascii=False)
    assert result.to_text() and result.to_csv().startswith("kind,entity")


TYPED_SPEC = """
[[weight]]
of = "indicator 4"  # cities only
low = 2
high = 4
step = 0.5
[[weight]]
of = "indicator 5"  # counties only
low = 2
high = 4
step = 0.5
[[threshold]]
of = "indicator 2"
low = -0.1
high = 0.1
step = 0.05
[[threshold]]
of = "level 2"
low = 10
high = 14
step = 0.5
"""


def test_a_standard_with_entity_types_varies_each_type_and_ranks_them_together(tmp_path: Path) -> None:
    """Each type's entities scored by its own plan, a parameter varying what it names in the types
    that have it; the fast path's result is the exact path's, draw for draw."""
    standard = scr.load(EXAMPLES / "county-and-city.scs")
    records = scr.read_records(EXAMPLES / "county-and-city-cohort.json")
    spec = tmp_path / "spec.toml"
    spec.write_text(TYPED_SPEC, "utf-8")
    fast = sensitivity(standard, records, spec, samples=60, seed=3).to_dict()
    exact = sensitivity(standard, records, spec, samples=60, seed=3, engine="exact").to_dict()
    assert fast.pop("engine") == "fast" and exact.pop("engine") == "exact" and fast == exact
    evaluations = standard.evaluate_cohort(records)
    assert [e["entity"] for e in fast["entities"]] == [e.entity for e in evaluations]
    assert [Fraction(e["total"]) for e in fast["entities"]] == [e.total for e in evaluations]
    assert sorted(e["rank"] for e in fast["entities"]) == sorted(
        1 + sum(o.total > e.total for o in evaluations) for e in evaluations)  # one ranking for both types
    assert list(fast["parameters"]) == ["indicator 4", "indicator 5", "indicator 2", "level 2"]
    by_name = {o["output"]: o for o in fast["ranks"]}
    city = next(e.entity for e in evaluations if e.entity_type == "市" and by_name[f"rank of {e.entity}"]["indices"])
    weights = {i["parameter"]: i["total"] for i in by_name[f"rank of {city}"]["indices"]}
    assert set(weights) == set(fast["parameters"])


def test_a_typed_spec_naming_what_no_type_has_is_an_error(tmp_path: Path) -> None:
    standard = scr.load(EXAMPLES / "county-and-city.scs")
    spec = tmp_path / "spec.toml"
    spec.write_text('[[weight]]\nof = "indicator 9"\nlow = 1\nhigh = 2\n', "utf-8")
    with pytest.raises(scr.InvalidSpec, match=r"spec.toml:2:6: error\[E0412\]: the standard has no `indicator 9`"):
        sensitivity(standard, scr.read_records(EXAMPLES / "county-and-city-cohort.json"), spec, samples=8)


# ---------------------------------------------------------------- the twins of the semantics
ROUNDINGS = st.builds(Rounding, st.integers(0, 3), st.sampled_from(list(RoundMode)))


@given(st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=8), st.integers(1, 10**4), ROUNDINGS)
def test_round_column_is_round_score(numerators: list[int], den: int, rounding: Rounding) -> None:
    column = round_column(Column(np.array([numerators], dtype=np.int64), den, max(map(abs, numerators))), rounding)
    assert [Fraction(int(v), column.den) for v in column.ints[0]] == [
        round_score(Fraction(n, den), rounding) for n in numerators]


@given(st.lists(st.integers(-5, 5), min_size=1, max_size=9))
def test_rank_rows_is_rank_column(totals: list[int]) -> None:
    assert rank_rows(np.array([totals]))[0].tolist() == [pair[0] for pair in rank_column([(t, 1) for t in totals])]


def test_the_indices_are_salibs_for_every_output() -> None:
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    problem = {"num_vars": 3, "names": ["a", "b", "c"], "bounds": [[0.0, 1.0]] * 3}
    x = sample.sample(problem, 256, calc_second_order=False, seed=2)
    outputs = np.column_stack([x[:, 0] + x[:, 1] ** 2, np.floor(x[:, 2] * 3) + x[:, 0], np.zeros(len(x))])
    found = sobol(problem, ["y1", "y2", "flat"], outputs, 7)
    for k in range(2):
        expected = analyze.analyze(problem, outputs[:, k], calc_second_order=False, seed=7)
        for key, attribute in (("S1", "first"), ("S1_conf", "first_conf"), ("ST", "total"),
                               ("ST_conf", "total_conf")):
            assert np.allclose(expected[key], [getattr(i, attribute) for i in found[k].indices]), (k, key)
    assert found[2].indices == () and found[2].variance == 0


# ---------------------------------------------------------------- the spec's errors
MINI_SPEC = '[[weight]]\nof = "indicator 1"\nlow = 2\nhigh = 4\n'


def spec_error(text: str) -> str:
    plan = scr.load(FIXTURES / "mini.scs").plan
    with pytest.raises(scr.InvalidSpec) as caught:
        loads_spec(text, plan, "spec.toml")
    return str(caught.value)


@pytest.mark.parametrize(("text", "code", "place", "words"), [
    ("[[weight]\nof = 1\n", "E0410", "spec.toml:1:", "not valid TOML"),
    (MINI_SPEC + "hihg = 5\n", "E0411", "spec.toml:5:1", "did you mean `high`?"),
    ("sampels = 3\n" + MINI_SPEC, "E0411", "spec.toml:1:1", "did you mean `samples`?"),
    ('[[weight]]\nof = "indicator 11"\nlow = 1\nhigh = 2\n', "E0412", "spec.toml:2:6", "did you mean `indicator 1`?"),
    ("[[weight]]\nof = 'group \"基础设旅\"'\nlow = 1\nhigh = 2\n", "E0412", "spec.toml:2:6", 'group "基础设施"'),
    ('[[threshold]]\nof = "level 4"\nlow = 1\nhigh = 2\n', "E0412", "spec.toml:2:6", "did you mean `level 5`?"),
    (MINI_SPEC.replace("low = 2", 'distribution = "uniformm"\nlow = 2'), "E0413", "spec.toml:3:16",
     "did you mean `uniform`?"),
    (MINI_SPEC.replace("low = 2", "low = 5"), "E0413", "spec.toml:3:7", "`low` must be below `high`"),
    (MINI_SPEC + 'distribution = "triangular"\nmode = 9\n', "E0413", "spec.toml:6:8", "a `mode` from `low`"),
    (MINI_SPEC + 'distribution = "normal"\nmean = 3\n', "E0413", "spec.toml:5:16", "an `sd` above 0"),
    (MINI_SPEC.replace("low = 2", "low = -1"), "E0413", "spec.toml:3:7", "points cannot be below 0"),
    ('[[weight]]\nof = "indicator 5"\nlow = 1\nhigh = 2\n', "E0414", "spec.toml:2:6", "a deduction"),
    ('[[threshold]]\nof = "indicator 5"\nlow = 1\nhigh = 2\n', "E0414", "spec.toml:2:6", "no star thresholds"),
    (MINI_SPEC + "[[weight]]\nof = 'group \"基础设施\"'\nlow = 5\nhigh = 7\n", "E0415", "spec.toml:6:6",
     "varied twice"),
    (MINI_SPEC + "step = 0.00001\n", "E0416", "spec.toml:5:8", "more than 100,000"),
    (MINI_SPEC + "step = 0\n", "E0416", "spec.toml:5:8", "above 0"),
    ("[[method]]\nof = 'group \"基础设施\"'\naggregation = [\"sum\", \"geometrc\"]\n", "E0417", "spec.toml:3:15",
     "did you mean `geometric`?"),
    ("[[method]]\nof = 'group \"基础设施\"'\naggregation = [\"sum\", \"geometric\"]\n", "E0417", "spec.toml:3:15",
     "no rounding"),
    (MINI_SPEC.replace("low = 2", 'low = "two"'), "E0418", "spec.toml:3:7", "must be a number"),
    ("samples = 0\n" + MINI_SPEC, "E0418", "spec.toml:1:11", "whole number of at least 1"),
    ('[[weight]]\nlow = 1\n', "E0418", "spec.toml:1:1", "needs `of`"),
    ("seed = 1\n", "E0419", "", "varies nothing"),
])
def test_spec_errors_say_where_and_what(text: str, code: str, place: str, words: str) -> None:
    message = spec_error(text)
    assert f"error[{code}]" in message and words in message, message
    assert message.startswith(place), message


def test_a_triangular_mode_beyond_the_grids_last_value_still_draws_within_it() -> None:
    """[0, 1] by 0.3 is 0, 0.3, 0.6, 0.9: a mode at 1 is drawn over [0, 1] and rounded to the grid."""
    standard = scr.load(TOY)
    spec = loads_spec('[[weight]]\nof = "indicator A"\ndistribution = "triangular"\nlow = 0\nhigh = 1\n'
                      'mode = 1\nstep = 0.3\n', standard.plan)
    assert spec.parameters[0].values == (0, Fraction(3, 10), Fraction(3, 5), Fraction(9, 10))
    result = sensitivity(standard, scr.read_records(TOY_DATA), spec, samples=300, seed=1)
    assert result.entities[0].total_low >= 6 and result.entities[0].total_high <= 6.9  # 3/5 of B's 10, + A


def test_bad_arguments_are_errors_of_ours() -> None:
    standard, records = scr.load(TOY), scr.read_records(TOY_DATA)
    with pytest.raises(scr.InvalidSpec, match="E0418"):
        sensitivity(standard, records, TOY_SPEC, samples=0)
    with pytest.raises(scr.UnsupportedConstruct, match="no engine"):
        sensitivity(standard, records, TOY_SPEC, engine="quick")


def test_a_spec_file_that_cannot_be_read_is_an_error(tmp_path: Path) -> None:
    plan = scr.load(FIXTURES / "mini.scs").plan
    from smartcity_rules.toolkit.sensitivity_spec import load_spec

    with pytest.raises(scr.InvalidSpec, match=r"E0410.*cannot read the spec"):
        load_spec(tmp_path / "missing.toml", plan)


# ---------------------------------------------------------------- the command
def run(*args: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in args], out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_prints_a_table_and_writes_json_csv_and_html(tmp_path: Path) -> None:
    base = ("sensitivity", TOY, TOY_DATA, "--spec", TOY_SPEC, "--samples", "50", "--seed", "1")
    code, out, err = run(*base)
    assert code == 0 and err == "" and "rank of 甲" in out and "indicator B" in out
    written = {}
    for suffix in ("json", "csv", "html"):
        assert run(*base, "-o", tmp_path / f"out.{suffix}")[0] == 0
        written[suffix] = (tmp_path / f"out.{suffix}").read_text("utf-8")
    assert json.loads(written["json"])["seed"] == 1 and written["csv"].startswith("kind,entity")
    assert written["html"].startswith("<!DOCTYPE html>") and "chart-ranks" in written["html"]
    code, out, _ = run(*base, "--format", "json")
    assert code == 0 and json.loads(out)["samples"] == 80  # 50 asked: 10 x (3 + 2) at least, base 16


def test_cli_spec_error_exits_1_naming_the_place(tmp_path: Path) -> None:
    spec = tmp_path / "spec.toml"
    spec.write_text('[[weight]]\nof = "indicator A1"\nlow = 1\nhigh = 2\n', "utf-8")
    code, out, err = run("sensitivity", TOY, TOY_DATA, "--spec", spec)
    assert code == 1 and out == "" and f"{spec}:2:6: error[E0412]" in err and "did you mean `indicator A`?" in err


# ---------------------------------------------------------------- the HTML page, in a real browser
def _hostile() -> SensitivityResult:
    """The toy with a group named to break out of an attribute and a city named as a script."""
    quoted = HOSTILE_NAME.replace('"', '\\"')
    standard = scr.loads(TOY.read_text("utf-8").replace('group "全部"', f'group "{quoted}"'), "hostile.scs")
    records = [{**record, "entity": HOSTILE_ENTITY if record["entity"] == "甲" else record["entity"]}
               for record in scr.read_records(TOY_DATA)]
    spec = (f"[[weight]]\nof = 'group \"{HOSTILE_NAME}\"'\nlow = 20\nhigh = 40\n"
            '[[threshold]]\nof = "indicator A"\nlow = -0.5\nhigh = 0.1\n'
            '[[threshold]]\nof = "level 2"\nlow = 10\nhigh = 20\n')
    return sensitivity(standard, records, loads_spec(spec, standard.plan), samples=200, seed=1)


def test_the_page_escapes_every_name() -> None:
    page = without_plotly_js(to_html(_hostile()))
    assert HOSTILE_ENTITY not in page and HOSTILE_NAME not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@needs_chromium
def test_the_page_draws_its_charts_without_console_errors_or_network(toy: SensitivityResult, tmp_path: Path) -> None:
    seen = observed(to_html(toy), tmp_path)
    assert seen["problems"] == [] and seen["fetched"] == []
    ids = [chart["id"] for chart in seen["charts"]]
    assert ids[:2] == ["chart-ranks", "chart-sobol-ranks"] and len(ids) == 4  # and the two levels that move
    for chart in seen["charts"]:
        assert chart["drawn"] and chart["svg"] >= 1 and chart["bars"] > 0, chart


@needs_chromium
def test_the_city_page_draws_in_chromium(tmp_path: Path) -> None:
    standard = scr.load(STANDARDS / "shandong-city-2019.scs")
    result = sensitivity(standard, scr.read_records(EXAMPLES / "city-cohort.json"),
                         EXAMPLES / "shandong-city-2019.sensitivity.toml", samples=200)
    seen = observed(to_html(result), tmp_path)
    assert seen["problems"] == [] and seen["fetched"] == []
    assert all(chart["drawn"] and chart["bars"] > 0 for chart in seen["charts"]) and len(seen["charts"]) >= 3
    assert sum("泰岳市" in text for text in seen["texts"]) >= 1


@needs_chromium
def test_hostile_names_cannot_inject_markup_or_script_in_chromium(tmp_path: Path) -> None:
    seen = observed(to_html(_hostile()), tmp_path)
    assert seen["problems"] == []  # no alert ran, nothing failed to load
    assert seen["images"] == 0 and seen["scripts"] == 4  # WATCH, plotly.js, the charts, OBSERVE: no other
    assert any(HOSTILE_ENTITY in text for text in seen["texts"])  # the charts show the names as written
    assert any(HOSTILE_NAME in text for text in seen["texts"])


# ---------------------------------------------------------------- the bench, as a smoke test
def test_the_bench_verifies_and_reports_the_toy() -> None:
    import sys

    sys.path.insert(0, str(STANDARDS.parent / "bench"))
    import bench_sensitivity

    for path, data, text in bench_sensitivity.CASES.values():
        bench_sensitivity.verify(scr.load(path), scr.read_records(data), text, 4)
    lines = bench_sensitivity.toy(400)
    assert sum(line.startswith("| rank of 甲 |") for line in lines) == 3


def test_the_csv_makes_a_formula_in_a_name_inert() -> None:
    standard = scr.load(TOY)
    records = [{**r, "entity": "=cmd|' /C calc'!A0" if r["entity"] == "甲" else r["entity"]}
               for r in scr.read_records(TOY_DATA)]
    text = sensitivity(standard, records, TOY_SPEC, samples=40, seed=1).to_csv()
    assert "\nentity,'=cmd" in text and "\nsobol,'rank of =cmd" not in text and "sobol,rank of '=cmd" not in text
    assert "\nentity,=cmd" not in text
