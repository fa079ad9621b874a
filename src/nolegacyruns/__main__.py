"""`python -m nolegacyruns`."""

from __future__ import annotations

from .launcher import main

if __name__ == "__main__":
    main()
