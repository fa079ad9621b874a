"""Drive the viewer in a real headless Chromium (Debian's chromium and chromium-driver) through Selenium."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ARTIFACTS", "find_browser", "headless_chromium"]

ROOT = Path(__file__).resolve().parents[2]
# Screenshots land here for a reviewer; the folder is git-ignored.
ARTIFACTS = Path(os.environ.get("NOLEGACYRUNS_ARTIFACTS") or ROOT / "tests" / "artifacts")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
)


def find_browser() -> tuple[Path, Path] | None:
    """Return chromium and chromedriver ($CHROMIUM_BIN, $CHROMEDRIVER_BIN, else PATH); None if either is missing."""
    found = []
    for variable, names in (
        ("CHROMIUM_BIN", ("chromium", "chromium-browser")),
        ("CHROMEDRIVER_BIN", ("chromedriver",)),
    ):
        chosen = os.environ.get(variable)
        if chosen:
            path = Path(chosen) if Path(chosen).is_file() else None
        else:
            path = next((Path(p) for name in names if (p := shutil.which(name))), None)
        if path is None:
            return None
        found.append(path)
    return found[0], found[1]


@contextmanager
def headless_chromium(chromium: Path, chromedriver: Path) -> Iterator[object]:
    """Yield a Selenium driver on a headless Chromium with a fresh profile, and quit it afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="reference-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(chromedriver)), options=options)
    driver.set_page_load_timeout(30)
    driver.implicitly_wait(5)  # a page that is still loading gets time to show an element
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
