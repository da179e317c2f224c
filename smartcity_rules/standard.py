"""The facade that wires the stages: text -> parse -> check -> compile -> evaluate."""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .backends.protocol import Backend
from .language import syntax as s
from .language.check import CheckedStandard, NodeKind, check, conclude, review
from .language.diagnostics import Diagnostic
from .language.errors import InvalidStandard, NotFound
from .language.link import link
from .language.parse import parse, parse_file
from .plan.lower import PREVIOUS_SUFFIX
from .plan.scoring import ScoringPlan
from .results.evaluate import CompiledStandard
from .results.evaluation import Evaluation, IndicatorInfo, InputInfo
from .results.explain import Explanation, NodeExplanation, explain, explain_node

LOG = logging.getLogger(__name__)


class Standard:
    """A checked, compiled standard: load it once, evaluate many entities with it.

    Thread-safe: evaluation keeps no state between calls.
    """

    def __init__(self, checked: CheckedStandard, backend: Backend | None = None) -> None:
        self._checked = checked
        self._compiled = CompiledStandard(checked, backend)

    # ------------------------------------------------------------ metadata
    @property
    def title(self) -> str:
        return self._checked.header.title

    @property
    def level(self) -> str | None:
        level = self._checked.header.level
        return None if level is None else level.value

    @property
    def edition(self) -> str | None:
        return self._checked.header.edition

    @property
    def effective(self) -> datetime.date | None:
        return self._checked.header.effective

    @property
    def source_name(self) -> str:
        return self._checked.syntax.span.source.name

    @property
    def warnings(self) -> tuple[Diagnostic, ...]:
        return self._checked.warnings

    @property
    def provisional(self) -> tuple[str, ...]:
        """Every number the standard marks provisional, e.g. "indicator 4 star thresholds"."""
        return self._checked.provisional

    @property
    def notes(self) -> tuple[str, ...]:
        """The header's `note "..."` lines, e.g. why numbers are provisional."""
        return self._checked.header.notes

    @property
    def syntax(self) -> s.StandardFile:
        return self._checked.syntax

    @property
    def checked(self) -> CheckedStandard:
        return self._checked

    @property
    def indicators(self) -> tuple[IndicatorInfo, ...]:
        """What the standard fixes about each indicator (name, group, ★, description,
        formula, bands, points, provisional parts), in file order; no evaluation needed."""
        return self._compiled.indicators

    @property
    def inputs(self) -> tuple[InputInfo, ...]:
        """The statistics the standard reads, in file order (inputs taken from a base
        standard last), with their labels, kinds and units."""
        return tuple(
            InputInfo(d.name, d.label, d.kind.value, d.unit, d.part_of,
                      None if d.direction is None else d.direction.value)
            for d in self._checked.inputs.values())

    @property
    def input_names(self) -> frozenset[str]:
        """The statistics a record may carry: every input, and `NAME@previous` for each."""
        names = self._checked.inputs
        return frozenset(names) | frozenset(name + PREVIOUS_SUFFIX for name in names)

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        """The code of every indicator and item scored from a value, in source order."""
        return tuple(item.code for item in self._checked.indicators)

    @property
    def indicator_numbers(self) -> tuple[int, ...]:
        """The numbers of the numbered indicators (codes such as `12`), in source order."""
        return tuple(item.number for item in self._checked.indicators if item.number is not None)

    @property
    def needs_cohort(self) -> bool:
        """True when rank() or share() make results depend on the other entities."""
        return self._compiled.needs_cohort

    @property
    def plan(self) -> ScoringPlan:
        """The scoring plan every back-end runs; `plan.dump()` shows it as text."""
        return self._compiled.plan

    def origin_of_generated_line(self, line: int) -> str | None:
        """The `file:line:col` of the indicator whose code is at a line of `python_source` (a
        traceback through the generated code names such lines); None for the shared reading
        of the inputs, which belongs to no one indicator."""
        return self._compiled.origin_of_generated_line(line)

    @property
    def python_source(self) -> str:
        """The generated evaluator, for inspection."""
        return self._compiled.python_source

    # ------------------------------------------------------------ evaluation
    def evaluate(self, record: Mapping[str, Any], *,
                 cohort: Sequence[Mapping[str, Any]] | None = None) -> Evaluation:
        """Score one entity's statistics; standards that rank or share need its cohort."""
        return self._compiled.evaluate(record, cohort)

    def evaluate_cohort(self, records: Sequence[Mapping[str, Any]]) -> tuple[Evaluation, ...]:
        """Score entities evaluated together (ranks and shares are taken among them)."""
        return self._compiled.evaluate_cohort(records)

    def evaluate_stream(self, records: Iterable[Mapping[str, Any]], *, chunk: int = 10_000) -> Iterator[Evaluation]:
        """Score records one by one, for more than fit in memory: results come out as they are
        made and are not kept. Without rank() or share(), records are read `chunk` at a time;
        with them, the whole cohort is read first (each entity is compared with all)."""
        return self._compiled.evaluate_stream(records, chunk)

    def explain(self, records: Sequence[Mapping[str, Any]], entity: str,
                indicator: str | int) -> Explanation | NodeExplanation:
        """How one indicator's (or item's) number was reached for one entity of a cohort; for an
        indicator made of items, or a group by its code or name, its members and their rule."""
        key = str(indicator)
        leaf = key in self.indicator_codes
        if not leaf and not any(key in (n.code, n.name if n.kind is NodeKind.GROUP else None)
                                for n in self._checked.nodes):
            raise NotFound(f"the standard has no indicator, item or group {indicator}")
        evaluations = self.evaluate_cohort(records)
        for record, evaluation in zip(records, evaluations):
            if evaluation.entity == entity:
                if not leaf:
                    return explain_node(self._checked, evaluation, key)
                return explain(self._checked, evaluation, record, indicator)
        names = ", ".join(e.entity for e in evaluations)
        raise NotFound(f"no entity {entity!r} in the data (entities: {names})")

    def __repr__(self) -> str:
        return f"<Standard {self.title!r} edition={self.edition!r} indicators={len(self.indicator_codes)}>"


