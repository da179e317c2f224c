"""Worked examples for the smart-community standard, standards/shandong-community-2019.scs.

The community standard is a reconstruction (annex 3's text is not public; see the file's header
notes).  Every expected number below is computed BY HAND from the formulas, thresholds, points
and tier requirements written in the .scs file, never taken from library output.  The comment on
each expectation shows the arithmetic:

    value -> highest star band the value reaches -> P x stars / 5 points

Star bands (copied from the .scs file):
    basic70   at least 50%, 60%, 70%, 80%, 90%   (indicators 1, 3)
    basic80   at least 60%, 70%, 80%, 90%, 95%   (indicators 2, 7)
    basic90   at least 80%, 85%, 90%, 95%, 98%   (indicators 4, 5, 6)
    mature    at least 60%, 70%, 80%, 90%, 95%
    rates     at least 50%, 60%, 70%, 80%, 90%
    adoption  at least 20%, 35%, 50%, 65%, 80%
    emerging  at least 10%, 20%, 30%, 45%, 60%
    three_items  at least 1, 1.5, 2, 2.5, 3
    10: at least 60%, 70%, 80%, 90%, 98%;  15: at least 0.2, 0.4, 0.6, 0.8, 1

Tiers (levels tried from the top; all requirements of a tier must hold):
    标杆型 (3): 1 >= 90%, 2 >= 95%, 3 >= 90%, 4, 5, 6 >= 98%, 7 >= 95%, every ★ >= 4 stars,
               total >= 80, group 社区治理 >= 14 points
    成长型 (2): 1 >= 80%, 2 >= 90%, 3 >= 80%, 4, 5, 6 >= 95%, 7 >= 90%, every ★ >= 3 stars,
               total >= 60
    基础型 (1): 1 >= 70%, 2 >= 80%, 3 >= 70%, 4, 5, 6 >= 90%, 7 >= 80%
    ★ = 1, 2, 8.

`base_record()` is a full-marks community: every scored indicator at 5 stars, no incident, so
its total is exactly 100 (40 + 20 + 30 + 10) and it is 标杆型.
"""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest

import smartcity_rules as scr
from smartcity_rules.backends.protocol import Backend

from .worked_examples import changed

ROOT = Path(__file__).resolve().parent.parent
STANDARD_PATH = ROOT / "standards" / "shandong-community-2019.scs"
EXAMPLES = ROOT / "standards" / "examples"

LEADING = (1, 2, 8)
GROUPS = {
    "基础设施": (range(1, 10), F(40)),
    "社区治理": (range(10, 14), F(20)),
    "便民服务": (range(14, 22), F(30)),
    "保障措施": (range(22, 24), F(10)),  # 24 is the deduction
}


@pytest.fixture(scope="module")
def std(backend: Backend) -> scr.Standard:
    return scr.load(STANDARD_PATH, backend=backend)


# ====================================================================== records


