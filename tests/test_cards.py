"""Concept cards: cards.toml and its check, the Leitner schedule, `kata quiz`, and the cards
that `kata interview --concepts K` mixes in.

The quiz runs in this process through typer's CliRunner (answers come as input lines);
Ctrl-C and the interview run `python -m torchkatas.cli` as a subprocess, as a learner would.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from torchkatas import cards, cli, index, quiz, watch
from torchkatas.progress import Progress, Store

pytestmark = pytest.mark.timeout(300)  # subprocess tests; a hang guard for a loaded machine

REPO = Path(__file__).resolve().parents[1]

INDEX = """
[[kata]]
id = "01_double"
title = "Double a number"
track = "Tensors"
module = "double"
tasks = ["double(x)"]
hints = ["Multiply by two."]
"""

STUB = '''"""Kata 01: double. See README.md in this folder."""


def double(x: float) -> float:
    """Twice x."""
    # TODO: one arithmetic operation
    raise NotImplementedError("TODO: double(x)")
'''

SOLUTION = '''"""Kata 01: double. See README.md in this folder."""


def double(x: float) -> float:
    """Twice x."""
    return 2 * x
'''

TESTS = """import pytest

from torchkatas.harness import load_kata

kata = load_kata(__file__)


@pytest.mark.task(1)
def test_double_of_x():
    got = kata.double(3.0)
    if got != 6.0:
        raise AssertionError(f"double(3.0) returned {got}, expected 6.0")
"""

README = (
    "# 01 · Double a number\n\nThe question: write `double(x)`.\n\n## Tasks\n\n1. `double(x)`\n"
)


def card(
    card_id: str,
    track: str,
    item: str = "",
    key: str | None = None,
    en: str = "",
    zh: str = "",
    katas: str = '["01_double"]',
) -> str:
    """One [[card]] table, complete unless the caller's pieces say otherwise."""
    key_line = f"key = {key}\n" if key is not None else ""
    return f"""
[[card]]
id = "{card_id}"
track = "{track}"
katas = {katas}
{key_line}
[card.en]
question = "Question of {card_id}?"
answer = "The model answer of {card_id}. It has two sentences."
facts = ["First fact of {card_id}.", "Second fact of {card_id}."]
{item}{en}
[card.zh]
question = "{card_id} 的问题？"
answer = "{card_id} 的参考答案。它有两句话。"
facts = ["{card_id} 的第一个要点。", "{card_id} 的第二个要点。"]
{item.replace("English", "中文")}{zh}
"""


CHOICE = 'choices = ["an English wrong one", "an English right one", "an English other one"]\n'
TRUE = 'statement = "This English statement is true."\n'
FALSE = 'statement = "This English statement is false."\n'

# one card per track, so that --track picks exactly one
DECK = (
    card("pick-a-letter", "Tensors", CHOICE, "1")
    + card("say-true", "Autograd in depth", TRUE, "true")
    + card("free-recall", "Building blocks")
    + card("say-false", "Deployment", FALSE, "false")
)
# three true statements of one track: "t" answers each right, "f" each wrong
TRUE_DECK = "".join(card(f"true-{n}", "Tensors", TRUE, "true") for n in ("a", "b", "c"))


def make_repo(root: Path, deck: str = DECK) -> Path:
    root.mkdir(parents=True)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(REPO / name, root / name)
    (root / "katas.toml").write_text(INDEX)
    (root / "README.md").write_text(f"# Toy\n\n{index.TABLE_BEGIN}\n{index.TABLE_END}\n")
    (root / "cards.toml").write_text(deck, encoding="utf-8")
    folder, solution = root / "katas" / "01_double", root / "solutions" / "01_double"
    folder.mkdir(parents=True)
    solution.mkdir(parents=True)
    (folder / "double.py").write_text(STUB)
    (folder / "test_double.py").write_text(TESTS)
    (folder / "README.md").write_text(README)
    (solution / "double.py").write_text(SOLUTION)
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


@pytest.fixture
def true_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", TRUE_DECK)


@pytest.fixture(autouse=True)
def wide_console(monkeypatch):
    from torchkatas import ui

    monkeypatch.setattr(ui.console, "_width", 200)
    monkeypatch.setattr(ui.err_console, "_width", 200)


