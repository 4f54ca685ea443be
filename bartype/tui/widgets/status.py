"""The connection indicator: quiet when all is well, plain words when it is not."""

from __future__ import annotations

from bartype.tui.widgets.line import TextLine

LABELS = {
    "local": "",
    "connecting": "◌ connecting",
    "connected": "● online",
    "reconnecting": "◌ reconnecting…",
    "offline": "✕ offline",
}


class ConnectionStatus(TextLine):
    """Shows the transport's status; its CSS class carries the colour."""

    def set_status(self, status: str) -> None:
        self.set_text(LABELS.get(status, status))
        for name in LABELS:
            self.set_class(name == status, f"-{name}")
