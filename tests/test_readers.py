"""The table readers (data/read_csv.py, read_excel.py, read_arrow.py, read_frames.py, columns.py):
encodings, separators, headings by name or label, and one DataFileError per problem that says
where: file, row, column, input."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import smartcity_rules as scr
from smartcity_rules.data.read_csv import delimiter_of, encoding_of

from .conftest import FIXTURES

MINI = scr.load(FIXTURES / "mini.scs")
HEADER = "entity,区域内总户数,fibre,gigabit,has_group,has_plan,incidents,apps"
ROW = "甲市,100,90,80,是,否,0,3"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"),
    ("utf-16", "utf-16")])
def test_encodings_are_read_not_guessed(tmp_path: Path, encoding: str, expected: str) -> None:
    path = write(tmp_path, "d.csv", f"{HEADER}\n{ROW}\n".encode(encoding))
    assert encoding_of(path) == expected
    assert MINI.read(path) == [{"entity": "甲市", "households": "100", "fibre": "90", "gigabit": "80",
                                "has_group": "是", "has_plan": "否", "incidents": "0", "apps": "3"}]


def test_a_file_in_no_encoding_we_read_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", HEADER.encode() + b"\n\xff\xfe\xff,1\n")
    with pytest.raises(scr.DataFileError, match=r"d\.csv:2: the file is neither UTF-8 nor GBK.*0xff") as caught:
        scr.read_records(path)
    assert caught.value.row == 2 and caught.value.file == str(path)


@pytest.mark.parametrize(("line", "expected"), [("a,b;c", ","), ("a;b;c", ";"), ("a\tb\tc", "\t"), ("a", ",")])
def test_the_separator_is_the_headers(line: str, expected: str) -> None:
    assert delimiter_of(line) == expected


def test_semicolons_and_tabs(tmp_path: Path) -> None:
    for separator in (";", "\t"):
        text = f"{HEADER}\n{ROW}\n".replace(",", separator)
        assert MINI.read(write(tmp_path, "d.csv", text.encode()))[0]["fibre"] == "90"


def test_a_label_shared_by_two_inputs_must_be_a_name(tmp_path: Path) -> None:
    standard = scr.loads('standard "s" {}\ninput a "同": count\ninput b "同": count\n'
                         'group "g" points 1 {\n  indicator 1 "x" {\n    value a + b\n'
                         '    stars at least 1, 2, 3, 4, 5\n    points 1\n  }\n}\n')
    with pytest.raises(scr.DataFileError, match="two inputs of the standard have this label") as caught:
        standard.read(write(tmp_path, "d.csv", "entity,同\nA,1\n".encode()))
    assert caught.value.column == "同"
    assert standard.read(write(tmp_path, "e.csv", b"entity,a,b\nA,1,2\n")) == [{"entity": "A", "a": "1", "b": "2"}]


def test_an_unknown_heading_gets_a_did_you_mean(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", HEADER.replace("fibre", "fibres").encode() + b"\n")
    with pytest.raises(scr.DataFileError, match=r"d\.csv:1, column 'fibres': .*did you mean 'fibre'\?"):
        MINI.read(path)
    assert scr.read_records(path) == []  # without the standard, the headings are the keys


def test_previous_columns_by_label(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", "entity,光纤入户用户数@previous\nA,5\n".encode())
    assert MINI.read(path) == [{"entity": "A", "fibre@previous": "5"}]


def test_name_and_label_of_one_input_is_a_duplicate(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", "entity,fibre,光纤入户用户数\nA,1,2\n".encode())
    with pytest.raises(scr.DataFileError, match="appears twice") as caught:
        MINI.read(path)
    assert caught.value.input == "fibre"


def test_row_errors_are_collected_when_asked(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", f"{HEADER}\n{ROW}\nshort,1\n{ROW.replace('甲', '乙')}\n".encode())
    errors: list[scr.DataFileError] = []
    from smartcity_rules.data.records import iter_rows

    rows = list(iter_rows(path, standard=MINI, errors=errors))
    assert [number for number, _ in rows] == [2, 4]
    assert [e.row for e in errors] == [3] and "2 cells" in str(errors[0])


def test_excel_cells_are_typed(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["entity", "区域内总户数", "fibre", "has_group", "apps"])
    book.active.append(["A", 100, 90.0, True, None])
    book.active.append([None, None, None, None, None])  # blank rows are skipped
    book.active.append(["B", 10, 0.5, "否", 2])
    book.save(tmp_path / "d.xlsx")
    assert MINI.read(tmp_path / "d.xlsx") == [
        {"entity": "A", "households": 100, "fibre": 90, "has_group": True},
        {"entity": "B", "households": 10, "fibre": 0.5, "has_group": "否", "apps": 2}]


def test_a_formula_saved_without_its_value_is_refused(tmp_path: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["entity", "fibre"])
    book.active.append(["A", "=1+1"])  # openpyxl stores formulas without a computed value
    book.save(tmp_path / "d.xlsx")
    with pytest.raises(scr.DataFileError, match=r"formula .* saved without its value") as caught:
        MINI.read(tmp_path / "d.xlsx")
    assert (caught.value.row, caught.value.column, caught.value.input) == (2, "fibre", "fibre")


def test_not_a_workbook(tmp_path: Path) -> None:
    with pytest.raises(scr.DataFileError, match="cannot read it as an Excel workbook"):
        scr.read_records(write(tmp_path, "d.xlsx", b"not a zip"))
    with pytest.raises(scr.DataFileError, match="cannot read it as Parquet"):
        scr.read_records(write(tmp_path, "d.parquet", b"not parquet"))


def test_arrow_and_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    table = pa.table({"entity": ["A", "B"], "光纤入户用户数": [1.5, None], "apps": pa.array([1, 2], pa.int32())})
    pq.write_table(table, tmp_path / "d.parquet")
    feather.write_feather(table, tmp_path / "d.arrow")
    expected = [{"entity": "A", "fibre": 1.5, "apps": 1}, {"entity": "B", "apps": 2}]
    assert MINI.read(tmp_path / "d.parquet") == expected == MINI.read(tmp_path / "d.arrow")


def test_polars_nulls_and_nan_are_missing() -> None:
    import polars as pl

    frame = pl.DataFrame({"entity": ["A", "B"], "fibre": [float("nan"), 2.0], "apps": [None, 3]})
    assert MINI.read(frame) == [{"entity": "A"}, {"entity": "B", "fibre": 2, "apps": 3}]


def test_pandas_na_and_numpy_scalars() -> None:
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"entity": ["A", "B"], "apps": pd.array([1, None], dtype="Int64"),
                          "fibre": np.array([0.25, np.nan])})
    records = MINI.read(frame)
    assert records == [{"entity": "A", "apps": 1, "fibre": 0.25}, {"entity": "B"}]
    assert all(type(v) in (str, int, float) for r in records for v in r.values())


def test_a_missing_extra_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # what `import openpyxl` meets when it is not installed
    with pytest.raises(scr.MissingExtra, match=r"pip install 'smartcity_rules\[excel\]'") as caught:
        scr.read_records(write(tmp_path, "d.xlsx", b""))
    assert caught.value.extra == "excel" and isinstance(caught.value, ImportError)
