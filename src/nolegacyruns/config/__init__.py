"""Configuration: find and validate a project's settings (`loading.py`), resolve the rules they run
(`selection.py`: packs, select/ignore, every rule ID they name), and write `init`'s starter file.

A new setting goes in `loading.py` (its key, its validation, a field of `Config`) and `starter.py`.
"""
