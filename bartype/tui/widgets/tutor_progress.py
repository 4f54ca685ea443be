"""Adaptive practice's progress: the unlocked letters by readiness, the focus, the next unlock.

Two forms, both plain ``rich.text.Text`` built from a ``TutorState`` (the letters
come from a word list: they are data, never markup):

* ``compact_text`` (the typing screen, two lines): every unlocked letter coloured
  by how ready it is, the focus letter in reverse video, the locked letters
  faint; then the focus's readiness and what the next letter needs.
* ``detailed_text`` (the results screen): each unlocked letter with how ready it is
  (``ready_share``: 100 % at the target) and how that moved in the test just typed,
  as many to a row as the width holds; then a new unlock, the focus and the
  next unlock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from bartype.tui.safe import cell

if TYPE_CHECKING:  # the tutor is imported when a state is shown, not with every typing screen
    from bartype.core.tutor import KeyState, TutorState

LOW = 0.5
"""Under this readiness a letter is far from the target (red)."""
CELL = 9
"""Cells one letter takes on the results screen: ``e 112% ▲`` and a gap."""


def letter_style(key: KeyState, focus: bool = False) -> str:
    """The colour of a letter by readiness: red far off, yellow holding back the next
    letter, green close to the target, bold green there; faint if locked or untyped."""
    from bartype.core.tutor import CLOSE

    if not key.unlocked:
        style = "dim"
    elif key.presses == 0 or key.speed_cpm is None:
        style = "dim italic"
    elif key.readiness < LOW:
        style = "red"
    elif key.readiness < CLOSE:
        style = "yellow"
    elif not key.ready:
        style = "green"
    else:
        style = "bold green"
    return f"{style} reverse" if focus else style


def ready_share(key: KeyState) -> str:
    """How ready a letter is, "0%" to "100%" ("–" before it is timed): its speed as a
    share of the target, or its accuracy against the floor where that is lower.

    100 % is ready and the most it shows: a letter twice as fast as the target is no
    more ready than one just at it (keybr's confidence, 200 % then, says little).
    """
    if key.speed_cpm is None:
        return "–"
    share = round(100 * min(key.readiness, 1.0))
    return f"{99 if share == 100 and not key.ready else share}%"  # 100 % only once ready


def next_unlock(state: TutorState, width: int = 80) -> str:
    """What the next letter needs, as fully as ``width`` cells allow: "i unlocks when
    e t reach 140 cpm and o makes ≤10% errors" down to "i: 3 letters to 140 cpm".

    A letter holds the next one back by its speed or by its errors (readiness is
    the lower of the two); each is named for what it lacks.
    """
    if state.next_letter is None:
        return "every letter unlocked"
    waiting = state.waiting_for
    letter = cell(state.next_letter)
    if not waiting:
        return f"{letter} unlocks after this lesson"
    from bartype.core.tutor import CLOSE

    errors = (1 - state.min_accuracy) / CLOSE
    speed = f"{state.target_cpm * CLOSE:g} cpm"
    slow = [ch for ch in waiting if state.keys[ch].confidence < CLOSE]
    sloppy = [ch for ch in waiting if 1 - state.keys[ch].accuracy > errors]

    def clause(letters: list[str], one: str, many: str, what: str) -> str:
        verb = one if len(letters) == 1 else many
        return f"{' '.join(cell(ch) for ch in letters)} {verb} {what}"

    needs = []
    if slow or not sloppy:  # (rounding may leave a letter in neither list)
        needs.append(clause(slow or list(waiting), "reaches", "reach", speed))
    if sloppy:
        needs.append(clause(sloppy, "makes", "make", f"≤{errors:.0%} errors"))
    everything = " ".join(cell(ch) for ch in waiting)
    forms = (
        f"{letter} unlocks when {' and '.join(needs)}",
        f"{letter}: {' and '.join(needs)}",
        f"{letter}: {everything} to {speed}, ≤{errors:.0%} errors",
    )
    for form in forms:
        if len(form) <= width:
            return form
    return f"{letter}: {len(waiting)} letters to {speed}"


def _focus_and_next(text: Text, state: TutorState, width: int) -> None:
    """The last line: the focus letter, and what the next letter needs in the room left."""
    start = len(text)
    if state.focus is not None:
        text.append("focus ", "dim")
        focus = state.keys[state.focus]
        text.append(cell(state.focus), letter_style(focus, True))
        text.append(f" {ready_share(focus)}", "bold")
        text.append("  ·  ", "dim")
    text.append(next_unlock(state, width - (len(text) - start)), "dim")


def compact_text(state: TutorState, width: int = 80) -> Text:
    """Two lines for the typing screen, for ``width`` cells."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for ch in state.unlocked:
        text.append(cell(ch), letter_style(state.keys[ch], ch == state.focus))
        text.append(" ")
    locked = [ch for ch in state.letters if ch not in state.unlocked]
    if locked:
        text.append("│ ", "dim")
        text.append("".join(cell(ch) for ch in locked), "dim")
    text.rstrip()
    text.append("\n")
    _focus_and_next(text, state, width)
    return text


def _moved(key: KeyState, before: KeyState | None) -> tuple[str, str]:
    """An arrow for how the readiness moved in the last test, and its colour (none for a
    letter that stayed ready)."""
    if before is None or not before.unlocked:
        return ("new", "cyan") if key.unlocked and before is not None else ("", "")
    if before.speed_cpm is None:
        return ("", "")
    change = key.readiness - before.readiness
    if change >= 0.005:
        return ("▲", "green")
    if change <= -0.005:
        return ("▼", "red")
    return ("", "")


def detailed_text(state: TutorState, before: TutorState | None, width: int) -> Text:
    """The results screen's lines, laid out for ``width`` cells."""
    per_row = max(1, width // CELL)
    text = Text(no_wrap=True, overflow="ellipsis")
    for i, ch in enumerate(state.unlocked):
        if i and i % per_row == 0:
            text.append("\n")
        key = state.keys[ch]
        old = before.keys.get(ch) if before is not None else None
        arrow, colour = _moved(key, old)
        start = len(text)
        text.append(cell(ch), letter_style(key, ch == state.focus))
        text.append(f" {ready_share(key)}")
        if arrow:
            text.append(f" {arrow}", colour)
        text.append(" " * max(1, CELL - (len(text) - start)))
    text.rstrip()
    text.append("\n")
    new = [ch for ch in state.unlocked if before is not None and ch not in before.unlocked]
    if new:
        text.append(f"unlocked {' '.join(cell(ch) for ch in new)}!\n", "bold cyan")
    _focus_and_next(text, state, width)
    return text


class TutorProgress(Widget):
    """The tutor's progress, compact or detailed; hidden until ``show`` gives it a state."""

    DEFAULT_CSS = """
    TutorProgress { height: auto; display: none; }
    TutorProgress.-shown { display: block; }
    """

    def __init__(self, *, detailed: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.detailed = detailed
        self.state: TutorState | None = None
        self.before: TutorState | None = None

    def show(self, state: TutorState | None, before: TutorState | None = None) -> None:
        """Show ``state`` (and how it moved since ``before``); ``None`` hides the widget."""
        self.state, self.before = state, before
        self.set_class(state is not None, "-shown")
        self.refresh(layout=True)

    def as_text(self, width: int) -> Text:
        """What the widget shows at ``width`` cells."""
        if self.state is None:
            return Text()
        if self.detailed:
            return detailed_text(self.state, self.before, width)
        return compact_text(self.state, width)

    def render(self) -> Text:
        return self.as_text(max(1, self.size.width))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self.state is None:
            return 0
        return len(self.as_text(max(1, width)).plain.split("\n"))
