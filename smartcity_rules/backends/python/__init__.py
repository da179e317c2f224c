"""The per-record Python back-end: straight-line code generated from the scoring plan."""
