"""Keeps the command line's catalogues in step with its words: `python tools/cli_messages.py`.

Collects every word the command line says (each command's and option's help, the group
titles, the example heading, and every `_("...")` in smartcity_rules/cli.py), adds the
new ones to each .po file with an empty translation, and lists the ones no longer said.
tests/test_messages.py fails while any is untranslated, naming it.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path

from smartcity_rules import cli, messages

ROOT = Path(__file__).resolve().parent.parent
CLI_SOURCE = ROOT / "smartcity_rules" / "cli.py"


def _parser_words(parser: argparse.ArgumentParser) -> Iterator[str]:
    yield from (text for text in (parser.description,) if text)
    yield from (group.title for group in parser._action_groups if group.title)
    for action in parser._actions:
        if action.help and action.help != argparse.SUPPRESS:
            yield action.help
        if isinstance(action, argparse._SubParsersAction):
            yield from (choice.help for choice in action._choices_actions if choice.help)
            for command in action.choices.values():
                yield from _parser_words(command)


def _source_words(source: str) -> Iterator[str]:
    """Every string constant inside a call of `_` (both arms of `_("a" if n == 1 else "b")`)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_":
            for inner in ast.walk(node):
                if isinstance(inner, ast.Constant) and isinstance(inner.value, str):
                    yield inner.value


def collect() -> list[str]:
    """The command line's words, each once, in the order they are met."""
    words = [*_parser_words(cli._parser()), cli.EXAMPLE_HEADING, *_source_words(CLI_SOURCE.read_text("utf-8")),
             *cli.ARGPARSE_WORDS]
    return list(dict.fromkeys(words))


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def update(language: str) -> tuple[list[str], list[str]]:
    """Adds the words not yet in the language's .po; returns (added, no longer said)."""
    path = ROOT / "smartcity_rules" / "locale" / language / "LC_MESSAGES" / f"{messages.DOMAIN}.po"
    text = path.read_text("utf-8")
    known = set(messages.parse_po(text, untranslated=True))
    words = collect()
    added = [w for w in words if w not in known]
    if added:
        path.write_text(text.rstrip("\n") + "\n" + "".join(f"\nmsgid {_quote(w)}\nmsgstr \"\"\n" for w in added),
                        "utf-8")
    return added, sorted(known - set(words) - {""})


def main() -> int:
    for language in messages.LANGUAGES:
        if language == "en":
            continue
        added, stale = update(language)
        for word in added:
            print(f"{language}: added, to translate: {word!r}")
        for word in stale:
            print(f"{language}: no longer said: {word!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
