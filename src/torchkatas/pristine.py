"""The original stubs, kept apart from the learner's edits, in `stubs.json` beside katas.toml.

A learner edits `katas/NN_name/<module>.py`, and may commit that work or have no git at
all (a downloaded archive). Whatever they did, three things need the stub as it was
shipped: the stubs gate (every test must fail on the ORIGINAL stub, not on a solved
copy), the repository's own checks, and `kata reset`. They read it from here.

The file maps each kata's stub, `"03_autograd/autograd.py"`, to its text. Contributors
regenerate it after changing a stub (`kata stubs --write`); CI checks on its clean clone
that it equals `katas/` (`kata stubs --check`), so it cannot drift. No torch import here.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from torchkatas import index

FILE = "stubs.json"  # at the repository's root, beside katas.toml
FORMAT = 1


def archive_of(root: Path) -> Path:
    return root / FILE


class ArchiveError(ValueError):
    """stubs.json is missing, unreadable or lacks a kata; the message says what to do."""


def key(kata: index.Kata) -> str:
    return f"{kata.id}/{kata.module}.py"


def stub_files(root: Path) -> dict[str, Path]:
    """Every kata's stub module in katas/: "NN_name/module.py" -> its path (by folder, so a
    kata not yet in katas.toml counts too)."""
    from torchkatas.harness import stub_files as modules_of

    return {
        f"{folder.name}/{stub.name}": stub
        for folder in sorted((root / "katas").glob("[0-9][0-9]_*"))
        if folder.is_dir()
        for stub in modules_of(folder)
    }


def load(archive: Path) -> dict[str, str]:
    """Every archived stub: "NN_name/module.py" -> its text."""
    try:
        raw = json.loads(archive.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArchiveError(f"{archive} is missing: run `kata stubs --write`.") from None
    except (OSError, ValueError) as err:
        raise ArchiveError(f"{archive} cannot be read ({err}).") from None
    stubs = raw.get("stubs") if isinstance(raw, dict) else None
    if raw.get("format") != FORMAT or not isinstance(stubs, dict):
        raise ArchiveError(f"{archive} is not a stubs archive of format {FORMAT}.")
    return {str(k): str(v) for k, v in stubs.items()}


def text(kata: index.Kata, archive: Path) -> str:
    """The original stub of `kata`; ArchiveError when the archive lacks it."""
    stubs = load(archive)
    try:
        return stubs[key(kata)]
    except KeyError:
        raise ArchiveError(
            f"{archive.name} has no stub for {kata.id}: run `kata stubs --write` "
            "(contributors), or update your checkout."
        ) from None


def build(root: Path) -> dict[str, str]:
    """The archive's content as `katas/` holds it now (only for contributors' clean trees)."""
    return {name: path.read_text(encoding="utf-8") for name, path in stub_files(root).items()}


def write(stubs: dict[str, str], archive: Path) -> None:
    """Replace the archive whole (a temp file, then os.replace)."""
    data = json.dumps({"format": FORMAT, "stubs": dict(sorted(stubs.items()))}, indent=1)
    _replace(archive, data + "\n")


def differences(root: Path, archive: Path) -> list[str]:
    """What differs between `katas/` and the archive, one line each (empty: they agree)."""
    stored, now = load(archive), build(root)
    problems = [f"{name}: only in {archive.name}" for name in sorted(stored.keys() - now.keys())]
    problems += [
        f"katas/{name}: not in {archive.name}" for name in sorted(now.keys() - stored.keys())
    ]
    problems += [
        f"katas/{name} differs from its copy in {archive.name}"
        for name in sorted(now.keys() & stored.keys())
        if now[name] != stored[name]
    ]
    return problems


def materialize(stubs: dict[str, str], dest: Path) -> Path:
    """Write every stub of an archive under dest/NN_name/<module>.py (laid out like solutions/)."""
    for name, content in stubs.items():
        path = dest / name
        if not path.is_file() or path.read_text(encoding="utf-8") != content:
            _replace(path, content)
    return dest


def _replace(path: Path, content: str) -> None:
    """Write `content` to `path` whole: several processes may write the same file at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(content)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
