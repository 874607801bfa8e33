"""`kata`: the learner's command line. `kata --help` lists the commands.

A kata is named by its number or name: `03`, `3`, `03_autograd` or `autograd`. Commands
that run tests run pytest in a child process; this process never imports torch (except
`kata watch` and `kata interview`, which keep one warm copy), so `kata list` is instant.
Progress lives in `.kata/progress.json` at the repository root (git ignores `.kata/`).
`kata quiz` asks the concept cards of cards.toml (questions no code can test).
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import shutil
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.markup import escape
from rich.text import Text

from torchkatas import cards as concept_cards
from torchkatas import index, pristine, ui
from torchkatas.progress import (
    SOLVED,
    STATE_DIR,
    Progress,
    Record,
    Store,
    file_hash,
    next_hint,
    next_unsolved,
)
from torchkatas.runner import NOTICES, RunError, cold_run, record

app = typer.Typer(
    name="kata",
    help="Learn PyTorch by fixing failing tests. Name a kata by number or name: "
    "03, 3, 03_autograd or autograd.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Device(StrEnum):
    cpu = "cpu"
    cuda = "cuda"


DeviceOpt = Annotated[
    Device, typer.Option("--device", help="Device the tests put their tensors on.")
]


class Lang(StrEnum):
    en = "en"
    zh = "zh"


LangOpt = Annotated[
    Lang, typer.Option("--lang", help="Language of the concept cards: en (English) or zh (中文).")
]
NameArg = Annotated[
    str | None,
    typer.Argument(
        metavar="[NN]", help="The kata: 03, 3, 03_autograd or autograd.", show_default=False
    ),
]
RequiredName = Annotated[
    str, typer.Argument(metavar="NN", help="The kata: 03, 3, 03_autograd or autograd.")
]


@dataclass
class State:
    root: Path
    katas: list[index.Kata]
    store: Store

    def progress(self) -> Progress:
        progress = self.store.load()
        self.warn()
        return progress

    def warn(self) -> None:
        for warning in dict.fromkeys([*NOTICES, *self.store.warnings]):
            ui.err_console.print(f"[yellow]kata: {escape(warning)}[/yellow]")
        self.store.warnings.clear()
        NOTICES.clear()

    def kata(self, name: str | None) -> index.Kata:
        """The kata `name` means; the first unsolved one when no name is given."""
        if name is None:
            kata = next_unsolved(self.katas, self.progress())
            if kata is None:
                fail("every kata is solved; name one to work on it again, e.g. `kata run 03`.", 1)
            return kata
        try:
            return index.find(name, self.katas)
        except index.UnknownKata as err:
            fail(str(err), 2)

    def folder(self, kata: index.Kata) -> Path:
        folder = self.root / "katas" / kata.id
        if not folder.is_dir():
            fail(
                f"katas/{kata.id} does not exist although katas.toml lists it: "
                "update your checkout (git pull).",
                1,
            )
        return folder


def fail(message: str, code: int = 1) -> NoReturn:
    ui.err_console.print(f"[bold red]kata:[/bold red] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding katas.toml (else the package's)."""
    for folder in (start, *start.parents):
        if (folder / index.INDEX_FILE).is_file():
            return folder
    return index.ROOT if (index.ROOT / index.INDEX_FILE).is_file() else None


def _installed_from(start: Path, root: Path) -> bool:
    """True when `root` was not found from `start` but is the checkout kata was installed from."""
    return root == index.ROOT and not any(
        (folder / index.INDEX_FILE).is_file() for folder in (start, *start.parents)
    )


@app.callback()
def _setup(
    ctx: typer.Context,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            help="The torch-katas checkout (default: the folder holding katas.toml, "
            "found from the current directory up).",
            file_okay=False,
        ),
    ] = None,
) -> None:
    if root is not None:
        root = root.expanduser().resolve()
        if not (root / index.INDEX_FILE).is_file():
            fail(
                f"--root {root}: no {index.INDEX_FILE} there; point it at your torch-katas folder.",
                2,
            )
    else:
        here = Path.cwd().resolve()
        root = find_root(here)
        if root is None:
            fail(
                f"no {index.INDEX_FILE} in {Path.cwd()} or above it: run kata inside your "
                "torch-katas checkout, or pass --root DIR.",
                2,
            )
        if _installed_from(here, root):
            ui.err_console.print(
                f"[yellow]kata: not inside a torch-katas checkout; using {escape(str(root))}, "
                "the one kata was installed from (--root DIR picks another).[/yellow]"
            )
    try:
        katas = index.load(root)
    except index.IndexError_ as err:
        fail(f"{err}", 2)
    ctx.obj = State(root, katas, Store(root))


