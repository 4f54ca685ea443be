"""Finding ``bartype serve`` on the LAN: an mDNS/DNS-SD browser, and ``bartype servers``.

``ServerBrowser`` browses ``_bartype._tcp.local.`` with zeroconf's asyncio
API, resolves each server it sees (address, port, TXT record) and keeps
``servers`` current as they appear, change (the open-rooms count) and
disappear, calling ``on_change`` for each change. ``find_servers`` is the
one-shot form. Everything a TXT record says comes from whoever answered on
the link: it is decoded leniently (``ServerTxt.parse``) and shown through
``visible`` as ``rich.text.Text``, never as markup.

zeroconf is imported only when browsing starts, so ``bartype play`` does not
load it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import enum
import functools
import ipaddress
import json
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from bartype.core.normalize import visible
from bartype.core.records import frozen
from bartype.protocol.discovery import MAX_TXT_CHARS, SERVICE_TYPE, ServerTxt

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from zeroconf import ServiceStateChange, Zeroconf
    from zeroconf.asyncio import AsyncServiceBrowser, AsyncZeroconf

CHECK_S = 15.0
"""How often the browser looks for servers whose records expired (and asks them again)."""
_SRV, _IN = 33, 1
"""DNS record type SRV (RFC 2782) and class IN."""
RESOLVE_TIMEOUT_S = 3.0
"""How long to wait for a server's address, port and TXT record once it is seen."""

Change = Literal["added", "updated", "removed"]


class DiscoveryError(Exception):
    """mDNS cannot run here (no usable network interface, say); the message says why."""


@frozen
class FoundServer:
    """A ``bartype serve`` seen on the LAN.

    ``instance`` is its DNS-SD instance name, unique on the link; ``name``
    and ``version`` are as the server's TXT record says (raw, length-limited:
    pass them through ``visible`` before showing them).
    """

    instance: str
    name: str
    addresses: tuple[str, ...]
    port: int
    version: str
    protocol: int | None
    rooms: int | None
    path: str = "/ws"

    @property
    def address(self) -> str:
        """The address to connect to (the first: one on this machine's networks if any)."""
        return self.addresses[0]

    @property
    def url(self) -> str:
        """What ``bartype play --server`` takes to reach this server."""
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"ws://{host}:{self.port}" + ("" if self.path == "/ws" else self.path)

    def to_json(self) -> dict[str, Any]:
        """The server as ``bartype servers --json`` prints it."""
        return {
            "name": self.name,
            "address": self.address,
            "addresses": list(self.addresses),
            "port": self.port,
            "url": self.url,
            "version": self.version,
            "protocol": self.protocol,
            "rooms": self.rooms,
            "instance": self.instance,
        }


