"""Serve the viewer with uvicorn on a free loopback port, for the browser tests and the load benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

__all__ = ["serve"]

ROOT = Path(__file__).resolve().parents[2]


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