def _state(ctx: typer.Context) -> State:
    state = ctx.find_object(State)
    assert state is not None
    return state


# ----------------------------------------------------------------------------- list, run, next


@app.command("list", short_help="Every kata in order with its status, and your progress.")
def list_(ctx: typer.Context) -> None:
    """Every kata in order: number, title, track, status of its last run; overall progress."""
    state = _state(ctx)
    progress = state.progress()
    ui.console.print(ui.status_table(state.katas, progress, state.root))
    upcoming = next_unsolved(state.katas, progress)
    if upcoming is not None:
        ui.console.print(f"Next: [bold]kata next[/bold] ({escape(ui.kata_label(upcoming))})")


def _run_one(state: State, kata: index.Kata, device: Device) -> bool:
    """Run one kata's tests, record and summarise them; True when solved."""
    state.folder(kata)
    before = file_hash(kata.stub_path(state.root))
    start = time.monotonic()
    with ui.console.status(f"Running the tests of {kata.id}...") as spinner:

        def show(test: str, seconds: float, done: int) -> None:
            name = test.split("::", 1)[-1]
            spinner.update(
                f"Running the tests of {kata.id}: {done} done, now {escape(name)} ({seconds:.0f} s)"
            )

        try:
            run = cold_run(state.root, [kata], device=device.value, progress=show)
        except RunError as err:
            fail(str(err), 1)
    result = run.for_kata(kata)
    record(state.store, [result], device.value, {kata.id: before})
    state.warn()
    ui.console.print(ui.summary(result, state.root, seconds=time.monotonic() - start))
    return result.status == SOLVED


@app.command(short_help="Run a kata's tests and say which fail and why.")
def run(ctx: typer.Context, name: NameArg = None, device: DeviceOpt = Device.cpu) -> None:
    """Run a kata's tests (the next unsolved one without NN); print which fail and why."""
    state = _state(ctx)
    solved = _run_one(state, state.kata(name), device)
    raise typer.Exit(0 if solved else 1)


@app.command("next", short_help="The first unsolved kata: its question, then its tests.")
def next_(ctx: typer.Context, device: DeviceOpt = Device.cpu) -> None:
    """The first kata not yet solved: its question, then its test results."""
    state = _state(ctx)
    kata = next_unsolved(state.katas, state.progress())
    if kata is None:
        ui.console.print(
            f"[bold green]Every kata is solved ({len(state.katas)} of {len(state.katas)}). "
            "Well done![/bold green] `kata interview` for a timed mock interview."
        )
        return
    state.folder(kata)
    ui.console.rule(escape(ui.kata_label(kata)))
    ui.console.print(ui.question(kata, state.root))
    ui.console.print()
    solved = _run_one(state, kata, device)
    raise typer.Exit(0 if solved else 1)


# ----------------------------------------------------------------------------- watch, interview


@app.command(short_help="Re-check a kata on every save; move on when it passes.")
def watch(ctx: typer.Context, name: NameArg = None, device: DeviceOpt = Device.cpu) -> None:
    """Check a kata each time you save it; move on to the next one when it passes."""
    from torchkatas import watch as watching

    state = _state(ctx)
    kata = state.kata(name)
    state.folder(kata)
    ui.console.rule(escape(ui.kata_label(kata)))
    ui.console.print(ui.question(kata, state.root, commands=False))
    code = watching.watch(state.root, state.katas, kata, device.value, ui.console)
    state.warn()
    raise typer.Exit(code)


def _track(name: str) -> str:
    for track in index.TRACKS:
        if name.strip().lower() == track.lower():
            return track
    close = difflib.get_close_matches(name, index.TRACKS, n=3, cutoff=0.4)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    fail(f"no track named {name!r}.{hint} Tracks: {', '.join(index.TRACKS)}.", 2)


