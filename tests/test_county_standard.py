"""Worked examples for the county standard, standards/shandong-county-2019.scs.

Every expected number below is computed BY HAND from the seed's definition (annex 2 of
数鲁专组办发〔2019〕7号, /work/shared/seed/shandong-smart-city-pilot-plan-2019.txt) and the
(provisional) thresholds and points written in the .scs files.  None comes from library output.
The comment on each expectation shows the arithmetic:

    value -> highest star band the value reaches -> P x stars / 5 points

Most county indicators are taken from the city standard by reference, so their thresholds and
points are the city file's unless the county file overrides them.  Bands used below:

    city 1 (county 1)       at least 60%, 70%, 80%, 88%, 95%,  2 points
    mature (county 3)       at least 60%, 70%, 80%, 90%, 95%
    rates (county 4, 6, 14, 16)  at least 50%, 60%, 70%, 80%, 90%
    city 6 (county 5)       at least 30%, 40%, 50%, 60%, 70%,  2 points
    city 25 (county 29)     at least 30%, 45%, 60%, 70%, 80%,  2.5 points
    city 32 (county 35)     at least 1%, 2%, 4%, 8%, 15%,      points 3 (county override)
    city 33 (county 36)     at least 5%, 10%, 15%, 20%, 30%,   points 4 (county override)
    city 35 (county 37)     at least 4%, 8%, 12%, 17%, 24%,    points 3 (county override)
    city 40, 41, 43 (county 38, 39, 40)  items met,            points 4 each (county override)
    county 15   at most 100, 70, 45, 25, 10 (county override of city 17's bands)
    county 18   at least 20%, 35%, 50%, 65%, 80%, 4 points
    county 19, 26  at least 30%, 45%, 60%, 75%, 90%, 2 points
    county 20, 24, 25  at least 10%, 20%, 30%, 45%, 60%, 2 points
    county 21   at least 20%, 35%, 50%, 65%, 80%, 2 points
    county 42   at least 1, 2, 3, 4, 6 (override),  2 points;  value 2 x national + provincial
    county 43   at least 2, 4, 6, 9, 12 (override), 1 point;   value 3 x nat + 2 x prov + mun + 3 x hall
    county 44   at least 1, 2, 3, 4, 5, 2 points

`base_record()` is a full-marks county: every scored indicator at 5 stars, no bonus item,
no incident, so its total is exactly 100 (22.5 + 36 + 19.5 + 10 + 12).
"""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest

import smartcity_rules as scr
from smartcity_rules.backends.protocol import Backend

from .worked_examples import assert_scored, changed

ROOT = Path(__file__).resolve().parent.parent
STANDARD_PATH = ROOT / "standards" / "shandong-county-2019.scs"
CITY_PATH = ROOT / "standards" / "shandong-city-2019.scs"
EXAMPLES = ROOT / "standards" / "examples"

LEADING = (9, 11, 12, 18, 27, 31, 36)  # city 10, 12, 13, 23, 27, 33 as numbered here, plus 18
COUNTY_ONLY = (18, 19, 20, 21, 24, 25, 26)
BONUS_GROUP = "地方特色"
GROUPS = {
    "基础设施": (range(1, 12), F(45, 2)),
    "数字惠民": (range(12, 27), F(36)),
    "数字政务": (range(27, 35), F(39, 2)),
    "数字经济": (range(35, 38), F(10)),
    "保障措施": (range(38, 41), F(12)),  # 41 is the deduction
}
# county number -> city number, for the indicators taken by reference
FROM_CITY = {
    1: 1, 2: 2, 3: 4, 4: 5, 5: 6, 6: 7, 7: 8, 8: 9, 9: 10, 10: 11, 11: 12,
    12: 13, 13: 14, 14: 15, 15: 17, 16: 18, 17: 20, 22: 21, 23: 22,
    27: 23, 28: 24, 29: 25, 30: 26, 31: 27, 32: 28, 33: 29, 34: 31,
    35: 32, 36: 33, 37: 35, 38: 40, 39: 41, 40: 43, 41: 45, 42: 46, 43: 47, 44: 48,
}


@pytest.fixture(scope="module")
def std(backend: Backend) -> scr.Standard:
    return scr.load(STANDARD_PATH, backend=backend)


@pytest.fixture(scope="module")
def city() -> scr.Standard:
    return scr.load(CITY_PATH)


# ====================================================================== records


