"""What the app tells the typist in toasts, said in their terms (no Textual).

``Notice`` is what ``PlayController`` and the transport's reports ask the app
to show; ``Toasts`` shows it through the app's ``notify``. A notice about the
server replaces the one before it, so a flapping link says one thing at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol

from bartype.core.records import frozen
from bartype.transport.base import ChannelClosed, ConnectionFailed

FRIENDLY_ERRORS = {
    "INVALID_SESSION": "The server no longer knows this test (did it crash?). "
    "Finish it here and it is kept locally, or press Tab for a new one.",
    "SESSION_EXPIRED": "The server forgot this test after a long pause. Press Tab for a new one.",
    "SERVER_SHUTDOWN": "The server is stopping. A test in progress goes on here and resumes "
    "there if the server is back soon; its result is kept here either way.",
    "RATE_LIMITED": "The server asks to slow down: keys are being sent in bigger batches.",
}
"""Server errors a typist can hit, said in their terms."""

REQUEST_ERRORS = frozenset(
    {"TEXT_UNAVAILABLE", "BAD_MESSAGE", "UNKNOWN_FIELD", "VERSION_MISMATCH", "SERVER_BUSY"}
)
"""Errors that answer a request (create a session...): the request reports them."""

Severity = Literal["information", "warning", "error"]


@frozen
class Notice:
    """Something to tell the typist in a toast.

    ``server``: it is about the server, and replaces the notice about it before;
    ``until_online``: it says the server is away, so it goes once the link is back.
    """

    message: str
    title: str = ""
    severity: Severity = "information"
    timeout: float | None = None
    server: bool = False
    until_online: bool = False


def server_notice(
    message: str,
    *,
    title: str = "server",
    severity: Severity = "warning",
    timeout: float = 8,
    until_online: bool = False,
) -> Notice:
    """A notice about the server (see ``BartypeApp.server_notice``)."""
    return Notice(message, title, severity, timeout, server=True, until_online=until_online)


def error_notice(data: Mapping[str, Any]) -> Notice | None:
    """What to tell the typist of a server ``ERROR`` (None: it is handled elsewhere)."""
    code = str(data.get("code") or "")
    if code in ("SESSION_FINISHED", "SEQ_GAP"):
        return None  # the client recovers from these by itself
    if code in REQUEST_ERRORS:
        return None  # the request that caused it raises, and is reported there
    if code in FRIENDLY_ERRORS:
        return server_notice(FRIENDLY_ERRORS[code], until_online=code == "SERVER_SHUTDOWN")
    message = str(data.get("message") or "").strip() or "The server reported a problem."
    return server_notice(message, severity="error")


def status_notice(status: str, before: str, until_online: bool) -> Notice | None:
    """What to say when the link to the server goes from ``before`` to ``status``
    (``until_online``: the notice shown says the server is away)."""
    if status == "offline" and before != "offline":
        return server_notice(
            "The server stopped answering. A test in progress goes on here and is kept in "
            "your local history; a new test waits for the server to come back.",
            title="offline",
            until_online=True,
        )
    if status == "connected" and until_online:
        return server_notice(
            "The server is back.", title="online", severity="information", timeout=3
        )
    return None


def in_words(error: BaseException) -> str:
    """Why the server gave no result, without protocol detail (close codes...)."""
    if isinstance(error, TimeoutError):
        return "no answer in time"
    if isinstance(error, ChannelClosed):
        if error.code == 4001:  # docs/protocol.md: the session is not known (any more)
            return "the server no longer knows this test"
        return "the connection was closed"
    if isinstance(error, ConnectionFailed) and str(error):
        return str(error).rstrip(".")
    return "the connection was lost"


class Notifier(Protocol):
    """The part of a Textual ``App`` that shows toasts."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Severity = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None: ...

    def clear_notifications(self) -> None: ...

    def call_later(self, callback: Callable[..., Any], *args: Any, **kwargs: Any) -> bool: ...


class Toasts:
    """The notices shown on ``app``: one about the server at a time, the latest."""

    def __init__(self, app: Notifier) -> None:
        self.app = app
        self.until_online = False
        """The notice about the server says it is away: it goes once the link is back."""
        self._pending: Notice | None = None

    def show(self, notice: Notice) -> None:
        """Show ``notice``; one about the server replaces any notice before it, and several
        at once show only the last."""
        if not notice.server:
            self.app.notify(
                notice.message, title=notice.title, severity=notice.severity, timeout=notice.timeout
            )
            return
        self.until_online = notice.until_online
        if self._pending is None:
            self.app.call_later(self._show_pending)
        self._pending = notice

    def _show_pending(self) -> None:
        notice, self._pending = self._pending, None
        if notice is None:
            return
        self.app.clear_notifications()
        self.app.notify(
            notice.message, title=notice.title, severity=notice.severity, timeout=notice.timeout
        )

    def status_changed(self, status: str, before: str) -> None:
        """The link to the server went from ``before`` to ``status``: say so if it matters."""
        notice = status_notice(status, before, self.until_online)
        if notice is not None:
            self.show(notice)

    def error_received(self, data: Mapping[str, Any]) -> None:
        """The server sent an ``ERROR``: say what it means, unless it is handled elsewhere."""
        notice = error_notice(data)
        if notice is not None:
            self.show(notice)
