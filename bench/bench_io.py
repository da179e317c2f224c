"""Results at scale: what the rating, the results and to_dict cost next to the evaluation, and
scoring 1k, 10k and 100k records from a CSV file to a CSV file stream, in time and memory.

    python bench/bench_io.py [--sizes 1000,10000,100000] [--standard community|city|national] [--repeated]

(1) In one process, a chunk of 10,000 records at a time (as `score` streams them), the CPU seconds
    (the best of --rounds) of
    (e) the evaluation: Standard.evaluate_stream, totals only;
    (r) the rating reached, for every entity (Evaluation.rating.name);
    (x) explain-free results: every indicator, group and node result (Evaluation.indicators, ...);
    (d) Evaluation.to_dict() for every entity;
    and the ratios r/e, x/e, d/e. The issue asks for about 1 or less.
(2) `smartcity-rules score STANDARD data.csv -o results.csv` in a fresh process per size: wall
    seconds and peak resident memory (the child's ru_maxrss), next to a hand-written pass that
    only reads the same CSV and writes each row back (csv.DictReader/writer), the floor of the I/O.
The records are copies of the bundled cohort, renamed, each copy's numbers jittered (seeded): every
input that is a part of another (`part of`) lowered by up to a tenth, in the places its cell was
written with, so each record still scores without errors and its values are its own. A cohort of
the bundled rows repeated (--repeated) shows every value over and over, and the texts' caches hit
every time: it measures the caches, not the formatting. See bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import gc
import itertools
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the checkout's library, installed or not

import smartcity_rules as scr  # noqa: E402

# The city standard ranks its cohort (indicator 17), so `score` holds the whole file: its memory
# grows with the records, unlike the community's.
STANDARDS = {"community": ("shandong-community-2019.scs", "community-cohort.csv"),
             "city": ("shandong-city-2019.scs", "city-cohort.csv"),
             "national": ("china-smart-city-evaluation-2016.scs", "national-cohort.csv")}


def write_cohort(source: Path, count: int, target: Path, standard: scr.Standard | None = None,
                 seed: int = 1) -> None:
    """`count` records: the cohort's rows over and over, each entity renamed `name#k`; with a
    standard, each copy's parts jittered (jitter_row), so the values are distinct."""
    with source.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    header, body = rows[0], rows[1:]
    at = header.index("entity")
    parts = set() if standard is None else jittered_inputs(standard)
    columns = [n for n, name in enumerate(header) if name in parts]
    rnd = random.Random(seed)
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for k in range(count):
            row = list(body[k % len(body)])
            row[at] = f"{row[at]}#{k}"
            jitter_row(row, columns, rnd)
            writer.writerow(row)


def jittered_inputs(standard: scr.Standard) -> set[str]:
    """The inputs lowered: parts of a whole (`part of`) that are no whole themselves, since
    lowering a part keeps it within its whole, and lowering a whole could put it under its parts."""
    wholes = {i.part_of for i in standard.inputs if i.part_of}
    return {i.name for i in standard.inputs if i.part_of and i.name not in wholes}


