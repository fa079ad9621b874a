"""Scope: which files a check reads (`discovery.py`: paths, excludes, .gitignore, binary files) and
which lines a diff changed (`diff.py`). A new reason to leave a file out goes in `discovery.py`.
"""
