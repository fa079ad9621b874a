"""Rules: packs (`pack.py`: TOML → `Rule`, its `RuleKind`, examples, message placeholders), the active
`RuleSet` with each kind's compiled data, and token matching.

A token rule is TOML only. A new structural rule kind adds its `RuleKind` member and reader in
`pack.py`, its compiled data in a module here (as `backfill.py`), exposed on `RuleSet` and listed in
`RuleSet.structural`; its analyzers go in `scan/analyzers/`.
"""