def jitter_row(row: list[str], columns: list[int], rnd: random.Random) -> None:
    """Lower each given cell holding a positive number by up to a tenth, in integer steps of its
    last written place (`12.34` by hundredths), so a count stays a count and a cell its precision."""
    for n in columns:
        cell = row[n]
        whole, dot, fraction = cell.partition(".")
        if not (whole + fraction).isdigit():
            continue  # empty (missing), or not a plain number: left as written
        units = int(whole + fraction)
        units -= rnd.randrange(0, units // 10 + 1)
        text = str(units).rjust(len(fraction) + 1, "0")
        row[n] = f"{text[:-len(fraction)]}.{text[-len(fraction):]}" if dot and fraction else text


def in_process(standard: scr.Standard, data: Path, rounds: int = 3) -> dict[str, float]:
    """CPU seconds of each step, summed over the chunks; each step on fresh row views, the best of
    `rounds` (the machine is shared: the least time is the code's, the rest other jobs')."""
    from smartcity_rules.data.records import iter_records

    steps: dict[str, Callable[[scr.Evaluation], Any]] = {
        "e": lambda e: e.total,
        "r": lambda e: None if e.rating is None else e.rating.name,
        "x": lambda e: (e.indicators, e.groups, e.nodes),
        "d": lambda e: e.to_dict(),
    }
    spent = dict.fromkeys(steps, 0.0)
    records = iter_records(data, standard=standard)
    while chunk := list(itertools.islice(records, 10_000)):
        spent["e"] += min(_evaluation(standard, chunk) for _ in range(rounds))
        for name in ("r", "x", "d"):
            spent[name] += min(_step(standard, chunk, steps[name]) for _ in range(rounds))
    return spent


def _evaluation(standard: scr.Standard, chunk: list[Any]) -> float:
    gc.collect()
    start = time.process_time()
    scored = list(standard.evaluate_stream(chunk, chunk=len(chunk)))
    [e.total for e in scored]
    return time.process_time() - start


def _step(standard: scr.Standard, chunk: list[Any], step: Callable[[scr.Evaluation], Any]) -> float:
    fresh = list(standard.evaluate_stream(chunk, chunk=len(chunk)))  # nothing cached from before
    gc.collect()
    start = time.process_time()
    for evaluation in fresh:
        step(evaluation)
    return time.process_time() - start


PEAK = """
import sys
def peak_mb():  # VmHWM: this process's own peak, which ru_maxrss is not after a fork from a big parent
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""
SCORE = PEAK + """
from smartcity_rules.cli import main
code = main(sys.argv[1:])
print(peak_mb(), file=sys.stderr)
sys.exit(code)
"""
HANDWRITTEN = PEAK + """
import csv
with open(sys.argv[1], encoding="utf-8", newline="") as src, \\
        open(sys.argv[2], "w", encoding="utf-8", newline="") as out:
    reader = csv.DictReader(src)
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames)
    writer.writeheader()
    for row in reader:
        writer.writerow(row)
print(peak_mb(), file=sys.stderr)
"""


def child(code: str, *argv: str) -> tuple[float, float]:
    """Wall seconds and peak resident MB of a fresh Python process running `code` with argv."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *argv], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{argv} failed with {done.returncode}: {done.stderr}")
    return time.perf_counter() - start, float(done.stderr.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--standard", choices=sorted(STANDARDS), default="community")
    parser.add_argument("--rounds", type=int, default=3, help="in-process rounds of each step; the least is kept")
    parser.add_argument("--repeated", action="store_true",
                        help="the bundled rows repeated as they are (values repeat: the text caches always hit)")
    args = parser.parse_args()
    name, cohort = STANDARDS[args.standard]
    path = ROOT / "standards" / name
    standard = scr.load(path)
    kind = "repeated" if args.repeated else "distinct (parts jittered, seed 1)"
    print(f"{path.name}: {len(standard.indicator_codes)} indicators, {len(standard.inputs)} inputs; cohort {kind}")
    print(f"{'records':>8} {'e s':>7} {'r/e':>5} {'x/e':>5} {'d/e':>5} | {'score s':>8} {'MB':>6} "
          f"| {'copy s':>7} {'MB':>5} | score/copy")
    with tempfile.TemporaryDirectory() as scratch:
        for size in (int(s) for s in args.sizes.split(",")):
            data = Path(scratch) / f"data-{size}.csv"
            write_cohort(ROOT / "standards" / "examples" / cohort, size, data, None if args.repeated else standard)
            spent = in_process(standard, data, args.rounds)
            score = child(SCORE, "score", str(path), str(data), "-o", str(Path(scratch) / "results.csv"))
            copy = child(HANDWRITTEN, str(data), str(Path(scratch) / "copy.csv"))
            e = spent["e"]
            print(f"{size:>8} {e:>7.3f} {spent['r'] / e:>5.2f} {spent['x'] / e:>5.2f} {spent['d'] / e:>5.2f} "
                  f"| {score[0]:>8.2f} {score[1]:>6.0f} | {copy[0]:>7.2f} {copy[1]:>5.0f} | {score[0] / copy[0]:>6.1f}")


if __name__ == "__main__":
    main()