def loads(text: str, name: str = "<string>", *, backend: Backend | None = None,
          root: str | Path | None = None) -> Standard:
    """Parse, check and compile a standard from text; raises InvalidStandard.

    `use` paths in the text are relative to the directory of `name`, and read only inside
    `root` (default: that directory). `backend` runs the scoring plan; the default is the
    Python back-end.
    """
    return Standard(check(link(parse(text, name), root=root)), backend)


def load(path: str | Path, *, backend: Backend | None = None, root: str | Path | None = None) -> Standard:
    """Parse, check and compile a standard file (and those it builds on); raises InvalidStandard.

    The standards it `use`s are read only inside `root` (default: the file's directory).
    `backend` runs the scoring plan; the default is the Python back-end."""
    started = time.perf_counter()
    standard = Standard(check(link(parse_file(path), root=root)), backend)
    LOG.debug("loaded %s: %d indicators, checked and compiled in %.3f s", path, len(standard.indicator_codes),
              time.perf_counter() - started)
    return standard


def diagnose(path: str | Path, *, root: str | Path | None = None) -> tuple[Diagnostic, ...]:
    """Every diagnostic for a standard file, in source order: the checker's and the analyses'.

    Unlike `load`, runs the static analyses (smartcity_rules.analysis), which import sympy.
    `root` is as for `load`.
    """
    try:
        return diagnose_tree(link(parse_file(path), root=root))
    except InvalidStandard as error:
        return error.diagnostics


def diagnose_tree(tree: s.StandardFile) -> tuple[Diagnostic, ...]:
    """`diagnose` for a parsed, linked tree; raises InvalidStandard when it has errors."""
    from .analysis.passes import analyse  # imports sympy: only diagnosing pays for it

    checked, problems = review(tree)
    if checked is not None:
        problems = [*problems, *analyse(checked)]
    return conclude(checked, problems).warnings
