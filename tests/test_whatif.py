"""`whatif`: a --set changes one clause on the tree, the standard is checked again, and the
comparison agrees with `diff` of the edition that says the same; a restated clause changes
nothing; a moved threshold moves exactly the entities whose value crosses it."""

from __future__ import annotations

import io
import itertools
import json
import re
import shlex
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smartcity_rules as scr
from smartcity_rules.cli import main
from smartcity_rules.language import syntax as s
from smartcity_rules.language.check import ScoredIndicator
from smartcity_rules.language.formula import requirement_text
from smartcity_rules.toolkit.whatif import changed_standard, read_set

from . import reference
from .conftest import ROOT, STANDARDS
from .reference.compare import compare

EXAMPLES = STANDARDS / "examples"
CITY_FILE = STANDARDS / "shandong-city-2019.scs"
REVISED = EXAMPLES / "shandong-city-revised.scs"
CITY_COHORT = EXAMPLES / "city-cohort.json"
# Every shipped standard with the cohort made for it.
SHIPPED = {
    "shandong-city-2019.scs": "city-cohort.json",
    "shandong-county-2019.scs": "county-cohort.json",
    "shandong-community-2019.scs": "community-cohort.json",
    "china-smart-city-evaluation-2016.scs": "national-cohort.json",
    "examples/county-and-city.scs": "county-and-city-cohort.json",
    "examples/digital-development-index.scs": "index-cohort.json",
    "examples/digital-development-zscore.scs": "",  # no cohort file: ZSCORE_COHORT
    "examples/shandong-city-revised.scs": "city-cohort.json",
}


# Four cities for the z-score index (tests/test_zscore_example.py's), which ships no cohort file.
ZSCORE_COHORT = [{"entity": name, "population": 1000000, "internet_users": internet, "digital_firms": firms,
                  "broadband_rate": broadband, "gigabit_rate": gigabit}
                 for name, internet, firms, broadband, gigabit in (
                     ("甲市", 800000, 20000, 0.9, 0.9), ("乙市", 900000, 20000, 0.9, "0.8999"),
                     ("丙市", 700000, 10000, 0.64, 1), ("丁市", 600000, 10000, 0.25, 0.36))]


@pytest.fixture(scope="module")
def city() -> scr.Standard:
    return scr.load(CITY_FILE)


@pytest.fixture(scope="module")
def cohort(city: scr.Standard) -> list[dict[str, Any]]:
    return city.read(CITY_COHORT)


def figures(change: scr.EntityChange) -> tuple[Any, ...]:
    """What an entity's comparison says, without the editions' names and notes."""
    def side(result: scr.IndicatorResult | None) -> tuple[Any, ...] | None:
        return None if result is None else (result.value, result.stars, result.points)
    return (change.entity, change.old.total, change.new.total, change.old.rating_rank, change.new.rating_rank,
            tuple((i.code, side(i.old), side(i.new), i.because) for i in change.indicators))


def bands_text(bands: s.StarBands, thresholds: Sequence[str] | None = None) -> str:
    shown = thresholds or [t.text for t in bands.thresholds]
    return f"{bands.rule.value} " + ", ".join(shown) + (" provisional" if bands.provisional else "")


# ------------------------------------------------------------ agreement with diff
def revised_as_sets() -> list[str]:
    """The revised edition's changes to the 2019 file, written as --sets."""
    revised = scr.load(REVISED, root=STANDARDS)
    found = {i.code: i for i in revised.checked.indicators}
    sets = [f"indicator {code} stars {bands_text(found[code].bands)}" for code in ("1", "12")]  # type: ignore[arg-type]
    before = {i.code: i.syntax.notes for i in scr.load(CITY_FILE).checked.indicators}
    sets += [f'indicator {code} note "{note}"' for code in ("1", "12") for note in found[code].syntax.notes
             if note not in before[code]]
    level = next(lv for lv in revised.syntax.rating.levels if lv.name == "五星级")  # type: ignore[union-attr]
    sets.append('rating level 5 "五星级" when ' + " and ".join(requirement_text(r) for r in level.requirements))
    return sets


