"""Explains how one indicator's number was reached for one entity."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import attrs

from ..language import syntax as s
from ..language.check import CheckedStandard, Node
from ..language.errors import SmartCityRulesError
from ..language.formula import bands_text, render, table_text
from ..language.numbers import fmt
from ..plan.lower import PREVIOUS_SUFFIX, inputs_of
from ..plan.semantics import coerce_int, exact
from .evaluation import Evaluation, IndicatorResult, MissingValue, NodeResult


@attrs.frozen
class InputUsed:
    name: str
    label: str
    unit: str | None
    value: str  # as reported (exactly), or "missing"


@attrs.frozen
class NextBand:
    stars: int
    threshold: Fraction
    distance: Fraction  # how far the value must still move to reach it


@attrs.frozen
class Explanation:
    entity: str
    indicator: IndicatorResult
    description: str
    inputs: tuple[InputUsed, ...]
    formula: str
    substituted: str
    bands: str | None
    next_band: NextBand | None
    points_rule: str
    origin: str | None = None  # where a reused indicator was written, e.g. "city indicator 7 (city.scs)"

    def to_dict(self) -> dict[str, Any]:
        """The explanation as JSON-ready data; numbers as exact strings."""
        band = self.next_band
        return {
            "entity": self.entity, "indicator": self.indicator.to_dict(), "description": self.description,
            "inputs": [{"name": x.name, "label": x.label, "unit": x.unit, "value": x.value} for x in self.inputs],
            "formula": self.formula, "substituted": self.substituted, "bands": self.bands,
            "next_band": None if band is None else {
                "stars": band.stars, "threshold": fmt(band.threshold), "distance": fmt(band.distance)},
            "points_rule": self.points_rule, "origin": self.origin,
        }

    def render(self) -> str:
        i = self.indicator
        item_of = i.info.item_of
        what = "indicator" if item_of is None else "item"
        where = i.group if item_of is None else f"{i.group}, item of indicator {item_of}"
        lines = [f"{self.entity}: {what} {i.code} {'★ ' if i.leading else ''}{i.name} ({where})"]
        if self.description:
            lines.append(f"  {self.description}")
        if self.origin is not None:
            lines.append(f"from:     {self.origin}")
        lines.append("inputs:")
        for item in self.inputs:
            unit = f" {item.unit}" if item.unit else ""
            lines.append(f"  {item.name} = {item.value}{unit}  ({item.label})")
        lines.append(f"formula:  {self.formula}")
        value = "not applicable" if i.value is None else fmt(i.value)
        exact = () if i.exact is None or i.value is None else (str(i.exact),)
        for step in dict.fromkeys((self.substituted, *exact, value)):  # a bare input needs one line, not two
            if step != self.formula:
                lines.append(f"        = {step}" + ("" if step != value or not exact else
                                                      "  (shown at its declared precision)"))
        if self.bands is not None:
            stars = "n/a" if i.stars is None else f"{i.stars} of 5 stars"
            lines.append(f"band:     {stars} ({self.bands})")
            if self.next_band is not None:
                nb = self.next_band
                # An irrational value shown at its precision may show at the bar it is still below.
                away = "less than its shown precision" if nb.distance <= 0 else fmt(nb.distance)
                lines.append(f"next:     {nb.stars} star{'s' if nb.stars > 1 else ''} at "
                             f"{fmt(nb.threshold)}, {away} away")
            elif i.stars == 5:
                lines.append("next:     top band reached")
        lines.append(f"points:   {fmt(i.points)} ({self.points_rule})")
        if i.provisional:
            lines.append(f"provisional: {', '.join(i.provisional)}")
        return "\n".join(lines)


def _next_band(bands: s.StarBands, value: Fraction | None, stars: int | None) -> NextBand | None:
    if value is None or stars is None or stars >= 5:
        return None
    threshold = bands.thresholds[stars].value
    distance = threshold - value if bands.rule is s.BandRule.AT_LEAST else value - threshold
    return NextBand(stars + 1, threshold, distance)


def _flag(raw: Any) -> str:
    try:
        return "yes" if coerce_int(s.Kind.FLAG, raw, "", None, None) else "no"
    except SmartCityRulesError:
        return repr(raw)


def _shown(raw: Any) -> str:
    if raw is None:
        return "missing"
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    try:
        return fmt(exact(raw))
    except (TypeError, ValueError):
        return repr(raw)


def explain(standard: CheckedStandard, evaluation: Evaluation, record: Mapping[str, Any],
            code: str | int) -> Explanation:
    result = evaluation.indicator(code)
    item = standard.indicator(code)
    syntax = item.syntax
    assert syntax.value is not None
    keys = dict.fromkeys(inputs_of(syntax.value))
    filled = {m.input: m for m in evaluation.missing}
    inputs = []
    for name, previous in keys:
        decl = standard.inputs[name]
        key = name + PREVIOUS_SUFFIX if previous else name
        shown = _filled(filled[key]) if key in filled else (
            _flag(record.get(key)) if decl.kind is s.Kind.FLAG else _shown(record.get(key)))
        inputs.append(InputUsed(key, decl.label, decl.unit, shown))

    def substitute(name: str, previous: bool) -> str:
        key = name + PREVIOUS_SUFFIX if previous else name
        value = filled[key].value if key in filled else None
        if value is not None:
            return fmt(value)
        raw = record.get(key)
        return _flag(raw) if standard.inputs[name].kind is s.Kind.FLAG else _shown(raw)

    bands = None
    if item.bands is not None:
        bands = bands_text(item.bands)
    if syntax.deduction is not None:
        cap = syntax.deduction.cap
        rule = f"{syntax.deduction.each.text} off each" + ("" if cap is None else f", at most {cap.text}")
    elif syntax.weight is not None:
        rule = f"{syntax.weight.text} x {fmt(item.total or 0)} x value, capped to [0, 1]"
    elif syntax.points is not None and isinstance(syntax.points.scoring, s.Table):
        rule = f"points by the row the value satisfies: {table_text(syntax.points.scoring)}"
    elif syntax.points is not None and isinstance(syntax.points.scoring, s.Linear):
        lin = syntax.points.scoring
        rule = f"{syntax.points.maximum.text} x position between {lin.low.text} and {lin.high.text}, capped"
    else:
        assert syntax.points is not None
        rule = f"{syntax.points.maximum.text} x stars / 5"
    return Explanation(
        evaluation.entity, result, syntax.description, tuple(inputs), render(syntax.value),
        render(syntax.value, substitute), bands,
        _next_band(item.bands, result.value, result.stars) if item.bands else None, rule, _origin(syntax),
    )


@attrs.frozen
class NodeExplanation:
    """How a group's, an indicator-made-of-items' or the total's score was reached: its members'
    scores and the rule that combined them."""

    entity: str
    node: NodeResult
    members: tuple[NodeResult, ...]
    rule: str  # e.g. "8% x the sum of its members, rounded to 2 decimals half up"

    def to_dict(self) -> dict[str, Any]:
        return {"entity": self.entity, "node": self.node.to_dict(),
                "members": [m.to_dict() for m in self.members], "rule": self.rule}

    def render(self) -> str:
        node = self.node
        name = node.name if node.code is None else f"{node.code} {node.name}"
        lines = [f"{self.entity}: {node.kind} {name}", "members:"]
        for member in self.members:
            shown = member.name if member.code is None else f"{member.code} {member.name}"
            most = "" if member.max_points is None else f" of {fmt(member.max_points)}"
            lines.append(f"  {member.kind} {shown}: {fmt(member.points)}{most}")
        lines.append(f"rule:     {self.rule}")
        unrounded = "" if node.unrounded == node.points else f" (unrounded {fmt(node.unrounded)})"
        of = "" if node.max_points is None else f" of {fmt(node.max_points)}"
        lines.append(f"points:   {fmt(node.points)}{of}{unrounded}")
        return "\n".join(lines)


def explain_node(standard: CheckedStandard, evaluation: Evaluation, key: str) -> NodeExplanation:
    """The explanation of an inner node (a group, an indicator made of items, the standard)."""
    result = evaluation.node(key)
    index = evaluation.nodes.index(result)
    node = standard.nodes[index]
    members = tuple(evaluation.nodes[standard.nodes.index(m)] for m in node.members)
    return NodeExplanation(evaluation.entity, result, members, _node_rule(node))


def _node_rule(node: Node) -> str:
    """The node's rule in words, in the order it is applied (docs/language.md §9)."""
    steps = ["its members' scores summed" if node.aggregation in (None, s.Aggregation.ARITHMETIC)
             else f"the {node.aggregation.value} mean of its members' normalised scores, times their maxima"]
    if node.redistribute:
        steps.append("scaled to give not-applicable members' weight to the others")
    if node.cap is not None:
        steps.append(f"at most {fmt(node.cap)}")
    if node.weight is not None:
        steps.append(f"times its weight {fmt(node.weight)}")
    if node.rounding is not None:
        steps.append(f"rounded to {node.rounding.decimals} decimals {node.rounding.mode.value}")
    return ", ".join(steps)


def _filled(missing: MissingValue) -> str:
    """How a missing input is shown: flagged, with what filled it in."""
    value = "" if missing.value is None else f" = {fmt(missing.value)}"
    return f"missing, filled in: {missing.filled}{value}"


def _origin(indicator: s.Indicator) -> str | None:
    origin = indicator.origin
    if origin is None:
        return None
    replaced = f", replacing its {', '.join(origin.replaced)}" if origin.replaced else ""
    return f"indicator {origin.code} of `{origin.alias}` ({origin.standard}){replaced}"
