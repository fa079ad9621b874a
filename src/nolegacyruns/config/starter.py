"""`nolegacyruns init`: a commented starter configuration, written next to the project, never over one."""

from __future__ import annotations

from pathlib import Path

from .. import _toml
from ..errors import UsageError
from .loading import CONFIG_FILES, DEFAULT_PATHS

PYPROJECT = "pyproject.toml"

_BODY = """\
# Folders (or files) to check, relative to this file.{found}
paths = [{paths}]
# Globs (gitignore syntax) to leave out, e.g. vendored or generated code.
# exclude = ["app/vendor/", "database/schema_dump.sql"]
# Files that .gitignore lists are left out; set false to check them too.
# respect-gitignore = true
# Your own rule packs (TOML files, or folders of them), loaded next to the bundled ones.
# rule-packs = ["tools/legacy-rules.toml"]
# Run only some rules, or leave some out: rule IDs or ID prefixes ("NLR0" is NLR001-NLR099).
# select = ["NLR"]
# ignore = ["NLR005"]
# Also look for legacy tokens in comments and docstrings.
# scan-comments = false
# Findings recorded by `nolegacyruns baseline` are counted, not reported.
# baseline = ".nolegacyruns-baseline.json"

# Permit rules in some files, with the reason a reviewer reads:
# [[{table}allow]]
# paths = ["database/migrations/**"]
# rules = ["NLR001"]
# reason = "the cutover migrations name the tables they drop"
"""


def detected_paths(folder: Path) -> list[str]:
    """The default source folders (app, database, resources, routes) that exist here."""
    return [name for name in DEFAULT_PATHS if (folder / name).exists()]


def starter_text(folder: Path, *, standalone: bool) -> str:
    """The starter settings: a `[tool.nolegacyruns]` section, or a whole nolegacyruns.toml."""
    found = detected_paths(folder)
    if found:
        note = f" Found here: {', '.join(found)}."
    else:
        found = ["."]
        note = f" None of {', '.join(DEFAULT_PATHS)} exists here: narrow this to your source folders."
    paths = ", ".join(f'"{name}"' for name in found)
    body = _BODY.format(found=note, paths=paths, table="" if standalone else "tool.nolegacyruns.")
    if standalone:
        return "# nolegacyruns settings; `nolegacyruns check` reads them from this folder down.\n" + body
    return "[tool.nolegacyruns]\n" + body


def _existing_settings(folder: Path) -> tuple[Path, str] | None:
    """The file (and section) that already configures nolegacyruns in this folder, if any."""
    for name in CONFIG_FILES:
        path = folder / name
        if not path.is_file():
            continue
        if name != PYPROJECT:
            return path, name
        try:
            data = _toml.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, _toml.TOMLDecodeError) as exc:
            raise UsageError(f"{path}: cannot read it to add a section: {exc}") from None
        tool = data.get("tool")
        if isinstance(tool, dict) and "nolegacyruns" in tool:
            return path, "its [tool.nolegacyruns] section"
    return None


def write_starter(folder: Path, file_name: str = PYPROJECT) -> tuple[Path, list[str]]:
    """Write the starter settings; return the file and the paths it names. Never overwrites settings."""
    existing = _existing_settings(folder)
    if existing is not None:
        path, what = existing
        raise UsageError(f"{path}: nolegacyruns is already configured here ({what}); init never overwrites settings")
    target = folder / file_name
    standalone = target.name != PYPROJECT
    if standalone and target.exists():
        raise UsageError(f"{target}: already exists; init never overwrites a file")
    text = starter_text(folder, standalone=standalone)
    if not standalone and target.is_file():
        before = target.read_text(encoding="utf-8")
        if before.strip():
            text = before + ("" if before.endswith("\n") else "\n") + "\n" + text
    try:
        _toml.loads(text)
        target.write_text(text, encoding="utf-8")
    except _toml.TOMLDecodeError as exc:
        raise UsageError(f"{target}: adding the section would not be valid TOML ({exc}); add it by hand") from None
    except OSError as exc:
        raise UsageError(f"{target}: cannot write: {exc.strerror or exc}") from None
    return target, detected_paths(folder) or ["."]
