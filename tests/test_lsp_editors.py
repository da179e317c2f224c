"""The editor support beside the language server: the VS Code extension's files are valid, its
TextMate grammar highlights exactly the Lark grammar's keywords and is written from it, and the
server without pygls says which extra installs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from smartcity_rules.language.parse import grammar_text, keywords

from .conftest import ROOT, load_script

VSCODE = ROOT / "editors" / "vscode"
TEXTMATE = VSCODE / "syntaxes" / "scs.tmLanguage.json"


def _json(path: Path) -> dict[str, object]:
    loaded = json.loads(path.read_text("utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _maker() -> ModuleType:
    return load_script("editors/make_textmate.py")


def _listed(pattern: str) -> set[str]:
    """The words of a `\\b(?:a|b|c)\\b` pattern."""
    found = re.fullmatch(r"\\b\(\?:(.*)\)\\b", pattern)
    assert found is not None, pattern
    return set(found.group(1).split("|"))


def _grammar_words() -> set[str]:
    """The keywords as the grammar file spells them: its quoted words, read without Lark."""
    code = "\n".join(line.split("//")[0] for line in grammar_text().splitlines())
    return set(re.findall(r'"([A-Za-z_]\w*)"', code))


def test_the_extension_files_are_valid_json() -> None:
    package = _json(VSCODE / "package.json")
    _json(VSCODE / "language-configuration.json")
    contributes = package["contributes"]
    assert isinstance(contributes, dict)
    (language,) = contributes["languages"]
    assert language["extensions"] == [".scs"]
    (grammar,) = contributes["grammars"]
    assert (VSCODE / grammar["path"]).resolve() == TEXTMATE
    assert grammar["scopeName"] == _json(TEXTMATE)["scopeName"]
    client = (VSCODE / "extension.js").read_text("utf-8")
    assert '["smartcity-rules", "lsp"]' in client and "TransportKind.stdio" in client


def test_the_textmate_keywords_are_the_grammars() -> None:
    repository = _json(TEXTMATE)["repository"]
    assert isinstance(repository, dict)
    listed = _listed(repository["declaration"]["match"]) | _listed(repository["keyword"]["match"])
    assert listed == set(keywords()) == _grammar_words()
    assert not _listed(repository["declaration"]["match"]) & _listed(repository["keyword"]["match"])


def test_the_textmate_grammar_is_written_from_the_grammar() -> None:
    assert TEXTMATE.read_text("utf-8") == _maker().text(), "run `python editors/make_textmate.py`"


def test_the_textmate_patterns_highlight_whole_words() -> None:
    repository = _json(TEXTMATE)["repository"]
    assert isinstance(repository, dict)
    keyword = re.compile(repository["declaration"]["match"])
    assert keyword.search("    indicator 12 ★") and not keyword.search("indicators grouped")
    function = re.compile(repository["function"]["match"])
    assert function.search("value ratio(a, b)") and not function.search("input ratio_x")
    comment = re.compile(repository["comment"]["match"])
    assert comment.search('input a "A": count  # a comment').group() == "# a comment"  # type: ignore[union-attr]


def test_without_pygls_the_server_names_its_extra() -> None:
    """The real command, in a Python where pygls cannot be imported (its module set to None)."""
    program = "import sys; sys.modules['pygls'] = None; from smartcity_rules.cli import main; sys.exit(main(['lsp']))"
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1
    assert "pip install 'smartcity_rules[lsp]'" in done.stderr and "Traceback" not in done.stderr
