"""What ``bartype play`` does with the local history: drills, the tutor, lessons, results.

Most tests get their text from the handler. Two modes make it here, from the
local history: a bigram drill (the typist's slowest bigrams) and an adaptive
lesson (the tutor's next text, the tutor loaded from the history's profile of
the language and layout, and saved back after each test it learns from: every
test typed in that language). A lesson's
result is judged here by its pass rule and its progress counted in the
history, and a result typed against a server is kept here too (its history is
not ours). No Textual: ``PlayController`` calls it; the history is read and
written in threads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bartype.core.options import Mode, TestLabel
from bartype.core.records import frozen
from bartype.tui.attempt import Attempt, TestSpec
from bartype.tui.notice import Notice

if TYPE_CHECKING:
    from bartype.core.lessons import Lesson
    from bartype.core.tutor import Tutor, TutorState
    from bartype.storage.drills import DrillSource
    from bartype.storage.tutor_profiles import LoadedTutor
    from bartype.tui.result_view import ResultView


@frozen
class Prepared:
    """The options a test is asked for with, and the tutor's state for an adaptive lesson."""

    options: TestSpec
    tutor_state: TutorState | None = None


@frozen
class LessonOutcome:
    """What one finished lesson came to."""

    lesson: Lesson
    verdict: str
    """"passed", or what was missing, in words."""
    passed: bool
    next: Lesson | None
    """The lesson to type next when this one was passed."""

    @property
    def headline(self) -> str:
        """A line for the results: "passed ✓ · tab: lesson 2, top row"."""
        if self.passed and self.next is not None:
            return f"{self.verdict}  ·  tab: lesson {self.next.number}, {self.next.title}"
        return self.verdict


def record_lesson_result(
    history_path: Path | None,
    layout_name: str,
    number: int,
    *,
    wpm: float,
    accuracy: float,
    completed: bool,
) -> LessonOutcome:
    """Judge a finished lesson by its pass rule and count it in the local history (thread)."""
    from bartype.core.layouts import layout
    from bartype.core.lessons import lesson, lessons, next_lesson

    board = layout(layout_name)
    item = lesson(board, number)
    passed = item.rule.passed(wpm, accuracy, completed)
    passed_before: set[int] = set()
    if history_path is not None:
        from bartype.storage.history import History

        with History(history_path) as history:
            history.record_lesson(layout_name, number, wpm=wpm, accuracy=accuracy, passed=passed)
            progress = history.lesson_progress(layout_name)
        passed_before = {n for n, record in progress.items() if record.passed}
    if passed:
        passed_before.add(number)
    later = [x for x in lessons(board) if x.number > number]
    following = next_lesson(later, passed_before) if passed else None
    return LessonOutcome(item, item.rule.verdict(wpm, accuracy, completed), passed, following)