def base_record(entity: str = "A社区", **changes: Any) -> dict[str, Any]:
    """A complete, valid record: every scored indicator at 5 stars, no incident."""
    record: dict[str, Any] = {
        "entity": entity,
        # ---- 一、基础设施
        "households": 1000, "gigabit_households": 950,         # 1: 95% >= 90% -> 5 -> 5
        "community_area": 2, "fiveg_covered_area": 1.9,        # 2: 1.9/2 = 95% -> 5 -> 5
        "tv_households": 920,                                  # 3: 92% >= 90% -> 5 -> 4
        "video_key_points": 50, "covered_key_points": 49,      # 4: 49/50 = 98% -> 5 -> 4
        "key_point_cameras": 200, "networked_key_point_cameras": 198,  # 5: 99% -> 5 -> 4
        "intact_key_point_cameras": 196,                       # 6: 196/200 = 98% -> 5 -> 4
        "public_video_channels": 100, "imaging_video_channels": 96,  # 7: 96% >= 95% -> 5 -> 4
        "public_lights": 200, "smart_lights": 170,             # 8: 85% >= 80% -> 5 -> 5
        "smart_energy_meters": 1800,                           # 9: 1/3 x 1800/1000 = 60% -> 5 -> 5
        # ---- 二、社区治理
        "grid_households": 990,                                # 10: 99% >= 98% -> 5 -> 5
        "waste_points": 10, "monitored_waste_points": 6,       # 11: 60% -> 5 -> 5
        "entrances": 10, "smart_access_entrances": 8,          # 12: 80% -> 5 -> 5
        "compounds": 5, "smart_property_compounds": 4,         # 13: 4/5 = 80% -> 5 -> 5
        # ---- 三、便民服务
        "public_parking_spaces": 500, "shared_parking_spaces": 300,  # 14: 60% -> 5 -> 4
        "telemedicine": True,                                  # 15: 1 >= 1 -> 5 -> 4
        "recycling_compounds": 4,                              # 16: 4/5 = 80% -> 5 -> 4
        "community_services": 50, "online_community_services": 45,  # 17: 90% -> 5 -> 4
        "elderly": 500, "smart_elderly": 300,                  # 18: 60% -> 5 -> 4
        "parcel_locker_compounds": 5,                          # 19: 100% -> 5 -> 3
        "merchants": 40, "e_payment_merchants": 38,            # 20: 95% -> 5 -> 3
        "service_platform": True, "on_aishandong": True,       # 21: 3 items -> 5 -> 4
        "online_affairs": True,
        # ---- 四、保障措施
        "working_group": True, "resident_feedback": True,      # 22: 3 items -> 5 -> 5
        "data_protection": True,
        "dedicated_funds": True, "social_capital": True,       # 23: 3 items -> 5 -> 5
        "operator": True,
        "security_incidents": 0,                               # 24: no deduction
    }
    return changed(record, changes)


def evaluate_one(std: scr.Standard, **changes: Any) -> scr.Evaluation:
    return std.evaluate(base_record(**changes))


def level(result: scr.Evaluation, rank: int) -> scr.LevelResult:
    assert result.rating is not None
    (found,) = [lv for lv in result.rating.levels if lv.rank == rank]
    return found


def failed(result: scr.Evaluation, rank: int) -> list[str]:
    return [r.text for r in level(result, rank).failed]


# ================================================================== shape and marks


def test_counts_and_level(std: scr.Standard) -> None:
    assert std.level == "community"
    assert std.indicator_numbers == tuple(range(1, 25))
    assert not std.needs_cohort  # no rank() or share(): a community is scored on its own


def test_base_record_has_exactly_the_inputs(std: scr.Standard) -> None:
    assert set(base_record()) - {"entity"} == set(std.checked.inputs)


def test_provisional_marks(std: scr.Standard) -> None:
    provisional = std.provisional
    assert provisional
    assert "the rating rule" in provisional and "the total" in provisional
    # 1-3: names and formulas from the 2022 rows; every other indicator is reconstructed
    for number in (1, 2, 3):
        assert f"indicator {number} formula" not in provisional
        assert f"indicator {number} star thresholds" in provisional
    for number in range(4, 25):
        assert f"indicator {number} formula" in provisional, number
    assert std.notes


def test_full_marks_record_is_benchmark_tier(std: scr.Standard) -> None:
    result = evaluate_one(std)
    assert result.total == F(100)
    for number in range(1, 24):
        indicator = result.indicator(number)
        assert (indicator.stars, indicator.points) == (5, indicator.max_points), number
    assert result.indicator(24).points == 0
    assert result.rating is not None
    assert (result.rating.rank, result.rating.name) == (3, "标杆型")
    assert all(lv.reached and lv.failed == () for lv in result.rating.levels)


def test_groups_and_leading(std: scr.Standard) -> None:
    result = evaluate_one(std)
    max_points = {i.number: i.max_points for i in result.indicators if i.max_points is not None}
    for name, (numbers, points) in GROUPS.items():
        assert sum(max_points[n] for n in numbers) == points, name
        assert result.group(name).points == points, name
    assert result.indicator(24).max_points is None
    assert {i.number for i in result.indicators if i.leading} == set(LEADING)


