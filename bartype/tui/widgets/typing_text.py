"""The text to type, each character coloured by its state, with a block caret.

Lines wrap on word boundaries (a word longer than a line is cut into pieces)
and a newline in the text ends a line. A tab of indentation takes ``TAB_CELLS``
cells (blank, or an arrow where it was mistyped). The view shows as many lines as the
widget is high and scrolls by whole lines so the caret stays on the second
line: the text never jumps. Layout is computed lazily from the top and redone
only from the line of a word whose width changed; a key press repaints only the
lines of the words it touched, so the cost of a key does not grow with the text.
"""

from __future__ import annotations

import asyncio

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from bartype.core.analyzer import CharState, IncrementalAnalyzer
from bartype.tui.safe import cell, visible

WAITING = "…"
"""The placeholder while a text is being made (``show(None)``)."""
TAB_CELLS = 4
"""Cells one level of indentation takes."""
_TAB_FILL = ""
"""The cells of a tab after its first (drawn blank)."""
_WRONG = frozenset({CharState.INCORRECT, CharState.MISSED, CharState.EXTRA})

Piece = tuple[int, int, int]
"""(word index, first cell, end cell) of a word, or of a part of a long word, on a line."""

_STATE_CLASS = {
    CharState.UNTYPED: "typing-text--untyped",
    CharState.CORRECT: "typing-text--correct",
    CharState.INCORRECT: "typing-text--incorrect",
    CharState.EXTRA: "typing-text--extra",
    CharState.MISSED: "typing-text--missed",
}


def _glyph(ch: str, state: CharState) -> str:
    """What a character of the text shows as: Enter as ⏎, a tab as blank cells (an arrow
    when wrong), a space typed wrong as a dot, a control character as its picture."""
    if ch == "\n":
        return "⏎"
    if ch == "\t":
        return "→" if state in _WRONG else " "  # a tab mistyped, or typed extra
    if ch == _TAB_FILL:
        return " "
    if ch == " " and state is CharState.INCORRECT:
        return "·"
    return cell(ch)


