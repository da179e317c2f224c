"""Writes county-cohort.json and county-cohort.csv: invented statistics for 24 fictional counties.

The counties (县, 县级市 and outlying 区), their names and every number are made up; a name
that matches a real place does so by accident.  Magnitudes follow a
Shandong county's urban area, townships excluded, around 2019: 0.3 to 1.15 million people,
about 100 000 to 400 000 households, 40 to 200 communities.  Each county has a fixed "strength"
that pulls its rates up or down, so the cohort spreads from weak to strong and the rating rule of
../shandong-county-2019.scs is exercised from no level to five stars.

Deterministic (fixed seed).  The county standard takes most of its indicators from the city
standard by reference, so its inputs are partly declared in ../shandong-city-2019.scs; the
script asks the installed `smartcity_rules` which inputs the county standard reads:

    python standards/examples/make_county_cohort.py

The keys are those inputs, in the order the library lists them; the script stops if the
standard reads an input it does not generate, or the other way round.
"""

from __future__ import annotations

import random
from pathlib import Path

from cohort_kit import Entity, money, write_cohort

import smartcity_rules as scr

HERE = Path(__file__).resolve().parent
STANDARD = HERE.parent / "shandong-county-2019.scs"
JSON_OUT = HERE / "county-cohort.json"
CSV_OUT = HERE / "county-cohort.csv"
SEED = 20190925

# name, strength (0 weak .. 1 strong), urban population in millions, 失泄密事件数
COUNTIES = [
    ("岱阳县", 0.96, 0.92, 0),
    ("汶屿县", 0.42, 0.55, 0),
    ("沂北县", 0.28, 0.48, 1),
    ("澜泉市", 0.88, 1.10, 0),
    ("蒙屏县", 0.15, 0.35, 0),
    ("莒海县", 0.55, 0.71, 0),
    ("滨澜区", 0.80, 0.86, 0),
    ("齐源县", 0.35, 0.62, 0),
    ("青石县", 0.66, 0.58, 1),
    ("荷泽湾县", 0.22, 0.40, 0),
    ("东岳市", 0.92, 1.02, 0),
    ("金汀县", 0.48, 0.66, 0),
    ("安岭市", 0.74, 0.95, 0),
    ("原北县", 0.08, 0.31, 2),
    ("谷川县", 0.38, 0.52, 0),
    ("唐堡县", 0.60, 0.60, 0),
    ("曲澜市", 0.84, 0.78, 0),
    ("邹岭县", 0.30, 0.45, 0),
    ("微湾县", 0.52, 0.50, 1),
    ("长屿区", 0.70, 0.42, 0),
    ("鄄澜县", 0.18, 0.38, 0),
    ("寿岭市", 0.98, 1.15, 0),
    ("宁渚县", 0.45, 0.44, 0),
    ("梁湖县", 0.62, 0.68, 0),
]


