"""What the `kata` command prints: run summaries, the status table, a kata's question."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from torchkatas import index
from torchkatas.progress import FAILING, NOT_STARTED, SOLVED, Progress
from torchkatas.runner import KataResult, TestOutcome

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

STYLE = {SOLVED: "green", FAILING: "red", NOT_STARTED: "yellow"}
MAX_FAILURES = 8  # distinct failure messages shown after a run


def rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def kata_label(kata: index.Kata) -> str:
    return f"{kata.number:02d} · {kata.title}"


# ----------------------------------------------------------------------------- a run


def summary(result: KataResult, root: Path, *, seconds: float | None = None) -> Group:
    """A short, readable account of one kata's run: tasks, then what failed and why."""
    kata = result.kata
    took = f" ({seconds:.1f} s)" if seconds is not None else ""
    total = len(result.tests) - result.skipped
    skipped = f", {result.skipped} skipped" if result.skipped else ""
    head = Text()
    if result.status == SOLVED:
        head.append(f"✓ {kata_label(kata)}: solved", style="bold green")
        head.append(f", {result.passed} of {total} tests pass{skipped}{took}")
        return Group(head)
    mark = "✗" if result.status == FAILING else "·"
    head.append(f"{mark} {kata_label(kata)}: ", style=f"bold {STYLE[result.status]}")
    head.append(f"{result.passed} of {total} tests pass{skipped}{took}")
    parts: list[Text | Table] = [head]
    tasks = _task_table(result)
    if tasks is not None:
        parts.append(tasks)
    parts += _failure_lines(result.failures())
    parts.append(
        Text(
            f"  full output: {rel(result_log(root, kata), root)} · a hint: kata hint "
            f"{kata.number:02d}",
            style="dim",
        )
    )
    return Group(*parts)


def result_log(root: Path, kata: index.Kata) -> Path:
    from torchkatas.runner import log_path

    return log_path(root, kata.id)


def _task_table(result: KataResult) -> Table | None:
    by_task: dict[int, list[TestOutcome]] = defaultdict(list)
    for t in result.tests:
        if t.task is not None and t.outcome != "skipped":
            by_task[t.task].append(t)
    if not by_task:
        return None
    table = Table.grid(padding=(0, 2))
    for n in sorted(by_task):
        tests = by_task[n]
        passed = sum(t.outcome == "passed" for t in tests)
        title = result.kata.tasks[n - 1] if 0 < n <= len(result.kata.tasks) else ""
        if passed == len(tests):
            state = Text("✓ done", style="green")
        elif all(t.not_started for t in tests if t.outcome == "failed") and not passed:
            state = Text("not started", style="yellow")
        else:
            state = Text(f"✗ {len(tests) - passed} failing", style="red")
        table.add_row(f"  task {n}", title, f"{passed}/{len(tests)}", state)
    return table


def specificity(test: TestOutcome) -> int:
    """How directly a failure names its cause; groups are shown most specific first.

    0: a "Likely mistake" with one cause; 1: with several candidates ("... or ...");
    2: another message of a test's own; 3: the learner's code crashed; 4: ran past its
    time limit; 5: not started (the stub is still there).
    """
    if test.not_started:
        return 5
    if test.status == "timeout":
        return 4
    if test.status == "crash":
        return 3
    likely = test.message.partition("Likely mistake:")[2]
    if not likely:
        return 2
    return 1 if re.search(r"\bor\b|;", likely) else 0


def _failure_lines(failures: Sequence[TestOutcome]) -> list[Text]:
    """Failures grouped by message, most specific first, each message whole (rich wraps it)."""
    groups: dict[str, list[TestOutcome]] = {}
    for t in failures:
        groups.setdefault(t.message or "(no message)", []).append(t)
    ordered = sorted(groups.items(), key=lambda kv: specificity(kv[1][0]))  # stable: file order
    lines: list[Text] = []
    for message, tests in ordered[:MAX_FAILURES]:
        line = Text("  ")
        body = message.replace("\n", "\n    ")
        if tests[0].not_started:  # the message names the function: no test names needed
            line.append(body, style="yellow")
            line.append(f" ({len(tests)} test{'s' if len(tests) > 1 else ''})", style="dim")
        elif message.startswith(tests[0].name):  # MISSING FUNCTION says so itself
            line.append(body, style="red")
        else:
            line.append(tests[0].name, style="bold red")
            if len(tests) > 1:
                line.append(f" (+{len(tests) - 1} more)", style="dim")
            line.append(f": {body}")
        lines.append(line)
    hidden = len(groups) - MAX_FAILURES
    if hidden > 0:
        lines.append(Text(f"  ... and {hidden} more kinds of failure (see the log)", style="dim"))
    return lines


