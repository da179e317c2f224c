"""The SQL back-end on a real PostgreSQL: a throwaway server in a temporary data directory,
listening only on a unix socket there, started by the fixture when the binaries are found
(`SCR_PG_BIN`, or /usr/lib/postgresql/*/bin); the tests say they are skipped, and why, when not.
The same comparison as tests/test_sql.py, on a fixed sample."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import smartcity_rules as scr
from smartcity_rules.backends.sql.run import SqlBackend

from .conftest import FIXTURES, STANDARDS, agrees_with_the_reference
from .test_sql import SHIPPED, doc_examples, run_examples, score_with_python, scored

pytestmark = pytest.mark.postgres


def _binaries() -> Path | None:
    given = os.environ.get("SCR_PG_BIN")
    found = [Path(given)] if given else sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return next((path for path in found if (path / "initdb").exists() and (path / "pg_ctl").exists()), None)


def _as_owner(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the `postgres` user then."""
    if os.geteuid() == 0 and shutil.which("runuser"):
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@pytest.fixture(scope="module")
def connection() -> Iterator[Any]:
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed: pip install 'smartcity_rules[postgres]'")
    binaries = _binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or $SCR_PG_BIN")
    directory = Path(tempfile.mkdtemp(prefix="scr-pg-"))
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres")
    data = directory / "data"
    run = [str(binaries / "initdb"), "-D", str(data), "-U", "scr", "--auth=trust", "-E", "UTF8", "--locale=C"]
    subprocess.run(_as_owner(run), check=True, capture_output=True)
    options = f"-k {directory} -c listen_addresses='' -c fsync=off"
    start = [str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(directory / "log"), "start"]
    subprocess.run(_as_owner(start), check=True, capture_output=True)
    try:
        with psycopg.connect(host=str(directory), user="scr", dbname="postgres") as opened:
            yield opened
    finally:
        subprocess.run(_as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_shipped_cohort_scores_on_postgresql_as_in_python(connection: Any, name: str) -> None:
    records = [dict(r) for r in scr.read_records(STANDARDS / "examples" / SHIPPED[name])]
    ours = scored(scr.load(STANDARDS / name, backend=SqlBackend(connection)), records)
    assert ours[0] != "refused"
    assert ours == score_with_python(STANDARDS / name, records)


def test_bad_data_and_hard_numbers_agree_on_postgresql(connection: Any) -> None:
    path = FIXTURES / "mini.scs"
    standard = scr.load(path, backend=SqlBackend(connection))
    base = {"entity": "A", "households": 100, "fibre": 90, "gigabit": 80, "has_group": True,
            "has_plan": False, "incidents": 1, "apps": 12}
    for change in ({}, {"fibre": 120}, {"households": -1}, {"apps": "12 apps"}, {"fibre": 89.99999999999999},
                   {"households": "1,000", "fibre": "900.0"}, {"fibre": "180/2"}, {"has_group": "是"},
                   {"households": 10**30, "fibre": 10**30 - 1}):  # NUMERIC is arbitrary precision
        records = [base | change, base | {"entity": "B"}]
        assert scored(standard, records) == score_with_python(path, records), change


def test_a_table_in_postgresql_is_scored_where_it_lives(connection: Any) -> None:
    standard = scr.load(STANDARDS / "shandong-community-2019.scs")
    records = [dict(r) for r in scr.read_records(STANDARDS / "examples" / "community-cohort.json")]
    _text_table(connection, "stats", records)
    ours = {e.entity: (e.total, e.rating_rank) for e in standard.evaluate_sql(connection, "stats")}
    theirs = {e.entity: (e.total, e.rating_rank) for e in standard.evaluate_cohort(records)}
    assert ours == theirs


def test_the_postgresql_example_of_docs_sql_runs_as_shown(connection: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(STANDARDS.parent)
    examples = doc_examples("PostgreSQL")
    assert len(examples) == 1
    run_examples(examples, {"scr": scr, "connection": connection})


@pytest.mark.parametrize("name", ["mini.scs", "nested.scs"])
def test_a_fixed_sample_of_generated_cohorts_agrees_with_the_reference_on_postgresql(connection: Any,
                                                                                      name: str) -> None:
    """The conformance suite's comparison with the reference, on PostgreSQL, for a fixed sample."""
    agrees_with_the_reference(FIXTURES / name, SqlBackend(connection), 6)


def test_an_empty_cohort_scores_to_no_evaluations_on_postgresql(connection: Any) -> None:
    """No rows come back: the result still has every column of the query, none of them filled."""
    assert scr.load(FIXTURES / "mini.scs", backend=SqlBackend(connection)).evaluate_cohort([]) == ()


def test_a_typed_table_in_postgresql_is_split_by_type_where_it_lives(connection: Any) -> None:
    """county-and-city.scs on a PostgreSQL table: each type's rows a temporary view, scored by
    its type's query; the views are gone afterwards."""
    standard = scr.load(STANDARDS / "examples" / "county-and-city.scs")
    records = [dict(r) for r in scr.read_records(STANDARDS / "examples" / "county-and-city-cohort.json")]
    _text_table(connection, "typed_stats", records)
    scored = standard.evaluate_sql(connection, "typed_stats")
    expected = standard.evaluate_cohort(records)
    assert [e.to_dict() for e in scored] == [e.to_dict() for e in expected]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM information_schema.views WHERE table_name LIKE 'scr_typed_%'")
        assert cursor.fetchone() == (0,)


def _text_table(connection: Any, name: str, records: list[dict[str, Any]]) -> None:
    """The records as a table of text columns, each value as the record reads it (a float by its repr)."""
    keys = sorted({key for record in records for key in record})
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TABLE IF EXISTS "{name}"')
        cursor.execute(f'CREATE TABLE "{name}" (' + ", ".join(f'"{key}" TEXT' for key in keys) + ")")
        cursor.executemany(f'INSERT INTO "{name}" VALUES ({", ".join(["%s"] * len(keys))})',
                           [[None if r.get(k) is None else repr(r[k]) if isinstance(r[k], float) else str(r[k])
                             for k in keys] for r in records])
    connection.commit()