# ============================================================ one example per indicator
# Rows: indicator, input overrides, value, stars, points, max points (P).

CASES = [
    pytest.param(1, dict(gigabit_households=700), F(7, 10), 3, F(3), F(5),
                 id="01-gigabit"),  # 700/1000 = 70% -> basic70 (3) -> 5 x 3/5 = 3
    pytest.param(2, dict(community_area=2.5, fiveg_covered_area=2.1), F(21, 25), 3, F(3), F(5),
                 id="02-5g-area"),  # 2.1/2.5 = 84% -> basic80 >= 80% (3) -> 5 x 3/5 = 3
    pytest.param(3, dict(tv_households=650), F(13, 20), 2, F(8, 5), F(4),
                 id="03-broadcast-tv"),  # 65% -> basic70 >= 60% (2) -> 4 x 2/5 = 8/5
    pytest.param(4, dict(covered_key_points=47), F(47, 50), 3, F(12, 5), F(4),
                 id="04-video-coverage"),  # 47/50 = 94% -> basic90 >= 90% (3) -> 4 x 3/5 = 12/5
    pytest.param(5, dict(networked_key_point_cameras=190), F(19, 20), 4, F(16, 5), F(4),
                 id="05-video-network"),  # 190/200 = 95% -> basic90 (4) -> 4 x 4/5 = 16/5
    pytest.param(6, dict(intact_key_point_cameras=159), F(159, 200), 0, F(0), F(4),
                 id="06-cameras-intact"),  # 159/200 = 79.5% < 80% -> 0
    pytest.param(7, dict(imaging_video_channels=85), F(17, 20), 3, F(12, 5), F(4),
                 id="07-video-imaging"),  # 85/100 = 85% -> basic80 >= 80% (3) -> 12/5
    pytest.param(8, dict(smart_lights=70), F(7, 20), 2, F(2), F(5),
                 id="08-smart-lighting"),  # 70/200 = 35% -> adoption >= 35% (2) -> 5 x 2/5 = 2
    pytest.param(9, dict(smart_energy_meters=1350), F(9, 20), 4, F(4), F(5),
                 id="09-energy-meters"),  # 1/3 x 1350/1000 = 45% -> emerging (4) -> 5 x 4/5 = 4
    pytest.param(9, dict(households=1200, gigabit_households=1140, tv_households=1104,
                         grid_households=1188, smart_energy_meters=1000), F(5, 18), 2, F(2),
                 F(5), id="09-energy-meters-thirds"),  # 1000/3600 = 5/18 = 27.8% -> >= 20% (2)
    pytest.param(10, dict(grid_households=850), F(17, 20), 3, F(3), F(5),
                 id="10-grid"),  # 85% -> >= 80% (3) -> 5 x 3/5 = 3
    pytest.param(11, dict(waste_points=12, monitored_waste_points=3), F(1, 4), 2, F(2), F(5),
                 id="11-waste-monitoring"),  # 3/12 = 25% -> emerging >= 20% (2) -> 2
    pytest.param(12, dict(smart_access_entrances=5), F(1, 2), 3, F(3), F(5),
                 id="12-smart-access"),  # 5/10 = 50% -> adoption (3) -> 3
    pytest.param(13, dict(smart_property_compounds=1), F(1, 5), 1, F(1), F(5),
                 id="13-smart-property"),  # 1/5 = 20% -> adoption (1) -> 1
    pytest.param(14, dict(shared_parking_spaces=150), F(3, 10), 3, F(12, 5), F(4),
                 id="14-parking-sharing"),  # 150/500 = 30% -> emerging (3) -> 12/5
    pytest.param(15, dict(telemedicine=False), F(0), 0, F(0), F(4),
                 id="15-telemedicine-no"),  # no -> 0 < 0.2 -> 0
    pytest.param(16, dict(recycling_compounds=2), F(2, 5), 2, F(8, 5), F(4),
                 id="16-recycling"),  # 2/5 = 40% -> adoption >= 35% (2) -> 8/5
    pytest.param(17, dict(online_community_services=36), F(18, 25), 3, F(12, 5), F(4),
                 id="17-online-services"),  # 36/50 = 72% -> rates >= 70% (3) -> 12/5
    pytest.param(18, dict(smart_elderly=60), F(3, 25), 1, F(4, 5), F(4),
                 id="18-smart-elderly"),  # 60/500 = 12% -> emerging >= 10% (1) -> 4/5
    pytest.param(19, dict(parcel_locker_compounds=3), F(3, 5), 2, F(6, 5), F(3),
                 id="19-parcel-lockers"),  # 3/5 = 60% -> rates (2) -> 3 x 2/5 = 6/5
    pytest.param(20, dict(e_payment_merchants=30), F(3, 4), 2, F(6, 5), F(3),
                 id="20-e-payment"),  # 30/40 = 75% -> mature >= 70% (2) -> 6/5
    pytest.param(21, dict(on_aishandong=False), F(2), 3, F(12, 5), F(4),
                 id="21-service-platform"),  # 2 of 3 -> >= 2 (3) -> 12/5
    pytest.param(22, dict(resident_feedback=False, data_protection=False), F(1), 1, F(1), F(5),
                 id="22-institutions"),  # 1 of 3 -> 1 -> 5 x 1/5 = 1
    pytest.param(23, dict(operator=False), F(2), 3, F(3), F(5),
                 id="23-investment"),  # 2 of 3 -> 3 -> 5 x 3/5 = 3
]


