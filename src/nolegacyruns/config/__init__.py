"""Configuration: finding and validating settings, the rules they select, and `init`'s starter file."""
