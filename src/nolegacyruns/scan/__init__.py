"""Scanning: check one file (engine), many files (workers); scanners per file kind, analyzers per rule kind."""
