"""The discovery screen of ``bartype race``: the servers on the LAN, live, or an address.

It browses for ``bartype serve`` with ``transport.discovery.ServerBrowser``
while it is shown, listing each server as it appears, changes (its open
rooms) and goes. Arrows and Enter choose one; an address typed below goes
where mDNS does not. An optional room code joins a room there (empty: make a
new one). Everything a server announces is shown as data (``foreign``).

The screen posts ``Chosen``; the ``RaceApp`` connects and shows the lobby.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from bartype.protocol.messages import PROTOCOL_VERSION
from bartype.protocol.rooms import normalize_code
from bartype.transport.discovery import Change, DiscoveryError, FoundServer, ServerBrowser
from bartype.tui.safe import foreign, visible
from bartype.tui.widgets.line import TextLine

Browse = Callable[[Callable[[Change, FoundServer], None]], ServerBrowser]
"""Makes the browser, given what to call on each change (tests bind it to loopback)."""

LOOKING = "Looking for bartype servers on the LAN…"
NONE_YET = (
    "No server has answered yet. Is one running with --host 0.0.0.0? mDNS does not cross "
    "routers or VPNs: type the address below instead."
)

_CSS = """
#discover-column { width: 100%; max-width: 120; height: 100%; padding: 0 1; }
#servers { height: 1fr; min-height: 4; }
.discover-field { height: 3; }
.discover-field Label { width: 12; padding: 1 1 0 0; }
.discover-field Input { width: 1fr; }
#discover-status { color: $text-warning; height: auto; max-height: 3; }
"""


def _number(value: int | None) -> str:
    return "?" if value is None else str(value)


def speaks_our_protocol(server: FoundServer) -> bool:
    """Whether we can race there (a server that does not say is given the benefit)."""
    return server.protocol is None or server.protocol == PROTOCOL_VERSION


class DiscoveryScreen(Screen[None]):
    """The servers found on the LAN, refreshed live, and a manual address."""

    class Chosen(Message):
        """The racer chose a server (``url``) and, maybe, a room there."""

        def __init__(self, url: str, room: str | None, label: str) -> None:
            super().__init__()
            self.url = url
            self.room = room
            self.label = label
            """What to call the server in messages (its advertised name, or the address)."""

    DEFAULT_CSS = _CSS
    BINDINGS = [Binding("escape", "app.quit", "quit", priority=True)]

    def __init__(self, browse: Browse | None = None, *, room: str | None = None) -> None:
        super().__init__()
        self._browse = browse or (lambda changed: ServerBrowser(changed))
        self._room = room or ""
        self.browser: ServerBrowser | None = None
        self.servers: list[FoundServer] = []
        """As listed now, in the table's order."""
        self._status: Text | str = LOOKING

    def compose(self) -> ComposeResult:
        with Vertical(id="discover-column"):
            yield TextLine(Text("Race on the LAN: choose a server", style="bold"))
            yield TextLine("↑↓ choose · enter: race there · tab: type an address or a room code")
            yield DataTable(id="servers", cursor_type="row", zebra_stripes=True)
            with Horizontal(classes="discover-field"):
                yield Label("Address")
                yield Input(placeholder="or type HOST:PORT (ws://HOST:PORT)", id="address")
            with Horizontal(classes="discover-field"):
                yield Label("Room code")
                yield Input(self._room, placeholder="empty: make a new room", id="room")
            yield Static(id="discover-status")
        yield Footer()

    async def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Name", key="name")
        table.add_column("Address", key="address")
        table.add_column("Open rooms", key="rooms")
        table.add_column("Version", key="version")
        table.focus()
        self.show_status(self._status)
        self.start_browsing()

    def start_browsing(self) -> None:
        """Look for servers (again, after ``stop_browsing``: the list starts afresh)."""
        if self.browser is None:
            self.servers = []
            self._fill(None)
            self.run_worker(self._start_browsing(), exclusive=True, group="browse")

    async def _start_browsing(self) -> None:
        browser = self.browser = self._browse(self._changed)
        try:
            await browser.start()
        except DiscoveryError as exc:
            self.show_status(foreign(f"{exc}. Type the server's address below.", limit=300))
            return
        if not self.servers:
            self.set_timer(3.0, self._nothing_yet)

    def _nothing_yet(self) -> None:
        if not self.servers and str(self._status) == LOOKING:
            self.show_status(NONE_YET)

    async def stop_browsing(self) -> None:
        """Stop looking (the racer is in a room); safe to call again."""
        browser, self.browser = self.browser, None
        if browser is not None:
            await browser.stop()

    async def on_unmount(self) -> None:
        await self.stop_browsing()

    # -- the list --------------------------------------------------------------

    def _changed(self, change: Change, server: FoundServer) -> None:
        browser = self.browser
        if browser is None or not self.is_mounted:
            return
        current = self.highlighted()
        self.servers = browser.servers
        self._fill(current)
        if str(self._status) in (LOOKING, NONE_YET):
            self.show_status("")

    def _fill(self, current: FoundServer | None) -> None:
        """Rebuild the rows, keeping the cursor on the server it was on (``current``)."""
        table = self.query_one(DataTable)
        table.clear()
        for server in self.servers:
            ours = speaks_our_protocol(server)
            style = "" if ours else "dim"
            version = visible(server.version, 20) or "?"
            if not ours:
                version += f" (protocol {server.protocol})"
            table.add_row(
                foreign(server.name, style, limit=40),
                Text(server.url, style=style),
                Text(_number(server.rooms), style=style),
                Text(version, style=style),
                key=server.instance,
            )
        if current is not None:
            for row, server in enumerate(self.servers):
                if server.instance == current.instance:
                    table.move_cursor(row=row)

    def highlighted(self) -> FoundServer | None:
        """The server the cursor is on, if any."""
        table = self.query_one(DataTable)
        if not self.servers or table.row_count == 0:
            return None
        row = table.cursor_row
        return self.servers[row] if 0 <= row < len(self.servers) else None

    # -- choosing ---------------------------------------------------------------

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._choose(from_list=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._choose(from_list=False)

    def _choose(self, *, from_list: bool) -> None:
        raw_room = self.query_one("#room", Input).value.strip()
        room = normalize_code(raw_room) if raw_room else None
        if raw_room and room is None:
            self.show_status(
                foreign(f"{raw_room!r} is not a room code: 4 to 6 letters, as the lobby shows it.")
            )
            return
        address = self.query_one("#address", Input).value.strip()
        if address and not from_list:
            self.post_message(self.Chosen(address, room, address))
            return
        server = self.highlighted()
        if server is None:
            self.show_status("No server to choose yet: wait for one, or type its address.")
            return
        if not speaks_our_protocol(server):
            self.show_status(
                Text.assemble(
                    foreign(server.name, limit=40),
                    f" speaks protocol {server.protocol}; this bartype speaks "
                    f"{PROTOCOL_VERSION}. Update the older of the two.",
                )
            )
            return
        self.post_message(self.Chosen(server.url, room, server.name))

    def show_status(self, text: Text | str) -> None:
        self._status = text
        if self.is_mounted:  # a Text, never markup: it may quote a server
            self.query_one("#discover-status", Static).update(
                foreign(text) if isinstance(text, str) else text
            )
