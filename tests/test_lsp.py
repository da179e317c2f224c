"""The language server, round trip: `python -m smartcity_rules lsp` over stdio, driven by pygls's
LanguageClient (tests/lsp_client.py), on copies of the shipped standards (the city standard, the
county standard that `use`s it, the national standard) and on edited buffers with errors."""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from smartcity_rules.language.parse import keywords
from smartcity_rules.standard import diagnose

from .conftest import STANDARDS
from .lsp_client import LanguageClient, Session, find, position, t, utf16

pytestmark = pytest.mark.lsp

CITY, COUNTY, NATIONAL = "shandong-city-2019.scs", "shandong-county-2019.scs", "china-smart-city-evaluation-2016.scs"
SHIPPED = tuple(sorted(str(p.relative_to(STANDARDS)) for p in [*STANDARDS.glob("*.scs"),
                                                              *STANDARDS.glob("examples/*.scs")]))


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace of copies of the shipped standards: rename tests may write them."""
    where = tmp_path_factory.mktemp("workspace")
    for path in STANDARDS.glob("*.scs"):
        shutil.copy(path, where / path.name)
    (where / "examples").mkdir()
    for path in (STANDARDS / "examples").glob("*.scs"):
        shutil.copy(path, where / "examples" / path.name)
    return where


@pytest.fixture(scope="module")
def session(folder: Path) -> Iterator[Session]:
    started = Session(folder)
    yield started
    started.close()


def _text(folder: Path, name: str) -> str:
    return (folder / name).read_text("utf-8")


# ------------------------------------------------------------------ diagnostics
@pytest.mark.parametrize("name", SHIPPED)
def test_diagnostics_are_those_of_check(session: Session, folder: Path, name: str) -> None:
    expected = diagnose(folder / name)
    with session.opened(folder / name) as uri:
        found = session.diagnostics(uri)
    assert [d.code for d in found] == [d.code for d in expected]
    text = _text(folder, name)
    for got, want in zip(found, expected):
        assert want.span is not None
        assert (got.range.start.line, got.range.start.character) == position(text, want.span.start)
        assert got.message.startswith(want.message)
        assert got.source == "smartcity-rules"
        assert got.severity == {"error": 1, "warning": 2, "note": 3}[want.severity.value]


BROKEN_INPUT = 'input 光纤 "𠀋光纤入户用户数😀": count "户", part of 家庭户数\n'


def test_an_edited_buffer_with_errors(session: Session, folder: Path) -> None:
    """An unknown input typed after Chinese and astral characters: the range counts UTF-16 units."""
    text = _text(folder, CITY)
    anchor = "input households"
    with session.opened(folder / CITY, text) as uri:
        assert not [d for d in session.diagnostics(uri) if d.severity == t.DiagnosticSeverity.Error]
        line, _ = find(text, anchor)
        session.change(uri, t.TextDocumentContentChangePartial(
            t.Range(t.Position(line, 0), t.Position(line, 0)), BROKEN_INPUT))
        errors = [d for d in session.diagnostics(uri) if d.severity == t.DiagnosticSeverity.Error]
        assert errors, "the unknown `part of` is an error"
        first = errors[0]
        start = BROKEN_INPUT.index("家庭户数")
        assert first.range.start == t.Position(line, utf16(BROKEN_INPUT[:start]))
        assert first.range.end == t.Position(line, utf16(BROKEN_INPUT[:start]) + 4)
        assert utf16(BROKEN_INPUT[:start]) == start + 2  # two astral characters before it
        assert first.code and first.code.startswith("E02")
        assert first.code_description is not None and first.code_description.href.endswith("#" + first.code.lower())
        # the fix, typed as a change of one range: the errors go
        session.change(uri, t.TextDocumentContentChangePartial(
            t.Range(t.Position(line, 0), t.Position(line + 1, 0)), ""))
        assert not [d for d in session.diagnostics(uri) if d.severity == t.DiagnosticSeverity.Error]


def test_a_syntax_error_keeps_the_rest_navigable(session: Session, folder: Path) -> None:
    text = _text(folder, CITY).replace("value ratio(fibre_households, households)", "value ratio(fibre_households,")
    with session.opened(folder / CITY, text) as uri:
        found = session.diagnostics(uri)
        assert [d.code for d in found if d.severity == t.DiagnosticSeverity.Error][:1] == ["E0101"]
        # the group holding the error is set aside; the inputs and the other groups still answer
        hover = session.hover(uri, *find(text, "broadband_200m_users", after="input ", inside=2))
        assert hover is not None and "200M" in hover.contents.value  # type: ignore[union-attr]
        symbols = [symbol.name for symbol in session.symbols(uri)]
        assert "基础设施" not in symbols and "数字惠民" in symbols


# ------------------------------------------------------------------ hover
def test_hover_on_an_input(session: Session, folder: Path) -> None:
    text = _text(folder, CITY)
    with session.opened(folder / CITY) as uri:
        hover = session.hover(uri, *find(text, "fibre_households", after="value ratio(", inside=3))
    assert hover is not None
    value = hover.contents.value  # type: ignore[union-attr]
    assert "光纤入户用户数" in value and "kind: count" in value and "unit: 户" in value
    assert "part of `households`" in value


def test_hover_on_an_indicator(session: Session, folder: Path) -> None:
    text = _text(folder, CITY)
    with session.opened(folder / CITY) as uri:
        hover = session.hover(uri, *find(text, "12", after="indicator 12 ★"))
    assert hover is not None
    value = hover.contents.value  # type: ignore[union-attr]
    assert "indicator 12** ★ 5G网络覆盖率" in value
    assert "```scs\nvalue ratio(" in value and "$$\n\\frac{" in value  # as written, and as published
    assert "| ★ | ★★ |" in value and "provisional" in value and "points:" in value


def test_hover_across_use(session: Session, folder: Path) -> None:
    text = _text(folder, COUNTY)
    with session.opened(folder / COUNTY) as uri:
        hover = session.hover(uri, *find(text, "13", after="indicator 12 from city"))
    assert hover is not None
    value = hover.contents.value  # type: ignore[union-attr]
    assert "indicator 13** ★ " in value and "电子证照使用率" in value and f"*declared in* `{CITY}`" in value


# ------------------------------------------------------------------ completion
def test_completion_in_a_formula(session: Session, folder: Path) -> None:
    text = _text(folder, CITY).replace("value ratio(fibre_households, households)", "value ratio(fib")
    with session.opened(folder / CITY, text) as uri:
        items = session.complete(uri, *find(text, "ratio(fib", inside=len("ratio(fib")))
    labels = {item.label: item for item in items}
    assert "fibre_households" in labels and labels["fibre_households"].detail == "光纤入户用户数"
    assert labels["fibre_households"].kind == t.CompletionItemKind.Variable
    assert "ratio" in labels and labels["ratio"].kind == t.CompletionItemKind.Function
    assert "indicator" not in labels  # not where a formula goes on


def test_completion_of_bands_indicators_and_keywords(session: Session, folder: Path) -> None:
    text = _text(folder, CITY)
    at_stars = text.replace("        stars mature\n", "        stars \n", 1)
    with session.opened(folder / CITY, at_stars) as uri:
        items = session.complete(uri, *find(at_stars, "stars \n", inside=len("stars ")))
    labels = {item.label for item in items}
    assert {"mature", "rates", "adoption"} <= labels and {"at"} <= labels
    rating = text.replace("when total >= 85", "when indicator ", 1)
    with session.opened(folder / CITY, rating) as uri:
        items = session.complete(uri, *find(rating, "when indicator ", inside=len("when indicator ")))
    assert {"1", "12", "L1"} & {item.label for item in items} >= {"1", "12"}
    top = text + "\n"
    with session.opened(folder / CITY, top) as uri:
        items = session.complete(uri, top.count("\n"), 0)
    words = {item.label for item in items if item.kind == t.CompletionItemKind.Keyword}
    assert {"group", "input", "bands", "use"} <= words <= set(keywords())


def test_completion_across_use(session: Session, folder: Path) -> None:
    text = _text(folder, COUNTY).replace("indicator 2 from city 2 ", "indicator 2 from city ", 1)
    with session.opened(folder / COUNTY, text) as uri:
        items = session.complete(uri, *find(text, "indicator 2 from city ", inside=len("indicator 2 from city ")))
    codes = {item.label: item.detail for item in items if item.kind == t.CompletionItemKind.Field}
    assert codes["12"] == "5G网络覆盖率" and len(codes) >= 49


# ------------------------------------------------------------------ definition, references
def _location(found: object) -> t.Location:
    assert isinstance(found, t.Location), found
    return found


def test_definition_across_use(session: Session, folder: Path) -> None:
    county, city = _text(folder, COUNTY), _text(folder, CITY)
    with session.opened(folder / COUNTY) as uri:
        found = _location(session.definition(uri, *find(county, "7", after="indicator 6 from city")))
        alias = _location(session.definition(uri, *find(county, "city", after="indicator 1 from")))
    assert found.uri == (folder / CITY).as_uri()
    assert found.range.start == t.Position(*find(city, 'indicator 7 "', inside=len("indicator ")))
    assert alias.uri == uri and alias.range.start == t.Position(*find(county, "as city", inside=3))


def test_definition_of_an_input(session: Session, folder: Path) -> None:
    city = _text(folder, CITY)
    with session.opened(folder / CITY) as uri:
        found = _location(session.definition(uri, *find(city, " households)", after="value ratio(fibre", inside=1)))
    assert found.range.start == t.Position(*find(city, 'input households "', inside=len("input ")))


def test_references_across_use(session: Session, folder: Path) -> None:
    """The city's `households` is read by the county standard too (which declares it again)."""
    city, county = _text(folder, CITY), _text(folder, COUNTY)
    with session.opened(folder / CITY) as uri:  # the county file is not open: found in the workspace
        found = session.references(uri, *find(city, 'input households "', inside=len("input ")))
    by_file: dict[str, int] = {}
    for location in found:
        by_file[location.uri] = by_file.get(location.uri, 0) + 1
    assert by_file[(folder / CITY).as_uri()] == _words(city, "households") > 3
    assert by_file[(folder / COUNTY).as_uri()] == _words(county, "households") > 1