def base_record(entity: str = "A县", **changes: Any) -> dict[str, Any]:
    """A complete, valid record: every scored indicator at 5 stars, bonus items at 0, no incident."""
    record: dict[str, Any] = {
        "entity": entity,
        "households": 1000, "communities": 100,
        # ---- 一、基础设施
        "fibre_households": 960,                               # 1: 96% >= 95% -> 5 -> 2
        "mobile_download_speed": 45,                           # 2: 45 >= 40 Mbit/s -> 5 -> 2
        "key_public_areas": 100, "hd_video_areas": 96,         # 3: (96% + 96%)/2 -> 5 -> 2
        "key_area_cameras": 1000, "intact_cameras": 960,
        "networked_cameras": 950,                              # 4: 95% >= 90% -> 5 -> 2
        "solved_criminal_cases": 1000, "video_solved_cases": 800,
        "video_service_score": 8,                              # 5: (80% + 8/10)/2 = 80% -> 5 -> 2
        "intersections": 100, "e_police_points": 95,           # 6: 95% -> 5 -> 1.5
        "broadband_200m_users": 700,                           # 7: 70% >= 60% -> 5 -> 2
        "pipeline_length": 1000, "smart_pipeline_length": 700,  # 8: 70% >= 60% -> 5 -> 1.5
        "main_websites": 10, "ipv6_websites": 10,              # 9: 100% -> 5 -> 3
        "planning_area": 100, "topo_map_area": 96,             # 10: 96% >= 95% -> 5 -> 1.5
        "fiveg_key_areas": 100, "fiveg_covered_areas": 80,     # 11: 80% >= 70% -> 5 -> 3
        # ---- 二、数字惠民
        "government_services": 100, "e_license_services": 85,  # 12: 85% >= 80% -> 5 -> 3
        "bus_stops": 100, "e_bus_stop_signs": 70,              # 13: 70% >= 60% -> 5 -> 2
        "school_wifi_coverage": 0.95,                          # 14: (95% + 95% + 95%)/3 -> 5 -> 3
        "ordinary_classrooms": 100, "multimedia_classrooms": 95,
        "remote_education_coverage": 0.95,
        "aishandong_apps": 50,                                 # 15: rank 1 alone <= 10 -> 5 -> 3
        "medical_institutions": 100, "networked_medical_institutions": 95,  # 16: 95% -> 5 -> 2.5
        "outpatient_visits": 1000, "appointment_visits": 600,  # 17: 60% >= 50% -> 5 -> 2.5
        "community_public_lights": 1000, "smart_community_lights": 800,  # 18: 80% -> 5 -> 4
        "telemedicine_communities": 90,                        # 19: 90/100 = 90% -> 5 -> 2
        "community_parking_spaces": 1000, "shared_parking_spaces": 600,  # 20: 60% -> 5 -> 2
        "recycling_communities": 80,                           # 21: 80/100 = 80% -> 5 -> 2
        "signal_timed_intersections": 85,                      # 22: 85% >= 80% -> 5 -> 2
        "transit_trips": 1000, "e_payment_trips": 950,         # 23: 95% -> 5 -> 2
        "smart_energy_meters": 1800,                           # 24: 1/3 x 1800/1000 = 60% -> 5 -> 2
        "waste_monitored_communities": 60,                     # 25: 60/100 = 60% -> 5 -> 2
        "public_car_parks": 50, "networked_car_parks": 45,     # 26: 45/50 = 90% -> 5 -> 2
        # ---- 三、数字政务
        "business_systems": 100, "cloud_systems": 95,          # 27: 95% -> 5 -> 3
        "grid_communities": 98,                                # 28: 98/100 >= 98% -> 5 -> 2
        "region_area": 100, "air_monitored_area": 85,          # 29: 85% >= 80% -> 5 -> 2.5
        "water_monitored_area": 85, "noise_monitored_area": 85,
        "emergency_events": 100, "commanded_events": 95,       # 30: 95% -> 5 -> 2.5
        "shareable_data_categories": 100, "shared_data_categories": 96,  # 31: 96% -> 5 -> 3
        "openable_data_categories": 100, "open_data_categories": 60,     # 32: 60% -> 5 -> 2.5
        "spatial_gov_platform": True, "spatial_public_website": True,    # 33: 3 items -> 5 -> 2
        "spatial_mobile_app": True,
        "key_energy_buildings": 100, "metered_energy_buildings": 85,  # 34: 85% >= 80% -> 5 -> 2
        # ---- 四、数字经济
        "gdp": 1000, "software_revenue": 150,                  # 35: 15% >= 15% -> 5 -> 3
        "enterprises": 1000, "cloud_enterprises": 300,         # 36: 30% >= 30% -> 5 -> 4
        "retail_sales": 1000, "online_retail": 240,            # 37: 24% >= 24% -> 5 -> 3
        # ---- 五、保障措施
        "leading_group_by_mayor": True, "big_data_bureau_coordinates": True,  # 38: 5 items -> 5 -> 4
        "operating_company": True, "annual_work_meeting": True,
        "joint_meeting_system": True,
        "top_level_plan": True, "special_plans": True,         # 39: 3 + 2 = 5 -> 5 -> 4
        "special_fund": True, "fiscal_key_projects": True,     # 40: 3 items -> 5 -> 4
        "social_capital": True,
        "security_incidents": 0,                               # 41: no deduction
        # ---- 六、地方特色 (bonus): all at 0 stars
        "national_pilots": 0, "provincial_pilots": 0,          # 42: 0 < 1 -> 0
        "national_events": 0, "provincial_events": 0,          # 43: 0 < 2 -> 0
        "municipal_events": 0, "shown_in_data_hall": False,
        "innovation_cases": 0,                                 # 44: 0 < 1 -> 0
    }
    return changed(record, changes)


