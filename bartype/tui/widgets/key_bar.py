"""The key bar: the screen's keys as Textual's footer shows them, in one line widget.

Textual's ``Footer`` is a container of one ``FooterKey`` widget per key: each is styled
twice as it mounts (its ``compact`` flag is set, then bound to the footer's) and laid
out on its own, and the footer composes its keys only after the first frame. On the
typing screen that was about a sixth of start-up's work for a line that shows four
keys. This draws the same line (the footer's colours, padding and dimmed disabled
keys) from the screen's active bindings, with the first frame, and draws it again only
when those keys change. A click on a key presses it, as on the footer.
"""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual import events
from textual.widget import Widget

ShownKey = tuple[str, str, str, bool]
"""(key, how it is shown, description, enabled) of one key in the bar."""


class KeyBar(Widget):
    """The keys the screen offers now, docked at the bottom like Textual's footer."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--hover"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        .key-bar--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        .key-bar--hover {
            background: $block-hover-background;
        }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._keys: tuple[ShownKey, ...] = ()
        self._spans: list[tuple[int, int]] = []
        """Where each key is drawn: (first cell, end cell)."""
        self._hover: int | None = None

    def on_mount(self) -> None:
        self._keys = self._shown_keys()
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Any) -> None:
        keys = self._shown_keys()
        if keys != self._keys:
            self._keys = keys
            self.refresh()

    def _shown_keys(self) -> tuple[ShownKey, ...]:
        """What the footer would show of the screen's active bindings: one key an action."""
        shown: dict[str, ShownKey] = {}
        for key, (_, binding, enabled, _tooltip) in self.screen.active_bindings.items():
            if binding.show and binding.action not in shown:
                display = self.app.get_key_display(binding)
                shown[binding.action] = (key, display, binding.description, enabled)
        return tuple(shown.values())

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        hover = Style(bgcolor=self.get_component_rich_style("key-bar--hover").bgcolor)
        line = Text(no_wrap=True, end="")
        self._spans = []
        for i, (_key, display, description, enabled) in enumerate(self._keys):
            start = line.cell_len
            # The footer's padding: a cell either side of the key, one after the words.
            line.append(f" {display} ", key_style)
            if description:
                line.append(f"{description} ", description_style)
            end = line.cell_len
            if not enabled:
                line.stylize(Style(dim=True), start, end)
            if i == self._hover:
                line.stylize(hover, start, end)
            self._spans.append((start, end))
        return line

    def _key_at(self, x: int) -> int | None:
        for i, (start, end) in enumerate(self._spans):
            if start <= x < end:
                return i
        return None

    def on_mouse_down(self, event: events.MouseDown) -> None:
        i = self._key_at(event.x)
        if i is None:
            return
        key, _, _, enabled = self._keys[i]
        if enabled:
            self.app.simulate_key(key)
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        self._set_hover(self._key_at(event.x))

    def on_leave(self) -> None:
        self._set_hover(None)

    def _set_hover(self, i: int | None) -> None:
        if i != self._hover:
            self._hover = i
            self.refresh()
