"""The columnar batch back-end (numpy; the `batch` extra): see executor.py."""
