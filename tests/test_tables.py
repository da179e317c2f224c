"""Statistics files read as tables (data/tables.py), and the CLI's batch engine over them."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import smartcity_rules as scr
from smartcity_rules.cli import main
from smartcity_rules.data.tables import TableParts, table_parts

from .conftest import STANDARDS

CITY = STANDARDS / "shandong-city-2019.scs"
COHORT = STANDARDS / "examples" / "city-cohort.json"


def _parquet(tmp_path: Path) -> Path:
    records = [dict(r) for r in scr.read_records(COHORT)]
    path = tmp_path / "cohort.parquet"
    pq.write_table(pa.Table.from_pylist(records), path, row_group_size=5)
    return path


def _score(*argv: str | Path) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert main([str(a) for a in argv], out, err) == 0, err.getvalue()
    return out.getvalue()


def test_parquet_is_read_a_block_of_rows_at_a_time_whatever_its_row_groups(tmp_path: Path) -> None:
    """Row groups of 5, read 3 rows at a time; one row group of 16 (a writer may put a million
    rows in one), read 5 at a time: the block, not the file, bounds a part."""
    assert [part.num_rows for part in TableParts(_parquet(tmp_path), block=3)()] == [3] * 5 + [1]
    whole = tmp_path / "one-group.parquet"
    pq.write_table(pa.Table.from_pylist([dict(r) for r in scr.read_records(COHORT)]), whole)
    assert [part.num_rows for part in TableParts(whole, block=5)()] == [5, 5, 5, 1]
    assert [part.num_rows for part in table_parts(whole)()] == [16]


def test_the_batch_engine_writes_what_the_record_engine_writes(tmp_path: Path) -> None:
    by_record = _score("score", CITY, COHORT, "--format", "json")
    assert _score("score", CITY, COHORT, "--format", "json", "--engine", "batch") == by_record
    from_parquet = _score("score", CITY, _parquet(tmp_path), "--format", "json")  # auto: batch for Parquet
    assert json.loads(from_parquet) == json.loads(by_record)


def test_a_damaged_parquet_file_is_a_data_file_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(scr.DataFileError, match="cannot read statistics"):
        list(table_parts(path)())


def test_the_cohort_pass_reads_only_the_cohort_columns(tmp_path: Path) -> None:
    parts = table_parts(_parquet(tmp_path), scr.load(CITY))
    executor = scr.load(CITY)._compiled._columnar()
    only = list(parts.only(executor.cohort_keys))
    assert set(only[0].column_names) == set(executor.cohort_keys) < set(next(parts()).column_names)
    city = scr.load(CITY)
    assert [t for r in city.evaluate_parts(parts) for t in r.total] == [e.total for e in city.evaluate_cohort(
        scr.read_records(COHORT))]


def test_parts_that_change_between_their_readings_are_refused(tmp_path: Path) -> None:
    path = _parquet(tmp_path)
    readings = iter([table_parts(path)(), iter([pq.read_table(path).slice(1)])])
    with pytest.raises(scr.DataError, match="changed between their two readings"):
        list(scr.load(CITY).evaluate_parts(lambda: next(readings)))


def test_parquet_columns_headed_by_labels_and_nan_read_as_the_record_engine_reads_them(tmp_path: Path) -> None:
    standard = scr.load(CITY)
    records = json.loads(COHORT.read_text(encoding="utf-8"))  # floats, as a Parquet file holds them
    label = {info.name: info.label for info in standard.inputs}
    table = pa.Table.from_pylist([{label.get(k, k): v for k, v in r.items()} for r in records])
    rate = next(info for info in standard.inputs if info.kind == "rate" and info.name in records[0])
    column = table.column_names.index(label[rate.name])
    values = table.column(column).to_pylist()
    table = table.set_column(column, label[rate.name], pa.array([float("nan"), *values[1:]], pa.float64()))
    path = tmp_path / "labels.parquet"
    pq.write_table(table, path, row_group_size=7)
    by_record = _run("score", CITY, path, "--format", "json", "--engine", "record", "--keep-going")
    assert by_record[0] == 1 and "labels.parquet:1: entity" in by_record[2] and "no value given" in by_record[2]
    assert _run("score", CITY, path, "--format", "json", "--engine", "batch", "--keep-going") == by_record


def _run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main([str(a) for a in argv], out, err), out.getvalue(), err.getvalue()


@pytest.mark.parametrize("suffix", [".json", ".csv"])
def test_auto_scores_big_files_a_column_at_a_time(tmp_path: Path, suffix: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from smartcity_rules import cli

    path = tmp_path / f"cohort{suffix}"
    records = [dict(r) for r in scr.read_records(COHORT)]
    if suffix == ".json":
        path.write_text(json.dumps(records), encoding="utf-8")
    else:
        keys = list(dict.fromkeys(k for r in records for k in r))
        path.write_text(",".join(keys) + "\n" + "".join(",".join(str(r.get(k, "")) for k in keys) + "\n"
                                                         for r in records), encoding="utf-8")
    args = cli._parser().parse_args(["score", str(CITY), str(path)])
    assert not cli._batch(args, scr.load(CITY))  # a small file: record by record
    monkeypatch.setattr(cli, "BIG_FILE", 0)
    assert cli._batch(args, scr.load(CITY))  # a big file of a cohort's standard (rank): by column
    community = STANDARDS / "shandong-community-2019.scs"  # no cohort function: the record engine streams
    assert not cli._batch(cli._parser().parse_args(["score", str(community), str(path)]), scr.load(community))
    assert not cli._batch(cli._parser().parse_args(["score", str(CITY), str(path), "--keep-going"]), scr.load(CITY))
    typed = STANDARDS / "examples" / "county-and-city.scs"
    assert not cli._batch(cli._parser().parse_args(["score", str(typed), str(path)]), scr.load(typed))
    by_record = _score("score", CITY, path, "--format", "json", "--engine", "record")
    assert _score("score", CITY, path, "--format", "json") == by_record


def test_csv_is_handed_over_a_block_of_rows_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "cohort.csv"
    records = [dict(r) for r in scr.read_records(COHORT)]
    keys = list(dict.fromkeys(k for r in records for k in r))
    path.write_text(",".join(keys) + "\n" + "".join(",".join(str(r.get(k, "")) for k in keys) + "\n"
                                                     for r in records), encoding="utf-8")
    rows: dict[str, int] = {}
    parts = list(TableParts(path, scr.load(CITY), rows=rows, block=5)())
    assert [len(part["entity"]) for part in parts] == [5, 5, 5, 1]
    assert rows == {r["entity"]: number for number, r in enumerate(records, start=2)}  # the header is row 1
