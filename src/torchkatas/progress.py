"""The learner's progress: `.kata/progress.json` in the repository (git ignores `.kata/`).

Per kata it keeps the last recorded run (status, test counts, when, on which device, and
the hash of the learner's file at that moment, so a later edit marks the status stale)
and how many hints were shown. Interviews are appended to a history. Per concept card
(`kata quiz`, cards.toml) it keeps the card's Leitner box and when it is due again.

The file is only ever replaced whole (a temp file, then `os.replace`), under a lock, so a
crash or Ctrl-C never leaves half a file. A file that cannot be read is moved aside
(`progress.json.corrupt-<time>`) and rebuilt empty, with a warning, never a crash.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from torchkatas import index

STATE_DIR = ".kata"
FILE = "progress.json"
VERSION = 1

SOLVED, FAILING, NOT_STARTED = "solved", "failing", "not started"
STATUSES = (SOLVED, FAILING, NOT_STARTED)


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def file_hash(path: Path) -> str | None:
    """sha256 of a file's bytes, or None when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


@dataclass
class Record:
    """What `kata` remembers about one kata."""

    status: str | None = None  # one of STATUSES; None: never run
    passed: int = 0
    failed: int = 0
    not_started: int = 0
    skipped: int = 0
    when: str | None = None
    device: str | None = None
    hash: str | None = None  # the learner's file when it was last run
    hints_shown: int = 0

    @classmethod
    def from_json(cls, raw: Any) -> Record:
        """A record from JSON, keeping only well-typed fields (the rest are dropped)."""
        rec = cls()
        if not isinstance(raw, dict):
            return rec
        if raw.get("status") in STATUSES:
            rec.status = raw["status"]
        for name in ("passed", "failed", "not_started", "skipped", "hints_shown"):
            value = raw.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                setattr(rec, name, value)
        for name in ("when", "device", "hash"):
            if isinstance(raw.get(name), str):
                setattr(rec, name, raw[name])
        return rec

    def is_stale(self, learner_file: Path) -> bool:
        """True when the learner's file changed since the recorded run."""
        return self.status is not None and self.hash != file_hash(learner_file)


CARD_RESULTS = ("right", "wrong")


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


@dataclass
class CardRecord:
    """What `kata quiz` remembers about one concept card (the schedule is in torchkatas.cards)."""

    box: int = 0  # 0: never answered; 1..5: its Leitner box
    seen: int = 0  # answers given
    right: int = 0  # of which right
    due: int = 0  # due again once this many cards have been answered in all
    last: str | None = None  # "right" or "wrong"
    when: str | None = None

    @classmethod
    def from_json(cls, raw: Any) -> CardRecord:
        """A record from JSON, keeping only well-typed fields (the rest are dropped)."""
        rec = cls()
        if not isinstance(raw, dict):
            return rec
        for name in ("box", "seen", "right", "due"):
            value = _count(raw.get(name))
            if value is not None:
                setattr(rec, name, value)
        rec.box = min(rec.box, 5)
        rec.right = min(rec.right, rec.seen)
        if raw.get("last") in CARD_RESULTS:
            rec.last = raw["last"]
        if isinstance(raw.get("when"), str):
            rec.when = raw["when"]
        return rec


@dataclass
class Progress:
    katas: dict[str, Record] = field(default_factory=dict)
    interviews: list[dict[str, Any]] = field(default_factory=list)
    cards: dict[str, CardRecord] = field(default_factory=dict)

    def get(self, kata_id: str) -> Record:
        return self.katas.setdefault(kata_id, Record())

    def card(self, card_id: str) -> CardRecord:
        return self.cards.setdefault(card_id, CardRecord())

    @property
    def card_clock(self) -> int:
        """How many concept-card answers were given in all: the quiz schedule's clock."""
        return sum(rec.seen for rec in self.cards.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "katas": {k: asdict(r) for k, r in sorted(self.katas.items())},
            "interviews": self.interviews,
            "cards": {k: asdict(r) for k, r in sorted(self.cards.items())},
        }