class Practice:
    """One typist's local history, as play uses it: drills and the tutor made from it,
    lessons' verdicts and a server's results kept in it.

    Args:
        history_path: the local history (``None``: a new tutor each time, nothing kept).
        on_notice: called (on the event loop) with what the typist should be told.
    """

    def __init__(self, history_path: Path | None, on_notice: Callable[[Notice], None]) -> None:
        self.history_path = history_path
        self.on_notice = on_notice
        self.tutor: Tutor | None = None
        """Adaptive practice's tutor for the language in use, loaded on the first lesson."""
        self.lessons_skipped = 0
        """Lessons made since the tutor last learnt one: the next is another variant."""
        self._drill_sources: dict[str, DrillSource] = {}
        """What bigram drills are made from, per language, read on the first drill."""
        self.goal: Callable[[], tuple[float, float] | None] = lambda: None
        """The typist's target speed (cpm) and accuracy floor (0-1) now (``None``: each
        profile's own); the app gives it from the settings."""

    async def prepare(
        self, spec: TestSpec, options: TestSpec, show: Callable[[str], None]
    ) -> Prepared | None:
        """The options to ask for ``spec`` with: a drill or a lesson made here for the
        modes whose text the client makes (None: it cannot be made, ``show`` said why)."""
        tutor = None
        if spec.mode == "bigrams" and options.text is None:
            drill = await self._bigram_drill(spec, options.seed, show)
            if drill is None:
                return None
            options = replace(options, text=drill)
        elif spec.mode == Mode.ADAPTIVE:
            tutor = await self._tutor_for(spec, show)
            if tutor is None:
                return None
            if options.text is None:  # a new lesson; "same text" brings its own
                options = replace(options, text=tutor.next_text(self.lessons_skipped))
                self.lessons_skipped += 1
        return Prepared(options, tutor.state() if tutor is not None else None)

    async def _tutor_for(self, spec: TestSpec, show: Callable[[str], None]) -> Tutor | None:
        """The tutor of the test's language, from the local history (None: it cannot be had,
        and ``show`` said why)."""
        from bartype.storage.tutor_profiles import profile_language

        # One profile per language and the typist's own layout (a Dvorak typist's is Dvorak's).
        language, layout = profile_language(spec.language), spec.layout
        tutor, goal = self.tutor, self.goal()
        if tutor is not None and (tutor.language, tutor.layout) == (language, layout):
            if goal is not None:
                tutor.retarget(*goal)  # the menu may have changed it
            return tutor
        self.lessons_skipped = 0
        try:
            loaded = await asyncio.to_thread(self._load_tutor, language, layout, spec.seed, goal)
        except Exception as error:  # an unknown language, an unusable history...
            show(f"Cannot start adaptive practice: {error} Press esc for the menu.")
            return None
        if loaded.problem is not None:
            self.on_notice(Notice(f"{loaded.problem}: a new profile starts.", severity="warning"))
        if loaded.past_tests:
            self.on_notice(
                Notice(
                    f"Your {language} profile starts from {loaded.past_tests} "
                    f"test{'s' if loaded.past_tests > 1 else ''} you typed before.",
                    timeout=6,
                )
            )
        self.tutor = loaded.tutor
        return loaded.tutor

    async def _bigram_drill(
        self, spec: TestSpec, seed: int | None, show: Callable[[str], None]
    ) -> str | None:
        """A drill of the typist's slowest bigrams (None: none yet, and ``show`` said so).
        The history is read once per language; each drill is new (its seed)."""
        import random

        from bartype.core.drills import bigram_drill
        from bartype.storage.corpus import TextLibrary, default_texts_root
        from bartype.storage.drills import load_drill_source

        source = self._drill_sources.get(spec.language)
        if source is None:
            library = TextLibrary(default_texts_root())
            try:
                source = await asyncio.to_thread(
                    load_drill_source, self.history_path, library, spec.language
                )
            except Exception as error:  # an unknown language, an unusable history...
                show(f"Cannot make a bigram drill: {error} Press esc for the menu.")
                return None
            self._drill_sources[spec.language] = source
        drill = bigram_drill(source.words, source.bigrams, random.Random(seed))
        if drill is None:
            show(
                "No slow bigrams to drill yet: type a few tests first (bartype stats shows "
                "them once they are measured). Press esc for the menu."
            )
        return drill

    def _load_tutor(
        self, language: str, layout: str, seed: int | None, goal: tuple[float, float] | None
    ) -> LoadedTutor:
        """Read the language's words and its stored profile (thread)."""
        from bartype.core.tutor import Tutor
        from bartype.storage.corpus import TextLibrary, default_texts_root
        from bartype.storage.history import History
        from bartype.storage.tutor_profiles import LoadedTutor, aimed, load_tutor, practice_words

        words = practice_words(TextLibrary(default_texts_root()), language)
        if self.history_path is None:
            tutor = Tutor(words, language=language, layout=layout, seed=seed or 0)
            return LoadedTutor(aimed(tutor, goal))
        with History(self.history_path) as history:
            return load_tutor(
                history, words, language=language, layout=layout, seed=seed, goal=goal
            )

    async def judge_lesson(
        self, attempt: Attempt, view: ResultView
    ) -> tuple[ResultView, int | None]:
        """Count a finished lesson in the local history; its verdict heads the results.
        Returns the view and the number of the lesson to go on to (once this one passed)."""
        from bartype.core.session import SessionState

        spec = attempt.spec
        try:
            outcome = await asyncio.to_thread(
                record_lesson_result,
                self.history_path,
                spec.layout,
                spec.lesson_number,
                wpm=view.wpm,
                accuracy=view.accuracy,
                completed=attempt.session.state is SessionState.COMPLETED,
            )
        except Exception as error:
            self.on_notice(
                Notice(f"could not keep the lesson's progress: {error}", severity="warning")
            )
            return view, None
        following = outcome.next.number if outcome.next is not None else None
        return replace(view, label=f"{view.label}  ·  {outcome.headline}"), following

    async def learn(self, attempt: Attempt) -> tuple[TutorState, TutorState | None] | None:
        """The profile of the test's language and layout learns from any test typed in a
        language (a lesson, a words or time test, a drill) and is saved: the tutor in use,
        or else the stored profile if there is one. Returns the tutor's state after and
        before a lesson (None for any other test)."""
        spec = attempt.spec
        language = spec.label_for(attempt.text_id).language
        if language is None or not attempt.text:
            return None
        from bartype.storage.tutor_profiles import profile_language

        tutor, profile = self.tutor, (profile_language(language), spec.layout)
        typed: dict[str, Any] | tuple[str, list[tuple[str, float]]]
        before = None
        if tutor is None or (tutor.language, tutor.layout) != profile:
            typed = (attempt.text, list(attempt.keys))  # for the stored profile
        else:
            before = tutor.state()
            tutor.record(attempt.text, attempt.keys)
            typed = tutor.to_json()
        if self.history_path is not None:
            try:
                await asyncio.to_thread(self._save_tutor, *profile, typed)
            except Exception as error:
                self.on_notice(
                    Notice(f"could not save the tutor's profile: {error}", severity="warning")
                )
        if tutor is None or before is None or spec.mode != Mode.ADAPTIVE:
            return None
        self.lessons_skipped = 0
        return tutor.state(), before

    def _save_tutor(
        self, language: str, layout: str, data: dict[str, Any] | tuple[str, list[Any]]
    ) -> None:
        """Store the tutor's profile in the local history, or let the stored one learn a
        test, ``(text, keys)`` (thread)."""
        from bartype.storage.corpus import TextLibrary, default_texts_root
        from bartype.storage.history import History
        from bartype.storage.tutor_profiles import learn_test

        with History(self.history_path or Path()) as history:
            if isinstance(data, dict):
                history.save_tutor_profile(language, layout, data)
            else:
                library = TextLibrary(default_texts_root())
                learn_test(history, library, language, layout, *data, goal=self.goal())

    async def keep_result(self, attempt: Attempt, mode: str, mode2: str) -> bool:
        """Keep a result typed against a server in the local history; whether it is a new
        personal best (a storage failure is told, and loses only the stored copy)."""
        try:
            return await asyncio.to_thread(self._save_result, attempt, mode, mode2)
        except Exception as error:
            self.on_notice(
                Notice(f"could not save to the local history: {error}", severity="warning")
            )
            return False

    def _save_result(self, attempt: Attempt, mode: str, mode2: str) -> bool:
        """Keep a result typed against a server in the local history (thread).

        The keystroke log is replayed through the core, which gives the numbers
        the server computed; it is filed as the handler files it
        (``protocol.results.file_result``). Returns whether it is a new personal best.
        """
        if self.history_path is None:
            return False
        from bartype.core.session import replay, text_options
        from bartype.protocol.results import file_result
        from bartype.storage.history import History

        session = replay(attempt.config, attempt.text, list(attempt.session.log))
        if session.state.is_open:
            session.end(attempt.local_end_t)
        result = session.result
        if result is None:
            return False
        spec = attempt.spec
        label = TestLabel(
            mode,
            mode2,
            spec.label_for(attempt.text_id).language if mode == spec.mode else None,
            attempt.text_id,
            text_options(mode, spec.punctuation, spec.numbers),
        )
        with History(self.history_path) as history:
            best, _ = file_result(history, result, label, attempt.text)
        return best
