from smartcity_rules.language.diagnostics import Diagnostic, Label, Severity, render, visible
from smartcity_rules.language.source import Source


def test_render_points_a_caret_under_the_span(golden) -> None:
    source = Source("std.scs", 'group "A" points 5 {\n    weights 1/2, 1/3\n}\n')
    span = source.span(source.text.index("1/2"), source.text.index("1/3") + 3)
    diagnostic = Diagnostic("E0216", "weights sum to 5/6, expected 1", span,
                            label="these add up to 5/6", help="add the missing part or rescale")
    golden.check("diagnostics/caret.txt", render(diagnostic) + "\n")
    lines = render(diagnostic).splitlines()
    assert lines[0] == "std.scs:2:13: error[E0216]: weights sum to 5/6, expected 1"
    assert lines[3].index("^") == lines[2].index("1/2")


def test_carets_account_for_wide_characters() -> None:
    source = Source("s", 'input 光纤 "x": cnt\n')
    start = source.text.index("cnt")
    text = render(Diagnostic("E1", "bad kind", source.span(start, start + 3)))
    code_line, caret_line = text.splitlines()[2:4]
    # 光纤 takes four terminal columns, so the caret sits two columns further right.
    assert caret_line.index("^") == code_line.index("cnt") + 2


def test_secondary_labels_and_warnings_render() -> None:
    source = Source("s", "input a \"x\": count\ninput a \"y\": count\n")
    first = source.span(6, 7)
    second = source.span(25, 26)
    text = render(Diagnostic("E0201", "declared twice", second, Severity.WARNING, label="again",
                             labels=(Label(first, "first"),)))
    assert text.startswith("s:2:7: warning[E0201]")
    assert "first" in text and "again" in text


def test_diagnostic_without_span_still_renders_help() -> None:
    text = render(Diagnostic("E0232", "no header", None, help="add one"))
    assert text == "error[E0232]: no header\n  = help: add one"


def test_visible_shows_control_characters_as_pictures() -> None:
    assert visible("a\x1b[31mb\x07\x7f\x9b") == "a\u241b[31mb\u2407\u2421\ufffd"
    assert visible("tab\tand\nline") == "tab\tand\nline"