def _words(text: str, word: str) -> int:
    """How often a name is written outside comments (the standards' strings hold no ASCII names)."""
    code = "\n".join(line.split("#")[0] for line in text.splitlines())
    return len(re.findall(rf"(?<!\w){word}(?!\w)", code))


# ------------------------------------------------------------------ rename
def _applied(text: str, edits: list[t.TextEdit]) -> str:
    """The text with the edits made, from the last to the first (positions in UTF-16 units)."""
    lines = text.split("\n")
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        assert edit.range.start.line == edit.range.end.line
        line = lines[edit.range.start.line]
        units = line.encode("utf-16-le")
        start, end = 2 * edit.range.start.character, 2 * edit.range.end.character
        lines[edit.range.start.line] = (units[:start] + edit.new_text.encode("utf-16-le") + units[end:]).decode(
            "utf-16-le")
    return "\n".join(lines)


def _renamed(session: Session, folder: Path, tmp_path: Path, edit: t.WorkspaceEdit | None) -> dict[str, str]:
    """The workspace's standards with the edit made, written beside each other in a fresh folder."""
    assert edit is not None and edit.changes
    for path in folder.glob("*.scs"):
        shutil.copy(path, tmp_path / path.name)
    texts: dict[str, str] = {}
    for uri, edits in edit.changes.items():
        name = Path(uri.removeprefix("file://")).name
        texts[name] = _applied((folder / name).read_text("utf-8"), edits)
        (tmp_path / name).write_text(texts[name], "utf-8")
    return texts


