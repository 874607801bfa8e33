"""The kata index: `katas.toml`, the one ordered source of truth for every kata.

The harness, the `kata` command line and the README's kata table all read it through
this module. It imports nothing heavy (no torch), so the CLI starts fast.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
INDEX_FILE = "katas.toml"
TRACKS = (
    "Tensors",
    "Autograd in depth",
    "Building blocks",
    "Data",
    "Sequence models",
    "Training",
    "Performance",
    "Distributed",
    "Deployment",
    "Models and methods",
)
MARKERS = ("cuda", "distributed", "slow")
_MODULE = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
_ID = re.compile(r"^(\d\d)_([a-z0-9_]+)$")
TABLE_BEGIN = "<!-- kata-table:begin (generated from katas.toml by `kata table --write`) -->"
TABLE_END = "<!-- kata-table:end -->"


class IndexError_(ValueError):
    """katas.toml is malformed; the message says which entry and what to fix."""


class UnknownKata(LookupError):
    """A kata name that matches nothing; the message lists close matches."""


@dataclass(frozen=True)
class Kata:
    id: str  # "03_autograd"
    title: str
    track: str
    module: str  # the stub's module name, "autograd" for katas/03_autograd/autograd.py
    tasks: tuple[str, ...]
    hints: tuple[str, ...]
    markers: tuple[str, ...] = ()
    warm: tuple[str, ...] = ()  # modules `kata watch` imports once, before its checks fork

    @property
    def number(self) -> int:
        return int(self.id[:2])

    @property
    def short(self) -> str:
        """The name without its number: "autograd"."""
        return self.id[3:]

    def stub_path(self, root: Path = ROOT) -> Path:
        return root / "katas" / self.id / f"{self.module}.py"

    def solution_path(self, root: Path = ROOT) -> Path:
        return root / "solutions" / self.id / f"{self.module}.py"

    def mistakes(self, root: Path = ROOT) -> list[Path]:
        return mistake_files(root, self.id)


def mistake_files(root: Path, kata_id: str) -> list[Path]:
    """The planted wrong answers of a kata: solutions/<kata_id>/mistakes/*.py, sorted."""
    folder = root / "solutions" / kata_id / "mistakes"
    return sorted(p for p in folder.glob("*.py") if p.name != "__init__.py")


def _entry(raw: dict, where: str) -> Kata:
    missing = {"id", "title", "track", "module", "tasks", "hints"} - raw.keys()
    if missing:
        raise IndexError_(f"{where}: missing field(s) {sorted(missing)}")
    unknown = raw.keys() - {"id", "title", "track", "module", "tasks", "hints", "markers", "warm"}
    if unknown:
        raise IndexError_(f"{where}: unknown field(s) {sorted(unknown)}")
    kata = Kata(
        id=raw["id"],
        title=raw["title"],
        track=raw["track"],
        module=raw["module"],
        tasks=tuple(raw["tasks"]),
        hints=tuple(raw["hints"]),
        markers=tuple(raw.get("markers", ())),
        warm=tuple(raw.get("warm", ())),
    )
    if not _ID.match(kata.id):
        raise IndexError_(f"{where}: id {kata.id!r} is not of the form NN_name")
    if kata.track not in TRACKS:
        raise IndexError_(f"{where} ({kata.id}): track {kata.track!r} is not one of {TRACKS}")
    if not kata.tasks or not all(t.strip() for t in kata.tasks):
        raise IndexError_(f"{where} ({kata.id}): tasks must be a non-empty list of titles")
    if not kata.hints or not all(h.strip() for h in kata.hints):
        raise IndexError_(f"{where} ({kata.id}): hints must be a non-empty list of texts")
    bad = set(kata.markers) - set(MARKERS)
    if bad:
        raise IndexError_(f"{where} ({kata.id}): unknown marker(s) {sorted(bad)}; use {MARKERS}")
    warm = raw.get("warm", [])
    if not isinstance(warm, list) or not all(isinstance(m, str) and _MODULE.match(m) for m in warm):
        raise IndexError_(
            f"{where} ({kata.id}): warm must be a list of module names such as "
            f'"torchvision.models", got {warm!r}'
        )
    return kata


def load(root: Path = ROOT) -> list[Kata]:
    """Every kata in katas.toml, in order; raises IndexError_ on a malformed index."""
    path = root / INDEX_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise IndexError_(f"{path}: {err}") from err
    katas = [
        _entry(raw, f"{INDEX_FILE} entry {i + 1}") for i, raw in enumerate(data.get("kata", []))
    ]
    ids = [k.id for k in katas]
    if ids != sorted(ids):
        raise IndexError_(f"{INDEX_FILE}: entries must be in number order, got {ids}")
    numbers = [k.number for k in katas]
    dupes = sorted({n for n in numbers if numbers.count(n) > 1})
    if dupes:
        raise IndexError_(f"{INDEX_FILE}: duplicate kata numbers {dupes}")
    return katas


def find(name: str, katas: list[Kata]) -> Kata:
    """The kata that `name` means: "3", "03", "03_autograd" or "autograd"."""
    name = name.strip()
    for kata in katas:
        if name in (kata.id, kata.short) or (name.isdigit() and int(name) == kata.number):
            return kata
    choices = [k.id for k in katas] + [k.short for k in katas]
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.5)
    hint = f" Did you mean: {', '.join(close)}?" if close else " `kata list` shows them all."
    raise UnknownKata(f"no kata named {name!r}.{hint}")


def table(katas: list[Kata]) -> str:
    """The README's kata table (Markdown), generated from the index."""
    lines = ["| # | kata | title | track | tasks |", "|---|---|---|---|---|"]
    for k in katas:
        marks = "".join(f" `{m}`" for m in k.markers)
        lines.append(
            f"| {k.number:02d} | [{k.id}](katas/{k.id}/README.md) | {k.title}{marks} "
            f"| {k.track} | {len(k.tasks)} |"
        )
    return "\n".join(lines)


def readme_with_table(readme: str, katas: list[Kata]) -> str:
    """README text with the block between the table markers replaced by a fresh table."""
    start, end = readme.find(TABLE_BEGIN), readme.find(TABLE_END)
    if start < 0 or end < start:
        raise IndexError_(f"README.md lacks the markers {TABLE_BEGIN!r} ... {TABLE_END!r}")
    return readme[: start + len(TABLE_BEGIN)] + "\n" + table(katas) + "\n" + readme[end:]
