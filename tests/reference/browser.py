"""Drive the viewer in a real headless Chromium (Debian's chromium and chromium-driver) through Selenium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["ARTIFACTS", "find_browser", "headless_chromium", "serve"]

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
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(database_url: str, *, workers: int = 1, log: Path | None = None) -> Iterator[str]:
    """Serve the viewer over *database_url* with uvicorn on a free loopback port; yield its base URL."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "REFERENCE_SESSION_SECRET": "browser-tests"}
    command = [sys.executable, "-m", "uvicorn", "--factory", "app.main:from_environment"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"]
    output = open(log, "w") if log else subprocess.DEVNULL  # noqa: SIM115 - closed below
    server = subprocess.Popen(command, cwd=ROOT / "reference", env=env, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/login", timeout=5)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not start (exit {server.poll()})") from None
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if log:
            output.close()
