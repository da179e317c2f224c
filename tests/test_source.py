from smartcity_rules.language.source import Source


def test_position_counts_lines_and_characters_from_one() -> None:
    source = Source("f.scs", "ab\n光纤x\n")
    assert source.position(0) == (1, 1)
    assert source.position(3) == (2, 1)
    assert source.position(5) == (2, 3)  # columns count characters, not bytes


def test_span_knows_both_ends_and_its_text() -> None:
    source = Source("f.scs", "one\ntwo three\n")
    span = source.span(8, 13)
    assert (span.line, span.column, span.end_line, span.end_column) == (2, 5, 2, 10)
    assert span.text() == "three"
    assert span.location == "f.scs:2:5"


def test_line_out_of_range_is_empty() -> None:
    assert Source("f", "x").line(5) == ""


def test_lines_split_only_at_newlines_like_positions() -> None:
    source = Source("f", "a\x0cb\u2028c\r\nd\n")
    assert source.line(1) == "a\x0cb\u2028c"
    assert source.line(2) == "d"
    assert source.position(source.text.index("d")) == (2, 1)


def test_positions_and_lines_across_line_endings() -> None:
    text = "ab\r\ncd\n\nef"
    source = Source("x", text)
    assert [source.line(n) for n in range(0, 6)] == ["", "ab", "cd", "", "ef", ""]
    assert [source.position(k) for k in (0, 2, 4, 7, 8, 10, 99)] == [
        (1, 1), (1, 3), (2, 1), (3, 1), (4, 1), (4, 3), (4, 3)]
