"""The command line's own words in the user's language: gettext catalogues, compiled from their .po source.

The source of each catalogue, `locale/<lang>/LC_MESSAGES/smartcity_rules.po`, is what the
repository keeps; it is compiled to the .mo form gettext reads here, in memory, with the
standard library only, so no build step makes binary files. A message id is the English
text itself: English needs no catalogue, and a word without a translation stays English.

The language is `--lang` when given, else Chinese when the locale says Chinese (gettext's
order: LANGUAGE, LC_ALL, LC_MESSAGES, LANG), else English. Only the command line's words are
translated: the library's messages, the standard's own text and the data are shown as they are.
"""

from __future__ import annotations

import functools
import gettext
import io
import os
import re
import struct
from collections.abc import Iterator, Mapping
from importlib import resources

LANGUAGES = ("zh", "en")
DOMAIN = "smartcity_rules"
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def default_language(environ: Mapping[str, str] | None = None) -> str:
    """zh when the locale is Chinese (zh_CN.UTF-8, zh_TW, zh), else en."""
    environ = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:  # the first one set decides, as gettext reads them
            return "zh" if value.split(":")[0].lower().startswith("zh") else "en"
    return "en"


def _unquote(text: str) -> str:
    """A .po string's content: `"a\\"b\\n"` -> `a"b` and a line break."""
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text.strip()[1:-1])


def parse_po(text: str, *, untranslated: bool = False) -> dict[str, str]:
    """The translations of a .po file's text, msgid -> msgstr (the header under ""); those not yet
    translated are left out, or kept with "" when `untranslated` (for the tool that adds new words)."""
    entries: dict[str, str] = {}
    parts: dict[str, list[str]] = {}
    current = ""
    for line in [*(raw.strip() for raw in text.splitlines()), ""]:
        keyword, _, rest = line.partition(" ")
        if keyword in ("msgid", "") and "msgstr" in parts and (untranslated or "".join(parts["msgstr"])):
            entries["".join(parts["msgid"])] = "".join(parts["msgstr"])
        if keyword in ("msgid", ""):
            parts = {}
        if keyword in ("msgid", "msgstr"):
            current = keyword
            parts[current] = [_unquote(rest)]
        elif line.startswith('"') and current in parts:
            parts[current].append(_unquote(line))
    return entries


def compile_mo(entries: Mapping[str, str]) -> bytes:
    """The GNU .mo form of the translations (what msgfmt writes), for gettext.GNUTranslations."""
    keys = sorted(entries)
    ids = [key.encode("utf-8") for key in keys]
    strs = [entries[key].encode("utf-8") for key in keys]
    start = 7 * 4 + 16 * len(keys)  # the header, then the two tables of (length, offset)
    table: list[int] = []
    offset = start
    for data in ids:
        table += [len(data), offset]
        offset += len(data) + 1
    for data in strs:
        table += [len(data), offset]
        offset += len(data) + 1
    header = struct.pack("<7I", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys), 0, 0)
    return header + struct.pack(f"<{len(table)}I", *table) + b"".join(d + b"\0" for d in [*ids, *strs])


def catalogue_source(language: str) -> str:
    """The .po text of a language's catalogue, read from the installed package."""
    return resources.files(__package__).joinpath(f"locale/{language}/LC_MESSAGES/{DOMAIN}.po").read_text("utf-8")


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The command line's words in `language`; English is the message ids themselves."""
    if language == "en":
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_mo(parse_po(catalogue_source(language)))))


def message_ids(language: str) -> Iterator[str]:
    """Every message the catalogue translates (the header left out)."""
    return (key for key in parse_po(catalogue_source(language)) if key)