def test_rename_an_input_across_use(session: Session, folder: Path, tmp_path: Path) -> None:
    city = _text(folder, CITY)
    with session.opened(folder / CITY) as uri:
        place = find(city, 'input households "', inside=len("input "))
        prepared = session.prepare_rename(uri, *place)
        edit = session.rename(uri, *place, "住户")
    assert prepared is not None and prepared.placeholder == "households"
    texts = _renamed(session, folder, tmp_path, edit)
    assert set(texts) >= {CITY, COUNTY}
    assert _words(texts[CITY], "households") == 0 and _words(texts[CITY], "住户") == _words(city, "households")
    for name in (CITY, COUNTY):  # both still check, with the same diagnostics as before
        assert [d.code for d in diagnose(tmp_path / name)] == [d.code for d in diagnose(folder / name)]


def test_rename_an_indicator_renames_its_uses(session: Session, folder: Path, tmp_path: Path) -> None:
    city = _text(folder, CITY)
    with session.opened(folder / CITY) as uri:
        edit = session.rename(uri, *find(city, 'indicator 7 "', inside=len("indicator ")), "7a")
    texts = _renamed(session, folder, tmp_path, edit)
    assert 'indicator 7a "电子警察' in texts[CITY] and "indicator 6 from city 7a {" in texts[COUNTY]
    assert not [d for d in diagnose(tmp_path / COUNTY) if d.is_error]