# ----------------------------------------------------------------------------- the status table


def ago(when: str | None) -> str:
    if not when:
        return "never"
    try:
        then = dt.datetime.fromisoformat(when)
    except ValueError:
        return "?"
    seconds = (dt.datetime.now().astimezone() - then).total_seconds()
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"


def status_table(
    katas: Sequence[index.Kata],
    progress: Progress,
    root: Path,
    *,
    missing: Sequence[str] = (),
) -> Group:
    """Every kata with its number, title, track and last recorded status; a progress bar."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, header_style="bold", padding=(0, 1, 0, 0))
    for column in ("kata", "title", "status", "tests", "last run"):
        table.add_column(column, no_wrap=column != "title")
    stale_any = False
    solved = 0
    track = None
    for k in katas:
        if k.track != track:  # the catalogue's sections, as headings
            track = k.track
            table.add_row(Text(track, style="bold magenta"), end_section=False)
        rec = progress.katas.get(k.id)
        if k.id in missing:
            status, style, tests = "missing", "red", ""
        elif rec is None or rec.status is None:
            status, style, tests = NOT_STARTED, "dim", ""
        else:
            status, style = rec.status, STYLE[rec.status]
            tests = f"{rec.passed}/{rec.passed + rec.failed + rec.not_started}"
            solved += rec.status == SOLVED
            if rec.is_stale(k.stub_path(root)):
                status += "*"
                stale_any = True
        when = ago(rec.when if rec else None)
        table.add_row(f" {k.number:02d} {k.short}", k.title, Text(status, style), tests, when)
    parts: list[Table | Text] = [table, Text(), progress_bar(solved, len(katas))]
    if stale_any:
        parts.append(
            Text("* stale: your file changed since that run; `kata run NN` checks it again.", "dim")
        )
    return Group(*parts)


def progress_bar(done: int, total: int, width: int = 30) -> Text:
    """`███████░░░░░░░ 3 of 12 katas solved`: readable with or without colours."""
    filled = round(width * done / total) if total else 0
    bar = Text("█" * filled, style="green")
    bar.append("░" * (width - filled), style="dim")
    bar.append(f" {done} of {plural(total, 'kata')} solved", style="bold")
    return bar


# ----------------------------------------------------------------------------- the question


_TITLE = re.compile(r"\A# [^\n]*\n")
_RUN_IT = re.compile(r"^## Run it\s*$.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def question(kata: index.Kata, root: Path, *, commands: bool = True) -> Group:
    """The kata's README (its question and tasks) without its `## Run it` section."""
    from rich.markdown import Markdown  # 50 ms: only when a question is shown

    readme = root / "katas" / kata.id / "README.md"
    try:
        text = _RUN_IT.sub("", readme.read_text(encoding="utf-8")).strip()
        # the callers print the title as a rule above the question: not twice
        text = _TITLE.sub("", text, count=1).strip()
    except FileNotFoundError:
        tasks = "\n".join(f"{i}. `{t}`" for i, t in enumerate(kata.tasks, 1))
        text = f"## Tasks\n\n{tasks}"
    number = f"{kata.number:02d}"
    where = Text.assemble(("Edit ", "bold"), (rel(kata.stub_path(root), root), "bold cyan"), ".")
    if commands:
        where.append(
            f" Check it: kata run {number} · on every save: kata watch {number} · "
            f"a hint: kata hint {number}"
        )
    return Group(Markdown(text), Text(), where)


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
