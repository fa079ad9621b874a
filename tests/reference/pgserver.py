"""Start a throwaway PostgreSQL server for the test session or a benchmark, and stop it."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

__all__ = ["PostgresServer", "find_bin_dir", "running_server"]

SERVER_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "listen_addresses=127.0.0.1")


def find_bin_dir() -> Path | None:
    """Return the folder holding initdb and pg_ctl: $PG_BIN_DIR, else PATH, else the newest Debian install."""
    chosen = os.environ.get("PG_BIN_DIR")
    if chosen:
        return Path(chosen) if (Path(chosen) / "initdb").is_file() else None
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(candidates[-1]).parent if candidates else None


def _as_server_user(command: list[str]) -> list[str]:
    # initdb refuses to run as root; the server then runs as the postgres OS user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    """A running server in a temporary folder, reachable on a loopback port as user postgres."""

    bin_dir: Path
    directory: Path
    port: int

    @property
    def data_dir(self) -> Path:
        return self.directory / "data"

    def url(self, dbname: str) -> str:
        """Return the SQLAlchemy URL of *dbname* on this server."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True)

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create database *name* (copied from *template* if given) and return its URL."""
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with self._admin() as admin:
            admin.execute(statement)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop database *name*, ending any session still connected to it."""
        with self._admin() as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    @contextmanager
    def scratch_database(self, *, template: str | None = None) -> Iterator[str]:
        """Yield the URL of a fresh database and drop it afterwards."""
        name = f"scratch_{uuid.uuid4().hex[:12]}"
        url = self.create_database(name, template=template)
        try:
            yield url
        finally:
            self.drop_database(name)

    def start(self) -> None:
        """Initialise the cluster and start the server; wait until it accepts connections."""
        if os.geteuid() == 0:
            shutil.chown(self.directory, user="postgres")
        self._run("initdb", "-D", str(self.data_dir), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        options = " ".join([f"-p {self.port}", f"-k {self.directory}", *(f"-c {s}" for s in SERVER_SETTINGS)])
        self._run(
            "pg_ctl", "-D", str(self.data_dir), "-l", str(self.directory / "server.log"), "-o", options, "-w", "start"
        )

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        try:
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = _as_server_user([str(self.bin_dir / program), *args])
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.directory)
        if result.returncode != 0:
            log = self.directory / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed ({result.returncode}): {result.stderr.strip()}\n{tail}")


@contextmanager
def running_server(bin_dir: Path) -> Iterator[PostgresServer]:
    """Run a server from *bin_dir* for the length of the block."""
    server = PostgresServer(bin_dir, Path(tempfile.mkdtemp(prefix="reference-pg-")), _free_port())
    try:
        server.start()
    except BaseException:
        shutil.rmtree(server.directory, ignore_errors=True)
        raise
    try:
        yield server
    finally:
        server.stop()