@pytest.mark.parametrize(("new", "why"), [("1abc", "not a name"), ("indicator", "keyword"), ("ratio", "function"),
                                          ("fibre_households", "already declares")])
def test_rename_refuses_an_invalid_name(session: Session, folder: Path, new: str, why: str) -> None:
    city = _text(folder, CITY)
    with session.opened(folder / CITY) as uri, pytest.raises(Exception, match=why):
        session.rename(uri, *find(city, 'input households "', inside=len("input ")), new)


def test_rename_a_group_and_a_code(session: Session, folder: Path) -> None:
    city = _text(folder, CITY)
    with session.opened(folder / CITY) as uri:
        group = session.rename(uri, *find(city, '"基础设施"', inside=1), "基础 设施")
        with pytest.raises(Exception, match="without quotes"):
            session.rename(uri, *find(city, '"基础设施"', inside=1), 'a"b')
        with pytest.raises(Exception, match="already declares"):
            session.rename(uri, *find(city, 'indicator 7 "', inside=len("indicator ")), "8")
    assert group is not None and group.changes is not None
    (edits,) = group.changes.values()
    assert {e.new_text for e in edits} == {'"基础 设施"'}


# ------------------------------------------------------------------ the outline
def test_document_symbols(session: Session, folder: Path) -> None:
    from smartcity_rules.language.parse import parse_file

    tree = parse_file(folder / CITY)
    with session.opened(folder / CITY) as uri:
        found = session.symbols(uri)
    groups = [s for s in found if s.kind == t.SymbolKind.Namespace]
    assert [g.name for g in groups] == [g.name for g in tree.groups]
    indicators = [c for g in groups for c in g.children or () if c.kind == t.SymbolKind.Function]
    assert len(indicators) == sum(len(g.indicators) for g in tree.all_groups())
    first = indicators[0]
    assert first.range.start.line <= first.selection_range.start.line <= first.range.end.line
    assert any(s.kind == t.SymbolKind.Variable and s.name == "households" for s in found)


def test_the_national_standard(session: Session, folder: Path) -> None:
    text = _text(folder, NATIONAL)
    with session.opened(folder / NATIONAL) as uri:
        assert not [d for d in session.diagnostics(uri) if d.severity == t.DiagnosticSeverity.Error]
        symbols = session.symbols(uri)
        hover = session.hover(uri, *find(text, "fourg_users", after="value ratio(", inside=1))
        references = session.references(uri, *find(text, "mobile_users", after="input ", inside=1))
    assert symbols and all(s.children for s in symbols if s.kind == t.SymbolKind.Namespace)
    assert hover is not None and "4G" in hover.contents.value  # type: ignore[union-attr]
    assert len(references) == _words(text, "mobile_users")


# ------------------------------------------------------------------ encodings
def test_positions_in_utf8_when_the_client_asks(folder: Path) -> None:
    """A client that offers UTF-8 gets it; columns then count bytes."""
    session = Session(folder, encodings=["utf-8", "utf-16"])
    try:
        assert session.initialized.capabilities.position_encoding == "utf-8"
        text = _text(folder, CITY).replace("input households", BROKEN_INPUT + "input households", 1)
        with session.opened(folder / CITY, text) as uri:
            first = next(d for d in session.diagnostics(uri) if d.severity == t.DiagnosticSeverity.Error)
            line = BROKEN_INPUT
            assert first.range.start.character == len(line[: line.index("家庭户数")].encode("utf-8"))
            hover = session.hover(uri, first.range.start.line, len(line[: line.index("光纤")].encode("utf-8")) + 3)
            assert hover is not None and "𠀋光纤入户用户数😀" in hover.contents.value  # type: ignore[union-attr]
    finally:
        session.close()


