"""Publishing: documents of a standard, result reports, and the .scs syntax highlighter."""
