"""Character offsets to LSP positions and back (toolkit/lsp/positions.py), against counts made by
encoding the text: Chinese text, astral characters, line ends, columns past a line's end."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from smartcity_rules.toolkit.lsp.positions import UTF8, UTF16, UTF32, Lines

CODECS = {UTF8: ("utf-8", 1), UTF16: ("utf-16-le", 2), UTF32: ("utf-32-le", 4)}
TEXT = st.text(st.sampled_from(["a", " ", "\n", "中", "文", "𠀋", "😀", "é", "\t"]), max_size=40)


def _expected(text: str, offset: int, encoding: str) -> tuple[int, int]:
    codec, width = CODECS[encoding]
    before = text[:offset]
    return before.count("\n"), len(before[before.rfind("\n") + 1:].encode(codec)) // width


@given(TEXT, st.data(), st.sampled_from(sorted(CODECS)))
def test_positions_count_code_units_and_come_back(text: str, data: st.DataObject, encoding: str) -> None:
    offset = data.draw(st.integers(0, len(text)))
    lines = Lines(text, encoding)
    assert lines.position(offset) == _expected(text, offset, encoding)
    assert lines.offset(*lines.position(offset)) == offset


def test_a_chinese_line_with_astral_characters() -> None:
    text = 'input 光纤 "𠀋户😀": count\nnext'
    lines = Lines(text)
    assert lines.position(text.index("😀")) == (0, 13)  # 𠀋 counts two units
    assert lines.position(text.index(":")) == (0, 16)
    assert Lines(text, UTF8).position(text.index(":")) == (0, len('input 光纤 "𠀋户😀"'.encode()))
    assert lines.offset(0, 11) == text.index("𠀋")  # inside the pair: the character's start
    assert lines.offset(0, 999) == text.index("\n")  # past the end: the line's end
    assert lines.offset(1, 2) == text.index("next") + 2
    assert lines.offset(9, 0) == len(text)
