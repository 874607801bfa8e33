"""Concept cards: the interview questions no code can test (`cards.toml`), and their check.

A card has an id, a track, the question, a model answer, two to four key facts and the
katas that show it in code, in English and Chinese; optionally a multiple-choice item
(`choices` in both languages, `key` the index of the right one) or a true/false item
(`statement` in both languages, `key` its truth value). `kata quiz` asks them in a
Leitner order (`Schedule`); `kata cards --check` proves the file sound (`check`),
including that no card repeats a wrong or outdated claim listed in `claims.toml`.

Imports nothing heavy (no torch): the CLI stays fast.
"""

from __future__ import annotations

import random
import re
import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from torchkatas import index
from torchkatas.progress import CardRecord, Progress, now

CARDS_FILE = "cards.toml"
CLAIMS_FILE = "claims.toml"
LANGS = ("en", "zh")
MIN_CARDS = 40
FACTS = (2, 4)  # key facts per card and language: at least, at most
CHOICES = (2, 6)
MAX_ANSWER = {"en": 1000, "zh": 500}  # characters: a model answer is 3-6 sentences
# the kata tracks, plus the two kinds of question that belong to no kata
TRACKS = ("Ecosystem", *index.TRACKS, "MLOps")

# The kata ids of the catalogue (../shared/KATAS.md), for a checkout that lacks it: a card
# may name a kata that has not landed yet, so katas.toml alone is too short a list.
CATALOGUE = (
    "01_tensors 02_reshape 03_autograd 04_broadcasting 05_joining 06_einsum 07_inplace "
    "08_devices_dtypes 09_sparse 10_backward_and_vjp 11_no_grad 12_custom_function "
    "13_gradcheck_anomaly 14_hooks 15_linear_regression 16_losses 17_activations "
    "18_perceptron 19_mlp 20_conv_shapes 21_conv2d_from_scratch 22_pooling "
    "23_cnn_dropout_batchnorm 24_residual_block 25_containers 26_buffers_parameters "
    "27_weight_init 28_save_load 29_reproducibility 30_dataset_collate 31_dataloader "
    "32_image_dataset 33_bilstm_packed 34_attention 35_transformer 36_tree_lstm "
    "37_gradient_descent 38_training_loop 39_optimizers 40_lr_schedulers "
    "41_gradient_clipping 42_early_stopping 43_finetune 44_multitask_loss 45_custom_loss "
    "46_overfitting 47_metrics 48_grad_accumulation 49_memory_leak 50_mixed_precision "
    "51_checkpointing 52_torch_compile 53_jit_export 54_profiler 55_benchmark "
    "56_cuda_memory 57_pinned_transfer 58_cudnn_flags 59_ddp 60_allreduce "
    "61_model_parallel 62_sharded_optimizer 63_distributed_faults 64_quantization 65_fx "
    "66_onnx 67_cpp_extension 68_serving 69_autoencoder 70_gan 71_distillation "
    "72_adversarial 73_contrastive 74_kg_embedding 75_message_passing 76_moe 77_maml "
    "78_policy_gradient 79_federated_dp 80_differentiable_rendering 81_attribution"
).split()
_CATALOGUE_ROW = re.compile(r"^\| (\d\d_[a-z0-9_]+) \|", re.MULTILINE)
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# a sentence ends at . ! ? followed by a space, at 。！？, or at a line break
_SENTENCE = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])|\n+")

CARD_FIELDS = {"id", "track", "katas", "key", "asked", *LANGS}
SIDE_FIELDS = {"question", "answer", "facts", "choices", "prompt", "statement"}
CLAIM_FIELDS = {"id", "what", "pattern", "unless", "ignore_case", "instead", "bad", "good"}


class CardsError(ValueError):
    """cards.toml or claims.toml cannot be used; the message says what to fix."""


def _flat(text: str) -> str:
    """A TOML multi-line string as one paragraph (line breaks in the file are layout)."""
    return re.sub(r"\s*\n\s*", " ", text.strip())


