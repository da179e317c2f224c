"""Writes national-cohort.json and national-cohort.csv: invented statistics for 12 fictional cities.

The cities and every number are made up; a name that matches a real place does so by accident.
Magnitudes follow the cities the national evaluation of 2016 covers (直辖市, 计划单列市 and
地级市) as of its data cut-off, the end of October 2016: 1.4 to 21 million resident people,
fibre to the home and 4G still spreading, open data just beginning.  Each city has a fixed
"strength" that pulls its rates up or down, so the cohort spreads from weak to strong and every
item of ../china-smart-city-evaluation-2016.scs is exercised between its bottom and its top.

Deterministic (fixed seed) and standard library only:

    python standards/examples/make_national_cohort.py

The keys are the inputs declared in ../china-smart-city-evaluation-2016.scs, in declaration
order; the script stops if the standard declares an input it does not generate, or the other way
round.  Every part is at most its whole (`part of`), and no whole is zero.
"""

from __future__ import annotations

import random
from pathlib import Path

from cohort_kit import Entity, declared_inputs, money, write_cohort

HERE = Path(__file__).resolve().parent
STANDARD = HERE.parent / "china-smart-city-evaluation-2016.scs"
JSON_OUT = HERE / "national-cohort.json"
CSV_OUT = HERE / "national-cohort.csv"
SEED = 20161031  # the data cut-off

# name, strength (0 weak .. 1 strong), resident population in millions
CITIES = [
    ("岚港市", 0.93, 21.0),
    ("云舟市", 0.85, 8.9),
    ("澜海市", 0.90, 7.2),
    ("翠屿市", 0.78, 6.3),
    ("杏川市", 0.72, 5.6),
    ("松溪湾市", 0.62, 4.1),
    ("柏渡市", 0.58, 3.0),
    ("楠川市", 0.55, 3.3),
    ("雁汀市", 0.47, 2.7),
    ("峪泉市", 0.40, 2.2),
    ("桐岚市", 0.33, 1.8),
    ("漠原市", 0.22, 1.4),
]