def evaluate_one(std: scr.Standard, **changes: Any) -> scr.Evaluation:
    """One record evaluated as a cohort of one (rank 1)."""
    (evaluation,) = std.evaluate_cohort([base_record(**changes)])
    return evaluation


# ================================================================== shape and marks


def test_counts_and_level(std: scr.Standard) -> None:
    assert std.level == "county"
    assert std.indicator_numbers == tuple(range(1, 45))
    assert std.title == "山东省县级新型智慧城市试点示范建设标准(试行)"


def test_base_record_has_exactly_the_inputs(std: scr.Standard) -> None:
    # the county-only inputs plus those the indicators taken from the city standard read
    assert set(base_record()) - {"entity"} == set(std.checked.inputs)


def test_provisional_marks(std: scr.Standard) -> None:
    provisional = std.provisional
    assert provisional
    assert "the rating rule" in provisional and "the total" in provisional
    # 36-44 are reconstructed as a whole, and so is 35's formula (the seed stops at its title)
    for number in range(35, 45):
        assert f"indicator {number} formula" in provisional, number
    # the county-only indicators' formulas are the seed's: only their numbers are provisional
    for number in COUNTY_ONLY:
        assert f"indicator {number} formula" not in provisional, number
        assert f"indicator {number} star thresholds" in provisional, number
    assert std.notes  # the header says why


def test_full_marks_record(std: scr.Standard) -> None:
    result = evaluate_one(std)
    assert result.total == F(100)  # 22.5 + 36 + 19.5 + 10 + 12
    for number in range(1, 41):
        indicator = result.indicator(number)
        assert (indicator.stars, indicator.points) == (5, indicator.max_points), number
    assert result.indicator(41).points == 0
    for number in (42, 43, 44):
        assert (result.indicator(number).stars, result.indicator(number).points) == (0, F(0))
    assert result.rating_rank == 5


def test_groups_leading_and_bonus(std: scr.Standard) -> None:
    result = evaluate_one(std)
    max_points = {i.number: i.max_points for i in result.indicators if i.max_points is not None}
    for name, (numbers, points) in GROUPS.items():
        assert sum(max_points[n] for n in numbers) == points, name
        assert result.group(name).points == points, name
        assert {i.number for i in result.indicators if i.group == name} >= set(numbers), name
    assert result.indicator(41).max_points is None  # the deduction
    assert sum(max_points[n] for n in (42, 43, 44)) == 5  # 2 + 1 + 2, capped at 4
    assert result.group(BONUS_GROUP).max_points == 4
    assert {i.number for i in result.indicators if i.leading} == set(LEADING)
    assert {i.number for i in result.indicators if i.bonus} == {42, 43, 44}


# ====================================================== county-only indicators (18-26)
# Rows: indicator, input overrides, value, stars, points, max points (P).