@dataclass(frozen=True)
class Side:
    """A card in one language."""

    question: str
    answer: str
    facts: tuple[str, ...]
    choices: tuple[str, ...] = ()
    prompt: str | None = None  # the multiple-choice stem, when it is not the question
    statement: str | None = None  # the true/false item

    def texts(self) -> list[tuple[str, str]]:
        """(field name, text) for every piece of text on this side."""
        found = [("question", self.question), ("answer", self.answer)]
        found += [(f"fact {i}", f) for i, f in enumerate(self.facts, 1)]
        found += [(f"choice {'abcdef'[i]}", c) for i, c in enumerate(self.choices)]
        found += [(name, t) for name, t in (("prompt", self.prompt), ("statement", self.statement))]
        return [(name, t) for name, t in found if t]


@dataclass(frozen=True)
class Card:
    id: str
    track: str
    katas: tuple[str, ...]
    sides: Mapping[str, Side]
    key: int | bool | None = None  # a choice's index, or a statement's truth; None: free answer
    asked: str | None = None  # where the question comes from (the audit's references)

    @property
    def kind(self) -> str:
        """ "choice", "truefalse" or "free" (the learner marks a free answer themselves)."""
        if isinstance(self.key, bool):
            return "truefalse"
        return "free" if self.key is None else "choice"

    def side(self, lang: str) -> Side:
        return self.sides[lang]


# ----------------------------------------------------------------------------- reading cards.toml


def _text(raw: Mapping[str, Any], name: str, where: str, problems: list[str]) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: the {name} is missing or empty")
        return ""
    return _flat(value)


