"""The text view wraps on word boundaries, marks states and repaints only what changed."""

from __future__ import annotations

from textual.app import App, ComposeResult

from bartype.core.analyzer import IncrementalAnalyzer
from bartype.core.keystrokes import (
    BACKSPACE_NAME,
    DELETE_WORD_NAME,
    KeyKind,
    Keystroke,
    keystrokes_from_key,
)
from bartype.tui.widgets.typing_text import TypingText


class _Host(App[None]):
    CSS = "TypingText { height: 4; width: 20; }"

    def compose(self) -> ComposeResult:
        yield TypingText()


def _type(analyzer: IncrementalAnalyzer, view: TypingText, keys: str) -> None:
    for ch in keys:
        before = analyzer.index
        name = {"<": BACKSPACE_NAME, "^": DELETE_WORD_NAME}.get(ch, ch)
        for stroke in keystrokes_from_key(name, 0.0):
            analyzer.apply(stroke)
        view.words_changed(min(before, analyzer.index), max(before, analyzer.index))


async def test_wraps_on_word_boundaries() -> None:
    """No word is split across lines when it fits on one."""
    analyzer = IncrementalAnalyzer("alpha beta gamma delta epsilon zeta eta theta iota")
    app = _Host()
    async with app.run_test() as pilot:
        view = app.query_one(TypingText)
        view.show(analyzer)
        await pilot.pause()
        lines = view.visible_text()
        assert lines[:3] == ["alpha beta gamma", "delta epsilon zeta", "eta theta iota"]


async def test_long_words_are_cut_and_newlines_end_lines() -> None:
    """A word wider than the view is cut into pieces; a line break starts a new line."""
    analyzer = IncrementalAnalyzer("abcdefghijklmnopqrstuvwxyz0123 ok\nnext")
    app = _Host()
    async with app.run_test() as pilot:
        view = app.query_one(TypingText)
        view.show(analyzer)
        await pilot.pause()
        lines = view.visible_text()
        assert lines[0] == "abcdefghijklmnopqrst"
        assert lines[1] == "uvwxyz0123 ok⏎"
        assert lines[2] == "next"


async def test_extra_letters_reflow_and_backspace_restores() -> None:
    """Extra letters push the next word to the next line; deleting them brings it back."""
    analyzer = IncrementalAnalyzer("aaaa bbbb cccc dddd eeee")
    app = _Host()
    async with app.run_test() as pilot:
        view = app.query_one(TypingText)
        view.show(analyzer)
        await pilot.pause()
        assert view.visible_text()[0] == "aaaa bbbb cccc dddd"
        _type(analyzer, view, "aaaaxx")
        await pilot.pause()
        assert view.visible_text()[0] == "aaaaxx bbbb cccc"
        _type(analyzer, view, "<<")
        await pilot.pause()
        assert view.visible_text()[0] == "aaaa bbbb cccc dddd"


async def test_zen_grows_as_you_type() -> None:
    """In zen mode the typed words are the text, with the caret after them."""
    analyzer = IncrementalAnalyzer(None)
    app = _Host()
    async with app.run_test() as pilot:
        view = app.query_one(TypingText)
        view.show(analyzer)
        _type(analyzer, view, "hello zen world")
        await pilot.pause()
        assert view.visible_text()[0] == "hello zen world"


async def test_a_key_repaints_only_its_line() -> None:
    """Typing inside a word marks only that word's line dirty (cost independent of length)."""
    analyzer = IncrementalAnalyzer(" ".join(["word"] * 2000))
    app = _Host()
    async with app.run_test() as pilot:
        view = app.query_one(TypingText)
        view.show(analyzer)
        await pilot.pause()
        analyzer.apply(Keystroke(KeyKind.CHAR, 0.0, "w"))
        view._styles_cache.clear()
        view._dirty_regions.clear()
        view.words_changed(0, 0)
        assert len(view._lines) <= 6  # laid out lazily, not the 2,000 words
        regions = list(view._dirty_regions)
        assert len(regions) == 1 and regions[0].height == 1


async def test_each_key_draws_what_a_fresh_view_draws() -> None:
    """The words drawn before and kept between keys never leave a stale cell: after every
    key (typos, extra letters, Backspace, Ctrl+Backspace, a focus letter, a long word
    cut over lines) the lines are those of a second view drawing the text from scratch."""

    class Twin(App[None]):
        CSS_PATH = "../../bartype/tui/styles/app.tcss"  # the focus letter's style is there
        CSS = "TypingText { height: 4; width: 20; }"

        def compose(self) -> ComposeResult:
            yield TypingText(id="kept")
            yield TypingText(id="fresh")

    analyzer = IncrementalAnalyzer("the quick brown fox\njumps overthelazydogagain and runs")
    app = Twin()
    async with app.run_test() as pilot:
        kept, fresh = app.query_one("#kept", TypingText), app.query_one("#fresh", TypingText)
        kept.show(analyzer)
        await pilot.pause()
        keys = "thw<e quixk brownxx fox\njumps^jumps ocer<<verthelazydogagain a<<<and r"
        for n, key in enumerate(keys):
            if n == 30:
                kept.set_focus_letter("a")
                fresh.set_focus_letter("a")
            _type(analyzer, kept, key)
            fresh.replace_analyzer(analyzer)  # draws everything again
            fresh.words_changed(analyzer.index, analyzer.index)  # and scrolls as kept did
            assert kept.top_line == fresh.top_line
            for y in range(kept.size.height):
                assert list(kept.render_line(y)) == list(fresh.render_line(y)), (n, key, y)


async def test_zen_enter_starts_a_new_line() -> None:
    """In zen mode a typed line break ends the line, like a newline in the text."""
    analyzer = IncrementalAnalyzer(None)
    app = _Host()
    async with app.run_test() as pilot:
        view = app.query_one(TypingText)
        view.show(analyzer)
        _type(analyzer, view, "one two\nthree")
        await pilot.pause()
        assert view.visible_text()[:2] == ["one two⏎", "three"]


async def test_a_word_left_wrong_is_underlined_and_states_differ() -> None:
    """A committed wrong word is underlined as a whole; typed, to-type and wrong letters
    have three different colours in the dark and the light theme."""
    from textual.app import App

    from bartype.core.analyzer import IncrementalAnalyzer
    from bartype.core.keystrokes import type_text
    from bartype.tui.widgets.typing_text import TypingText

    class Host(App[None]):
        CSS_PATH = "../../bartype/tui/styles/app.tcss"

        def compose(self) -> ComposeResult:
            yield TypingText(id="text")

    for theme in ("textual-dark", "textual-light"):
        app = Host()
        async with app.run_test(size=(60, 10)) as pilot:
            app.theme = theme
            analyzer = IncrementalAnalyzer("make will even under")
            for key in type_text("make wil evxn "):
                analyzer.apply(key)
            view = app.query_one(TypingText)
            view.show(analyzer)
            await pilot.pause()
            segments = list(view.render_line(0))
        by_char = [(ch, seg.style) for seg in segments for ch in seg.text]
        will = by_char[5:9]  # "make " then "will", typed as "wil"
        assert all(style is not None and style.underline for _, style in will), theme
        typed, wrong, untyped = by_char[0][1], by_char[12][1], by_char[16][1]  # m, e, n(der)
        colours = {s.color for s in (typed, wrong, untyped) if s is not None}
        assert len(colours) == 3, theme
