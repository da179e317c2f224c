"""The analysis stage (analysis.py): the entry point, a golden file per code, declared directions (E0304),
numbering (W0303), the provisional note (N0301), and mixed findings in source order.

Each analysis has a standard that breaks it (analysis_helpers.CASES) and one that passes; the analyses
analysis.py delegates have their own test modules: test_ranges, test_reachability, test_directions, test_units.
"""

from __future__ import annotations

import pytest

import smartcity_rules as scr
from smartcity_rules import Severity

from .analysis_helpers import CASES, IN, RATIO, H, analysed, codes, everything, one
from .conftest import FIXTURES, STANDARDS


# ---------------------------------------------------------------- the entry point, one finding per code
@pytest.mark.parametrize("code", sorted(CASES))
def test_each_analysis_finding(code: str, golden) -> None:
    found = analysed(CASES[code], f"{code}.scs")
    assert [d.code for d in found] == [code]
    (diagnostic,) = found
    expected = {"E": Severity.ERROR, "W": Severity.WARNING, "N": Severity.NOTE}[code[0]]
    assert diagnostic.severity is expected and diagnostic.help
    golden.check(f"check/{code}.txt", diagnostic.render() + "\n")


def test_a_sound_standard_has_no_findings() -> None:
    assert codes(one(RATIO)) == []


def test_load_does_not_analyse_but_diagnose_does(tmp_path) -> None:
    path = tmp_path / "bad.scs"
    path.write_text(CASES["E0301"], "utf-8")
    assert scr.load(path).warnings == ()
    assert [d.code for d in scr.diagnose(path)] == ["E0301"]


# ---------------------------------------------------------------- declared directions (E0304)
def test_a_declared_direction_that_agrees_passes() -> None:
    assert codes(one(RATIO, more="        better higher\n")) == []
    assert codes(one("rank(households)", "at most 9, 7, 5, 3, 1", more="        better lower\n")) == []


def test_a_linear_scale_or_deduction_against_the_declared_direction() -> None:
    inputs = IN + 'input incidents "事件": count "起", better lower\n'
    deduction = (H + inputs + 'group "G" points 2 {\n    indicator 1 "I" { value ratio(fibre, households) '
                 'stars at least 1%, 2%, 3%, 4%, 5% points 2 }\n    indicator 2 "D" { value incidents '
                 'deduct 1 each, at most 2 better higher }\n}\n')
    assert codes(deduction) == ["E0304"]
    assert codes(deduction.replace("better higher }", "}")) == []


# ---------------------------------------------------------------- numbering and notes
def test_numbering_gaps_are_listed_as_runs() -> None:
    text = (H + IN + 'group "G" points 2 {\n' + "".join(
        f'    indicator {n} "I{n}" {{ value ratio(fibre, households) stars at least 1%, 2%, 3%, 4%, 5% points '
        f'{"2" if n == 1 else "0.0"} }}\n' for n in (1, 3, 4, 8)) + "}\n")
    found = [d for d in analysed(text) if d.code == "W0303"]
    assert [d.message for d in found] == ["indicator numbers skip 2, 5–7"]


def test_the_provisional_note_folds_indicators_into_runs() -> None:
    (note,) = analysed(CASES["N0301"])
    assert note.message == "1 number is provisional: never present it as official"
    assert note.help == "star thresholds of indicator 1"
    city = scr.diagnose(STANDARDS / "shandong-city-2019.scs")
    (city_note,) = city
    assert "star thresholds of indicators 1–44, 46–49" in city_note.help


# ---------------------------------------------------------------- shipped standards, and all in one run
@pytest.mark.parametrize("path", [*sorted(STANDARDS.glob("*.scs")), FIXTURES / "mini.scs"], ids=lambda p: p.name)
def test_shipped_standards_have_no_errors_or_warnings(path) -> None:
    found = scr.diagnose(path)
    assert [d.code for d in found] == ["N0301"], [d.render() for d in found]


def test_check_and_analysis_errors_are_all_reported_in_source_order() -> None:
    text = (H + IN + 'input rate "率": rate\n' + 'group "G" points 2 {\n'
            '    indicator 1 "I" { value fibre + rate stars at least 1, 2, 3, 4, 5 points 1 }\n'
            '    indicator 2 "J" { value ratio(fiber, households) stars at least 20%, 40%, 60%, 80%, 100% points 1 }\n'
            '    indicator 3 "K" { value ratio(fibre, households) stars at least 20%, 40%, 60%, 80%, 120% '
            "points 1 }\n}\n")
    found = [d for d in everything(text) if d.is_error]
    assert [d.code for d in found] == ["E0231", "E0305", "E0210", "E0301"]
    starts = [d.span.start for d in found if d.span is not None]
    assert starts == sorted(starts)