def test_every_indicator_has_a_worked_example() -> None:
    covered = {case.values[0] for case in CASES} | {24}  # 24: test_deduction below
    assert covered == set(range(1, 25))


@pytest.mark.parametrize(("number", "changes", "value", "stars", "points", "max_points"), CASES)
def test_indicator(std: scr.Standard, number: int, changes: dict[str, Any], value: F, stars: int,
                   points: F, max_points: F) -> None:
    result = evaluate_one(std, **changes).indicator(number)
    assert result.number == number
    assert result.status is scr.Status.SCORED
    assert (result.value, result.stars, result.points, result.max_points) == (
        value, stars, points, max_points)


def test_parking_not_applicable_without_public_spaces(std: scr.Standard) -> None:
    result = evaluate_one(std, public_parking_spaces=0, shared_parking_spaces=0)
    assert result.indicator(14).status is scr.Status.NOT_APPLICABLE
    assert result.total == F(96)  # 100 - the 4 points of indicator 14


@pytest.mark.parametrize(("incidents", "points"), [
    pytest.param(1, F(-2), id="1"),    # -min(2 x 1, 10)
    pytest.param(7, F(-10), id="7"),   # -min(2 x 7, 10) = -10 (capped)
])
def test_deduction(std: scr.Standard, incidents: int, points: F) -> None:
    result = evaluate_one(std, security_incidents=incidents)
    assert result.indicator(24).status is scr.Status.DEDUCTION
    assert result.indicator(24).points == points
    assert result.total == 100 + points


# ========================================================================= tiers
# 标杆型: the full-marks base record.  Each miss below changes the base so that exactly one
# 标杆型 requirement fails; all 成长型 requirements still hold, so the tier drops to 成长型.