COUNTY_ONLY_CASES = [
    pytest.param(18, dict(smart_community_lights=600), F(3, 5), 3, F(12, 5), F(4),
                 id="18-smart-lighting"),  # 600/1000 = 60% -> >= 50% (3) -> 4 x 3/5 = 12/5
    pytest.param(18, dict(community_public_lights=1200, smart_community_lights=234), F(39, 200),
                 0, F(0), F(4), id="18-smart-lighting-below"),  # 234/1200 = 19.5% < 20% -> 0
    pytest.param(18, dict(smart_community_lights=650), F(13, 20), 4, F(16, 5), F(4),
                 id="18-smart-lighting-at-65%"),  # exactly 65% -> 4 -> 4 x 4/5 = 16/5
    pytest.param(19, dict(telemedicine_communities=65), F(13, 20), 3, F(6, 5), F(2),
                 id="19-telemedicine"),  # 65/100 = 65% -> >= 60% (3) -> 2 x 3/5 = 6/5
    pytest.param(19, dict(telemedicine_communities=29), F(29, 100), 0, F(0), F(2),
                 id="19-telemedicine-below"),  # 29% < 30% -> 0
    pytest.param(20, dict(shared_parking_spaces=250), F(1, 4), 2, F(4, 5), F(2),
                 id="20-parking-sharing"),  # 250/1000 = 25% -> >= 20% (2) -> 2 x 2/5 = 4/5
    pytest.param(20, dict(community_parking_spaces=800, shared_parking_spaces=360), F(9, 20), 4,
                 F(8, 5), F(2), id="20-parking-sharing-45%"),  # 360/800 = 45% -> 4 -> 8/5
    pytest.param(21, dict(recycling_communities=47), F(47, 100), 2, F(4, 5), F(2),
                 id="21-recycling"),  # 47/100 = 47% -> >= 35% (2) -> 2 x 2/5 = 4/5
    pytest.param(24, dict(smart_energy_meters=1350), F(9, 20), 4, F(8, 5), F(2),
                 id="24-energy-meters"),  # 1/3 x 1350/1000 = 450/1000 = 45% -> 4 -> 2 x 4/5
    pytest.param(24, dict(households=1200, fibre_households=1150, broadband_200m_users=840,
                          smart_energy_meters=1000), F(5, 18), 2, F(4, 5), F(2),
                 id="24-energy-meters-thirds"),  # 1/3 x 1000/1200 = 1000/3600 = 5/18 = 27.8%
    #                                              -> >= 20% (2) -> 2 x 2/5 = 4/5
    pytest.param(24, dict(smart_energy_meters=3300), F(11, 10), 5, F(2), F(2),
                 id="24-energy-meters-above-100%"),  # 1/3 x 3300/1000 = 110% (meters are not a
    #                                                  part of households: allowed) -> 5 -> 2
    pytest.param(24, dict(smart_energy_meters=299), F(299, 3000), 0, F(0), F(2),
                 id="24-energy-meters-just-below-10%"),  # 299/3000 = 9.97% < 10% -> 0
    pytest.param(24, dict(smart_energy_meters=300), F(1, 10), 1, F(2, 5), F(2),
                 id="24-energy-meters-10%"),  # 1/3 x 300/1000 = 10% exactly -> 1 -> 2/5
    pytest.param(25, dict(waste_monitored_communities=30), F(3, 10), 3, F(6, 5), F(2),
                 id="25-waste-monitoring"),  # 30/100 = 30% -> 3 -> 2 x 3/5 = 6/5
    pytest.param(25, dict(waste_monitored_communities=9), F(9, 100), 0, F(0), F(2),
                 id="25-waste-monitoring-below"),  # 9% < 10% -> 0
    pytest.param(26, dict(public_car_parks=40, networked_car_parks=26), F(13, 20), 3, F(6, 5),
                 F(2), id="26-car-parks"),  # 26/40 = 65% -> >= 60% (3) -> 2 x 3/5 = 6/5
]


def test_every_county_only_indicator_has_a_worked_example() -> None:
    assert {case.values[0] for case in COUNTY_ONLY_CASES} == set(COUNTY_ONLY)


@pytest.mark.parametrize(("number", "changes", "value", "stars", "points", "max_points"),
                         COUNTY_ONLY_CASES)
def test_county_only_indicator(std: scr.Standard, number: int, changes: dict[str, Any],
                               value: F, stars: int, points: F, max_points: F) -> None:
    assert_scored(evaluate_one(std, **changes).indicator(number), value, stars, points, max_points)


