"""Shared by the cohort generators: draws an entity's statistics from its strength, and writes
a cohort as JSON and CSV once it holds exactly the inputs its standard reads."""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path


class Entity:
    """Draws one entity's statistics; every draw goes through the shared generator, in order,
    so a fixed seed gives the same cohort every time."""

    def __init__(self, rng: random.Random, strength: float, population_m: float = 0.0,
                 spread: float = 0.10) -> None:
        self.rng = rng
        self.s = strength
        self.pop = population_m * 1_000_000
        self.spread = spread

    def q(self, spread: float | None = None, curve: float = 1.0) -> float:
        """The entity's position for one statistic: strength plus noise, within 0..1."""
        noise = self.rng.gauss(0, self.spread if spread is None else spread)
        return float(min(1.0, max(0.0, self.s + noise)) ** curve)

    def between(self, low: float, high: float, spread: float | None = None, curve: float = 1.0) -> float:
        return low + (high - low) * self.q(spread, curve)

    def part(self, whole: int, low: float, high: float, spread: float | None = None) -> int:
        return min(whole, round(whole * self.between(low, high, spread)))

    def per_person(self, low: float, high: float) -> int:
        return round(self.pop * self.rng.uniform(low, high))

    def flag(self, base: float, gain: float) -> bool:
        """Yes with probability base + gain x strength."""
        return self.rng.random() < base + gain * self.s


def declared_inputs(standard: Path) -> list[str]:
    """The input names a standard file declares, in file order: a cohort's columns."""
    text = standard.read_text(encoding="utf-8")
    return re.findall(r"^input\s+(\w+)", text, flags=re.MULTILINE)


def write_cohort(rows: list[dict[str, object]], keys: list[str], standard: Path, json_out: Path,
                 csv_out: Path, noun: str) -> None:
    """Writes the rows with `keys` as columns, in that order; stops if the rows and the
    standard's inputs are out of step."""
    generated = set(rows[0]) - {"entity"}
    wanted = set(keys) - {"entity"}
    if generated != wanted:
        raise SystemExit(f"inputs out of step with {standard.name}: "
                         f"missing {sorted(wanted - generated)}, extra {sorted(generated - wanted)}")
    ordered = [{key: row[key] for key in keys} for row in rows]
    with json_out.open("w", encoding="utf-8") as out:
        json.dump(ordered, out, ensure_ascii=False, indent=2)
        out.write("\n")
    with csv_out.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(keys)
        for row in ordered:
            writer.writerow(["yes" if v is True else "no" if v is False else v for v in row.values()])
    print(f"wrote {json_out.name} and {csv_out.name}: {len(ordered)} {noun}, {len(keys) - 1} keys each")


def money(value: float) -> float:
    """Money to the fen (two decimals), as statistics yearbooks give it."""
    return round(value, 2)
