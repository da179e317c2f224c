from __future__ import annotations

import json
from fractions import Fraction
from io import StringIO
from pathlib import Path

import pytest

import smartcity_rules as scr
from smartcity_rules.cli import main
from smartcity_rules.toolkit.editions import compare_definitions, diff

from .conftest import STANDARDS

OLD = """standard "E" { level city edition "1" effective 2020-01-01 total 4 }
input whole "w": count
input part "p": count, part of whole
input extra "x": count
group "G" points 4 {
    indicator 1 "一" { value ratio(part, whole) stars at least 50%, 60%, 70%, 80%, 90% points 2 }
    indicator 2 "二" { value extra stars at least 1, 2, 3, 4, 5 points 2 }
}
rating { level 2 "二级" when total >= 3  level 1 "一级" when total >= 1 }
"""


def edition(text: str) -> scr.Standard:
    return scr.loads(text)


def cohort(*parts: int) -> list[dict[str, object]]:
    return [{"entity": f"E{k}", "whole": 100, "part": part, "extra": 3} for k, part in enumerate(parts)]


def test_the_same_text_has_no_differences() -> None:
    result = diff(edition(OLD), edition(OLD), cohort(55, 95))
    assert result.definitions == () and result.changed == ()
    assert [e.entity for e in result.entities] == ["E0", "E1"]


def test_numbers_compare_by_value_not_spelling() -> None:
    respelled = OLD.replace("50%, 60%, 70%, 80%, 90%", "0.5, 0.6, 0.7, 0.8, 0.9").replace('edition "1"', 'edition "2"')
    assert compare_definitions(edition(OLD), edition(respelled)) == ()


def test_a_threshold_change_says_what_changed_and_whom_it_moves() -> None:
    new = OLD.replace("50%, 60%, 70%, 80%, 90%", "60%, 70%, 80%, 90%, 95%")
    result = diff(edition(OLD), edition(new), cohort(55, 95))
    (change,) = result.definitions
    assert (change.subject, change.change, change.code) == ("indicator 1", "changed", "1")
    assert change.details == ("star thresholds: at least 50%, 60%, 70%, 80%, 90% → at least 60%, 70%, 80%, 90%, 95%",)
    (moved,) = result.changed  # E1 at 95% keeps its five stars; E0 at 55% loses its one
    assert moved.entity == "E0"
    (indicator,) = moved.indicators
    assert indicator.old is not None and indicator.new is not None
    assert (indicator.old.stars, indicator.new.stars) == (1, 0)
    assert (moved.old.total, moved.new.total) == (Fraction(2, 5) + Fraction(6, 5), Fraction(6, 5))
    assert indicator.because == change.details


def test_wording_changes_are_listed_but_are_never_a_reason() -> None:
    new = OLD.replace('"一" {', '"一" { description "新说明" note "新备注"')
    result = diff(edition(OLD), edition(new), cohort(55))
    (change,) = result.definitions
    assert change.details == ("description:  → 新说明", "note added: 新备注")
    assert result.changed == ()


def test_added_and_removed_indicators_groups_and_rating_levels() -> None:
    new = (OLD.replace("total 4", "total 6")
           .replace('indicator 2 "二" { value extra stars at least 1, 2, 3, 4, 5 points 2 }',
                    'indicator 3 "三" { value extra stars at least 1, 2, 3, 4, 5 points 2 }\n}\n'
                    'group "H" points 2 {\n    indicator 4 "四" { value part stars at least 1, 2, 3, 4, 5 points 2 }')
           .replace('level 2 "二级" when total >= 3', 'level 2 "二级" when total >= 4'))
    result = diff(edition(OLD), edition(new), cohort(55))
    subjects = [(d.subject, d.change) for d in result.definitions]
    assert subjects == [("the total", "changed"), ("indicator 2", "removed"), ("indicator 3", "added"),
                        ("indicator 4", "added"), ('group "H"', "added"), ("the rating", "changed")]
    (entity,) = result.changed
    assert [(c.code, c.old is None, c.new is None) for c in entity.indicators] == [
        ("2", False, True), ("3", True, False), ("4", True, False)]
    assert entity.indicators[0].because == ("the indicator was removed",)