def city_row(rng: random.Random, name: str, strength: float, population_m: float) -> dict[str, object]:
    c = Entity(rng, strength, population_m)
    r: dict[str, object] = {"entity": name}

    # ---- L1 惠民服务
    services = rng.randint(800, 2500)
    r["government_services"] = services
    r["e_license_services"] = c.part(services, 0.03, 0.60)
    r["one_stop_services"] = c.part(services, 0.30, 0.92)
    r["portal_services"] = c.part(services, 0.40, 0.98)
    stops = c.per_person(0.8e-3, 1.5e-3)
    r["bus_stops"] = stops
    r["realtime_bus_stops"] = c.part(stops, 0.08, 0.90)
    trips = c.per_person(100.0, 300.0)
    r["transit_trips"] = trips
    r["e_payment_trips"] = c.part(trips, 0.30, 0.90)
    parks = c.per_person(0.5e-4, 1.5e-4)
    r["car_parks"] = parks
    r["networked_car_parks"] = c.part(parks, 0.0, 0.60, spread=0.12)
    ss_items = rng.randint(80, 200)
    r["social_security_items"] = ss_items
    r["online_social_security_items"] = c.part(ss_items, 0.30, 0.90)
    insured = c.per_person(0.60, 0.80)
    r["insured_persons"] = insured
    r["social_security_card_holders"] = c.part(insured, 0.75, 1.00)
    visits = c.per_person(3.0, 6.0)
    r["outpatient_visits"] = visits
    r["appointment_visits"] = c.part(visits, 0.05, 0.45)
    population = round(c.pop)
    r["resident_population"] = population
    r["e_health_records"] = c.part(population, 0.40, 0.90)
    hospitals = c.per_person(1.5e-5, 3e-5)
    r["hospitals"] = hospitals
    r["networked_hospitals"] = c.part(hospitals, 0.30, 1.00)
    schools = c.per_person(1.5e-4, 3e-4)
    r["schools"] = schools
    r["broadband_schools"] = c.part(schools, 0.80, 1.00)
    classrooms = c.per_person(4e-3, 6e-3)
    r["classrooms"] = classrooms
    r["multimedia_classrooms"] = c.part(classrooms, 0.40, 0.95)
    job_items = rng.randint(25, 60)
    r["employment_items"] = job_items
    r["online_employment_items"] = c.part(job_items, 0.30, 0.90)
    agencies = c.per_person(2e-5, 4e-5)
    r["employment_agencies"] = agencies
    r["networked_employment_agencies"] = c.part(agencies, 0.40, 1.00)
    city_services = rng.randint(80, 250)
    r["city_services"] = city_services
    r["mobile_city_services"] = c.part(city_services, 0.15, 0.80)
    fields = rng.randint(6, 10)
    r["card_target_fields"] = fields
    r["card_fields"] = c.part(fields, 0.30, 1.00)
    hotlines = rng.randint(20, 60)
    r["public_hotlines"] = hotlines
    r["integrated_hotlines"] = c.part(hotlines, 0.30, 0.95)
    assisted = c.per_person(0.01, 0.03)
    r["assisted_people"] = assisted
    r["assisted_people_online"] = c.part(assisted, 0.60, 1.00)
    disabled = c.per_person(0.015, 0.025)
    r["disabled_people"] = disabled
    r["disabled_served_online"] = c.part(disabled, 0.10, 0.70)
    elderly = c.per_person(0.12, 0.20)
    r["elderly"] = elderly
    r["elderly_served"] = c.part(elderly, 0.03, 0.35)
    retail = money(c.pop * rng.uniform(1.5e-4, 4.5e-4) * (0.8 + 0.4 * strength))
    r["retail_sales"] = retail
    # 网上商品零售额 may exceed 社会消费品零售总额 (sales to buyers elsewhere); here it stays below.
    r["online_retail"] = money(retail * c.between(0.04, 0.35))
    enterprises = c.per_person(0.02, 0.05)
    r["enterprises"] = enterprises
    r["ecommerce_enterprises"] = c.part(enterprises, 0.03, 0.15)

    # ---- L2 精准治理
    built_up = money(population_m * rng.uniform(60, 120))
    r["built_up_area"] = built_up
    r["digital_management_area"] = min(built_up, money(built_up * c.between(0.50, 1.00)))
    pipeline = money(c.pop * rng.uniform(2e-3, 4e-3))
    r["pipeline_length"] = pipeline
    r["smart_pipeline_length"] = min(pipeline, money(pipeline * c.between(0.04, 0.50)))
    key_areas = c.per_person(0.8e-4, 1.5e-4)
    r["key_public_areas"] = key_areas
    r["video_covered_areas"] = c.part(key_areas, 0.60, 1.00)
    cameras = c.per_person(5e-3, 12e-3)
    r["cameras"] = cameras
    r["networked_cameras"] = c.part(cameras, 0.30, 0.95)
    events = c.per_person(1e-4, 3e-4)
    r["emergency_events"] = events
    r["commanded_events"] = c.part(events, 0.40, 1.00)

    # ---- L3 生态宜居
    stations = rng.randint(15, 80)
    r["monitoring_stations"] = stations
    r["auto_monitoring_stations"] = c.part(stations, 0.50, 1.00)
    polluters = rng.randint(40, 300)
    r["key_polluters"] = polluters
    r["online_polluters"] = c.part(polluters, 0.60, 1.00)
    env_categories = rng.randint(10, 16)
    r["env_info_categories"] = env_categories
    r["published_env_categories"] = c.part(env_categories, 0.50, 1.00)
    energy_units = rng.randint(50, 500)
    r["key_energy_units"] = energy_units
    r["monitored_energy_units"] = c.part(energy_units, 0.10, 0.80)
    buildings = c.per_person(3e-5, 8e-5)
    r["public_buildings"] = buildings
    r["monitored_public_buildings"] = c.part(buildings, 0.05, 0.60)

    # ---- L4 智能设施
    households = round(c.pop / rng.uniform(2.6, 2.9))
    r["households"] = households
    r["fibre_households"] = c.part(households, 0.30, 0.90)
    mobile = c.per_person(1.1, 1.4)
    r["mobile_users"] = mobile
    r["fourg_users"] = c.part(mobile, 0.40, 0.80)
    r["wlan_covered_areas"] = c.part(key_areas, 0.10, 0.70)
    planning = money(population_m * rng.uniform(300, 600))
    r["planning_area"] = planning
    r["topo_map_area"] = min(planning, money(planning * c.between(0.40, 1.00)))
    departments = rng.randint(35, 60)
    r["government_departments"] = departments
    r["platform_departments"] = c.part(departments, 0.10, 0.80)

    # ---- L5 信息资源
    shareable = rng.randint(300, 2500)
    r["shareable_data_categories"] = shareable
    r["shared_data_categories"] = c.part(shareable, 0.30, 0.90)
    openable = round(shareable * rng.uniform(0.4, 0.7))
    r["openable_data_categories"] = openable
    opened = c.part(openable, 0.02, 0.50)
    r["open_data_categories"] = opened
    r["used_open_categories"] = c.part(opened, 0.10, 0.80)
    r["required_base_databases"] = 4
    r["built_base_databases"] = c.part(4, 0.25, 1.00, spread=0.12)
    r["catalogued_departments"] = c.part(departments, 0.20, 1.00)

    # ---- L6 网络安全
    r["security_authority"] = c.flag(0.70, 0.30)
    r["security_accountability"] = c.flag(0.30, 0.70)
    r["security_contingency_plan"] = c.flag(0.50, 0.50)
    r["security_annual_inspection"] = c.flag(0.40, 0.60)
    staff = rng.randint(200, 900)
    r["security_staff"] = staff
    r["trained_security_staff"] = c.part(staff, 0.30, 0.95)
    systems = rng.randint(20, 150)
    r["graded_systems"] = systems
    r["tested_systems"] = c.part(systems, 0.50, 1.00)
    r["backed_up_systems"] = c.part(systems, 0.20, 0.90)
    websites = rng.randint(30, 120)
    r["government_websites"] = websites
    r["monitored_websites"] = c.part(websites, 0.50, 1.00)

    # ---- L7 改革创新
    r["leading_group_by_mayor"] = c.flag(0.60, 0.40)
    r["coordinating_department"] = c.flag(0.30, 0.70)
    r["joint_meeting_system"] = c.flag(0.20, 0.70)
    r["top_level_plan"] = c.flag(0.40, 0.60)
    r["data_sharing_policy"] = c.flag(0.00, 0.80)
    r["project_management_policy"] = c.flag(0.10, 0.70)
    investment = money(population_m * rng.uniform(10, 40))
    r["smart_city_investment"] = investment
    r["social_investment"] = min(investment, money(investment * c.between(0.05, 0.50)))

    # ---- L8 市民体验 (survey scores out of 100, to one decimal)
    r["convenience_score"] = round(c.between(55.0, 90.0), 1)
    r["livability_score"] = round(c.between(55.0, 90.0), 1)
    r["gain_score"] = round(c.between(55.0, 90.0), 1)
    return r


def main() -> None:
    rng = random.Random(SEED)
    rows = [city_row(rng, *city) for city in CITIES]
    write_cohort(rows, ["entity", *declared_inputs(STANDARD)], STANDARD, JSON_OUT, CSV_OUT, "cities")


if __name__ == "__main__":
    main()
