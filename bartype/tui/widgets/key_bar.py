"""The key bar: Textual's footer, drawn with the screen's first frame."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeyBar(Footer):
    """A ``Footer`` that shows its keys at once.

    Textual's footer composes empty, waits for the screen to announce its bindings
    (after the first frame), then composes its keys after one more refresh and draws
    again: the typist saw the text before the keys, and start-up did the footer's
    work twice. This one composes the keys it is mounted with, and composes again only
    when the keys the screen would show (or whether they are enabled) have changed.
    """

    _shown: tuple[tuple[Any, ...], ...] | None = None
    """The keys last composed."""

    def compose(self) -> ComposeResult:
        self._bindings_ready = True  # Footer's own flag: the screen's bindings are known
        self._shown = self._keys()
        yield from super().compose()

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if screen is not self.screen or self._keys() != self._shown:
            super().bindings_changed(screen)

    def _keys(self) -> tuple[tuple[Any, ...], ...]:
        """What the footer shows of the screen's active bindings."""
        return tuple(
            (key, binding.action, binding.description, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show
        )
