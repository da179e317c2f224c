"""The command line, run in-process through main(argv, out, err)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smartcity_rules.cli import main

from .conftest import FIXTURES, ROOT, STANDARDS, mini_record

CITY = STANDARDS / "shandong-city-2019.scs"
CITY_DATA = STANDARDS / "examples" / "city-cohort.json"


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def mini_data(tmp_path: Path) -> Path:
    path = tmp_path / "mini.json"
    path.write_text(json.dumps([mini_record(), mini_record(entity="B", apps=30)], ensure_ascii=False), "utf-8")
    return path


def test_check_clean_files() -> None:
    code, out, err = run("check", FIXTURES / "mini.scs", *sorted(STANDARDS.glob("*.scs")))
    assert code == 0, err
    assert out.count(": ok, 0 warnings") == 1 + len(list(STANDARDS.glob("*.scs")))


def test_check_reports_errors_and_exits_1(tmp_path: Path) -> None:
    broken = tmp_path / "broken.scs"
    broken.write_text((FIXTURES / "mini.scs").read_text("utf-8").replace("ratio(fibre, households)",
                                                                        "ratio(fiber, households)", 1), "utf-8")
    code, out, err = run("check", broken)
    assert code == 1
    assert f"{broken}:" in err and "error[E0210]: unknown input `fiber`" in err and "did you mean `fibre`?" in err
    assert "^^^^^" in err
    assert out.strip() == f"{broken}: 1 error, 0 warnings"


def test_check_syntax_error_has_location_line_and_caret(tmp_path: Path) -> None:
    broken = tmp_path / "syntax.scs"
    broken.write_text('standard "T" {\n  level city\n  total 100 %\n}\n', "utf-8")
    code, _, err = run("check", broken)
    assert code == 1
    assert f"{broken}:3:" in err and "  total 100 %" in err and "^" in err and "expected" in err


def test_score_detail_prints_every_indicator_for_every_city() -> None:
    code, out, err = run("score", CITY, CITY_DATA, "--detail")
    assert code == 0, err
    cities = [r["entity"] for r in json.loads(CITY_DATA.read_text("utf-8"))]
    assert len(cities) >= 16
    for city in cities:
        assert f"{city} — " in out
    assert out.count("Rating: ") == len(cities)
    assert out.count("信息安全") == len(cities)
    assert out.count("智慧社区覆盖率") == len(cities)


def test_score_json_carries_the_same_numbers_as_the_table() -> None:
    code, out, _ = run("score", CITY, CITY_DATA, "--format", "json")
    assert code == 0
    data = json.loads(out)
    _, table, _ = run("score", CITY, CITY_DATA, "--detail")
    for entity in data:
        assert len(entity["indicators"]) == 49
        assert f"Total: {entity['total_exact']} of 100" in table
        assert entity["provisional"]


def test_score_csv_equals_json() -> None:
    _, from_json, _ = run("score", CITY, CITY_DATA, "--format", "json")
    _, from_csv, _ = run("score", CITY, CITY_DATA.with_suffix(".csv"), "--format", "json")
    assert json.loads(from_json) == json.loads(from_csv)


def test_score_one_entity(mini_data: Path) -> None:
    code, out, _ = run("score", FIXTURES / "mini.scs", mini_data, "--entity", "B", "--detail")
    assert code == 0 and "B — " in out and "A — " not in out


def test_explain(mini_data: Path, golden) -> None:
    code, out, _ = run("explain", FIXTURES / "mini.scs", mini_data, "--entity", "A", "--indicator", "2")
    assert code == 0
    golden.check("cli/explain_mini_2.txt", out)
    assert "= weighted { 1/2: ratio(90, 100), 1/2: ratio(80, 100) }" in out
    assert "next:     5 stars at 0.9, 0.05 away" in out


def test_explain_json(mini_data: Path) -> None:
    code, out, _ = run("explain", FIXTURES / "mini.scs", mini_data, "--entity", "A", "--indicator", "1",
                       "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["indicator"]["stars"] == 5 and data["next_band"] is None
    assert [i["name"] for i in data["inputs"]] == ["fibre", "households"]


def test_explain_city_growth_indicator() -> None:
    code, out, _ = run("explain", CITY, CITY_DATA, "--entity", "泰岳市", "--indicator", "39")
    assert code == 0
    assert "invention_patents@previous" in out and "growth(" in out


@pytest.mark.parametrize(("argv", "words"), [
    (("--entity", "Z", "--indicator", "1"), "no entity 'Z'"),
    (("--entity", "A", "--indicator", "99"), "no indicator, item or group 99"),
])
def test_explain_errors(mini_data: Path, argv: tuple[str, ...], words: str) -> None:
    code, _, err = run("explain", FIXTURES / "mini.scs", mini_data, *argv)
    assert code == 1 and words in err and "Traceback" not in err


def test_bad_data_is_a_clean_error(tmp_path: Path) -> None:
    data = tmp_path / "bad.json"
    data.write_text(json.dumps([mini_record(fibre=-3)]), "utf-8")
    code, out, err = run("score", FIXTURES / "mini.scs", data)
    assert code == 1 and out == ""
    assert err.startswith(f"error: {data}:1: entity 'A', indicator 1, input 'fibre': -3 is negative")


def test_missing_files_are_clean_errors(tmp_path: Path) -> None:
    code, _, err = run("score", tmp_path / "none.scs", tmp_path / "none.json")
    assert code == 1 and "E0100" in err and "Traceback" not in err
    code, _, err = run("score", FIXTURES / "mini.scs", tmp_path / "none.json")
    assert code == 1 and "cannot read statistics" in err


def test_score_unknown_entity_is_an_error(mini_data: Path) -> None:
    code, out, err = run("score", FIXTURES / "mini.scs", mini_data, "--entity", "Z")
    assert code == 1 and out == "" and "no entity 'Z'" in err


def test_version_and_module_entry_point() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "smartcity_rules", "--version"], capture_output=True,
                            text=True, check=False, cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0 and result.stdout.startswith("smartcity-rules ")


def test_usage_errors_return_2_and_never_raise_system_exit() -> None:
    code, out, err = run("frobnicate")
    assert code == 2 and "invalid choice" in err and out == ""
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("smartcity-rules ")


def test_explain_not_applicable_linear_and_previous(tmp_path: Path) -> None:
    standard = tmp_path / "s.scs"
    standard.write_text(
        'standard "T" { level city }\ninput a "a": count\ninput b "b": count\n'
        'group "G" points 4 {\n'
        ' indicator 1 "na" { value ratio(a, b) stars at least 1%, 2%, 3%, 4%, 5% points 2 '
        "on zero denominator: not applicable }\n"
        ' indicator 2 "lin" { value -(a - previous(a)) stars at most 0, -1, -2, -3, -4 '
        "points 2 linear from 0 to -10 }\n}\n", "utf-8")
    data = tmp_path / "d.json"
    data.write_text('[{"entity": "X", "a": 0, "b": 0, "a@previous": 3}]', "utf-8")
    code, out, _ = run("explain", standard, data, "--entity", "X", "--indicator", "1")
    assert code == 0 and "= not applicable" in out and "band:     n/a" in out
    code, out, _ = run("explain", standard, data, "--entity", "X", "--indicator", "2")
    assert code == 0
    assert "formula:  -(a - previous(a))" in out and "= -(0 - 3)" in out
    assert "x position between 0 and -10, capped" in out
    assert "next:     1 star at 0, 3 away" in out


def test_text_output_never_carries_terminal_escapes(tmp_path: Path) -> None:
    data = tmp_path / "d.json"
    data.write_text(json.dumps([mini_record(entity="A\x1b[2J")]), encoding="utf-8")
    code, out, _ = run("score", str(FIXTURES / "mini.scs"), str(data))
    assert code == 0 and "\x1b" not in out and "A\u241b[2J" in out


def test_check_strict_fails_on_warnings_but_not_on_notes(tmp_path: Path) -> None:
    spare = tmp_path / "spare.scs"
    spare.write_text((FIXTURES / "mini.scs").read_text(encoding="utf-8") + 'input spare "s": count\n',
                     encoding="utf-8")
    assert run("check", spare)[0] == 0
    code, out, _ = run("check", "--strict", spare)
    assert code == 1 and "1 warning" in out
    assert run("check", "--strict", FIXTURES / "mini.scs")[0] == 0  # only the provisional note


# ---- a reader that stops early (`| head`): one exit status, every time, and no traceback

RUNS = 20


def _cli(*argv: str | Path, stderr: int) -> subprocess.Popen[bytes]:
    # PYTHONUNBUFFERED hides the race: an unbuffered stdout leaves nothing for the interpreter's last flush
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.Popen([sys.executable, "-m", "smartcity_rules", *map(str, argv)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=stderr)


def _read_then_close(process: subprocess.Popen[bytes], lines: int) -> tuple[int, str]:
    """Reads `lines` lines of stdout (0: none, like `| true`), closes the pipe, and waits."""
    assert process.stdout is not None
    for _ in range(lines):
        process.stdout.readline()
    process.stdout.close()
    stderr = ""
    if process.stderr is not None:
        with process.stderr:
            stderr = process.stderr.read().decode("utf-8")
    return process.wait(timeout=120), stderr


def _closed_early(argv: tuple[str | Path, ...], lines: int, runs: int = RUNS,
                  stderr: int = subprocess.PIPE) -> list[tuple[int, str]]:
    processes = [_cli(*argv, stderr=stderr) for _ in range(runs)]  # side by side: the runs overlap
    return [_read_then_close(process, lines) for process in processes]


@pytest.mark.parametrize(("argv", "lines"), [
    (("score", CITY, CITY_DATA), 3),            # ~90 kB, `| head -3`: the pipe breaks while it writes
    (("explain", CITY, CITY_DATA, "--entity", "泰岳市", "--indicator", "1"), 0),  # a few lines, `| true`: the
    (("--version",), 0),                        # pipe breaks at the last flush or not at all; argparse's too
], ids=["score-head", "explain-true", "version-true"])
def test_a_reader_closing_early_gets_status_0_every_time(argv: tuple[str | Path, ...], lines: int) -> None:
    results = _closed_early(argv, lines)
    assert [code for code, _ in results] == [0] * RUNS
    for _, stderr in results:
        assert "Traceback" not in stderr and "Exception ignored" not in stderr and "BrokenPipe" not in stderr


@pytest.mark.parametrize(("argv", "code"), [
    (("score", FIXTURES / "mini.scs", CITY_DATA), 1),   # an error about the data
    (("frobnicate",), 2),                               # argparse's usage error
], ids=["data-error", "usage-error"])
def test_a_failure_keeps_its_status_when_no_one_reads_why(argv: tuple[str | Path, ...], code: int) -> None:
    # stderr into the same pipe, closed at once (`2>&1 | true`): the status is settled before the message
    results = _closed_early(argv, 0, runs=5, stderr=subprocess.STDOUT)
    assert [status for status, _ in results] == [code] * 5


# ---------------------------------------------------------------- entity types
TYPED = STANDARDS / "examples" / "county-and-city.scs"
TYPED_DATA = STANDARDS / "examples" / "county-and-city-cohort.csv"


def test_a_typed_standard_checks_strictly_and_scores_each_entity_by_its_type() -> None:
    assert run("check", "--strict", TYPED)[0] == 0
    code, out, err = run("score", TYPED, TYPED_DATA, "--entity", "河清市", "--entity", "西岭县", "--detail")
    assert code == 0, err
    city, county = out.split("\n\n")
    assert city.startswith("河清市 (市) — ") and "城市大脑" in city and "行政村网格化管理率" not in city
    assert county.startswith("西岭县 (县) — ") and "行政村网格化管理率" in county and "城市大脑" not in county
    code, out, _ = run("score", TYPED, TYPED_DATA, "--format", "json")
    assert [(e["entity"], e["entity_type"], e["cohort"]["size"]) for e in json.loads(out)][::3] == [
        ("泰岳市", "市", 3), ("东平县", "县", 3)]


def test_a_typed_standard_explains_documents_assesses_and_diffs() -> None:
    code, out, _ = run("explain", TYPED, TYPED_DATA, "--entity", "东平县", "--indicator", "3")
    assert code == 0 and "= rank(30)\n        = 2" in out
    code, out, err = run("explain", TYPED, TYPED_DATA, "--entity", "东平县", "--indicator", "4")
    assert code == 1 and "indicator 4 is not scored for entity type '县'" in err
    code, out, _ = run("docs", TYPED)
    assert code == 0 and "## Entity type 市" in out and "## Entity type 县" in out
    code, out, _ = run("assess", TYPED, TYPED_DATA, "--stage", "acceptance", "--target", "3", "--entity", "东平县")
    assert code == 0 and "fails total >= 15" in out
    code, out, _ = run("diff", TYPED, TYPED, TYPED_DATA)
    assert code == 0 and "Definitions that differ (0)" in out and "(0 of 6)" in out


def test_a_record_of_no_type_is_an_error_naming_entity_and_input(tmp_path: Path) -> None:
    data = tmp_path / "bad.json"
    data.write_text(json.dumps([{"entity": "新区", "类型": "区", "households": 1}], ensure_ascii=False), "utf-8")
    code, _, err = run("score", TYPED, data)
    assert code == 1 and "entity '新区', input '类型': entity type '区' is not one of 市, 县" in err


def test_score_summary_is_one_line_per_entity_best_first() -> None:
    code, out, _ = run("score", CITY, CITY_DATA)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["Rank", "Entity", "Total", "(of", "100)", "Rating"]
    rows = [line.split() for line in lines[1:-1]]
    data = json.loads(run("score", CITY, CITY_DATA, "--format", "json")[1])
    assert len(rows) == len(data) == 16
    totals = [float(row[2]) for row in rows]
    assert totals == sorted(totals, reverse=True)
    best = max(data, key=lambda e: e["total"])
    assert rows[0][:4] == ["1", best["entity"], best["total_exact"], best["rating"]["name"]]
    assert lines[-1].startswith("16 entities scored with ")


def test_score_summary_ranks_ties_alike(tmp_path: Path) -> None:
    data = tmp_path / "d.json"
    data.write_text(json.dumps([mini_record(entity=name) for name in ("A", "B", "C")]), "utf-8")
    _, out, _ = run("score", FIXTURES / "mini.scs", data)
    assert [line.split()[0] for line in out.splitlines()[1:-1]] == ["1", "1", "1"]


def test_keep_going_reports_every_problem_and_scores_the_rest(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    keys = list(mini_record())
    rows = [mini_record(entity="good1"), mini_record(entity="neg", fibre=-3), mini_record(entity="good2"),
            mini_record(entity="over", fibre=200)]
    lines = [",".join(keys)] + [",".join(str(r[k]) for k in keys) for r in rows] + ["short,1"]
    data.write_text("\n".join(lines) + "\n", "utf-8")
    code, out, err = run("score", FIXTURES / "mini.scs", data, "--keep-going")
    assert code == 1
    assert [line.split()[1] for line in out.splitlines()[1:-1]] == ["good1", "good2"]
    assert err.startswith("error: 3 problems in the data; 2 entities scored")
    assert err.splitlines()[1:] == [
        f"  {data}:3: entity 'neg', indicator 1, input 'fibre': '-3' is negative; expected a whole number"
        " of at least 0",
        f"  {data}:5: entity 'over', indicator 1, input 'fibre': 200 is above its whole `households` = 100",
        f"  {data}:6: 2 cells, but the header names 8"]
    code, out, err = run("score", FIXTURES / "mini.scs", data)  # without it: the first problem ends the run
    assert code == 1 and out == "" and err.startswith(f"error: {data}:")


@pytest.mark.parametrize(("suffix", "form"), [(".csv", "csv"), (".xlsx", "xlsx"), (".parquet", "parquet"),
                                              (".json", "json"), (".txt", "summary")])
def test_score_writes_the_format_the_suffix_names(tmp_path: Path, suffix: str, form: str) -> None:
    target = tmp_path / f"results{suffix}"
    code, out, err = run("score", CITY, CITY_DATA, "-o", target)
    assert code == 0 and out == "", err
    content = target.read_bytes()
    markers = {"csv": b"\xef\xbb\xbfentity,total,", "xlsx": b"PK", "parquet": b"PAR1", "json": b"[\n  {",
               "summary": b" Rank"}
    assert content.startswith(markers[form])


def test_binary_formats_need_a_file() -> None:
    code, _, err = run("score", CITY, CITY_DATA, "--format", "xlsx")
    assert code == 2 and "-o FILE" in err


@pytest.mark.parametrize("path", [*sorted(STANDARDS.glob("*.scs")), *sorted((STANDARDS / "examples").glob("*.scs"))],
                         ids=lambda path: path.name)
def test_sql_prints_spark_sql_for_every_shipped_standard(path: Path) -> None:
    """`sql --dialect spark`: readable text (a line a column) Spark's grammar reads as one statement,
    without what Spark lacks or gets wrong: DIV (a long), gcd, lcm, WITH RECURSIVE."""
    sqlglot = pytest.importorskip("sqlglot", reason="sqlglot is not installed: pip install 'smartcity_rules[sql]'")
    code, out, err = run("sql", path, "--table", "stats", "--dialect", "spark", "--root", STANDARDS)
    if "sqrt" in path.read_text(encoding="utf-8") or "zscore" in path.read_text(encoding="utf-8"):
        assert code != 0 and "square root" in err  # irrational: no exact SQL in any dialect
        return
    if "entity type by" in path.read_text(encoding="utf-8"):
        assert code != 0 and "typed by entity" in err  # not yet held to the reference on Spark
        return
    assert code == 0, err
    assert out.count("\n") > 1000  # pretty: not one long line
    [statement] = sqlglot.parse(out, read="spark")
    words = {t.text.upper() for t in sqlglot.tokenize(out, read="spark") if t.token_type.name != "STRING"}
    assert not words & {"DIV", "GCD", "LCM", "RECURSIVE"}
    assert statement.find(sqlglot.exp.Select) is not None
