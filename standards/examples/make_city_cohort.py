"""Writes city-cohort.json and city-cohort.csv: invented statistics for 16 fictional cities.

The cities and every number are made up.  Magnitudes follow a prefecture-level city's main urban
area around 2019 (0.9 to 5.8 million people); each city has a fixed "strength" that pulls its
rates up or down, so the cohort spreads from weak to strong and the rating rule of
../shandong-city-2019.scs is exercised from the bottom levels to five stars.

Deterministic (fixed seed) and standard library only:

    python standards/examples/make_city_cohort.py

The keys are the inputs declared in ../shandong-city-2019.scs, in declaration order, plus
`name@previous` for the inputs the standard reads under growth(); the script stops if the
standard declares an input it does not generate, or the other way round.

One key is the same in every record: `province_lianghua_pilot_enterprises`, the province's
count of pilot firms that indicator 36 divides by.  It is the sum over the 16 cities times
PROVINCE_LIANGHUA_FACTOR, rounded: the cities' counts cover their main urban areas, so the
province's firms in the counties are not among them.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import cast

from cohort_kit import Entity, declared_inputs, money, write_cohort

HERE = Path(__file__).resolve().parent
STANDARD = HERE.parent / "shandong-city-2019.scs"
JSON_OUT = HERE / "city-cohort.json"
CSV_OUT = HERE / "city-cohort.csv"
SEED = 20190924
# The province's pilot firms over the sum of the cities' (the rest are in the counties).
PROVINCE_LIANGHUA_FACTOR = 1.25

# name, strength (0 weak .. 1 strong), main-urban population in millions, 失泄密事件数
CITIES = [
    ("泰岳市", 0.95, 5.2, 0),
    ("沂岚市", 0.50, 2.3, 0),
    ("海阳湾市", 0.92, 5.8, 0),
    ("金滩市", 0.41, 1.1, 0),
    ("琅湖市", 0.76, 2.9, 0),
    ("柳汀市", 0.25, 1.4, 1),
    ("齐川市", 0.70, 2.6, 0),
    ("云渚市", 0.27, 0.9, 1),
    ("渤津市", 0.82, 2.4, 0),
    ("蒙湖市", 0.36, 1.5, 0),
    ("鲁源市", 0.64, 2.2, 1),
    ("凤鸣港市", 0.29, 1.0, 0),
    ("汶泉市", 0.58, 1.6, 0),
    ("槐阳市", 0.31, 1.3, 1),
    ("岱北市", 0.54, 1.9, 2),
    ("青岚市", 0.46, 1.2, 0),
]

# Inputs the standard reads under growth(): their previous-period values are reported too.
PREVIOUS = ("invention_patents", "population")


def city_row(rng: random.Random, name: str, strength: float, population_m: float,
             incidents: int) -> dict[str, object]:
    c = Entity(rng, strength, population_m)
    r: dict[str, object] = {"entity": name}

    # ---- 一、基础设施
    households = round(c.pop / rng.uniform(2.6, 2.9))
    r["households"] = households
    r["fibre_households"] = c.part(households, 0.62, 0.97)
    r["mobile_download_speed"] = round(c.between(14.0, 46.0), 2)
    weather_stations = rng.randint(30, 140)
    r["weather_stations"] = weather_stations
    r["auto_weather_stations"] = c.part(weather_stations, 0.60, 1.00)
    key_public_areas = c.per_person(0.8e-4, 1.5e-4)
    r["key_public_areas"] = key_public_areas
    r["hd_video_areas"] = c.part(key_public_areas, 0.62, 1.00)
    cameras = c.per_person(6e-3, 12e-3)
    r["key_area_cameras"] = cameras
    r["intact_cameras"] = c.part(cameras, 0.80, 0.995)
    r["networked_cameras"] = c.part(cameras, 0.42, 0.99)
    solved = c.per_person(2.5e-3, 5e-3)
    r["solved_criminal_cases"] = solved
    r["video_solved_cases"] = c.part(solved, 0.18, 0.66)
    r["video_service_score"] = round(c.between(3.5, 9.6), 1)
    intersections = c.per_person(2.5e-4, 5e-4)
    r["intersections"] = intersections
    r["e_police_points"] = c.part(intersections, 0.42, 0.98)
    r["broadband_200m_users"] = c.part(households, 0.10, 0.68)
    pipeline = money(c.pop * rng.uniform(2e-3, 4e-3))
    r["pipeline_length"] = pipeline
    r["smart_pipeline_length"] = min(pipeline, money(pipeline * c.between(0.04, 0.66)))
    r["main_websites"] = 10
    r["ipv6_websites"] = c.part(10, 0.0, 1.0, spread=0.12)
    planning = money(population_m * rng.uniform(320, 640))
    r["planning_area"] = planning
    r["topo_map_area"] = min(planning, money(planning * c.between(0.42, 1.00)))
    fiveg_areas = c.per_person(1.0e-4, 2.0e-4)
    r["fiveg_key_areas"] = fiveg_areas
    r["fiveg_covered_areas"] = c.part(fiveg_areas, 0.0, 0.88, spread=0.12)

    # ---- 二、数字惠民
    services = rng.randint(1600, 3800)
    r["government_services"] = services
    r["e_license_services"] = c.part(services, 0.10, 0.90)
    stops = c.per_person(0.8e-3, 1.5e-3)
    r["bus_stops"] = stops
    r["e_bus_stop_signs"] = c.part(stops, 0.03, 0.70)
    r["school_wifi_coverage"] = round(c.between(0.48, 1.00), 4)
    classrooms = c.per_person(4e-3, 6e-3)
    r["ordinary_classrooms"] = classrooms
    r["multimedia_classrooms"] = c.part(classrooms, 0.42, 0.99)
    r["remote_education_coverage"] = round(c.between(0.52, 1.00), 4)
    r["jobs_via_internet"] = c.flag(0.85, 0.15)
    r["jobs_via_kiosk"] = c.flag(0.10, 0.90)
    r["jobs_via_wechat"] = c.flag(0.45, 0.55)
    r["jobs_via_weibo"] = c.flag(0.20, 0.70)
    r["jobs_via_app"] = c.flag(0.00, 1.00)
    r["jobs_via_hotline"] = c.flag(0.90, 0.10)
    r["aishandong_apps"] = round(c.between(40, 380) * (0.85 + 0.05 * population_m))
    institutions = c.per_person(0.9e-3, 1.5e-3)
    r["medical_institutions"] = institutions
    r["networked_medical_institutions"] = c.part(institutions, 0.32, 1.00)
    r["ss_transfer_online"] = c.flag(0.55, 0.45)
    r["ss_qualification_online"] = c.flag(0.30, 0.65)
    r["ss_medical_settlement_online"] = c.flag(0.70, 0.30)
    r["ss_pension_query_online"] = c.flag(0.15, 0.80)
    visits = c.per_person(6.0, 10.0)
    r["outpatient_visits"] = visits
    r["appointment_visits"] = c.part(visits, 0.05, 0.58)
    r["signal_timed_intersections"] = c.part(intersections, 0.10, 0.88)
    trips = c.per_person(120.0, 260.0)
    r["transit_trips"] = trips
    r["e_payment_trips"] = c.part(trips, 0.40, 0.96)

    # ---- 三、数字政务
    systems = rng.randint(180, 900)
    r["business_systems"] = systems
    r["cloud_systems"] = c.part(systems, 0.38, 0.99)
    communities = round(c.pop / rng.uniform(4500, 7000))
    r["communities"] = communities
    r["grid_communities"] = c.part(communities, 0.52, 1.00)
    area = money(population_m * rng.uniform(250, 450))
    r["region_area"] = area
    for key, low, high in (("air", 0.50, 1.00), ("water", 0.12, 0.78), ("noise", 0.18, 0.88)):
        r[f"{key}_monitored_area"] = min(area, money(area * c.between(low, high)))
    events = c.per_person(1.5e-4, 4e-4)
    r["emergency_events"] = events
    r["commanded_events"] = c.part(events, 0.42, 1.00)
    shareable = rng.randint(400, 3200)
    r["shareable_data_categories"] = shareable
    r["shared_data_categories"] = c.part(shareable, 0.50, 1.00)
    openable = round(shareable * rng.uniform(0.5, 0.8))
    r["openable_data_categories"] = openable
    r["open_data_categories"] = c.part(openable, 0.03, 0.62)
    r["spatial_gov_platform"] = c.flag(0.45, 0.55)
    r["spatial_public_website"] = c.flag(0.35, 0.65)
    r["spatial_mobile_app"] = c.flag(0.00, 1.00)
    credit_units = rng.randint(45, 110)
    r["credit_units"] = credit_units
    r["credit_sharing_units"] = c.part(credit_units, 0.32, 1.00)
    buildings = c.per_person(0.6e-4, 1.6e-4)
    r["key_energy_buildings"] = buildings
    r["metered_energy_buildings"] = c.part(buildings, 0.08, 0.90)

    # ---- 四、数字经济
    gdp = money(population_m * rng.uniform(900, 1400) * (0.75 + 0.5 * strength))
    r["gdp"] = gdp
    r["software_revenue"] = money(gdp * c.between(0.004, 0.24, curve=1.8))
    enterprises = c.per_person(0.03, 0.06)
    r["enterprises"] = enterprises
    r["cloud_enterprises"] = c.part(enterprises, 0.02, 0.36)
    r["digital_economy_parks"] = round(c.between(0, 5, spread=0.12))
    retail = money(gdp * rng.uniform(0.35, 0.50))
    r["retail_sales"] = retail
    r["online_retail"] = money(retail * c.between(0.03, 0.28))
    r["lianghua_pilot_enterprises"] = round(c.between(6, 130, curve=1.5) * (0.8 + 0.06 * population_m))
    r["bigdata_revenue"] = money(gdp * c.between(0.001, 0.03, curve=1.5))
    employment = c.per_person(0.52, 0.60)
    r["employment"] = employment
    r["it_employment"] = c.part(employment, 0.005, 0.085)
    population_before = round(c.pop / (1 + rng.uniform(0.002, 0.015)))
    per_10k_before = c.between(5.0, 35.0)
    increase = c.between(0.02, 0.30)
    r["invention_patents"] = round(per_10k_before * (1 + increase) * c.pop / 10_000)
    r["invention_patents@previous"] = round(per_10k_before * population_before / 10_000)
    r["population"] = round(c.pop)
    r["population@previous"] = population_before

    # ---- 五、保障措施
    r["leading_group_by_mayor"] = c.flag(0.60, 0.40)
    r["big_data_bureau_coordinates"] = c.flag(0.50, 0.50)
    r["operating_company"] = c.flag(-0.10, 1.00)
    r["annual_work_meeting"] = c.flag(0.30, 0.70)
    r["joint_meeting_system"] = c.flag(0.10, 0.85)
    r["top_level_plan"] = c.flag(0.40, 0.60)
    r["special_plans"] = c.flag(0.20, 0.75)
    r["talent_training"] = c.flag(0.40, 0.60)
    r["cio_system"] = c.flag(-0.10, 0.90)
    r["talent_policy"] = c.flag(0.30, 0.70)
    r["talent_exchange"] = c.flag(0.20, 0.70)
    r["special_fund"] = c.flag(0.30, 0.70)
    r["fiscal_key_projects"] = c.flag(0.45, 0.55)
    r["social_capital"] = c.flag(0.10, 0.85)
    entities = round(enterprises * rng.uniform(1.25, 1.5))
    r["supported_projects"] = round(entities * c.between(0.0001, 0.0022))
    r["registered_legal_entities"] = entities
    r["security_incidents"] = incidents

    # ---- 六、地方特色
    r["national_pilots"] = round(c.between(0, 3, spread=0.15, curve=1.5))
    r["provincial_pilots"] = round(c.between(0, 5, spread=0.15))
    r["national_events"] = round(c.between(0, 2, spread=0.15, curve=1.5))
    r["provincial_events"] = round(c.between(0, 4, spread=0.15))
    r["municipal_events"] = round(c.between(0, 8, spread=0.15))
    r["shown_in_data_hall"] = c.flag(0.00, 0.90)
    r["innovation_cases"] = round(c.between(0, 6, spread=0.15, curve=1.3))
    r["smart_communities"] = min(communities, round(communities * c.between(0.005, 0.45, curve=1.3)))
    return r


def main() -> None:
    rng = random.Random(SEED)
    rows = [city_row(rng, *city) for city in CITIES]
    cities_firms = sum(cast(int, row["lianghua_pilot_enterprises"]) for row in rows)
    province_firms = round(cities_firms * PROVINCE_LIANGHUA_FACTOR)
    for row in rows:
        row["province_lianghua_pilot_enterprises"] = province_firms

    declared = declared_inputs(STANDARD)
    keys: list[str] = ["entity"]
    for name in declared:
        keys.append(name)
        if name in PREVIOUS:
            keys.append(f"{name}@previous")
    write_cohort(rows, keys, STANDARD, JSON_OUT, CSV_OUT, "cities")

if __name__ == "__main__":
    main()