def county_row(rng: random.Random, name: str, strength: float, population_m: float,
               incidents: int) -> dict[str, object]:
    c = Entity(rng, strength, population_m)
    r: dict[str, object] = {"entity": name}

    # ---- shared by several indicators
    households = round(c.pop / rng.uniform(2.7, 3.1))
    r["households"] = households
    communities = round(c.pop / rng.uniform(5000, 8000))
    r["communities"] = communities

    # ---- 一、基础设施 (1-11, from the city standard)
    r["fibre_households"] = c.part(households, 0.58, 0.97)
    r["mobile_download_speed"] = round(c.between(12.0, 42.0), 2)
    key_public_areas = c.per_person(0.6e-4, 1.2e-4)
    r["key_public_areas"] = key_public_areas
    r["hd_video_areas"] = c.part(key_public_areas, 0.58, 1.00)
    cameras = c.per_person(4e-3, 9e-3)
    r["key_area_cameras"] = cameras
    r["intact_cameras"] = c.part(cameras, 0.78, 0.995)
    r["networked_cameras"] = c.part(cameras, 0.38, 0.99)
    solved = c.per_person(2e-3, 4e-3)
    r["solved_criminal_cases"] = solved
    r["video_solved_cases"] = c.part(solved, 0.15, 0.62)
    r["video_service_score"] = round(c.between(3.0, 9.5), 1)
    intersections = c.per_person(1.5e-4, 3.5e-4)
    r["intersections"] = intersections
    r["e_police_points"] = c.part(intersections, 0.38, 0.98)
    r["broadband_200m_users"] = c.part(households, 0.08, 0.64)
    pipeline = money(c.pop * rng.uniform(1.5e-3, 3e-3))
    r["pipeline_length"] = pipeline
    r["smart_pipeline_length"] = min(pipeline, money(pipeline * c.between(0.02, 0.64)))
    r["main_websites"] = 10
    r["ipv6_websites"] = c.part(10, 0.0, 1.0, spread=0.12)
    planning = money(population_m * rng.uniform(150, 350))
    r["planning_area"] = planning
    r["topo_map_area"] = min(planning, money(planning * c.between(0.38, 1.00)))
    fiveg_areas = c.per_person(0.8e-4, 1.6e-4)
    r["fiveg_key_areas"] = fiveg_areas
    r["fiveg_covered_areas"] = c.part(fiveg_areas, 0.0, 0.80, spread=0.12)

    # ---- 二、数字惠民 (12-26)
    services = rng.randint(1200, 2800)
    r["government_services"] = services
    r["e_license_services"] = c.part(services, 0.08, 0.88)
    stops = c.per_person(0.5e-3, 1.1e-3)
    r["bus_stops"] = stops
    r["e_bus_stop_signs"] = c.part(stops, 0.02, 0.66)
    r["school_wifi_coverage"] = round(c.between(0.45, 1.00), 4)
    classrooms = c.per_person(4e-3, 6e-3)
    r["ordinary_classrooms"] = classrooms
    r["multimedia_classrooms"] = c.part(classrooms, 0.40, 0.99)
    r["remote_education_coverage"] = round(c.between(0.50, 1.00), 4)
    r["aishandong_apps"] = round(c.between(20, 220) * (0.8 + 0.3 * population_m))
    institutions = c.per_person(0.8e-3, 1.4e-3)
    r["medical_institutions"] = institutions
    r["networked_medical_institutions"] = c.part(institutions, 0.30, 1.00)
    visits = c.per_person(4.0, 8.0)
    r["outpatient_visits"] = visits
    r["appointment_visits"] = c.part(visits, 0.03, 0.56)
    lights = communities * rng.randint(80, 200)
    r["community_public_lights"] = lights
    r["smart_community_lights"] = c.part(lights, 0.05, 0.88)
    r["telemedicine_communities"] = c.part(communities, 0.22, 0.96)
    parking = communities * rng.randint(300, 900)
    r["community_parking_spaces"] = parking
    r["shared_parking_spaces"] = c.part(parking, 0.02, 0.64, spread=0.12)
    r["recycling_communities"] = c.part(communities, 0.15, 0.90)
    r["signal_timed_intersections"] = c.part(intersections, 0.08, 0.86)
    trips = c.per_person(40.0, 120.0)
    r["transit_trips"] = trips
    r["e_payment_trips"] = c.part(trips, 0.35, 0.96)
    r["smart_energy_meters"] = round(3 * households * c.between(0.02, 0.64))
    r["waste_monitored_communities"] = c.part(communities, 0.00, 0.64, spread=0.12)
    car_parks = c.per_person(0.8e-4, 2e-4)
    r["public_car_parks"] = car_parks
    r["networked_car_parks"] = c.part(car_parks, 0.25, 0.96)

    # ---- 三、数字政务 (27-34)
    systems = rng.randint(80, 400)
    r["business_systems"] = systems
    r["cloud_systems"] = c.part(systems, 0.36, 0.99)
    r["grid_communities"] = c.part(communities, 0.50, 1.00)
    area = money(population_m * rng.uniform(200, 400))
    r["region_area"] = area
    for key, low, high in (("air", 0.45, 1.00), ("water", 0.10, 0.76), ("noise", 0.15, 0.86)):
        r[f"{key}_monitored_area"] = min(area, money(area * c.between(low, high)))
    events = c.per_person(1e-4, 3e-4)
    r["emergency_events"] = events
    r["commanded_events"] = c.part(events, 0.40, 1.00)
    shareable = rng.randint(200, 1500)
    r["shareable_data_categories"] = shareable
    r["shared_data_categories"] = c.part(shareable, 0.45, 1.00)
    openable = round(shareable * rng.uniform(0.5, 0.8))
    r["openable_data_categories"] = openable
    r["open_data_categories"] = c.part(openable, 0.02, 0.56)
    r["spatial_gov_platform"] = c.flag(0.35, 0.60)
    r["spatial_public_website"] = c.flag(0.25, 0.70)
    r["spatial_mobile_app"] = c.flag(-0.10, 1.00)
    buildings = c.per_person(0.2e-4, 0.8e-4)
    r["key_energy_buildings"] = buildings
    r["metered_energy_buildings"] = c.part(buildings, 0.05, 0.88)

    # ---- 四、数字经济 (35-37)
    gdp = money(population_m * rng.uniform(600, 1100) * (0.75 + 0.5 * strength))
    r["gdp"] = gdp
    r["software_revenue"] = money(gdp * c.between(0.002, 0.17, curve=1.8))
    enterprises = c.per_person(0.02, 0.045)
    r["enterprises"] = enterprises
    r["cloud_enterprises"] = c.part(enterprises, 0.01, 0.34)
    retail = money(gdp * rng.uniform(0.30, 0.45))
    r["retail_sales"] = retail
    r["online_retail"] = money(retail * c.between(0.02, 0.26))

    # ---- 五、保障措施 (38-41)
    r["leading_group_by_mayor"] = c.flag(0.55, 0.45)
    r["big_data_bureau_coordinates"] = c.flag(0.40, 0.60)
    r["operating_company"] = c.flag(-0.15, 1.00)
    r["annual_work_meeting"] = c.flag(0.25, 0.70)
    r["joint_meeting_system"] = c.flag(0.05, 0.85)
    r["top_level_plan"] = c.flag(0.30, 0.65)
    r["special_plans"] = c.flag(0.10, 0.80)
    r["special_fund"] = c.flag(0.20, 0.75)
    r["fiscal_key_projects"] = c.flag(0.40, 0.55)
    r["social_capital"] = c.flag(0.05, 0.85)
    r["security_incidents"] = incidents

    # ---- 六、地方特色 (42-44, bonus)
    r["national_pilots"] = round(c.between(0, 2, spread=0.15, curve=2.0))
    r["provincial_pilots"] = round(c.between(0, 4, spread=0.15))
    r["national_events"] = round(c.between(0, 1, spread=0.15, curve=2.0))
    r["provincial_events"] = round(c.between(0, 3, spread=0.15))
    r["municipal_events"] = round(c.between(0, 6, spread=0.15))
    r["shown_in_data_hall"] = c.flag(-0.10, 0.70)
    r["innovation_cases"] = round(c.between(0, 4, spread=0.15, curve=1.5))
    return r


def main() -> None:
    rng = random.Random(SEED)
    rows = [county_row(rng, *county) for county in COUNTIES]

    keys = ["entity", *(info.name for info in scr.load(STANDARD).inputs)]
    write_cohort(rows, keys, STANDARD, JSON_OUT, CSV_OUT, "counties")

if __name__ == "__main__":
    main()
