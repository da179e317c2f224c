"""Source text and spans: where every node and diagnostic points."""

from __future__ import annotations

import bisect

import attrs


def line_starts(text: str) -> tuple[int, ...]:
    """The offset at which each line of the text begins."""
    # Lines end at "\n" only: splitlines() would also break at form feeds and U+2028
    # and put the caret under the wrong line.
    starts = [0]
    at = text.find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return tuple(starts)


@attrs.frozen(slots=True)
class Source:
    """A standard's text and the name it is reported under (usually its path)."""

    name: str
    text: str = attrs.field(repr=False)
    # Where each line starts, found once: a span per node must not rescan the text.
    starts: tuple[int, ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "starts", line_starts(self.text))

    def line(self, number: int) -> str:
        """The text of 1-based line `number`, without its line ending."""
        if not 0 < number <= len(self.starts):
            return ""
        start = self.starts[number - 1]
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.text)
        return self.text[start:end].rstrip("\r")

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset; columns count characters."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1

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
