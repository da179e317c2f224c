"""Writes index-cohort.json and index-cohort.csv: invented statistics for 10 fictional cities.

The cities and every number are made up; a name that matches a real place does so by accident.
They are the cohort of digital-development-index.scs, the illustrative composite index in the
OECD/JRC style: every indicator of it is normalised across the cities scored together, so the
file is meant to be scored whole.  Magnitudes follow a Chinese prefecture-level city of the early
2020s: 1.5 to 12 million resident people, fixed broadband in 60-98% of households, 10 to 40 5G
base stations per 10 000 people.  Each city has a fixed "strength" that pulls its statistics up
or down, so the cohort spreads from weak to strong.

A few statistics are missing, as they would be in a real collection: the keys are absent from
the JSON and the cells blank in the CSV.  Each is one of the inputs the index imputes from the
other cities (`when missing: cohort median` or `cohort mean`), and the strongest city reports
everything.

Deterministic (fixed seed) and standard library only:

    python standards/examples/make_index_cohort.py

The keys are the inputs declared in digital-development-index.scs, in declaration order; the
script stops if the standard declares an input it does not generate, or the other way round.
Every part is at most its whole (`part of`), and no whole is zero.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from cohort_kit import Entity, declared_inputs, money, write_cohort

HERE = Path(__file__).resolve().parent
STANDARD = HERE / "digital-development-index.scs"
JSON_OUT = HERE / "index-cohort.json"
CSV_OUT = HERE / "index-cohort.csv"
SEED = 20240101

# name, strength (0 weak .. 1 strong), resident population in millions
CITIES = [
    ("澄江湾市", 0.92, 11.8),
    ("栖霞川市", 0.84, 8.6),
    ("临岫市", 0.76, 6.4),
    ("白洑市", 0.70, 5.1),
    ("溪口原市", 0.63, 4.7),
    ("苇塘市", 0.55, 3.9),
    ("青崖市", 0.48, 3.2),
    ("榆关市", 0.40, 2.6),
    ("沙渚市", 0.31, 2.1),
    ("石甸市", 0.22, 1.5),
]

# Statistics a city did not report: each an input the index imputes from the other cities.
MISSING = {
    "苇塘市": ["broadband_rate"],
    "青崖市": ["open_datasets", "elderly_trained_rate"],
    "沙渚市": ["gigabit_rate", "ecommerce_rate"],
}


def rate(value: float) -> float:
    """A rate to four decimals (0.8734), as a statistical bulletin gives a percentage to two."""
    return round(value, 4)


def city_row(rng: random.Random, name: str, strength: float, population_m: float) -> dict[str, object]:
    c = Entity(rng, strength, population_m)
    r: dict[str, object] = {"entity": name}
    population = round(c.pop)
    r["population"] = population

    # ---- D1 数字基础设施
    r["broadband_rate"] = rate(c.between(0.60, 0.98))
    r["gigabit_rate"] = rate(c.between(0.30, 0.95))
    r["base_stations_5g"] = round(population * c.between(10e-4, 40e-4))

    # ---- D2 数字政府
    services = rng.randint(1200, 2500)
    r["government_services"] = services
    r["online_services"] = c.part(services, 0.60, 0.98)
    r["open_datasets"] = round(c.between(200, 5000, spread=0.12, curve=1.4))

    # ---- D3 数字经济
    gdp = money(population_m * rng.uniform(0.8, 1.4) * (800 + 1200 * strength))
    r["gdp"] = gdp
    r["digital_value_added"] = money(gdp * c.between(0.03, 0.15))
    r["digital_firms"] = round(population * c.between(20e-4, 150e-4, curve=1.2))
    r["ecommerce_rate"] = rate(c.between(0.05, 0.25))

    # ---- D4 数字社会
    r["internet_users"] = c.part(population, 0.65, 0.95)
    r["elderly_trained_rate"] = rate(c.between(0.10, 0.60))
    return r


def main() -> None:
    rng = random.Random(SEED)
    rows = [city_row(rng, *city) for city in CITIES]  # every statistic drawn, then some withheld
    for row in rows:
        for key in MISSING.get(str(row["entity"]), []):
            row[key] = None  # write_cohort: a blank CSV cell (and a JSON null, left out below)
    write_cohort(rows, ["entity", *declared_inputs(STANDARD)], STANDARD, JSON_OUT, CSV_OUT, "cities")
    # In the JSON a statistic not reported is an absent key rather than null (both mean missing).
    records = json.loads(JSON_OUT.read_text(encoding="utf-8"))
    with JSON_OUT.open("w", encoding="utf-8") as out:
        json.dump([{k: v for k, v in r.items() if v is not None} for r in records], out, ensure_ascii=False,
                  indent=2)
        out.write("\n")


if __name__ == "__main__":
    main()
