"""Stored test cases: every shipped standard's cases pass, a wrong expectation fails with the
number that differs, and a malformed cases file is a clean error naming file:line."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import smartcity_rules as scr
from smartcity_rules.language import errors
from smartcity_rules.toolkit.cases import CaseFileError, default_path, load_cases, parse_number, run_case, run_cases

from .conftest import FIXTURES, STANDARDS

MINI = scr.load(FIXTURES / "mini.scs")
GOOD_RECORD = {"households": 100, "fibre": 90, "gigabit": 80, "has_group": True, "has_plan": False,
               "incidents": 1, "apps": 12}
GOOD = "".join(f"{key} = {json.dumps(value)}\n" for key, value in GOOD_RECORD.items())  # the same, as TOML


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mini.cases.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_city_standard_ships_its_cases() -> None:
    assert default_path(STANDARDS / "shandong-city-2019.scs").exists()
    assert default_path("a/b/city.scs") == Path("a/b/city.cases.toml")


def test_a_wrong_expectation_names_what_differs(tmp_path: Path) -> None:
    path = _write(tmp_path, f"[base]\n{GOOD}\n[[case]]\nname = \"off\"\n[case.expect]\ntotal = 7\nrating = 5\n"
                            "[case.expect.indicator.1]\nvalue = \"0.8\"\nstars = 4\npoints = 3\n"
                            "[case.expect.group.\"保障措施\"]\npoints = 1\n")
    (result,) = run_cases(MINI, load_cases(path))
    # fibre 90 of 100: 5 stars, 3 points; indicator 2 linear 3 x 0.85 = 2.55; checklist 1 of 2: 0.8;
    # rank 1: 2; one incident: -1.  Total 3 + 2.55 + 0.8 + 2 - 1 = 7.35, level 3.
    assert result.failures == (
        "total: expected 7, got 7.35",
        "rating: expected 5, got 3 (三星级)",
        "indicator 1 value: expected 0.8, got 0.9",
        "indicator 1 stars: expected 4, got 5",
        "group '保障措施' points: expected 1, got 1.8",
    )
    assert result.case.location == f"{path}:9"  # the line of its [[case]]


def test_tolerance_peers_and_expected_errors(tmp_path: Path) -> None:
    path = _write(tmp_path, f"[base]\n{GOOD}\n"
                            "[[case]]\nname = \"third\"\ninputs = { fibre = 30, gigabit = 30, households = 90 }\n"
                            "[case.expect.indicator.1]\nvalue = \"0.3333\"\ntolerance = \"0.0001\"\n"
                            "[[case]]\nname = \"second\"\npeers = [{ apps = 13 }]\n"
                            "[case.expect.indicator.4]\nvalue = 2\nstars = 4\n"
                            "[[case]]\nname = \"too many\"\ninputs = { fibre = 101 }\n"
                            "[case.expect]\nerror = \"InvalidValue\"\n"
                            "[[case]]\nname = \"not refused\"\n[case.expect]\nerror = \"ZeroDenominator\"\n")
    results = run_cases(MINI, load_cases(path))
    assert [r.failures for r in results] == [(), (), (), ("expected ZeroDenominator, but the statistics scored",)]


def test_a_case_can_score_an_entity_of_a_data_file(tmp_path: Path) -> None:
    (tmp_path / "cohort.json").write_text(json.dumps([{"entity": "A", **GOOD_RECORD}]), encoding="utf-8")
    path = _write(tmp_path, '[[case]]\nname = "from data"\ndata = "cohort.json"\nentity = "A"\n'
                            'inputs = { fibre = 45 }\n[case.expect.indicator.1]\nvalue = "0.45"\nstars = 0\n')
    (case,) = load_cases(path)
    assert run_case(MINI, case).passed


def test_ratings_by_name_statuses_and_unknown_groups(tmp_path: Path) -> None:
    path = _write(tmp_path, f"[base]\n{GOOD}\n[[case]]\nname = \"named\"\n[case.expect]\nrating = \"三星级\"\n"
                            "[case.expect.indicator.5]\nstatus = \"deduction\"\npoints = -1\n"
                            "[[case]]\nname = \"wrong\"\n[case.expect]\nrating = \"五星级\"\n"
                            "[case.expect.indicator.9]\nstars = 1\n[case.expect.group.\"无此组\"]\npoints = 1\n"
                            "[case.expect.indicator.1]\nstatus = \"not applicable\"\n")
    named, wrong = run_cases(MINI, load_cases(path))
    assert named.failures == ()
    assert wrong.failures == (
        "rating: expected '五星级', got '三星级' (三星级)",
        "indicator 9: the standard has no such indicator",
        "indicator 1 status: expected not applicable, got scored",
        "group '无此组': the standard has no such group",
    )


def test_a_group_tolerance_overrides_the_cases(tmp_path: Path) -> None:
    path = _write(tmp_path, f"[base]\n{GOOD}\n[[case]]\nname = \"close\"\n[case.expect]\ntolerance = \"0.5\"\n"
                            "total = 7\n[case.expect.group.\"保障措施\"]\npoints = 1\ntolerance = 1\n"
                            "[case.expect.indicator.1]\nstars = 4\n")
    (result,) = run_cases(MINI, load_cases(path))
    # total 7.35 within 0.5; group 1.8 within its own 1; stars are never within a tolerance
    assert result.failures == ("indicator 1 stars: expected 4, got 5",)


@pytest.mark.parametrize(("text", "message"), [
    ('[[case]]\nname = "x"\n[case.expect]\ntotal = \n', "invalid TOML"),
    ('[[case]]\nname = "x"\n[case.expect]\ntotl = 1\n', ":4: unknown key 'totl' in `expect`"),
    ('[[case]]\nname = "a"\n[case.expect]\ntotal = 1\n\n[[case]]\nname = "b"\n[case.expect]\n'
     'total = "many"\n', ":9: `total` = 'many' is not a number"),
    ('[[case]]\nname = "x"\n', ":1: case 'x' has no `[case.expect]` table"),
    ('[[case]]\n[case.expect]\ntotal = 1\n', ":1: every case needs a `name`"),
    ('[[case]]\nname = "x"\n[case.expect.indicator.1]\nstars = 6\n', ":4: indicator 1: `stars` is a whole number"),
    ('[[case]]\nname = "x"\n[case.expect.indicator."L1 P1"]\nstars = 1\n',
     ":3: indicator 'L1 P1' is not an indicator code such as 12 or L1P1-A1"),
    ('[[case]]\nname = "x"\n[case.expect.indicator."²"]\nstars = 1\n',
     ":3: indicator '²' is not an indicator code such as 12 or L1P1-A1"),  # regression
    ('[[case]]\nname = "x"\n[case.expect]\nerror = "Oops"\n', ":4: `error` must be one of"),
    ('[[case]]\nname = "x"\n[case.expect]\nerror = "InvalidValue"\ntotal = 1\n', "expects nothing else"),
    ('[[case]]\nname = "x"\ndata = "missing.json"\nentity = "A"\n[case.expect]\ntotal = 1\n',
     ":3: ", ),
    ('[[case]]\nname = "x"\ndata = "missing.json"\n[case.expect]\ntotal = 1\n', "needs the `entity`"),
    ('[[case]]\nname = "x"\npeers = 3\n[case.expect]\ntotal = 1\n', ":3: `peers` must be a list"),
    ('[[case]]\nname = "x"\n[case.expect]\nrating = true\n', ":4: `rating` is a level's number"),
    ("title = 1\n", "unknown top-level key 'title'"),
    ("[base]\nx = 1\n", "at least one `[[case]]`"),
])
def test_malformed_cases_files_are_clean_errors_with_a_line(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(CaseFileError) as caught:
        load_cases(path)
    assert str(caught.value).startswith(str(path))
    assert message in str(caught.value)


def test_case_file_errors_are_the_librarys_data_file_errors() -> None:
    assert CaseFileError is errors.CaseFileError
    assert issubclass(CaseFileError, scr.DataFileError) and issubclass(CaseFileError, scr.SmartCityRulesError)


def test_an_unreadable_cases_file_is_a_clean_error(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="cannot read cases"):
        load_cases(tmp_path / "absent.cases.toml")
    (tmp_path / "latin1.cases.toml").write_bytes(b'[[case]]\nname = "\xe9"\n')
    with pytest.raises(CaseFileError):
        load_cases(tmp_path / "latin1.cases.toml")


def test_expected_numbers_may_be_fractions_decimals_or_percentages() -> None:
    assert parse_number("2/3") * 3 == 2
    assert parse_number("85%") == parse_number(0.85) == parse_number("0.85")
    with pytest.raises(ValueError):
        parse_number("two")


# ---------------------------------------------------------------- what a cases file may read
def _data_case(data: str) -> str:
    return f'[[case]]\nname = "x"\ndata = "{data}"\nentity = "A"\n[case.expect]\ntotal = 1\n'


@pytest.fixture
def cases_folder(tmp_path: Path) -> Path:
    """A folder for cases files, beside a statistics file they must not read."""
    (tmp_path / "secret.json").write_text(json.dumps([{"entity": "SECRET"}]), encoding="utf-8")
    (tmp_path / "cases").mkdir()
    return tmp_path / "cases"


@pytest.mark.parametrize(("data", "message"), [
    ("/etc/passwd", "`data` = '/etc/passwd' must be a path relative to the cases file"),
    ("../secret.json", "`data` = '../secret.json' leads outside the folder statistics are read from"),
    ("link.json", "`data` = 'link.json' leads outside the folder statistics are read from"),
    ("fifo.json", "`data` = 'fifo.json' is a FIFO, not a statistics file"),
    (".", "`data` = '.' is a directory, not a statistics file"),
])
def test_a_data_file_out_of_bounds_is_refused_unread(cases_folder: Path, data: str, message: str) -> None:
    (cases_folder / "link.json").symlink_to(cases_folder.parent / "secret.json")
    os.mkfifo(cases_folder / "fifo.json")  # reading it would wait for a writer
    path = _write(cases_folder, _data_case(data))
    with pytest.raises(CaseFileError) as caught:
        load_cases(path)
    assert str(caught.value) == f"{path}:3: {message}"


def test_a_root_lets_a_cases_file_read_data_beside_its_folder(cases_folder: Path) -> None:
    (cases_folder.parent / "cohort.json").write_text(json.dumps([{"entity": "A", **GOOD_RECORD}]), encoding="utf-8")
    (case,) = load_cases(_write(cases_folder, _data_case("../cohort.json")), root=cases_folder.parent)
    assert case.entity == "A" and case.records[0]["fibre"] == 90
