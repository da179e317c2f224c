"""Whatever comes in, only the library's own errors come out."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import smartcity_rules as scr

from .conftest import FIXTURES, STANDARDS
from .fuzzing import spoiled

MINI_TEXT = (FIXTURES / "mini.scs").read_text(encoding="utf-8")
MINI = scr.load(FIXTURES / "mini.scs")
CITY = scr.load(STANDARDS / "shandong-city-2019.scs")
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

def _loads_or_clean_error(text: str) -> None:
    try:
        scr.loads(text, "fuzz.scs")
    except scr.InvalidStandard as error:
        assert error.diagnostics
        assert str(error)  # renders


@FAST
@given(st.text(max_size=300))
def test_any_text_parses_or_gives_diagnostics(text: str) -> None:
    _loads_or_clean_error(text)


@FAST
@given(st.integers(0, len(MINI_TEXT)), st.integers(0, 40), st.text(max_size=20))
def test_mutated_standards_parse_or_give_diagnostics(at: int, cut: int, insert: str) -> None:
    _loads_or_clean_error(MINI_TEXT[:at] + insert + MINI_TEXT[at + cut:])


@FAST
@given(st.data())
def test_any_statistics_evaluate_or_give_a_data_error(data: st.DataObject) -> None:
    for standard in (MINI, CITY):
        cohort = [data.draw(spoiled(standard)) for _ in range(data.draw(st.integers(1, 3)))]
        for i, record in enumerate(cohort):
            record["entity"] = f"E{i}"
        try:
            results = standard.evaluate_cohort(cohort)
        except scr.DataError as error:
            assert str(error)
            continue
        for result in results:
            result.to_dict()
