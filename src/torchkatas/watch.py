"""`kata watch` and `kata interview`: check the learner's kata on every save.

Both loops are driven by watchfiles' `watch()` on the kata's folder, which also ticks
every fraction of a second (for the interview's countdown and for keys typed on stdin).
Checks run in a `WarmRunner`, so torch is imported once per session, not once per save,
where the system can fork (Linux); elsewhere each check is a new pytest, and
`start_runner` says so.
An interview with `--concepts K` also asks K concept cards (cards.toml), before or
between its katas, answered with single keys. Ctrl-C ends either loop cleanly: the child
is killed, progress is saved, exit code 130.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import random
import select
import signal
import sys
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import watchfiles
from rich import box
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from torchkatas import index, quiz, ui, warm
from torchkatas.cards import Card
from torchkatas.progress import SOLVED, Progress, Store, file_hash, next_hint, next_unsolved, now
from torchkatas.runner import KataResult, RunError, record
from torchkatas.warm import CheckTimeout, WarmRunner

TICK_MS = 200
INTERRUPTED = 130  # the shell's code for "ended by Ctrl-C"
USAGE = 4  # pytest's exit code for a bad option: no point checking again after a save


def _interruptible() -> None:
    """Ctrl-C raises KeyboardInterrupt even where a shell started us with SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.default_int_handler)


class Keys:
    """Keys typed on stdin, read without blocking.

    On a terminal, single keys act at once, without Enter (the terminal is put in cbreak
    mode: no echo, no line editing, Ctrl-C still interrupts) and is restored by `restore`,
    which `with Keys(...)` and an exit hook both call. Elsewhere (a pipe) whole lines are
    read; where stdin is not readable at all, no key ever comes.
    """

    def __init__(self, stream: IO[str] | None) -> None:
        self.fd: int | None = None
        self.buffer = b""
        self._saved: Any = None
        if stream is not None and os.name == "posix":
            with contextlib.suppress(AttributeError, OSError, ValueError):
                self.fd = stream.fileno()
        if self.fd is not None and os.isatty(self.fd):
            import termios
            import tty

            with contextlib.suppress(termios.error, OSError):
                self._saved = termios.tcgetattr(self.fd)
                tty.setcbreak(self.fd)
                atexit.register(self.restore)

    @property
    def single(self) -> bool:
        """True when keys arrive one by one (a terminal in cbreak mode)."""
        return self._saved is not None

    def restore(self) -> None:
        """Give the terminal back as it was (idempotent)."""
        if self._saved is not None and self.fd is not None:
            import termios

            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def __enter__(self) -> Keys:
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()

    def _read(self) -> None:
        if self.fd is None:
            return
        try:
            ready, _, _ = select.select([self.fd], [], [], 0)
            chunk = os.read(self.fd, 1024) if ready else None
        except (OSError, ValueError):
            chunk, self.fd = None, None
        if chunk == b"":  # end of input: no keyboard (a pipe, /dev/null)
            self.fd = None
        elif chunk:
            self.buffer += chunk

    def poll(self, accept: str = "") -> str | None:
        """A key or line typed since the last call (stripped, lower case; "" is Enter), or None.

        On a terminal only the keys in KEYS and in `accept` count; others are dropped.
        """
        if self.single:
            self._read()
            while self.buffer:
                key, self.buffer = self.buffer[:1], self.buffer[1:]
                if key in (b"\r", b"\n"):
                    return ""
                char = key.decode(errors="replace").lower()
                if char in KEYS or char in accept:
                    return char
            return None
        if b"\n" not in self.buffer:
            self._read()
        if b"\n" in self.buffer:
            line, _, self.buffer = self.buffer.partition(b"\n")
            return line.decode(errors="replace").strip().lower()
        return None


KEYS = "hqs"  # the single keys watch and interview act on (besides Enter)


def _events(folder: Path, keys: Keys) -> Iterator[tuple[str, Any]]:
    for changes in watchfiles.watch(
        folder,
        watch_filter=watchfiles.PythonFilter(),
        rust_timeout=TICK_MS,
        yield_on_timeout=True,
        debounce=400,
    ):
        if changes:
            yield "save", changes
        line = keys.poll()
        if line is not None:
            yield "key", line
        yield "tick", None


class Events:
    """("save", changes), ("key", line) and ("tick", None) every TICK_MS, from one folder.

    The folder is watched from the moment this object exists (a save made right after
    the question is shown is never missed); `with` stops the watcher.
    """

    def __init__(self, folder: Path, keys: Keys) -> None:
        self._gen = _events(folder, keys)
        self._first = next(self._gen)  # watchfiles yields only once its watcher runs

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        yield self._first
        yield from self._gen

    def __enter__(self) -> Events:
        return self

    def __exit__(self, *exc: object) -> None:
        self._gen.close()