BENCHMARK_MISSES = [
    # 890/1000 = 89% -> 4 stars (4 points): total 99; ★1 at 4 stars still >= 4
    pytest.param(dict(gigabit_households=890), "indicator 1 >= 90%", F(99), id="1"),
    # 1.88/2 = 94% -> basic80 4 stars: total 99
    pytest.param(dict(fiveg_covered_area=1.88), "indicator 2 >= 95%", F(99), id="2"),
    # 890/1000 = 89% -> basic70 4 stars (16/5): total 99.2
    pytest.param(dict(tv_households=890), "indicator 3 >= 90%", F(496, 5), id="3"),
    # 48/50 = 96% -> basic90 4 stars (16/5): total 99.2
    pytest.param(dict(covered_key_points=48), "indicator 4 >= 98%", F(496, 5), id="4"),
    # 195/200 = 97.5% -> 4 stars: total 99.2
    pytest.param(dict(networked_key_point_cameras=195), "indicator 5 >= 98%", F(496, 5), id="5"),
    # 195/200 = 97.5% -> 4 stars: total 99.2
    pytest.param(dict(intact_key_point_cameras=195), "indicator 6 >= 98%", F(496, 5), id="6"),
    # 94/100 = 94% -> basic80 4 stars (16/5): total 99.2
    pytest.param(dict(imaging_video_channels=94), "indicator 7 >= 95%", F(496, 5), id="7"),
    # ★8 at 120/200 = 60% -> adoption 3 stars (3 points): total 98
    pytest.param(dict(smart_lights=120), "every leading >= 4 stars", F(98), id="leading"),
    # 便民服务 (14-21) all at 0: total 70 < 80 (成长型 needs only 60)
    pytest.param(dict(shared_parking_spaces=0, telemedicine=False, recycling_compounds=0,
                      online_community_services=0, smart_elderly=0, parcel_locker_compounds=0,
                      e_payment_merchants=0, service_platform=False, on_aishandong=False,
                      online_affairs=False),
                 "total >= 80", F(70), id="total"),
    # 10 at 590/1000 = 59% -> 0 (5 less), 11 at 4/10 = 40% -> emerging 3 stars (2 less):
    # 社区治理 20 - 7 = 13 < 14, total 93
    pytest.param(dict(grid_households=590, monitored_waste_points=4),
                 'group "社区治理" >= 14 points', F(93), id="group"),
]


def test_benchmark_tier_met(std: scr.Standard) -> None:
    result = evaluate_one(std)
    assert result.rating_rank == 3
    assert level(result, 3).reached and failed(result, 3) == []


def test_every_benchmark_requirement_has_a_miss(std: scr.Standard) -> None:
    result = evaluate_one(std)
    texts = {r.text for r in level(result, 3).requirements}
    assert texts == {case.values[1] for case in BENCHMARK_MISSES}


@pytest.mark.parametrize(("changes", "requirement", "total"), BENCHMARK_MISSES)
def test_benchmark_tier_missed_by_one(std: scr.Standard, changes: dict[str, Any],
                                      requirement: str, total: F) -> None:
    result = evaluate_one(std, **changes)
    assert result.total == total
    assert failed(result, 3) == [requirement]
    assert not level(result, 3).reached
    assert result.rating_rank == 2 and result.rating is not None
    assert result.rating.name == "成长型"
    assert failed(result, 2) == [] and failed(result, 1) == []


# 成长型, met: indicators 1-7 at 4 stars each, between the 成长型 and 标杆型 values:
#   1: 850/1000 = 85% -> basic70 (4) -> 5 x 4/5 = 4      2: 1.8/2 = 90% -> basic80 (4) -> 4
#   3: 850/1000 = 85% -> (4) -> 4 x 4/5 = 16/5           4: 48/50 = 96% -> basic90 (4) -> 16/5
#   5: 192/200 = 96% -> 16/5    6: 192/200 = 96% -> 16/5  7: 92/100 = 92% -> basic80 (4) -> 16/5
# 基础设施 4 + 4 + 5 x 16/5 + 5 + 5 = 34; total 34 + 20 + 30 + 10 = 94.
GROWTH = dict(gigabit_households=850, fiveg_covered_area=1.8, tv_households=850,
              covered_key_points=48, networked_key_point_cameras=192,
              intact_key_point_cameras=192, imaging_video_channels=92)

