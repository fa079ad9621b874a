"""Rules: packs (TOML) loaded into Rule objects, the active RuleSet, and token matching."""