class TypingText(Widget):
    """Shows the analyzer's words; call ``words_changed`` after each keystroke."""

    COMPONENT_CLASSES = {
        *_STATE_CLASS.values(),
        "typing-text--caret",
        "typing-text--wrong-word",
        "typing-text--focus",
    }

    DEFAULT_CSS = """
    TypingText { height: 3; }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.analyzer: IncrementalAnalyzer | None = None
        self.placeholder = ""
        self.given = asyncio.Event()
        """Set once the view has been given a text, or a message saying why there is none."""
        self._width = 0
        self._lines: list[list[Piece]] = []
        self._next_word = 0  # first word not yet laid out
        self._word_line: list[int] = []  # line of each laid-out word's first piece
        self._widths: list[tuple[int, bool]] = []  # (cells, ends a line) at layout time
        self._cells: dict[int, list[tuple[str, CharState]]] = {}
        self._drawn: dict[int, dict[tuple[int, int, int, bool], list[Segment]]] = {}
        """Each word's pieces as last drawn: a key repaints a line, but draws only its words."""
        self._top = 0
        self.focus_letter: str | None = None
        """A letter to mark where it is still to type (adaptive practice's focus)."""
        self._styles_base: Style | None = None
        self._line_styles: tuple[dict[CharState, Style], Style, Style, Style] | None = None

    # -- public --------------------------------------------------------------

    def set_focus_letter(self, letter: str | None) -> None:
        """Mark ``letter`` in the text still to type (``None``: mark nothing)."""
        if letter != self.focus_letter:
            self.focus_letter = letter
            self._drawn = {}
            self.refresh()

    def show(self, analyzer: IncrementalAnalyzer | None, placeholder: str = WAITING) -> None:
        """Display a new text, or while there is none a message (by default, that one is
        being made)."""
        self.analyzer = analyzer
        self.placeholder = placeholder
        if analyzer is not None or placeholder != WAITING:
            self.given.set()
        self._reset_layout()
        self._top = 0
        self.refresh()

    def replace_analyzer(self, analyzer: IncrementalAnalyzer) -> None:
        """The same text, replayed into a new analyzer: redraw it where it is."""
        self.analyzer = analyzer
        self._reset_layout()
        self.refresh()

    def words_changed(self, first: int, last: int) -> None:
        """Words ``first..last`` (inclusive) may have changed: repaint what is needed."""
        analyzer = self.analyzer
        if analyzer is None:
            return
        count = analyzer.word_count()
        dirty_lines: set[int] = set()
        relayout_from: int | None = None
        for i in range(max(0, first), last + 1):
            self._cells.pop(i, None)
            self._drawn.pop(i, None)
            if i >= self._next_word:
                continue
            line = self._word_line[i]
            dirty_lines.add(line)
            if i >= count or self._word_shape(i) != self._widths[i]:
                relayout_from = line if relayout_from is None else min(line, relayout_from)
        if relayout_from is not None:
            self._truncate_layout(relayout_from)
        old_top = self._top
        self._top = max(0, self._line_of(analyzer.index) - 1)
        if self._top != old_top or relayout_from is not None:
            self.refresh()
            return
        width, height = self.size
        for line in dirty_lines:
            y = line - self._top
            if 0 <= y < height:
                self.refresh(Region(0, y, width, 1))

    @property
    def top_line(self) -> int:
        """Index of the first line shown (for tests)."""
        return self._top

    def visible_text(self) -> list[str]:
        """The lines shown, as plain text (for tests)."""
        return [self.render_line(y).text.rstrip() for y in range(self.size.height)]

    # -- layout --------------------------------------------------------------

    def _reset_layout(self) -> None:
        self._lines = []
        self._next_word = 0
        self._word_line = []
        self._widths = []
        self._cells = {}
        self._drawn = {}

    def _truncate_layout(self, line: int) -> None:
        if line >= len(self._lines):
            return
        first_word = self._lines[line][0][0] if self._lines[line] else self._next_word
        del self._lines[line:]
        del self._word_line[first_word:]
        del self._widths[first_word:]
        self._next_word = first_word
        # A piece of a long word may have started on an earlier line.
        if self._lines and self._lines[-1] and self._lines[-1][-1][0] == first_word:
            self._truncate_layout(len(self._lines) - 1)

    def _states(self, i: int) -> list[tuple[str, CharState]]:
        """The cells of word ``i``: its characters' states, a tab of indentation widened."""
        cells = self._cells.get(i)
        if cells is None:
            assert self.analyzer is not None
            cells = self.analyzer.word(i).states()
            if cells and cells[0][0] == "\t":
                lead = self._lead(i)
                widened: list[tuple[str, CharState]] = []
                for ch, state in cells[:lead]:
                    widened.append((ch, state))
                    widened.extend([(_TAB_FILL, state)] * (TAB_CELLS - 1))
                cells = widened + cells[lead:]
            self._cells[i] = cells
        return cells

    def _lead(self, i: int) -> int:
        """How many tabs of indentation word ``i``'s target starts with."""
        assert self.analyzer is not None
        target = self.analyzer.word(i).target
        return len(target) - len(target.lstrip("\t"))

    def _cell_of(self, i: int, pos: int) -> int:
        """The cell of character ``pos`` of word ``i`` (tabs of indentation are wider)."""
        states = self._states(i)
        if not states or states[0][0] != "\t":
            return pos
        return pos + (TAB_CELLS - 1) * min(pos, self._lead(i))

    def _word_cells(self, i: int) -> int:
        """Cells word ``i`` takes, including its caret cell when the caret sits past its end."""
        n = len(self._states(i))
        analyzer = self.analyzer
        if analyzer is not None and i == analyzer.index:
            n = max(n, self._cell_of(i, len(analyzer.word(i).typed)) + 1)
        return n

    def _word_shape(self, i: int) -> tuple[int, bool]:
        """What the layout depends on: the word's cells, and whether it ends its line."""
        states = self._states(i)
        return self._word_cells(i), bool(states) and states[-1][0] == "\n"

    def _layout_until(self, line: int) -> None:
        """Lay out words until ``line`` exists or the text runs out."""
        analyzer = self.analyzer
        width = max(1, self.size.width)
        if width != self._width:
            self._width = width
            self._reset_layout()
        if analyzer is None:
            return
        count = analyzer.word_count()
        if analyzer.zen:
            count = max(count, analyzer.index + 1)
        while len(self._lines) <= line + 1 and self._next_word < count:
            i = self._next_word
            cells = self._word_cells(i)
            states = self._states(i)
            ends_line = bool(states) and states[-1][0] == "\n"
            if not self._lines:
                self._lines.append([])
            current = self._lines[-1]
            used = sum(b - a for _, a, b in current)
            # The separator may hang past the edge: only the letters must fit.
            letters = cells - 1 if states and states[-1][0] == " " else cells
            after_break = i > 0 and self._widths[i - 1][1]
            if current and (after_break or used + letters > width):
                self._lines.append([])
                current = self._lines[-1]
                used = 0
            self._word_line.append(len(self._lines) - 1)
            self._widths.append((cells, ends_line))
            start = 0
            while letters - start > width - used:
                take = width - used
                current.append((i, start, start + take))
                start += take
                self._lines.append([])
                current = self._lines[-1]
                used = 0
            current.append((i, start, cells))
            self._next_word += 1

    def _line_of(self, word: int) -> int:
        while word >= self._next_word:
            before = self._next_word
            self._layout_until(len(self._lines))
            if self._next_word == before:
                return max(0, len(self._lines) - 1)
        return self._word_line[word]

    # -- rendering -----------------------------------------------------------

    def on_resize(self) -> None:
        self._reset_layout()
        if self.analyzer is not None:
            self._top = max(0, self._line_of(self.analyzer.index) - 1)
        self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 3

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._line_styles = None  # the CSS or the theme changed

    def _styles_of_cells(self, base: Style) -> tuple[dict[CharState, Style], Style, Style, Style]:
        """Each state's style, the caret's, a wrong word's and the focus letter's. Textual
        forgets the component styles on every refresh, and each key refreshes a line:
        they are kept here until the CSS, the theme or the widget's own style changes."""
        if self._line_styles is None or base != self._styles_base:
            get = self.get_component_rich_style
            self._styles_base = base
            self._drawn = {}
            self._line_styles = (
                {state: base + get(name) for state, name in _STATE_CLASS.items()},
                get("typing-text--caret"),
                get("typing-text--wrong-word", partial=True),
                get("typing-text--focus", partial=True),
            )
        return self._line_styles

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        analyzer = self.analyzer
        if analyzer is None:
            return self._placeholder_line(y, width, base)
        line = self._top + y
        self._layout_until(line)
        if line >= len(self._lines):
            return Strip.blank(width, base)
        caret_word = analyzer.index
        caret_pos = -1
        if not analyzer.finished:
            caret_pos = self._cell_of(caret_word, len(analyzer.word(caret_word).typed))
        styles = self._styles_of_cells(base)
        segments: list[Segment] = []
        for i, a, b in self._lines[line]:
            # What a piece looks like beyond its word's states: the caret in it, and
            # whether the caret has passed it (a word left wrong is marked).
            key = (a, b, caret_pos if i == caret_word else -1, i < caret_word)
            drawn = self._drawn.setdefault(i, {})
            piece = drawn.get(key)
            if piece is None:
                piece = drawn[key] = self._draw_piece(i, a, b, key[2], key[3], styles, base)
            segments += piece
        strip = Strip(Segment.simplify(segments))
        return strip.crop(0, width).extend_cell_length(width, base)

    def _draw_piece(
        self,
        i: int,
        a: int,
        b: int,
        caret_pos: int,
        passed: bool,
        styles: tuple[dict[CharState, Style], Style, Style, Style],
        base: Style,
    ) -> list[Segment]:
        """The segments of cells ``a..b`` of word ``i`` (caret at cell ``caret_pos``, or -1)."""
        assert self.analyzer is not None
        state_styles, caret_style, wrong_word_style, focus_style = styles
        focus = self.focus_letter
        states = self._states(i)
        # A word left wrong is marked as a whole (as Monkeytype underlines it).
        word = self.analyzer.word(i) if passed else None
        wrong_until = 0
        if word and not word.is_correct:
            wrong_until = self._cell_of(i, len(word.target.rstrip(" \n")))
        segments: list[Segment] = []
        for pos in range(a, b):
            if pos < len(states):
                ch, state = states[pos]
                style = state_styles[state]
                if pos < wrong_until:
                    style = style + wrong_word_style
                elif ch == focus and state is CharState.UNTYPED:
                    style = style + focus_style
                ch = _glyph(ch, state)
            else:
                ch, style = " ", base
            if pos == caret_pos:
                style = style + caret_style
            segments.append(Segment(ch, style))
        return list(Segment.simplify(segments))

    def _placeholder_line(self, y: int, width: int, base: Style) -> Strip:
        """Line ``y`` of the placeholder, wrapped to ``width``, muted."""
        import textwrap

        # A placeholder may quote a server's words: shown, never obeyed.
        lines = textwrap.wrap(visible(self.placeholder, 2000), max(1, width)) or [""]
        text = lines[y] if y < len(lines) else ""
        muted = base + self.get_component_rich_style("typing-text--untyped")
        return Strip([Segment(text, muted)]).extend_cell_length(width, base)
