"""Reads a CSV file of statistics as saved by Excel, WPS or a script: UTF-8 with or without a
byte-order mark, UTF-16 (Excel's "Unicode text") or GBK/GB18030 (Excel on a Chinese Windows),
separated by commas, semicolons or tabs, one row per entity.

The encoding is decided by strict decodes of the whole file in a fixed order, never guessed
from a sample: a byte-order mark says it outright; else the file is UTF-8 if it decodes as
UTF-8 (text in GB18030 almost never does), else GB18030 (a superset of GBK) if it decodes so.
A file that is neither is refused with the first byte UTF-8 cannot read.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..language.errors import DataFileError
from .columns import Header, Inputs, Record, header

DELIMITERS = (",", ";", "\t")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_CHUNK = 1 << 20


def encoding_of(path: Path) -> str:
    """The file's encoding, read from it: BOM, else UTF-8, else GB18030 (see the module's text)."""
    with path.open("rb") as stream:
        start = stream.read(4)
    for bom, name in _BOMS:
        if start.startswith(bom):
            return name
    failure = _first_undecodable(path, "utf-8")
    if failure is None:
        return "utf-8"
    if _first_undecodable(path, "gb18030") is None:
        return "gb18030"
    line, byte = failure
    raise DataFileError(f"the file is neither UTF-8 nor GBK/GB18030 (byte 0x{byte:02x} cannot be read as "
                        "either): save it as CSV UTF-8", file=str(path), row=line)


def _first_undecodable(path: Path, encoding: str) -> tuple[int, int] | None:
    """The line and value of the first byte the encoding cannot read, or None: decoded a chunk at a
    time, so a file larger than memory is checked without being held."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines = 1
    with path.open("rb") as stream:
        while True:
            chunk = stream.read(_CHUNK)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                return lines + chunk.count(b"\n", 0, error.start), chunk[error.start]
            if not chunk:
                return None
            lines += chunk.count(b"\n")


def delimiter_of(line: str) -> str:
    """The separator the header row uses most: `,` `;` or tab (`,` for a single column)."""
    counts = [line.count(d) for d in DELIMITERS]
    return DELIMITERS[counts.index(max(counts))] if max(counts) else ","


def csv_rows(path: Path, standard: Inputs | None,
             errors: list[DataFileError] | None = None) -> Iterator[tuple[int, Record]]:
    """Each entity's row number (the header is row 1 when it is the first line) and statistics."""
    encoding = encoding_of(path)
    try:
        with path.open(encoding=encoding, newline="") as lines:
            yield from text_rows(lines, str(path), standard, errors)
    except OSError as error:
        raise DataFileError(f"cannot read statistics: {error.strerror or error}", file=str(path)) from None
    except UnicodeDecodeError as error:  # a UTF-16 file with a broken pair; the others were decoded whole
        raise DataFileError(f"cannot read statistics as {encoding}: {error.reason}", file=str(path)) from None


def text_rows(lines: Iterable[str], name: str, standard: Inputs | None = None,
              errors: list[DataFileError] | None = None) -> Iterator[tuple[int, Record]]:
    """csv_rows over text already decoded. `errors`, when given, collects the problems of single
    rows (the row is then skipped) rather than raising the first."""
    iterator = iter(lines)
    first = next(iterator, "")
    reader = csv.reader(_chain(first, iterator), delimiter=delimiter_of(first))
    table: Header | None = None
    try:
        for row in reader:
            if any("\0" in cell for cell in row):  # Python 3.11's csv reads them; no statistic has one
                raise DataFileError("a NUL character; a CSV file of statistics is text", file=name,
                                    row=reader.line_num)
            if not any(cell.strip() for cell in row):
                continue
            if table is None:
                table = header(row, name, standard, reader.line_num)
                continue
            found = _row(table, row, reader.line_num, errors)
            if found is not None:
                yield reader.line_num, found
    except csv.Error as error:  # e.g. csv's own field size limit, a quote left open
        raise DataFileError(f"invalid CSV: {error}", file=name, row=reader.line_num) from None
    if table is None:
        raise DataFileError("the CSV file is empty", file=name)


def _row(table: Header, row: list[str], line: int, errors: list[DataFileError] | None) -> Record | None:
    try:
        if len(row) < len(table.keys):
            raise DataFileError(f"{len(row)} cells, but the header names {len(table.keys)}", file=table.file, row=line)
        return table.record(row, line)
    except DataFileError as error:
        if errors is None:
            raise
        errors.append(error)
        return None


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    if first:
        yield first
    yield from rest
