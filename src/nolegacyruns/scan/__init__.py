"""Scanning: check one file (`engine.py`, pure) or many (`workers.py`).

The engine decodes the bytes, has the file kind's scanner (`scanners/`) lex the text into
segments with roles, runs the token rules over them, runs the analyzers of each structural rule
kind (`analyzers/`) for files that pass the kind's pre-check, and applies suppressions.
A new scanner goes in `scanners/`, a new analyzer in `analyzers/`.
"""