@app.command(short_help="A timed mock interview on random unsolved katas.")
def interview(
    ctx: typer.Context,
    minutes: Annotated[float, typer.Option(min=0.01, help="Time on the clock.")] = 30.0,
    count: Annotated[int, typer.Option(min=1, help="How many katas.")] = 3,
    track: Annotated[
        str | None, typer.Option(help='Only katas (and cards) of this track, e.g. "Tensors".')
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed for the random pick.")] = None,
    concepts: Annotated[
        int,
        typer.Option(
            min=0,
            help="Concept cards (questions with no code) asked before and between the katas, "
            "in `kata quiz`'s order.",
        ),
    ] = 0,
    lang: LangOpt = Lang.en,
    device: DeviceOpt = Device.cpu,
) -> None:
    """A timed mock interview: COUNT random unsolved katas, a countdown, a report at the end.

    With --concepts K, K concept cards are mixed in: answer with a letter, t or f, or
    reveal the model answer and mark yourself y or n. Every answer is recorded.
    """
    from torchkatas import watch as watching

    state = _state(ctx)
    chosen = _track(track) if track else None
    progress = state.progress()
    present = [k for k in state.katas if (state.root / "katas" / k.id).is_dir()]
    picks = watching.pick(present, progress, count, chosen, seed)
    cards: list[concept_cards.Card] = []
    if concepts:
        deck = [c for c in _deck(state) if chosen is None or c.track == chosen]
        cards = concept_cards.Schedule(deck, seed).plan(progress.cards, concepts)
        if len(cards) < concepts:
            where = f" of track {chosen!r}" if chosen else ""
            ui.console.print(
                f"[yellow]Only {ui.plural(len(cards), 'concept card')}{where} to ask.[/yellow]"
            )
    if not picks:
        where = f" of track {chosen!r}" if chosen else ""
        if not cards:
            fail(
                f"every kata{where} is solved: nothing left to interview on. `kata reset NN` "
                "gives you one back to practise (your file is kept as a backup).",
                1,
            )
        ui.console.print(f"[yellow]Every kata{where} is solved: concept questions only.[/yellow]")
    elif len(picks) < count:
        ui.console.print(
            f"[yellow]Only {ui.plural(len(picks), 'unsolved kata')} to pick from.[/yellow]"
        )
    code = watching.interview(
        state.root,
        picks,
        minutes,
        device.value,
        ui.console,
        concepts=cards,
        lang=lang.value,
        landed={k.id for k in state.katas},
    )
    state.warn()
    raise typer.Exit(code)


# ----------------------------------------------------------------------------- concept cards


def _deck(state: State) -> list[concept_cards.Card]:
    try:
        return concept_cards.load(state.root)
    except concept_cards.CardsError as err:
        fail(str(err), 2)


def _card_track(name: str) -> str:
    for track in concept_cards.TRACKS:
        if name.strip().lower() == track.lower():
            return track
    close = difflib.get_close_matches(name, concept_cards.TRACKS, n=3, cutoff=0.4)
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    fail(f"no track named {name!r}.{hint} Tracks: {', '.join(concept_cards.TRACKS)}.", 2)


@app.command(short_help="Concept questions that no code can test, in a spaced order.")
def quiz(
    ctx: typer.Context,
    count: Annotated[int, typer.Option(min=1, help="How many cards to ask.")] = 10,
    track: Annotated[
        str | None, typer.Option(help='Only cards of this track, e.g. "Deployment".')
    ] = None,
    lang: LangOpt = Lang.en,
    seed: Annotated[
        int | None, typer.Option(help="Seed for the order of the cards you have not seen yet.")
    ] = None,
) -> None:
    """Concept cards (cards.toml): questions that interviews ask but no code can test.

    The cards come in a Leitner order: the ones you missed come back sooner, the ones you
    know later (README.md states the rule). Type the letter of a choice, or t or f; for a
    free question, press Enter to see the model answer, then mark yourself y or n. Every
    answer is saved at once in .kata/progress.json; q, Ctrl-C or the end of input stops.
    """
    from torchkatas import quiz as quizzing

    state = _state(ctx)
    chosen = _card_track(track) if track else None
    deck = [c for c in _deck(state) if chosen is None or c.track == chosen]
    if not deck:
        fail(f"cards.toml has no card of track {chosen!r}.", 1)
    code = quizzing.quiz(
        state.root, deck, state.katas, count, lang.value, seed, ui.console, store=state.store
    )
    state.warn()
    raise typer.Exit(code)


@app.command("cards", short_help="The concept cards and your box for each; --check proves them.")
def cards_(
    ctx: typer.Context,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Contributors: exit 1 unless every card is complete in both languages, its "
            "key fits, its katas exist and it repeats no claim of claims.toml.",
        ),
    ] = False,
    track: Annotated[str | None, typer.Option(help="Only cards of this track.")] = None,
    lang: LangOpt = Lang.en,
) -> None:
    """The concept cards of cards.toml, each with its Leitner box (`kata quiz` asks them).

    `kata cards --check` is the repository's check (run by `nox -s index`).
    """
    state = _state(ctx)
    if check:
        report = concept_cards.check(state.root)
        if report.problems:
            fail(
                f"{concept_cards.CARDS_FILE}: {ui.plural(len(report.problems), 'problem')}:\n  "
                + "\n  ".join(report.problems),
                1,
            )
        tracks = ", ".join(f"{t} {n}" for t, n in report.per_track.items())
        typer.echo(
            f"{concept_cards.CARDS_FILE}: {len(report.cards)} cards ({tracks}), complete in "
            f"{' and '.join(concept_cards.LANGS)}, none repeating a claim of "
            f"{concept_cards.CLAIMS_FILE}; related katas checked against {report.source}."
        )
        return
    from rich import box
    from rich.table import Table

    chosen = _card_track(track) if track else None
    deck = [c for c in _deck(state) if chosen is None or c.track == chosen]
    progress = state.progress()
    clock = progress.card_clock
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, header_style="bold", padding=(0, 1, 0, 0))
    for column in ("card", "track", "question", "box", "due"):
        table.add_column(column, no_wrap=column != "question")
    for card in deck:
        rec = progress.cards.get(card.id)
        if rec is None or rec.seen == 0:
            where, due = "new", ""
        else:
            where = str(rec.box)
            due = "now" if rec.due <= clock else f"in {rec.due - clock}"
        table.add_row(card.id, card.track, card.side(lang.value).question, where, due)
    ui.console.print(table)
    seen = sum(1 for c in deck if c.id in progress.cards and progress.cards[c.id].seen)
    ui.console.print(
        f'{ui.plural(len(deck), "card")}, {seen} seen. `kata quiz` asks them; "due in N" '
        "counts the cards still to answer before it comes back."
    )


