"""Reading files a standard names: only regular files, of bounded size, inside an allowed folder.

A standard may be uploaded by someone else, and its diagnostics quote the lines of the files
it reads: a `use` of `/proc/self/environ` would print a service's environment, one of a FIFO
would block forever, one of `/dev/zero` would read without end.  So every path a standard
writes is relative, and stays inside a root folder once symlinks are resolved (by default the
folder of the standard being loaded), and nothing but a regular file is read, and only so much
of it.  A file the caller names itself may be anywhere, but it too must be a regular file.

The refusals are FileRefused, which the callers turn into diagnostics (link.py, parse.py) or a
DataFileError (toolkit/cases.py); it never leaves the library.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_FILE_BYTES = 8_000_000  # a standard: 2,000,000 characters of up to 4 bytes (parse.MAX_SOURCE_CHARS)
_CHUNK = 1 << 20
_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


class FileRefused(Exception):
    """A path the library will not read, and why, in words: "is a FIFO, not a regular file"."""

    def __init__(self, why: str, *, too_large: bool = False) -> None:
        super().__init__(why)
        self.why = why
        self.too_large = too_large


def resolved(path: Path) -> Path:
    """The path with every symlink and `..` resolved, as far as it exists; raises OSError.

    Python 3.11 raises RuntimeError on a symlink loop, and any Python ValueError on a NUL in
    the path: OSErrors here, like any unreadable path."""
    try:
        return path.resolve()
    except RuntimeError as error:
        raise OSError(f"symlink loop at {path}") from error
    except ValueError as error:
        raise OSError(f"{error} in {path!r}") from error


def inside(path: Path, root: Path) -> bool:
    """Whether a resolved path lies in the resolved folder `root` (or is it)."""
    return path == root or root in path.parents


def special(path: Path) -> str:
    """What the path is when it is not a regular file ("a FIFO", "a directory"...); "" when it is
    one, or cannot be looked at (missing, no permission: reading it then says why)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # ValueError: a NUL in the path
        return ""
    return _kind(mode)


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return ""
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def read_bytes(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (default MAX_FILE_BYTES); raises
    FileRefused or OSError.

    Looked at before it is opened (opening some devices does something), opened without
    blocking (a FIFO swapped in since would wait for a writer), looked at again once open
    (the file read is the file checked), and read no further than the limit: a file in
    /proc says it is empty and is not."""
    limit = MAX_FILE_BYTES if limit is None else limit
    kind = special(path)
    if kind:
        raise FileRefused(f"is {kind}, not a regular file")
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        kind = _kind(os.fstat(descriptor).st_mode)
        if kind:
            raise FileRefused(f"is {kind}, not a regular file")
        data = _read_at_most(descriptor, limit + 1)
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise FileRefused(f"is larger than {limit:,} bytes", too_large=True)
    return data


def _read_at_most(descriptor: int, size: int) -> bytes:
    chunks: list[bytes] = []
    left = size
    while left > 0:
        chunk = os.read(descriptor, min(left, _CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_text(path: Path, limit: int | None = None) -> str:
    """A regular file's text, as Path.read_text(encoding="utf-8-sig") reads it (a BOM from a
    Windows editor dropped, line endings made "\\n"); raises FileRefused, OSError or
    UnicodeDecodeError."""
    text = read_bytes(path, limit).decode("utf-8-sig")
    return text.replace("\r\n", "\n").replace("\r", "\n")
