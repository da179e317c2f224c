"""Shared by the analysis tests: a one-indicator standard, a broken standard per code, and the findings."""

from __future__ import annotations

import smartcity_rules as scr
from smartcity_rules.language.diagnostics import Diagnostic
from smartcity_rules.language.parse import parse
from smartcity_rules.standard import diagnose_tree

H = 'standard "T" { level city total 2 }\n'
IN = ('input households "户数": count "户"\n'
      'input fibre "光纤户数": count "户", part of households\n')


def one(value: str, stars: str = "at least 20%, 40%, 60%, 80%, 100%", *, inputs: str = IN, header: str = H,
        more: str = "", after: str = "") -> str:
    """A standard with one indicator worth 2 points."""
    return (f"{header}{inputs}group \"G\" points 2 {{\n    indicator 1 \"I\" {{\n        value {value}\n"
            f"        stars {stars}\n        points 2\n{more}    }}\n}}\n{after}")


RATIO = "ratio(fibre, households)"

# code -> a standard whose analysis finds that problem
CASES = {
    "E0301": one(RATIO, "at least 60%, 80%, 100%, 110%, 120%"),
    "W0301": one("score", "at least 1, 2, 3, 4, 5", inputs='input score "评分": score 5 to 10\n'),
    "E0302": one(RATIO, after='rating {\n    level 1 "一星" when total >= 3\n}\n'),
    "E0303": one("ratio(households - fibre, households)"),
    "W0302": one("fibre * (2 * households - fibre)", "at least 1, 2, 3, 4, 5"),
    "E0304": one(RATIO, more="        better lower\n"),
    "E0305": one("fibre + rate", "at least 1, 2, 3, 4, 5", inputs=IN + 'input rate "覆盖率": rate\n'),
    "E0306": one(RATIO, inputs='input households "户数": count "户"\n'
                              'input fibre "光纤": area "km²", part of households\n'),
    "E0307": one("ratio(gdp, households)", inputs=IN + 'input gdp "GDP": money "亿元"\n'),
    "W0303": one(RATIO).replace('indicator 1 "I"', 'indicator 3 "I"'),
    "W0304": one(RATIO, after='bonus group "B" at most 5 {\n    indicator 2 "J" { value fibre '
                              'stars at least 1, 2, 3, 4, 5 points 2 }\n}\n'),
    "W0305": one(RATIO, "at least 20%, 40%, 60%, 80%, 100%").replace("points 2\n", "points 2 linear from 2 to 3\n"),
    "N0301": one(RATIO, "at least 20%, 40%, 60%, 80%, 100% provisional"),
}


def everything(text: str, name: str = "t.scs") -> tuple[Diagnostic, ...]:
    try:
        return diagnose_tree(parse(text, name))
    except scr.InvalidStandard as error:
        return error.diagnostics


def analysed(text: str, name: str = "t.scs") -> list[Diagnostic]:
    """The analyses' findings (their codes are E03xx, W03xx, N03xx), without the checker's."""
    return [d for d in everything(text, name) if d.code[1:3] == "03"]


def codes(text: str, *only: str) -> list[str]:
    """The analyses' codes, or only the ones listed."""
    return [d.code for d in analysed(text) if not only or d.code in only]