# ----------------------------------------------------------------------------- hint, diff, reset


@app.command(short_help="The next hint for a kata, one more each time you ask.")
def hint(ctx: typer.Context, name: NameArg = None) -> None:
    """The next hint for a kata: one more each time you ask."""
    state = _state(ctx)
    kata = state.kata(name)
    number, text = next_hint(state.store, kata)
    state.warn()
    total = len(kata.hints)
    ui.console.print(f"[bold]Hint {number} of {total}[/bold] for {escape(ui.kata_label(kata))}:")
    ui.console.print(f"  {escape(text)}")
    nn = f"{kata.number:02d}"
    if number < total:
        ui.console.print(f"[dim]`kata hint {nn}` again for the next one.[/dim]")
    else:
        ui.console.print(
            f"[dim]That was the last hint. `kata diff {nn}` compares your file with the "
            "solution.[/dim]"
        )


@app.command(short_help="Your file against the solution (asks first if unsolved).")
def diff(
    ctx: typer.Context,
    name: NameArg = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Show the solution without asking.")
    ] = False,
) -> None:
    """Your file against the solution, coloured; asks first if the kata is not solved."""
    state = _state(ctx)
    kata = state.kata(name)
    mine, theirs = kata.stub_path(state.root), kata.solution_path(state.root)
    if not theirs.is_file():
        fail(f"{ui.rel(theirs, state.root)} does not exist: this kata has no solution yet.", 1)
    nn = f"{kata.number:02d}"
    if state.progress().get(kata.id).status != SOLVED and not yes:
        try:
            show = typer.confirm(
                f"Kata {nn} is not solved yet. Show its solution anyway?", default=False
            )
        except typer.Abort:  # no answer (end of input): not shown
            ui.console.print()
            show = False
        if not show:
            ui.console.print(
                f"Not shown. `kata hint {nn}` gives a hint; `kata diff {nn} --yes` shows it "
                "without asking."
            )
            raise typer.Exit(1)
    a = mine.read_text(encoding="utf-8") if mine.is_file() else ""
    b = theirs.read_text(encoding="utf-8")
    lines = list(
        difflib.unified_diff(
            a.splitlines(keepends=True),
            b.splitlines(keepends=True),
            fromfile=f"{ui.rel(mine, state.root)} (yours)",
            tofile=f"{ui.rel(theirs, state.root)} (solution)",
        )
    )
    if not lines:
        ui.console.print("Your file is the same as the solution.")
        return
    text = Text()
    for line in lines:
        line = line if line.endswith("\n") else line + "\n"
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        else:
            style = ""
        text.append(line, style=style)
    ui.console.print(text, end="", soft_wrap=True)


