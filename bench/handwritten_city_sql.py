"""A hand-written, exact DuckDB query for standards/shandong-city-2019.scs: the baseline the
generated query is measured against (issue 14: integer cross-multiplication, the total computed
once in a subquery).

What a competent developer would write from the .scs file for a table typed as the bench builds
it (BIGINT counts, BOOLEAN yes/no, DOUBLE for the decimal statistics): each star band decided by
cross-multiplying integers (a / b >= p / q as a * q >= p * b), doubles taken as integers of ten
thousandths (every decimal in the cohort has at most four places: right for these data, not in
general), points in hundredths (max x stars x 20 is whole for every indicator), the rank by a
window, and the total, the bonus cap and the rating over the indicators' subquery. No checks of
the data beyond what the formulas need. `query(table)` gives the SQL; bench_sql.py checks that
it gives the library's totals and ratings before timing it.
"""

from __future__ import annotations

from fractions import Fraction

SCALE = 10_000  # doubles as integers of ten thousandths


def _d(name: str) -> str:
    return f'CAST(round("{name}" * {SCALE}) AS BIGINT)'


def _c(name: str) -> str:
    return f'"{name}"'


def _b(name: str) -> str:
    return f'CAST("{name}" AS BIGINT)'


def _ratio(part: str, whole: str) -> tuple[str, str]:
    return part, whole


MATURE = ("60%", "70%", "80%", "90%", "95%")
RATES = ("50%", "60%", "70%", "80%", "90%")
ADOPTION = ("20%", "35%", "50%", "65%", "80%")
EMERGING = ("10%", "20%", "30%", "45%", "60%")
THREE = ("1", "1.5", "2", "2.5", "3")
FOUR = ("1", "1.5", "2", "3", "4")


def _sum(*terms: str) -> str:
    return " + ".join(terms)


# indicator -> (numerator, denominator, thresholds, maximum points); every value is num / den.
INDICATORS: dict[int, tuple[str, str, tuple[str, ...], str]] = {
    1: (_c("fibre_households"), _c("households"), ("60%", "70%", "80%", "88%", "95%"), "2"),
    2: (_d("mobile_download_speed"), str(SCALE), ("15", "20", "25", "30", "40"), "2"),
    3: (_c("auto_weather_stations"), _c("weather_stations"), MATURE, "1.5"),
    4: (f'({_c("hd_video_areas")} * {_c("key_area_cameras")} + {_c("intact_cameras")} * {_c("key_public_areas")})',
        f'(2 * {_c("key_public_areas")} * {_c("key_area_cameras")})', MATURE, "2"),
    5: (_c("networked_cameras"), _c("key_area_cameras"), RATES, "2"),
    6: (f'({_c("video_solved_cases")} * 10 * {SCALE} + {_d("video_service_score")} * {_c("solved_criminal_cases")})',
        f'(2 * {_c("solved_criminal_cases")} * 10 * {SCALE})', ("30%", "40%", "50%", "60%", "70%"), "2"),
    7: (_c("e_police_points"), _c("intersections"), RATES, "1.5"),
    8: (_c("broadband_200m_users"), _c("households"), ("20%", "30%", "40%", "50%", "60%"), "2"),
    9: (_d("smart_pipeline_length"), _d("pipeline_length"), EMERGING, "1.5"),
    10: (_c("ipv6_websites"), _c("main_websites"), ("20%", "40%", "60%", "80%", "100%"), "3"),
    11: (_d("topo_map_area"), _d("planning_area"), ("50%", "60%", "70%", "85%", "95%"), "1.5"),
    12: (_c("fiveg_covered_areas"), _c("fiveg_key_areas"), ("10%", "20%", "35%", "50%", "70%"), "3"),
    13: (_c("e_license_services"), _c("government_services"), ADOPTION, "3"),
    14: (_c("e_bus_stop_signs"), _c("bus_stops"), EMERGING, "2"),
    15: (f'({_d("school_wifi_coverage")} * {_c("ordinary_classrooms")} + {_c("multimedia_classrooms")} * {SCALE}'
         f' + {_d("remote_education_coverage")} * {_c("ordinary_classrooms")})',
         f'(3 * {SCALE} * {_c("ordinary_classrooms")})', RATES, "3"),
    16: (_sum(*(_b(f"jobs_via_{w}") for w in ("internet", "kiosk", "wechat", "weibo", "app", "hotline"))), "1",
         ("2", "3", "4", "5", "6"), "2"),
    18: (_c("networked_medical_institutions"), _c("medical_institutions"), RATES, "2.5"),
    19: (_sum(*(_b(f"ss_{w}_online") for w in ("transfer", "qualification", "medical_settlement", "pension_query"))),
         "1", FOUR, "2"),
    20: (_c("appointment_visits"), _c("outpatient_visits"), ("10%", "20%", "30%", "40%", "50%"), "2.5"),
    21: (_c("signal_timed_intersections"), _c("intersections"), ADOPTION, "2"),
    22: (_c("e_payment_trips"), _c("transit_trips"), RATES, "2"),
    23: (_c("cloud_systems"), _c("business_systems"), RATES, "3"),
    24: (_c("grid_communities"), _c("communities"), ("60%", "70%", "80%", "90%", "98%"), "2"),
    25: (f'({_d("air_monitored_area")} + {_d("water_monitored_area")} + {_d("noise_monitored_area")})',
         f'(3 * {_d("region_area")})', ("30%", "45%", "60%", "70%", "80%"), "2.5"),
    26: (_c("commanded_events"), _c("emergency_events"), RATES, "2.5"),
    27: (_c("shared_data_categories"), _c("shareable_data_categories"), MATURE, "3"),
    28: (_c("open_data_categories"), _c("openable_data_categories"), ("10%", "20%", "30%", "40%", "50%"), "2.5"),
    29: (_sum(*(_b(f"spatial_{w}") for w in ("gov_platform", "public_website", "mobile_app"))), "1", THREE, "2"),
    30: (_c("credit_sharing_units"), _c("credit_units"), RATES, "2.5"),
    31: (_c("metered_energy_buildings"), _c("key_energy_buildings"), ADOPTION, "2"),
    32: (_d("software_revenue"), _d("gdp"), ("1%", "2%", "4%", "8%", "15%"), "2.5"),
    33: (_c("cloud_enterprises"), _c("enterprises"), ("5%", "10%", "15%", "20%", "30%"), "3"),
    34: (_c("digital_economy_parks"), "1", ("1", "2", "3", "4", "5"), "2"),
    35: (_d("online_retail"), _d("retail_sales"), ("4%", "8%", "12%", "17%", "24%"), "2"),
    36: (_c("lianghua_pilot_enterprises"), _c("province_lianghua_pilot_enterprises"),
         ("2%", "4%", "6%", "9%", "12%"), "2"),
    37: (_d("bigdata_revenue"), _d("gdp"), ("0.2%", "0.5%", "1%", "1.5%", "2.5%"), "2"),
    38: (_c("it_employment"), _c("employment"), ("1%", "2%", "3%", "5%", "7%"), "2"),
    # growth: (now - before) / before, now = patents / population
    39: ('(CAST("invention_patents" AS HUGEINT) * "population@previous" - '
         'CAST("invention_patents@previous" AS HUGEINT) * "population")',
         '(CAST("invention_patents@previous" AS HUGEINT) * "population")', ("5%", "10%", "15%", "20%", "30%"), "2.5"),
    40: (_sum(*(_b(w) for w in ("leading_group_by_mayor", "big_data_bureau_coordinates", "operating_company",
                                 "annual_work_meeting", "joint_meeting_system"))), "1", ("1", "2", "3", "4", "5"),
         "2.5"),
    41: (f'3 * {_b("top_level_plan")} + 2 * {_b("special_plans")}', "1", ("1", "2", "3", "4", "5"), "2.5"),
    42: (_sum(*(_b(w) for w in ("talent_training", "cio_system", "talent_policy", "talent_exchange"))), "1", FOUR,
         "2"),
    43: (_sum(*(_b(w) for w in ("special_fund", "fiscal_key_projects", "social_capital"))), "1", THREE, "2.5"),
    44: (_c("supported_projects"), _c("registered_legal_entities"), ("0.05%", "0.08%", "0.11%", "0.14%", "0.18%"),
         "2.5"),
    46: ('2 * "national_pilots" + "provincial_pilots"', "1", ("1", "2", "4", "6", "9"), "2"),
    47: (f'3 * "national_events" + 2 * "provincial_events" + "municipal_events" + 3 * {_b("shown_in_data_hall")}',
         "1", ("3", "6", "10", "15", "20"), "1"),
    48: (_c("innovation_cases"), "1", ("1", "2", "3", "4", "5"), "2"),
    49: (_c("smart_communities"), _c("communities"), ("5%", "10%", "20%", "28%", "35%"), "2"),
}
RANK_MAX = "3"  # indicator 17: the rank of aishandong_apps, at most 16, 12, 8, 5, 3
LEADING = (10, 12, 13, 23, 27, 33)
BONUS = (46, 47, 48, 49)


