"""A real language-server session for the tests: `python -m smartcity_rules lsp` started as a
subprocess and driven over stdio by pygls's LanguageClient, on an event loop in a thread of its
own so that the tests stay plain functions. Nothing is mocked: the requests and answers are the
protocol's JSON on the server's stdin and stdout."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

pytest.importorskip("pygls", reason="pygls is not installed: pip install 'smartcity_rules[lsp]'")

# after the skip: pygls brings lsprotocol
from lsprotocol import types as t
from pygls.lsp.client import LanguageClient

T = TypeVar("T")
TIMEOUT = 120  # seconds: the first diagnose imports sympy, and the machine is shared


class Session:
    """One server process; documents are opened, changed and closed through it."""

    def __init__(self, folder: Path, encodings: list[str] | None = None) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.client = LanguageClient("smartcity-rules-tests", "1")
        self.published: dict[str, t.PublishDiagnosticsParams] = {}
        self.news = threading.Condition()
        self.versions: dict[str, int] = {}

        @self.client.feature(t.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: t.PublishDiagnosticsParams) -> None:
            with self.news:
                self.published[params.uri] = params
                self.news.notify_all()

        self.run(self.client.start_io(sys.executable, "-m", "smartcity_rules", "lsp"))
        general = t.GeneralClientCapabilities(position_encodings=encodings) if encodings else None
        self.initialized = self.run(self.client.initialize_async(t.InitializeParams(
            capabilities=t.ClientCapabilities(general=general), root_uri=folder.as_uri(),
            workspace_folders=[t.WorkspaceFolder(folder.as_uri(), folder.name)])))
        self.notify(self.client.initialized, t.InitializedParams())

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(TIMEOUT)

    def notify(self, send: Callable[[Any], None], params: Any) -> None:
        """A notification, sent from the loop's thread (the transport is not thread-safe)."""
        async def sending() -> None:
            send(params)
        self.run(sending())

    def close(self) -> None:
        self.run(self.client.shutdown_async(None))
        self.notify(self.client.exit, None)
        self.run(self.client.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(TIMEOUT)
        self.loop.close()

    # ------------------------------------------------------------ documents
    def open(self, path: Path, text: str | None = None) -> str:
        uri = path.as_uri()
        self.versions[uri] = 1
        with self.news:
            self.published.pop(uri, None)
        item = t.TextDocumentItem(uri, "scs", 1, path.read_text("utf-8") if text is None else text)
        self.notify(self.client.text_document_did_open, t.DidOpenTextDocumentParams(item))
        return uri

    def change(self, uri: str, *changes: t.TextDocumentContentChangeEvent) -> None:
        self.versions[uri] += 1
        document = t.VersionedTextDocumentIdentifier(self.versions[uri], uri)
        self.notify(self.client.text_document_did_change, t.DidChangeTextDocumentParams(document, list(changes)))

    def shut(self, uri: str) -> None:
        self.notify(self.client.text_document_did_close,
                    t.DidCloseTextDocumentParams(t.TextDocumentIdentifier(uri)))

    @contextlib.contextmanager
    def opened(self, path: Path, text: str | None = None) -> Iterator[str]:
        uri = self.open(path, text)
        try:
            yield uri
        finally:
            self.shut(uri)

    def diagnostics(self, uri: str) -> list[t.Diagnostic]:
        """The diagnostics published for the document's latest version."""
        want = self.versions[uri]
        with self.news:
            arrived = self.news.wait_for(lambda: uri in self.published and self.published[uri].version == want,
                                         TIMEOUT)
            assert arrived, f"no diagnostics for version {want} of {uri}"
            return list(self.published[uri].diagnostics)

    # ------------------------------------------------------------ requests
    def hover(self, uri: str, line: int, character: int) -> t.Hover | None:
        return self.run(self.client.text_document_hover_async(
            t.HoverParams(t.TextDocumentIdentifier(uri), t.Position(line, character))))

    def complete(self, uri: str, line: int, character: int) -> list[t.CompletionItem]:
        found = self.run(self.client.text_document_completion_async(
            t.CompletionParams(t.TextDocumentIdentifier(uri), t.Position(line, character))))
        assert isinstance(found, t.CompletionList)
        return list(found.items)

    def definition(self, uri: str, line: int, character: int) -> Any:
        return self.run(self.client.text_document_definition_async(
            t.DefinitionParams(t.TextDocumentIdentifier(uri), t.Position(line, character))))

    def references(self, uri: str, line: int, character: int) -> list[t.Location]:
        found = self.run(self.client.text_document_references_async(t.ReferenceParams(
            t.ReferenceContext(include_declaration=True), t.TextDocumentIdentifier(uri), t.Position(line, character))))
        return list(found or [])

    def rename(self, uri: str, line: int, character: int, new: str) -> t.WorkspaceEdit | None:
        return self.run(self.client.text_document_rename_async(
            t.RenameParams(t.TextDocumentIdentifier(uri), t.Position(line, character), new)))

    def prepare_rename(self, uri: str, line: int, character: int) -> Any:
        return self.run(self.client.text_document_prepare_rename_async(
            t.PrepareRenameParams(t.TextDocumentIdentifier(uri), t.Position(line, character))))

    def symbols(self, uri: str) -> list[t.DocumentSymbol]:
        found = self.run(self.client.text_document_document_symbol_async(
            t.DocumentSymbolParams(t.TextDocumentIdentifier(uri))))
        return list(found or [])

    def format(self, uri: str) -> list[t.TextEdit]:
        found = self.run(self.client.text_document_formatting_async(t.DocumentFormattingParams(
            t.TextDocumentIdentifier(uri), t.FormattingOptions(tab_size=4, insert_spaces=True))))
        return list(found or [])


def utf16(text: str) -> int:
    """The UTF-16 code units of a text, counted by encoding it: the test's own count."""
    return len(text.encode("utf-16-le")) // 2


def position(text: str, offset: int) -> tuple[int, int]:
    """The LSP position (line, UTF-16 column) of a character offset of a text."""
    before = text[:offset]
    line = before.count("\n")
    return line, utf16(before[before.rfind("\n") + 1:])


def find(text: str, needle: str, after: str = "", inside: int = 0) -> tuple[int, int]:
    """The position of `needle` (plus `inside` characters) in the text, the first after `after`."""
    start = text.index(after) if after else 0
    return position(text, text.index(needle, start) + inside)
