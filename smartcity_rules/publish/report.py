"""Renders evaluations for people (tables) and programs (JSON)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from fractions import Fraction
from typing import Any, TextIO

from ..language.check import ProvisionalNumber
from ..language.diagnostics import visible
from ..language.numbers import fmt
from ..results.display import is_percentage, show_number
from ..results.evaluation import Evaluation, IndicatorResult, RatingResult, Status
from ..standard import Standard


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _width(text))
    return gap + text if right else text + gap


def _clip(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    out = ""
    for ch in text:
        if _width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def _stars(result: IndicatorResult) -> str:
    if result.status is Status.DEDUCTION:
        return "deduct"
    if result.stars is None:
        return "n/a"
    return "★" * result.stars + "☆" * (5 - result.stars)


def _points(result: IndicatorResult) -> str:
    if result.max_points is None:
        return fmt(result.points)
    return f"{fmt(result.points)}/{fmt(result.max_points)}"


_COLUMNS = (("No.", 5, True), ("Indicator", 34, False), ("Value", 12, True), ("Stars", 7, False),
            ("Points", 12, True))


def _row(cells: tuple[str, ...]) -> str:
    return "  ".join(_pad(cell, width, right) for cell, (_, width, right) in zip(cells, _COLUMNS)).rstrip()


def _indicator_row(result: IndicatorResult, percent: bool) -> str:
    mark = "★" if result.leading else " "
    return _row((f"{mark}{result.code}", _clip(result.name, _COLUMNS[1][1]),
                 show_number(result.value, percent), _stars(result), _points(result)))


def _rating_lines(rating: RatingResult) -> list[str]:
    mark = " [provisional rule]" if rating.provisional else ""
    lines = [f"Rating: {rating.name or 'unrated'} (level {rating.rank}){mark}"]
    above = [level for level in rating.levels if level.rank > rating.rank]
    if above:  # what the next level up still needs
        nearest = above[-1]
        missing = "; ".join(f"{r.text} (has {r.actual})" for r in nearest.failed)
        lines.append(f"  not {nearest.name}: {missing}")
    return lines


def table(standard: Standard, evaluation: Evaluation) -> str:
    """One entity's scores as a readable table (by its type's standard, where it has types)."""
    standard = standard.variant(evaluation.entity_type)
    percent = {i.code: is_percentage(i) for i in standard.checked.indicators}
    edition = f" (edition {evaluation.edition})" if evaluation.edition else ""
    typed = "" if evaluation.entity_type is None else f" ({evaluation.entity_type})"
    lines = [f"{evaluation.entity}{typed} — {evaluation.standard}{edition}", _row(tuple(c[0] for c in _COLUMNS))]
    for group in evaluation.groups:
        kind = "bonus, at most" if group.bonus else "of"
        cap = f" ({kind} {fmt(group.max_points)})" if group.max_points is not None else ""
        lines.append(f"{group.name}: {fmt(group.points)} points{cap}")
        for code in group.indicators:
            lines += _member_rows(evaluation, code, percent)
    total = standard.checked.header.total
    out_of = f" of {fmt(total.value)}" if total is not None else ""
    bonus = " (bonus included)" if any(group.bonus for group in evaluation.groups) else ""
    lines.append(f"Total: {fmt(evaluation.total)}{out_of}{bonus}")
    if evaluation.missing:
        lines.append(_missing_line(evaluation))
    if evaluation.rating is not None:
        lines += _rating_lines(evaluation.rating)
    if evaluation.provisional:
        lines.append(f"Provisional (not official): {summarize_provisional(standard.checked.provisional_numbers)}")
    return "\n".join(lines)


def _missing_line(evaluation: Evaluation) -> str:
    """`Not reported (2): broadband_rate = 0.8466 (cohort median), parking (not applicable); 30% of the weight`."""
    filled = [f"{m.input}" + ("" if m.value is None else f" = {fmt(m.value)}") + f" ({m.filled})"
              for m in evaluation.missing]
    share = fmt(evaluation.missing_share * 100)
    return f"Not reported ({len(filled)}): {', '.join(filled)}; {share}% of the weight rests on them"


def _member_rows(evaluation: Evaluation, code: str, percent: dict[str, bool]) -> list[str]:
    """An indicator's row; for one made of items, its score and then a row for each item."""
    node = evaluation.node(code)
    if node.kind == "item" or not node.members:
        return [_indicator_row(evaluation.indicator(code), percent[code])]
    of = "" if node.max_points is None else f"/{fmt(node.max_points)}"
    head = _row((f" {code}", _clip(node.name, _COLUMNS[1][1]), "", "", f"{fmt(node.points)}{of}"))
    return [head, *(_indicator_row(evaluation.indicator(item), percent[item]) for item in node.members)]


