"""Writes community-cohort.json and community-cohort.csv: invented statistics for 32 communities.

The communities, their 街道, their cities (those of city-cohort.json) and every number are made
up; a name that matches a real place does so by accident.
Magnitudes follow an urban community (社区) in a Shandong city around 2019-2022: 1 000 to 8 000
households, a few residential compounds (小区), tens of key video points.  Each community has a
fixed "strength" that pulls its rates up or down, so the cohort spreads from communities that
reach no tier to 标杆型 and the tier rule of ../shandong-community-2019.scs is exercised at
every level.

Deterministic (fixed seed) and standard library only:

    python standards/examples/make_community_cohort.py

The keys are the inputs declared in ../shandong-community-2019.scs, in declaration order; the
script stops if the standard declares an input it does not generate, or the other way round.
"""

from __future__ import annotations

import random
from pathlib import Path

from cohort_kit import Entity, declared_inputs, write_cohort

HERE = Path(__file__).resolve().parent
STANDARD = HERE.parent / "shandong-community-2019.scs"
JSON_OUT = HERE / "community-cohort.json"
CSV_OUT = HERE / "community-cohort.csv"
SEED = 20220601

# name, strength (0 weak .. 1 strong), households, 失泄密事件数
COMMUNITIES = [
    ("泰岳市东岭街道青松社区", 0.97, 5200, 0),
    ("泰岳市东岭街道槐荫社区", 0.62, 3100, 0),
    ("泰岳市南湖街道明湖社区", 0.90, 7400, 0),
    ("泰岳市南湖街道柳岸社区", 0.35, 1800, 1),
    ("沂岚市北关街道书院社区", 0.55, 2600, 0),
    ("沂岚市北关街道新苑社区", 0.80, 6100, 0),
    ("沂岚市西城街道石桥社区", 0.20, 1300, 0),
    ("海阳湾市滨海街道观澜社区", 0.99, 7900, 0),
    ("海阳湾市滨海街道渔港社区", 0.45, 2200, 0),
    ("海阳湾市金沙街道星辰社区", 0.86, 4800, 0),
    ("金滩市河东街道杏林社区", 0.28, 1500, 2),
    ("金滩市河东街道和平社区", 0.66, 3600, 0),
    ("琅湖市湖心街道翠微社区", 0.92, 5600, 0),
    ("琅湖市湖心街道荷塘社区", 0.50, 2900, 0),
    ("柳汀市城关街道古井社区", 0.15, 1100, 0),
    ("柳汀市城关街道文昌社区", 0.58, 3300, 1),
    ("齐川市长街街道锦绣社区", 0.75, 4400, 0),
    ("齐川市长街街道朝阳社区", 0.40, 2000, 0),
    ("云渚市望海街道蓝湾社区", 0.83, 5100, 0),
    ("云渚市望海街道春晖社区", 0.30, 1700, 0),
    ("渤津市新港街道启航社区", 0.94, 6800, 0),
    ("渤津市新港街道枫林社区", 0.70, 3900, 0),
    ("蒙湖市山南街道松涛社区", 0.25, 1400, 1),
    ("蒙湖市山南街道紫荆社区", 0.60, 3000, 0),
    ("鲁源市泉城街道清泉社区", 0.88, 5900, 0),
    ("鲁源市泉城街道润园社区", 0.48, 2400, 0),
    ("凤鸣港市港湾街道海棠社区", 0.78, 4200, 0),
    ("汶泉市汶阳街道嘉禾社区", 0.38, 1900, 0),
    ("槐阳市槐北街道长乐社区", 0.68, 3500, 0),
    ("岱北市岱宗街道晨曦社区", 0.96, 6400, 0),
    ("青岚市青云街道桂园社区", 0.52, 2700, 0),
    ("青岚市青云街道老街社区", 0.10, 1000, 0),  # old town: no public parking spaces (N/A)
]


def area(value: float) -> float:
    return round(value, 3)


