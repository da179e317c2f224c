"""The real-file suite (tests/data/, made by make_files.py): the city cohort as users' files come
(GBK, BOM, `;` and UTF-16 tab CSV, label-headed, xlsx from openpyxl and from LibreOffice, Parquet,
pandas and polars frames) scores to exactly the numbers of the JSON cohort."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import smartcity_rules as scr

from .conftest import ROOT

DATA = Path(__file__).parent / "data"
STANDARD = scr.load(ROOT / "standards" / "shandong-city-2019.scs")
COHORT = ROOT / "standards" / "examples" / "city-cohort.json"
FILES = ["city-gbk.csv", "city-bom.csv", "city-semicolon.csv", "city-labels.csv", "city-unicode.txt",
         "city-openpyxl.xlsx", "city-libreoffice.xlsx", "city.parquet"]


def scored(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e.to_dict() for e in STANDARD.evaluate_cohort(records)]


EXPECTED = scored(scr.read_records(COHORT))


@pytest.mark.parametrize("name", FILES)
def test_each_file_scores_as_the_json_cohort(name: str) -> None:
    records = STANDARD.read(DATA / name)
    assert len(records) == len(EXPECTED) == 16
    assert scored(records) == EXPECTED


def test_the_files_are_what_they_say() -> None:
    """The suite tests what it claims: GBK bytes that are not UTF-8, a BOM, a UTF-16 BOM."""
    gbk = (DATA / "city-gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    assert "区域内总户数" in gbk.decode("gbk")
    assert (DATA / "city-bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (DATA / "city-unicode.txt").read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert (DATA / "city-semicolon.csv").read_text("utf-8").splitlines()[0].count(";") > 40


def test_the_libreoffice_workbook_was_made_by_libreoffice() -> None:
    import zipfile

    with zipfile.ZipFile(DATA / "city-libreoffice.xlsx") as book:
        assert "LibreOffice" in book.read("docProps/app.xml").decode("utf-8")


def test_pandas_frames_score_as_the_json_cohort() -> None:
    import pandas as pd

    frame = pd.read_csv(DATA / "city-bom.csv", encoding="utf-8-sig")
    assert str(frame["mobile_download_speed"].dtype) == "float64"  # read as pandas reads it
    assert scored(STANDARD.read(frame)) == EXPECTED
    assert scored(STANDARD.read(pd.read_excel(DATA / "city-openpyxl.xlsx"))) == EXPECTED


def test_polars_frames_score_as_the_json_cohort() -> None:
    import polars as pl

    assert scored(STANDARD.read(pl.read_csv(DATA / "city-labels.csv"))) == EXPECTED
    assert scored(STANDARD.read(pl.read_parquet(DATA / "city.parquet"))) == EXPECTED


def test_nan_in_a_frame_is_missing_data() -> None:
    import pandas as pd

    standard = scr.loads('standard "s" {}\ninput a "甲": count, when missing: zero\ninput b "乙": count\n'
                         'group "g" points 1 {\n  indicator 1 "x" {\n    value a + b\n'
                         '    stars at least 1, 2, 3, 4, 5\n    points 1\n  }\n}\n')
    frame = pd.DataFrame({"entity": ["A", "B"], "甲": [float("nan"), 2.0], "b": [3, 1]})
    records = standard.read(frame)
    assert records == [{"entity": "A", "b": 3}, {"entity": "B", "a": 2, "b": 1}]
    (first, second) = standard.evaluate_cohort(records)
    assert first.indicator(1).value == 3 and [m.input for m in first.missing] == ["a"]
    assert second.indicator(1).value == 3 and not second.missing