@dataclass
class Checker:
    """Runs one kata's check in the warm runner, records it, prints the summary."""

    root: Path
    runner: WarmRunner
    store: Store
    device: str
    out: Console

    def check(self, kata: index.Kata, timeout: float | None = None) -> KataResult:
        learner = kata.stub_path(self.root)
        before = file_hash(learner)
        start = time.monotonic()
        result = self.runner.run([kata], device=self.device, timeout=timeout).for_kata(kata)
        record(self.store, [result], self.device, {kata.id: before})
        self.out.print(ui.summary(result, self.root, seconds=time.monotonic() - start))
        return result


def start_runner(root: Path, katas: Sequence[index.Kata], out: Console) -> WarmRunner:
    """The runner of a watch or an interview, saying which kind it is: warm where this
    system can fork, else one new pytest per check (slower, and the learner is told so)."""
    if not warm.can_fork():
        out.print(
            "[yellow]Checks start a new pytest each, which imports torch again (a few "
            "seconds a check): only on Linux can torch be imported once and forked.[/yellow]"
        )
        return WarmRunner(root, katas, fork=False)
    out.print("[dim]Warming up: importing torch and pytest once...[/dim]")
    began = time.monotonic()
    runner = WarmRunner(root, katas, fork=True)
    out.print(f"[dim]Ready in {time.monotonic() - began:.1f} s.[/dim]")
    return runner


# ----------------------------------------------------------------------------- watch

WATCH_KEYS = "save to check again · Enter: check now · h: a hint · q: quit · Ctrl-C: stop"


def watch(
    root: Path, katas: Sequence[index.Kata], start: index.Kata, device: str, out: Console
) -> int:
    """Check `start` on every save; when it passes, move on to the next unsolved kata."""
    store = Store(root)
    _interruptible()
    try:
        runner = start_runner(root, katas, out)
        checker = Checker(root, runner, store, device, out)
        with Keys(sys.stdin) as keys:
            kata: index.Kata | None = start
            while kata is not None:
                outcome = _watch_one(checker, kata, keys, out)
                if outcome != SOLVED:
                    return outcome
                kata = next_unsolved(katas, store.load(), after=kata)
                if kata is None:
                    out.print("[bold green]Every kata is solved. Well done![/bold green]")
                    return 0
                out.rule(f"Next: {escape(ui.kata_label(kata))}")
                out.print(ui.question(kata, root, commands=False))
            return 0
    except KeyboardInterrupt:
        out.print("\nStopped watching. Your progress is saved: `kata list` shows it.")
        return INTERRUPTED


def _watch_one(checker: Checker, kata: index.Kata, keys: Keys, out: Console) -> Any:
    """Watch one kata until it passes (SOLVED) or the learner quits (exit code 0)."""
    root = checker.root
    folder = root / "katas" / kata.id
    first = True
    with Events(folder, keys) as gen:
        for kind, payload in gen:
            if kind == "key" and payload == "q":
                return 0
            if kind == "key" and payload == "h":
                _show_hint(checker.store, kata, out)
                continue
            if not (first or kind == "save" or kind == "key"):
                continue
            if kind == "save":
                names = sorted({Path(p).name for _, p in payload})
                out.rule(
                    f"[dim]{time.strftime('%H:%M:%S')} · saved {escape(', '.join(names))}[/dim]"
                )
            was_first, first = first, False
            try:
                result = checker.check(kata)
            except RunError as err:
                out.print(f"[red]{escape(str(err))}[/red]", highlight=False)
                if err.code == USAGE:
                    return 2
                result = None
            if result is not None and result.status == SOLVED:
                return SOLVED
            if was_first:
                out.print(f"[bold]Watching {escape(ui.rel(folder, root))}[/bold] ({WATCH_KEYS})")
    return 0


def _show_hint(store: Store, kata: index.Kata, out: Console) -> None:
    number, text = next_hint(store, kata)
    out.print(f"[bold]Hint {number} of {len(kata.hints)}:[/bold] {escape(text)}")


# ----------------------------------------------------------------------------- interview


@dataclass
class Attempt:
    kata: index.Kata
    reached: bool = False
    solved: bool = False
    seconds: float = 0.0


@dataclass
class CardAttempt:
    """A concept card asked in an interview."""

    card: Card
    lang: str = "en"
    reached: bool = False
    result: str | None = None  # "right", "wrong", "skipped"; None: not answered
    seconds: float = 0.0