def _backup_path(root: Path, kata: index.Kata) -> Path:
    folder = root / STATE_DIR / "backups" / kata.id
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{kata.module}-{stamp}.py"
    n = 1
    while path.exists():
        path = folder / f"{kata.module}-{stamp}-{n}.py"
        n += 1
    return path


def _original_stub(state: State, kata: index.Kata) -> str:
    """The stub as shipped, from stubs.json (no git needed, whatever the learner committed)."""
    try:
        return pristine.text(kata, pristine.archive_of(state.root))
    except pristine.ArchiveError as err:
        fail(f"cannot find the original stub: {err} Nothing was changed.", 1)


@app.command(short_help="Put a kata's original stub back; your file is backed up first.")
def reset(ctx: typer.Context, name: RequiredName) -> None:
    """Put a kata's original stub back; your file is first copied to a timestamped backup.

    The original comes from stubs.json beside katas.toml, so this works without git and
    whatever you committed.
    """
    state = _state(ctx)
    kata = state.kata(name)
    mine = kata.stub_path(state.root)
    relpath = ui.rel(mine, state.root)
    stub = _original_stub(state, kata).encode("utf-8")
    if mine.is_file():
        current = mine.read_bytes()
        if current == stub:
            ui.console.print(f"{escape(relpath)} is already the original stub: nothing to reset.")
            return
        try:
            backup = _backup_path(state.root, kata)
            shutil.copy2(mine, backup)
            saved = backup.read_bytes() == current
        except OSError as err:
            fail(
                f"cannot back up {relpath} into {STATE_DIR}/backups ({type(err).__name__}: "
                f"{err.strerror or err}). Nothing was changed: your file is as it was.",
                1,
            )
        if not saved:
            fail(f"could not back up {relpath} to {backup}; nothing was changed.", 1)
        ui.console.print(
            f"Your file is saved as [bold]{escape(ui.rel(backup, state.root))}[/bold]."
        )
    tmp = mine.with_name(f".{mine.name}.kata-reset")
    try:
        tmp.write_bytes(stub)
        os.replace(tmp, mine)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        fail(
            f"cannot write {relpath} ({type(err).__name__}: {err.strerror or err}). "
            "It was not changed (a backup of it is above, if it existed).",
            1,
        )
    with state.store.update() as progress:
        hints = progress.get(kata.id).hints_shown
        progress.katas[kata.id] = Record(hints_shown=hints)
    state.warn()
    ui.console.print(f"Restored {escape(relpath)} to the original stub.")


@app.command(short_help="Contributors: keep stubs.json equal to the stubs in katas/.")
def stubs(
    ctx: typer.Context,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when stubs.json differs from katas/.")
    ] = False,
    write: Annotated[bool, typer.Option("--write", help="Rewrite stubs.json from katas/.")] = False,
) -> None:
    """Contributors: stubs.json holds the original stubs (for the stubs gate and reset).

    After changing a stub, `kata stubs --write`; CI runs `kata stubs --check` on a clean
    clone. Learners never need this: their edits in katas/ do not touch stubs.json.
    """
    state = _state(ctx)
    archive = pristine.archive_of(state.root)
    if check == write:
        fail("use --check or --write (one of them).", 2)
    missing = [k.id for k in state.katas if not k.stub_path(state.root).is_file()]
    if missing:
        fail(f"these katas have no stub in katas/: {', '.join(missing)}", 1)
    if write:
        stubs = pristine.build(state.root)
        pristine.write(stubs, archive)
        typer.echo(f"{archive.name} rewritten ({ui.plural(len(stubs), 'stub')}).")
        return
    try:
        problems = pristine.differences(state.root, archive)
    except pristine.ArchiveError as err:
        fail(str(err), 1)
    if problems:
        fail(
            f"{archive.name} is out of date with katas/ (run `kata stubs --write` and commit "
            "it):\n  " + "\n  ".join(problems),
            1,
        )
    typer.echo(f"{archive.name} holds the stubs of katas/ ({ui.plural(len(state.katas), 'kata')}).")


