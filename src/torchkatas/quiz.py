"""`kata quiz`: the concept cards (cards.toml), asked in a Leitner order.

A multiple-choice or true/false item is graded exactly (the learner types a letter, or t or
f); a free question shows the model answer and its key facts, and the learner marks
themselves (y or n). Every answer is saved in `.kata/progress.json` at once, so Ctrl-C
(exit code 130) or the end of input loses nothing. Answers are read a line at a time from
stdin; `kata interview --concepts K` asks the same cards through watch.py's `Keys`.
"""

from __future__ import annotations

import contextlib
import re
import signal
import sys
import threading
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderResult
from rich.markup import escape
from rich.text import Text

from torchkatas import index
from torchkatas.cards import INTERVALS, Card, Schedule, record_answer
from torchkatas.progress import CardRecord, Progress, Store

INTERRUPTED = 130
LETTERS = "abcdef"

TEXT = {
    "en": {
        "card": "Card {n} of {count}",
        "new": "new",
        "box": "box {box}",
        "choice_prompt": "Your answer ({first}-{last}; Enter: I don't know; q: quit):",
        "tf_prompt": "True or false? (t/f; Enter: I don't know; q: quit):",
        "free_prompt": "Answer it aloud or on paper, then press Enter for the model answer "
        "(q: quit):",
        "self_prompt": "Did you know it? (y/n; q: quit):",
        "invalid_choice": "Type a letter from {first} to {last}, Enter if you do not know, or q.",
        "invalid_tf": "Type t (true) or f (false), Enter if you do not know, or q.",
        "invalid_self": "Type y if you knew it, n if not, or q.",
        "statement": "True or false:",
        "right": "✓ Right.",
        "wrong_choice": "✗ Not this time: the answer is {letter}) {choice}",
        "wrong_tf": "✗ Not this time: the statement is {truth}.",
        "true": "true",
        "false": "false",
        "known": "✓ Marked as known.",
        "missed": "✗ Marked to come back soon.",
        "answer": "Model answer",
        "facts": "Key facts",
        "in_code": "In code:",
        "not_landed": "not in this checkout yet",
        "next_due": "Box {box}: it comes back after {n} more cards.",
        "none_left": "No more cards for this quiz: each one left is answered for now.",
        "stopped": "Stopped with Ctrl-C.",
        "ended": "End of input.",
        "quit": "Quiz ended.",
        "summary": "{right} of {asked} right in this quiz.",
        "missed_list": "Coming back soon: {ids}.",
        "deck": "Your cards: {seen} of {total} seen, {known} in box 3 or higher. "
        "Your answers are saved; `kata quiz` goes on from here.",
    },
    "zh": {
        "card": "第 {n} 张，共 {count} 张",
        "new": "新卡片",
        "box": "第 {box} 盒",
        "choice_prompt": "你的答案（{first}-{last}；直接回车：不知道；q：退出）：",
        "tf_prompt": "对还是错？（t/f；直接回车：不知道；q：退出）：",
        "free_prompt": "请口头或在纸上作答，然后按回车查看参考答案（q：退出）：",
        "self_prompt": "你答对了吗？（y/n；q：退出）：",
        "invalid_choice": "请输入 {first} 到 {last} 之间的字母，不知道就直接回车，或输入 q。",
        "invalid_tf": "请输入 t（对）或 f（错），不知道就直接回车，或输入 q。",
        "invalid_self": "答对了输入 y，没答对输入 n，或输入 q。",
        "statement": "判断对错：",
        "right": "✓ 回答正确。",
        "wrong_choice": "✗ 这次没答对：正确答案是 {letter}) {choice}",
        "wrong_tf": "✗ 这次没答对：这个说法是{truth}的。",
        "true": "对",
        "false": "错",
        "known": "✓ 已标记为掌握。",
        "missed": "✗ 已标记，稍后再问。",
        "answer": "参考答案",
        "facts": "要点",
        "in_code": "对应的 kata：",
        "not_landed": "本仓库中尚未提供",
        "next_due": "第 {box} 盒：再答 {n} 张卡片后会再次出现。",
        "none_left": "本次测验没有更多卡片了：剩下的卡片暂时都已答过。",
        "stopped": "已用 Ctrl-C 停止。",
        "ended": "输入已结束。",
        "quit": "测验结束。",
        "summary": "本次测验答对 {right} 题，共 {asked} 题。",
        "missed_list": "稍后会再问：{ids}。",
        "deck": "你的卡片：共 {total} 张，已答过 {seen} 张，{known} 张在第 3 盒或更高。"
        "答案已保存；再次运行 `kata quiz` 会从这里继续。",
    },
}


def text(lang: str, key: str, **values: object) -> str:
    return TEXT[lang][key].format(**values)


class Quit(Exception):
    """The learner typed q."""


class EndOfInput(Exception):
    """stdin ended (a pipe, /dev/null): the quiz stops cleanly."""