def test_the_revised_edition_as_sets_agrees_with_diff_entity_by_entity(city: scr.Standard,
                                                                      cohort: list[dict[str, Any]]) -> None:
    revised = scr.load(REVISED, root=STANDARDS)
    edition = scr.diff_editions(city, revised, cohort)
    result = scr.whatif(city, cohort, revised_as_sets())
    assert result.definitions == edition.definitions
    assert [figures(e) for e in result.entities] == [figures(e) for e in edition.entities]
    assert len(edition.changed) == 16 and {e.entity for e in result.changed} >= {e.entity for e in edition.changed}


def test_against_another_file_is_diff_with_ranks(city: scr.Standard, cohort: list[dict[str, Any]]) -> None:
    revised = scr.load(REVISED, root=STANDARDS)
    result = scr.whatif(city, cohort, revised)
    assert isinstance(result, scr.EditionDiff)
    assert result.entities == scr.diff_editions(city, revised, cohort).entities
    assert result.sets == () and "against" in result.to_dict()


# ------------------------------------------------------------ restating changes nothing
def restatements(standard: scr.Standard) -> list[str]:
    """A --set for each clause that restates what the standard says, of every kind whatif reads."""
    checked = standard.checked
    found = [f"indicator {i.code} stars {bands_text(i.bands)}" for i in checked.indicators if i.bands is not None]
    found += [f"indicator {i.code} bands = {bands_text(i.bands)}" for i in checked.indicators[:3] if i.bands]
    found += [f"indicator {i.code} points {p.maximum.text}" + (" provisional" if p.provisional else "")
              for i in checked.indicators for p in [i.syntax.points]
              if p is not None and isinstance(p.scoring, s.FromStars) and not i.syntax.per_type]
    found += [f'group "{g.name}" ' + (f"at most {g.cap.text}" if g.bonus and g.cap else f"points {g.points.text}")
              + (" provisional" if g.provisional else "")
              for g in standard.syntax.all_groups() if (g.cap if g.bonus else g.points) is not None]
    header = standard.syntax.header
    assert header is not None and header.total is not None and header.rounding is not None
    found.append(f"total {header.total.text}" + (" provisional" if header.total_provisional else ""))
    found.append(f"rounding {header.rounding.decimals} decimals {header.rounding.mode.value}")
    found += [f"bands {b.name} = {bands_text(b.bands)}" for b in standard.syntax.bands]
    rating = standard.syntax.rating
    assert rating is not None
    found += [f'rating level {lv.rank.text} "{lv.name}" when ' + " and ".join(map(requirement_text, lv.requirements))
              for lv in rating.levels]
    return found


CITY_RESTATEMENTS = restatements(scr.load(CITY_FILE))


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(CITY_RESTATEMENTS), min_size=1, max_size=3, unique_by=lambda t: read_set(t, 1).key))
def test_a_set_that_restates_the_current_clause_changes_nothing(city: scr.Standard, cohort: list[dict[str, Any]],
                                                              sets: list[str]) -> None:
    result = scr.whatif(city, cohort, sets)
    assert result.definitions == ()
    assert result.changed == ()
    assert result.to_dict()["unchanged"] == len(cohort)


def test_every_kind_of_restatement_is_drawn() -> None:
    kinds = {re.match(r"(indicator \S+ (stars|bands|points)|\w+)", text).group(2) or text.split()[0]  # type: ignore[union-attr]
             for text in CITY_RESTATEMENTS}
    assert kinds == {"stars", "bands", "points", "group", "total", "rounding", "rating"}


# ------------------------------------------------------------ a moved threshold
def banded(standard: scr.Standard) -> list[ScoredIndicator]:
    return [i for i in standard.checked.indicators if i.bands is not None]


CITY_BANDED = [i.code for i in banded(scr.load(CITY_FILE))]