# ----------------------------------------------------------------------------- verify, table


@app.command(short_help="Run every kata's tests (in parallel) and print the table.")
def verify(
    ctx: typer.Context,
    device: DeviceOpt = Device.cpu,
    solutions: Annotated[
        bool, typer.Option("--solutions", help="Test the reference answers instead (not recorded).")
    ] = False,
    workers: Annotated[
        int, typer.Option("--workers", "-n", min=1, help="Parallel pytest workers.")
    ] = 2,
) -> None:
    """Run every kata's tests (in parallel), record them, print the table."""
    state = _state(ctx)
    present = [k for k in state.katas if (state.root / "katas" / k.id).is_dir()]
    missing = [k.id for k in state.katas if k not in present]
    hashes = {k.id: file_hash(k.stub_path(state.root)) for k in present}
    results = []
    if present:
        n = min(workers, len(present))
        what = "reference solutions" if solutions else "katas"
        with ui.console.status(f"Running the tests of {len(present)} {what} ({n} workers)..."):
            try:
                run = cold_run(
                    state.root,
                    present,
                    device=device.value,
                    solutions=solutions,
                    workers=n,
                    log_name="verify",
                )
            except RunError as err:
                fail(str(err), 1)
        results = [run.for_kata(k) for k in present]
        if not solutions:
            record(state.store, results, device.value, hashes)
            state.warn()
    shown = Progress()
    for result in results:
        shown.katas[result.kata.id] = Record(
            status=result.status,
            passed=result.passed,
            failed=result.failed,
            not_started=result.not_started,
            skipped=result.skipped,
            when=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            hash=file_hash(result.kata.stub_path(state.root)),
        )
    if solutions:
        ui.console.print("[bold]Reference solutions[/bold] (solutions/), not recorded:")
    ui.console.print(ui.status_table(state.katas, shown, state.root, missing=missing))
    unsolved = [r.kata for r in results if r.status != SOLVED]
    if unsolved or missing:
        first = unsolved[0] if unsolved else None
        if first is not None:
            ui.console.print(f"`kata run {first.number:02d}` shows what fails in {first.id}.")
        raise typer.Exit(1)


@app.command(short_help="Print, check or rewrite the README's kata table.")
def table(
    ctx: typer.Context,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when README.md's table is not current.")
    ] = False,
    write: Annotated[bool, typer.Option("--write", help="Rewrite README.md's kata table.")] = False,
) -> None:
    """Print the README's kata table, generated from katas.toml (--write, --check)."""
    state = _state(ctx)
    if check and write:
        fail("use --check or --write, not both.", 2)
    if not (check or write):
        typer.echo(index.table(state.katas))
        return
    readme = state.root / "README.md"
    try:
        old = readme.read_text(encoding="utf-8")
        new = index.readme_with_table(old, state.katas)
    except FileNotFoundError:
        fail(f"{readme} does not exist.", 1)
    except index.IndexError_ as err:
        fail(str(err), 1)
    if check:
        if new != old:
            fail(
                "README.md's kata table is out of date with katas.toml: run "
                "`kata table --write` and commit README.md.",
                1,
            )
        typer.echo(f"README.md's kata table is current ({ui.plural(len(state.katas), 'kata')}).")
        return
    if new == old:
        typer.echo(
            f"README.md's kata table is already current ({ui.plural(len(state.katas), 'kata')})."
        )
        return
    readme.write_text(new, encoding="utf-8")
    typer.echo(f"README.md's kata table rewritten ({ui.plural(len(state.katas), 'kata')}).")


def main() -> None:
    """The `kata` console script."""
    import signal

    def interrupt(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        raise KeyboardInterrupt  # the same clean stop as Ctrl-C: children stop, progress kept

    signal.signal(signal.SIGTERM, interrupt)
    app(prog_name="kata")


if __name__ == "__main__":
    main()
