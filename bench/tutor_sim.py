"""Simulated learners: keystrokes until every letter reaches the target speed.

Usage: python bench/tutor_sim.py [--seeds 20] [--models power,exponential]
       [--typists beginner,experienced] [--policies bartype,keybr,words] [--jobs 2]

Compares three ways of choosing practice text on the same simulated typists
(same seed, same keys, same learning rules):

* ``bartype``: :class:`bartype.core.tutor.Tutor`, driven only through its entry
  point (``next_text`` / ``record`` with ``(key, t_ms)`` pairs).
* ``keybr``: keybr.com's guided lesson, ported from its source
  (``keybr-lesson/lib/guided.ts``, ``keybr-result/lib/keystats.ts``,
  ``keybr-textinput/lib/histogram.ts``, ``keybr-phonetic-model``): 6 letters
  in frequency order, the next one included only when every included letter's
  best filtered confidence is at least 1, the least confident one focused
  (every word contains it), natural words containing the focus when at least
  15 exist (else padded with phonetic pseudo-words), lessons of 100 letters.
  ``keybr-recover`` is the same with its ``recoverKeys`` setting (current
  rather than best confidence).
* ``words``: random words of the 1,000 most common (a plain typing test).

Two learner models, of different shapes, each with a beginner and an
experienced typist; a policy sees only the keys and their times.

``power``: a letter's time to type falls with practice by a power law,
``T(n) = floor + (start - floor) * (1 + n / 10) ** -0.5``; ``start`` grows
with the key's difficulty (row, finger, and a random part). Errors fall
with skill (13 % for a new key, 1 % at the floor). Intervals are lognormal
(sigma 0.3) around ``T``, with rare pauses of 2-6 s. Interference: a press
teaches ``1 / (1 + 0.25 * (m - 1))`` of a normal press, where ``m`` is how
many not-yet-learned letters the lesson holds (a learned letter counts 0, a
new one 1): many new keys at once are harder to learn.

``exponential``: skill ``s`` approaches 1 exponentially (each press adds
``r * (1 - s)``, ``r`` smaller for harder keys). The interval before a key
mixes in the previous key (30 %) and is 25 % longer after the same finger;
hesitations of mean 600 ms come more often the less a key is known (a heavy
tail, not lognormal noise); errors ``2 % + 20 % * (1 - s) ** 2``.
Interference is per finger: a press teaches less the more other unlearned
letters of the same finger the lesson holds.

A beginner starts every letter slow (about 1.1 s times its difficulty); an
experienced typist knows every letter unevenly (between about 0.7 and 1.4
times the target time, the harder keys slower).

The run ends when the simulator's *true* time to type of every letter is at
or under the target (175 cpm, 343 ms): the policy's own belief does not
count. Keystrokes count every key pressed: letters, spaces, wrong keys and
Backspaces. ``tail`` is the share of the keystrokes spent after 25 of the
26 letters had reached the target (a letter left behind shows as a long tail).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bartype.core.analyzer import Effect, IncrementalAnalyzer  # noqa: E402
from bartype.core.keystrokes import keystrokes_from_key  # noqa: E402
from bartype.core.layouts import LAYOUTS, Finger, Row  # noqa: E402
from bartype.core.ngram import LetterModel, practice_form  # noqa: E402
from bartype.core.tutor import Tutor  # noqa: E402
from bartype.storage.corpus import TextLibrary, default_texts_root  # noqa: E402

TARGET_CPM = 175.0
TARGET_MS = 60_000.0 / TARGET_CPM
Keys = list[tuple[str, float]]

# --- learners ----------------------------------------------------------------

ROW_FACTOR = {Row.HOME: 1.0, Row.TOP: 1.12, Row.BOTTOM: 1.25, Row.NUMBER: 1.4}
FINGER_FACTOR = {
    Finger.LEFT_INDEX: 1.0,
    Finger.RIGHT_INDEX: 1.0,
    Finger.LEFT_MIDDLE: 1.05,
    Finger.RIGHT_MIDDLE: 1.05,
    Finger.LEFT_RING: 1.15,
    Finger.RIGHT_RING: 1.15,
    Finger.LEFT_PINKY: 1.3,
    Finger.RIGHT_PINKY: 1.3,
    Finger.THUMB: 1.0,
}


def difficulties(letters: Sequence[str], rng: random.Random) -> dict[str, float]:
    """Per letter: row and finger factors on QWERTY times a random part (sigma 0.15)."""
    layout = LAYOUTS["qwerty"]
    out: dict[str, float] = {}
    for ch in letters:
        pos = layout.position(ch)
        base = 1.5 if pos is None else ROW_FACTOR[pos.row] * FINGER_FACTOR[pos.finger]
        out[ch] = base * math.exp(rng.gauss(0.0, 0.15))
    return out


class Learner:
    """A simulated typist: types a text, learns from it, and knows its true speeds."""

    keystrokes = 0

    def __init__(self, letters: Sequence[str], experienced: bool, rng: random.Random) -> None:
        self.letters = list(letters)
        self.rng = rng
        self.difficulty = difficulties(letters, rng)
        self.finger = {ch: LAYOUTS["qwerty"].finger(ch) for ch in letters}
        self.start = {ch: 1100.0 * d for ch, d in self.difficulty.items()}
        # An experienced typist's first times: around the target, harder keys slower.
        self.initial = {
            ch: TARGET_MS * d * math.exp(rng.gauss(-0.25, 0.12))
            for ch, d in self.difficulty.items()
        }
        self.experienced = experienced

    def true_ms(self, ch: str) -> float:
        raise NotImplementedError

    def type_text(self, text: str) -> Keys:
        raise NotImplementedError

    def done(self) -> int:
        """Letters at or under the target time."""
        return sum(1 for ch in self.letters if self.true_ms(ch) <= TARGET_MS)

    def _wrong_key(self, ch: str, text: str) -> str:
        other = self.rng.choice(text.replace(" ", "") or "x")
        return other if other != ch else ("x" if ch != "x" else "z")


class PowerLawLearner(Learner):
    """Power-law practice curve, lognormal intervals, interference by new letters in a lesson."""

    FLOOR = 120.0
    C = 10.0
    BETA = 0.5
    SIGMA = 0.3
    GAMMA = 0.25

    def __init__(self, letters: Sequence[str], experienced: bool, rng: random.Random) -> None:
        super().__init__(letters, experienced, rng)
        self.practice: dict[str, float] = {}
        for ch in letters:
            if experienced:
                ratio = (self.initial[ch] - self.FLOOR) / (self.start[ch] - self.FLOOR)
                self.practice[ch] = self.C * (ratio ** (-1 / self.BETA) - 1)
            else:
                self.practice[ch] = 0.0

    def true_ms(self, ch: str) -> float:
        start = self.start[ch]
        return self.FLOOR + (start - self.FLOOR) * (1 + self.practice[ch] / self.C) ** -self.BETA

    def _novelty(self, ch: str) -> float:
        start = self.start[ch]
        return min(1.0, max(0.0, (self.true_ms(ch) - TARGET_MS) / (start - TARGET_MS)))

    def type_text(self, text: str) -> Keys:
        rng = self.rng
        present = {ch for ch in text if ch != " "}
        load = sum(self._novelty(ch) for ch in present)
        rate = 1.0 / (1.0 + self.GAMMA * max(0.0, load - 1.0))
        keys: Keys = []
        t = 0.0
        sigma = self.SIGMA
        shift = -sigma * sigma / 2
        for ch in text:
            if ch == " ":
                t += 200.0 * math.exp(rng.gauss(-0.02, 0.2))
                keys.append((ch, t))
                continue
            mean = self.true_ms(ch)
            if rng.random() < 0.003:
                t += rng.uniform(2000.0, 6000.0)
            error = 0.01 + 0.12 * (mean - self.FLOOR) / (self.start[ch] - self.FLOOR)
            if rng.random() < error:
                t += mean * math.exp(rng.gauss(shift, sigma))
                keys.append((self._wrong_key(ch, text), t))
                t += 250.0 * math.exp(rng.gauss(0.0, 0.2))
                keys.append(("Backspace", t))
            t += mean * math.exp(rng.gauss(shift, sigma))
            keys.append((ch, t))
            self.practice[ch] += rate
        self.keystrokes += len(keys)
        return keys


class ExponentialLearner(Learner):
    """Exponential approach to skill, context-dependent intervals, per-finger interference."""

    FLOOR = 150.0
    RATE = 0.012
    HESITATION_MS = 600.0
    GAMMA = 0.5

    def __init__(self, letters: Sequence[str], experienced: bool, rng: random.Random) -> None:
        super().__init__(letters, experienced, rng)
        self.skill: dict[str, float] = {}
        for ch in letters:
            if experienced:
                own = self.initial[ch]
                # Solve own + hesitation(s) = initial for s, roughly: hesitations are small here.
                s = (self.start[ch] - own) / (self.start[ch] - self.FLOOR)
                self.skill[ch] = min(0.99, max(0.0, s))
            else:
                self.skill[ch] = 0.0

    def _own_ms(self, ch: str) -> float:
        s = self.skill[ch]
        return self.start[ch] * (1 - s) + self.FLOOR * s

    def true_ms(self, ch: str) -> float:
        s = self.skill[ch]
        return self._own_ms(ch) + 0.1 * (1 - s) * self.HESITATION_MS

    def type_text(self, text: str) -> Keys:
        rng = self.rng
        present = {ch for ch in text if ch != " "}
        unlearned: dict[Finger | None, int] = {}
        for ch in present:
            if self.skill[ch] < 0.6:
                unlearned[self.finger[ch]] = unlearned.get(self.finger[ch], 0) + 1
        keys: Keys = []
        t = 0.0
        previous = " "
        for ch in text:
            if ch == " ":
                t += 200.0 * math.exp(rng.gauss(-0.02, 0.2))
                keys.append((ch, t))
                previous = ch
                continue
            s = self.skill[ch]
            own = self._own_ms(ch)
            before = 200.0 if previous == " " else self._own_ms(previous)
            interval = 0.7 * own + 0.3 * before
            if previous != " " and self.finger[previous] is self.finger[ch] and previous != ch:
                interval *= 1.25
            interval *= math.exp(rng.gauss(-0.005, 0.1))
            if rng.random() < 0.1 * (1 - s):
                interval += rng.expovariate(1.0 / self.HESITATION_MS)
            if rng.random() < 0.02 + 0.2 * (1 - s) ** 2:
                t += interval
                keys.append((self._wrong_key(ch, text), t))
                t += 250.0 * math.exp(rng.gauss(0.0, 0.2))
                keys.append(("Backspace", t))
                interval = own
            t += interval
            keys.append((ch, t))
            others = unlearned.get(self.finger[ch], 0) - (1 if s < 0.6 else 0)
            rate = self.RATE / self.difficulty[ch] / (1.0 + self.GAMMA * max(0, others))
            self.skill[ch] = s + rate * (1 - s)
            previous = ch
        self.keystrokes += len(keys)
        return keys


MODELS: dict[str, type[Learner]] = {"power": PowerLawLearner, "exponential": ExponentialLearner}

# --- policies ----------------------------------------------------------------


class Policy:
    def next_text(self) -> str:
        raise NotImplementedError

    def record(self, text: str, keys: Keys) -> None:
        """Nothing to learn (random words)."""


class BartypePolicy(Policy):
    def __init__(self, words: Sequence[str], seed: int) -> None:
        self.tutor = Tutor(words, seed=seed)

    def next_text(self) -> str:
        return self.tutor.next_text()

    def record(self, text: str, keys: Keys) -> None:
        self.tutor.record(text, keys)


class RandomWordsPolicy(Policy):
    def __init__(self, words: Sequence[str], seed: int) -> None:
        self.words = [practice_form(w) for w in words if w.isalpha()]
        self.rng = random.Random(seed)

    def next_text(self) -> str:
        out: list[str] = []
        letters = 0
        while letters < 100:
            word = self.rng.choice(self.words)
            if out and word == out[-1]:
                continue
            out.append(word)
            letters += len(word)
        return " ".join(out)


class KeybrPhonetic:
    """keybr's ``PhoneticModel.nextWord``: a random focused prefix, then the order-4 chain.

    The transition rows come from the same weighted word list as BARtype's
    model (keybr's own tables are built the same way from its dictionary).
    """

    MIN_LENGTH = 3
    MAX_LENGTH = 10

    def __init__(self, model: LetterModel) -> None:
        self.model = model
        # PrefixList: prefixes of 1-3 letters reachable from a word start, listed
        # under their last letter once per distinct letter they hold (as keybr does).
        self.prefixes: dict[str, list[str]] = {ch: [] for ch in model.letters}

        def walk(word: str) -> None:
            for ch in self._row(word):
                if ch == "$":
                    continue
                grown = word + ch
                for _ in set(grown):
                    self.prefixes[ch].append(grown)
                if len(grown) < self.MIN_LENGTH:
                    walk(grown)

        walk("")

    def _row(self, word: str) -> dict[str, float]:
        """The table segment for the last three letters (keybr has no back-off)."""
        return dict(self.model.row(("^" + word)[-3:]))

    def next_word(self, included: frozenset[str], focus: str | None, rng: random.Random) -> str:
        if focus is not None:
            prefixes = [p for p in self.prefixes[focus] if all(c in included for c in p)]
            if not prefixes:
                prefixes = [focus]
        else:
            prefixes = []
        attempt = 0
        word = ""

        def retry() -> bool:
            nonlocal attempt, word
            if attempt < 5:
                attempt += 1
                word = rng.choice(prefixes) if prefixes else ""
                return True
            return False

        retry()
        while True:
            entries = self._entries(word, included)
            if not entries:
                if retry():
                    continue
                return word
            ch = _weighted_choice(entries, rng)
            if ch == "$":
                return word
            if len(word) > self.MAX_LENGTH:
                if retry():
                    continue
                return word
            word += ch

    def _entries(self, word: str, included: frozenset[str]) -> list[tuple[str, float]]:
        """The letters that may follow ``word`` (``$``: the end, likelier as it grows)."""
        entries: list[tuple[str, float]] = []
        for ch, f in self._row(word).items():
            if ch == "$":
                if len(word) < self.MIN_LENGTH:
                    continue
                f *= 1.3 ** len(word)
            elif ch not in included:
                continue
            entries.append((ch, f))
        return entries


def _weighted_choice(entries: list[tuple[str, float]], rng: random.Random) -> str:
    """One of ``entries`` drawn with its weight (keybr's roulette: one draw, in order)."""
    pick = rng.random() * sum(f for _, f in entries)
    for candidate, f in entries:
        pick -= f
        if pick <= 0:
            return candidate
    return entries[-1][0]


@dataclass
class KeybrKey:
    samples: int = 0
    filtered: float | None = None
    best: float | None = None


class KeybrPolicy(Policy):
    """keybr.com's guided lesson with its default settings (or ``recoverKeys``)."""

    def __init__(self, words: Sequence[str], seed: int, recover_keys: bool = False) -> None:
        self.model = LetterModel.from_words(words)
        self.letters = self.model.letters
        self.phonetic = KeybrPhonetic(self.model)
        self.dictionary = [w for w in (practice_form(x) for x in words) if len(w) > 2]
        self.dictionary = [w for w in dict.fromkeys(self.dictionary) if w.isalpha()]
        self.rng = random.Random(seed)
        self.recover = recover_keys
        self.keys = {ch: KeybrKey() for ch in self.letters}
        self.included: list[str] = []
        self.focus: str | None = None
        self._update()

    def _confidence(self, ch: str) -> float:
        k = self.keys[ch]
        value = k.filtered if self.recover else k.best
        return 0.0 if value is None else TARGET_MS / value

    def _update(self) -> None:
        included: list[str] = []
        for ch in self.letters:  # guided.ts update(), alphabetSize 0
            if len(included) < 6 or self._confidence(ch) >= 1:
                included.append(ch)
            elif all(self._confidence(k) >= 1 for k in included):
                included.append(ch)
        self.included = included
        weak = sorted((k for k in included if self._confidence(k) < 1), key=self._confidence)
        self.focus = weak[0] if weak else None

    def next_text(self) -> str:
        included = frozenset(self.included)
        focus = self.focus
        words = [
            w
            for w in self.dictionary
            if (focus is None or focus in w) and all(c in included for c in w)
        ][:1000]
        while len(words) < 15:
            word = self.phonetic.next_word(included, focus, self.rng)
            if not word:
                break
            words.append(word)
        if not words:
            words = ["?"]
        out: list[str] = []
        letters = 0
        last = ""
        while letters < 100:
            for _ in range(3):  # uniqueWords
                word = self.rng.choice(words)
                if word != last:
                    break
            last = word
            out.append(word)
            letters += len(word)
        return " ".join(out)

    def record(self, text: str, keys: Keys) -> None:
        # Steps as keybr's text input makes them (stop on error: a character is
        # a step when typed right; it is a typo if a wrong key came first).
        analyzer = IncrementalAnalyzer(text)
        steps: list[tuple[str, float, bool]] = []
        typo = False
        for name, t in keys:
            for key in keystrokes_from_key(name, t):
                outcome = analyzer.apply(key)
                if outcome.effect not in (Effect.TYPED, Effect.COMMITTED):
                    continue
                if outcome.correct and outcome.expected is not None:
                    steps.append((outcome.expected, t, typo))
                    typo = False
                else:
                    typo = True
        # Histogram.from(steps.slice(1)): the trigger step is ignored.
        times: dict[str, list[float]] = {}
        last: float | None = None
        for ch, t, was_typo in steps[1:]:
            if not was_typo and last is not None and t - last > 0:
                times.setdefault(ch, []).append(t - last)
            times.setdefault(ch, [])
            last = t
        for ch, values in times.items():
            if ch not in self.keys or not values:
                continue
            mean = round(sum(values) / len(values))
            if not 40 <= mean <= 12_000:  # validateSample
                continue
            k = self.keys[ch]
            k.samples += 1
            k.filtered = mean if k.filtered is None else 0.1 * mean + 0.9 * k.filtered
            k.best = k.filtered if k.best is None else min(k.best, k.filtered)
        self._update()


def make_policy(name: str, words: Sequence[str], seed: int) -> Policy:
    if name == "bartype":
        return BartypePolicy(words, seed)
    if name == "keybr":
        return KeybrPolicy(words, seed)
    if name == "keybr-recover":
        return KeybrPolicy(words, seed, recover_keys=True)
    if name == "words":
        return RandomWordsPolicy(words, seed)
    raise SystemExit(f"unknown policy {name!r}")


# --- running -----------------------------------------------------------------


@dataclass
class Run:
    keystrokes: int
    finished: bool
    tail: float
    last_letter: str
    lessons: int


def simulate(
    model: str, experienced: bool, policy_name: str, seed: int, words: Sequence[str], cap: int
) -> Run:
    """One learner (fixed by the seed) practising with one policy until every letter is done."""
    letters = LetterModel.from_words(words).letters
    learner = MODELS[model](letters, experienced, random.Random(seed))
    policy = make_policy(policy_name, words, seed)
    at_25: int | None = None
    lessons = 0
    while learner.keystrokes < cap:
        text = policy.next_text()
        keys = learner.type_text(text)
        policy.record(text, keys)
        lessons += 1
        done = learner.done()
        if done >= len(letters) - 1 and at_25 is None:
            at_25 = learner.keystrokes
        if done == len(letters):
            break
    finished = learner.done() == len(letters)
    total = learner.keystrokes
    last = max(letters, key=lambda ch: learner.true_ms(ch) / TARGET_MS)
    tail = 0.0 if at_25 is None else (total - at_25) / total
    return Run(total, finished, tail, last, lessons)


def _job(args: tuple[str, bool, str, int, int]) -> tuple[tuple[str, bool, str], int, Run]:
    model, experienced, policy, seed, cap = args
    return (
        (model, experienced, policy),
        seed,
        simulate(model, experienced, policy, seed, WORDS, cap),
    )


WORDS: list[str] = []


def _init() -> None:
    global WORDS
    WORDS = TextLibrary(default_texts_root()).words("english_1k")


def _quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], statistics.median(values), q[2]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--models", default="power,exponential")
    parser.add_argument("--typists", default="beginner,experienced")
    parser.add_argument("--policies", default="bartype,keybr,keybr-recover,words")
    parser.add_argument("--cap", type=int, default=600_000, help="keystrokes before giving up")
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)
    models = args.models.split(",")
    typists = args.typists.split(",")
    policies = args.policies.split(",")
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    jobs = [
        (m, ty == "experienced", p, s, args.cap)
        for m in models
        for ty in typists
        for p in policies
        for s in seeds
    ]
    started = time.perf_counter()
    results: dict[tuple[str, bool, str], dict[int, Run]] = {}
    mapper: Callable[..., object]
    if args.jobs > 1:
        pool = ProcessPoolExecutor(args.jobs, initializer=_init)
        mapper = pool.map
    else:
        _init()
        mapper = map
    for key, seed, run in mapper(_job, jobs):  # type: ignore[attr-defined]
        results.setdefault(key, {})[seed] = run
    elapsed = time.perf_counter() - started
    print(f"{len(seeds)} seeds, target {TARGET_CPM:g} cpm, {elapsed:.0f} s")
    print(f"(a run unfinished at {args.cap:,} keystrokes counts as the cap in ratios)\n")
    header = (
        "| model | typist | policy | keystrokes q1 / median / q3 | vs keybr (median of ratios)"
        " | seeds ahead of keybr | unfinished | tail median | last letter (most often) |"
    )
    print(header)
    print("|" + "---|" * 9)
    for m in models:
        for ty in typists:
            base = results.get((m, ty == "experienced", "keybr"), {})
            for p in policies:
                runs = results[(m, ty == "experienced", p)]
                ks = [r.keystrokes for r in runs.values()]
                q1, med, q3 = _quartiles(ks)
                if base:
                    ratios = [runs[s].keystrokes / base[s].keystrokes for s in runs]
                    r1, rmed, r3 = _quartiles(ratios)
                    ratio = f"{rmed:.2f} ({r1:.2f}-{r3:.2f})"
                    ahead = sum(1 for x in ratios if x < 1)
                    ahead_s = f"{ahead}/{len(ratios)}"
                else:
                    ratio = ahead_s = "-"
                unfinished = sum(1 for r in runs.values() if not r.finished)
                tail = statistics.median(r.tail for r in runs.values())
                lasts = [r.last_letter for r in runs.values()]
                common = max(set(lasts), key=lasts.count)

                def shown(value: float, cap: int = args.cap) -> str:
                    return f"≥{cap:,}" if value >= cap else f"{value:,.0f}"

                print(
                    f"| {m} | {ty} | {p} | {shown(q1)} / {shown(med)} / {shown(q3)} | {ratio} | "
                    f"{ahead_s} | {unfinished} | {tail:.0%} | {common} |"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
