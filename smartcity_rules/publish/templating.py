"""Renders the HTML of documents and reports from the package's Jinja2 templates, autoescaped.

Every value a template prints is escaped unless it is `Markup` made here or by a writer
from text it escaped itself (MathML, highlighted source), so author and data text can only
ever be text. Templates live in `publish/templates/`, loaded from the installed package.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

import jinja2
from markupsafe import Markup, escape


def lines(text: str) -> Markup:
    """Text escaped, its line breaks kept as `<br/>` (a `\\n` inside a name stays inside its element)."""
    return Markup("<br/>").join(escape(line) for line in text.replace("\r", "").split("\n"))


def one_line(text: str) -> str:
    """Text for an attribute: runs of white space, line breaks included, as one space (escaped on output)."""
    return " ".join(text.split())


def _is_kind(value: Any, name: str) -> bool:
    """`{% if piece is kind("Code") %}`: a writer's node type, by class name, so templates need no imports."""
    return type(value).__name__ == name


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("smartcity_rules.publish", "templates"),
        autoescape=True,  # every template is HTML: escaping is never opted into, only out of with Markup
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the render instead of printing nothing
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(lines=lines, one_line=one_line)
    env.tests["kind"] = _is_kind
    return env


def render(template: str, **context: Any) -> str:
    """The named template rendered with the context."""
    return environment().get_template(template).render(**context)


def trusted(parts: Iterable[str]) -> Markup:
    """Markup the caller made from escaped text (MathML, Pygments' HTML, a stylesheet), joined."""
    return Markup("").join(Markup(part) for part in parts)
