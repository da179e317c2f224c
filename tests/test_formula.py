from __future__ import annotations

import pytest

from smartcity_rules.language.formula import render, requirement_text
from smartcity_rules.language.parse import parse


def formula(text: str):  # type: ignore[no-untyped-def]
    tree = parse('standard "T" { }\ngroup "G" { indicator 1 "I" { value ' + text + " } }")
    return tree.groups[0].indicators[0].value


@pytest.mark.parametrize("text", [
    "a + b * c", "(a + b) * c", "a - (b - c)", "a - b - c", "a / (b / c)", "a / b / c", "-(a + b)", "-a * b",
    "ratio(a, b)", "weighted { 1/2: a, 1/2: ratio(b, c) }", "checklist { f: 1, g: 0.5 }", "growth(a / b * 10000)",
    "previous(a)", "clamp(min(a, b), 20%, max(a, 50%))", "rank(a + b)", "share(a)",
])
def test_render_round_trips(text: str) -> None:
    assert render(formula(text)) == text
    assert formula(render(formula(text))) == formula(text)


def test_substitution_puts_values_in_and_keeps_checklist_names() -> None:
    values = {("a", False): "3", ("b", False): "4", ("a", True): "2", ("f", False): "yes"}
    shown = render(formula("ratio(a, b) + previous(a) + checklist { f: 1 }"), lambda n, p: values.get((n, p)))
    assert shown == "ratio(3, 4) + 2 + checklist { f (yes): 1 }"


def test_requirements_read_as_written_or_by_value() -> None:
    tree = parse('standard "T" { level city }\nrating { level 1 "一" when total >= 60.0 and '
                 'every leading >= 3 stars and indicator 2 >= 50% and indicator 3 >= 4 stars and '
                 'group "G" > 1/2 points }\n')
    assert tree.rating is not None
    requirements = tree.rating.levels[0].requirements
    assert [requirement_text(r) for r in requirements] == [
        "total >= 60.0", "every leading >= 3 stars", "indicator 2 >= 50%", "indicator 3 >= 4 stars",
        'group "G" > 1/2 points']
    assert [requirement_text(r, by_value=True) for r in requirements] == [
        "total >= 60", "every leading >= 3 stars", "indicator 2 >= 0.5", "indicator 3 >= 4 stars",
        'group "G" > 0.5 points']