def order(attempts: Sequence[Attempt], cards: Sequence[CardAttempt]) -> list[Any]:
    """The interview's questions: the cards spread out before and between the katas.

    Card j goes before kata j * len(katas) // len(cards), so the first question is a card
    and the rest are spaced evenly; without katas, only the cards.
    """
    slots: list[list[Any]] = [[] for _ in range(max(len(attempts), 1))]
    for j, card in enumerate(cards):
        slots[j * len(slots) // len(cards)].append(card)
    items: list[Any] = []
    for i, slot in enumerate(slots):
        items += slot
        if i < len(attempts):
            items.append(attempts[i])
    return items


def pick(
    katas: Sequence[index.Kata],
    progress: Progress,
    count: int,
    track: str | None = None,
    seed: int | None = None,
) -> list[index.Kata]:
    """`count` random unsolved katas (of `track`), in a random order."""
    pool = [
        k
        for k in katas
        if progress.get(k.id).status != SOLVED and (track is None or k.track == track)
    ]
    return random.Random(seed).sample(pool, min(count, len(pool)))


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.999))
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def interview(
    root: Path,
    picks: Sequence[index.Kata],
    minutes: float,
    device: str,
    out: Console,
    concepts: Sequence[Card] = (),
    lang: str = "en",
    landed: Collection[str] = (),
) -> int:
    """A timed session over `picks`: each passes on save or Enter; a report at the end.

    `concepts` are concept cards asked before and between the katas (see `order`), in
    `lang`; each answer is graded (or marked by the learner) and saved at once.
    """
    store = Store(root)
    attempts = [Attempt(k) for k in picks]
    cards = [CardAttempt(c, lang) for c in concepts]
    items = order(attempts, cards)
    limit = minutes * 60
    code, ended = 0, "time is up"
    begun = started = time.monotonic()
    current: Attempt | CardAttempt | None = None
    keys: Keys | None = None
    _interruptible()
    try:
        checker = None
        if picks:
            runner = start_runner(root, picks, out)
            checker = Checker(root, runner, store, device, out)
        keys = Keys(sys.stdin)
        what = " and ".join(
            [ui.plural(len(picks), "kata")] * bool(picks or not cards)
            + [ui.plural(len(cards), "concept question")] * bool(cards)
        )
        out.print(
            f"[bold]Mock interview:[/bold] {what}, {_clock(limit)} on the clock. "
            + ("Save your file to check it · Enter: check now · " if picks else "")
            + "s: skip · q: quit · Ctrl-C: stop"
        )
        begun = time.monotonic()
        deadline = begun + limit
        with Live(console=out, auto_refresh=False, transient=True) as live:
            for i, item in enumerate(items):
                started = time.monotonic()
                current = item
                item.reached = True
                head = f"Question {i + 1} of {len(items)}"
                if isinstance(item, CardAttempt):
                    label = f"{head}: concept card · {item.card.track}"
                    out.rule(escape(label))

                    def card_clock(i: int = i, keys_: str = quiz.item_keys(item.card)) -> Text:
                        left = deadline - time.monotonic()
                        return Text.assemble(
                            (f"⏱  {_clock(left)} left", "bold red" if left < 60 else "bold"),
                            f" · question {i + 1} of {len(items)} · {keys_[0]}-{keys_[-1]}: "
                            "answer · s: skip · q: quit",
                        )

                    outcome = _interview_card(
                        item, keys, deadline, live, card_clock, out, store, lang, landed
                    )
                    item.seconds = time.monotonic() - started
                else:
                    assert checker is not None

                    def countdown(i: int = i) -> Text:
                        left = deadline - time.monotonic()
                        return Text.assemble(
                            (f"⏱  {_clock(left)} left", "bold red" if left < 60 else "bold"),
                            f" · question {i + 1} of {len(items)} · save to check · "
                            "Enter: check now · s: skip · q: quit",
                        )

                    with Events(root / "katas" / item.kata.id, keys) as evs:
                        out.rule(escape(f"{head}: {ui.kata_label(item.kata)}"))
                        out.print(ui.question(item.kata, root, commands=False))
                        outcome = _interview_one(checker, item.kata, evs, deadline, live, countdown)
                    item.seconds = time.monotonic() - started
                    item.solved = outcome == SOLVED
                current = None
                if outcome == "quit":
                    ended = "you stopped it"
                    break
                if outcome == "time":
                    break
            else:
                ended = "every question answered"
    except KeyboardInterrupt:
        ended, code = "stopped with Ctrl-C", INTERRUPTED
        if current is not None:
            current.seconds = time.monotonic() - started
    finally:
        if keys is not None:
            keys.restore()
    total = time.monotonic() - begun
    out.print(_report(items, total, limit, ended))
    entry: dict[str, Any] = {
        "when": now(),
        "minutes": minutes,
        "ended": ended,
        "seconds": round(total, 1),
        "katas": [
            {"id": a.kata.id, "solved": a.solved, "seconds": round(a.seconds, 1)}
            for a in attempts
            if a.reached
        ],
    }
    if cards:
        entry["cards"] = [
            {"id": c.card.id, "result": c.result, "seconds": round(c.seconds, 1)}
            for c in cards
            if c.reached
        ]
    with store.update() as progress:
        progress.interviews.append(entry)
    return code