GROWTH_MISSES = [
    # 790/1000 = 79% -> basic70 3 stars (3 points, 1 less): total 93; ★1 at 3 still >= 3
    pytest.param(dict(gigabit_households=790), "indicator 1 >= 80%", F(93), id="1"),
    # 1.78/2 = 89% -> basic80 3 stars (3 points): total 93
    pytest.param(dict(fiveg_covered_area=1.78), "indicator 2 >= 90%", F(93), id="2"),
    # 790/1000 = 79% -> 3 stars (12/5, 4/5 less): total 93.2
    pytest.param(dict(tv_households=790), "indicator 3 >= 80%", F(466, 5), id="3"),
    # 47/50 = 94% -> basic90 3 stars (12/5): total 93.2
    pytest.param(dict(covered_key_points=47), "indicator 4 >= 95%", F(466, 5), id="4"),
    # 189/200 = 94.5% -> 3 stars: total 93.2
    pytest.param(dict(networked_key_point_cameras=189), "indicator 5 >= 95%", F(466, 5), id="5"),
    # 189/200 = 94.5% -> 3 stars: total 93.2
    pytest.param(dict(intact_key_point_cameras=189), "indicator 6 >= 95%", F(466, 5), id="6"),
    # 89/100 = 89% -> basic80 3 stars (12/5): total 93.2
    pytest.param(dict(imaging_video_channels=89), "indicator 7 >= 90%", F(466, 5), id="7"),
    # ★8 at 90/200 = 45% -> adoption 2 stars (2 points, 3 less): total 91
    pytest.param(dict(smart_lights=90), "every leading >= 3 stars", F(91), id="leading"),
    # 便民服务 (30) and 保障措施 22, 23 (10) all at 0: 94 - 40 = 54 < 60
    pytest.param(dict(shared_parking_spaces=0, telemedicine=False, recycling_compounds=0,
                      online_community_services=0, smart_elderly=0, parcel_locker_compounds=0,
                      e_payment_merchants=0, service_platform=False, on_aishandong=False,
                      online_affairs=False, working_group=False, resident_feedback=False,
                      data_protection=False, dedicated_funds=False, social_capital=False,
                      operator=False),
                 "total >= 60", F(54), id="total"),
]


def test_growth_tier_met(std: scr.Standard) -> None:
    result = evaluate_one(std, **GROWTH)
    assert result.total == F(94)
    assert result.rating_rank == 2 and result.rating is not None
    assert result.rating.name == "成长型"
    # 标杆型 fails on the seven rates, and on nothing else (★ at 4, 4, 5; total 94; group 20)
    assert failed(result, 3) == ["indicator 1 >= 90%", "indicator 2 >= 95%", "indicator 3 >= 90%",
                                 "indicator 4 >= 98%", "indicator 5 >= 98%", "indicator 6 >= 98%",
                                 "indicator 7 >= 95%"]
    assert failed(result, 2) == []


def test_every_growth_requirement_has_a_miss(std: scr.Standard) -> None:
    result = evaluate_one(std, **GROWTH)
    assert {r.text for r in level(result, 2).requirements} == {
        case.values[1] for case in GROWTH_MISSES}


@pytest.mark.parametrize(("changes", "requirement", "total"), GROWTH_MISSES)
def test_growth_tier_missed_by_one(std: scr.Standard, changes: dict[str, Any], requirement: str,
                                   total: F) -> None:
    result = evaluate_one(std, **{**GROWTH, **changes})
    assert result.total == total
    assert failed(result, 2) == [requirement]
    assert result.rating_rank == 1 and result.rating is not None
    assert result.rating.name == "基础型"
    assert failed(result, 1) == []


