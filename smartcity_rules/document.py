"""Public entry point for publishing a standard: `from smartcity_rules import document`.

The writers live in `smartcity_rules.publish.document`; this module keeps the documented
import path. `latex` and `mathml` render one formula as written (`smartcity_rules.publish.formulas`),
from the syntax tree: publishing does not import sympy. `cohort_report(standard, evaluations)`
writes the HTML report of a scored cohort (needs the `report` extra, imported when called).
"""

from .publish.cohort_report import to_html as cohort_report
from .publish.document import WRITERS, build, latex, mathml, render_document, to_html, to_markdown

__all__ = ["WRITERS", "build", "cohort_report", "latex", "mathml", "render_document", "to_html", "to_markdown"]
