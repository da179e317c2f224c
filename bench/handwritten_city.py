"""A hand-written, plain-Python scorer for standards/shandong-city-2019.scs.

This is the baseline the benchmark compares the library against: the code a competent developer
would write by hand from the .scs file, without the library.  Ordinary float arithmetic,
straight-line code, no input validation beyond what the formulas need.

    score_cohort(records) -> [{"entity", "stars": {n: int | None}, "points": {n: float},
                               "total": float, "rating": int}, ...]

`rating` is 0 when no level's requirements hold ("unrated"), as the library's `rating_rank`.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from typing import Any

Record = dict[str, Any]

LEADING = (10, 12, 13, 23, 27, 33)  # the ★ indicators
BONUS = (46, 47, 48, 49)  # bonus group "地方特色"
BONUS_CAP = 5.0


# ---------------------------------------------------------------- helpers

def stars_at_least(v: float, t1: float, t2: float, t3: float, t4: float, t5: float) -> int:
    """The largest k with v >= tk (0 below t1)."""
    if v >= t5:
        return 5
    if v >= t4:
        return 4
    if v >= t3:
        return 3
    if v >= t2:
        return 2
    if v >= t1:
        return 1
    return 0


def stars_at_most(v: float, t1: float, t2: float, t3: float, t4: float, t5: float) -> int:
    """The largest k with v <= tk (0 above t1)."""
    if v <= t5:
        return 5
    if v <= t4:
        return 4
    if v <= t3:
        return 3
    if v <= t2:
        return 2
    if v <= t1:
        return 1
    return 0


def round2(x: float) -> float:
    """Half-up (away from zero) to 2 decimals."""
    if x < 0:
        return -math.floor(-x * 100 + 0.5) / 100
    return math.floor(x * 100 + 0.5) / 100


# Named bands of the standard.
def mature(v: float) -> int:
    return stars_at_least(v, 0.60, 0.70, 0.80, 0.90, 0.95)


def rates(v: float) -> int:
    return stars_at_least(v, 0.50, 0.60, 0.70, 0.80, 0.90)


def adoption(v: float) -> int:
    return stars_at_least(v, 0.20, 0.35, 0.50, 0.65, 0.80)


def emerging(v: float) -> int:
    return stars_at_least(v, 0.10, 0.20, 0.30, 0.45, 0.60)


def three_items(v: float) -> int:
    return stars_at_least(v, 1, 1.5, 2, 2.5, 3)


def four_items(v: float) -> int:
    return stars_at_least(v, 1, 1.5, 2, 3, 4)


# ---------------------------------------------------------------- one city

def _stars(r: Record, rank17: int) -> dict[int, int | None]:
    """Star level of every star-scored indicator (45 is a deduction and has none)."""
    s: dict[int, int | None] = {}
    # 一、基础设施
    s[1] = stars_at_least(r["fibre_households"] / r["households"], 0.60, 0.70, 0.80, 0.88, 0.95)
    s[2] = stars_at_least(r["mobile_download_speed"], 15, 20, 25, 30, 40)
    s[3] = mature(r["auto_weather_stations"] / r["weather_stations"])
    s[4] = mature(0.5 * (r["hd_video_areas"] / r["key_public_areas"])
                  + 0.5 * (r["intact_cameras"] / r["key_area_cameras"]))
    s[5] = rates(r["networked_cameras"] / r["key_area_cameras"])
    s[6] = stars_at_least(0.5 * (r["video_solved_cases"] / r["solved_criminal_cases"])
                          + 0.5 * (r["video_service_score"] / 10),
                          0.30, 0.40, 0.50, 0.60, 0.70)
    s[7] = rates(r["e_police_points"] / r["intersections"])
    s[8] = stars_at_least(r["broadband_200m_users"] / r["households"], 0.20, 0.30, 0.40, 0.50, 0.60)
    s[9] = emerging(r["smart_pipeline_length"] / r["pipeline_length"])
    s[10] = stars_at_least(r["ipv6_websites"] / r["main_websites"], 0.20, 0.40, 0.60, 0.80, 1.00)
    s[11] = stars_at_least(r["topo_map_area"] / r["planning_area"], 0.50, 0.60, 0.70, 0.85, 0.95)
    s[12] = stars_at_least(r["fiveg_covered_areas"] / r["fiveg_key_areas"],
                           0.10, 0.20, 0.35, 0.50, 0.70)
    # 二、数字惠民
    s[13] = adoption(r["e_license_services"] / r["government_services"])
    s[14] = emerging(r["e_bus_stop_signs"] / r["bus_stops"])
    s[15] = rates(r["school_wifi_coverage"] / 3
                  + (r["multimedia_classrooms"] / r["ordinary_classrooms"]) / 3
                  + r["remote_education_coverage"] / 3)
    jobs = (r["jobs_via_internet"] + r["jobs_via_kiosk"] + r["jobs_via_wechat"]
            + r["jobs_via_weibo"] + r["jobs_via_app"] + r["jobs_via_hotline"])
    s[16] = stars_at_least(jobs, 2, 3, 4, 5, 6)
    s[17] = stars_at_most(rank17, 16, 12, 8, 5, 3)
    s[18] = rates(r["networked_medical_institutions"] / r["medical_institutions"])
    s[19] = four_items(r["ss_transfer_online"] + r["ss_qualification_online"]
                       + r["ss_medical_settlement_online"] + r["ss_pension_query_online"])
    s[20] = stars_at_least(r["appointment_visits"] / r["outpatient_visits"],
                           0.10, 0.20, 0.30, 0.40, 0.50)
    s[21] = adoption(r["signal_timed_intersections"] / r["intersections"])
    s[22] = rates(r["e_payment_trips"] / r["transit_trips"])
    # 三、数字政务
    s[23] = rates(r["cloud_systems"] / r["business_systems"])
    s[24] = stars_at_least(r["grid_communities"] / r["communities"], 0.60, 0.70, 0.80, 0.90, 0.98)
    area = r["region_area"]
    s[25] = stars_at_least(r["air_monitored_area"] / area / 3
                           + r["water_monitored_area"] / area / 3
                           + r["noise_monitored_area"] / area / 3,
                           0.30, 0.45, 0.60, 0.70, 0.80)
    s[26] = rates(r["commanded_events"] / r["emergency_events"])
    s[27] = mature(r["shared_data_categories"] / r["shareable_data_categories"])
    s[28] = stars_at_least(r["open_data_categories"] / r["openable_data_categories"],
                           0.10, 0.20, 0.30, 0.40, 0.50)
    s[29] = three_items(r["spatial_gov_platform"] + r["spatial_public_website"]
                        + r["spatial_mobile_app"])
    s[30] = rates(r["credit_sharing_units"] / r["credit_units"])
    if r["key_energy_buildings"] == 0:  # on zero denominator: not applicable
        s[31] = None
    else:
        s[31] = adoption(r["metered_energy_buildings"] / r["key_energy_buildings"])
    # 四、数字经济
    s[32] = stars_at_least(r["software_revenue"] / r["gdp"], 0.01, 0.02, 0.04, 0.08, 0.15)
    s[33] = stars_at_least(r["cloud_enterprises"] / r["enterprises"], 0.05, 0.10, 0.15, 0.20, 0.30)
    s[34] = stars_at_least(r["digital_economy_parks"], 1, 2, 3, 4, 5)
    s[35] = stars_at_least(r["online_retail"] / r["retail_sales"], 0.04, 0.08, 0.12, 0.17, 0.24)
    s[36] = stars_at_least(r["lianghua_pilot_enterprises"] / r["province_lianghua_pilot_enterprises"],
                           0.02, 0.04, 0.06, 0.09, 0.12)
    s[37] = stars_at_least(r["bigdata_revenue"] / r["gdp"], 0.002, 0.005, 0.01, 0.015, 0.025)
    s[38] = stars_at_least(r["it_employment"] / r["employment"], 0.01, 0.02, 0.03, 0.05, 0.07)
    now = r["invention_patents"] / r["population"] * 10000
    before = r["invention_patents@previous"] / r["population@previous"] * 10000
    s[39] = stars_at_least((now - before) / before, 0.05, 0.10, 0.15, 0.20, 0.30)
    # 五、保障措施
    s[40] = stars_at_least(r["leading_group_by_mayor"] + r["big_data_bureau_coordinates"]
                           + r["operating_company"] + r["annual_work_meeting"]
                           + r["joint_meeting_system"], 1, 2, 3, 4, 5)
    s[41] = stars_at_least(3 * r["top_level_plan"] + 2 * r["special_plans"], 1, 2, 3, 4, 5)
    s[42] = four_items(r["talent_training"] + r["cio_system"] + r["talent_policy"]
                       + r["talent_exchange"])
    s[43] = three_items(r["special_fund"] + r["fiscal_key_projects"] + r["social_capital"])
    s[44] = stars_at_least(r["supported_projects"] / r["registered_legal_entities"],
                           0.0005, 0.0008, 0.0011, 0.0014, 0.0018)
    s[45] = None  # deduction: no stars
    # 六、地方特色 (bonus)
    s[46] = stars_at_least(2 * r["national_pilots"] + r["provincial_pilots"], 1, 2, 4, 6, 9)
    s[47] = stars_at_least(3 * r["national_events"] + 2 * r["provincial_events"]
                           + r["municipal_events"] + 3 * r["shown_in_data_hall"],
                           3, 6, 10, 15, 20)
    s[48] = stars_at_least(r["innovation_cases"], 1, 2, 3, 4, 5)
    s[49] = stars_at_least(r["smart_communities"] / r["communities"],
                           0.05, 0.10, 0.20, 0.28, 0.35)
    return s


# Maximum points of each star-scored indicator: points = max × stars / 5.
MAX_POINTS = {
    1: 2, 2: 2, 3: 1.5, 4: 2, 5: 2, 6: 2, 7: 1.5, 8: 2, 9: 1.5, 10: 3, 11: 1.5, 12: 3,
    13: 3, 14: 2, 15: 3, 16: 2, 17: 3, 18: 2.5, 19: 2, 20: 2.5, 21: 2, 22: 2,
    23: 3, 24: 2, 25: 2.5, 26: 2.5, 27: 3, 28: 2.5, 29: 2, 30: 2.5, 31: 2,
    32: 2.5, 33: 3, 34: 2, 35: 2, 36: 2, 37: 2, 38: 2, 39: 2.5,
    40: 2.5, 41: 2.5, 42: 2, 43: 2.5, 44: 2.5,
    46: 2, 47: 1, 48: 2, 49: 2,
}


def _score(r: Record, rank17: int) -> Record:
    stars = _stars(r, rank17)
    points: dict[int, float] = {}
    for n, p in MAX_POINTS.items():
        k = stars[n]
        points[n] = 0.0 if k is None else round2(p * k / 5)
    points[45] = round2(-min(2 * r["security_incidents"], 10))

    scored = sum(v for n, v in points.items() if n not in BONUS)  # includes the deduction
    bonus = points[46] + points[47] + points[48] + points[49]
    total = round2(scored + min(bonus, BONUS_CAP))

    def leading_at_least(k: int) -> bool:
        return all(star >= k for star in (stars[n] for n in LEADING) if star is not None)

    if total >= 85 and leading_at_least(4):
        rating = 5
    elif total >= 70 and leading_at_least(3):
        rating = 4
    elif total >= 55 and leading_at_least(2):
        rating = 3
    elif total >= 40:
        rating = 2
    elif total >= 25:
        rating = 1
    else:
        rating = 0  # unrated (the library's rating_rank is 0 too)
    return {"entity": r["entity"], "stars": stars, "points": points, "total": total,
            "rating": rating}


# ---------------------------------------------------------------- the cohort

def score_cohort(records: list[Record]) -> list[Record]:
    """Score every record; 17 (rank) is taken over the records given."""
    apps = sorted(r["aishandong_apps"] for r in records)
    n = len(apps)
    out = []
    for r in records:
        rank17 = 1 + n - bisect_right(apps, r["aishandong_apps"])  # 1 + how many have more
        out.append(_score(r, rank17))
    return out