def reached(value: Fraction, threshold: Fraction, rule: s.BandRule) -> bool:
    """The boundary rule, stated here on its own: a value exactly at a threshold reaches it."""
    return value >= threshold if rule is s.BandRule.AT_LEAST else value <= threshold


CITY = scr.load(CITY_FILE)
CITY_RESULTS = CITY.evaluate_cohort(CITY.read(CITY_COHORT))


@st.composite
def moved_threshold(draw: st.DrawFn) -> tuple[str, int, Fraction]:
    """An indicator, which of its thresholds, and a new value for it that keeps the bands in order;
    often one an entity's value equals, to hold the boundary rule."""
    code = draw(st.sampled_from(CITY_BANDED))
    item = next(i for i in CITY.checked.indicators if i.code == code)
    assert item.bands is not None
    values = [t.value for t in item.bands.thresholds]
    k = draw(st.integers(0, len(values) - 1))
    before, after = (values[k - 1] if k else None), (values[k + 1] if k + 1 < len(values) else None)
    if item.bands.rule is s.BandRule.AT_MOST:  # thresholds fall as the stars rise
        before, after = after, before
    low = values[k] - 1 - abs(values[k]) if before is None else before  # no neighbour: room below it
    high = values[k] + 1 + abs(values[k]) if after is None else after
    exact = [r.value for e in CITY_RESULTS for r in e.indicators if r.code == code and r.value is not None]
    inside = [v for v in exact if low < v < high]
    fraction = st.fractions(min_value=low, max_value=high, max_denominator=10_000).filter(lambda f: low < f < high)
    new = draw(st.sampled_from(inside) if inside and draw(st.booleans()) else fraction)
    return code, k, new


CITY_TEXT = CITY_FILE.read_text(encoding="utf-8")


def with_clause(code: str, clause: str) -> str:
    """The city standard's text with indicator `code`'s `stars` line rewritten: the edition the
    independent reference reads, made here by hand and not by whatif."""
    start = re.search(rf"^\s*(?:indicator|item) {re.escape(code)}\b", CITY_TEXT, re.MULTILINE)
    assert start is not None
    line = re.compile(r"^(\s*)stars [^#\n]*", re.MULTILINE).search(CITY_TEXT, start.end())
    assert line is not None
    return CITY_TEXT[:line.start()] + line.group(1) + clause + " " + CITY_TEXT[line.end():]


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_moving_a_threshold_moves_exactly_the_entities_whose_value_crosses_it(
        city: scr.Standard, cohort: list[dict[str, Any]], data: st.DataObject) -> None:
    code, k, new = data.draw(moved_threshold())
    item = next(i for i in city.checked.indicators if i.code == code)
    assert item.bands is not None
    old = item.bands.thresholds[k].value
    shown = [t.text for t in item.bands.thresholds]
    shown[k] = f"{new.numerator}/{new.denominator}" if new.denominator != 1 else str(new.numerator)
    clause = f"stars {bands_text(item.bands, shown)}"
    result = scr.whatif(city, cohort, [f"indicator {code} {clause}"])
    assert compare(result.new, reference.loads(with_clause(code, clause), STANDARDS), cohort) == []
    for change in result.entities:
        before = next(r for r in change.old.indicators if r.code == code)
        after = next(r for r in change.new.indicators if r.code == code)
        crosses = before.value is not None and (
            reached(before.value, old, item.bands.rule) != reached(before.value, new, item.bands.rule))
        assert (before.stars != after.stars) == crosses, (change.entity, before.value, old, new)
        assert [i.code for i in change.indicators if i.code == code] == ([code] if crosses else [])
        if crosses:
            assert after.stars == before.stars + (1 if reached(before.value, new, item.bands.rule) else -1)


# ------------------------------------------------------------ every shipped standard
def _variants(standard: scr.Standard) -> list[scr.Standard]:
    return [standard.variant(t) for t in standard.entity_types] or [standard]


