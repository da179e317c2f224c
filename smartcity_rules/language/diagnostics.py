"""Diagnostics and the one place that renders them, compiler style."""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable, Sequence

import attrs

from .source import Span


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@attrs.frozen(slots=True)
class Label:
    """A secondary span with a short message under it."""

    span: Span
    message: str


@attrs.frozen(slots=True)
class Diagnostic:
    """One problem found in a standard: a stable code, a message, where, and help."""

    code: str
    message: str
    span: Span | None
    severity: Severity = Severity.ERROR
    label: str = ""
    labels: tuple[Label, ...] = ()
    help: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def render(self) -> str:
        return render(self)


def _width(text: str) -> int:
    """Terminal columns taken by `text`: CJK wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


SURROGATES = range(0xD800, 0xE000)  # halves of UTF-16 pairs: alone, no encoding can write them
_PICTURES = ({code: 0x2400 + code for code in range(0x20) if chr(code) not in "\t\n"}
             | {0x7F: 0x2421} | {code: 0xFFFD for code in range(0x80, 0xA0)}
             | {code: 0xFFFD for code in SURROGATES})


def visible(text: str) -> str:
    """Text safe to print to a terminal: control characters but tab and line break become
    their pictures (␛ for ESC), one column each, so no file or record sends escape codes;
    a lone surrogate becomes U+FFFD, so printing never fails to encode."""
    return text.translate(_PICTURES)


def _snippet(span: Span, message: str, gutter: int) -> list[str]:
    line_text = visible(span.source.line(span.line))
    before = line_text[: span.column - 1]
    if span.end_line == span.line:
        marked = line_text[span.column - 1 : span.end_column - 1]
    else:
        marked = line_text[span.column - 1 :]
    carets = "^" * max(1, _width(marked))
    pad = " " * gutter
    underline = f"{pad} | {' ' * _width(before)}{carets}"
    if message:
        underline += f" {message}"
    return [f"{span.line:>{gutter}} | {line_text}", underline.rstrip()]


def render(diagnostic: Diagnostic) -> str:
    """Render like a good compiler: `path:line:col: error[CODE]: message`, the line, a caret.

    All of it through `visible`: a message quotes what was found (an unexpected character,
    a file's name), and a path may hold what no terminal should receive."""
    return visible(_rendered(diagnostic))


def _rendered(diagnostic: Diagnostic) -> str:
    severity = diagnostic.severity.value
    span = diagnostic.span
    if span is None:
        head = f"{severity}[{diagnostic.code}]: {diagnostic.message}"
        return head + (f"\n  = help: {diagnostic.help}" if diagnostic.help else "")
    head = f"{span.location}: {severity}[{diagnostic.code}]: {diagnostic.message}"
    spans = [span, *(label.span for label in diagnostic.labels)]
    gutter = max(len(str(s.line)) for s in spans)
    pad = " " * gutter
    lines = [head, f"{pad} |"]
    lines += _snippet(span, diagnostic.label, gutter)
    for label in diagnostic.labels:
        if label.span.source is not span.source:
            lines.append(f"{pad} = {label.span.location}")
        lines += _snippet(label.span, label.message, gutter)
    if diagnostic.help:
        lines.append(f"{pad} = help: {diagnostic.help}")
    return "\n".join(lines)


def render_all(diagnostics: Iterable[Diagnostic]) -> str:
    return "\n\n".join(render(d) for d in diagnostics)


def sort_key(diagnostic: Diagnostic) -> tuple[str, int, int]:
    span = diagnostic.span
    return ("", 0, 0) if span is None else (span.source.name, span.start, span.end)


# ------------------------------------------------------------ how many are reported
MAX_SHOWN = 20  # errors, and warnings and notes apart: after that, more of them mostly repeat one slip


@attrs.frozen(slots=True)
class Omitted(Diagnostic):
    """The last of a capped list: how many diagnostics of each severity were left out."""

    hidden: tuple[tuple[Severity, int], ...] = ()


def capped(diagnostics: Sequence[Diagnostic]) -> tuple[Diagnostic, ...]:
    """The first MAX_SHOWN errors and the first MAX_SHOWN others, in their order, then a note
    saying how many more there were: thousands of them took minutes to find and to print.

    Errors and others are capped apart so that an error is always shown when there is one.
    Notes of an earlier cap (a base standard's) are merged into the new one."""
    hidden = {severity: 0 for severity in Severity}
    kept: list[Diagnostic] = []
    shown = {True: 0, False: 0}  # is_error -> how many kept
    for diagnostic in diagnostics:
        if isinstance(diagnostic, Omitted):
            for severity, count in diagnostic.hidden:
                hidden[severity] += count
        elif shown[diagnostic.is_error] < MAX_SHOWN:
            shown[diagnostic.is_error] += 1
            kept.append(diagnostic)
        else:
            hidden[diagnostic.severity] += 1
    if not any(hidden.values()):
        return tuple(kept)
    return (*kept, _omitted(hidden))


def _omitted(hidden: dict[Severity, int]) -> Omitted:
    counts = [f"{count} more {severity.value}{'s' if count > 1 else ''}" for severity, count in hidden.items() if count]
    listed = counts[0] if len(counts) == 1 else ", ".join(counts[:-1]) + " and " + counts[-1]
    return Omitted("N0101", f"{listed} not shown", None, Severity.NOTE,
                   help=f"only the first {MAX_SHOWN} errors and the first {MAX_SHOWN} warnings and notes are shown: "
                   "fix these and check again",
                   hidden=tuple((severity, count) for severity, count in hidden.items() if count))