def test_county_only_indicators_share_the_count_of_communities(std: scr.Standard) -> None:
    # 区域社区总数 = 200 halves 19, 21, 25 and 28 at once:
    # 19: 90/200 = 45% -> >= 45% (2) -> 4/5; 21: 80/200 = 40% -> >= 35% (2) -> 4/5;
    # 25: 60/200 = 30% -> 3 -> 6/5;          28: 98/200 = 49% < 60% -> 0
    result = evaluate_one(std, communities=200)
    got = {n: (result.indicator(n).value, result.indicator(n).points) for n in (19, 21, 25, 28)}
    assert got == {19: (F(9, 20), F(4, 5)), 21: (F(2, 5), F(4, 5)),
                   25: (F(3, 10), F(6, 5)), 28: (F(49, 100), F(0))}


def test_county_only_part_of_is_checked(std: scr.Standard) -> None:
    # more communities with telemedicine than communities: bad data, not 110%
    with pytest.raises(scr.DataError):
        evaluate_one(std, telemedicine_communities=110)


# ================================================= indicators taken from the city standard

REUSED_CASES = [
    pytest.param(1, dict(fibre_households=930), F(93, 100), 4, F(8, 5), F(2),
                 id="01-fibre"),  # 930/1000 = 93% -> >= 88% (4) -> 2 x 4/5 = 8/5
    pytest.param(3, dict(key_public_areas=200, hd_video_areas=170, intact_cameras=930),
                 F(89, 100), 3, F(6, 5), F(2),
                 id="03-video-coverage"),  # 1/2 x 170/200 + 1/2 x 930/1000 = (85% + 93%)/2 = 89%
    #                                        -> mature >= 80% (3) -> 2 x 3/5 = 6/5
    pytest.param(5, dict(video_solved_cases=450, video_service_score=6), F(21, 40), 3, F(6, 5),
                 F(2), id="05-video-support"),  # 1/2 x 45% + 1/2 x 6/10 = 52.5% -> 3 -> 6/5
    pytest.param(6, dict(intersections=200, e_police_points=150), F(3, 4), 3, F(9, 10), F(3, 2),
                 id="06-e-police"),  # 150/200 = 75% -> rates >= 70% (3) -> 1.5 x 3/5 = 9/10
    pytest.param(14, dict(school_wifi_coverage=0.9, multimedia_classrooms=60,
                          remote_education_coverage=0.75), F(3, 4), 3, F(9, 5), F(3),
                 id="14-school-it"),  # (90% + 60% + 75%)/3 = 75% -> rates >= 70% (3) -> 9/5
    pytest.param(29, dict(region_area=200, air_monitored_area=180, water_monitored_area=100,
                          noise_monitored_area=130), F(41, 60), 3, F(3, 2), F(5, 2),
                 id="29-environment"),  # (180 + 100 + 130)/(3 x 200) = 41/60 = 68.3% -> >= 60%
    #                                     (3) -> 2.5 x 3/5 = 3/2
    pytest.param(33, dict(spatial_mobile_app=False), F(2), 3, F(6, 5), F(2),
                 id="33-spatial-platform"),  # 2 of 3 -> >= 2 (3) -> 2 x 3/5 = 6/5
    # ---- overridden points (35-40) and bands (42, 43)
    pytest.param(35, dict(gdp=1250.0, software_revenue=62.5), F(1, 20), 3, F(9, 5), F(3),
                 id="35-software"),  # 62.5/1250 = 5% -> >= 4% (3) -> 3 x 3/5 = 9/5
    #                                  (the city's 2.5 points would give 3/2)
    pytest.param(36, dict(cloud_enterprises=120), F(3, 25), 2, F(8, 5), F(4),
                 id="36-enterprise-cloud"),  # 120/1000 = 12% -> >= 10% (2) -> 4 x 2/5 = 8/5
    pytest.param(37, dict(online_retail=100), F(1, 10), 2, F(6, 5), F(3),
                 id="37-e-commerce"),  # 100/1000 = 10% -> >= 8% (2) -> 3 x 2/5 = 6/5
    pytest.param(38, dict(operating_company=False, joint_meeting_system=False), F(3), 3,
                 F(12, 5), F(4), id="38-institutions"),  # 3 of 5 -> 3 -> 4 x 3/5 = 12/5
    pytest.param(39, dict(special_plans=False), F(3), 3, F(12, 5), F(4),
                 id="39-plans-top-only"),  # top-level plan weighs 3 -> 3 -> 4 x 3/5 = 12/5
    pytest.param(40, dict(fiscal_key_projects=False, social_capital=False), F(1), 1, F(4, 5),
                 F(4), id="40-investment"),  # 1 of 3 -> >= 1 (1) -> 4 x 1/5 = 4/5
    pytest.param(42, dict(national_pilots=1, provincial_pilots=1), F(3), 3, F(6, 5), F(2),
                 id="42-pilots"),  # 2 x 1 + 1 = 3 -> county bands >= 3 (3) -> 2 x 3/5 = 6/5
    #                                (the city's bands 1, 2, 4, 6, 9 would give 2 stars)
    pytest.param(43, dict(national_events=1, provincial_events=1, municipal_events=1), F(6), 3,
                 F(3, 5), F(1), id="43-events"),  # 3 + 2 + 1 = 6 -> >= 6 (3) -> 1 x 3/5
    pytest.param(44, dict(innovation_cases=2), F(2), 2, F(4, 5), F(2),
                 id="44-innovation"),  # 2 cases -> 2 -> 2 x 2/5 = 4/5
]


