"""Worked examples for the city standard, standards/shandong-city-2019.scs.

Every expected number below is computed BY HAND from the seed's definition (annex 1 of
数鲁专组办发〔2019〕7号, /work/shared/seed/shandong-smart-city-pilot-plan-2019.txt) and the
(provisional) thresholds and points written in the .scs file.  None comes from library output.
The comment on each expectation shows the arithmetic:

    value -> highest star band the value reaches -> P x stars / 5 points

Star bands used below (copied from the .scs file):
    mature    at least 60%, 70%, 80%, 90%, 95%
    rates     at least 50%, 60%, 70%, 80%, 90%
    adoption  at least 20%, 35%, 50%, 65%, 80%
    emerging  at least 10%, 20%, 30%, 45%, 60%
    three_items  at least 1, 1.5, 2, 2.5, 3
    four_items   at least 1, 1.5, 2, 3, 4

`base_record()` is a full-marks city: every scored indicator at 5 stars, no bonus item,
no incident, so its total is exactly 100 (24 + 24 + 22 + 18 + 12).  Tests override the
few inputs they are about.
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
STANDARD_PATH = ROOT / "standards" / "shandong-city-2019.scs"
EXAMPLES = ROOT / "standards" / "examples"

LEADING = (10, 12, 13, 23, 27, 33)  # the ★ set of the .scs file
BONUS_GROUP = "地方特色"


@pytest.fixture(scope="module")
def std(backend: Backend) -> scr.Standard:
    return scr.load(STANDARD_PATH, backend=backend)


# ====================================================================== records


def base_record(entity: str = "A市", **changes: Any) -> dict[str, Any]:
    """A complete, valid record: every scored indicator at 5 stars, bonus items at 0, no incident.

    The per-indicator hand computation of this record is given next to each input.
    """
    record: dict[str, Any] = {
        "entity": entity,
        # ---- 一、基础设施
        "households": 1000, "fibre_households": 960,           # 1: 96% >= 95% -> 5
        "mobile_download_speed": 45,                           # 2: 45 >= 40 Mbit/s -> 5
        "weather_stations": 100, "auto_weather_stations": 96,  # 3: 96% >= 95% -> 5
        "key_public_areas": 100, "hd_video_areas": 96,         # 4: (96% + 96%)/2 -> 5
        "key_area_cameras": 1000, "intact_cameras": 960,
        "networked_cameras": 950,                              # 5: 95% >= 90% -> 5
        "solved_criminal_cases": 1000, "video_solved_cases": 800,
        "video_service_score": 8,                              # 6: (80% + 8/10)/2 = 80% >= 70% -> 5
        "intersections": 100, "e_police_points": 95,           # 7: 95% -> 5
        "broadband_200m_users": 700,                           # 8: 70% >= 60% -> 5
        "pipeline_length": 1000, "smart_pipeline_length": 700,  # 9: 70% >= 60% -> 5
        "main_websites": 10, "ipv6_websites": 10,              # 10: 100% -> 5
        "planning_area": 100, "topo_map_area": 96,             # 11: 96% >= 95% -> 5
        "fiveg_key_areas": 100, "fiveg_covered_areas": 80,     # 12: 80% >= 70% -> 5
        # ---- 二、数字惠民
        "government_services": 100, "e_license_services": 85,  # 13: 85% >= 80% -> 5
        "bus_stops": 100, "e_bus_stop_signs": 70,              # 14: 70% >= 60% -> 5
        "school_wifi_coverage": 0.95,                          # 15: (95% + 95% + 95%)/3 -> 5
        "ordinary_classrooms": 100, "multimedia_classrooms": 95,
        "remote_education_coverage": 0.95,
        "jobs_via_internet": True, "jobs_via_kiosk": True,     # 16: 6 channels -> 5
        "jobs_via_wechat": True, "jobs_via_weibo": True,
        "jobs_via_app": True, "jobs_via_hotline": True,
        "aishandong_apps": 50,                                 # 17: rank 1 when alone -> 5
        "medical_institutions": 100, "networked_medical_institutions": 95,  # 18: 95% -> 5
        "ss_transfer_online": True, "ss_qualification_online": True,  # 19: 4 items -> 5
        "ss_medical_settlement_online": True, "ss_pension_query_online": True,
        "outpatient_visits": 1000, "appointment_visits": 600,  # 20: 60% >= 50% -> 5
        "signal_timed_intersections": 85,                      # 21: 85/100 >= 80% -> 5
        "transit_trips": 1000, "e_payment_trips": 950,         # 22: 95% -> 5
        # ---- 三、数字政务
        "business_systems": 100, "cloud_systems": 95,          # 23: 95% -> 5
        "communities": 100, "grid_communities": 98,            # 24: 98% >= 98% -> 5
        "region_area": 100, "air_monitored_area": 85,          # 25: 85% >= 80% -> 5
        "water_monitored_area": 85, "noise_monitored_area": 85,
        "emergency_events": 100, "commanded_events": 95,       # 26: 95% -> 5
        "shareable_data_categories": 100, "shared_data_categories": 96,  # 27: 96% -> 5
        "openable_data_categories": 100, "open_data_categories": 60,     # 28: 60% >= 50% -> 5
        "spatial_gov_platform": True, "spatial_public_website": True,    # 29: 3 items -> 5
        "spatial_mobile_app": True,
        "credit_units": 100, "credit_sharing_units": 95,       # 30: 95% -> 5
        "key_energy_buildings": 100, "metered_energy_buildings": 85,  # 31: 85% >= 80% -> 5
        # ---- 四、数字经济
        "gdp": 1000, "software_revenue": 150,                  # 32: 15% >= 15% -> 5
        "enterprises": 1000, "cloud_enterprises": 300,         # 33: 30% >= 30% -> 5
        "digital_economy_parks": 5,                            # 34: 5 parks -> 5
        "retail_sales": 1000, "online_retail": 240,            # 35: 24% >= 24% -> 5
        "province_lianghua_pilot_enterprises": 160,
        "lianghua_pilot_enterprises": 20,                      # 36: 20/160 = 12.5% >= 12% -> 5
        "bigdata_revenue": 25,                                 # 37: 25/1000 = 2.5% -> 5
        "employment": 1000, "it_employment": 70,               # 38: 7% -> 5
        "invention_patents": 1300, "population": 1_000_000,    # 39: 13 vs 10 per 10k: +30% -> 5
        "invention_patents@previous": 1000, "population@previous": 1_000_000,
        # ---- 五、保障措施
        "leading_group_by_mayor": True, "big_data_bureau_coordinates": True,  # 40: 5 items -> 5
        "operating_company": True, "annual_work_meeting": True,
        "joint_meeting_system": True,
        "top_level_plan": True, "special_plans": True,         # 41: 3 + 2 = 5 -> 5
        "talent_training": True, "cio_system": True,           # 42: 4 items -> 5
        "talent_policy": True, "talent_exchange": True,
        "special_fund": True, "fiscal_key_projects": True,     # 43: 3 items -> 5
        "social_capital": True,
        "supported_projects": 18, "registered_legal_entities": 10_000,  # 44: 0.18% -> 5
        "security_incidents": 0,                               # 45: no deduction
        # ---- 六、地方特色 (bonus): all at 0 stars
        "national_pilots": 0, "provincial_pilots": 0,          # 46: 0 < 1 -> 0
        "national_events": 0, "provincial_events": 0,          # 47: 0 < 3 -> 0
        "municipal_events": 0, "shown_in_data_hall": False,
        "innovation_cases": 0,                                 # 48: 0 < 1 -> 0
        "smart_communities": 0,                                # 49: 0% < 5% -> 0
    }
    return changed(record, changes)


def evaluate_one(std: scr.Standard, **changes: Any) -> scr.Evaluation:
    """One record evaluated as a cohort of one (rank 1 for indicator 17)."""
    (evaluation,) = std.evaluate_cohort([base_record(**changes)])
    return evaluation


def test_base_record_is_full_marks(std: scr.Standard) -> None:
    # 24 + 24 + 22 + 18 + 12 = 100 points, every indicator at 5 stars; bonus 0; deduction 0
    result = evaluate_one(std)
    assert result.total == F(100)
    for number in range(1, 45):
        indicator = result.indicator(number)
        assert (indicator.stars, indicator.points) == (5, indicator.max_points), number
    for number in (46, 47, 48, 49):
        assert (result.indicator(number).stars, result.indicator(number).points) == (0, F(0))
    assert result.indicator(45).points == 0


def test_points_per_indicator_and_group_add_up(std: scr.Standard) -> None:
    result = evaluate_one(std)
    assert result.indicator(45).max_points is None  # a deduction has no maximum
    max_points = {i.number: i.max_points for i in result.indicators if i.max_points is not None}
    groups = {
        "基础设施": range(1, 13), "数字惠民": range(13, 23), "数字政务": range(23, 32),
        "数字经济": range(32, 40), "保障措施": range(40, 45),
    }
    # 24, 24, 22, 18, 12 points as the group headers say; bonus items 2 + 1 + 2 + 2 = 7
    for (name, numbers), expected in zip(groups.items(), (24, 24, 22, 18, 12), strict=True):
        assert sum(max_points[n] for n in numbers) == expected, name
        assert result.group(name).points == expected, name
    assert sum(max_points[n] for n in (46, 47, 48, 49)) == 7
    assert {i.number for i in result.indicators if i.leading} == set(LEADING)
    assert {i.number for i in result.indicators if i.bonus} == {46, 47, 48, 49}


# ============================================================ one example per indicator
# Rows: indicator, input overrides, value, stars, points, max points (P).
# Indicators 17 (rank), 36 (of the province's total), 39 (growth), 31 (not applicable) and 45
# (deduction) also have dedicated tests further down.

CASES = [
    # ---- 一、基础设施
    pytest.param(1, dict(fibre_households=930), F(93, 100), 4, F(8, 5), F(2),
                 id="01-fibre"),  # 930/1000 = 93% -> >= 88% (4) -> 2 x 4/5 = 8/5
    pytest.param(2, dict(mobile_download_speed=27.5), F(55, 2), 3, F(6, 5), F(2),
                 id="02-mobile-speed"),  # 27.5 Mbit/s -> >= 25 (3) -> 2 x 3/5 = 6/5
    pytest.param(3, dict(weather_stations=40, auto_weather_stations=30), F(3, 4), 2, F(3, 5),
                 F(3, 2), id="03-weather"),  # 30/40 = 75% -> mature >= 70% (2) -> 1.5 x 2/5 = 3/5
    pytest.param(4, dict(key_public_areas=200, hd_video_areas=170, intact_cameras=930),
                 F(89, 100), 3, F(6, 5), F(2),
                 id="04-video-coverage"),  # 1/2 x 170/200 + 1/2 x 930/1000 = (85% + 93%)/2 = 89%
    #                                       -> mature >= 80% (3) -> 2 x 3/5 = 6/5
    pytest.param(5, dict(networked_cameras=650), F(13, 20), 2, F(4, 5), F(2),
                 id="05-video-network"),  # 650/1000 = 65% -> rates >= 60% (2) -> 2 x 2/5 = 4/5
    pytest.param(6, dict(video_solved_cases=450, video_service_score=6), F(21, 40), 3, F(6, 5),
                 F(2), id="06-video-support"),  # 1/2 x 450/1000 + 1/2 x 6/10 = 22.5% + 30%
    #                                             = 52.5% = 21/40 -> >= 50% (3) -> 2 x 3/5 = 6/5
    pytest.param(7, dict(intersections=200, e_police_points=150), F(3, 4), 3, F(9, 10), F(3, 2),
                 id="07-e-police"),  # 150/200 = 75% -> rates >= 70% (3) -> 1.5 x 3/5 = 9/10
    pytest.param(8, dict(broadband_200m_users=450), F(9, 20), 3, F(6, 5), F(2),
                 id="08-broadband-200m"),  # 450/1000 = 45% -> >= 40% (3) -> 2 x 3/5 = 6/5
    pytest.param(9, dict(pipeline_length=1600, smart_pipeline_length=400), F(1, 4), 2, F(3, 5),
                 F(3, 2), id="09-pipelines"),  # 400/1600 = 25% -> emerging >= 20% (2)
    #                                            -> 1.5 x 2/5 = 3/5
    pytest.param(10, dict(ipv6_websites=7), F(7, 10), 3, F(9, 5), F(3),
                 id="10-ipv6"),  # 7/10 = 70% -> >= 60% (3) -> 3 x 3/5 = 9/5
    pytest.param(11, dict(planning_area=400, topo_map_area=300), F(3, 4), 3, F(9, 10), F(3, 2),
                 id="11-topo-maps"),  # 300/400 = 75% -> >= 70% (3) -> 1.5 x 3/5 = 9/10
    pytest.param(12, dict(fiveg_key_areas=120, fiveg_covered_areas=30), F(1, 4), 2, F(6, 5), F(3),
                 id="12-5g"),  # 30/120 = 25% -> >= 20% (2) -> 3 x 2/5 = 6/5
    # ---- 二、数字惠民
    pytest.param(13, dict(government_services=200, e_license_services=110), F(11, 20), 3, F(9, 5),
                 F(3), id="13-e-licence"),  # 110/200 = 55% -> adoption >= 50% (3) -> 3 x 3/5 = 9/5
    pytest.param(14, dict(bus_stops=400, e_bus_stop_signs=50), F(1, 8), 1, F(2, 5), F(2),
                 id="14-e-bus-stops"),  # 50/400 = 12.5% -> emerging >= 10% (1) -> 2 x 1/5 = 2/5
    pytest.param(15, dict(school_wifi_coverage=0.9, multimedia_classrooms=60,
                          remote_education_coverage=0.75), F(3, 4), 3, F(9, 5), F(3),
                 id="15-school-it"),  # (90% + 60/100 + 75%)/3 = 225%/3 = 75% -> rates >= 70% (3)
    #                                   -> 3 x 3/5 = 9/5
    pytest.param(16, dict(jobs_via_kiosk=False, jobs_via_weibo=False), F(4), 3, F(6, 5), F(2),
                 id="16-job-channels"),  # 4 of 6 channels -> >= 4 (3) -> 2 x 3/5 = 6/5
    pytest.param(17, dict(aishandong_apps=3), F(1), 5, F(3), F(3),
                 id="17-aishandong-alone"),  # alone in its cohort: rank 1 <= 3 (5) -> 3 points
    pytest.param(18, dict(networked_medical_institutions=55), F(11, 20), 1, F(1, 2), F(5, 2),
                 id="18-medical-network"),  # 55/100 = 55% -> rates >= 50% (1) -> 2.5 x 1/5 = 1/2
    pytest.param(19, dict(ss_pension_query_online=False), F(3), 4, F(8, 5), F(2),
                 id="19-social-security"),  # 3 of 4 -> four_items >= 3 (4) -> 2 x 4/5 = 8/5
    pytest.param(20, dict(appointment_visits=350), F(7, 20), 3, F(3, 2), F(5, 2),
                 id="20-appointments"),  # 350/1000 = 35% -> >= 30% (3) -> 2.5 x 3/5 = 3/2
    pytest.param(21, dict(signal_timed_intersections=40), F(2, 5), 2, F(4, 5), F(2),
                 id="21-signal-timing"),  # 40/100 = 40% -> adoption >= 35% (2) -> 2 x 2/5 = 4/5
    pytest.param(22, dict(e_payment_trips=820), F(41, 50), 4, F(8, 5), F(2),
                 id="22-e-payment"),  # 820/1000 = 82% -> rates >= 80% (4) -> 2 x 4/5 = 8/5
    # ---- 三、数字政务
    pytest.param(23, dict(cloud_systems=45), F(9, 20), 0, F(0), F(3),
                 id="23-gov-cloud"),  # 45/100 = 45% < 50% -> 0 stars -> 0 points
    pytest.param(24, dict(grid_communities=95), F(19, 20), 4, F(8, 5), F(2),
                 id="24-grid"),  # 95/100 = 95% -> >= 90% but < 98% (4) -> 2 x 4/5 = 8/5
    pytest.param(25, dict(region_area=200, air_monitored_area=180, water_monitored_area=100,
                          noise_monitored_area=130), F(41, 60), 3, F(3, 2), F(5, 2),
                 id="25-environment"),  # (180 + 100 + 130)/(3 x 200) = 410/600 = 41/60 = 68.3%
    #                                     -> >= 60% (3) -> 2.5 x 3/5 = 3/2
    pytest.param(26, dict(commanded_events=62), F(31, 50), 2, F(1), F(5, 2),
                 id="26-emergency"),  # 62/100 = 62% -> rates >= 60% (2) -> 2.5 x 2/5 = 1
    pytest.param(27, dict(shared_data_categories=85), F(17, 20), 3, F(9, 5), F(3),
                 id="27-data-sharing"),  # 85/100 = 85% -> mature >= 80% (3) -> 3 x 3/5 = 9/5
    pytest.param(28, dict(open_data_categories=25), F(1, 4), 2, F(1), F(5, 2),
                 id="28-open-data"),  # 25/100 = 25% -> >= 20% (2) -> 2.5 x 2/5 = 1
    pytest.param(29, dict(spatial_mobile_app=False), F(2), 3, F(6, 5), F(2),
                 id="29-spatial-platform"),  # 2 of 3 -> three_items >= 2 (3) -> 2 x 3/5 = 6/5
    pytest.param(30, dict(credit_units=40, credit_sharing_units=30), F(3, 4), 3, F(3, 2), F(5, 2),
                 id="30-credit-sharing"),  # 30/40 = 75% -> rates >= 70% (3) -> 2.5 x 3/5 = 3/2
    pytest.param(31, dict(key_energy_buildings=120, metered_energy_buildings=30), F(1, 4), 1,
                 F(2, 5), F(2), id="31-energy-metering"),  # 30/120 = 25% -> adoption >= 20% (1)
    #                                                        -> 2 x 1/5 = 2/5
    # ---- 四、数字经济
    pytest.param(32, dict(gdp=1250.0, software_revenue=62.5), F(1, 20), 3,
                 F(3, 2), F(5, 2), id="32-software"),  # 62.5/1250 = 5% -> >= 4% (3)
    #                                                    -> 2.5 x 3/5 = 3/2
    pytest.param(33, dict(cloud_enterprises=120), F(3, 25), 2, F(6, 5), F(3),
                 id="33-enterprise-cloud"),  # 120/1000 = 12% -> >= 10% (2) -> 3 x 2/5 = 6/5
    pytest.param(34, dict(digital_economy_parks=3), F(3), 3, F(6, 5), F(2),
                 id="34-parks"),  # 3 parks -> >= 3 (3) -> 2 x 3/5 = 6/5
    pytest.param(35, dict(online_retail=100), F(1, 10), 2, F(4, 5), F(2),
                 id="35-e-commerce"),  # 100/1000 = 10% -> >= 8% (2) -> 2 x 2/5 = 4/5
    pytest.param(35, dict(online_retail=1200), F(6, 5), 5, F(2), F(2),
                 id="35-online-above-retail"),  # 1200/1000 = 120% (allowed: not a part) -> 5 -> 2
    pytest.param(36, dict(lianghua_pilot_enterprises=7), F(7, 160), 2, F(4, 5), F(2),
                 id="36-lianghua"),  # 7/160 = 4.375% of the province -> >= 4% (2) -> 2 x 2/5 = 4/5
    pytest.param(37, dict(bigdata_revenue=12), F(3, 250), 3, F(6, 5), F(2),
                 id="37-big-data"),  # 12/1000 = 1.2% -> >= 1% (3) -> 2 x 3/5 = 6/5
    pytest.param(38, dict(it_employment=40), F(1, 25), 3, F(6, 5), F(2),
                 id="38-it-employment"),  # 40/1000 = 4% -> >= 3% (3) -> 2 x 3/5 = 6/5
    pytest.param(39, dict(invention_patents=1120), F(3, 25), 2, F(1), F(5, 2),
                 id="39-patent-growth"),  # 1120/1e6 x 1e4 = 11.2 vs 10 per 10k: 1.2/10 = 12%
    #                                       -> >= 10% (2) -> 2.5 x 2/5 = 1
    # ---- 五、保障措施
    pytest.param(40, dict(operating_company=False, joint_meeting_system=False), F(3), 3, F(3, 2),
                 F(5, 2), id="40-institutions"),  # 3 of 5 -> >= 3 (3) -> 2.5 x 3/5 = 3/2
    pytest.param(41, dict(top_level_plan=False), F(2), 2, F(1), F(5, 2),
                 id="41-plans-special-only"),  # special plans only: 2 -> >= 2 (2) -> 2.5 x 2/5 = 1
    pytest.param(41, dict(special_plans=False), F(3), 3, F(3, 2), F(5, 2),
                 id="41-plans-top-only"),  # top-level plan only: 3 -> >= 3 (3) -> 2.5 x 3/5 = 3/2
    pytest.param(42, dict(cio_system=False, talent_exchange=False), F(2), 3, F(6, 5), F(2),
                 id="42-talent"),  # 2 of 4 -> four_items >= 2 (3) -> 2 x 3/5 = 6/5
    pytest.param(43, dict(fiscal_key_projects=False, social_capital=False), F(1), 1, F(1, 2),
                 F(5, 2), id="43-investment"),  # 1 of 3 -> three_items >= 1 (1) -> 2.5 x 1/5 = 1/2
    pytest.param(44, dict(supported_projects=10), F(1, 1000), 2, F(1), F(5, 2),
                 id="44-projects"),  # 10/10000 = 0.10% -> >= 0.08% (2) -> 2.5 x 2/5 = 1
    # ---- 六、地方特色 (bonus)
    pytest.param(46, dict(national_pilots=2, provincial_pilots=1), F(5), 3, F(6, 5), F(2),
                 id="46-pilots"),  # 2 x 2 + 1 = 5 -> >= 4 (3) -> 2 x 3/5 = 6/5
    pytest.param(47, dict(national_events=1, provincial_events=2, municipal_events=3,
                          shown_in_data_hall=True), F(13), 3, F(3, 5), F(1),
                 id="47-events"),  # 3 x 1 + 2 x 2 + 3 + 3 (data hall) = 13 -> >= 10 (3)
    #                                -> 1 x 3/5 = 3/5
    pytest.param(48, dict(innovation_cases=2), F(2), 2, F(4, 5), F(2),
                 id="48-innovation"),  # 2 cases -> >= 2 (2) -> 2 x 2/5 = 4/5
    pytest.param(49, dict(smart_communities=30), F(3, 10), 4, F(8, 5), F(2),
                 id="49-smart-communities"),  # 30/100 = 30% -> >= 28% (4) -> 2 x 4/5 = 8/5
]


def test_every_indicator_has_a_worked_example() -> None:
    covered = {case.values[0] for case in CASES} | {45}  # 45: test_deduction below
    assert covered == set(range(1, 50))


@pytest.mark.parametrize(("number", "changes", "value", "stars", "points", "max_points"), CASES)
def test_indicator(std: scr.Standard, number: int, changes: dict[str, Any], value: F, stars: int,
                   points: F, max_points: F) -> None:
    assert_scored(evaluate_one(std, **changes).indicator(number), value, stars, points, max_points)


# ================================================================ exact boundaries


@pytest.mark.parametrize(("fibre", "value", "stars", "points"), [
    pytest.param(8800, F(88, 100), 4, F(8, 5), id="88%"),      # exactly 88% -> 4 -> 2 x 4/5
    pytest.param(8799, F(8799, 10000), 3, F(6, 5), id="87.99%"),  # just below -> >= 80% (3) -> 6/5
    pytest.param(9500, F(95, 100), 5, F(2), id="95%"),          # exactly 95% -> 5 -> 2
    pytest.param(5999, F(5999, 10000), 0, F(0), id="59.99%"),   # below 60% -> 0 -> 0
])
def test_boundary_indicator_1(std: scr.Standard, fibre: int, value: F, stars: int,
                              points: F) -> None:
    result = evaluate_one(std, households=10_000, fibre_households=fibre).indicator(1)
    assert (result.value, result.stars, result.points) == (value, stars, points)


@pytest.mark.parametrize("ninety", [
    pytest.param(F(9, 10), id="fraction"),
    pytest.param(0.9, id="float"),
    pytest.param("0.9", id="decimal-string"),
    pytest.param("90%", id="percent-string"),
])
def test_boundary_weighted_indicator_15(std: scr.Standard, ninety: Any) -> None:
    # 1/3 x 0.9 + 1/3 x 90/100 + 1/3 x 0.9 = 0.9 exactly -> rates >= 90% (5) -> 3 x 5/5 = 3
    # (in binary floating point 0.9/3*3 or 0.9*(1/3)*3 need not be 0.9: exact arithmetic is needed)
    result = evaluate_one(std, school_wifi_coverage=ninety, multimedia_classrooms=90,
                          remote_education_coverage=ninety).indicator(15)
    assert (result.value, result.stars, result.points) == (F(9, 10), 5, F(3))


def test_boundary_weighted_indicator_15_just_below(std: scr.Standard) -> None:
    # (0.9 + 899/1000 + 0.9)/3 = 2.699/3 = 2699/3000 < 0.9 -> rates >= 80% (4) -> 3 x 4/5 = 12/5
    result = evaluate_one(std, school_wifi_coverage=0.9, ordinary_classrooms=1000,
                          multimedia_classrooms=899, remote_education_coverage=0.9).indicator(15)
    assert (result.value, result.stars, result.points) == (F(2699, 3000), 4, F(12, 5))


@pytest.mark.parametrize(("video_service_score", "value", "stars", "points"), [
    pytest.param(5.5, F(1, 2), 3, F(6, 5), id="50%"),  # 1/2 x 45% + 1/2 x 5.5/10 = 50% -> 3 -> 6/5
    pytest.param(5.4, F(99, 200), 2, F(4, 5), id="49.5%"),  # 22.5% + 27% = 49.5% -> >= 40% (2) -> 4/5
])
def test_boundary_weighted_indicator_6(std: scr.Standard, video_service_score: float, value: F,
                                       stars: int, points: F) -> None:
    result = evaluate_one(std, video_solved_cases=450,
                          video_service_score=video_service_score).indicator(6)
    assert (result.value, result.stars, result.points) == (value, stars, points)


@pytest.mark.parametrize(("projects", "value", "stars", "points"), [
    pytest.param(18, F(18, 10000), 5, F(5, 2), id="0.18%"),  # exactly 0.18% -> 5 -> 2.5
    pytest.param(17, F(17, 10000), 4, F(2), id="0.17%"),     # >= 0.14% (4) -> 2.5 x 4/5 = 2
    pytest.param(5, F(5, 10000), 1, F(1, 2), id="0.05%"),    # exactly 0.05% -> 1 -> 2.5 x 1/5 = 1/2
    pytest.param(4, F(4, 10000), 0, F(0), id="0.04%"),       # below 0.05% -> 0
])
def test_boundary_small_percent_indicator_44(std: scr.Standard, projects: int, value: F,
                                             stars: int, points: F) -> None:
    result = evaluate_one(std, supported_projects=projects,
                          registered_legal_entities=10_000).indicator(44)
    assert (result.value, result.stars, result.points) == (value, stars, points)


def test_boundary_float_division_indicator_37(std: scr.Standard) -> None:
    # 0.2 / 100 = 0.2% exactly -> >= 0.2% (1) -> 2 x 1/5 = 2/5
    result = evaluate_one(std, gdp=100, software_revenue=15, bigdata_revenue=0.2).indicator(37)
    assert (result.value, result.stars, result.points) == (F(1, 500), 1, F(2, 5))


def test_boundary_checklist_indicator_19(std: scr.Standard) -> None:
    # four_items = at least 1, 1.5, 2, 3, 4: 2 items -> 3 stars (the 1.5 band is passed over)
    result = evaluate_one(std, ss_transfer_online=False, ss_pension_query_online=False)
    assert (result.indicator(19).value, result.indicator(19).stars) == (F(2), 3)
    assert result.indicator(19).points == F(6, 5)  # 2 x 3/5


# ====================================================================== deduction


@pytest.mark.parametrize(("incidents", "points"), [
    pytest.param(0, F(0), id="0"),     # -min(2 x 0, 10) = 0
    pytest.param(1, F(-2), id="1"),    # -min(2 x 1, 10) = -2
    pytest.param(5, F(-10), id="5"),   # -min(2 x 5, 10) = -10
    pytest.param(6, F(-10), id="6"),   # -min(2 x 6, 10) = -10 (capped)
])
def test_deduction_indicator_45(std: scr.Standard, incidents: int, points: F) -> None:
    result = evaluate_one(std, security_incidents=incidents)
    indicator = result.indicator(45)
    assert indicator.status is scr.Status.DEDUCTION
    assert (indicator.value, indicator.stars, indicator.points) == (F(incidents), None, points)
    assert result.total == 100 + points  # full-marks base 100 plus the (negative) deduction


# ========================================================================= bonus


def test_bonus_capped_at_5(std: scr.Standard) -> None:
    result = evaluate_one(
        std,
        national_pilots=5, provincial_pilots=0,          # 46: 10 >= 9 (5) -> 2
        national_events=5, shown_in_data_hall=True,      # 47: 15 + 3 = 18 >= 15 (4) -> 4/5
        innovation_cases=5,                              # 48: 5 (5) -> 2
        smart_communities=35,                            # 49: 35% (5) -> 2
    )
    points = [result.indicator(n).points for n in (46, 47, 48, 49)]
    assert points == [F(2), F(4, 5), F(2), F(2)]          # 2 + 4/5 + 2 + 2 = 34/5 > 5
    assert result.group(BONUS_GROUP).points == F(5)       # capped at 5
    assert result.total == F(105)                         # 100 + 5


def test_bonus_below_cap_is_added_whole(std: scr.Standard) -> None:
    result = evaluate_one(std, national_pilots=1, provincial_pilots=0,  # 46: 2 >= 2 (2) -> 4/5
                          innovation_cases=3)                            # 48: 3 (3) -> 6/5
    assert result.group(BONUS_GROUP).points == F(2)       # 4/5 + 6/5 = 2 < 5
    assert result.total == F(102)                         # 100 + 2


# ==================================================================== rank (17)


def cohort(field: str, values: list[Any]) -> list[dict[str, Any]]:
    return [base_record(f"城{i + 1:02d}", **{field: v}) for i, v in enumerate(values)]


def test_rank_indicator_17_ties_share_the_best_rank(std: scr.Standard) -> None:
    records = cohort("aishandong_apps", [300, 200, 200, 100])
    results = std.evaluate_cohort(records)
    # rank = 1 + number of cities with strictly more apps: 1, 2, 2, 4 (competition ranking)
    assert [r.indicator(17).value for r in results] == [F(1), F(2), F(2), F(4)]
    # at most 16, 12, 8, 5, 3: ranks 1 and 2 <= 3 (5 -> 3 points); rank 4 <= 5 (4 -> 3 x 4/5)
    assert [r.indicator(17).stars for r in results] == [5, 5, 5, 4]
    assert [r.indicator(17).points for r in results] == [F(3), F(3), F(3), F(12, 5)]
    assert [r.entity for r in results] == ["城01", "城02", "城03", "城04"]  # input order kept


def test_rank_indicator_17_every_band(std: scr.Standard) -> None:
    # 17 cities with 170, 160, ..., 10 apps: ranks 1..17, no ties
    records = cohort("aishandong_apps", [10 * (17 - i) for i in range(17)])
    results = std.evaluate_cohort(records)
    assert [r.indicator(17).value for r in results] == [F(k) for k in range(1, 18)]
    # at most 16, 12, 8, 5, 3:  1-3 -> 5, 4-5 -> 4, 6-8 -> 3, 9-12 -> 2, 13-16 -> 1, 17 -> 0
    expected_stars = [5] * 3 + [4] * 2 + [3] * 3 + [2] * 4 + [1] * 4 + [0]
    assert [r.indicator(17).stars for r in results] == expected_stars
    assert [r.indicator(17).points for r in results] == [F(3 * s, 5) for s in expected_stars]


def test_rank_needs_a_cohort(std: scr.Standard) -> None:
    records = cohort("aishandong_apps", [300, 200, 200, 100])
    with pytest.raises(scr.CohortRequired):
        std.evaluate(records[3])
    single = std.evaluate(records[3], cohort=records)
    assert single.indicator(17).value == F(4)  # 3 cities have more apps than 100
    assert single == std.evaluate_cohort(records)[3]


# ================================================================ province's total (36)


def test_indicator_36_divides_by_the_province_total(std: scr.Standard) -> None:
    # The seed: 区域拥有的…试点企业数 / 全省国家及省级试点企业数.  Five cities hold 150 + 30 + 15
    # + 10 + 2 = 207 of the province's 250 firms (the rest are in counties no city counts).
    records = [base_record(f"城{i + 1:02d}", lianghua_pilot_enterprises=firms,
                           province_lianghua_pilot_enterprises=250)
               for i, firms in enumerate([150, 30, 15, 10, 2])]
    results = std.evaluate_cohort(records)
    # 150/250 = 60%, 30/250 = 12%, 15/250 = 6%, 10/250 = 4%, 2/250 = 0.8%
    assert [r.indicator(36).value for r in results] == [
        F(3, 5), F(3, 25), F(3, 50), F(1, 25), F(1, 125)]
    # at least 2%, 4%, 6%, 9%, 12%: 60% -> 5, 12% -> 5 (exact), 6% -> 3 (exact), 4% -> 2 (exact),
    # 0.8% -> 0
    assert [r.indicator(36).stars for r in results] == [5, 5, 3, 2, 0]
    # 2 x stars/5: 2, 2, 6/5, 4/5, 0
    assert [r.indicator(36).points for r in results] == [F(2), F(2), F(6, 5), F(4, 5), F(0)]
    # 207/250: the cities' values add up to their part of the province, not to 100%
    assert sum(r.indicator(36).value or F(0) for r in results) == F(207, 250)
    # Not a cohort effect: each city scored alone gets the same value (a share of the cohort's
    # sum would have been 100%).
    for record, result in zip(records, results, strict=True):
        (alone,) = std.evaluate_cohort([record])
        assert alone.indicator(36).value == result.indicator(36).value


def test_indicator_36_more_firms_than_the_province_is_bad_data(std: scr.Standard) -> None:
    # 251 > 250: a part above its whole
    with pytest.raises(scr.InvalidValue):
        evaluate_one(std, lianghua_pilot_enterprises=251, province_lianghua_pilot_enterprises=250)


# ================================================================== growth (39)


def test_growth_indicator_39_per_ten_thousand_people(std: scr.Standard) -> None:
    result = evaluate_one(std, **{
        "invention_patents": 2415, "population": 2_100_000,
        "invention_patents@previous": 1800, "population@previous": 1_800_000,
    }).indicator(39)
    # now 2415/2100000 x 10000 = 11.5; before 1800/1800000 x 10000 = 10
    # growth (11.5 - 10)/10 = 15% -> >= 15% (3) -> 2.5 x 3/5 = 3/2
    # (the raw patent count grew (2415 - 1800)/1800 = 34%: it would have given 5 stars)
    assert (result.value, result.stars, result.points) == (F(3, 20), 3, F(3, 2))


def test_growth_indicator_39_negative(std: scr.Standard) -> None:
    result = evaluate_one(std, invention_patents=900).indicator(39)
    # 9 vs 10 per 10k people: (9 - 10)/10 = -10% < 5% -> 0 stars -> 0 points
    assert (result.value, result.stars, result.points) == (F(-1, 10), 0, F(0))


def test_growth_needs_previous_values(std: scr.Standard) -> None:
    record = base_record()
    del record["population@previous"]
    with pytest.raises(scr.MissingInput):
        std.evaluate_cohort([record])


# ========================================================== not applicable (31)


def test_indicator_31_not_applicable_without_key_buildings(std: scr.Standard) -> None:
    result = evaluate_one(std, key_energy_buildings=0, metered_energy_buildings=0)
    indicator = result.indicator(31)
    assert indicator.status is scr.Status.NOT_APPLICABLE
    assert (indicator.value, indicator.stars, indicator.points) == (None, None, F(0))
    assert result.total == F(98)  # 100 - the 2 points indicator 31 would have given


# ====================================================================== rating


def rating(result: scr.Evaluation) -> scr.RatingResult:
    assert result.rating is not None  # the standard has a rating rule
    return result.rating


def level(result: scr.Evaluation, rank: int) -> scr.LevelResult:
    (found,) = [lv for lv in rating(result).levels if lv.rank == rank]
    return found


# Full-marks base (100) - 10 (5 incidents) - 2.5 (indicator 40: no item) - 2.5 (indicator 41:
# no plan) = 85; every ★ (10, 12, 13, 23, 27, 33) keeps 5 stars.
EXACTLY_85 = dict(
    security_incidents=5,
    leading_group_by_mayor=False, big_data_bureau_coordinates=False, operating_company=False,
    annual_work_meeting=False, joint_meeting_system=False,
    top_level_plan=False, special_plans=False,
)


def test_rating_total_85_all_leading_at_least_4_is_level_5(std: scr.Standard) -> None:
    result = evaluate_one(std, **EXACTLY_85)
    assert result.indicator(45).points == F(-10)
    assert (result.indicator(40).points, result.indicator(41).points) == (F(0), F(0))
    assert result.total == F(85)
    assert all(result.indicator(n).stars == 5 for n in LEADING)
    assert result.rating_rank == 5
    assert (rating(result).rank, rating(result).name) == (5, "五星级")
    assert level(result, 5).reached and level(result, 5).failed == ()


def test_rating_one_leading_at_3_stars_drops_to_level_4(std: scr.Standard) -> None:
    # ★ 10 at 6/10 = 60% -> 3 stars -> 3 x 3/5 = 9/5, 6/5 less than its 3 points; compensated by
    # bonus 46 at 2 x 2 + 0 = 4 >= 4 (3) -> 2 x 3/5 = 6/5: total 85 - 6/5 + 6/5 = 85 again
    result = evaluate_one(std, **EXACTLY_85, ipv6_websites=6, national_pilots=2)
    assert (result.indicator(10).stars, result.indicator(10).points) == (3, F(9, 5))
    assert result.indicator(46).points == F(6, 5)
    assert result.total == F(85)
    assert result.rating_rank == 4
    assert (rating(result).rank, rating(result).name) == (4, "四星级")
    five = level(result, 5)
    assert not five.reached
    assert len(five.failed) == 1  # the total (85 >= 85) holds; the ★ requirement does not
    (failed,) = five.failed
    assert "leading" in failed.text and not failed.held
    assert "10" in failed.actual  # it names the ★ indicator that fell short
    assert [r.held for r in five.requirements if "total" in r.text] == [True]
    assert level(result, 4).reached and level(result, 4).failed == ()


def test_rating_total_just_below_85_is_level_4(std: scr.Standard) -> None:
    # 85 - indicator 2 at 38 Mbit/s (>= 30: 4 stars, 2 x 4/5 = 8/5, 2/5 less) = 84.6
    result = evaluate_one(std, **{**EXACTLY_85, "mobile_download_speed": 38})
    assert result.total == F(423, 5)  # 84.6
    assert result.rating_rank == 4
    (failed,) = level(result, 5).failed
    assert "total" in failed.text and not failed.held


def test_rating_lower_levels(std: scr.Standard) -> None:
    # Every input that feeds a rate, count or checklist of indicators 1-44 set to 0 (39: patents
    # 10 vs 10 per 10k people = 0% growth; 36: 0 of the province's 160 firms).  Alone in the
    # cohort, 17 (rank 1 -> 5 stars -> 3) still scores: total 3.
    zero = dict(
        fibre_households=0, mobile_download_speed=0, auto_weather_stations=0, hd_video_areas=0,
        intact_cameras=0, networked_cameras=0, video_solved_cases=0, video_service_score=0,
        e_police_points=0, broadband_200m_users=0, smart_pipeline_length=0, ipv6_websites=0,
        topo_map_area=0, fiveg_covered_areas=0, e_license_services=0, e_bus_stop_signs=0,
        school_wifi_coverage=0, multimedia_classrooms=0, remote_education_coverage=0,
        jobs_via_internet=False, jobs_via_kiosk=False, jobs_via_wechat=False,
        jobs_via_weibo=False, jobs_via_app=False, jobs_via_hotline=False,
        networked_medical_institutions=0, ss_transfer_online=False,
        ss_qualification_online=False, ss_medical_settlement_online=False,
        ss_pension_query_online=False, appointment_visits=0, signal_timed_intersections=0,
        e_payment_trips=0, cloud_systems=0, grid_communities=0, air_monitored_area=0,
        water_monitored_area=0, noise_monitored_area=0, commanded_events=0,
        shared_data_categories=0, open_data_categories=0, spatial_gov_platform=False,
        spatial_public_website=False, spatial_mobile_app=False, credit_sharing_units=0,
        metered_energy_buildings=0, software_revenue=0, cloud_enterprises=0,
        digital_economy_parks=0, online_retail=0, lianghua_pilot_enterprises=0,
        bigdata_revenue=0, it_employment=0, invention_patents=1000,
        leading_group_by_mayor=False, big_data_bureau_coordinates=False,
        operating_company=False, annual_work_meeting=False, joint_meeting_system=False,
        top_level_plan=False, special_plans=False, talent_training=False, cio_system=False,
        talent_policy=False, talent_exchange=False, special_fund=False,
        fiscal_key_projects=False, social_capital=False, supported_projects=0,
    )
    result = evaluate_one(std, **zero)
    assert result.total == F(3)
    assert result.rating_rank == 0  # 3 < 25: no level
    assert not any(lv.reached for lv in rating(result).levels)

    # Group 一 (indicators 1-12) back to the base values: 3 + 24 = 27 >= 25 -> level 1
    group_1 = {key: base_record()[key] for key in (
        "fibre_households", "mobile_download_speed", "auto_weather_stations", "hd_video_areas",
        "intact_cameras", "networked_cameras", "video_solved_cases", "video_service_score",
        "e_police_points", "broadband_200m_users", "smart_pipeline_length", "ipv6_websites",
        "topo_map_area", "fiveg_covered_areas")}
    result = evaluate_one(std, **{**zero, **group_1})
    assert result.total == F(27)
    assert result.rating_rank == 1

    # ... with 5 incidents (-10) and bonus 2 + 2 + 2 = 6 capped at 5 (46: 2 x 5 = 10 >= 9,
    # 48: 5 cases, 49: 35/100 = 35%, each 5 stars x 2 points): 27 - 10 + 5 = 22 < 25 -> no level
    result = evaluate_one(std, **{**zero, **group_1}, security_incidents=5, national_pilots=5,
                          innovation_cases=5, smart_communities=35)
    assert result.total == F(22)
    assert result.rating_rank == 0


def test_rating_level_3_needs_leading_at_2_stars(std: scr.Standard) -> None:
    # base 100; ★ 23 at 55/100 = 55% -> rates >= 50% (1) -> 3 x 1/5 = 3/5: total 100 - 3 + 3/5
    # = 97.6 >= 85, but a ★ at 1 star fails levels 5, 4 and 3; level 2 (total >= 40) holds
    result = evaluate_one(std, cloud_systems=55)
    assert result.total == F(488, 5)  # 97.6
    assert result.rating_rank == 2
    for rank in (5, 4, 3):
        (failed,) = level(result, rank).failed
        assert "leading" in failed.text
    assert level(result, 2).reached


def test_rating_level_3_with_a_leading_indicator_at_2_stars(std: scr.Standard) -> None:
    # ★ 23 at 60/100 = 60% -> rates >= 60% (2) -> 3 x 2/5 = 6/5: total 100 - 3 + 6/5 = 98.2;
    # levels 5 and 4 fail on the ★ requirement, level 3 (total >= 55, every ★ >= 2) holds
    result = evaluate_one(std, cloud_systems=60)
    assert result.total == F(491, 5)  # 98.2
    assert result.rating_rank == 3
    assert (rating(result).rank, rating(result).name) == (3, "三星级")


# ======================================================================= inputs


def test_missing_and_unknown_inputs(std: scr.Standard) -> None:
    record = base_record()
    del record["households"]
    with pytest.raises(scr.MissingInput):
        std.evaluate_cohort([record])
    with pytest.raises(scr.UnknownInput):
        std.evaluate_cohort([base_record() | {"househods": 1000}])


# ============================================================ bundled cohort: CSV == JSON


def test_bundled_cohort_csv_and_json_agree(std: scr.Standard) -> None:
    from_json = std.evaluate_cohort(scr.read_records(EXAMPLES / "city-cohort.json"))
    from_csv = std.evaluate_cohort(scr.read_records(EXAMPLES / "city-cohort.csv"))
    assert len(from_json) == len(from_csv) == 16
    assert [e.entity for e in from_json] == [e.entity for e in from_csv]
    for a, b in zip(from_json, from_csv, strict=True):
        assert a.total == b.total, a.entity
        assert a.rating_rank == b.rating_rank, a.entity
        assert a.indicators == b.indicators, a.entity
        assert a.to_dict() == b.to_dict(), a.entity
