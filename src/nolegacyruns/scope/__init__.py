"""Scope: which files a check reads (discovery, .gitignore, excludes) and which lines a diff changed."""
