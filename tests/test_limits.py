"""Every limit of docs/security.md: a file that passes it ends with the documented diagnostic,
quickly, never with a hang, a foreign exception or gigabytes of memory."""

from __future__ import annotations

import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import pytest

import smartcity_rules as scr
from smartcity_rules.language.check import MAX_INDICATOR_NUMBER
from smartcity_rules.language.parse import MAX_INDICATORS

T = TypeVar("T")
SECONDS = 5.0  # every case here takes well under a second; a regression took minutes
HEADER = 'standard "T" { level city }\ninput x "x": count\n'


def within(seconds: float, function: Callable[[], T]) -> T:
    """function(), failing the test if it takes longer than `seconds`."""
    start = time.perf_counter()
    result = function()
    assert time.perf_counter() - start < seconds, "took too long"
    return result


def indicator(number: int) -> str:
    return f'  indicator {number} "I" {{ value x stars at least 1, 2, 3, 4, 5 points 1 }}\n'


def standard(*numbers: int) -> str:
    return HEADER + f'group "G" points {len(numbers)} {{\n' + "".join(indicator(n) for n in numbers) + "}\n"


def refused(text: str) -> list[scr.Diagnostic]:
    with pytest.raises(scr.InvalidStandard) as caught:
        within(SECONDS, lambda: scr.loads(text, "limits.scs"))
    return list(caught.value.diagnostics)


def diagnosed(text: str, tmp_path: Path, name: str = "limits.scs") -> list[scr.Diagnostic]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return list(within(SECONDS, lambda: scr.diagnose(tmp_path / name)))


# ---------------------------------------------------------------- indicators
def test_an_indicator_numbered_in_the_hundred_millions_is_refused_quickly(tmp_path: Path) -> None:
    # Regression: the numbering-gap check built the set of every number up to the largest:
    # `check` took 51 s and 11 GB for this one.
    (found,) = refused(standard(100_000_000))
    assert found.code == "E0254" and found.message == "indicator number 100000000 is out of range"
    assert [d.code for d in diagnosed(standard(100_000_000), tmp_path)] == ["E0254", "W0303"]


def test_indicator_numbers_go_from_1_to_the_limit() -> None:
    assert [d.code for d in refused(standard(0, MAX_INDICATOR_NUMBER + 1))] == ["E0254", "E0254"]
    assert scr.loads(standard(1, MAX_INDICATOR_NUMBER)).indicator_numbers == (1, MAX_INDICATOR_NUMBER)


def test_numbering_gaps_are_found_between_neighbours(tmp_path: Path) -> None:
    (gap,) = diagnosed(standard(3, MAX_INDICATOR_NUMBER, 5000, 4), tmp_path)
    assert gap.code == "W0303" and gap.message == f"indicator numbers skip 1–2, 5–4999, 5001–{MAX_INDICATOR_NUMBER - 1}"


def test_more_indicators_than_the_limit_are_refused_at_the_first_one_past_it() -> None:
    # Regression: 3,000 indicators overflowed Python's compiler (RecursionError) on the
    # generated evaluator, whose total adds every indicator's points in one expression.
    (found,) = refused(standard(*range(1, MAX_INDICATORS + 2)))
    assert found.code == "E0109" and found.message == f"standard has {MAX_INDICATORS + 1:,} indicators, " \
                                                      f"more than {MAX_INDICATORS:,}"
    assert found.span is not None and found.span.line == 3 + MAX_INDICATORS + 1


def test_the_most_indicators_allowed_compile_even_called_from_a_deep_stack() -> None:
    text = standard(*range(1, MAX_INDICATORS + 1))

    def deep(frames: int) -> scr.Standard:
        return scr.loads(text) if frames == 0 else deep(frames - 1)

    loaded = within(SECONDS, lambda: deep(300))
    assert loaded.evaluate({"x": 3}).total == Fraction(3, 5) * MAX_INDICATORS