@contextlib.contextmanager
def holding_interrupts() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done, then interrupt: a save is never lost."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    saved = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):
            saved[sig] = signal.signal(sig, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    if caught:
        raise KeyboardInterrupt


def save_answer(store: Store, card: Card, right: bool) -> CardRecord:
    """Record one answer in progress.json now (a Ctrl-C meanwhile waits for it)."""
    with holding_interrupts(), store.update() as progress:
        return record_answer(progress, card.id, right)


# ----------------------------------------------------------------------------- what is shown

_CJK = "\u2e80-\u9fff\u3000-\u303f\uff00-\uffef"
_TOKEN = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+|\s+")
_NO_LINE_START = set("，。、；：！？）》」』”’")


def wrap(paragraph: str, width: int) -> list[str]:
    """Lines of at most `width` cells, breaking between words and between Chinese characters.

    (rich breaks only at spaces, so a Chinese paragraph would wrap at its few Latin words.)
    Closing punctuation never starts a line: it takes the character before it along.
    """
    lines: list[list[str]] = [[]]
    for token in _TOKEN.findall(paragraph):
        line = lines[-1]
        if token.isspace():
            if line:
                line.append(" ")
            continue
        if line and cell_len("".join(line) + token) > width:
            while line and line[-1] == " ":
                line.pop()
            carried = [line.pop()] if token in _NO_LINE_START and len(line) > 1 else []
            lines.append(carried)
            line = lines[-1]
        line.append(token)
    return ["".join(line).rstrip() for line in lines]


class Paragraph:
    """Text wrapped by `wrap` to the width it is given (for English and Chinese alike)."""

    def __init__(self, text: str, style: str = "", indent: int = 0) -> None:
        self.text, self.style, self.indent = text, style, indent

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width - self.indent, 10)
        for line in wrap(self.text, width):
            yield Text(" " * self.indent + line, style=self.style, no_wrap=True, overflow="fold")


def status(rec: CardRecord | None, lang: str) -> str:
    if rec is None or rec.seen == 0:
        return text(lang, "new")
    return text(lang, "box", box=rec.box)


def question_view(card: Card, lang: str) -> Group:
    """The question, and the item to answer: lettered choices, or the statement."""
    side = card.side(lang)
    parts: list[Paragraph] = [Paragraph(side.question, style="bold")]
    if card.kind == "choice":
        if side.prompt:
            parts.append(Paragraph(side.prompt))
        for letter, choice in zip(LETTERS, side.choices, strict=False):
            parts.append(Paragraph(f"{letter}) {choice}", indent=2))
    elif card.kind == "truefalse":
        gap = "" if lang == "zh" else " "
        parts.append(Paragraph(f"{text(lang, 'statement')}{gap}{side.statement}"))
    return Group(*parts)


def reveal_view(card: Card, lang: str, landed: Collection[str]) -> Group:
    """The model answer, its key facts, and the katas that show it in code."""
    side = card.side(lang)
    parts: list[Text | Paragraph] = [
        Text(text(lang, "answer"), style="bold cyan"),
        Paragraph(side.answer, indent=2),
        Text(text(lang, "facts"), style="bold cyan"),
    ]
    parts += [Paragraph(f"• {fact}", indent=2) for fact in side.facts]
    line = Text(text(lang, "in_code") + ("" if lang == "zh" else " "), style="dim")
    for i, kata_id in enumerate(card.katas):
        if i:
            line.append(", ", style="dim")
        line.append(kata_id, style="bold" if kata_id in landed else "dim")
        if kata_id not in landed:
            line.append(f" ({text(lang, 'not_landed')})", style="dim")
    parts.append(line)
    return Group(*parts)


def verdict(card: Card, lang: str, right: bool) -> Text:
    """What an exactly graded answer gets: right, or the right answer."""
    if right:
        return Text(text(lang, "right"), style="bold green")
    side = card.side(lang)
    if card.kind == "choice":
        assert isinstance(card.key, int)
        line = text(lang, "wrong_choice", letter=LETTERS[card.key], choice=side.choices[card.key])
    else:
        line = text(lang, "wrong_tf", truth=text(lang, "true" if card.key else "false"))
    return Text(line, style="bold red")


def grade(card: Card, reply: str) -> bool | None:
    """True or False for an item's reply ("" counts as not known); None when it is no answer."""
    reply = reply.strip().lower()
    if reply == "":
        return False
    if card.kind == "choice":
        letters = LETTERS[: len(card.side("en").choices)]
        if len(reply) == 1 and reply in letters:
            return letters.index(reply) == card.key
        return None
    if card.kind == "truefalse":
        if reply in ("t", "true"):
            return card.key is True
        if reply in ("f", "false"):
            return card.key is False
        return None
    raise ValueError(f"card {card.id!r} has no item to grade")


def self_mark(reply: str) -> bool | None:
    reply = reply.strip().lower()
    if reply in ("y", "yes"):
        return True
    if reply in ("n", "no"):
        return False
    return None


