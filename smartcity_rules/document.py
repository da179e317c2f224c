"""Public entry point for publishing a standard: `from smartcity_rules import document`.

The writers live in `smartcity_rules.publish.document`; this module keeps the documented
import path. It imports sympy, so `import smartcity_rules` alone stays light.
"""

from .publish.document import WRITERS, build, latex, mathml, render_document, to_html, to_markdown

__all__ = ["WRITERS", "build", "latex", "mathml", "render_document", "to_html", "to_markdown"]
