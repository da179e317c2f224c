"""Where things are, in the protocol's terms: our spans count characters (code points) from
the start of a text; an LSP position is a line and a column counted in the code units of the
encoding client and server agreed on, UTF-16 unless they chose otherwise. A Chinese character
is one unit in UTF-16 and three in UTF-8; an astral one (𠀋, an emoji) is two in UTF-16."""

from __future__ import annotations

import bisect

import attrs

from ...language.source import line_starts

UTF16, UTF8, UTF32 = "utf-16", "utf-8", "utf-32"


def units(text: str, encoding: str = UTF16) -> int:
    """The code units `text` takes in the encoding."""
    if encoding == UTF32:
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)




@attrs.frozen
class Lines:
    """A text (line breaks already made `\\n`, as a standard is read) and where its lines start."""

    text: str = attrs.field(repr=False)
    encoding: str = UTF16
    starts: tuple[int, ...] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "starts", line_starts(self.text))

    def position(self, offset: int) -> tuple[int, int]:
        """The 0-based line and column, in code units, of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, units(self.text[self.starts[line]:offset], self.encoding)

    def offset(self, line: int, column: int) -> int:
        """The character offset of a 0-based line and a column in code units; a column past the
        line's end, or inside a character (half a UTF-16 pair), stops at the character's start."""
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[max(line, 0)]
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        counted = 0
        for at in range(start, end):
            counted += units(self.text[at], self.encoding)
            if counted > column:
                return at
        return end