# ------------------------------------------------------------------ over TCP
def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _tcp_hover(port: int, path: Path, place: tuple[int, int]) -> str:
    client = LanguageClient("smartcity-rules-tests", "1")
    for _ in range(600):  # the server imports the library before it listens
        try:
            await client.start_tcp("127.0.0.1", port)
            break
        except OSError:
            await asyncio.sleep(0.1)
    await client.initialize_async(t.InitializeParams(capabilities=t.ClientCapabilities()))
    client.initialized(t.InitializedParams())
    item = t.TextDocumentItem(path.as_uri(), "scs", 1, path.read_text("utf-8"))
    client.text_document_did_open(t.DidOpenTextDocumentParams(item))
    hover = await client.text_document_hover_async(t.HoverParams(t.TextDocumentIdentifier(path.as_uri()),
                                                                 t.Position(*place)))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    assert hover is not None and isinstance(hover.contents, t.MarkupContent)
    return hover.contents.value


def test_over_tcp(folder: Path) -> None:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "smartcity_rules", "lsp", "--tcp", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        text = _text(folder, CITY)
        value = asyncio.run(_tcp_hover(port, folder / CITY, find(text, "households", after="input ")))
        assert "区域内总户数" in value
        assert server.wait(60) == 0  # `exit` after `shutdown` ends it
    finally:
        if server.poll() is None:
            server.kill()
        server.wait()
        assert server.stderr is not None
        server.stderr.close()


# ------------------------------------------------------------------ diagnostics: labels, bases
def test_labels_become_related_information(session: Session, folder: Path) -> None:
    text = _text(folder, CITY).replace("input households", 'input households "again": count "户"\ninput households', 1)
    with session.opened(folder / CITY, text) as uri:
        found = next(d for d in session.diagnostics(uri) if d.code == "E0201")
    assert found.related_information is not None
    (first,) = found.related_information
    assert first.message == "first declared here" and first.location.uri == uri
    assert first.location.range.start == t.Position(*find(text, "households", after="input "))
    assert found.range.start == t.Position(*find(text, "households", after='"again": count "户"\ninput '))


def test_an_error_in_a_base_shows_on_the_use_line(session: Session, folder: Path) -> None:
    """The city standard open with an error: the county standard, which uses it, says so at once."""
    county, city = _text(folder, COUNTY), _text(folder, CITY)
    broken = city.replace("value ratio(fibre_households, households)", "value ratio(fibre_households, homes)")
    with session.opened(folder / COUNTY) as county_uri:
        assert not [d for d in session.diagnostics(county_uri) if d.severity == t.DiagnosticSeverity.Error]
        with session.news:  # the county buffer's diagnostics are published again, for the same version
            session.published.pop(county_uri, None)
        with session.opened(folder / CITY, broken):
            errors = [d for d in session.diagnostics(county_uri) if d.severity == t.DiagnosticSeverity.Error]
    assert errors and errors[0].range.start == t.Position(*find(county, "use "))
    assert errors[0].message.startswith(f"{folder / CITY}:")
    related = errors[0].related_information
    assert related and related[0].location.uri == (folder / CITY).as_uri()
    assert related[0].location.range.start == t.Position(*find(broken, "homes"))


def test_a_use_path_leads_to_its_file(session: Session, folder: Path) -> None:
    county, city = _text(folder, COUNTY), _text(folder, CITY)
    with session.opened(folder / COUNTY) as uri:
        place = find(county, '"shandong-city-2019.scs"', after="use ", inside=3)
        found = _location(session.definition(uri, *place))
        hover = session.hover(uri, *place)
        assert session.prepare_rename(uri, *place) is None
        with pytest.raises(Exception, match="rename the file"):
            session.rename(uri, *place, "x")
        alias = session.rename(uri, *find(county, "as city", inside=3), "市")
    assert found.uri == (folder / CITY).as_uri() and found.range.start == t.Position(*find(city, "standard \""))
    assert hover is not None and "山东省市级新型智慧城市试点示范建设标准" in hover.contents.value  # type: ignore[union-attr]
    assert alias is not None and alias.changes is not None
    (edits,) = alias.changes.values()
    assert len(edits) == 1 + sum(line.split("#")[0].count(" from city ") for line in county.splitlines())