def _ranges(codes: list[str]) -> str:
    """1, 2, 3, 5 -> "1-3, 5"; codes such as L1P1-A1 are listed as they are."""
    numbers = sorted(int(c) for c in codes if c.isascii() and c.isdigit())
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    shown = [f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs]
    return ", ".join([*shown, *(c for c in codes if not (c.isascii() and c.isdigit()))])


def summarize_provisional(numbers: Sequence[ProvisionalNumber]) -> str:
    """A one-line summary of provisional numbers, grouped by what they are."""
    by_part: dict[str, list[str]] = {}
    groups = 0
    others = []
    for number in numbers:
        if number.indicator is not None:
            by_part.setdefault(number.part, []).append(number.indicator)
        elif number.group is not None:
            groups += 1
        else:
            others.append(number.text)
    parts = [f"{part} of indicator{'s' if len(ns) > 1 else ''} {_ranges(ns)}" for part, ns in by_part.items()]
    if groups:
        parts.append(f"points of {groups} group{'s' if groups > 1 else ''}")
    return "; ".join(parts + others)


def tables(standard: Standard, evaluations: Sequence[Evaluation]) -> str:
    return "\n\n".join(table(standard, e) for e in evaluations)


def to_json(evaluations: Sequence[Evaluation]) -> str:
    payload: Any = [e.to_dict() for e in evaluations]
    return json.dumps(payload, ensure_ascii=False, indent=2)


def write_json(evaluations: Iterable[Evaluation], out: TextIO) -> None:
    """to_json, written entity by entity, so no more than one entity's results are held."""
    first = True
    for evaluation in evaluations:
        entry = json.dumps(evaluation.to_dict(), ensure_ascii=False, indent=2).replace("\n", "\n  ")
        out.write(("[\n  " if first else ",\n  ") + entry)
        first = False
    out.write("[]\n" if first else "\n]\n")


def write_tables(standard: Standard, evaluations: Iterable[Evaluation], out: TextIO) -> None:
    """tables(), written entity by entity."""
    for index, evaluation in enumerate(evaluations):
        out.write(("\n\n" if index else "") + visible(table(standard, evaluation)))
    out.write("\n")


def _level_names(standard: Standard) -> dict[int, str]:
    rule = standard.syntax.rating
    return {} if rule is None else {int(level.rank.value): level.name for level in rule.levels}


def _rating_names(standard: Standard) -> Callable[[Evaluation], dict[int, str]]:
    """The rating levels' names an entity's rank reads, by its type where the standard has types."""
    found: dict[str | None, dict[int, str]] = {}

    def names(evaluation: Evaluation) -> dict[int, str]:
        kind = getattr(evaluation, "entity_type", None)
        if kind not in found:
            found[kind] = _level_names(standard if kind is None else standard.variant(kind))
        return found[kind]
    return names


def _competition_ranks(totals: Sequence[Fraction]) -> list[int]:
    """1, 2, 2, 4: entities with equal totals share a place, and the next place is skipped."""
    ranks: list[int] = []
    for index, total in enumerate(totals):
        ranks.append(ranks[-1] if index and total == totals[index - 1] else index + 1)
    return ranks


def write_summary(standard: Standard, evaluations: Iterable[Evaluation], out: TextIO) -> None:
    """One line per entity, the highest total first (ties in the data's order), with its rating:
    the figures held are three per entity, so a large cohort is summarised in little memory."""
    names = _rating_names(standard)
    found = [(e.total, e.entity, None if e.rating_rank is None else names(e).get(e.rating_rank, "unrated"))
             for e in evaluations]
    found.sort(key=lambda entry: -entry[0])  # stable: equal totals keep the data's order
    header = standard.syntax.header
    total = None if header is None else header.total
    of = "" if total is None else f" (of {fmt(total.value)})"
    widths = (5, max([_width(entity) for _, entity, _ in found] + [6]), max(10, len(of) + 5))
    out.write(visible(_summary_line(("Rank", "Entity", f"Total{of}", "Rating"), widths)) + "\n")
    for place, (score, entity, rating) in zip(_competition_ranks([f[0] for f in found]), found):
        out.write(visible(_summary_line((str(place), entity, fmt(score), rating or ""), widths)) + "\n")
    provisional = " Provisional numbers in the standard: see --detail." if standard.provisional else ""
    out.write(f"{len(found)} entit{'y' if len(found) == 1 else 'ies'} scored with {standard.title}.{provisional}\n")


def _summary_line(cells: tuple[str, str, str, str], widths: tuple[int, int, int]) -> str:
    place, entity, total, rating = cells
    line = f"{_pad(place, widths[0], True)}  {_pad(entity, widths[1])}  {_pad(total, widths[2], True)}  {rating}"
    return line.rstrip()
