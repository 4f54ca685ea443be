"""The live keyboard: the typist's layout under the text, with the next key lit.

The key to press next is shown in the accent colour, the other keys of the
finger that presses it tinted, and a line under the board names the finger
(and Shift, or the dead key before an accented letter). After a wrong letter
the next key is Backspace. The board needs about 56 columns and 7 rows; with
less room the screen shows only the line that names the key and finger.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.color import Color
from textual.widget import Widget

from bartype.core.analyzer import IncrementalAnalyzer
from bartype.core.keystrokes import BACKSPACE_NAME
from bartype.core.layouts import Finger, KeyPosition, Layout, Row, layout

KEY_CELLS = 4
"""Each key is drawn 3 cells wide with one cell between keys."""
ROW_OFFSETS = (0, 2, 3, 1)
"""How far each row starts to the right (the stagger), after the Shift key on the bottom row."""
SHIFT_LABEL = "⇧"
BOARD_HEIGHT = 7
"""Rows the whole keyboard takes: four rows of keys, the space bar, a blank, the finger line."""


def next_key(analyzer: IncrementalAnalyzer | None) -> str | None:
    """The key the typist should press now: the next character, or Backspace after a
    mistake in the word in progress; ``None`` when there is nothing to type (zen, done)."""
    if analyzer is None or analyzer.zen or analyzer.finished:
        return None
    i = analyzer.index
    typed = analyzer.inputs[i]
    target = analyzer.target(i)
    if len(typed) < len(target) and target.startswith(typed):
        return target[len(typed)]
    return BACKSPACE_NAME


def board_width(board: Layout) -> int:
    """Cells the keyboard takes across."""
    extra = {Row.NUMBER: 3, Row.BOTTOM: 2 * KEY_CELLS - 1}  # Backspace; the Shift keys
    widths = [
        offset + KEY_CELLS * len(keys) + extra.get(row, 0)
        for row, keys, offset in zip(Row, board.rows, ROW_OFFSETS, strict=True)
    ]
    return max(widths)


def _finger_name(finger: Finger) -> str:
    return "thumb" if finger is Finger.THUMB else f"{finger.value} finger"


def describe(board: Layout, key: str | None) -> str:
    """The finger line: "e  ·  left middle finger", "shift + P  ·  ...", "backspace ..."."""
    if key is None:
        return ""
    if key == BACKSPACE_NAME:
        return "backspace  ·  right pinky finger"
    if key == " ":
        return "space  ·  thumb"
    if key == "\n":
        return "enter  ·  right pinky finger"
    strokes = board.strokes(key)
    if not strokes:
        return f"{key}  ·  not on the {board.title} keyboard"
    parts = []
    for stroke in strokes:
        pos = board.position(stroke)
        assert pos is not None  # strokes are keys of the board
        name = f"shift + {stroke}" if pos.shift else stroke
        parts.append(f"{name}  ·  {_finger_name(pos.finger)}")
    if len(strokes) == 2:
        return f"{key} = {parts[0]}, then {parts[1]}"
    return parts[0]


class LiveKeyboard(Widget):
    """The keyboard of one layout with the next key and its finger lit."""

    DEFAULT_CSS = """
    LiveKeyboard { height: 7; width: 100%; display: none; }
    LiveKeyboard.-compact { height: 1; }
    """
    """Hidden until the app shows it (``display``): a typing screen without the
    keyboard never lays it out or draws it, not even in its first frame."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.board = layout("qwerty")
        self.key: str | None = None

    def show(self, layout_name: str, key: str | None) -> None:
        """Light ``key`` (a character, Backspace or ``None``) on the layout ``layout_name``."""
        board = layout(layout_name)
        if board is not self.board or key != self.key:
            self.board, self.key = board, key
            self.refresh()

    # -- drawing -------------------------------------------------------------

    def _styles(self) -> tuple[Style, Style, Style]:
        """Plain keys, the finger's other keys, and the key to press."""
        variables = self.app.get_css_variables()

        def colour(name: str, default: str) -> Color:
            return Color.parse(variables.get(name) or default)

        surface = colour("surface", "#222222")
        accent = colour("accent", "#ffa62b")
        foreground = colour("foreground", "#dddddd")
        plain = Style(color=foreground.blend(surface, 0.35).rich_color, bgcolor=surface.rich_color)
        tint = surface.blend(accent, 0.3)
        finger = Style(color=tint.get_contrast_text().rich_color, bgcolor=tint.rich_color)
        lit = Style(
            color=accent.get_contrast_text().rich_color, bgcolor=accent.rich_color, bold=True
        )
        return plain, finger, lit

    def _lit(self) -> tuple[set[tuple[Row, int]], Finger | None, str, bool]:
        """The keys to light, the finger, the Shift key to hold ("left", "right" or ""),
        and whether Backspace is the key."""
        key, board = self.key, self.board
        if key is None or key == "\n":
            return set(), None, "", False
        if key == BACKSPACE_NAME:
            return set(), Finger.RIGHT_PINKY, "", True
        positions: list[KeyPosition] = [
            pos for stroke in board.strokes(key) if (pos := board.position(stroke)) is not None
        ]
        if not positions:
            return set(), None, "", False
        lit = {(pos.row, pos.column) for pos in positions if pos.finger is not Finger.THUMB}
        finger = positions[-1].finger
        shifted = [pos.finger for pos in positions if pos.shift]
        # Touch typists hold the Shift of the other hand.
        shift = "" if not shifted else ("right" if shifted[0].hand == "left" else "left")
        return lit, finger, shift, False

    def render(self) -> Text:
        board = self.board
        line = describe(board, self.key)
        if self.has_class("-compact"):
            return Text(line, style="bold", no_wrap=True, overflow="ellipsis")
        plain, tint, lit_style = self._styles()
        lit, finger, shift, backspace = self._lit()
        text = Text(no_wrap=True, overflow="crop")
        for row, keys, offset in zip(Row, board.rows, ROW_OFFSETS, strict=True):
            text.append(" " * offset)
            if row is Row.BOTTOM:
                text.append(f" {SHIFT_LABEL} ", lit_style if shift == "left" else plain)
                text.append(" ")
            for column, ch in enumerate(keys):
                pos = board.position(ch)
                if (row, column) in lit:
                    style = lit_style
                elif finger is not None and pos is not None and pos.finger is finger:
                    style = tint
                else:
                    style = plain
                text.append(f" {ch} ", style)
                text.append(" ")
            if row is Row.NUMBER:
                text.append(" ⌫ ", lit_style if backspace else plain)
            if row is Row.BOTTOM:
                text.append(f" {SHIFT_LABEL} ", lit_style if shift == "right" else plain)
            text.append("\n")
        space = lit_style if self.key == " " else plain
        text.append(" " * 12)
        text.append(" " * 6 + "space" + " " * 6, space)
        text.append("\n\n")
        text.append(line, style="bold")
        return text
