"""The `smartcity-rules` command: check, score and explain. Thin: main(argv) -> exit code."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TextIO

from . import __version__, report
from .data import read_records
from .diagnostics import render
from .errors import InvalidStandard, NotFound, SmartCityRulesError
from .standard import diagnose, load


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    failed = False
    for path in args.files:
        diagnostics = diagnose(path)
        for diagnostic in diagnostics:
            print(render(diagnostic), file=err)
            print(file=err)
        errors = sum(d.is_error for d in diagnostics)
        warnings = len(diagnostics) - errors
        failed |= errors > 0
        verdict = f"{errors} error{'s' if errors != 1 else ''}" if errors else "ok"
        print(f"{path}: {verdict}, {warnings} warning{'s' if warnings != 1 else ''}", file=out)
    return 1 if failed else 0


def _score(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    standard = load(args.standard)
    records = read_records(args.data)
    evaluations = standard.evaluate_cohort(records)
    if args.entity:
        known = {e.entity for e in evaluations}
        unknown = [name for name in args.entity if name not in known]
        if unknown:
            raise NotFound(f"no entity {unknown[0]!r} in the data (entities: {', '.join(sorted(known))})")
        evaluations = tuple(e for e in evaluations if e.entity in args.entity)
    if args.format == "json":
        print(report.to_json(evaluations), file=out)
    else:
        print(report.tables(standard, evaluations), file=out)
    return 0


def _explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    standard = load(args.standard)
    explanation = standard.explain(read_records(args.data), args.entity, args.indicator)
    if args.format == "json":
        print(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2), file=out)
    else:
        print(explanation.render(), file=out)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="smartcity-rules",
                                     description="Check smart-city standards and score entities with them.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="report every problem in standard files")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(run=_check)
    score = sub.add_parser("score", help="score the entities in a statistics file (JSON or CSV)")
    score.add_argument("standard", metavar="STANDARD")
    score.add_argument("data", metavar="DATA")
    score.add_argument("--format", choices=("table", "json"), default="table")
    score.add_argument("--entity", action="append", metavar="E", help="only this entity (repeatable)")
    score.set_defaults(run=_score)
    explain = sub.add_parser("explain", help="show how one indicator's number was reached")
    explain.add_argument("standard", metavar="STANDARD")
    explain.add_argument("data", metavar="DATA")
    explain.add_argument("--entity", required=True, metavar="E")
    explain.add_argument("--indicator", required=True, type=int, metavar="N")
    explain.add_argument("--format", choices=("text", "json"), default="text")
    explain.set_defaults(run=_explain)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = _parser().parse_args(argv)
    try:
        code: int = args.run(args, out, err)
        return code
    except InvalidStandard as error:
        print(str(error), file=err)
        return 1
    except SmartCityRulesError as error:
        print(f"error: {error}", file=err)
        return 1
    except BrokenPipeError:  # the reader went away (`| head`): not our error
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
