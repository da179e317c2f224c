"""The server: pygls (the `lsp` extra) carries the protocol; this module turns requests into
calls of the feature modules and their answers into the protocol's types.

Positions cross here and only here: a character offset of ours becomes a line and a column in
the code units client and server agreed on (UTF-16 unless the client offers another)."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from lsprotocol import types as t
from pygls.exceptions import JsonRpcException
from pygls.lsp.server import LanguageServer

from ...language.diagnostics import Diagnostic, Severity
from ...language.errors import InvalidStandard
from ...language.source import Span
from ..formatting import format_source
from . import completion, hover, navigation, outline, symbols
from .positions import UTF16
from .workspace import Sheet, Standards, lines_of, path_uri, uri_path

NAME = "smartcity-rules"
REQUEST_FAILED = -32803  # the protocol's code for a request that is valid but cannot be done
_DOCS = Path(__file__).resolve().parents[3] / "docs" / "errors.md"  # in a checkout; not in a wheel
_SEVERITY = {Severity.ERROR: t.DiagnosticSeverity.Error, Severity.WARNING: t.DiagnosticSeverity.Warning,
             Severity.NOTE: t.DiagnosticSeverity.Information}


class StandardsServer(LanguageServer):
    """The language server of `.scs` standards."""

    def __init__(self, root: Path | None = None) -> None:
        super().__init__(NAME, version("smartcity_rules"))  # the package's __init__ is a later stage
        self.standards = Standards(root)
        self.errors_docs = path_uri(_DOCS) if _DOCS.is_file() else None

    # ------------------------------------------------------------ positions
    @property
    def encoding(self) -> str:
        return str(self.workspace.position_encoding or UTF16)

    def offset(self, sheet: Sheet, position: t.Position) -> int:
        return lines_of(sheet.text, self.encoding).offset(position.line, position.character)

    def range(self, text: str, start: int, end: int) -> t.Range:
        lines = lines_of(text, self.encoding)
        return t.Range(t.Position(*lines.position(start)), t.Position(*lines.position(end)))

    def span_range(self, span: Span) -> t.Range:
        return self.range(span.source.text, span.start, span.end)

    def location(self, span: Span) -> t.Location:
        return t.Location(self.uri_of(span.source.name), self.span_range(span))

    def uri_of(self, name: str) -> str:
        return self.standards.uri_for(name)

    # ------------------------------------------------------------ the documents
    def sheet(self, uri: str) -> Sheet:
        self.standards.folders = [Path(p) for p in self._folders()]
        sheet = self.standards.sheet(uri)
        if sheet is None:
            raise JsonRpcException(f"cannot read {uri}", code=REQUEST_FAILED)
        return sheet

    def _folders(self) -> list[str]:
        found = [uri_path(f.uri) for f in self.workspace.folders.values()]
        if not found and self.workspace.root_path:
            return [self.workspace.root_path]
        return [str(p) for p in found if p is not None]

    def occurrence(self, sheet: Sheet, position: t.Position) -> symbols.Occurrence | None:
        return symbols.at(sheet.names, self.offset(sheet, position))

    def publish(self) -> None:
        """Diagnostics for every open buffer: an edit of a base standard changes those built on it."""
        for uri in list(self.standards.buffers):
            sheet = self.sheet(uri)
            found = [self.diagnostic(sheet, d) for d in self.standards.diagnose(sheet)]
            version = self.workspace.get_text_document(uri).version
            self.text_document_publish_diagnostics(t.PublishDiagnosticsParams(uri, found, version))

    # ------------------------------------------------------------ diagnostics
    def diagnostic(self, sheet: Sheet, found: Diagnostic) -> t.Diagnostic:
        related = [t.DiagnosticRelatedInformation(self.location(label.span), label.message) for label in found.labels]
        where, message = self.placed(sheet, found)
        if found.span is not None and where is not found.span:  # about another file: said on the `use` line
            related.insert(0, t.DiagnosticRelatedInformation(self.location(found.span), found.message))
        text = "\n".join(part for part in (message, found.label, found.help and f"help: {found.help}") if part)
        docs = None if self.errors_docs is None else t.CodeDescription(f"{self.errors_docs}#{found.code.lower()}")
        place = self.range(sheet.text, 0, 0) if where is None else self.span_range(where)
        return t.Diagnostic(place, text, _SEVERITY[found.severity], found.code, docs, NAME,
                            related_information=related or None, data={"help": found.help} if found.help else None)

    def placed(self, sheet: Sheet, found: Diagnostic) -> tuple[Span | None, str]:
        """Where in this buffer a diagnostic is shown, and its message: a problem in a base
        standard is shown on the `use` line that reads it, led by where it is."""
        span = found.span
        if span is None or span.source.name == sheet.name:
            return span, found.message
        uses = () if sheet.tree is None else sheet.tree.uses
        target = Path(span.source.name)
        use = next((u for u in uses if self.standards.use_target(sheet, u, self.standards.root) == target),
                   uses[0] if uses else None)
        return (None if use is None else use.span), f"{span.location}: {found.message}"


def _range_of(server: StandardsServer, sheet: Sheet, occurrence: symbols.Occurrence) -> t.Range:
    return server.range(sheet.text, occurrence.start, occurrence.end)


def _place(server: StandardsServer, place: navigation.Place) -> t.Location:
    sheet, occurrence = place
    return t.Location(sheet.uri, _range_of(server, sheet, occurrence))


_COMPLETION_KIND = {
    completion.Item.KEYWORD: t.CompletionItemKind.Keyword, completion.Item.INPUT: t.CompletionItemKind.Variable,
    completion.Item.FUNCTION: t.CompletionItemKind.Function, completion.Item.BANDS: t.CompletionItemKind.Enum,
    completion.Item.INDICATOR: t.CompletionItemKind.Field, completion.Item.GROUP: t.CompletionItemKind.Module,
    completion.Item.STANDARD: t.CompletionItemKind.File, completion.Item.VALUE: t.CompletionItemKind.EnumMember,
}
_SYMBOL_KIND = {
    outline.Shape.STANDARD: t.SymbolKind.File, outline.Shape.INPUT: t.SymbolKind.Variable,
    outline.Shape.BANDS: t.SymbolKind.Enum, outline.Shape.GROUP: t.SymbolKind.Namespace,
    outline.Shape.INDICATOR: t.SymbolKind.Function, outline.Shape.ITEM: t.SymbolKind.Field,
    outline.Shape.RATING: t.SymbolKind.Object, outline.Shape.LEVEL: t.SymbolKind.EnumMember,
}


def _symbol(server: StandardsServer, entry: outline.Entry) -> t.DocumentSymbol:
    return t.DocumentSymbol(entry.name, _SYMBOL_KIND[entry.shape], server.span_range(entry.span),
                            server.span_range(entry.focus), detail=entry.detail or None,
                            children=[_symbol(server, child) for child in entry.children] or None)


def build(root: Path | None = None) -> StandardsServer:
    """The server with every feature registered."""
    server = StandardsServer(root)
    _documents(server)
    _lookups(server)
    _edits(server)
    return server


def _documents(server: StandardsServer) -> None:
    @server.feature(t.TEXT_DOCUMENT_DID_OPEN)
    def opened(ls: StandardsServer, params: t.DidOpenTextDocumentParams) -> None:
        ls.standards.put(params.text_document.uri, params.text_document.text)
        ls.publish()

    @server.feature(t.TEXT_DOCUMENT_DID_CHANGE)
    def changed(ls: StandardsServer, params: t.DidChangeTextDocumentParams) -> None:
        ls.standards.put(params.text_document.uri, ls.workspace.get_text_document(params.text_document.uri).source)
        ls.publish()

    @server.feature(t.TEXT_DOCUMENT_DID_SAVE)
    def saved(ls: StandardsServer, params: t.DidSaveTextDocumentParams) -> None:
        ls.publish()

    @server.feature(t.TEXT_DOCUMENT_DID_CLOSE)
    def closed(ls: StandardsServer, params: t.DidCloseTextDocumentParams) -> None:
        ls.standards.drop(params.text_document.uri)
        ls.text_document_publish_diagnostics(t.PublishDiagnosticsParams(params.text_document.uri, []))
        ls.publish()


def _lookups(server: StandardsServer) -> None:
    @server.feature(t.TEXT_DOCUMENT_HOVER)
    def hovered(ls: StandardsServer, params: t.HoverParams) -> t.Hover | None:
        sheet = ls.sheet(params.text_document.uri)
        occurrence = ls.occurrence(sheet, params.position)
        text = None if occurrence is None else hover.hover(ls.standards, sheet, occurrence)
        if text is None or occurrence is None:
            return None
        return t.Hover(t.MarkupContent(t.MarkupKind.Markdown, text), _range_of(ls, sheet, occurrence))

    @server.feature(t.TEXT_DOCUMENT_COMPLETION, t.CompletionOptions(trigger_characters=[" ", "("]))
    def completed(ls: StandardsServer, params: t.CompletionParams) -> t.CompletionList:
        sheet = ls.sheet(params.text_document.uri)
        proposals = completion.complete(ls.standards, sheet, ls.offset(sheet, params.position))
        items = [t.CompletionItem(p.label, kind=_COMPLETION_KIND[p.item], detail=p.detail or None,
                                  insert_text=p.insert) for p in proposals]
        return t.CompletionList(False, items)

    @server.feature(t.TEXT_DOCUMENT_DEFINITION)
    def defined(ls: StandardsServer, params: t.DefinitionParams) -> t.Location | None:
        sheet = ls.sheet(params.text_document.uri)
        occurrence = ls.occurrence(sheet, params.position)
        place = None if occurrence is None else navigation.definition(ls.standards, sheet, occurrence)
        return None if place is None else _place(ls, place)

    @server.feature(t.TEXT_DOCUMENT_REFERENCES)
    def referred(ls: StandardsServer, params: t.ReferenceParams) -> list[t.Location]:
        sheet = ls.sheet(params.text_document.uri)
        occurrence = ls.occurrence(sheet, params.position)
        found = [] if occurrence is None else navigation.references(ls.standards, sheet, occurrence)
        return [_place(ls, place) for place in found
                if params.context.include_declaration or not place[1].declares]

    @server.feature(t.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def outlined(ls: StandardsServer, params: t.DocumentSymbolParams) -> list[t.DocumentSymbol]:
        sheet = ls.sheet(params.text_document.uri)
        return [] if sheet.tree is None else [_symbol(ls, entry) for entry in outline.outline(sheet.tree)]


def _edits(server: StandardsServer) -> None:
    @server.feature(t.TEXT_DOCUMENT_PREPARE_RENAME)
    def preparing(ls: StandardsServer, params: t.PrepareRenameParams) -> t.PrepareRenamePlaceholder | None:
        sheet = ls.sheet(params.text_document.uri)
        occurrence = ls.occurrence(sheet, params.position)
        if occurrence is None or occurrence.kind is symbols.Kind.FILE:
            return None
        if navigation.definition(ls.standards, sheet, occurrence) is None:
            return None
        return t.PrepareRenamePlaceholder(_range_of(ls, sheet, occurrence), occurrence.name)

    @server.feature(t.TEXT_DOCUMENT_FORMATTING)
    def formatted(ls: StandardsServer, params: t.DocumentFormattingParams) -> list[t.TextEdit] | None:
        sheet = ls.sheet(params.text_document.uri)
        try:
            layout = format_source(sheet.text, path=sheet.name)
        except InvalidStandard:  # its syntax errors are shown already: formatting on save leaves it be
            ls.window_log_message(t.LogMessageParams(t.MessageType.Info, f"{sheet.uri} does not parse: not formatted"))
            return None
        if layout == sheet.text:
            return []
        return [t.TextEdit(ls.range(sheet.text, 0, len(sheet.text)), layout)]

    @server.feature(t.TEXT_DOCUMENT_RENAME)
    def renamed(ls: StandardsServer, params: t.RenameParams) -> t.WorkspaceEdit | None:
        sheet = ls.sheet(params.text_document.uri)
        occurrence = ls.occurrence(sheet, params.position)
        if occurrence is None:
            return None
        try:
            edits = navigation.rename(ls.standards, sheet, occurrence, params.new_name)
        except navigation.RenameRefused as refused:
            raise JsonRpcException(str(refused), code=REQUEST_FAILED) from None
        changes: dict[str, list[t.TextEdit]] = {}
        for edit in edits:
            changes.setdefault(edit.sheet.uri, []).append(
                t.TextEdit(ls.range(edit.sheet.text, edit.start, edit.end), edit.text))
        return t.WorkspaceEdit(changes=changes)


def serve(*, tcp: int | None = None, root: Path | None = None) -> None:
    """Serve over stdio, or on a TCP port of the loopback interface."""
    server = build(root)
    if tcp is None:
        server.start_io()
    else:
        server.start_tcp("127.0.0.1", tcp)
