from __future__ import annotations

import os
from pathlib import Path

import pytest

import smartcity_rules as scr
from smartcity_rules import DataFileError
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
    ("", "empty"), ("a,a\n1,2\n", "x.csv:1, column 'a': appears twice"), ("a,b\n1\n", "x.csv:2: 1 cells"),
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


# ---------------------------------------------------------------- strict reading (issue 10, item 4)
def test_a_json_object_with_a_key_twice_is_refused() -> None:
    with pytest.raises(DataFileError, match="'entity' appears twice"):
        parse_json('[{"entity": "A", "x": 1, "entity": "B"}]')


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000])
def test_deeply_nested_json_is_a_data_file_error(text: str) -> None:
    with pytest.raises(DataFileError, match="nested too deeply"):
        parse_json(text)


def test_an_integer_of_thousands_of_digits_reaches_the_checks_as_text() -> None:
    (record,) = parse_json('{"x": ' + "9" * 5000 + "}")
    assert record["x"] == "9" * 5000  # and semantics.exact refuses it, naming the input


def test_a_lone_surrogate_is_refused_when_read() -> None:
    with pytest.raises(DataFileError, match="lone surrogate"):
        parse_json('[{"entity": "\\ud800", "x": 1}]')


def test_csv_cells_over_the_field_limit_and_nul_characters_are_data_file_errors() -> None:
    with pytest.raises(DataFileError, match=r"<csv>:2: invalid CSV: field larger than field limit"):
        parse_csv('a,b\n1,"' + "x" * 200_000 + '"\n')
    with pytest.raises(DataFileError, match=r"<csv>:2: a NUL character"):
        parse_csv("a\n1\0\n")


def test_a_fifo_is_not_read_as_statistics(tmp_path: Path) -> None:
    fifo = tmp_path / "data.json"
    os.mkfifo(fifo)
    with pytest.raises(DataFileError, match="not a regular file"):
        scr.read_records(fifo)
