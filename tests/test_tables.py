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
from smartcity_rules.data.tables import table_parts

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


def test_parquet_is_read_a_row_group_at_a_time(tmp_path: Path) -> None:
    parts = list(table_parts(_parquet(tmp_path))())
    assert [part.num_rows for part in parts] == [5, 5, 5, 1]


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