class Store:
    """Reads and writes the progress file of the repository at `root`."""

    def __init__(self, root: Path) -> None:
        self.dir = root / STATE_DIR
        self.path = self.dir / FILE
        self.warnings: list[str] = []

    def load(self) -> Progress:
        """The progress so far; an unreadable file is set aside and rebuilt empty."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Progress()
        except (OSError, UnicodeDecodeError) as err:
            return self._rebuild(f"cannot read it ({err})")
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as err:
            return self._rebuild(f"it is not valid JSON ({err})")
        except (RecursionError, ValueError) as err:  # nested too deep; an int of 4,300+ digits
            return self._rebuild(f"it cannot be read as progress ({type(err).__name__})")
        if not isinstance(raw, dict) or not isinstance(raw.get("katas", {}), dict):
            return self._rebuild("it does not hold a progress record")
        progress = Progress(
            katas={
                str(k): Record.from_json(v)
                for k, v in raw.get("katas", {}).items()
                if isinstance(v, dict)
            },
            interviews=[i for i in raw.get("interviews", []) if isinstance(i, dict)]
            if isinstance(raw.get("interviews"), list)
            else [],
            cards=self._cards(raw.get("cards", {})),
        )
        return progress

    def _cards(self, raw: Any) -> dict[str, CardRecord]:
        """The concept cards' records; a damaged field is dropped (with a warning), never fatal."""
        if not isinstance(raw, dict):
            self.warnings.append(
                f"the concept cards' record in {self.path.relative_to(self.dir.parent)} was "
                "damaged and is dropped: `kata quiz` starts every card afresh (your katas' "
                "progress is kept)."
            )
            return {}
        return {str(k): CardRecord.from_json(v) for k, v in raw.items() if isinstance(v, dict)}

    def _rebuild(self, why: str) -> Progress:
        stamp = f"{FILE}.corrupt-{dt.datetime.now():%Y%m%d-%H%M%S}"
        aside = self.path.with_name(stamp)
        n = 1
        while aside.exists():  # two set-asides in one second keep both files
            aside = self.path.with_name(f"{stamp}-{n}")
            n += 1
        try:
            os.rename(self.path, aside)
            kept = f" (the old file is kept as {aside.relative_to(self.dir.parent)})"
        except OSError:
            kept = ""
        self.warnings.append(
            f"{self.path.relative_to(self.dir.parent)} was unreadable: {why}; "
            f"starting a fresh one{kept}. Re-run `kata verify` to record every kata's status."
        )
        return Progress()

    def save(self, progress: Progress) -> None:
        """Replace the file whole: never half-written, even on Ctrl-C."""
        self.dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".progress-", suffix=".tmp")
        try:
            os.chmod(tmp, 0o644)  # mkstemp's 0600 would be surprising on a plain data file
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(progress.to_json(), f, indent=1)
                f.write("\n")
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def update(self) -> Iterator[Progress]:
        """Load, let the caller change, save: under a lock, so two `kata`s never race.

        Where .kata/ cannot be written, the change is made in memory only and a warning
        says it was not saved (the command itself still does its work).
        """
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            lock = _locked(self.dir / "progress.lock")
            lock.__enter__()
        except OSError as err:
            progress = self.load()
            yield progress
            self._not_saved(err)
            return
        try:
            progress = self.load()
            yield progress
            try:
                self.save(progress)
            except OSError as err:
                self._not_saved(err)
        finally:
            lock.__exit__(None, None, None)

    def _not_saved(self, err: OSError) -> None:
        self.warnings.append(
            f"could not save your progress in {self.path} ({type(err).__name__}: "
            f"{err.strerror or err}): this result is shown but not recorded. Make .kata/ "
            "writable to keep it."
        )


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # Windows: one learner, one terminal; the atomic replace suffices
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def next_unsolved(
    katas: Sequence[index.Kata], progress: Progress, after: index.Kata | None = None
) -> index.Kata | None:
    """The first kata not solved: after `after` in order when there is one, else from the top."""
    pending = [k for k in katas if progress.get(k.id).status != SOLVED]
    if after is not None:
        later = [k for k in pending if k.number > after.number]
        if later:
            return later[0]
    return pending[0] if pending else None


def next_hint(store: Store, kata: index.Kata) -> tuple[int, str]:
    """(number from 1, text) of the next hint for `kata`; the last one again when all shown."""
    with store.update() as progress:
        rec = progress.get(kata.id)
        shown = min(rec.hints_shown, len(kata.hints) - 1)
        rec.hints_shown = min(rec.hints_shown + 1, len(kata.hints))
    return shown + 1, kata.hints[shown]