def invoke(root: Path, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli.app, ["--root", str(root), *args], input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def card_records(root: Path) -> dict:
    return json.loads((root / ".kata" / "progress.json").read_text())["cards"]


def asked(out: str) -> list[str]:
    """The ids of the cards a quiz asked, in order (the last word of each card's rule)."""
    return [
        line.split(" · ")[-1].split()[0] for line in out.splitlines() if line.startswith("Card ")
    ]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200", "OMP_NUM_THREADS": "1"}


class Live:
    """A `kata` process whose output is read line by line while it runs."""

    def __init__(self, root: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "torchkatas.cli", *args],
            cwd=root,
            env=env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        with self.proc.stdout:
            for line in self.proc.stdout:
                self.lines.put(line)
        self.lines.put(None)

    def wait_for(self, text: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.seen):
            left = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(left, 0.01))
            except queue.Empty:
                line = ""
            if line is None or left <= 0:
                self.kill()
                raise AssertionError(f"{text!r} never came; output so far:\n{self.output}")
            self.seen.append(line)

    def type(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def finish(self, timeout: float = 120) -> int:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"kata did not stop; output:\n{self.output}") from None
        while (line := self.lines.get(timeout=5)) is not None:
            self.seen.append(line)
        self.kill()  # closes the pipes
        return code

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.reader.join(timeout=10)
        if self.proc.stdin is not None:
            self.proc.stdin.close()

    @property
    def output(self) -> str:
        return "".join(self.seen)


@pytest.fixture
def live():
    started: list[Live] = []

    def start(root: Path, *args: str) -> Live:
        started.append(Live(root, *args))
        return started[-1]

    yield start
    for process in started:
        process.kill()


needs_posix_signals = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="sends SIGINT to a child"
)


# ----------------------------------------------------------------------------- the real cards


def test_the_repository_cards_pass_their_check():
    report = cards.check(REPO)
    assert not report.problems, "\n".join(report.problems)
    assert len(report.cards) >= cards.MIN_CARDS
    for c in report.cards:
        assert set(c.sides) == {"en", "zh"}, c.id
        assert c.katas, c.id


def test_the_check_runs_in_the_index_nox_session():
    noxfile = (REPO / "noxfile.py").read_text(encoding="utf-8")
    session = noxfile.split("def index(", 1)[1].split("\n@nox.session", 1)[0]
    assert '"cards", "--check"' in session, session