def community_row(rng: random.Random, name: str, strength: float, households: int,
                  incidents: int) -> dict[str, object]:
    c = Entity(rng, strength, spread=0.08)
    r: dict[str, object] = {"entity": name}

    # ---- 一、基础设施 (1-7 carry the tiers: 基础型 / 成长型 / 标杆型 values sit inside these ranges)
    r["households"] = households
    r["gigabit_households"] = c.part(households, 0.58, 0.98, spread=0.05)
    community_area = area(households / rng.uniform(2500, 6000))
    r["community_area"] = community_area
    r["fiveg_covered_area"] = min(community_area, area(community_area * c.between(0.70, 1.00, spread=0.05)))
    r["tv_households"] = c.part(households, 0.60, 0.97, spread=0.05)
    key_points = round(households / rng.uniform(45, 80))
    r["video_key_points"] = key_points
    r["covered_key_points"] = c.part(key_points, 0.84, 1.00, spread=0.05)
    cameras = round(key_points * rng.uniform(3.0, 5.5))
    r["key_point_cameras"] = cameras
    r["networked_key_point_cameras"] = c.part(cameras, 0.85, 1.00, spread=0.05)
    r["intact_key_point_cameras"] = c.part(cameras, 0.87, 1.00, spread=0.05)
    channels = round(cameras * rng.uniform(1.1, 1.6))
    r["public_video_channels"] = channels
    r["imaging_video_channels"] = c.part(channels, 0.72, 0.99, spread=0.05)
    lights = round(households * rng.uniform(0.08, 0.16))
    r["public_lights"] = lights
    r["smart_lights"] = c.part(lights, 0.05, 0.90)
    r["smart_energy_meters"] = round(3 * households * c.between(0.02, 0.70))

    # ---- 二、社区治理
    r["grid_households"] = c.part(households, 0.62, 1.00)
    waste_points = round(households / rng.uniform(120, 200))
    r["waste_points"] = waste_points
    r["monitored_waste_points"] = c.part(waste_points, 0.0, 0.70, spread=0.12)
    entrances = round(households / rng.uniform(250, 450)) + rng.randint(2, 6)
    r["entrances"] = entrances
    r["smart_access_entrances"] = c.part(entrances, 0.10, 0.95, spread=0.12)
    compounds = max(1, round(households / rng.uniform(500, 900)))
    r["compounds"] = compounds
    r["smart_property_compounds"] = c.part(compounds, 0.05, 0.95, spread=0.15)

    # ---- 三、便民服务
    if strength < 0.12:  # the old town's streets have no public parking lot at all
        parking = 0
    else:
        parking = round(households * rng.uniform(0.15, 0.45))
    r["public_parking_spaces"] = parking
    r["shared_parking_spaces"] = c.part(parking, 0.02, 0.65, spread=0.12)
    r["telemedicine"] = c.flag(0.0, 1.0)
    r["recycling_compounds"] = c.part(compounds, 0.10, 0.95, spread=0.15)
    services = rng.randint(40, 120)
    r["community_services"] = services
    r["online_community_services"] = c.part(services, 0.45, 0.98)
    elderly = round(households * 2.8 * rng.uniform(0.15, 0.24))
    r["elderly"] = elderly
    r["smart_elderly"] = c.part(elderly, 0.02, 0.65, spread=0.12)
    r["parcel_locker_compounds"] = c.part(compounds, 0.30, 1.00, spread=0.15)
    merchants = round(households * rng.uniform(0.01, 0.03))
    r["merchants"] = merchants
    r["e_payment_merchants"] = c.part(merchants, 0.60, 1.00)
    r["service_platform"] = c.flag(0.20, 0.80)
    r["on_aishandong"] = c.flag(0.40, 0.60)
    r["online_affairs"] = c.flag(0.05, 0.85)

    # ---- 四、保障措施
    r["working_group"] = c.flag(0.50, 0.50)
    r["resident_feedback"] = c.flag(0.30, 0.65)
    r["data_protection"] = c.flag(0.05, 0.90)
    r["dedicated_funds"] = c.flag(0.10, 0.80)
    r["social_capital"] = c.flag(0.00, 0.85)
    r["operator"] = c.flag(0.10, 0.85)
    r["security_incidents"] = incidents
    return r


def main() -> None:
    rng = random.Random(SEED)
    rows = [community_row(rng, *community) for community in COMMUNITIES]

    keys = ["entity", *declared_inputs(STANDARD)]
    write_cohort(rows, keys, STANDARD, JSON_OUT, CSV_OUT, "communities")

if __name__ == "__main__":
    main()
