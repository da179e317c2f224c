"""Writes editors/vscode/syntaxes/scs.tmLanguage.json from the grammar: `python editors/make_textmate.py`.

The keywords are the Lark grammar's own (`smartcity_rules.language.parse.keywords`), the
functions, kinds and closed values those of the syntax tree's enums, so the highlighting
cannot drift from the language; tests/test_lsp_editors.py fails when the file is stale."""

from __future__ import annotations

import json
import re
from pathlib import Path

from smartcity_rules.language import syntax as s
from smartcity_rules.language.parse import keywords

HERE = Path(__file__).resolve().parent
GRAMMAR = HERE / "vscode" / "syntaxes" / "scs.tmLanguage.json"
DECLARATIONS = ("standard", "use", "input", "bands", "group", "indicator", "item", "rating", "level", "veto", "cap")


def _words(words: list[str]) -> str:
    return r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=lambda w: (-len(w), w))) + r")\b"


def grammar() -> dict[str, object]:
    others = [w for w in keywords() if w not in DECLARATIONS]
    values = sorted({*(k.value for k in s.Kind), *(e.value for e in s.EntityLevel), *(d.value for d in s.Direction),
                     *(a.value for a in s.Aggregation), *(w for m in s.RoundMode for w in m.value.split())}
                    - set(keywords()))
    return {
        "$schema": "https://raw.githubusercontent.com/martinring/tmlanguage/master/tmlanguage.json",
        "name": "Smart-city standard",
        "scopeName": "source.scs",
        "fileTypes": ["scs"],
        "patterns": [{"include": f"#{name}"} for name in
                     ("comment", "string", "function", "declaration", "keyword", "value", "number", "leading")],
        "repository": {
            "comment": {"name": "comment.line.number-sign.scs", "match": "#.*$"},
            "string": {"name": "string.quoted.double.scs", "begin": '"', "end": '"|$',
                       "patterns": [{"name": "constant.character.escape.scs", "match": r'\\["\\nt]'}]},
            "declaration": {"name": "storage.type.scs", "match": _words([w for w in DECLARATIONS if w in keywords()])},
            "keyword": {"name": "keyword.other.scs", "match": _words(others)},
            "function": {"name": "support.function.scs", "match": _words([f.value for f in s.Function]) + r"(?=\s*\()"},
            "value": {"name": "support.constant.scs", "match": _words(values)},
            "number": {"name": "constant.numeric.scs", "match": r"\b\d{4}-\d{2}-\d{2}\b|\b\d+(?:\.\d+)?%?"},
            "leading": {"name": "keyword.operator.leading.scs", "match": "★"},
        },
    }


def text() -> str:
    return json.dumps(grammar(), ensure_ascii=False, indent=2) + "\n"


if __name__ == "__main__":
    GRAMMAR.write_text(text(), encoding="utf-8")
    print(f"wrote {GRAMMAR}")
