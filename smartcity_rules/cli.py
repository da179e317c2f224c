"""The `smartcity-rules` command: check, score, template, explain, diff, whatif, assess, docs, report,
test, sensitivity, lsp.

Thin: main(argv) -> exit code."""

from __future__ import annotations

import argparse
import contextlib
import contextvars
import functools
import gettext
import json
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO, TypeVar

from . import __version__, messages
from .data.records import iter_rows, read_records
from .data.tables import PARQUET, TableParts
from .data.template import write_template
from .data.write_csv import write_csv
from .data.write_excel import write_excel
from .data.write_json import write_json
from .data.write_parquet import write_parquet
from .language.diagnostics import Severity, render, visible
from .language.errors import DataError, DataFileError, InvalidStandard, NotFound, SmartCityRulesError
from .publish import report
from .results.evaluation import Evaluation
from .standard import Standard, TypedStandard, diagnose, load
from .toolkit import editions, pilot


def _check(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    failed = False
    for path in args.files:
        diagnostics = diagnose(path, root=args.root)
        for diagnostic in diagnostics:
            print(render(diagnostic), file=err)
            print(file=err)
        errors = sum(d.is_error for d in diagnostics)
        warnings = sum(d.severity is Severity.WARNING for d in diagnostics)  # notes are neither
        failed |= errors > 0 or (args.strict and warnings > 0)
        verdict = _("{n} error" if errors == 1 else "{n} errors").format(n=errors) if errors else _("ok")
        counted = _("{n} warning" if warnings == 1 else "{n} warnings").format(n=warnings)
        print(f"{path}: {verdict}, {counted}", file=out)
    return 1 if failed else 0


def _score(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    standard = load(args.standard, root=args.root)
    form = _result_format(args)
    if form in BINARY_FORMATS and not args.output:
        print(f"error: {form} is written to a file: give it with -o FILE", file=err)
        return 2
    data = _Data(args.data, standard, keep_going=args.keep_going)
    # Streamed: a table is read a row at a time and each entity written as it is scored, so memory
    # does not grow with the file (a standard with rank or share reads it whole). The batch engine
    # scores columns: Parquet a row group at a time, other files a block of rows at a time (read
    # twice with rank or share).
    scored: Iterable[Evaluation] = (
        _in_duckdb(standard, args.data) if args.engine == "duckdb"
        else data.tables() if _batch(args, standard)
        else standard.evaluate_stream(data.records(), errors=data.scoring_errors))
    evaluations = _progress(scored, out, err, to_terminal=not args.output)
    try:
        if args.entity:  # a few entities: gathered first, so an unknown name writes no half output
            evaluations = list(_named(iter(evaluations), args.entity))
        _write_results(standard, evaluations, form, args.output, out)
    except DataError as error:
        raise _Located(data.where(error)) from None
    return data.report(err)


BIG_FILE = 1 << 20  # bytes: from here on, `--engine auto` scores a cohort's file a column at a time


def _batch(args: argparse.Namespace, standard: Standard) -> bool:
    """Whether to score with the batch engine: when asked to; under auto, for Parquet, and for
    other files of BIG_FILE bytes and more when the standard compares the cohort (rank, share:
    the record engine would hold every record, and text cells are read one at a time either
    way, so without a cohort the record engine streams faster in a third of the memory), when
    the standard runs on columns (numpy installed, one plan for every entity, no construct the
    columnar back-end refuses) and without --keep-going (whose report the record engine keeps
    row by row)."""
    if args.engine != "auto":
        return bool(args.engine == "batch")
    path = Path(args.data)
    big = path.suffix.lower() in PARQUET or (standard.needs_cohort and path.is_file()
                                             and path.stat().st_size >= BIG_FILE)
    return big and not args.keep_going and _runs_on_columns(standard)


def _runs_on_columns(standard: Standard) -> bool:
    import importlib.util

    if isinstance(standard, TypedStandard) or importlib.util.find_spec("numpy") is None:
        return False
    from .backends.columnar.executor import refusal

    return refusal(standard.plan) is None


class _Located(SmartCityRulesError):
    """A data error, its message led by the file, row and column it was read from."""


RESULT_FORMATS = ("summary", "table", "json", "csv", "xlsx", "parquet")
BINARY_FORMATS = ("xlsx", "parquet")
_BY_SUFFIX = {".csv": "csv", ".json": "json", ".xlsx": "xlsx", ".parquet": "parquet", ".pq": "parquet"}


def _result_format(args: argparse.Namespace) -> str:
    """--format, else what -o's suffix says (a file of every figure), else the full table with
    --detail, else the summary."""
    if args.format:
        return str(args.format)
    by_suffix = _BY_SUFFIX.get(Path(args.output).suffix.lower()) if args.output else None
    return by_suffix or ("table" if args.detail else "summary")


def _write_results(standard: Standard, evaluations: Iterable[Evaluation], form: str, output: str | None,
                   out: TextIO) -> None:
    if form == "xlsx":
        write_excel(evaluations, Path(output or ""))
    elif form == "parquet":
        write_parquet(evaluations, Path(output or ""))
    elif output:
        with Path(output).open("w", encoding="utf-8-sig" if form == "csv" else "utf-8", newline="") as stream:
            _write_text(standard, evaluations, form, stream)
    else:
        _write_text(standard, evaluations, form, out)


def _write_text(standard: Standard, evaluations: Iterable[Evaluation], form: str, out: TextIO) -> None:
    writers: dict[str, Callable[[Iterable[Evaluation], TextIO], None]] = {
        "json": write_json, "csv": write_csv,
        "table": functools.partial(report.write_tables, standard),
        "summary": functools.partial(report.write_summary, standard)}
    writers[form](evaluations, out)


class _Data:
    """A statistics file read for scoring: its records, where each came from, and, with
    --keep-going, every problem found in it (the rows with one left out, the rest scored)."""

    def __init__(self, path: str, standard: Standard, *, keep_going: bool) -> None:
        self.path = path
        self.standard = standard
        self.file_errors: list[DataFileError] | None = [] if keep_going else None
        self.scoring_errors: list[DataError] | None = [] if keep_going else None
        self.rows: dict[str, int] = {}  # each entity's row, for errors about it
        self.header: dict[str, str] = {}

    def records(self) -> Iterator[dict[str, Any]]:
        for number, record in iter_rows(self.path, standard=self.standard, errors=self.file_errors):
            self.rows.setdefault(str(record.get("entity", f"#{len(self.rows) + 1}")), number)
            yield record

    def tables(self) -> Iterator[Evaluation]:
        """The batch engine's evaluations: the file read as tables (data/tables.py), a part
        scored a column at a time; with --keep-going, the rows that fail are left out."""
        parts = TableParts(self.path, self.standard, rows=self.rows, errors=self.file_errors)
        keep_going = self.scoring_errors is not None
        scored: Iterable[Any]
        if keep_going and self.standard.plan.cohort_sites:  # rows left out leave the cohort: one table
            scored = [self.standard.evaluate_table(parts.whole(), keep_going=True)]
        else:
            scored = self.standard.evaluate_parts(parts, keep_going=keep_going)
        for part in scored:
            if self.scoring_errors is not None:
                self.scoring_errors.extend(error for _, error in part.errors)
            yield from part.iter_evaluations()

    def where(self, error: DataError) -> str:
        """The error, led by the file and the entity's row where they are known."""
        row = self.rows.get(error.entity or "")
        return f"{self.path}" + (f":{row}" if row is not None else "") + f": {error}"

    def report(self, err: TextIO) -> int:
        """Exit status 1 and every problem on stderr when --keep-going left rows out; else 0."""
        problems = sorted([(e.row or 0, str(e)) for e in self.file_errors or ()]
                          + [(self.rows.get(e.entity or "", 0), self.where(e)) for e in self.scoring_errors or ()])
        if not problems:
            return 0
        print(visible(f"error: {len(problems)} problem{'s' if len(problems) != 1 else ''} in the data; "
                      f"{len(self.rows) - len(self.scoring_errors or ())} entities scored, the rest left out:"),
              file=err)
        for _, problem in problems:
            print(visible(f"  {problem}"), file=err)
        return 1


def _in_duckdb(standard: Any, data: str) -> tuple[Evaluation, ...]:
    """`score --engine duckdb`: the file read and scored by an embedded DuckDB (the `sql` extra).
    CSV cells are read as text, so each is read exactly as written."""
    from .backends.sql.run import require

    duckdb = require("duckdb", "sql")
    connection = duckdb.connect()
    suffix = Path(data).suffix.lower()
    try:
        if suffix == ".parquet":
            relation = connection.read_parquet(data)
        elif suffix == ".json":
            relation = connection.read_json(data)
        else:
            relation = connection.read_csv(data, all_varchar=True)
    except duckdb.Error as error:
        raise DataFileError(f"{data}: {error}") from None
    evaluations: tuple[Evaluation, ...] = standard.evaluate_sql(relation)
    return evaluations


def _sql(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    standard = load(args.standard, root=args.root)
    if not standard.sql_nodes:
        print("note: a geometric mean cannot be exact in SQL: the query gives the indicators, "
              "not the nodes, the total or the rating (docs/sql.md)", file=err)
    print(standard.to_sql(args.table, args.dialect), file=out)
    return 0


def _named(evaluations: Iterator[Evaluation], entities: list[str]) -> Iterator[Evaluation]:
    """The evaluations of the entities named with --entity, in the data's order."""
    known: list[str] = []
    for evaluation in evaluations:
        known.append(evaluation.entity)
        if evaluation.entity in entities:
            yield evaluation
    unknown = [name for name in entities if name not in known]
    if unknown:
        raise NotFound(f"no entity {unknown[0]!r} in the data (entities: {', '.join(sorted(known))})")


def _chosen(evaluations: tuple[Evaluation, ...], entities: list[str] | None) -> tuple[Evaluation, ...]:
    """The evaluations of the entities named with --entity; all of them when none is named."""
    if not entities:
        return evaluations
    known = {e.entity for e in evaluations}
    unknown = [name for name in entities if name not in known]
    if unknown:
        raise NotFound(f"no entity {unknown[0]!r} in the data (entities: {', '.join(sorted(known))})")
    return tuple(e for e in evaluations if e.entity in entities)


def _explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    standard = load(args.standard, root=args.root)
    explanation = standard.explain(standard.read(args.data), args.entity, args.indicator)
    if args.format == "json":
        print(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2), file=out)
    else:
        print(visible(explanation.render()), file=out)
    return 0


def _docs(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from . import document  # imports sympy: only this command pays for it

    suffix = Path(args.output).suffix.lower() if args.output else ""
    text = document.render_document(load(args.standard, root=args.root), args.format or (
        "html" if suffix in (".html", ".htm") else "markdown"))
    if not args.output:
        out.write(text)
        return 0
    return _write_file(args.output, text, err)


def _write_file(path: str, text: str, err: TextIO) -> int:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as error:
        print(_("error: cannot write {path}: {reason}").format(path=path, reason=error.strerror or error), file=err)
        return 1
    return 0


def _report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .publish import cohort_report  # imports plotly, the report extra: only this command needs it

    standard = load(args.standard, root=args.root)
    records = read_records(args.data)  # the report shows the whole cohort: read whole, so the bar knows its end
    evaluations = tuple(_progress(standard.evaluate_stream(records), out, err, total=len(records)))
    return _write_file(args.output, cohort_report.to_html(standard, evaluations), err)


def _diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    result = editions.diff(load(args.old, root=args.root), load(args.new, root=args.root), read_records(args.data))
    if args.format == "json":
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2), file=out)
    else:
        print(visible(result.render()), file=out)
    return 0


# ---------------------------------------------------------------- whatif: one block
def _whatif(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .toolkit import whatif  # only this command reads --set clauses

    standard = load(args.standard, root=args.root)
    if args.against:  # as diff reads it: the other standard may declare inputs this one does not
        result = whatif.whatif(standard, read_records(args.data), load(args.against, root=args.root))
    else:
        result = whatif.whatif(standard, standard.read(args.data), args.set)
    text = (json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.format == "json"
            else visible(result.render()))
    if args.output:
        return _write_file(args.output, text + "\n", err)
    print(text, file=out)
    return 0


def _whatif_command(sub: Any) -> None:
    command = sub.add_parser("whatif", help="show which entities a changed clause would move, and why")
    _standard_and_data(command)
    changes = command.add_mutually_exclusive_group(required=True)  # argparse says so, in the run's language
    changes.add_argument("--set", action="append", metavar="CLAUSE",
                         help="what to change and a clause in the standard's syntax, e.g. 'indicator 12 stars "
                              "at least 40%%, 55%%, 70%%, 85%%, 95%%' (repeatable; docs/whatif.md)")
    changes.add_argument("--against", metavar="OTHER", help="compare with another standard file instead of --set")
    command.add_argument("--format", choices=("text", "json"), default="text", help="text or JSON (default: text)")
    command.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    _root_option(command)
    command.set_defaults(run=_whatif)


def _assess(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    standard = load(args.standard, root=args.root)
    evaluations = _chosen(standard.evaluate_cohort(standard.read(args.data)), args.entity)
    if args.stage == "eligibility":
        outcomes: list[Any] = [pilot.eligibility(standard, e) for e in evaluations]
    elif args.target is None:
        print(_("error: the {stage} check compares with the level piloted: give it with --target N").format(
            stage=args.stage), file=err)
        return 2
    else:
        stage = pilot.Stage.MID_TERM if args.stage == "mid-term" else pilot.Stage.ACCEPTANCE
        outcomes = [pilot.check_pilot(standard, e, args.target, stage, after_rectification=args.rectified)
                    for e in evaluations]
    if args.format == "json":
        print(json.dumps([o.to_dict() for o in outcomes], ensure_ascii=False, indent=2), file=out)
    else:
        print(visible("\n".join(_outcome_text(o) for o in outcomes)), file=out)
    return 0


def _outcome_text(outcome: pilot.Eligibility | pilot.PilotOutcome) -> str:
    if isinstance(outcome, pilot.PilotOutcome):
        return outcome.render()
    return f"{outcome.entity}: {outcome.verdict.value} ({outcome.reason})"


def _template(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    write_template(load(args.standard, root=args.root), Path(args.output))
    print(f"wrote {args.output}: fill in a row per entity, then `smartcity-rules score {args.standard} "
          f"{args.output}`", file=out)
    return 0


def _test(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from . import testing  # imported here: it needs hypothesis, a test extra, and says so if missing

    return testing.command(args.standard, examples=args.examples, seed=args.seed, cases_path=args.cases, out=out,
                           root=args.root)


def _lsp(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .toolkit import lsp  # pygls, the lsp extra: only the server needs it

    return lsp.start(tcp=args.tcp, root=args.root)


def _lsp_parser(sub: Any) -> None:
    lsp = sub.add_parser("lsp", help="run the language server for editors (stdio; docs/editors.md)",
                         description="The Language Server Protocol over stdio: diagnostics as you type, hover, "
                                     "completion, definitions, references, rename and the outline.")
    lsp.add_argument("--tcp", type=int, metavar="PORT", help="listen on PORT of 127.0.0.1 instead of stdio")
    _root_option(lsp)
    lsp.set_defaults(run=_lsp)


def _score_parser(sub: Any) -> None:
    score = sub.add_parser(
        "score", help="score the entities in a statistics file (JSON, CSV, Excel, Parquet)",
        description="Score every entity of a statistics file; by default one line per entity, best first.",
)
    score.add_argument("standard", metavar="STANDARD", help=STANDARD_HELP)
    score.add_argument("data", metavar="DATA", help="a .json, .csv, .xlsx, .parquet or .arrow file; table "
                       "columns headed by input names or labels")
    score.add_argument("--format", choices=RESULT_FORMATS, help="summary (the default), table (every figure, "
                       "as --detail), json, csv, xlsx, parquet; default: from -o's suffix")
    score.add_argument("--detail", action="store_true", help="every indicator, group and the rating, per entity")
    score.add_argument("-o", "--output", metavar="FILE", help="write the results to FILE (xlsx and parquet need it)")
    score.add_argument("--keep-going", action="store_true",
                       help="report every problem in the data, score the rows without one, exit 1")
    score.add_argument("--entity", action="append", metavar="E", help="only this entity (repeatable)")
    score.add_argument("--engine", choices=("auto", "record", "batch", "duckdb"), default="auto",
                       help="record: record by record; batch: a column at a time (numpy); "
                            "auto (default): batch for Parquet, and for files of 1 MB or more when the standard "
                            "compares the cohort, if it runs on columns and without --keep-going, else record; "
                            "duckdb: read and score the file (Parquet, CSV, JSON) in an embedded DuckDB")
    _root_option(score)
    score.set_defaults(run=_score)


def _template_parser(sub: Any) -> None:
    template = sub.add_parser(
        "template", help="write a blank data sheet for a standard (.xlsx or .csv)",
        description="A column per input, headed by its label, kind and unit; Excel validates the cells.",
)
    template.add_argument("standard", metavar="STANDARD", help=STANDARD_HELP)
    template.add_argument("-o", "--output", metavar="FILE", required=True, help="data.xlsx or data.csv")
    _root_option(template)
    template.set_defaults(run=_template)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """Exits 2 even when no one reads why: the argparse of Python 3.10 and early 3.11 lets a
        closed pipe's BrokenPipeError escape while it prints the usage, and main would return 0."""
        try:
            super().error(message)
        except BrokenPipeError:
            self.exit(2)


def _root_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--root", metavar="DIR",
                         help="read the standards a standard `use`s from inside DIR (default: its own folder)")


STANDARD_HELP = "the standard, an .scs file"
DATA_HELP = "the entities' statistics: a JSON or CSV file"


def _standard_and_data(command: argparse.ArgumentParser) -> None:
    command.add_argument("standard", metavar="STANDARD", help=STANDARD_HELP)
    command.add_argument("data", metavar="DATA", help=DATA_HELP)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="smartcity-rules", description="Check smart-city standards and score entities with them.",
                     formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}",
                        help="show the version and exit")
    _language_option(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = sub.add_parser("check", help="report every problem in standard files")
    check.add_argument("files", nargs="+", metavar="FILE", help="the standards to check, .scs files")
    check.add_argument("--strict", action="store_true", help="fail on warnings too (for CI before publishing)")
    _root_option(check)
    check.set_defaults(run=_check)
    _score_parser(sub)
    _template_parser(sub)
    sql = sub.add_parser("sql", help="print the SQL query that scores a table of statistics in a database")
    sql.add_argument("standard", metavar="STANDARD", help=STANDARD_HELP)
    sql.add_argument("--table", required=True, metavar="T", help="the table: an `entity` column, one per input")
    sql.add_argument("--dialect", default="duckdb", choices=("duckdb", "postgres", "spark"),
                     help="the database the query is written for (default: duckdb)")
    _root_option(sql)
    sql.set_defaults(run=_sql)
    explain = sub.add_parser("explain", help="show how one indicator's number was reached")
    _standard_and_data(explain)
    explain.add_argument("--entity", required=True, metavar="E", help="the entity, by its name in DATA")
    explain.add_argument("--indicator", required=True, metavar="CODE",
                         help="the indicator's or item's code, as the standard writes it: 12, L1P1-A1")
    explain.add_argument("--format", choices=("text", "json"), default="text", help="text or JSON (default: text)")
    _root_option(explain)
    explain.set_defaults(run=_explain)
    docs = sub.add_parser("docs", help="write a standard as a document to publish (Markdown or HTML)")
    docs.add_argument("standard", metavar="STANDARD", help=STANDARD_HELP)
    docs.add_argument("--format", choices=("markdown", "html"),
                      help="default: html when FILE ends in .html or .htm, else markdown")
    docs.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    _root_option(docs)
    docs.set_defaults(run=_docs)
    _report_command(sub)
    _fmt_command(sub)
    _lsp_parser(sub)
    diff = sub.add_parser("diff", help="show what a new edition of a standard changes for a cohort, and why")
    diff.add_argument("old", metavar="OLD", help="the edition in force, an .scs file")
    diff.add_argument("new", metavar="NEW", help="the new edition, an .scs file")
    diff.add_argument("data", metavar="DATA", help=DATA_HELP)
    diff.add_argument("--format", choices=("text", "json"), default="text", help="text or JSON (default: text)")
    _root_option(diff)
    diff.set_defaults(run=_diff)
    _whatif_command(sub)
    assess = sub.add_parser("assess", help="the pilot cycle: eligibility, mid-term check, final acceptance")
    _standard_and_data(assess)
    assess.add_argument("--stage", choices=("eligibility", "mid-term", "acceptance"), default="eligibility",
                        help="which step of the pilot cycle (default: eligibility)")
    assess.add_argument("--target", type=int, metavar="N", help="the level piloted (for mid-term and acceptance)")
    assess.add_argument("--rectified", action="store_true",
                        help="an acceptance retaken after rectification: failing it recovers the funds")
    assess.add_argument("--entity", action="append", metavar="E", help="only this entity (repeatable)")
    assess.add_argument("--format", choices=("text", "json"), default="text", help="text or JSON (default: text)")
    _root_option(assess)
    assess.set_defaults(run=_assess)
    test = sub.add_parser("test", help="check a standard's invariants on generated data, and run its stored cases")
    test.add_argument("standard", metavar="STANDARD", help=STANDARD_HELP)
    test.add_argument("--examples", type=int, default=100, metavar="N", help="generated cohorts (0: cases only)")
    test.add_argument("--seed", type=int, default=0, metavar="S", help="reproduces a run (default 0)")
    test.add_argument("--cases", metavar="FILE", help="default: STANDARD's .cases.toml beside it, if any")
    _root_option(test)
    test.set_defaults(run=_test)
    _sensitivity_command(sub)
    _add_examples(sub)
    return parser


# ---------------------------------------------------------------- fmt: the canonical layout
def _fmt_command(sub: Any) -> None:
    fmt = sub.add_parser("fmt", help="lay standard files out in the one canonical layout, comments kept")
    fmt.add_argument("files", nargs="+", metavar="FILE",
                     help="the .scs files to format in place; - reads standard input and writes standard output")
    fmt.add_argument("--check", action="store_true",
                     help="change nothing: list the files that would change and exit 1 if any would (for CI)")
    fmt.add_argument("--diff", action="store_true", help="change nothing: show the changes as a unified diff")
    fmt.set_defaults(run=_fmt)


def _fmt(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Each file in turn; one that cannot be read or parsed is reported and the others still done."""
    from .toolkit import formatting

    status = 0
    for path in args.files:
        try:
            text, formatted = (_stdin_text(), None) if path == "-" else formatting.format_file(path)
            formatted = formatting.format_source(text, path="<stdin>") if formatted is None else formatted
        except InvalidStandard as error:
            print(error, file=err)
            status = 1
            continue
        status = max(status, _fmt_one(args, path, text, formatted, out, err))
    return status


def _stdin_text() -> str:
    return sys.stdin.read()


def _fmt_one(args: argparse.Namespace, path: str, text: str, formatted: str, out: TextIO, err: TextIO) -> int:
    if args.diff:
        import difflib

        out.writelines(difflib.unified_diff(text.splitlines(keepends=True), formatted.splitlines(keepends=True),
                                            fromfile=path, tofile=f"{path} (formatted)"))
    if args.check:
        if text != formatted:
            print(path, file=out)
        return int(text != formatted)
    if args.diff:
        return 0
    if path == "-":
        out.write(formatted)
        return 0
    return _write_file(path, formatted, err) if text != formatted else 0


def _report_command(sub: Any) -> None:
    report_ = sub.add_parser("report", help="write an HTML report of a scored cohort, with charts")
    _standard_and_data(report_)
    report_.add_argument("-o", "--output", metavar="FILE", required=True,
                         help="the report to write: one HTML file that opens offline")
    _root_option(report_)
    report_.set_defaults(run=_report)


# ---------------------------------------------------------------- sensitivity
def _sensitivity(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .toolkit.sensitivity import sensitivity  # numpy, SALib: the sensitivity extra, only for this command

    standard = load(args.standard, root=args.root)
    form = args.format or _SENSITIVITY_FORMS.get(Path(args.output).suffix.lower() if args.output else "", "text")
    bar = _SensitivityBar(out, err, to_terminal=not args.output)
    try:
        result = sensitivity(standard, standard.read(args.data), args.spec, samples=args.samples, seed=args.seed,
                             progress=bar.advance)
    finally:
        bar.close()
    if form == "json":
        text = json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    else:
        from .toolkit.sensitivity_html import to_html  # plotly, the report extra

        text = to_html(result) if form == "html" else result.to_csv() if form == "csv" else visible(result.to_text())
    if not args.output:
        out.write(text)
        return 0
    return _write_file(args.output, text, err)


_SENSITIVITY_FORMS = {".json": "json", ".csv": "csv", ".html": "html", ".htm": "html"}


class _SensitivityBar:
    """The draws scored, on a progress bar (see _progress: quiet off a terminal)."""

    def __init__(self, out: TextIO, err: TextIO, *, to_terminal: bool) -> None:
        self.shown = _is_terminal(err) and not (to_terminal and _is_terminal(out))
        self.err = err
        self.bar: Any = None

    def advance(self, done: int, total: int) -> None:
        if not self.shown:
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(desc=_("scoring draws"), unit=_(" draws"), total=total, delay=1.0, file=self.err,
                            leave=False, dynamic_ncols=True)
        self.bar.update(done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _sensitivity_command(sub: Any) -> None:
    command = sub.add_parser("sensitivity", help="uncertainty and sensitivity of ranks and ratings to weights, "
                                                 "thresholds and methods")
    _standard_and_data(command)
    command.add_argument("--spec", required=True, metavar="FILE",
                         help="spec.toml: the weights, thresholds and methods to vary, and how (docs/sensitivity.md)")
    command.add_argument("--samples", type=int, metavar="N",
                         help="draws to score, at least (default: the spec's samples, else 4096)")
    command.add_argument("--seed", type=int, metavar="S", help="reproduces a run (default: the spec's seed, else 0)")
    command.add_argument("--format", choices=("text", "json", "csv", "html"),
                         help="default: from FILE's suffix (.json, .csv, .html), else text")
    command.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    _root_option(command)
    command.set_defaults(run=_sensitivity)


# ---------------------------------------------------------------- the command line's habits
# One example per command, shown under its --help (argparse's epilog).
EXAMPLES = {
    "check": "smartcity-rules check --strict standards/shandong-city-2019.scs",
    "score": "smartcity-rules score standards/shandong-city-2019.scs standards/examples/city-cohort.json",
    "explain": "smartcity-rules explain standards/shandong-city-2019.scs standards/examples/city-cohort.json "
               "--entity 泰岳市 --indicator 12",
    "docs": "smartcity-rules docs standards/shandong-city-2019.scs -o shandong-city-2019.html",
    "report": "smartcity-rules report standards/shandong-city-2019.scs standards/examples/city-cohort.json "
              "-o report.html",
    "diff": "smartcity-rules diff standards/shandong-city-2019.scs standards/examples/shandong-city-revised.scs "
            "standards/examples/city-cohort.json --root standards",
    "assess": "smartcity-rules assess standards/shandong-city-2019.scs standards/examples/city-cohort.json "
              "--stage mid-term --target 4",
    "test": "smartcity-rules test standards/shandong-city-2019.scs --examples 20",
    "template": "smartcity-rules template standards/shandong-city-2019.scs -o data.xlsx",
    "sql": "smartcity-rules sql standards/shandong-city-2019.scs --table stats --dialect postgres",
    "fmt": "smartcity-rules fmt --diff standards/shandong-city-2019.scs standards/shandong-county-2019.scs",
    "sensitivity": "smartcity-rules sensitivity standards/shandong-city-2019.scs standards/examples/city-cohort.json "
                   "--spec standards/examples/shandong-city-2019.sensitivity.toml -o sensitivity.html",
    "lsp": "smartcity-rules lsp",
    "whatif": "smartcity-rules whatif standards/shandong-city-2019.scs standards/examples/city-cohort.json "
              "--set 'indicator 12 stars at least 40%, 55%, 70%, 85%, 95%'",
}
EXAMPLE_HEADING = "example:"


def _add_examples(sub: Any) -> None:
    for name, command in sub.choices.items():
        command.epilog = f"{EXAMPLE_HEADING}\n  {EXAMPLES[name]}"
        command.formatter_class = _Formatter
        _language_option(command, default=argparse.SUPPRESS)  # after the command too: `score --lang en ...`


def _language_option(parser: argparse.ArgumentParser, default: Any = None) -> None:
    parser.add_argument("--lang", choices=messages.LANGUAGES, default=default,
                        help="the language of the command line's own words (default: zh when the locale is Chinese, "
                             "else en)")


def _language(argv: Sequence[str] | None) -> str:
    """--lang if given, else the locale's. Read before the parser is built, since the parser's words
    depend on it; a bad value is left for the parser to report."""
    words = list(sys.argv[1:] if argv is None else argv)
    for k, word in enumerate(words):
        if word == "--":
            break
        value = words[k + 1] if word == "--lang" and k + 1 < len(words) else word.partition("=")[2]
        if (word == "--lang" or word.startswith("--lang=")) and value in messages.LANGUAGES:
            return value
    return messages.default_language()


def _localized(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The parser with its words translated, commands included. argparse has no public way to reach
    the help of every action and group, hence its private lists (stable since Python 3.2)."""
    parser.description = parser.description and _(parser.description)
    parser.epilog = parser.epilog and _translated_epilog(parser.epilog)
    for group in parser._action_groups:
        group.title = group.title and _(group.title)
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS:
            action.help = _(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = choice.help and _(choice.help)
            for command in action.choices.values():
                _localized(command)
    return parser


def _translated_epilog(epilog: str) -> str:
    return epilog.replace(EXAMPLE_HEADING, _(EXAMPLE_HEADING), 1)


# argparse's own words that a user meets (its usage errors), as Python 3.10 to 3.13 word them.
# argparse looks each up through its module's `_` as it speaks; `_argparse_words` points that at
# the run's translations while our parser parses. The module is shared by the whole process, so
# a lock keeps two runs (or another parser) from hearing each other's language.
ARGPARSE_WORDS = (
    "%(prog)s: error: %(message)s\n",
    "argument %(argument_name)s: %(message)s",
    "the following arguments are required: %s",
    "unrecognized arguments: %s",
    "invalid choice: %(value)r (choose from %(choices)s)",
    "expected one argument",
    "expected at most one argument",
    "expected at least one argument",
    "invalid %(type)s value: %(value)r",
    "ambiguous option: %(option)s could match %(matches)s",
    "one of the arguments %s is required",
    "not allowed with argument %s",
    "ignored explicit argument %r",
    "show this help message and exit",
)
_ARGPARSE_LOCK = threading.Lock()


@contextlib.contextmanager
def _argparse_words() -> Iterator[None]:
    with _ARGPARSE_LOCK:
        said = getattr(argparse, "_")  # noqa: B009 (typeshed does not declare argparse's `_`)
        setattr(argparse, "_", _)  # noqa: B010
        try:
            yield
        finally:
            setattr(argparse, "_", said)  # noqa: B010


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's own "usage: " in the command line's language; an epilog's example keeps its own line."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


_WORDS: contextvars.ContextVar[gettext.NullTranslations | None] = contextvars.ContextVar("words", default=None)
_ENGLISH = gettext.NullTranslations()


def _words() -> gettext.NullTranslations:
    """The translations chosen for this run of main (English outside one)."""
    return _WORDS.get() or _ENGLISH


def _(message: str) -> str:
    return _words().gettext(message)


T = TypeVar("T")


def _progress(items: Iterable[T], out: TextIO, err: TextIO, *, to_terminal: bool = False,
              total: int | None = None) -> Iterable[T]:
    """Items counted on a progress bar on stderr, shown once the run has taken a second.

    Quiet unless stderr is a terminal; and when the command writes its results to stdout
    (`to_terminal`) and stdout is that terminal, its output is the progress, and a bar would tear it."""
    if not _is_terminal(err) or (to_terminal and _is_terminal(out)):
        return items
    from tqdm import tqdm

    bar: Iterable[T] = tqdm(items, desc=_("scoring"), unit=_(" entities"), total=total, delay=1.0, file=err,
                            leave=False, dynamic_ncols=True)
    return bar


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream: not a person watching
        return False


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    words = _WORDS.set(messages.translations(_language(argv)))
    try:
        return _main(argv, out, err)
    finally:
        _WORDS.reset(words)


def _main(argv: Sequence[str] | None, out: TextIO, err: TextIO) -> int:
    code = 0  # the status of a command whose reader went away while it wrote: docs/api.md, "Exit codes"
    try:
        args = _parse(argv, out, err)
        if isinstance(args, int):
            return args
        code, failure = _run(args, out, err)
        if failure:
            print(failure, file=err)
        _flush(out, err)
    except BrokenPipeError:  # the reader went away (`| head`): not our error, and no traceback
        _discard_closed(out, err)
    return code


def _parse(argv: Sequence[str] | None, out: TextIO, err: TextIO) -> argparse.Namespace | int:
    """The parsed arguments, or the exit status of --help, --version or a usage error (0 or 2):
    main returns it rather than letting argparse's SystemExit escape to an embedding caller."""
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _argparse_words():
            return _localized(_parser()).parse_args(argv)
    except SystemExit as stop:
        _discard_closed(out, err)  # keeps argparse's status even if no one reads
        return stop.code if isinstance(stop.code, int) else 2


def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> tuple[int, str]:
    """The command's exit status, and the message of the library error that ended it ("" if none).

    The status is known before the message is printed, so a closed stderr cannot turn a failure into 0."""
    try:
        code: int = args.run(args, out, err)
        return code, ""
    except InvalidStandard as error:
        return 1, str(error)
    except SmartCityRulesError as error:
        return 1, visible(_("error: {message}").format(message=error))


def _flush(*streams: TextIO) -> None:
    """Flushes now, inside main's boundary: a closed pipe found by the interpreter's last flush instead
    prints "Exception ignored" and exits 120."""
    for stream in streams:
        stream.flush()


def _discard_closed(*streams: TextIO) -> None:
    """Points every stream whose reader has gone at os.devnull, the Python docs' recipe for SIGPIPE:
    what is still buffered then goes nowhere, quietly, at exit."""
    for stream in streams:
        try:
            stream.flush()
        except BrokenPipeError:
            _to_devnull(stream)


def _to_devnull(stream: TextIO) -> None:
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError):  # an in-memory stream (io.UnsupportedOperation): nothing to redirect
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)
    stream.flush()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
