"""Source text and spans: where every node and diagnostic points."""

from __future__ import annotations

import attrs


@attrs.frozen(slots=True)
class Source:
    """A standard's text and the name it is reported under (usually its path)."""

    name: str
    text: str = attrs.field(repr=False)

    def line(self, number: int) -> str:
        """The text of 1-based line `number`, without its line ending."""
        # Split on "\n" only, as position() counts lines: splitlines() would also break
        # at form feeds and U+2028 and put the caret under the wrong line.
        lines = self.text.split("\n")
        return lines[number - 1].rstrip("\r") if 0 < number <= len(lines) else ""

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; columns count characters."""
        offset = max(0, min(offset, len(self.text)))
        line = self.text.count("\n", 0, offset) + 1
        start = self.text.rfind("\n", 0, offset) + 1
        return line, offset - start + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(self, start, end, line, column, end_line, end_column)


@attrs.frozen(slots=True)
class Span:
    """A range of a source: character offsets and 1-based line/column of both ends.

    Spans never take part in the equality of the nodes that carry them.
    """

    source: Source = attrs.field(repr=False, eq=False)
    start: int
    end: int
    line: int
    column: int
    end_line: int
    end_column: int

    @property
    def location(self) -> str:
        return f"{self.source.name}:{self.line}:{self.column}"

    def text(self) -> str:
        return self.source.text[self.start : self.end]
