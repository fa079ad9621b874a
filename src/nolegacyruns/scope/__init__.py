"""Scope: which files a check reads (`discovery.py`: the walk or git's listing, links, binary and
unreadable files; `filters.py`: paths, excludes, .gitignore) and which lines a diff changed
(`diff.py`). A new reason to leave a file out goes in `filters.py` when the configuration decides it,
in `discovery.py` when the file itself does.
"""