@pytest.mark.parametrize(("number", "changes", "value", "stars", "points", "max_points"),
                         REUSED_CASES)
def test_reused_indicator(std: scr.Standard, number: int, changes: dict[str, Any], value: F,
                          stars: int, points: F, max_points: F) -> None:
    assert_scored(evaluate_one(std, **changes).indicator(number), value, stars, points, max_points)


def test_reuse_gives_the_city_formula(std: scr.Standard, city: scr.Standard) -> None:
    """Every indicator taken by reference computes the same value as its city original."""
    from tests.test_city_standard import base_record as city_record

    changes: dict[str, Any] = dict(
        fibre_households=930, hd_video_areas=85, video_solved_cases=450, e_police_points=75,
        ipv6_websites=7, e_bus_stop_signs=33, multimedia_classrooms=61, appointment_visits=410,
        cloud_systems=66, shared_data_categories=77, software_revenue=37, cloud_enterprises=55,
        operating_company=False, special_plans=False, security_incidents=2, national_pilots=1,
        municipal_events=3, innovation_cases=2)
    county_result = evaluate_one(std, **changes)
    (city_result,) = city.evaluate_cohort([city_record(**changes)])
    for number, city_number in FROM_CITY.items():
        assert county_result.indicator(number).value == city_result.indicator(city_number).value
        assert county_result.indicator(number).name == city_result.indicator(city_number).name


def test_override_changes_only_what_it_names(std: scr.Standard, city: scr.Standard) -> None:
    county_15, city_17 = std.checked.indicator(15).syntax, city.checked.indicator(17).syntax
    assert county_15.value == city_17.value  # the same rank formula
    assert county_15.points == city_17.points  # the same 3 points
    assert county_15.description == "根据县(市、区)“爱山东”应用数量排名确定得分情况。"
    assert city_17.description == "根据各市“爱山东”应用数量排名确定得分情况。"
    assert county_15.stars != city_17.stars
    assert county_15.notes[: len(city_17.notes)] == city_17.notes  # notes are appended
    assert len(county_15.notes) == len(city_17.notes) + 1
    county_6, city_7 = std.checked.indicator(6), city.checked.indicator(7)
    assert county_6.syntax.description == "区域电子警察监控点数/区域路口总数。"  # annex 2: 。
    assert city_7.syntax.description == "区域电子警察监控点数/区域路口总数"
    assert county_6.bands == city_7.bands  # the city's named bands `rates`, resolved
    assert (county_6.syntax.notes, county_6.syntax.points, county_6.syntax.value) == (
        city_7.syntax.notes, city_7.syntax.points, city_7.syntax.value)


def test_rank_indicator_15_county_bands(std: scr.Standard) -> None:
    # 12 counties with 120, 110, ..., 10 apps: ranks 1..12
    records = [base_record(f"县{i + 1:02d}", aishandong_apps=10 * (12 - i)) for i in range(12)]
    results = std.evaluate_cohort(records)
    assert [r.indicator(15).value for r in results] == [F(k) for k in range(1, 13)]
    # at most 100, 70, 45, 25, 10: ranks 1-10 -> 5 (3 points), 11-12 -> 4 (3 x 4/5 = 12/5)
    assert [r.indicator(15).stars for r in results] == [5] * 10 + [4] * 2
    assert [r.indicator(15).points for r in results] == [F(3)] * 10 + [F(12, 5)] * 2


