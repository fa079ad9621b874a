"""`pip install .` into a fresh virtual environment outside the repository, then check a project."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

from helpers import LEGACY_MODULE, write_files

REPOSITORY = Path(__file__).resolve().parents[1]


def test_installed_wheel_checks_a_project_with_the_bundled_pack(tmp_path: Path) -> None:
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(REPOSITORY)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr
    project = write_files(tmp_path / "project", {"app/legacy.py": LEGACY_MODULE})
    executable = environment / "bin" / "nolegacyruns"
    result = subprocess.run(
        [str(executable), "check", "."],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )
    assert result.returncode == 1, result.stderr
    assert "app/legacy.py:3:10: NLR001" in result.stdout
    explain = subprocess.run([str(executable), "explain", "NLR005"], capture_output=True, text=True, cwd=project)
    assert explain.returncode == 0 and "## Use instead" in explain.stdout
    # The packs came from inside the installed package, not from this checkout.
    where = subprocess.run(
        [str(python), "-c", "from nolegacyruns.rules.pack import bundled_pack_files as f; print(f()[0])"],
        capture_output=True,
        text=True,
        cwd=project,
    )
    assert "_bundled_rules" in where.stdout and str(REPOSITORY) not in where.stdout
    assert sys.prefix != str(environment)