def test_a_rating_that_drops_says_which_requirement_failed() -> None:
    new = OLD.replace("total >= 3", "total >= 3.5")
    result = diff(edition(OLD), edition(new), cohort(95))  # 5 + 3 stars: 3.2 points
    (entity,) = result.changed
    assert (entity.old.rating_rank, entity.new.rating_rank, entity.indicators) == (2, 1, ())
    assert "二级 not reached: total >= 3.5 (total 3.2)" in result.render()


def test_each_edition_reads_only_the_inputs_it_declares() -> None:
    new = OLD.replace('input extra "x": count', 'input extra "x": count\ninput fresh "n": count').replace(
        "value extra", "value extra + fresh")
    records = [{**record, "fresh": 2} for record in cohort(55)]
    (entity,) = diff(edition(OLD), edition(new), records).changed
    (indicator,) = entity.indicators
    assert (indicator.old.value, indicator.new.value) == (3, 5)  # type: ignore[union-attr]
    assert indicator.because == ("formula: extra → extra + fresh",)


def test_an_input_neither_edition_declares_is_an_error() -> None:
    with pytest.raises(scr.DataError, match="neither edition declares an input 'typo'") as caught:
        diff(edition(OLD), edition(OLD), [{**cohort(55)[0], "typo": 1}])
    assert caught.value.entity == "E0" and caught.value.input == "typo"


def test_a_reused_indicator_is_the_same_definition_as_its_base(tmp_path: Path) -> None:
    (tmp_path / "old.scs").write_text(OLD, encoding="utf-8")
    reused = OLD.split("group")[0].replace('input part "p": count, part of whole\n', "") + (
        'use "old.scs" as old\ngroup "G" points 4 {\n    indicator 1 from old 1\n    indicator 2 from old 2\n}\n'
        'rating { level 2 "二级" when total >= 3  level 1 "一级" when total >= 1 }\n')
    (tmp_path / "new.scs").write_text(reused, encoding="utf-8")
    assert compare_definitions(scr.load(tmp_path / "old.scs"), scr.load(tmp_path / "new.scs")) == ()


# ---------------------------------------------------------------- the bundled editions and the command
def run(*argv: str) -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    return main(list(argv), out, err), out.getvalue()


BUNDLED = (str(STANDARDS / "shandong-city-2019.scs"), str(STANDARDS / "examples" / "shandong-city-revised.scs"),
           str(STANDARDS / "examples" / "city-cohort.json"))


def test_the_bundled_revision_changes_what_it_says_it_changes() -> None:
    old, new = scr.load(BUNDLED[0]), scr.load(BUNDLED[1], root=STANDARDS)  # it builds on ../ the 2019 file
    subjects = [d.subject for d in compare_definitions(old, new)]
    assert subjects == ["indicator 1", "indicator 12", "the rating"]


def test_diff_command_text(golden) -> None:
    code, out = run("diff", *BUNDLED, "--root", str(STANDARDS))
    assert code == 0
    golden.check("cli/diff_city_revised.txt", out.replace(str(STANDARDS), "standards"))


def test_diff_command_json() -> None:
    code, out = run("diff", *BUNDLED, "--format", "json", "--root", str(STANDARDS))
    assert code == 0
    data = json.loads(out)
    assert [d["subject"] for d in data["definitions"]] == ["indicator 1", "indicator 12", "the rating"]
    assert len(data["entities"]) + len(data["unchanged"]) == 16
    moved = {e["entity"]: e["rating"] for e in data["entities"] if e["rating"]["old"] != e["rating"]["new"]}
    assert moved  # raising the 5G bands costs some cities a level