def test_indicator_34_not_applicable_is_inherited(std: scr.Standard) -> None:
    result = evaluate_one(std, key_energy_buildings=0, metered_energy_buildings=0)
    indicator = result.indicator(34)
    assert indicator.status is scr.Status.NOT_APPLICABLE
    assert result.total == F(98)  # 100 - the 2 points of indicator 34


@pytest.mark.parametrize(("incidents", "points"), [
    pytest.param(0, F(0), id="0"),     # -min(2 x 0, 10) = 0
    pytest.param(3, F(-6), id="3"),    # -min(2 x 3, 10) = -6
    pytest.param(6, F(-10), id="6"),   # -min(2 x 6, 10) = -10 (capped)
])
def test_deduction_indicator_41(std: scr.Standard, incidents: int, points: F) -> None:
    result = evaluate_one(std, security_incidents=incidents)
    indicator = result.indicator(41)
    assert indicator.status is scr.Status.DEDUCTION
    assert indicator.points == points
    assert result.total == 100 + points


def test_bonus_capped_at_4(std: scr.Standard) -> None:
    result = evaluate_one(
        std,
        national_pilots=3,                              # 42: 6 >= 6 (5) -> 2
        national_events=4,                              # 43: 12 >= 12 (5) -> 1
        innovation_cases=5,                             # 44: 5 (5) -> 2
    )
    assert [result.indicator(n).points for n in (42, 43, 44)] == [F(2), F(1), F(2)]
    assert result.group(BONUS_GROUP).points == F(4)    # 5 capped at 4
    assert result.total == F(104)


# ====================================================================== rating


def level(result: scr.Evaluation, rank: int) -> scr.LevelResult:
    assert result.rating is not None
    (found,) = [lv for lv in result.rating.levels if lv.rank == rank]
    return found


# Full marks (100) - 10 (5 incidents) - 4 (indicator 38: no item) - 1 (indicator 16: 70/100 = 70%
# -> rates 3 stars -> 2.5 x 3/5 = 1.5 of 2.5) = 85; every ★ keeps 5 stars.
EXACTLY_85 = dict(
    security_incidents=5, networked_medical_institutions=70,
    leading_group_by_mayor=False, big_data_bureau_coordinates=False, operating_company=False,
    annual_work_meeting=False, joint_meeting_system=False,
)


def test_rating_level_5_at_exactly_85(std: scr.Standard) -> None:
    result = evaluate_one(std, **EXACTLY_85)
    assert result.total == F(85)
    assert result.rating_rank == 5
    assert level(result, 5).failed == ()


def test_rating_a_leading_indicator_at_3_stars_drops_to_level_4(std: scr.Standard) -> None:
    # ★ 9 at 6/10 = 60% -> 3 stars -> 3 x 3/5 = 9/5 (6/5 less); bonus 42 at 2 x 1 + 1 = 3 -> 3
    # stars -> 2 x 3/5 = 6/5 makes up for it: 85 again, but 五星级 needs every ★ at 4 stars
    result = evaluate_one(std, **EXACTLY_85, ipv6_websites=6, national_pilots=1,
                          provincial_pilots=1)
    assert result.total == F(85)
    assert result.rating_rank == 4
    (failed,) = level(result, 5).failed
    assert failed.text == "every leading >= 4 stars"


def test_rating_total_just_below_85_is_level_4(std: scr.Standard) -> None:
    # 85 - indicator 1 at 88% (4 stars: 2 x 4/5 = 8/5, 2/5 less) = 84.6
    result = evaluate_one(std, **EXACTLY_85, fibre_households=880)
    assert result.total == F(423, 5)
    assert result.rating_rank == 4
    (failed,) = level(result, 5).failed
    assert failed.text == "total >= 85"


# ============================================================== bundled cohort


def test_bundled_cohort_spreads_over_every_level(std: scr.Standard) -> None:
    from_json = std.evaluate_cohort(scr.read_records(EXAMPLES / "county-cohort.json"))
    from_csv = std.evaluate_cohort(scr.read_records(EXAMPLES / "county-cohort.csv"))
    assert len(from_json) >= 20
    assert {e.rating_rank for e in from_json} == {0, 1, 2, 3, 4, 5}
    for a, b in zip(from_json, from_csv, strict=True):
        assert a.to_dict() == b.to_dict(), a.entity
