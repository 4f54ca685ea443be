"""Keys and what they do."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

HELP = """\
[b]While typing[/b]
  tab             new text          ctrl+r   same text again
  esc             menu; drops a test in progress (zen: ends it)
  ctrl+backspace  delete a word (or ctrl+w, alt+backspace)
  enter           like space (code: line break and indent)
  in code         tab types a tab; shift+tab new text
  ctrl+k          live keyboard: the next key and its finger
[b]After a test[/b]
  tab / enter     new text          ctrl+r   same text again
  esc             menu
  after 1 s without typing: n new text, r same text, h history,
                  g race your ghost (a text typed to its end)
[b]Anywhere[/b]
  ctrl+t          dark / light theme
  ctrl+c          quit

Results: chars are credited / incorrect / extra / missed;
only the characters of correct words are credited.
The test starts on your first key; a paste is never typed.
Idle (AFK) tests are invalid and never count as a best."""


class HelpScreen(ModalScreen[None]):
    """The keys, on top of whatever was showing."""

    STYLES: ClassVar[tuple[str, ...]] = ("dialogs.tcss",)
    """Its style sheets (``bartype.tui.stylesheets``)."""

    BINDINGS = [
        Binding("escape,q,question_mark,enter", "dismiss_help", "close"),
        Binding("ctrl+c", "app.quit", "quit", show=False, priority=True),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box", classes="dialog"):
            yield Static("Keys", classes="dialog-title")
            yield Static(HELP, id="help-text")
            yield Static("esc to close", classes="dialog-hint")

    def action_dismiss_help(self) -> None:
        self.dismiss(None)