def item_keys(card: Card) -> str:
    """The single keys that answer a card's item in an interview (besides s and q)."""
    if card.kind == "choice":
        return LETTERS[: len(card.side("en").choices)]
    return "tf" if card.kind == "truefalse" else "yn"


# ----------------------------------------------------------------------------- the quiz


@dataclass
class Session:
    """One `kata quiz`: what was asked and how it went."""

    asked: list[tuple[Card, bool]] = field(default_factory=list)

    @property
    def right(self) -> int:
        return sum(right for _, right in self.asked)


class Prompter:
    """Reads the learner's answers a line at a time."""

    def __init__(self, out: Console, stream: IO[str] | None) -> None:
        self.out = out
        self.stream = stream

    def _echoes(self) -> bool:
        try:
            return self.stream is not None and self.stream.isatty()
        except (AttributeError, ValueError, OSError):
            return False

    def ask(self, prompt: str) -> str:
        self.out.print(Text(prompt, style="bold"), end=" ")
        try:
            line = self.stream.readline() if self.stream is not None else ""
        except (OSError, ValueError):  # closed or unreadable stdin: no more answers
            line = ""
        if line == "":
            self.out.print()
            raise EndOfInput
        line = line.strip()
        if not self._echoes():  # a pipe: show what was read, as a terminal would
            self.out.print(Text(line), highlight=False)
        if line.lower() == "q":
            raise Quit
        return line


def _ask_card(
    card: Card, lang: str, prompter: Prompter, out: Console, landed: Collection[str]
) -> bool:
    """Ask one card; True when the learner got it (graded, or marked by themselves)."""
    out.print(question_view(card, lang))
    if card.kind == "free":
        prompter.ask(text(lang, "free_prompt"))
        out.print(reveal_view(card, lang, landed))
        while (right := self_mark(prompter.ask(text(lang, "self_prompt")))) is None:
            out.print(text(lang, "invalid_self"), style="yellow")
        out.print(Text(text(lang, "known" if right else "missed"), style="bold"))
        return right
    letters = item_keys(card)
    if card.kind == "choice":
        prompt = text(lang, "choice_prompt", first=letters[0], last=letters[-1])
        invalid = text(lang, "invalid_choice", first=letters[0], last=letters[-1])
    else:
        prompt, invalid = text(lang, "tf_prompt"), text(lang, "invalid_tf")
    while (graded := grade(card, prompter.ask(prompt))) is None:
        out.print(invalid, style="yellow")
    out.print(verdict(card, lang, graded))
    out.print(reveal_view(card, lang, landed))
    return graded


def quiz(
    root: Path,
    deck: Sequence[Card],
    katas: Sequence[index.Kata],
    count: int,
    lang: str,
    seed: int | None,
    out: Console,
    stream: IO[str] | None = None,
    store: Store | None = None,
) -> int:
    """Ask up to `count` cards of `deck`; returns the exit code (130 after Ctrl-C)."""
    store = Store(root) if store is None else store
    schedule = Schedule(deck, seed)
    landed = {k.id for k in katas}
    prompter = Prompter(out, sys.stdin if stream is None else stream)
    session = Session()
    code, ended = 0, None
    # Ctrl-C raises KeyboardInterrupt even where a shell started us with SIGINT ignored
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for n in range(1, count + 1):
            records = store.load().cards
            card = schedule.next(records)
            if card is None:
                out.print(text(lang, "none_left"))
                break
            head = f"{text(lang, 'card', n=n, count=count)} · {card.track} · "
            head += f"{status(records.get(card.id), lang)} · {card.id}"
            out.rule(escape(head), align="left")
            right = _ask_card(card, lang, prompter, out, landed)
            rec = save_answer(store, card, right)
            schedule.mark(card, right)
            session.asked.append((card, right))
            out.print(text(lang, "next_due", box=rec.box, n=INTERVALS[rec.box]), style="dim")
    except Quit:
        ended = text(lang, "quit")
    except EndOfInput:
        ended = text(lang, "ended")
    except KeyboardInterrupt:
        out.print()
        ended, code = text(lang, "stopped"), INTERRUPTED
    out.print(summary(session, store.load(), deck, lang, ended))
    return code


def summary(
    session: Session, progress: Progress, deck: Sequence[Card], lang: str, ended: str | None
) -> Group:
    lines: list[Text] = []
    if ended:
        lines.append(Text(ended, style="bold"))
    lines.append(
        Text(text(lang, "summary", right=session.right, asked=len(session.asked)), style="bold")
    )
    last = {card.id: right for card, right in session.asked}  # a card's latest answer
    missed = [card_id for card_id, right in last.items() if not right]
    if missed:
        lines.append(Text(text(lang, "missed_list", ids=", ".join(missed))))
    records = [progress.cards.get(card.id) for card in deck]
    seen = sum(1 for r in records if r is not None and r.seen)
    known = sum(1 for r in records if r is not None and r.box >= 3)
    lines.append(Text(text(lang, "deck", seen=seen, total=len(deck), known=known), style="dim"))
    return Group(*lines)
