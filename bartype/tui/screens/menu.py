"""The menu: the next test's settings, the theme, and the way to other screens.

Arrow keys move and change values; Enter starts a test with the settings shown;
Esc goes back; if a test setting changed, the app starts a test with it, or, over
the results of a test, keeps it for the next one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.geometry import Region
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from bartype.core.layouts import LAYOUTS
from bartype.core.options import MODE_RULES, QUOTE_LENGTHS, Mode
from bartype.storage.settings import MODES, Settings
from bartype.tui.safe import foreign, visible

DURATIONS = (15.0, 30.0, 60.0, 120.0)
WORD_COUNTS = (10, 25, 50, 100)
TARGET_SPEEDS = (100.0, 125.0, 150.0, 175.0, 200.0, 250.0, 300.0, 400.0)
"""Adaptive practice's target speeds offered, cpm (keybr's 175 among them)."""
ACCURACY_FLOORS = (85.0, 90.0, 92.0, 95.0, 97.0, 100.0)
"""Adaptive practice's accuracy floors offered, percent."""
ACTIONS = (
    ("start", "start a test with these settings"),
    ("lessons", "lessons for your keyboard layout"),
    ("history", "history"),
    ("race", "race on the LAN"),
    ("help", "keys"),
    ("quit", "quit"),
)


@dataclass(frozen=True)
class MenuChoice:
    """What the menu was closed with."""

    settings: Settings
    """The settings shown when it closed: those of the next test."""
    action: str  # "resume" | "back" (Esc after a change) | "start" | "history" | "race"
    # | "help" | "quit"
    changed: frozenset[str] = frozenset()
    """The settings the typist changed here: only these become the saved defaults
    (the others may be the command line's, which apply to one run)."""


def _library_choices() -> tuple[list[str], list[str]]:
    """Word-list languages and code languages from the bundled texts (best effort)."""
    try:
        from bartype.storage.corpus import TextLibrary, default_texts_root

        library = TextLibrary(default_texts_root())
        # Each language once (it picks its default list); a list named on the command
        # line or saved (english_1k) is added to the choices by the menu itself.
        languages = library.languages()
        return languages, list(library.code_languages())
    except Exception:
        return [], []


class MenuScroll(VerticalScroll, can_focus=False, inherit_bindings=False):
    """Scrolls the rows when the terminal is short; the arrow keys stay the menu's."""


class MenuList(Widget, can_focus=True):
    """The rows of the menu; the screen says which one is selected."""

    def __init__(self, screen: MenuScreen) -> None:
        super().__init__(id="menu-list")
        self.menu = screen

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, (key, label, value) in enumerate(self.menu.rows()):
            selected = index == self.menu.selected
            marker = "›" if selected else " "
            style = "reverse" if selected else ""
            if value is None:
                text.append(f"{marker} {label}", style=style + (" bold" if selected else ""))
            else:
                text.append(f"{marker} {label:<14}", style="bold" if selected else "")
                shown = visible(value, 40)  # from the settings file: data
                text.append(f"‹ {shown} ›" if selected else f"  {shown}", style=style)
            text.append("\n")
            if key == "theme":
                text.append("\n")
        text.rstrip()
        return text

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(self.menu.rows()) + 1


