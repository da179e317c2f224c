"""What Spark and Dask must give: evaluate_cohort's figures, in the scores frames' columns."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import smartcity_rules as scr
from smartcity_rules.backends.sql.run import cell
from smartcity_rules.language.numbers import fmt

from .conftest import ROOT, STANDARDS
from .differential import Generator

SHIPPED = {  # every shipped standard scored without entity types, and its bundled cohort
    "shandong-city-2019.scs": "city-cohort.json",
    "shandong-county-2019.scs": "county-cohort.json",
    "shandong-community-2019.scs": "community-cohort.json",
    "china-smart-city-evaluation-2016.scs": "national-cohort.json",
    "examples/digital-development-index.scs": "index-cohort.json",
}


def shipped(name: str) -> tuple[scr.Standard, list[dict[str, Any]]]:
    return scr.load(STANDARDS / name), [dict(r) for r in scr.read_records(STANDARDS / "examples" / SHIPPED[name])]


def texts(records: Sequence[Mapping[str, Any]]) -> tuple[list[str], list[list[str | None]]]:
    """The records as a table of text columns (each value as the text read_records reads exactly)."""
    keys = ["entity", *sorted({k for r in records for k in r} - {"entity"})]
    return keys, [[cell(r.get(k)) for k in keys] for r in records]


def as_texts(records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    keys, rows = texts(records)
    return [{k: v for k, v in zip(keys, row) if v is not None} for row in rows]


def expected(standard: scr.Standard, records: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]] | tuple[Any, ...]:
    """evaluate_cohort's figures as a scores frame's rows (values included), by entity; or its refusal."""
    try:
        results = standard.evaluate_cohort(list(records))
    except scr.DataError as error:
        return ("refused", type(error).__name__, error.entity, error.input)
    rated = standard.plan.levels is not None
    rows = []
    for r in results:
        row: dict[str, Any] = {"entity": r.entity, "total": fmt(r.total)} | ({"rating": r.rating_rank} if rated else {})
        for i in r.indicators:
            row |= {f"{i.code} value": None if i.value is None else fmt(i.value), f"{i.code} stars": i.stars,
                    f"{i.code} points": fmt(i.points)}
        rows.append(row)
    return sorted(rows, key=lambda row: row["entity"])


def figures(rows: list[dict[str, Any]]) -> list[dict[str, Any]] | tuple[Any, ...]:
    """A collected scores table's rows without the error columns, by entity; or the first refusal."""
    failed = [row for row in rows if row["error_kind"] is not None]
    if failed:
        first = failed[0]
        return ("refused", first["error_kind"], first["error_entity"], first["error_input"])
    return sorted(({k: v for k, v in row.items() if not k.startswith("error")} for row in rows),
                  key=lambda row: row["entity"])


def generated(seeds: range) -> list[tuple[scr.Standard, list[dict[str, Any]]]]:
    """Standards and cohorts of the differential generator that load and score without entity types."""
    found = []
    for seed in seeds:
        generator = Generator(seed)
        case = replace(generator.case(), records=generator.cohort())
        try:
            standard = scr.loads(case.text(), f"seed-{seed}.scs")
        except scr.InvalidStandard:
            continue
        records = [{k: v for k, v in r.items() if k in standard.input_names or k == "entity"} for r in case.records]
        found.append((standard, as_texts(records)))
    return found


def run_sql_example(tag: str, namespace: dict[str, Any], capsys: Any) -> None:
    """docs/sql.md's example fenced as `python TAG` runs and prints the text shown after it."""
    page = (ROOT / "docs" / "sql.md").read_text(encoding="utf-8")
    [(code, shown)] = re.findall(rf"```python {tag}\n(.*?)```\n\n```text\n(.*?)```", page, re.DOTALL)
    exec(compile(code, f"docs/sql.md ({tag})", "exec"), namespace)  # our own documentation
    assert capsys.readouterr().out == shown
