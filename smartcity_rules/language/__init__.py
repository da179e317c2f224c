"""The language: source text and spans, the Lark parser, the syntax tree, linking, checking and diagnostics."""