def reachable_first(
    addresses: Sequence[str], networks: Sequence[ipaddress.IPv4Network]
) -> tuple[str, ...]:
    """``addresses`` with those on one of ``networks`` (this machine's) first, else in order.

    A server bound to 0.0.0.0 on a laptop with Wi-Fi and Ethernet announces
    both addresses; the one on a network this client is on is the one to use.
    """

    def elsewhere(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return True
        return not any(ip in network for network in networks)

    return tuple(sorted(addresses, key=elsewhere))  # stable: announced order otherwise


def local_networks() -> list[ipaddress.IPv4Network]:
    """The IPv4 networks this machine has an address on."""
    import ifaddr

    return [
        ipaddress.IPv4Network(f"{ip.ip}/{ip.network_prefix}", strict=False)
        for adapter in ifaddr.get_adapters()
        for ip in adapter.ips
        if isinstance(ip.ip, str)
    ]


def _instance_label(instance: str) -> str:
    label = (
        instance[: -len(SERVICE_TYPE) - 1] if instance.endswith("." + SERVICE_TYPE) else instance
    )
    return label[:MAX_TXT_CHARS]


class BrowserState(enum.Enum):
    """Where a ``ServerBrowser`` is in its life::

    IDLE --start()--> BROWSING --stop()--> STOPPED
      |                                       ^
      +--- stop(), or start() failing --------+
    """

    IDLE = "idle"
    BROWSING = "browsing"
    STOPPED = "stopped"


class ServerBrowser:
    """Keeps the list of bartype servers on the LAN current while it browses.

    ``interfaces`` are the local IPv4 addresses to use for mDNS (default:
    all of this machine's). ``on_change(change, server)`` is called in the
    event loop for every server ``"added"``, ``"updated"`` (its TXT record or
    addresses changed) or ``"removed"`` (it said goodbye, or its records
    expired).
    """

    def __init__(
        self,
        on_change: Callable[[Change, FoundServer], None] | None = None,
        *,
        interfaces: Sequence[str] | None = None,
        resolve_timeout_s: float = RESOLVE_TIMEOUT_S,
        check_s: float = CHECK_S,
    ) -> None:
        self._on_change = on_change
        self._interfaces = list(interfaces) if interfaces is not None else None
        self._resolve_timeout_ms = resolve_timeout_s * 1000
        self._check_s = check_s
        self._checker: asyncio.Task[None] | None = None
        self._state = BrowserState.IDLE
        self._zc: AsyncZeroconf | None = None
        self._browser: AsyncServiceBrowser | None = None
        self._servers: dict[str, FoundServer] = {}
        self._resolving: dict[str, asyncio.Task[None]] = {}
        self._networks: list[ipaddress.IPv4Network] = []

    @property
    def state(self) -> BrowserState:
        return self._state

    @property
    def servers(self) -> list[FoundServer]:
        """The servers seen and not gone, by name then address."""
        return sorted(
            self._servers.values(), key=lambda s: (s.name.lower(), s.address, s.port, s.instance)
        )

    async def start(self) -> None:
        """Start browsing; raises ``DiscoveryError`` if mDNS cannot start here."""
        if self._state is not BrowserState.IDLE:
            raise RuntimeError(f"browser cannot start when {self._state.name}")
        from zeroconf import InterfaceChoice, IPVersion
        from zeroconf.asyncio import AsyncServiceBrowser, AsyncZeroconf

        try:
            self._networks = local_networks()
            self._zc = AsyncZeroconf(
                interfaces=self._interfaces
                if self._interfaces is not None
                else InterfaceChoice.All,
                ip_version=IPVersion.V4Only,
            )
            self._browser = AsyncServiceBrowser(
                self._zc.zeroconf, [SERVICE_TYPE], handlers=[self._state_changed]
            )
        except Exception as exc:
            self._state = BrowserState.STOPPED
            await self._close()
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise DiscoveryError(f"cannot look for servers on the LAN (mDNS: {reason})") from exc
        self._state = BrowserState.BROWSING
        self._checker = asyncio.get_running_loop().create_task(self._check_forever())

    async def stop(self) -> None:
        """Stop browsing and close the sockets; safe to call again."""
        if self._state is BrowserState.STOPPED:
            return
        self._state = BrowserState.STOPPED
        await self._close()

    async def settle(self, timeout_s: float) -> None:
        """Wait (at most ``timeout_s``) for the servers being resolved now."""
        pending = [t for t in self._resolving.values() if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout_s)

    async def _check_forever(self) -> None:
        """Drop the servers that died without a goodbye.

        zeroconf keeps a service's PTR record at least 1,125 s whatever its TTL,
        but its SRV record expires with the server's TTL (120 s for bartype):
        a server whose SRV expired is asked again, and dropped if it is silent.
        """
        from zeroconf import current_time_millis
        from zeroconf.asyncio import AsyncServiceInfo

        while True:
            await asyncio.sleep(self._check_s)
            zc = self._zc
            if zc is None:
                return
            now = current_time_millis()
            for name in list(self._servers):
                records = zc.zeroconf.cache.get_all_by_details(name, _SRV, _IN)
                if any(not r.is_expired(now) for r in records) or name in self._resolving:
                    continue
                info = AsyncServiceInfo(SERVICE_TYPE, name)
                if not await info.async_request(zc.zeroconf, self._resolve_timeout_ms):
                    gone = self._servers.pop(name, None)
                    if gone is not None and self._state is BrowserState.BROWSING:
                        self._emit("removed", gone)

    async def _close(self) -> None:
        if self._checker is not None:
            self._checker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checker
            self._checker = None
        for task in self._resolving.values():
            task.cancel()
        self._resolving.clear()
        browser, self._browser = self._browser, None
        zc, self._zc = self._zc, None
        with contextlib.suppress(Exception):
            if browser is not None:
                await browser.async_cancel()
        with contextlib.suppress(Exception):
            if zc is not None:
                await zc.async_close()

    async def __aenter__(self) -> ServerBrowser:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _state_changed(
        self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        from zeroconf import ServiceStateChange

        if self._state is not BrowserState.BROWSING:
            return
        previous = self._resolving.pop(name, None)
        if previous is not None:
            previous.cancel()
        if state_change is ServiceStateChange.Removed:
            gone = self._servers.pop(name, None)
            if gone is not None:
                self._emit("removed", gone)
            return
        task = asyncio.get_running_loop().create_task(self._resolve(zeroconf, name))
        self._resolving[name] = task
        task.add_done_callback(functools.partial(self._resolved, name))

    def _resolved(self, name: str, task: asyncio.Task[None]) -> None:
        if self._resolving.get(name) is task:
            del self._resolving[name]

    async def _resolve(self, zeroconf: Zeroconf, name: str) -> None:
        from zeroconf import IPVersion
        from zeroconf.asyncio import AsyncServiceInfo

        info = AsyncServiceInfo(SERVICE_TYPE, name)
        if not await info.async_request(zeroconf, self._resolve_timeout_ms):
            return
        addresses = reachable_first(info.parsed_addresses(IPVersion.V4Only), self._networks)
        if not addresses or not info.port:
            return
        txt = ServerTxt.parse(info.properties)
        server = FoundServer(
            instance=name,
            name=txt.name or _instance_label(name),
            addresses=addresses,
            port=info.port,
            version=txt.version,
            protocol=txt.protocol,
            rooms=txt.rooms,
            path=txt.path,
        )
        if self._state is not BrowserState.BROWSING:
            return
        before = self._servers.get(name)
        if before == server:
            return
        self._servers[name] = server
        self._emit("added" if before is None else "updated", server)

    def _emit(self, change: Change, server: FoundServer) -> None:
        if self._on_change is not None:
            self._on_change(change, server)


async def find_servers(
    timeout_s: float = 3.0, *, interfaces: Sequence[str] | None = None
) -> list[FoundServer]:
    """The bartype servers that answer within ``timeout_s``; raises ``DiscoveryError``."""
    async with ServerBrowser(interfaces=interfaces) as browser:
        await asyncio.sleep(timeout_s)
        await browser.settle(1.0)
        return browser.servers


# -- bartype servers --------------------------------------------------------


def servers_table(servers: Sequence[FoundServer]) -> Table:
    """The servers as a Rich table; every foreign string as plain ``Text``."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="bartype servers on the LAN", title_justify="left")
    table.add_column("Name")
    table.add_column("Connect with --server")
    table.add_column("Version")
    table.add_column("Protocol", justify="right")
    table.add_column("Open rooms", justify="right")
    for server in servers:
        table.add_row(
            Text(visible(server.name, 40)),
            Text(server.url),
            Text(visible(server.version, 20)),
            Text(_number(server.protocol)),
            Text(_number(server.rooms)),
        )
    return table


def _number(value: int | None) -> str:
    return "?" if value is None else str(value)


def _change_line(change: Change, server: FoundServer) -> Any:
    from rich.text import Text

    mark = {"added": "+", "updated": "~", "removed": "-"}[change]
    line = Text(f"{mark} ")
    line.append(visible(server.name, 40), style="bold")
    line.append(f"  {server.url}")
    if change != "removed":
        line.append(
            f"  bartype {visible(server.version, 20)}, protocol {_number(server.protocol)},"
            f" {_number(server.rooms)} open rooms"
        )
    return line


def run_servers(args: argparse.Namespace) -> int:
    """Entry point of ``bartype servers``: 0 servers found, 1 none, 2 mDNS unavailable."""
    from rich.console import Console

    console = Console(highlight=False)
    try:
        if args.watch:
            return asyncio.run(_watch(console, args.json))
        servers = asyncio.run(find_servers(args.timeout))
    except DiscoveryError as exc:
        print(f"bartype servers: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    if args.json:
        print(json.dumps([s.to_json() for s in servers], indent=2))
    elif servers:
        console.print(servers_table(servers))
    else:
        print(
            f"No bartype server answered on the LAN within {args.timeout:g} s. Is one running "
            "with --host 0.0.0.0 (or --advertise)? mDNS does not cross routers or VPNs: "
            "connect with bartype play --server ws://HOST:PORT instead.",
            file=sys.stderr,
        )
    return 0 if servers else 1


async def _watch(console: Console, as_json: bool) -> int:
    def changed(change: Change, server: FoundServer) -> None:
        if as_json:
            print(json.dumps({"event": change, "server": server.to_json()}), flush=True)
        else:
            console.print(_change_line(change, server))

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with ServerBrowser(changed):
        if not as_json:
            console.print("Looking for bartype servers on the LAN (Ctrl+C to stop)...")
        await stop.wait()
    return 0