def _texts(value: Any, name: str, where: str, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problems.append(f"{where}: {name} must be a list of non-empty texts")
        return ()
    return tuple(_flat(v) for v in value)


def _side(raw: Any, where: str, problems: list[str]) -> Side | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: missing (a [card.{where.rsplit(' ', 1)[-1]}] table)")
        return None
    unknown = raw.keys() - SIDE_FIELDS
    if unknown:
        problems.append(f"{where}: unknown field(s) {sorted(unknown)}")
    facts = _texts(raw.get("facts"), "facts", where, problems)
    if facts and not FACTS[0] <= len(facts) <= FACTS[1]:
        problems.append(f"{where}: {len(facts)} key facts; give {FACTS[0]} to {FACTS[1]}")
    choices = _texts(raw["choices"], "choices", where, problems) if "choices" in raw else ()
    prompt = _text(raw, "prompt", where, problems) if "prompt" in raw else None
    statement = _text(raw, "statement", where, problems) if "statement" in raw else None
    return Side(
        question=_text(raw, "question", where, problems),
        answer=_text(raw, "answer", where, problems),
        facts=facts,
        choices=choices,
        prompt=prompt,
        statement=statement,
    )


def _card(raw: Any, n: int, problems: list[str]) -> Card | None:
    if not isinstance(raw, dict):
        problems.append(f"{CARDS_FILE} card {n}: not a table")
        return None
    card_id = raw.get("id")
    if not isinstance(card_id, str) or not _ID.match(card_id):
        problems.append(
            f"{CARDS_FILE} card {n}: id {card_id!r} must be lower-case words joined by '-'"
        )
        card_id = f"#{n}"
    where = f"card {card_id!r}"
    unknown = raw.keys() - CARD_FIELDS
    if unknown:
        problems.append(f"{where}: unknown field(s) {sorted(unknown)}")
    track = raw.get("track")
    if track not in TRACKS:
        problems.append(f"{where}: track {track!r} is not one of {', '.join(TRACKS)}")
    katas = raw.get("katas")
    if not isinstance(katas, list) or not katas or not all(isinstance(k, str) for k in katas):
        problems.append(f"{where}: katas must list the kata ids that show it in code")
        katas = []
    elif len(set(katas)) != len(katas):
        problems.append(f"{where}: katas lists a kata twice")
    asked = raw.get("asked")
    if asked is not None and not isinstance(asked, str):
        problems.append(f"{where}: asked must be a text (where the question comes from)")
        asked = None
    sides = {lang: _side(raw.get(lang), f"{where} {lang}", problems) for lang in LANGS}
    key = raw.get("key")
    _check_item(key, sides, where, problems)
    if any(s is None for s in sides.values()):
        return None
    return Card(
        id=card_id,
        track=str(track),
        katas=tuple(katas),
        sides={lang: s for lang, s in sides.items() if s is not None},
        key=key if isinstance(key, int) else None,
        asked=asked,
    )


def _check_item(key: Any, sides: Mapping[str, Side | None], where: str, problems: list[str]):
    """The key fits the item: an index within the choices, or a boolean for a statement."""
    present = {lang: s for lang, s in sides.items() if s is not None}
    has_choices = {lang for lang, s in present.items() if s.choices}
    has_statement = {lang for lang, s in present.items() if s.statement}
    has_prompt = {lang for lang, s in present.items() if s.prompt}
    if key is None:
        if has_choices or has_statement:
            problems.append(
                f"{where}: has choices or a statement but no key (the right answer): add "
                "key = <index of the right choice, from 0> or key = true/false"
            )
        return
    if isinstance(key, bool):
        missing = [lang for lang in present if lang not in has_statement]
        if missing:
            problems.append(f"{where}: key = {str(key).lower()} needs a statement in {missing}")
        if has_choices:
            problems.append(f"{where}: a true/false key with choices: give one item, not both")
        return
    if not isinstance(key, int):
        problems.append(f"{where}: key {key!r} must be a choice's index (from 0) or true/false")
        return
    if has_statement:
        problems.append(f"{where}: a choice key with a statement: give one item, not both")
    lengths = {lang: len(s.choices) for lang, s in present.items()}
    missing = [lang for lang, length in lengths.items() if length == 0]
    if missing:
        problems.append(f"{where}: key = {key} needs choices in {missing}")
        return
    if len(set(lengths.values())) > 1:
        problems.append(f"{where}: the languages give different numbers of choices {lengths}")
    for lang, length in lengths.items():
        if not CHOICES[0] <= length <= CHOICES[1]:
            problems.append(f"{where} {lang}: {length} choices; give {CHOICES[0]} to {CHOICES[1]}")
        if not 0 <= key < length:
            problems.append(
                f"{where}: key = {key} is not an index within the {length} choices "
                f"(0 to {length - 1}) in {lang}"
            )
    if has_prompt and has_prompt != set(present):
        problems.append(f"{where}: a prompt in {sorted(has_prompt)} only; give it in both")


def parse(text: str, problems: list[str]) -> list[Card]:
    """The cards of cards.toml text; what is wrong with it is appended to `problems`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        problems.append(f"{CARDS_FILE}: {err}")
        return []
    raw = data.get("card", [])
    if not isinstance(raw, list):
        problems.append(f"{CARDS_FILE}: cards are [[card]] tables")
        return []
    cards = [card for n, r in enumerate(raw, 1) if (card := _card(r, n, problems)) is not None]
    return cards


def load(root: Path) -> list[Card]:
    """Every card of `root`/cards.toml, in file order; raises CardsError when one is malformed."""
    path = root / CARDS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CardsError(f"{path} does not exist: this checkout has no concept cards.") from None
    except (OSError, UnicodeDecodeError) as err:
        raise CardsError(f"cannot read {path}: {err}") from None
    problems: list[str] = []
    cards = parse(text, problems)
    if problems:
        shown = "\n  ".join(problems[:10])
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise CardsError(
            f"{CARDS_FILE} is malformed (`kata cards --check` lists it all):\n  {shown}{more}"
        )
    return cards


# ----------------------------------------------------------------------------- claims.toml


@dataclass(frozen=True)
class Claim:
    """A wrong or outdated claim (QUESTIONS.md section 3) that no card may repeat."""

    id: str
    what: str
    pattern: re.Pattern[str]
    instead: str
    unless: re.Pattern[str] | None = None  # a sentence matching this presents it as outdated
    bad: tuple[str, ...] = ()  # sentences the claim must catch
    good: tuple[str, ...] = ()  # sentences it must let through

    def found_in(self, text: str) -> str | None:
        """The first sentence of `text` that repeats the claim, or None."""
        for sentence in _SENTENCE.split(text):
            if self.pattern.search(sentence) and not (
                self.unless is not None and self.unless.search(sentence)
            ):
                return sentence.strip()
        return None


def load_claims(root: Path, problems: list[str]) -> list[Claim]:
    """The claims of `root`/claims.toml; what is wrong with the file goes into `problems`."""
    path = root / CLAIMS_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{CLAIMS_FILE} does not exist: the cards cannot be checked for claims")
        return []
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        problems.append(f"{CLAIMS_FILE}: {err}")
        return []
    claims = []
    for n, raw in enumerate(data.get("claim", []), 1):
        where = f"{CLAIMS_FILE} claim {raw.get('id', n)!r}" if isinstance(raw, dict) else ""
        if not isinstance(raw, dict):
            problems.append(f"{CLAIMS_FILE} claim {n}: not a table")
            continue
        unknown = raw.keys() - CLAIM_FIELDS
        missing = {"id", "what", "pattern", "instead", "bad"} - raw.keys()
        if unknown or missing:
            problems.append(
                f"{where}: "
                + "; ".join(
                    [f"unknown field(s) {sorted(unknown)}"] * bool(unknown)
                    + [f"missing field(s) {sorted(missing)}"] * bool(missing)
                )
            )
            continue
        flags = re.IGNORECASE if raw.get("ignore_case") else 0
        try:
            pattern = re.compile(raw["pattern"], flags)
            unless = re.compile(raw["unless"], flags) if raw.get("unless") else None
        except (re.error, TypeError) as err:
            problems.append(f"{where}: the pattern does not compile ({err})")
            continue
        claim = Claim(
            id=str(raw["id"]),
            what=str(raw["what"]),
            pattern=pattern,
            instead=str(raw["instead"]),
            unless=unless,
            bad=tuple(raw.get("bad", ())),
            good=tuple(raw.get("good", ())),
        )
        for sentence in claim.bad:
            if claim.found_in(sentence) is None:
                problems.append(f"{where}: its pattern misses its own example {sentence!r}")
        for sentence in claim.good:
            if claim.found_in(sentence) is not None:
                problems.append(f"{where}: its pattern flags the correct sentence {sentence!r}")
        claims.append(claim)
    ids = Counter(c.id for c in claims)
    problems += [f"{CLAIMS_FILE}: claim id {i!r} is used twice" for i, n in ids.items() if n > 1]
    if not claims:
        problems.append(f"{CLAIMS_FILE} lists no claims")
    return claims


# ----------------------------------------------------------------------------- the check


def catalogue(root: Path, katas_md: Path | None = None) -> tuple[list[str], str]:
    """The catalogue's kata ids and where they came from: ../shared/KATAS.md, else CATALOGUE."""
    path = katas_md if katas_md is not None else root.resolve().parent / "shared" / "KATAS.md"
    if path.is_file():
        ids = _CATALOGUE_ROW.findall(path.read_text(encoding="utf-8"))
        if ids:
            return ids, f"{path} ({len(ids)} katas)"
    return list(CATALOGUE), (
        f"the catalogue embedded in torchkatas/cards.py ({len(CATALOGUE)} katas; "
        f"{path} is not here)"
    )


@dataclass
class Report:
    cards: list[Card] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    source: str = ""  # where the related katas were checked against

    @property
    def per_track(self) -> dict[str, int]:
        counts = Counter(c.track for c in self.cards)
        return {t: counts[t] for t in TRACKS if counts[t]}


def check(root: Path, katas_md: Path | None = None) -> Report:
    """Everything wrong with cards.toml, against claims.toml and the kata catalogue."""
    report = Report()
    root = root.resolve()
    path = root / CARDS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        report.problems.append(f"cannot read {path}: {err}")
        return report
    report.cards = parse(text, report.problems)
    claims = load_claims(root, report.problems)
    ids, report.source = catalogue(root, katas_md)
    known = set(ids)
    if katas_md is None and root.parent.joinpath("shared", "KATAS.md").is_file():
        if set(ids) != set(CATALOGUE):
            report.problems.append(
                "torchkatas/cards.py: CATALOGUE differs from ../shared/KATAS.md "
                f"(only in KATAS.md: {sorted(known - set(CATALOGUE))}, only in CATALOGUE: "
                f"{sorted(set(CATALOGUE) - known)}): update it"
            )
    try:
        landed = {k.id for k in index.load(root)}
    except (index.IndexError_, OSError):
        landed = set()
    strays = sorted(landed - known)
    if strays:
        report.problems.append(f"katas.toml lists katas the catalogue lacks: {strays}")
    counts = Counter(c.id for c in report.cards)
    report.problems += [f"card {i!r}: the id is used {n} times" for i, n in counts.items() if n > 1]
    for card in report.cards:
        where = f"card {card.id!r}"
        unknown = [k for k in card.katas if k not in known]
        if unknown:
            report.problems.append(
                f"{where}: related kata(s) {unknown} are not in the catalogue ({report.source})"
            )
        for lang, side in card.sides.items():
            if len(side.answer) > MAX_ANSWER[lang]:
                report.problems.append(
                    f"{where} {lang}: the answer has {len(side.answer)} characters; keep it "
                    f"under {MAX_ANSWER[lang]} (3-6 sentences)"
                )
            if lang == "zh":
                for name, text in side.texts()[:2]:
                    if not _CJK.search(text):
                        report.problems.append(f"{where} zh: the {name} is not in Chinese")
            for name, text in side.texts():
                for claim in claims:
                    sentence = claim.found_in(text)
                    if sentence is not None:
                        report.problems.append(
                            f"{where} {lang} {name}: repeats the claim {claim.id!r} "
                            f"({claim.what}): {sentence!r}. Instead: {claim.instead}"
                        )
    if len(report.cards) < MIN_CARDS:
        report.problems.append(
            f"{CARDS_FILE} holds {len(report.cards)} cards; it must hold at least {MIN_CARDS}"
        )
    return report


# ----------------------------------------------------------------------------- the schedule

BOXES = 5
# a card in box b is due again once INTERVALS[b] more cards have been answered
INTERVALS = {1: 2, 2: 8, 3: 32, 4: 128, 5: 512}


def record_answer(progress: Progress, card_id: str, right: bool) -> CardRecord:
    """Move the card through the Leitner boxes: up one when right, back to box 1 when not."""
    clock = progress.card_clock + 1  # this answer counts
    rec = progress.card(card_id)
    rec.seen += 1
    rec.right += right
    rec.box = min(max(rec.box, 1) + 1, BOXES) if right else 1
    rec.due = clock + INTERVALS[rec.box]
    rec.last = "right" if right else "wrong"
    rec.when = now()
    return rec


class Schedule:
    """The order in which one quiz asks its cards (the README states the rule).

    First the cards that are due (those due longest first, then the lower box), then new
    cards in a shuffled order (seeded by `seed`), then the cards due soonest. Within one
    quiz a card answered right is not asked again; a missed one comes back once it is due
    again, after two other cards.
    """

    def __init__(self, cards: Sequence[Card], seed: int | None = None) -> None:
        self.order = list(cards)
        random.Random(seed).shuffle(self.order)
        self.position = {c.id: i for i, c in enumerate(self.order)}
        self.asked: set[str] = set()  # asked in this quiz
        self.known: set[str] = set()  # answered right in this quiz

    def mark(self, card: Card, right: bool | None) -> None:
        """`card` was asked in this quiz; right is None when it was not answered."""
        self.asked.add(card.id)
        if right:
            self.known.add(card.id)

    def next(self, records: Mapping[str, CardRecord]) -> Card | None:
        """The card to ask now, or None when none is left for this quiz."""
        clock = sum(r.seen for r in records.values())

        def seen(card: Card) -> CardRecord | None:
            rec = records.get(card.id)
            return rec if rec is not None and rec.seen > 0 else None

        def when(card: Card) -> tuple[int, int, int]:
            rec = records[card.id]
            return rec.due, rec.box, self.position[card.id]

        reviews = [c for c in self.order if seen(c) and c.id not in self.known]
        due = [c for c in reviews if records[c.id].due <= clock]
        if due:
            return min(due, key=when)
        new = [c for c in self.order if not seen(c) and c.id not in self.asked]
        if new:
            return new[0]
        later = [c for c in reviews if c.id not in self.asked]
        return min(later, key=when) if later else None

    def plan(self, records: Mapping[str, CardRecord], count: int) -> list[Card]:
        """`count` different cards in the order a quiz would ask them (for an interview)."""
        picks: list[Card] = []
        while len(picks) < count and (card := self.next(records)) is not None:
            picks.append(card)
            self.mark(card, True)
        return picks
