"""How long the language server takes to answer, over a real stdio round trip: `python bench/bench_lsp.py`.

Each request is timed from the client's send to its answer (pygls's LanguageClient, the server
`python -m smartcity_rules lsp` in a subprocess), on the city standard and the county standard that
`use`s it, warm, median of REPEATS. Diagnostics after an edit are set against the floor, the same
text checked in-process by the facade's parse, link and `diagnose_tree` (the ratio is what the protocol
and the rest of the server add). Needs the `lsp` extra."""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from lsprotocol import types as t
from pygls.lsp.client import LanguageClient

from smartcity_rules.language.link import link
from smartcity_rules.language.parse import parse
from smartcity_rules.standard import diagnose_tree

ROOT = Path(__file__).resolve().parent.parent
CITY, COUNTY = ROOT / "standards" / "shandong-city-2019.scs", ROOT / "standards" / "shandong-county-2019.scs"
REPEATS = 15


def _at(text: str, needle: str, inside: int = 0) -> t.Position:
    before = text[: text.index(needle) + inside]
    return t.Position(before.count("\n"), len(before[before.rfind("\n") + 1:].encode("utf-16-le")) // 2)


async def _median(work: Callable[[], Awaitable[Any]]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        await work()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


async def bench() -> dict[str, float]:
    client = LanguageClient("bench", "1")
    published: asyncio.Queue[t.PublishDiagnosticsParams] = asyncio.Queue()

    @client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)  # type: ignore[untyped-decorator]  # pygls's own
    def diagnostics(params: t.PublishDiagnosticsParams) -> None:
        published.put_nowait(params)

    await client.start_io(sys.executable, "-m", "smartcity_rules", "lsp")
    await client.initialize_async(t.InitializeParams(capabilities=t.ClientCapabilities(),
                                                     workspace_folders=[t.WorkspaceFolder(CITY.parent.as_uri(), "s")]))
    client.initialized(t.InitializedParams())
    city, county = CITY.read_text("utf-8"), COUNTY.read_text("utf-8")
    for path, text in ((CITY, city), (COUNTY, county)):
        client.text_document_did_open(t.DidOpenTextDocumentParams(t.TextDocumentItem(path.as_uri(), "scs", 1, text)))
    seen: set[str] = set()
    while seen != {CITY.as_uri(), COUNTY.as_uri()}:
        seen.add((await published.get()).uri)
    version = [1]

    async def edited() -> None:
        version[0] += 1
        spot = _at(city, "total 100")
        change = t.TextDocumentContentChangePartial(t.Range(spot, spot), " ")  # typing: no text comes twice
        while not published.empty():
            published.get_nowait()
        client.text_document_did_change(t.DidChangeTextDocumentParams(
            t.VersionedTextDocumentIdentifier(version[0], CITY.as_uri()), [change]))
        while (await published.get()).uri != CITY.as_uri():
            pass

    city_id, county_id = t.TextDocumentIdentifier(CITY.as_uri()), t.TextDocumentIdentifier(COUNTY.as_uri())
    households = _at(city, 'input households "', len("input "))
    figures = {
        "diagnostics of the city standard after an edit": await _median(edited),
        "hover: an indicator": await _median(lambda: client.text_document_hover_async(
            t.HoverParams(city_id, _at(city, "indicator 12 ★", len("indicator "))))),
        "completion in a formula": await _median(lambda: client.text_document_completion_async(
            t.CompletionParams(city_id, _at(city, "value ratio(fibre", len("value ratio("))))),
        "definition across use": await _median(lambda: client.text_document_definition_async(
            t.DefinitionParams(county_id, _at(county, "from city 7", len("from city "))))),
        "references across the workspace": await _median(lambda: client.text_document_references_async(
            t.ReferenceParams(t.ReferenceContext(include_declaration=True), city_id, households))),
        "rename across the workspace": await _median(lambda: client.text_document_rename_async(
            t.RenameParams(city_id, households, "住户"))),
        "document symbols": await _median(lambda: client.text_document_document_symbol_async(
            t.DocumentSymbolParams(city_id))),
    }
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()  # type: ignore[no-untyped-call]  # pygls's own
    return figures


def floor() -> float:
    """`check` of the edited city text in-process: parse, link, check and the analyses."""
    text = CITY.read_text("utf-8")
    times = []
    for k in range(REPEATS):
        start = time.perf_counter()
        diagnose_tree(link(parse(text + " " * (k + 1), str(CITY))))  # a new text each time, as typed
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    figures = asyncio.run(bench())
    base = floor()
    for name, ms in figures.items():
        print(f"{name:55} {ms:8.1f} ms")
    edit = next(iter(figures.values()))
    floor_name = "in-process diagnose of the edited city text (the floor)"
    print(f"{floor_name:55} {base:8.1f} ms   edit / floor: {edit / base:.2f}")


if __name__ == "__main__":
    main()