# 基础型, met exactly at every 基础型 value (3 stars each):
#   1: 70% -> 3 -> 3     2: 1.6/2 = 80% -> 3 -> 3     3: 70% -> 3 -> 12/5
#   4: 45/50 = 90% -> 12/5    5: 180/200 = 90% -> 12/5    6: 180/200 = 90% -> 12/5
#   7: 80/100 = 80% -> basic80 (3) -> 12/5
# 基础设施 3 + 3 + 5 x 12/5 + 5 + 5 = 28; total 28 + 20 + 30 + 10 = 88.
BASIC = dict(gigabit_households=700, fiveg_covered_area=1.6, tv_households=700,
             covered_key_points=45, networked_key_point_cameras=180,
             intact_key_point_cameras=180, imaging_video_channels=80)

BASIC_MISSES = [
    pytest.param(dict(gigabit_households=699), "indicator 1 >= 70%", id="1"),   # 69.9%
    pytest.param(dict(fiveg_covered_area=1.599), "indicator 2 >= 80%", id="2"),  # 79.95%
    pytest.param(dict(tv_households=699), "indicator 3 >= 70%", id="3"),        # 69.9%
    pytest.param(dict(covered_key_points=44), "indicator 4 >= 90%", id="4"),    # 88%
    pytest.param(dict(networked_key_point_cameras=179), "indicator 5 >= 90%", id="5"),  # 89.5%
    pytest.param(dict(intact_key_point_cameras=179), "indicator 6 >= 90%", id="6"),     # 89.5%
    pytest.param(dict(imaging_video_channels=79), "indicator 7 >= 80%", id="7"),  # 79%
]


def test_basic_tier_met_exactly_at_its_values(std: scr.Standard) -> None:
    result = evaluate_one(std, **BASIC)
    assert result.total == F(88)
    assert [result.indicator(n).value for n in range(1, 8)] == [
        F(7, 10), F(4, 5), F(7, 10), F(9, 10), F(9, 10), F(9, 10), F(4, 5)]
    assert result.rating_rank == 1 and result.rating is not None
    assert result.rating.name == "基础型"
    assert failed(result, 1) == []
    # 成长型 fails on the seven rates only: ★ 1, 2 at 3 stars and 8 at 5 hold, total 88 holds
    assert failed(result, 2) == ["indicator 1 >= 80%", "indicator 2 >= 90%", "indicator 3 >= 80%",
                                 "indicator 4 >= 95%", "indicator 5 >= 95%", "indicator 6 >= 95%",
                                 "indicator 7 >= 90%"]


def test_every_basic_requirement_has_a_miss(std: scr.Standard) -> None:
    result = evaluate_one(std, **BASIC)
    assert {r.text for r in level(result, 1).requirements} == {
        case.values[1] for case in BASIC_MISSES}


@pytest.mark.parametrize(("changes", "requirement"), BASIC_MISSES)
def test_basic_tier_missed_by_one(std: scr.Standard, changes: dict[str, Any],
                                  requirement: str) -> None:
    result = evaluate_one(std, **{**BASIC, **changes})
    assert failed(result, 1) == [requirement]
    assert result.rating_rank == 0 and result.rating is not None
    assert (result.rating.rank, result.rating.name) == (0, None)
    assert not any(lv.reached for lv in result.rating.levels)


def test_video_rates_fail_separately(std: scr.Standard) -> None:
    # the compound video requirement: two of its four rates short, each named on its own
    result = evaluate_one(std, **{**BASIC, "covered_key_points": 44, "imaging_video_channels": 79})
    assert failed(result, 1) == ["indicator 4 >= 90%", "indicator 7 >= 80%"]


# ============================================================== bundled cohort


def test_bundled_cohort_spreads_over_every_tier(std: scr.Standard) -> None:
    from_json = std.evaluate_cohort(scr.read_records(EXAMPLES / "community-cohort.json"))
    from_csv = std.evaluate_cohort(scr.read_records(EXAMPLES / "community-cohort.csv"))
    assert len(from_json) >= 30
    assert {e.rating_rank for e in from_json} == {0, 1, 2, 3}
    assert any(e.indicator(14).status is scr.Status.NOT_APPLICABLE for e in from_json)
    for a, b in zip(from_json, from_csv, strict=True):
        assert a.to_dict() == b.to_dict(), a.entity