def test_completion_of_clauses_and_after_an_error_above(session: Session, folder: Path) -> None:
    city = _text(folder, CITY)
    body = city.replace('indicator 12 ★ "5G网络覆盖率" {\n', 'indicator 12 ★ "5G网络覆盖率" {\n        \n', 1)
    with session.opened(folder / CITY, body) as uri:
        line, _ = find(body, 'indicator 12 ★ "5G网络覆盖率" {\n')
        words = {i.label for i in session.complete(uri, line + 1, 8) if i.kind == t.CompletionItemKind.Keyword}
    assert {"value", "stars", "points", "description", "item"} <= words and "standard" not in words
    with session.opened(folder / CITY) as uri:  # in a string or a comment: the author's words, nothing proposed
        assert session.complete(uri, *find(city, "5G网络覆盖率", after="indicator 12 ★", inside=2)) == []
        assert session.complete(uri, *find(city, "# ", inside=3)) == []
    broken = city.replace("value ratio(fibre_households, households)", "value ratio(,", 1).replace(
        "value ratio(broadband_200m_users, households)", "value ratio(broad", 1)
    with session.opened(folder / CITY, broken) as uri:
        items = session.complete(uri, *find(broken, "ratio(broad", inside=len("ratio(broad")))
    labels = {item.label for item in items}
    assert "broadband_200m_users" in labels and "indicator" in labels  # all of them: the text above is broken


# ------------------------------------------------------------------ formatting
@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_standard_has_its_outline_hover_and_layout(session: Session, folder: Path, name: str) -> None:
    from smartcity_rules.language.parse import parse_file

    tree, text = parse_file(folder / name), _text(folder, name)
    first = next(i for g in tree.all_groups() for i in g.indicators)
    with session.opened(folder / name) as uri:
        groups = [s.name for s in session.symbols(uri) if s.kind == t.SymbolKind.Namespace]
        hover = session.hover(uri, *position(text, text.index(first.code, first.span.start)))
        edits = session.format(uri)
    assert len(groups) == len(tree.groups) and all(s.endswith(g.name) for s, g in zip(groups, tree.groups))
    assert hover is not None and f"indicator {first.code}" in hover.contents.value  # type: ignore[union-attr]
    assert edits == []  # shipped standards are kept in the formatter's layout


def test_formatting_through_the_formatter(session: Session, folder: Path) -> None:
    """The formatter's canonical layout (toolkit/formatting.py) as one edit; nothing for a file
    already in it, or for one that does not parse."""
    from smartcity_rules.toolkit.formatting import format_source

    city = _text(folder, CITY)
    messy = city.replace("    indicator 12 ★", "  indicator   12   ★", 1).replace("ratio(fibre_households, households)",
                                                                             "ratio( fibre_households ,households )", 1)
    assert format_source(messy) != messy
    with session.opened(folder / CITY, messy) as uri:
        edits = session.format(uri)
    assert len(edits) == 1 and edits[0].range.start == t.Position(0, 0)
    assert edits[0].range.end == t.Position(*position(messy, len(messy)))
    assert edits[0].new_text == format_source(messy) == format_source(city)
    with session.opened(folder / CITY, format_source(city)) as uri:
        assert session.format(uri) == []
    with session.opened(folder / CITY, city.replace("value ratio(fibre_households, households)", "value (")) as uri:
        assert session.format(uri) == []


def test_hover_in_a_standard_with_entity_types(session: Session, folder: Path) -> None:
    path = folder / "examples" / "county-and-city.scs"
    text = path.read_text("utf-8")
    with session.opened(path) as uri:
        only = session.hover(uri, *find(text, '5 "行政村网格化管理率"'))
        per_type = session.hover(uri, *find(text, "1", after="indicator 1 "))
    assert only is not None and 'for entity types "县" only' in only.contents.value  # type: ignore[union-attr]
    assert per_type is not None and "by entity type:" in per_type.contents.value  # type: ignore[union-attr]
