"""The language server, `smartcity-rules lsp`: the checker's diagnostics, hover, completion,
navigation across `use`d standards, rename, the outline and formatting, in any editor that
speaks the Language Server Protocol (docs/editors.md).

The features are plain functions of the standards' texts (`workspace`, `symbols`, and one module
per family of requests); only `server` knows pygls, the `lsp` extra."""

from __future__ import annotations

from pathlib import Path

from ...language.errors import MissingExtra


def start(*, tcp: int | None = None, root: str | Path | None = None) -> int:
    """Run the server until the editor ends it (stdio, or TCP on the loopback interface): 0."""
    try:
        from .server import serve
    except ImportError as error:
        raise MissingExtra(f"the language server needs pygls ({error.name} is missing): "
                           "pip install 'smartcity_rules[lsp]'", extra="lsp") from None
    serve(tcp=tcp, root=None if root is None else Path(root))
    return 0
