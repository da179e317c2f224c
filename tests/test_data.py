from __future__ import annotations

from pathlib import Path

import pytest

import smartcity_rules as scr
from smartcity_rules.data.records import parse_csv, parse_json


def test_json_list_object_and_entities_wrapper() -> None:
    assert parse_json('[{"a": 1}, {"a": 2}]') == [{"a": 1}, {"a": 2}]
    assert parse_json('{"a": 1}') == [{"a": 1}]
    assert parse_json('{"entities": [{"a": 1}]}') == [{"a": 1}]


def test_json_decimals_stay_exact() -> None:
    assert parse_json('{"r": 0.1}') == [{"r": "0.1"}]


@pytest.mark.parametrize(("text", "words"), [
    ('{"a": ', "x.json:1:7: invalid JSON"),
    ("3", "expected an object or a list of objects"),
    ("[1]", "entry 1 is a int"),
])
def test_json_errors(text: str, words: str) -> None:
    with pytest.raises(scr.DataFileError, match=words):
        parse_json(text, "x.json")


def test_csv_rows_become_records_and_empty_cells_are_missing() -> None:
    records = parse_csv("entity,a,b\n泰岳市,1,\n海阳湾市, 2 ,3\n\n")
    assert records == [{"entity": "泰岳市", "a": "1"}, {"entity": "海阳湾市", "a": "2", "b": "3"}]


@pytest.mark.parametrize(("text", "words"), [
    ("", "empty"), ("a,a\n1,2\n", "column 'a' appears twice"), ("a,b\n1\n", "x.csv:2: 1 cells"),
])
def test_csv_errors(text: str, words: str) -> None:
    with pytest.raises(scr.DataFileError, match=words):
        parse_csv(text, "x.csv")


def test_read_records_by_suffix_and_unreadable_files(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("a\n1\n", encoding="utf-8")
    (tmp_path / "d.json").write_text('[{"a": 1}]', encoding="utf-8")
    assert scr.read_records(tmp_path / "d.csv") == [{"a": "1"}]
    assert scr.read_records(tmp_path / "d.json") == [{"a": 1}]
    with pytest.raises(scr.DataFileError, match="cannot read"):
        scr.read_records(tmp_path / "missing.json")