def _fraction(text: str) -> Fraction:
    return Fraction(text[:-1]) / 100 if text.endswith("%") else Fraction(text)


def _stars(num: str, den: str, thresholds: tuple[str, ...]) -> str:
    """Stars of num / den >= t for each threshold t = p / q: num * q >= p * den."""
    steps = []
    for t in map(_fraction, thresholds):
        steps.append(f"CAST(({num}) * {t.denominator} >= {t.numerator} * ({den}) AS INTEGER)")
    return " + ".join(steps)


def query(table: str) -> str:
    stars = [f'{_stars(num, den, bands)} AS s{n}' for n, (num, den, bands, _) in INDICATORS.items() if n != 31]
    stars.append(f'CASE WHEN "key_energy_buildings" = 0 THEN NULL ELSE '
                 f'{_stars(*INDICATORS[31][:3])} END AS s31')
    stars.append('CAST(r <= 16 AS INTEGER) + CAST(r <= 12 AS INTEGER) + CAST(r <= 8 AS INTEGER) + '
                 'CAST(r <= 5 AS INTEGER) + CAST(r <= 3 AS INTEGER) AS s17')
    stars.append('-least(2 * "security_incidents", 10) * 100 AS p45')
    hundredths = {n: int(Fraction(points) * 20) for n, (_, _, _, points) in INDICATORS.items()} | {17: 60}
    scored = " + ".join(f"coalesce(s{n}, 0) * {h}" for n, h in hundredths.items() if n not in BONUS)
    bonus = " + ".join(f"s{n} * {hundredths[n]}" for n in BONUS)

    def leading(k: int) -> str:
        return " AND ".join(f"coalesce(s{n} >= {k}, TRUE)" for n in LEADING)
    return f"""
WITH ranked AS (SELECT *, RANK() OVER (ORDER BY "aishandong_apps" DESC) AS r FROM "{table}"),
stars AS (SELECT entity, {", ".join(stars)} FROM ranked),
totals AS (SELECT *, {scored} + p45 + least({bonus}, 500) AS total FROM stars)
SELECT *, CASE WHEN total >= 8500 AND {leading(4)} THEN 5 WHEN total >= 7000 AND {leading(3)} THEN 4
               WHEN total >= 5500 AND {leading(2)} THEN 3 WHEN total >= 4000 THEN 2 WHEN total >= 2500 THEN 1
               ELSE 0 END AS rating
FROM totals
"""
