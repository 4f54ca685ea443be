"""Foreign text is shown as data: no markup parsed, no control character left raw."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from textual.app import App, ComposeResult

from bartype.core.analyzer import IncrementalAnalyzer
from bartype.core.normalize import needs_escape
from bartype.tui.safe import cell, foreign, visible
from bartype.tui.widgets.typing_text import TypingText


def test_control_and_format_characters_become_escapes() -> None:
    """ESC, NUL, DEL, C1 controls, bidi overrides, zero-width spaces, line separators and
    lone surrogates are shown as Python escapes; printable text is left alone."""
    assert visible("\x1b]0;hi\x07") == "\\x1b]0;hi\\x07"
    assert visible("a\x00b\x7fc\x9bd") == "a\\x00b\\x7fc\\x9bd"
    assert (
        visible("\u202eabc\u202c \u200b \u2028 \ud800")
        == "\\u202eabc\\u202c \\u200b \\u2028 \\ud800"
    )
    assert visible("déjà vu, 日本, [b]x[/b] 👍🏽") == "déjà vu, 日本, [b]x[/b] 👍🏽"


def test_joiners_and_asked_for_line_breaks_stay() -> None:
    """Zero-width joiners (emoji need them) stay; so do line breaks when asked for."""
    family = "👩\u200d👩\u200d👧"
    assert visible(family) == family
    assert visible("two\nlines\tx", lines=True) == "two\nlines\\tx"
    assert visible("two\nlines") == "two\\nlines"


def test_long_text_is_cut() -> None:
    """A foreign string longer than the limit ends in an ellipsis at the limit."""
    assert visible("x" * 1000, limit=10) == "x" * 9 + "…"
    assert len(visible("\x1b" * 1000)) == 500


@given(st.text())
def test_nothing_invisible_survives(text: str) -> None:
    """Whatever the input, the output holds no character a terminal would obey."""
    shown = visible(text, limit=10**6)
    assert not any(needs_escape(ch) for ch in shown)
    shown.encode("utf-8")  # no lone surrogate either


def test_foreign_text_is_not_markup() -> None:
    """Brackets in foreign text are characters: no style, no link, no MarkupError."""
    text = foreign("[link=http://evil.example]x[/link] [/nope] [bold]b")
    assert text.plain == "[link=http://evil.example]x[/link] [/nope] [bold]b"
    assert text.spans == []


def test_cells_keep_one_cell_per_character() -> None:
    """In the typing grid a control character becomes its one-cell picture."""
    assert [cell(ch) for ch in "a\x1b\x00\x7f\u202e\n"] == ["a", "␛", "␀", "␡", "�", "\n"]
    assert cell("\u200d") == "\u200d"  # a joiner inside an emoji stays


class _Host(App[None]):
    CSS = "TypingText { height: 3; width: 30; }"

    def compose(self) -> ComposeResult:
        yield TypingText()


async def test_the_typing_text_draws_pictures_for_controls() -> None:
    """A text that holds control characters (a local file, say) shows their pictures, and
    the placeholder shows a message's escapes: no raw control in the widget's strips."""
    app = _Host()
    async with app.run_test() as pilot:
        view = app.query_one(TypingText)
        view.show(IncrementalAnalyzer("ab\x1b[2J cd\x00 \ufff9ef"))
        await pilot.pause()
        assert view.visible_text()[0] == "ab␛[2J cd␀ �ef"
        view.show(None, "Cannot start: \x1b]0;pwned\x07")
        await pilot.pause()
        assert view.visible_text()[0] == "Cannot start: \\x1b]0;pwned\\x07"
