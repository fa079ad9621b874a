"""Analyzers for structural rules (backfill): one module per language that can answer a rule kind."""
