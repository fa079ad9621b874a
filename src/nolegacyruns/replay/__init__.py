"""Replay: a check whose every input is unchanged prints the output it printed last time, without running.

`record` holds the record's format (stdlib only, as the launcher reads it before anything else is
imported); `recorder` writes a record at the end of a check that qualifies.
"""
