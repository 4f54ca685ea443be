"""What a test is: one ``Mode`` enum, one options value with its limits and defaults,
and the ``TestLabel`` results are stored and compared under.

Everything else derives from here: the protocol's ``CREATE_SESSION`` is a
:class:`TestOptions`, the settings file keeps one, the command line and the menu offer
its modes and limits, and the handler and the client label results with
:meth:`TestOptions.label_for`. A new mode is a new ``Mode`` member, its row in
:data:`MODE_RULES`, and a text generator.
"""

from __future__ import annotations

from enum import StrEnum

from bartype.core.records import frozen

__all__ = [
    "DEFAULT_CODE",
    "DEFAULT_DURATION_S",
    "DEFAULT_LANGUAGE",
    "DEFAULT_LAYOUT",
    "DEFAULT_QUOTE_LENGTH",
    "DEFAULT_WORDS",
    "MAX_DURATION_S",
    "MAX_WORDS",
    "MIN_DURATION_S",
    "MODES",
    "MODE_RULES",
    "QUOTE_LENGTHS",
    "Mode",
    "ModeRules",
    "TestLabel",
    "TestOptions",
]


class Mode(StrEnum):
    """Kinds of test, by the names the protocol, the settings and the command line use."""

    TIME = "time"
    """Type for a number of seconds."""
    WORDS = "words"
    """Type a number of generated words."""
    QUOTE = "quote"
    """Type one quote."""
    CUSTOM = "custom"
    """Type a text of the typist's own."""
    ZEN = "zen"
    """Type freely until the typist ends it."""
    CODE = "code"
    """Type code snippets, line breaks and all."""
    ADAPTIVE = "adaptive"
    """Practise the letters the tutor chose from the typist's profile (docs/tutor.md)."""
    BIGRAMS = "bigrams"
    """Practise words holding the typist's slowest bigrams, from the local history."""
    LESSON = "lesson"
    """Type a lesson's drill for a keyboard layout (``bartype.core.lessons``)."""


@frozen
class ModeRules:
    """What a mode takes and how its test ends."""

    generated_words: bool
    """Its text is drawn from a word list: language, punctuation and numbers apply."""
    needs_text: bool
    """The client must send the text (there is nothing to generate it from)."""
    savable: bool
    """The settings file may hold it as the default test."""
    finish_line: bool
    """The test ends where its text ends (so it can be raced)."""
    from_profile: bool = False
    """Its text is made by the client from the typist's own data (the tutor's profile, the
    history's slowest bigrams), per language: the language applies, and the text is one
    typist's, not one to race on."""


MODE_RULES: dict[Mode, ModeRules] = {
    Mode.TIME: ModeRules(generated_words=True, needs_text=False, savable=True, finish_line=False),
    Mode.WORDS: ModeRules(generated_words=True, needs_text=False, savable=True, finish_line=True),
    Mode.QUOTE: ModeRules(generated_words=False, needs_text=False, savable=True, finish_line=True),
    Mode.CUSTOM: ModeRules(generated_words=False, needs_text=True, savable=False, finish_line=True),
    Mode.ZEN: ModeRules(generated_words=False, needs_text=False, savable=True, finish_line=False),
    Mode.CODE: ModeRules(generated_words=False, needs_text=False, savable=True, finish_line=True),
    Mode.ADAPTIVE: ModeRules(
        generated_words=False, needs_text=True, savable=True, finish_line=True, from_profile=True
    ),
    Mode.BIGRAMS: ModeRules(
        generated_words=False, needs_text=True, savable=False, finish_line=True, from_profile=True
    ),
    Mode.LESSON: ModeRules(
        generated_words=False, needs_text=False, savable=False, finish_line=True
    ),
}

MODES: tuple[str, ...] = tuple(mode.value for mode in Mode)
"""Every mode's name, in menu order."""

QUOTE_LENGTHS = ("short", "medium", "long", "any")
"""Quote length classes by character count (<=100, <=300, >300), and any of them."""

MIN_DURATION_S = 1.0
MAX_DURATION_S = 3600.0
MAX_WORDS = 1000

DEFAULT_DURATION_S = 30.0
DEFAULT_WORDS = 25
DEFAULT_LANGUAGE = "english"
DEFAULT_CODE = "python"
DEFAULT_LAYOUT = "qwerty"
DEFAULT_QUOTE_LENGTH = "medium"
"""What the menu offers first; a request that names no length gets any quote."""


