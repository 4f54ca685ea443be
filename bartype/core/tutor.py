"""The adaptive tutor: per-key profiles and the policy that chooses what to practise.

A script drives it without any screen::

    tutor = Tutor(words, language="english", seed=7)
    text = tutor.next_text()                 # a lesson made of unlocked letters
    tutor.record(text, [("t", 0), ("h", 180.5), ...])   # what was typed, ms since start
    tutor.state()                            # unlocked letters, focus, speed per key
    saved = tutor.to_json()                  # and Tutor.from_json(saved, words) later

The policy (docs/tutor.md explains it and how it differs from keybr's):

* **Profile.** For each letter, the time to type it is the interval from the
  keystroke before it, over presses right the first time (a position where a
  wrong key was pressed first counts as a miss for the letter it should have
  been, and is not timed, as in keybr). Intervals over 3 s are pauses, not
  typing, and are dropped. Each lesson's mean goes through keybr's
  exponential filter (``value = a * mean + (1 - a) * value``): once per
  lesson with ``a = 0.1``, the first value as is, for the speed keybr would
  show; and once per timed press with ``a = 0.05``, normalised by the weight
  seen so far (so one lucky first press is not taken for a long history),
  for the speed the policy decides with, because a key improves with each
  press, not with each lesson.
* **Readiness.** ``confidence = target time / time to type`` (keybr's); a
  letter is *ready* when its confidence is at least 1, its accuracy at least
  the floor, and it has at least ``MIN_TIMED`` timed presses.
* **Unlocking.** The first letters (most frequent first) are unlocked from the
  start. The next letter unlocks when every unlocked one is close to ready
  (``CLOSE``; keybr waits for all to be ready). Until it has been typed, a new
  letter counts as ready as the unlocked letters were when first typed: for a
  beginner, far from it, so letters come one at a time; for a typist who
  already knew the first letters, close, so several unlock at once.
* **Focus and text.** The focus is the least ready unlocked letter. Each word
  of a lesson (real words of the list made of unlocked letters, and
  pseudo-words from :class:`~bartype.core.ngram.LetterModel` leaning toward
  weak letters) is drawn with a weight that grows with the practice it gives
  where it is needed: the sum over its letters of how far each is from ready,
  per keystroke.

Pure: no I/O, no clock, randomness from the seed.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, fields, replace
from typing import Any

from bartype.core.key_profile import ACCURACY_DECAY, KEYBR_ALPHA, PRESS_ALPHA, KeyProfile
from bartype.core.key_times import first_presses
from bartype.core.keystrokes import keystrokes_from_key
from bartype.core.lesson_words import Candidate, candidate, compose, real_words
from bartype.core.ngram import LetterModel
from bartype.core.normalize import normalize_text
from bartype.core.records import frozen
from bartype.core.tutor_goal import (
    DEFAULT_MIN_ACCURACY,
    DEFAULT_TARGET_CPM,
    MIN_ACCURACY_RANGE,
    TARGET_CPM_RANGE,
)
from bartype.core.tutor_state import CLOSE, KeyState, TutorState

__all__ = [
    "ACCURACY_DECAY",
    "CLOSE",
    "KEYBR_ALPHA",
    "PRESS_ALPHA",
    "DEFAULT_MIN_ACCURACY",
    "DEFAULT_TARGET_CPM",
    "MIN_ACCURACY_RANGE",
    "TARGET_CPM_RANGE",
    "KeyProfile",
    "KeyState",
    "Tutor",
    "TutorError",
    "TutorSettings",
    "TutorState",
]

FORMAT_VERSION = 1

MIN_TIMED = 5
"""A letter needs this many timed presses before it can count as ready."""
DEFAULT_LOG_VAR = 0.3**2
"""Spread of log intervals assumed before a letter has been timed twice in a lesson."""
PSEUDO_WORDS = 40
"""Pseudo-words drawn for each lesson."""
MAX_REAL_WORDS = 1000
"""Real words considered per lesson, most common first (keybr takes 1,000)."""


class TutorError(ValueError):
    """Settings or saved data the tutor cannot use; the message says what to fix."""


@frozen
class TutorSettings:
    """What the learner can configure.

    ``target_cpm`` and ``first_letters`` are keybr's (175 characters a minute,
    6 letters). ``alphabet_size`` is keybr's too: the share of the remaining
    letters unlocked from the start (1.0 starts with every letter).
    ``natural_words`` mixes real words into the pseudo-words.
    ``lesson_letters`` is the number of letters in a lesson, spaces not
    counted (keybr's 100).
    """

    target_cpm: float = DEFAULT_TARGET_CPM
    min_accuracy: float = DEFAULT_MIN_ACCURACY
    first_letters: int = 6
    alphabet_size: float = 0.0
    natural_words: bool = True
    lesson_letters: int = 100

    def __post_init__(self) -> None:
        low, high = TARGET_CPM_RANGE
        if not low <= self.target_cpm <= high:
            raise TutorError(f"target speed {self.target_cpm} cpm: choose {low:g}-{high:g} cpm.")
        low, high = MIN_ACCURACY_RANGE
        if not low <= self.min_accuracy <= high:
            raise TutorError(f"accuracy floor {self.min_accuracy}: choose {low:g}-{high:g}.")
        if not 1 <= self.first_letters <= 100:
            raise TutorError(f"first letters {self.first_letters}: choose 1-100.")
        if not 0.0 <= self.alphabet_size <= 1.0:
            raise TutorError(f"alphabet size {self.alphabet_size}: choose 0.0-1.0.")
        if not 10 <= self.lesson_letters <= 2000:
            raise TutorError(f"lesson length {self.lesson_letters}: choose 10-2000 letters.")

    @property
    def target_ms(self) -> float:
        """Time to type one key at the target speed."""
        return 60_000.0 / self.target_cpm


class Tutor:
    """Adaptive practice for one language and keyboard layout.

    Args:
        words: the language's word list, most common first (e.g. from
            :meth:`bartype.storage.corpus.TextLibrary.words`).
        language, layout: names the profile belongs to (stored, not interpreted).
        seed: makes every lesson reproducible: lesson ``n`` of a seed is
            always the same text for the same profile.
        settings: target speed, accuracy floor, letters to start with...
    """

    def __init__(
        self,
        words: Sequence[str],
        *,
        language: str = "english",
        layout: str = "qwerty",
        seed: int = 0,
        settings: TutorSettings | None = None,
    ) -> None:
        self.language = language
        self.layout = layout
        self.seed = seed
        self.settings = settings or TutorSettings()
        try:
            self.model = LetterModel.from_words(words)
        except ValueError:
            raise TutorError("The word list has no words made of letters.") from None
        self.letters: tuple[str, ...] = self.model.letters
        self._alphabet = frozenset(self.letters)
        self._real = [candidate(w) for w in real_words(words)]
        self._real_cache: tuple[frozenset[str], list[Candidate]] | None = None
        self.profiles: dict[str, KeyProfile] = {ch: KeyProfile() for ch in self.letters}
        self.lessons = 0
        self._unlocked: list[str] = []
        self._update_unlocked()

    def retarget(self, target_cpm: float, min_accuracy: float) -> None:
        """Aim at another target speed and accuracy floor from now on (the learner's
        settings changed); letters already unlocked stay unlocked.

        Raises:
            TutorError: a value out of its range (``TARGET_CPM_RANGE``...).
        """
        self.settings = replace(self.settings, target_cpm=target_cpm, min_accuracy=min_accuracy)
        self._update_unlocked()

    # --- reading the state ------------------------------------------------

    @property
    def unlocked(self) -> tuple[str, ...]:
        """Unlocked letters, in the order they were unlocked."""
        return tuple(self._unlocked)

    def confidence(self, letter: str) -> float:
        """keybr's confidence (target time / time to type) at the policy's speed; 0 if untimed."""
        recent = self.profiles[letter].recent_ms
        return 0.0 if not recent else self.settings.target_ms / recent

    def readiness(self, letter: str) -> float:
        """How close a letter is to ready, 0-1 (1 = ready).

        The lower of its confidence and its accuracy measured the same way:
        the errors allowed (``1 - min_accuracy``) over the errors made.
        """
        value = min(1.0, self._standing(letter))
        if self.profiles[letter].timed < MIN_TIMED:
            value = min(value, 0.99)
        return value

    def _standing(self, letter: str) -> float:
        """Readiness before it is capped at 1 (1.2: 20 % faster than needed)."""
        profile = self.profiles[letter]
        if profile.timed == 0:
            return 0.0
        allowed_errors = 1.0 - self.settings.min_accuracy
        errors = 1.0 - profile.accuracy
        accuracy = math.inf if errors <= 0 else allowed_errors / errors
        return min(self.confidence(letter), accuracy)

    def uncertainty(self, letter: str) -> float:
        """Relative standard error of the policy's time to type (0.1 = 10 %)."""
        profile = self.profiles[letter]
        spread = DEFAULT_LOG_VAR if profile.log_var is None else profile.log_var
        # The filter averages about ``recent_weight`` presses (an upper bound on its error).
        return math.sqrt(spread / max(profile.recent_weight, 1.0))

    def is_ready(self, letter: str) -> bool:
        """Fast enough, accurate enough, and measured often enough."""
        return self.readiness(letter) >= 1.0

    @property
    def focus(self) -> str | None:
        """The least ready unlocked letter (ties: the more frequent one)."""
        if not self._unlocked:
            return None
        order = {ch: i for i, ch in enumerate(self.letters)}
        return min(
            self._unlocked,
            key=lambda ch: (self.readiness(ch), self.confidence(ch), order[ch]),
        )

    def state(self) -> TutorState:
        """Unlocked letters, the focus, and every letter's speed and confidence."""
        unlocked = set(self._unlocked)
        keys: dict[str, KeyState] = {}
        for ch in self.letters:
            p = self.profiles[ch]
            keys[ch] = KeyState(
                letter=ch,
                unlocked=ch in unlocked,
                speed_cpm=None if not p.recent_ms else round(60_000 / p.recent_ms, 1),
                keybr_cpm=None if not p.filtered_ms else round(60_000 / p.filtered_ms, 1),
                confidence=round(self.confidence(ch), 3),
                accuracy=round(p.accuracy, 3),
                presses=p.hits + p.misses,
                readiness=round(self.readiness(ch), 3),
                ready=self.is_ready(ch),
            )
        locked = [ch for ch in self.letters if ch not in unlocked]
        return TutorState(
            letters=self.letters,
            unlocked=self.unlocked,
            focus=self.focus,
            next_letter=locked[0] if locked else None,
            keys=keys,
            lessons=self.lessons,
            target_cpm=self.settings.target_cpm,
            min_accuracy=self.settings.min_accuracy,
        )

    # --- recording what was typed -------------------------------------------

    def record(self, text: str, keys: Iterable[tuple[str, float]]) -> None:
        """Learn from one typed text: ``keys`` are ``(key, t_ms)`` pairs as in INPUT_UPDATE.

        ``key`` is the typed character, ``"Backspace"`` or ``"CtrlBackspace"``;
        ``t_ms`` milliseconds on any clock, never decreasing. Any text counts
        (a lesson, or a normal test): only letters of this language are profiled.
        """
        normalized = normalize_text(text)
        if not normalized:
            return
        hits: dict[str, int] = {}
        misses: dict[str, int] = {}
        times: dict[str, list[float]] = {}
        alphabet = self._alphabet
        strokes = (key for name, t in keys for key in keystrokes_from_key(name, float(t)))
        for press in first_presses(normalized, strokes):
            ch = press.expected
            if ch not in alphabet:
                continue
            if not press.hit:
                misses[ch] = misses.get(ch, 0) + 1
                continue
            hits[ch] = hits.get(ch, 0) + 1
            if press.interval_ms is not None:
                times.setdefault(ch, []).append(press.interval_ms)
        for ch in set(hits) | set(misses):
            self.profiles[ch].add_lesson(hits.get(ch, 0), misses.get(ch, 0), times.get(ch, ()))
        self.lessons += 1
        self._update_unlocked()

    # --- the policy ---------------------------------------------------------

    def _expected_first_readiness(self) -> float:
        """How ready a letter is likely to be when first typed: as the unlocked ones were."""
        target = self.settings.target_ms
        first = [
            min(1.0, target / p.first_ms)
            for ch in self._unlocked
            if (p := self.profiles[ch]).first_ms
        ]
        return statistics.median(first) if first else 0.0

    def _update_unlocked(self) -> None:
        """Unlock letters as the rules allow; an unlocked letter stays unlocked."""
        settings = self.settings
        forced = max(
            settings.first_letters,
            settings.first_letters
            + round((len(self.letters) - settings.first_letters) * settings.alphabet_size),
        )
        unlocked = self._unlocked
        for ch in self.letters[:forced]:
            if ch not in unlocked:
                unlocked.append(ch)
        for ch in self.letters:  # a letter already fast (from other tests) is in
            if ch not in unlocked and self.is_ready(ch):
                unlocked.append(ch)
        if not unlocked:
            return
        weakest = min(self.readiness(ch) for ch in unlocked)
        expected = self._expected_first_readiness()
        for ch in self.letters:
            if ch in unlocked:
                continue
            if weakest < CLOSE:  # keybr's rule is the case weakest >= 1
                break
            unlocked.append(ch)
            # Until it is typed, a new letter is as ready as new letters were.
            weakest = min(weakest, expected)

    def _needs(self) -> dict[str, float]:
        """How much each unlocked letter needs practice: its expected distance from ready.

        The expected shortfall ``E[max(0, 1 - readiness)]`` with the readiness
        known to within its standard error, so a letter measured just over the
        target still gets some practice: it may well be under. A letter timed
        fewer than ``MIN_TIMED`` times needs at least the share still unmeasured.
        """
        needs: dict[str, float] = {}
        for ch in self._unlocked:
            timed = self.profiles[ch].timed
            r = self._standing(ch)
            shortfall = _expected_shortfall(1.0 - r, r * self.uncertainty(ch)) if timed else 1.0
            # A letter timed only a few times is not known yet: measure it first.
            needs[ch] = max(shortfall, 1.0 - timed / MIN_TIMED)
        return needs

    def _real_candidates(self, unlocked: frozenset[str]) -> list[Candidate]:
        cached = self._real_cache
        if cached is not None and cached[0] == unlocked:
            return cached[1]
        found: list[Candidate] = []
        if self.settings.natural_words:
            for cand in self._real:
                if all(ch in unlocked for ch, _ in cand.counts):
                    found.append(cand)
                    if len(found) >= MAX_REAL_WORDS:
                        break
        self._real_cache = (unlocked, found)
        return found

    def next_text(self, variant: int = 0) -> str:
        """The next lesson: words of unlocked letters, weighted toward the weak ones.

        The same profile always gives the same lesson; ``variant`` (1, 2...) gives
        other lessons for it, for a typist who skips one without typing it.
        """
        seed: int | str = self.seed * 1_000_003 + self.lessons
        if variant:
            seed = f"{self.seed}:{self.lessons}:{variant}"
        rng = random.Random(seed)
        unlocked = frozenset(self._unlocked)
        needs = self._needs()
        focus = self.focus
        boost = {ch: 1.0 + 4.0 * n for ch, n in needs.items()}
        pool = list(self._real_candidates(unlocked))
        known = {c.word for c in pool}
        half = PSEUDO_WORDS // 2
        pseudo = self.model.words(rng, unlocked, half, boost=boost, containing=focus)
        pseudo += self.model.words(rng, unlocked, half, boost=boost)
        for word in pseudo:
            if word not in known:
                known.add(word)
                pool.append(candidate(word))
        if not pool:  # a language whose first letters make no word: single letters
            pool = [candidate(ch) for ch in sorted(unlocked)]
        return " ".join(compose(pool, needs, rng, self.settings.lesson_letters))

    # --- saving and restoring ----------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Everything needed to carry on later, as JSON-ready data."""
        return {
            "version": FORMAT_VERSION,
            "language": self.language,
            "layout": self.layout,
            "seed": self.seed,
            "lessons": self.lessons,
            "settings": asdict(self.settings),
            "unlocked": list(self._unlocked),
            "keys": {ch: asdict(p) for ch, p in self.profiles.items() if p.hits or p.misses},
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], words: Sequence[str]) -> Tutor:
        """A tutor restored from :meth:`to_json`'s data and the same word list."""
        if not isinstance(data, Mapping) or data.get("version") != FORMAT_VERSION:
            raise TutorError(
                f"Saved tutor data is not version {FORMAT_VERSION}; start a new profile."
            )
        try:
            settings = TutorSettings(**dict(data["settings"]))
            tutor = cls(
                words,
                language=str(data["language"]),
                layout=str(data["layout"]),
                seed=int(data["seed"]),
                settings=settings,
            )
            tutor.lessons = int(data["lessons"])
            names = {f.name for f in fields(KeyProfile)}
            unmeasured = {f.name for f in fields(KeyProfile) if f.default is None}
            for ch, raw in dict(data["keys"]).items():
                if ch not in tutor.profiles or set(raw) != names:
                    raise TutorError(f"saved key {ch!r} does not fit this word list")
                bad = [
                    name
                    for name, value in raw.items()
                    if not (_stored_number(value) or (value is None and name in unmeasured))
                ]
                if bad:
                    raise TutorError(f"saved key {ch!r} has unusable {', '.join(sorted(bad))}")
                tutor.profiles[ch] = KeyProfile(**raw)
            saved = [str(ch) for ch in data["unlocked"]]
        except TutorError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise TutorError(f"Saved tutor data is damaged ({exc}); start a new profile.") from None
        unknown = [ch for ch in saved if ch not in tutor.profiles]
        if unknown:
            raise TutorError(f"Saved letters {unknown} are not in this word list.")
        tutor._unlocked = saved
        tutor._update_unlocked()
        return tutor


def _stored_number(value: object) -> bool:
    """A saved profile's count or time: a finite number, not negative."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value) and value >= 0


def _expected_shortfall(mean: float, sd: float) -> float:
    """``E[max(0, X)]`` for ``X`` normal with this mean and standard deviation."""
    if sd <= 0:
        return max(0.0, mean)
    z = mean / sd
    cdf = 0.5 * (1 + math.erf(z / math.sqrt(2)))
    pdf = math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    return mean * cdf + sd * pdf