def one_moved_number(standard: scr.Standard) -> tuple[str, str]:
    """A --set that moves one number of one indicator, and the indicator: its top star threshold
    to halfway down, else its linear scale's top to halfway, else two items' weights swapped."""
    items = [i for v in _variants(standard) for i in v.checked.indicators]
    for item in items:
        if item.bands is not None:
            top = [t.value for t in item.bands.thresholds]
            middle = (top[-2] + top[-1]) / 2
            shown = [t.text for t in item.bands.thresholds[:-1]] + [f"{middle.numerator}/{middle.denominator}"]
            return item.code, f"indicator {item.code} stars {bands_text(item.bands, shown)}"
    for item in items:
        points = item.syntax.points
        if points is not None and isinstance(points.scoring, s.Linear):
            low, high = points.scoring.low.value, points.scoring.high.value
            middle = (low + high) / 2
            return item.code, (f"indicator {item.code} points {points.maximum.text} linear from "
                               f"{points.scoring.low.text} to {middle.numerator}/{middle.denominator}")
    first, second = next((a, b) for a, b in itertools.pairwise(items)
                         if a.parent is not None and a.parent is b.parent and a.syntax.weight and b.syntax.weight
                         and a.syntax.weight.value != b.syntax.weight.value)
    assert first.syntax.weight is not None and second.syntax.weight is not None
    return first.code, f"item {first.code} weight {second.syntax.weight.text}|item {second.code} weight " \
        f"{first.syntax.weight.text}"


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_whatif_moves_one_number_of_one_indicator_of_every_shipped_standard(name: str) -> None:
    standard = scr.load(STANDARDS / name, root=STANDARDS)
    read = standard.read(EXAMPLES / SHIPPED[name]) if SHIPPED[name] else ZSCORE_COHORT
    records = [{k: v for k, v in r.items() if k in standard.input_names or k == "entity"} for r in read]
    code, change = one_moved_number(standard)
    result = scr.whatif(standard, records, change.split("|"))
    subjects = [d.subject for d in result.definitions]
    assert subjects and all(re.fullmatch(r"indicator \S+( \(.+\))?", subject) for subject in subjects)
    assert subjects[0].split()[1] == code
    assert len(result.entities) == len(records)
    for change_ in result.changed:
        moved = {i.code for i in change_.indicators}
        assert moved <= {code, *(c.split()[1] for c in change.split("|"))} or not moved


def test_a_typed_standard_takes_numbers_per_type() -> None:
    standard = scr.load(EXAMPLES / "county-and-city.scs")
    records = standard.read(EXAMPLES / "county-and-city-cohort.json")
    group = next(g for g in standard.syntax.all_groups() if g.per_type and not g.bonus)
    numbers = dict(group.per_type)["points"]
    restated = f'group "{group.name}" points ' + ", ".join(f'{v.text} for "{t}"' for t, v in numbers.values) + (
        " provisional" if group.provisional else "")
    assert scr.whatif(standard, records, [restated]).changed == ()


# ------------------------------------------------------------ what each target replaces
SMALL = """standard "小" { level city total 4 rounding 2 decimals }
input whole "w": count
input part "p": count, part of whole
input incidents "事件": count
bands shares = at least 50%, 60%, 70%, 80%, 90%
group "G" points 4 {
    indicator 1 "一" { value ratio(part, whole) stars shares points 2 }
    indicator 2 "二" { value ratio(part, whole) stars at least 10%, 20%, 30%, 40%, 50% points 2 }
}
bonus group "B" at most 1 {
    indicator 3 "三" { value incidents deduct 1 each, at most 2 }
}
rating {
    unrated when missing more than 50%
    veto "重大事件" when indicator 3 <= -2 points
    level 2 "二级" when total >= 3
    level 1 "一级" when total >= 1
}
"""


def small_cohort(*parts: int) -> list[dict[str, Any]]:
    return [{"entity": f"E{k}", "whole": 100, "part": p, "incidents": 0} for k, p in enumerate(parts)]