@frozen
class TestLabel:
    """What a result is filed and compared under: personal bests are per label.

    ``mode2`` is Monkeytype's: the mode's parameter ("30", "25", a quote's id, a code
    language). ``language`` is set only for generated word tests; ``options`` names their
    text options ("punctuation numbers"); ``text_id`` says which text it was where one is
    known ("quote:17", "custom:<digest>").
    """

    __test__ = False  # not a test class, whatever pytest thinks of the name

    mode: str
    mode2: str = ""
    language: str | None = None
    text_id: str | None = None
    options: str = ""


@frozen
class TestOptions:
    """The options of one test: ``CREATE_SESSION``'s fields, with their defaults.

    ``None`` for ``duration``, ``words``, ``quote_length``, ``code`` and ``lesson`` means
    "the default" (see :attr:`duration_s`, :attr:`word_count`); ``text`` overrides
    generation in any mode but zen; ``seed`` makes a generated text reproducible.
    ``layout`` is the typist's keyboard layout and ``lesson`` the number of the lesson
    a lesson test drills.
    """

    __test__ = False  # not a test class, whatever pytest thinks of the name

    mode: str = Mode.TIME
    duration: float | None = None
    words: int | None = None
    quote_length: str | None = None
    language: str = DEFAULT_LANGUAGE
    punctuation: bool = False
    numbers: bool = False
    seed: int | None = None
    code: str | None = None
    text: str | None = None
    layout: str = DEFAULT_LAYOUT
    lesson: int | None = None

    @property
    def rules(self) -> ModeRules:
        """The rules of this test's mode."""
        return MODE_RULES[Mode(self.mode)]

    @property
    def duration_s(self) -> float:
        """The length of a timed test, in seconds."""
        return DEFAULT_DURATION_S if self.duration is None else self.duration

    @property
    def word_count(self) -> int:
        """The length of a words test, in words."""
        return DEFAULT_WORDS if self.words is None else self.words

    @property
    def lesson_number(self) -> int:
        """The lesson a lesson test drills (the first by default)."""
        return 1 if self.lesson is None else self.lesson

    @property
    def code_language(self) -> str:
        """The programming language of a code test."""
        return self.code or DEFAULT_CODE

    @property
    def text_options(self) -> str:
        """The text options as a label: "", "punctuation", "numbers" or both.

        Only generated word tests (time, words) have such options.
        """
        if self.mode not in MODES or not self.rules.generated_words:
            return ""
        named = (("punctuation", self.punctuation), ("numbers", self.numbers))
        return " ".join(name for name, on in named if on)

    @property
    def label(self) -> str:
        """A short description: "time 30", "words 25", "quote medium", "code python"."""
        if self.mode == Mode.TIME:
            return f"time {self.duration_s:g}"
        if self.mode == Mode.WORDS:
            return f"words {self.word_count}"
        if self.mode == Mode.QUOTE:
            return f"quote {self.quote_length or 'any'}"
        if self.mode == Mode.CODE:
            return f"code {self.code_language}"
        if self.mode == Mode.LESSON:
            return f"lesson {self.lesson_number} {self.layout}"
        return str(self.mode)

    def label_for(self, text_id: str | None, word_count: int | None = None) -> TestLabel:
        """The label a result of this test is kept under.

        ``text_id`` is where the text came from (the text source's id); ``word_count``
        is how many words a words test really had (a text sent for it may differ).
        """
        mode = Mode(self.mode)
        if mode is Mode.TIME:
            mode2 = f"{self.duration_s:g}"
        elif mode is Mode.WORDS:
            mode2 = str(word_count if word_count is not None else self.word_count)
        elif mode is Mode.QUOTE:
            mode2 = (text_id or "").removeprefix("quote:")
        elif mode is Mode.CODE:
            mode2 = self.code or ""
        elif mode is Mode.LESSON:
            mode2 = f"{self.layout} {self.lesson_number}"
        else:
            mode2 = ""
        rules = self.rules
        language = self.language if rules.generated_words or rules.from_profile else None
        return TestLabel(str(mode), mode2, language, text_id, self.text_options)

    def problems(self) -> list[str]:
        """What is wrong with these options, in words (empty if they make a test)."""
        found: list[str] = []
        if self.mode not in MODES:
            found.append(f"mode must be one of {', '.join(MODES)}")
            return found
        if self.duration is not None and not MIN_DURATION_S <= self.duration <= MAX_DURATION_S:
            found.append(f"duration must be {MIN_DURATION_S:g} to {MAX_DURATION_S:g} seconds")
        if self.words is not None and not 1 <= self.words <= MAX_WORDS:
            found.append(f"words must be 1 to {MAX_WORDS}")
        if self.quote_length is not None and self.quote_length not in QUOTE_LENGTHS:
            found.append(f"quote length must be one of {', '.join(QUOTE_LENGTHS)}")
        if self.rules.needs_text and self.text is None:
            found.append(f"{self.mode} mode needs the text to type")
        return found