def _interview_card(
    attempt: CardAttempt,
    keys: Keys,
    deadline: float,
    live: Live,
    countdown: Any,
    out: Console,
    store: Store,
    lang: str,
    landed: Collection[str],
) -> str:
    """Ask one concept card with single keys; "answered", "skip", "quit" or "time"."""
    card = attempt.card
    out.print(quiz.question_view(card, lang))
    accept = quiz.item_keys(card)
    if card.kind == "free":
        out.print(f"[dim]{escape(quiz.text(lang, 'free_prompt'))}[/dim]")
    revealed = False
    while True:
        if deadline - time.monotonic() <= 0:
            return "time"
        live.update(countdown(), refresh=True)
        key = keys.poll(accept)
        if key is None:
            time.sleep(TICK_MS / 1000)
            continue
        if key in ("s", "q"):
            if key == "s":
                attempt.result = "skipped"
            return "skip" if key == "s" else "quit"
        if card.kind == "free" and not revealed:
            out.print(quiz.reveal_view(card, lang, landed))
            out.print(f"[dim]{escape(quiz.text(lang, 'self_prompt'))}[/dim]")
            revealed = True
            continue
        right = quiz.self_mark(key) if card.kind == "free" else quiz.grade(card, key)
        if right is None:
            continue  # a key or line that answers nothing
        if card.kind == "free":
            out.print(Text(quiz.text(lang, "known" if right else "missed"), style="bold"))
        else:
            out.print(quiz.verdict(card, lang, right))
            out.print(quiz.reveal_view(card, lang, landed))
        quiz.save_answer(store, card, right)
        attempt.result = "right" if right else "wrong"
        return "answered"


def _interview_one(
    checker: Checker,
    kata: index.Kata,
    events: Events,
    deadline: float,
    live: Live,
    countdown: Any,
) -> str:
    for kind, payload in events:
        left = deadline - time.monotonic()
        if left <= 0:
            return "time"
        live.update(countdown(), refresh=True)
        if kind == "key" and payload in ("s", "q"):
            return "skip" if payload == "s" else "quit"
        if kind not in ("save", "key"):
            continue
        try:
            result = checker.check(kata, timeout=left)
        except CheckTimeout:
            return "time"
        except RunError as err:
            checker.out.print(f"[red]{escape(str(err))}[/red]", highlight=False)
            continue
        if result.status == SOLVED:
            return SOLVED
    return "time"


def _report(items: Sequence[Any], total: float, limit: float, ended: str) -> Table:
    table = Table(
        title=f"Interview report: {ended}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        header_style="bold",
        padding=(0, 1, 0, 0),
    )
    for column in ("#", "kata", "title", "result", "time"):
        table.add_column(column)
    attempts = [a for a in items if isinstance(a, Attempt)]
    cards = [c for c in items if isinstance(c, CardAttempt)]
    for a in items:
        if isinstance(a, CardAttempt):
            table.add_row(*_card_row(a))
            continue
        if not a.reached:
            result = Text("not reached", "dim")
        elif a.solved:
            result = Text("solved", "green")
        else:
            result = Text("not solved", "red")
        took = _clock(a.seconds) if a.reached else ""
        table.add_row(f"{a.kata.number:02d}", a.kata.short, a.kata.title, result, took)
    solved = sum(a.solved for a in attempts)
    right = sum(c.result == "right" for c in cards)
    parts = [f"{solved} of {len(attempts)} solved"] if attempts or not cards else []
    if cards:
        parts.append(f"{right} of {ui.plural(len(cards), 'concept question')} right")
    table.caption = f"{', '.join(parts)} in {_clock(total)} (limit {_clock(limit)})"
    table.caption_justify = "left"
    return table


CARD_RESULTS = {
    "right": ("right", "green"),
    "wrong": ("wrong", "red"),
    "skipped": ("skipped", "yellow"),
    None: ("not answered", "red"),
}


def _card_row(c: CardAttempt) -> tuple[str, str, str, Text, str]:
    question = c.card.side(c.lang).question
    if len(question) > 60:
        question = question[:57].rstrip() + "..."
    if not c.reached:
        result = Text("not reached", "dim")
    else:
        word, style = CARD_RESULTS[c.result]
        result = Text(word, style)
    return "C", c.card.id, question, result, _clock(c.seconds) if c.reached else ""
