"""The bench as a smoke test: a short fixed-seed slice runs and verifies; no timing is asserted."""

from __future__ import annotations

import sys
from fractions import Fraction

import pytest

import smartcity_rules as scr

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))
import bench_all
import peer_workload as peer


def test_the_peer_standard_file_is_what_its_generator_writes() -> None:
    assert peer.STANDARD.read_text(encoding="utf-8") == peer.standard_text(peer.indicators())


def test_the_peer_workload_has_the_shape_issue_12_gives_it() -> None:
    table = peer.indicators()
    assert [len(item.parts) for item in table].count(1) == 40
    assert [len(item.parts) for item in table].count(2) == 6
    assert [len(item.parts) for item in table].count(3) == 3
    assert sum(item.weight for item in table) == 100
    assert all(list(item.thresholds) == sorted(set(item.thresholds)) and len(item.thresholds) == 5
               for item in table)
    records = peer.records(table, 200)
    assert all(len(record) == 1 + 123 and all(type(v) is int for k, v in record.items() if k != "entity")
               for record in records)
    ties = sum(all(Fraction(r[part], r[whole]) in item.thresholds for _, part, whole in item.parts)
               for r in records for item in table)
    assert 0.01 < ties / (len(records) * len(table)) < 0.06


def test_the_library_gives_the_exact_loop_s_answer_on_the_peer_workload() -> None:
    table = peer.indicators()
    records = peer.records(table, 100, seed=5)
    standard = scr.load(peer.STANDARD)
    exact = peer.score_peer(records, table, exact=True)
    for result, (total, rating, stars) in zip(standard.evaluate_cohort(records), exact, strict=True):
        assert (result.total, result.rating_rank) == (total, rating)
        assert [i.stars for i in result.indicators][:len(table)] == stars
    # the float loop, the baseline, is the same loop: it differs at most where floats miss a tie
    floats = peer.score_peer(records, table)
    assert sum(a[2] != b[2] for a, b in zip(exact, floats)) < len(records) // 2


def test_a_short_run_of_the_bench_prints_one_verified_table(capsys: pytest.CaptureFixture[str]) -> None:
    code = bench_all.main(["--sizes", "16", "--rounds", "1", "--verify", "16", "--seconds", "0.001"])
    out = capsys.readouterr().out
    assert code == 0, out
    table = [line for line in out.splitlines() if line.startswith("|")]
    engines = len(bench_all.ENGINES)
    # per workload: its size's hand-written row and one row per engine; per standard, four setup rows
    assert len(table) == 2 + len(bench_all.WORKLOADS) * (1 + engines) + 2 * 4
    assert all(" NO" not in line for line in table)
    assert any("peer, int inputs" in line and "evaluate_cohort" in line for line in table)


def test_a_short_run_of_the_sql_parts_bench_agrees_and_prints_every_variant(
        capsys: pytest.CaptureFixture[str]) -> None:
    """bench_sql_parts.py patches the SQL compiler for its variants: they must still compile and
    give the library's totals and ratings on the clean sample, or the run stops."""
    import bench_sql_parts
    assert bench_sql_parts.main(["--records", "160", "--runs", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("  ")[1].strip() for line in lines[1:]] == ["(h) hand-written", *bench_sql_parts.VARIANTS]


def test_a_short_run_of_the_sql_bench_on_drawn_records_holds_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    """--generated: records no two alike; --check holds every row of the query to evaluate_table."""
    import bench_sql
    assert bench_sql.main(["--records", "320", "--runs", "1", "--generated", "--check"]) == 0
    assert "320 rows of the generated query against evaluate_table, 0 differ" in capsys.readouterr().out