def test_kata_cards_check_passes_on_the_repository_and_says_what_it_checked():
    proc = subprocess.run(
        [sys.executable, "-m", "torchkatas.cli", "--root", str(REPO), "cards", "--check"],
        capture_output=True,
        text=True,
        check=False,
        env=env(),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "cards" in proc.stdout and "related katas checked against" in proc.stdout


def fresh_clone(tmp_path: Path) -> Path:
    """The files the check reads, in a folder with no ../shared/KATAS.md beside it."""
    root = tmp_path / "clone" / "torch-katas"
    root.mkdir(parents=True)
    for name in ("cards.toml", "claims.toml", "katas.toml"):
        shutil.copy(REPO / name, root / name)
    return root


def test_the_check_passes_on_a_fresh_clone_against_the_embedded_catalogue(tmp_path):
    root = fresh_clone(tmp_path)
    code, out = invoke(root, "cards", "--check")
    assert code == 0, out
    assert "the catalogue embedded in torchkatas/cards.py" in " ".join(out.split()), out


def test_the_embedded_catalogue_holds_every_indexed_kata():
    missing = {k.id for k in index.load(REPO)} - set(cards.CATALOGUE)
    assert not missing, f"katas.toml lists katas that cards.CATALOGUE lacks: {sorted(missing)}"


@pytest.mark.skipif(
    not (REPO.parent / "shared" / "KATAS.md").is_file(), reason="../shared/KATAS.md is not here"
)
def test_the_embedded_catalogue_is_the_one_in_katas_md():
    ids, source = cards.catalogue(REPO)
    assert "KATAS.md" in source
    assert ids == list(cards.CATALOGUE)


def test_every_claim_catches_its_own_examples():
    problems: list[str] = []
    claims = cards.load_claims(REPO, problems)
    assert not problems, "\n".join(problems)
    assert len(claims) >= 30
    for claim in claims:
        assert claim.bad, f"claim {claim.id} has no example to catch"


PLANTED = {
    "missing zh answer": (
        card("planted", "Tensors").replace('answer = "planted 的参考答案。它有两句话。"\n', ""),
        "card 'planted' zh: the answer is missing or empty",
    ),
    "missing zh table": (
        card("planted", "Tensors").split("[card.zh]")[0],
        "card 'planted' zh: missing",
    ),
    "key past the choices": (
        card("planted", "Tensors", CHOICE, "3"),
        "card 'planted': key = 3 is not an index within the 3 choices",
    ),
    "key of the wrong type": (
        card("planted", "Tensors", CHOICE, '"b"'),
        "card 'planted': key 'b' must be a choice's index",
    ),
    "true/false key without a statement": (
        card("planted", "Tensors", key="true"),
        "card 'planted': key = true needs a statement",
    ),
    "choices without a key": (
        card("planted", "Tensors", CHOICE),
        "card 'planted': has choices or a statement but no key",
    ),
    "unknown kata": (
        card("planted", "Tensors", katas='["99_nothing"]'),
        "card 'planted': related kata(s) ['99_nothing'] are not in the catalogue",
    ),
    "five facts": (
        card("planted", "Tensors").replace(
            'facts = ["First fact of planted.", "Second fact of planted."]',
            'facts = ["a.", "b.", "c.", "d.", "e."]',
        ),
        "card 'planted' en: 5 key facts; give 2 to 4",
    ),
    "english in the chinese answer": (
        card("planted", "Tensors").replace(
            "planted 的参考答案。它有两句话。", "An English answer. Twice."
        ),
        "card 'planted' zh: the answer is not in Chinese",
    ),
    "an id used twice": (card("what-is-pytorch", "Tensors"), "'what-is-pytorch': the id is used 2"),
    "unknown track": (card("planted", "Tensor"), "card 'planted': track 'Tensor' is not one of"),
    "a forbidden claim": (
        card(
            "planted",
            "Tensors",
            key="true",
            en='statement = "Wrap the model in nn.DataParallel."\n',
            zh='statement = "这是对的。"\n',
        ),
        "card 'planted' en statement: repeats the claim 'dataparallel'",
    ),
    "an outdated api presented as current": (
        card("planted", "Tensors").replace(
            "It has two sentences.", "Wrap the forward pass in torch.cuda.amp.autocast()."
        ),
        "card 'planted' en answer: repeats the claim 'cuda-amp'",
    ),
    "a machine-translation artefact": (
        card("planted", "Tensors").replace("它有两句话。", "光学模块负责训练。"),
        "card 'planted' zh answer: repeats the claim 'mt-artefacts'",
    ),
    "the cifar validation claim": (
        card("planted", "Data").replace(
            "It has two sentences.", "CIFAR-10 has 10000 validation images."
        ),
        "repeats the claim 'cifar-validation'",
    ),
}


@pytest.mark.parametrize("problem", sorted(PLANTED), ids=lambda p: p.replace(" ", "-"))
def test_a_planted_bad_card_fails_the_check_naming_the_card_and_the_problem(tmp_path, problem):
    planted, message = PLANTED[problem]
    planted = planted.replace('katas = ["01_double"]', 'katas = ["01_tensors"]')
    root = fresh_clone(tmp_path)
    deck = root / "cards.toml"
    deck.write_text(deck.read_text(encoding="utf-8") + planted, encoding="utf-8")
    code, out = invoke(root, "cards", "--check")
    flat = " ".join(out.split())
    assert code == 1, out
    assert message in flat, f"the check does not say {message!r}:\n{out}"


def test_an_outdated_api_named_as_outdated_passes_the_check(tmp_path):
    root = fresh_clone(tmp_path)
    deck = root / "cards.toml"
    good = card("planted", "Tensors").replace(
        "It has two sentences.",
        "torch.cuda.amp.autocast is deprecated since 2.4; use torch.amp.autocast.",
    )
    good = good.replace('katas = ["01_double"]', 'katas = ["01_tensors"]')
    deck.write_text(deck.read_text(encoding="utf-8") + good, encoding="utf-8")
    code, out = invoke(root, "cards", "--check")
    assert code == 0, out


def test_a_claim_whose_pattern_misses_its_example_fails_the_check(tmp_path):
    root = fresh_clone(tmp_path)
    claims = root / "claims.toml"
    claims.write_text(
        claims.read_text(encoding="utf-8")
        + '\n[[claim]]\nid = "broken"\nwhat = "w"\npattern = "nothing matches this"\n'
        'instead = "i"\nbad = ["An example it should catch."]\n',
        encoding="utf-8",
    )
    code, out = invoke(root, "cards", "--check")
    assert code == 1 and "claim 'broken'" in out and "misses its own example" in out, out


def test_too_few_cards_fail_the_check(tmp_path):
    root = fresh_clone(tmp_path)
    (root / "cards.toml").write_text(DECK.replace('["01_double"]', '["01_tensors"]'))
    code, out = invoke(root, "cards", "--check")
    assert code == 1 and "holds 4 cards; it must hold at least 40" in out, out


def test_kata_cards_lists_every_card_with_its_box(repo):
    code, out = invoke(repo, "cards")
    assert code == 0, out
    for card_id in ("pick-a-letter", "say-true", "free-recall", "say-false"):
        assert card_id in out, out
    assert "4 cards, 0 seen" in out, out
    code, out = invoke(repo, "cards", "--lang", "zh", "--track", "deployment")
    assert code == 0 and "say-false 的问题？" in out and "pick-a-letter" not in out, out


# ----------------------------------------------------------------------------- the schedule


def toy_cards(n: int) -> list[cards.Card]:
    side = cards.Side("q", "a", ("f1", "f2"))
    return [
        cards.Card(f"c{i}", "Tensors", ("01_tensors",), {"en": side, "zh": side}) for i in range(n)
    ]


def answer(progress: Progress, schedule: cards.Schedule, right: bool) -> cards.Card:
    card_ = schedule.next(progress.cards)
    assert card_ is not None
    cards.record_answer(progress, card_.id, right)
    schedule.mark(card_, right)
    return card_


def test_a_missed_card_comes_back_before_a_known_one():
    deck = toy_cards(2)
    progress = Progress()
    first = cards.Schedule(deck, seed=0)
    missed = answer(progress, first, right=False)
    known = answer(progress, first, right=True)
    second = cards.Schedule(deck, seed=0)
    assert second.next(progress.cards) is missed
    answer(progress, second, right=True)
    assert second.next(progress.cards) is known


def test_within_a_quiz_a_missed_card_comes_back_after_two_others():
    deck = toy_cards(5)
    progress, schedule = Progress(), cards.Schedule(deck, seed=1)
    missed = answer(progress, schedule, right=False)
    order = [answer(progress, schedule, right=True) for _ in range(3)]
    assert missed not in order[:2], "the missed card came back at once"
    assert order[2] is missed, "the missed card did not come back once due"


def test_a_card_answered_right_is_not_asked_again_in_the_same_quiz():
    deck = toy_cards(3)
    progress, schedule = Progress(), cards.Schedule(deck, seed=2)
    seen = [answer(progress, schedule, right=True).id for _ in range(3)]
    assert sorted(seen) == ["c0", "c1", "c2"]
    assert schedule.next(progress.cards) is None


def test_boxes_move_up_when_right_and_back_to_one_when_wrong():
    progress = Progress()
    rec = cards.record_answer(progress, "x", True)
    assert (rec.box, rec.due) == (2, 1 + cards.INTERVALS[2])
    for _ in range(6):
        rec = cards.record_answer(progress, "x", True)
    assert rec.box == cards.BOXES, "the top box is the last"
    rec = cards.record_answer(progress, "x", False)
    assert (rec.box, rec.seen, rec.right, rec.last) == (1, 8, 7, "wrong")
    assert rec.due == 8 + cards.INTERVALS[1]


def test_due_cards_come_first_then_new_ones_then_the_ones_due_soonest():
    deck = toy_cards(3)
    progress = Progress()
    cards.record_answer(progress, "c0", True)  # box 2, due at 1 + 8
    cards.record_answer(progress, "c1", False)  # box 1, due at 2 + 2
    schedule = cards.Schedule(deck, seed=3)
    assert schedule.next(progress.cards).id == "c2", "a new card waits behind no due card"
    schedule.mark(deck[2], True)
    assert schedule.next(progress.cards).id == "c1", "the card due soonest comes next"
    progress.cards["c1"].due = 0
    progress.cards["c0"].due = 0
    assert cards.Schedule(deck).next(progress.cards).id == "c1", "equal due: the lower box first"


def test_the_order_of_new_cards_follows_the_seed():
    deck = toy_cards(20)
    a = [c.id for c in cards.Schedule(deck, seed=5).plan({}, 20)]
    assert a == [c.id for c in cards.Schedule(deck, seed=5).plan({}, 20)]
    assert a != [c.id for c in cards.Schedule(deck, seed=6).plan({}, 20)]
    assert sorted(a) == sorted(c.id for c in deck)


# ----------------------------------------------------------------------------- grading


def test_items_are_graded_exactly(repo):
    letter = cards.load(repo)
    choice = next(c for c in letter if c.id == "pick-a-letter")
    assert quiz.grade(choice, "b") is True
    assert quiz.grade(choice, "B ") is True
    assert quiz.grade(choice, "a") is False
    assert quiz.grade(choice, "") is False, "Enter means: I do not know"
    for reply in ("d", "bb", "1", "right choice"):
        assert quiz.grade(choice, reply) is None, reply
    true = next(c for c in letter if c.id == "say-true")
    false = next(c for c in letter if c.id == "say-false")
    assert quiz.grade(true, "t") is True and quiz.grade(true, "false") is False
    assert quiz.grade(false, "f") is True and quiz.grade(false, "T") is False
    assert quiz.grade(true, "y") is None
    assert quiz.self_mark("Y") is True and quiz.self_mark("n") is False
    assert quiz.self_mark("maybe") is None


def test_a_right_letter_is_right_and_a_wrong_one_shows_the_answer(repo):
    code, out = invoke(repo, "quiz", "--track", "Tensors", input="b\n")
    assert code == 0, out
    assert "✓ Right." in out, out
    assert card_records(repo)["pick-a-letter"]["right"] == 1
    shutil.rmtree(repo / ".kata")
    code, out = invoke(repo, "quiz", "--track", "Tensors", input="c\n")
    assert "✗ Not this time: the answer is b) an English right one" in out, out
    rec = card_records(repo)["pick-a-letter"]
    assert (rec["seen"], rec["right"], rec["box"], rec["last"]) == (1, 0, 1, "wrong")


def test_true_false_is_graded_exactly(repo):
    code, out = invoke(repo, "quiz", "--track", "deployment", input="t\n")
    assert code == 0 and "the statement is false" in out, out
    assert card_records(repo)["say-false"]["last"] == "wrong"
    code, out = invoke(repo, "quiz", "--track", "deployment", input="f\n")
    assert "✓ Right." in out, out
    assert card_records(repo)["say-false"]["right"] == 1


def test_an_answer_that_is_no_choice_is_asked_again(repo):
    code, out = invoke(repo, "quiz", "--track", "Tensors", input="z\nb\n")
    assert code == 0 and "Type a letter from a to c" in out and "✓ Right." in out, out


def test_a_free_answer_shows_the_model_answer_and_facts_then_the_learner_marks_it(repo):
    code, out = invoke(repo, "quiz", "--track", "Building blocks", input="\ny\n")
    assert code == 0, out
    assert out.index("The model answer of free-recall.") < out.index("Did you know it?"), out
    assert "First fact of free-recall." in out and "Second fact of free-recall." in out
    assert "Marked as known" in out
    assert card_records(repo)["free-recall"]["right"] == 1
    code, out = invoke(repo, "quiz", "--track", "Building blocks", input="my answer\nmaybe\nn\n")
    assert "Type y if you knew it" in out and "Marked to come back soon" in out, out
    rec = card_records(repo)["free-recall"]
    assert (rec["seen"], rec["right"], rec["last"]) == (2, 1, "wrong")


def test_a_graded_answer_also_shows_the_model_answer_and_the_related_katas(repo):
    _, out = invoke(repo, "quiz", "--track", "Tensors", input="b\n")
    assert "The model answer of pick-a-letter." in out and "First fact of pick-a-letter." in out
    assert "In code: 01_double" in out, out


# ----------------------------------------------------------------------------- the quiz


def test_every_answer_is_kept_in_progress_json_with_the_rest(repo):
    Store(repo).save(Progress(interviews=[{"when": "then"}]))
    # every card missed: Enter (I don't know), or Enter to reveal then n; "n" is no choice
    code, out = invoke(repo, "quiz", "--count", "4", "--seed", "4", input="\nn\n" * 8)
    assert code == 0, out
    ids = asked(out)
    assert len(ids) == 4 and ids[3] == ids[0], "the first card, missed, was not due again"
    records = card_records(repo)
    assert set(records) == set(ids)
    for card_id, rec in records.items():
        assert rec["seen"] == ids.count(card_id) and rec["right"] == 0, rec
        assert rec["box"] == 1 and rec["last"] == "wrong" and rec["when"], rec
    data = json.loads((repo / ".kata" / "progress.json").read_text())
    assert data["interviews"] == [{"when": "then"}], "the quiz lost the rest of the progress"


def test_the_next_quiz_resumes_with_new_cards_then_the_missed_before_the_known(true_repo):
    code, out = invoke(true_repo, "quiz", "--count", "2", "--seed", "1", input="f\nt\n")
    assert code == 0, out
    missed, known = asked(out)
    (new,) = {"true-a", "true-b", "true-c"} - {missed, known}
    code, out = invoke(true_repo, "quiz", "--count", "3", "--seed", "1", input="t\nt\nt\n")
    assert asked(out) == [new, missed, known], out


def test_count_limits_the_cards_asked(repo):
    code, out = invoke(repo, "quiz", "--count", "2", input="\nn\n" * 4)
    assert code == 0 and len(asked(out)) == 2, out
    assert "Card 1 of 2" in out and "of 2 right in this quiz" in out, out


def test_track_limits_the_cards_and_a_bad_track_is_a_clear_error(repo):
    code, out = invoke(repo, "quiz", "--track", "Tensors", "--count", "5", input="b\n")
    assert asked(out) == ["pick-a-letter"], out
    assert "No more cards for this quiz" in out, out
    code, out = invoke(repo, "quiz", "--track", "Tensor")
    assert code == 2 and "Did you mean: Tensors" in out, out


def test_lang_zh_shows_the_chinese_cards(repo):
    code, out = invoke(repo, "quiz", "--lang", "zh", "--track", "Tensors", input="b\n")
    assert code == 0, out
    assert "pick-a-letter 的问题？" in out and "b) an 中文 right one" in out, out
    assert "pick-a-letter 的参考答案。" in out and "pick-a-letter 的第一个要点。" in out
    assert "回答正确" in out and "Question of" not in out, out


def test_end_of_input_ends_the_quiz_cleanly_and_keeps_what_was_answered(true_repo):
    code, out = invoke(true_repo, "quiz", "--count", "3", input="t\n")
    assert code == 0, out
    assert "End of input." in out and "1 of 1 right in this quiz" in out, out
    assert len(card_records(true_repo)) == 1


def test_q_ends_the_quiz(true_repo):
    code, out = invoke(true_repo, "quiz", input="t\nq\n")
    assert code == 0 and "Quiz ended." in out and "1 of 1 right" in out, out


def test_a_damaged_cards_record_is_dropped_never_a_crash(true_repo):
    state = true_repo / ".kata"
    state.mkdir()
    (state / "progress.json").write_text(
        json.dumps({"katas": {"01_double": {"hints_shown": 1}}, "cards": "garbage"})
    )
    code, out = invoke(true_repo, "quiz", "--count", "1", input="t\n")
    assert code == 0, out
    assert "concept cards' record" in out and "dropped" in out, out
    data = json.loads((state / "progress.json").read_text())
    assert data["katas"]["01_double"]["hints_shown"] == 1, "the katas' progress was lost"
    assert len(data["cards"]) == 1


def test_bad_fields_of_a_card_record_are_dropped_and_the_good_ones_kept(true_repo):
    state = true_repo / ".kata"
    state.mkdir()
    (state / "progress.json").write_text(
        json.dumps({"cards": {"true-a": {"box": "two", "seen": 3, "right": 9, "due": -1}, "x": 5}})
    )
    rec = Store(true_repo).load().cards["true-a"]
    assert (rec.box, rec.seen, rec.right, rec.due) == (0, 3, 3, 0)
    assert "x" not in Store(true_repo).load().cards
    code, out = invoke(true_repo, "cards")
    assert code == 0, out


def test_a_malformed_cards_file_is_a_clear_error(repo):
    (repo / "cards.toml").write_text('[[card]]\nid = "x"\n')
    code, out = invoke(repo, "quiz")
    assert code == 2 and "cards.toml is malformed" in out and "kata cards --check" in out, out


def test_help_shows_the_quiz_and_cards_commands():
    code, out = invoke(REPO, "--help")
    assert code == 0 and " quiz " in out and " cards " in out, out


def test_readme_states_the_schedule_and_lists_kata_quiz():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "| `kata quiz` |" in readme and "| `kata cards` |" in readme
    section = readme.split("## Concept cards", 1)[1].split("\n## ", 1)[0]
    for number in cards.INTERVALS.values():
        assert str(number) in section, f"the README's schedule omits the interval {number}"


@needs_posix_signals
def test_ctrl_c_in_a_quiz_saves_every_answer_and_leaves_no_traceback(true_repo, live):
    session = live(true_repo, "quiz", "--count", "3")
    session.wait_for("Card 1 of 3")
    session.type("t")
    session.wait_for("Card 2 of 3")
    saved = card_records(true_repo)  # saved after the card, while the quiz goes on
    assert len(saved) == 1 and next(iter(saved.values()))["right"] == 1, saved
    time.sleep(0.3)
    session.proc.send_signal(signal.SIGINT)
    assert session.finish() == 130, session.output
    assert "Traceback" not in session.output, session.output
    assert "Stopped with Ctrl-C." in session.output and "1 of 1 right" in session.output
    assert card_records(true_repo) == saved


# ----------------------------------------------------------------------------- interviews


def test_the_interview_asks_cards_before_and_between_the_katas():
    katas = [
        watch.Attempt(index.Kata(f"0{n}_k", "t", "Tensors", "m", ("a",), ("h",))) for n in (1, 2, 3)
    ]
    concepts = [watch.CardAttempt(c) for c in toy_cards(2)]
    items = watch.order(katas, concepts)
    assert [type(i).__name__[0] for i in items] == ["C", "A", "C", "A", "A"]
    assert watch.order([], concepts) == concepts
    assert watch.order(katas, []) == katas


def test_interview_rejects_a_bad_lang(repo):
    code, out = invoke(repo, "interview", "--concepts", "1", "--lang", "fr")
    assert code == 2, out


@needs_posix_signals
def test_an_interview_with_every_kata_solved_asks_concept_cards_only(true_repo, live):
    with Store(true_repo).update() as progress:
        progress.get("01_double").status = "solved"
    session = live(true_repo, "interview", "--concepts", "2", "--minutes", "5", "--seed", "3")
    session.wait_for("Question 1 of 2: concept card")
    session.type("t")
    session.wait_for("Question 2 of 2: concept card")
    session.type("f")
    assert session.finish() == 0, session.output
    out = session.output
    assert "Interview report: every question answered" in out, out
    assert "1 of 2 concept questions right" in " ".join(out.split()), out
    record = json.loads((true_repo / ".kata" / "progress.json").read_text())
    cards_ = record["interviews"][-1]["cards"]
    assert [c["result"] for c in cards_] == ["right", "wrong"], cards_
    assert {c["id"] for c in cards_} <= {"true-a", "true-b", "true-c"}
    assert sum(r["seen"] for r in record["cards"].values()) == 2, "the answers were not recorded"


@pytest.mark.slow
@needs_posix_signals
def test_interview_concepts_mixes_cards_with_the_katas_and_reports_both(true_repo, live):
    session = live(
        true_repo, "interview", "--count", "1", "--concepts", "2", "--minutes", "5", "--lang", "zh"
    )
    session.wait_for("Question 1 of 3: concept card")
    session.wait_for("的问题？")  # --lang zh: the Chinese card
    session.type("t")
    session.wait_for("Question 2 of 3: concept card")
    session.type("s")
    session.wait_for("Question 3 of 3: 01")
    shutil.copy(
        true_repo / "solutions" / "01_double" / "double.py",
        true_repo / "katas" / "01_double" / "double.py",
    )
    assert session.finish(timeout=180) == 0, session.output
    out = session.output
    flat = " ".join(out.split())
    assert "Interview report: every question answered" in out, out
    assert "1 of 1 solved, 1 of 2 concept questions right" in flat, out
    assert "skipped" in out, out
    entry = json.loads((true_repo / ".kata" / "progress.json").read_text())["interviews"][-1]
    assert entry["katas"][0]["id"] == "01_double" and entry["katas"][0]["solved"]
    assert [c["result"] for c in entry["cards"]] == ["right", "skipped"], entry