@pytest.mark.parametrize(("change", "subject"), [
    ("bands shares = at least 40%, 60%, 70%, 80%, 90%", "indicator 1"),
    ("indicator 2 points 2 provisional", "indicator 2"),
    ("indicator 2 points 2 linear from 0 to 100%", "indicator 2"),
    ("item 2 rounding 1 decimals", "indicator 2"),
    ('indicator 3 deduct 1 each, at most 1', "indicator 3"),
    ('group "B" at most 2 provisional', 'group "B"'),
    ('group "G" rounding 1 decimals', 'group "G"'),
    ("total 4 provisional", None),
    ("rounding 1 decimals truncate", "rounding"),
    ('rating level 2 "二级" when total >= 3.5', "the rating"),
    ('rating veto "重大事件" when indicator 3 <= -1 points', None),
    ("rating unrated when missing more than 20%", None),
])
def test_each_target_replaces_its_clause_and_rechecks(change: str, subject: str | None) -> None:
    standard = scr.loads(SMALL)
    changed = changed_standard(standard, [change])
    assert changed.syntax != standard.syntax
    if subject is not None:
        assert subject in [d.subject for d in scr.whatif(standard, small_cohort(55, 95), [change]).definitions]


def test_a_moved_level_rates_again_and_says_why() -> None:
    result = scr.whatif(scr.loads(SMALL), small_cohort(55, 75), ['rating level 2 "二级" when total >= 3.5'])
    (moved,) = result.changed  # E1: 3 stars and 5, 1.2 + 2 = 3.2 points, level 2 at 3 but not at 3.5
    assert (moved.entity, moved.old.rating_rank, moved.new.rating_rank, moved.indicators) == ("E1", 2, 1, ())
    assert "二级 not reached: total >= 3.5 (total 3.2)" in result.render()


def test_a_level_reached_says_what_held_it_back() -> None:
    result = scr.whatif(scr.loads(SMALL), small_cohort(55, 75), ['rating level 2 "二级" when total >= 2'])
    (moved,) = result.changed  # E0: 1 star and 5, 0.4 + 2 = 2.4 points: level 1 at 3, level 2 at 2
    assert (moved.entity, moved.old.rating_rank, moved.new.rating_rank) == ("E0", 1, 2)
    assert ("  E0: total 2.4 → 2.4, rating 一级 → 二级\n"
            "    二级 now reached: before, total >= 3 (total 2.4) did not hold") in result.render()


def test_an_entity_whose_figures_do_not_move_but_whose_rank_does_is_listed() -> None:
    # At 65%, 75% and 85%: 2, 3 and 4 stars on indicator 1, 5 on indicator 2; totals 2.8, 3.2, 3.6.
    # Raised bands give E1 and E2 E0's 2 stars: all three share the first place.
    result = scr.whatif(scr.loads(SMALL), small_cohort(65, 75, 85), ["bands shares = at least 50%, 60%, 90%, 95%, 99%"])
    assert result.ranks == ((3, 1), (2, 1), (1, 1))
    assert [e.entity for e in result.changed] == ["E0", "E1", "E2"]
    (still,) = [e for e in result.changed if not e.indicators]
    assert still.entity == "E0" and still.old.total == still.new.total
    assert "  E0: total 2.8 → 2.8, rating 一级 → 一级, rank 3 → 1\n    because: the totals of others changed" \
        in result.render()
    assert result.to_dict()["entities"][0]["rank"] == {"old": 3, "new": 1}


def test_a_tie_shares_the_place() -> None:
    tie = scr.whatif(scr.loads(SMALL), small_cohort(65, 75), ["bands shares = at least 50%, 60%, 65%, 80%, 90%"])
    assert tie.ranks == ((2, 1), (1, 1))  # E0 reaches E1's 3 stars exactly at 65%
    assert [e.entity for e in tie.changed] == ["E0"]