class MenuScreen(ModalScreen[MenuChoice]):
    """Settings and navigation, over the typing screen."""

    STYLES: ClassVar[tuple[str, ...]] = ("dialogs.tcss",)
    """Its style sheets (``bartype.tui.stylesheets``)."""

    BINDINGS = [
        Binding("up,k", "move(-1)", "up", show=False),
        Binding("down,j", "move(1)", "down", show=False),
        Binding("left,h", "change(-1)", "change", show=False),
        Binding("right,l,space", "change(1)", "change", show=False),
        Binding("enter", "choose", "choose", show=False),
        Binding("escape", "close", "back", priority=True),
        Binding("ctrl+c", "app.quit", "quit", show=False, priority=True),
    ]

    def __init__(self, settings: Settings, themes: list[str], note: str = "") -> None:
        super().__init__()
        self.note = note
        """Said above the rows: what just happened to the test (it was dropped...)."""
        self.original = settings
        self.settings = settings
        self.changed: set[str] = set()
        self.themes = sorted(themes)
        self.selected = 0
        self.languages, self.code_languages = _library_choices()

    def compose(self) -> ComposeResult:
        with Vertical(id="menu-box", classes="dialog"):
            with Horizontal(classes="dialog-title"):
                yield Static("Menu", id="menu-title")
                if self.note:
                    yield Static(foreign(self.note), id="menu-note")
            with MenuScroll(id="menu-scroll"):  # a short terminal scrolls the rows
                yield MenuList(self)
            yield Static("↑↓ move  ←→ change  enter choose  esc back", classes="dialog-hint")

    SHORT = 24
    """Under this many lines the dialog drops its padding to show more rows."""

    def on_mount(self) -> None:
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        height = self.app.size.height
        short = height < self.SHORT
        self.set_class(short, "-short")
        # The lines around the rows: border, padding, title and hint with their margins.
        around = 4 if short else 8
        self.query_one("#menu-scroll").styles.max_height = max(3, height - around)

    # -- rows ----------------------------------------------------------------

    def _choices(self, key: str) -> list[Any]:
        s = self.settings
        if key == "mode":
            return list(MODES)
        if key == "duration":
            return sorted({*DURATIONS, s.duration})
        if key == "words":
            return sorted({*WORD_COUNTS, s.words})
        if key == "quote_length":
            return list(QUOTE_LENGTHS)
        if key == "code":
            return sorted({*self.code_languages, s.code})
        if key == "language":
            return sorted({*self.languages, s.language})
        if key in ("punctuation", "numbers", "keyboard"):
            return [False, True]
        if key == "layout":
            return list(LAYOUTS)
        if key == "target_cpm":
            return sorted({*TARGET_SPEEDS, s.target_cpm})
        if key == "min_accuracy":
            return sorted({*ACCURACY_FLOORS, s.min_accuracy})
        if key == "theme":
            return sorted({*self.themes, s.theme})
        return []

    def rows(self) -> list[tuple[str, str, str | None]]:
        """(key, label, value shown) for each row; action rows have no value."""
        s = self.settings
        rows: list[tuple[str, str, str | None]] = [("mode", "mode", s.mode)]
        if s.mode == "time":
            rows.append(("duration", "seconds", f"{s.duration:g}"))
        elif s.mode == "words":
            rows.append(("words", "words", str(s.words)))
        elif s.mode == "quote":
            rows.append(("quote_length", "quote length", s.quote_length))
        elif s.mode == "code":
            rows.append(("code", "code", s.code))
        rules = MODE_RULES[Mode(s.mode)]
        if rules.generated_words or rules.from_profile:
            rows.append(("language", "language", s.language))
        if s.mode == Mode.ADAPTIVE:
            rows.append(("target_cpm", "target speed", f"{s.target_cpm:g} cpm a letter"))
            rows.append(("min_accuracy", "accuracy floor", f"{s.min_accuracy:g}% right"))
        if rules.generated_words:
            rows.append(("punctuation", "punctuation", "on" if s.punctuation else "off"))
            rows.append(("numbers", "numbers", "on" if s.numbers else "off"))
        rows.append(("layout", "layout", s.layout))
        rows.append(("keyboard", "live keyboard", "on" if s.keyboard else "off"))
        rows.append(("theme", "theme", s.theme))
        rows.extend((key, label, None) for key, label in ACTIONS)
        return rows

    # -- actions -------------------------------------------------------------

    def _redraw(self) -> None:
        rows = self.query_one(MenuList)
        rows.refresh(layout=True)
        # Keep the selected row in view (a blank line follows the theme row).
        keys = [key for key, _, _ in self.rows()]
        line = self.selected + (self.selected > keys.index("theme"))
        self.call_after_refresh(
            self.query_one(MenuScroll).scroll_to_region,
            Region(0, line, 1, 1),
            animate=False,
        )

    def action_move(self, step: int) -> None:
        self.selected = (self.selected + step) % len(self.rows())
        self._redraw()

    def action_change(self, step: int) -> None:
        key, _, value = self.rows()[self.selected]
        if value is None:
            return
        choices = self._choices(key)
        current = getattr(self.settings, key)
        index = choices.index(current) if current in choices else 0
        new = choices[(index + step) % len(choices)]
        self.settings = self.settings.with_changes(**{key: new})
        self.changed.add(key)
        if key == "theme":
            self.app.theme = new  # preview at once
        self.selected = min(self.selected, len(self.rows()) - 1)
        self._redraw()

    def action_choose(self) -> None:
        key, _, value = self.rows()[self.selected]
        if value is not None:
            self.action_change(1)
            return
        self.dismiss(self.choice(key))

    def action_close(self) -> None:
        # Only the test's own settings start a new one: not how the app looks.
        test_fields = [f.name for f in fields(Settings) if f.name not in ("theme", "keyboard")]
        changed = any(
            getattr(self.settings, name) != getattr(self.original, name) for name in test_fields
        )
        self.dismiss(self.choice("back" if changed else "resume"))

    def theme_switched(self, theme: str) -> None:
        """Ctrl+T switched (and saved) the theme while the menu is open: show it."""
        self.settings = self.settings.with_changes(theme=theme)
        self.original = self.original.with_changes(theme=theme)
        if self.is_mounted:
            self._redraw()

    def choice(self, action: str) -> MenuChoice:
        """What closing the menu with ``action`` now means."""
        changed = frozenset(
            name
            for name in self.changed
            if getattr(self.settings, name) != getattr(self.original, name)
        )
        return MenuChoice(self.settings, action, changed)
