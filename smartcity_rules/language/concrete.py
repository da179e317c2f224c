"""The concrete syntax tree: every token of a standard as written, where it was written.

For the tools that rewrite an author's text rather than read its meaning (the formatter). parse.py
builds it, being the only module that touches Lark; nothing here knows Lark. Comments are not
tokens: they lie in the gaps between words, where a tool finds them in the text.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs


@attrs.frozen(slots=True)
class Word:
    """A token: the grammar's terminal name (NAME, STRING, LBRACE...), its text, its offsets."""

    kind: str
    text: str
    start: int
    end: int


@attrs.frozen(slots=True)
class Phrase:
    """A rule of grammar/standard.lark, by its name or alias (`input_decl`, `add`, `weighted`...),
    with every word of it kept, keywords and punctuation included."""

    rule: str
    children: tuple[Phrase | Word, ...]

    def words(self) -> Iterator[Word]:
        """The words below, in the order written; without recursion, as a formula may be deep."""
        stack: list[Phrase | Word] = [self]
        while stack:
            node = stack.pop()
            if isinstance(node, Word):
                yield node
            else:
                stack.extend(reversed(node.children))