# ------------------------------------------------------------ problems, rendered
@pytest.mark.parametrize(("change", "shown"), [
    ("indicator 12 stars at lest 40%", "<--set 1>:1:23: error[E0101]: unexpected `lest`"),
    ("indicator 99 points 3", "<--set 1>:1:11: error[E0401]"),
    ('group "数字慧民" points 24', 'did you mean `"数字惠民"`?'),
    ("bands matur = at least 1, 2, 3, 4, 5", "<--set 1>:1:7: error[E0404]: the standard has no bands matur"),
    ("bands matur = at least 1, 2, 3, 4, 5", "did you mean `mature`?"),
    ('indicator 6 item 6-X "新分项" { value 1 points 1 }', "<--set 1>:1:13: error[E0405]: a --set cannot add an item"),
    ("nonsense", "<--set 1>:1:1: error[E0400]"),
    ("rating level 9 \"九\" when total >= 1", "error[E0403]: the rating has no level 9"),
    ("indicator 12 value nosuch", "<--set 1>:1:20: error[E0210]"),
    ('group "数字惠民" points 25', "<--set 1>:1:21: error[E0231]"),
    ("indicator 12 points 30", "error[E0407]"),
])
def test_a_bad_set_is_rendered_into_its_own_text(city: scr.Standard, change: str, shown: str) -> None:
    with pytest.raises(scr.InvalidStandard) as raised:
        changed_standard(city, [change])
    assert shown in str(raised.value)


def test_every_problem_of_every_set_is_reported_at_once(city: scr.Standard) -> None:
    with pytest.raises(scr.InvalidStandard) as raised:
        changed_standard(city, ["indicator 99 points 3", "indicator 12 points 2", "indicator 12 points 3"])
    assert [d.code for d in raised.value.diagnostics] == ["E0401", "E0406"]


# ------------------------------------------------------------ the command
def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_docs_run_example_prints_what_it_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    (block,) = re.findall(r"```console\n(.*?)```", (ROOT / "docs" / "whatif.md").read_text(encoding="utf-8"),
                          re.DOTALL)
    command, *shown = block.splitlines()
    code, out, err = run(*shlex.split(command.removeprefix("$ "))[1:])
    assert (code, err) == (0, "")
    assert out.splitlines() == shown


def test_json_and_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    target = tmp_path / "whatif.json"
    code, out, _ = run("whatif", str(CITY_FILE), str(CITY_COHORT), "--set",
                       "indicator 12 bands = at least 10%, 20%, 35%, 50%, 75% provisional", "--format", "json",
                       "-o", str(target))
    assert (code, out) == (0, "")
    found = json.loads(target.read_text(encoding="utf-8"))
    assert found["sets"] == ["indicator 12 bands = at least 10%, 20%, 35%, 50%, 75% provisional"]
    assert [e["entity"] for e in found["entities"]] == ["海阳湾市", "渤津市"] and found["unchanged"] == 14
    assert found["entities"][0]["rank"] == {"old": 2, "new": 2}


def test_against_from_the_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    code, out, _ = run("whatif", str(CITY_FILE), str(CITY_COHORT), "--against", str(REVISED), "--root", "standards")
    assert code == 0 and "Entities whose results differ (16 of 16; 0 unchanged)" in out


@pytest.mark.parametrize("extra", [[], ["--set", "total 100", "--against", str(REVISED)]])
def test_sets_or_against_not_both_nor_neither(extra: list[str]) -> None:
    code, _, err = run("whatif", str(CITY_FILE), str(CITY_COHORT), *extra)
    assert code == 2 and "--against" in err


def test_a_bad_set_on_the_command_line_is_a_diagnostic_not_a_traceback() -> None:
    code, out, err = run("whatif", str(CITY_FILE), str(CITY_COHORT), "--set", 'group "数字慧民" points 24')
    assert (code, out) == (1, "")
    assert "<--set 1>:1:7: error[E0402]" in err and "Traceback" not in err


def test_one_change_may_be_given_as_a_string() -> None:
    standard, records = scr.loads(SMALL), small_cohort(55, 75)
    change = 'rating level 2 "二级" when total >= 3.5'
    one, listed = scr.whatif(standard, records, change), scr.whatif(standard, records, [change])
    assert one.sets == listed.sets == (change,)
    assert [figures(e) for e in one.changed] == [figures(e) for e in listed.changed] != []
