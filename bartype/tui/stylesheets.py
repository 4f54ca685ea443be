"""The app's style sheets, parsed as they are needed.

``styles/app.tcss`` (the app's ``CSS_PATH``) is read at start-up: the typing
screen's rules and the few every screen shares. The other screens' rules are in
sheets of their own beside it, which a screen names in ``STYLES``; a
``StyledApp`` adds them when such a screen is first pushed, so start-up parses
only what the first frame draws.

They are added as app CSS after ``app.tcss``, as they came after its rules when
all were one file: the same weight against the widgets' ``DEFAULT_CSS`` and
against ``app.tcss`` as before. Textual parses a new source alone (it keeps the
others' parsed rules), where a screen's own ``CSS_PATH`` would make it parse
every sheet again. No rule of one screen's sheet competes with another's for the
same widget, so the order screens are first shown in does not matter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from textual.app import App
from textual.screen import Screen

SHEETS = Path(__file__).resolve().parent / "styles"

ReturnType = TypeVar("ReturnType")


class StyledApp(App[ReturnType]):
    """An app whose screens bring the style sheets they name in ``STYLES``."""

    def push_screen(self, screen: Any, *args: Any, **kwargs: Any) -> Any:
        """Push ``screen`` (as Textual does), its style sheets added first."""
        if isinstance(screen, Screen):
            add_screen_styles(self, screen)
        return super().push_screen(screen, *args, **kwargs)


def add_screen_styles(app: App[Any], screen: Screen[Any]) -> None:
    """Add the sheets ``screen`` names in its ``STYLES`` to ``app``'s styles, once each."""
    for name in getattr(screen, "STYLES", ()):
        path = SHEETS / name
        if not app.stylesheet.has_source(str(path)):
            css = path.read_text(encoding="utf-8")
            app.stylesheet.add_source(css, read_from=(str(path), ""), is_default_css=False)
