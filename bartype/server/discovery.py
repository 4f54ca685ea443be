"""``bartype serve`` announces itself on the LAN with mDNS/DNS-SD (zeroconf).

A server bound to a LAN address registers a ``_bartype._tcp.local.`` service
whose TXT record says its name, version, protocol version and how many rooms
are open (see ``bartype.protocol.discovery`` and docs/protocol.md), keeps the
record current while it runs, and withdraws it (goodbye packets) when it
stops. A server bound to loopback only is advertised only when asked, and
then only on loopback. Discovery is a convenience: if mDNS cannot start, one
warning is logged and the server serves as if it had never been asked.

zeroconf is imported only when advertising starts, so ``bartype serve
--help`` and ``bartype play`` never load it.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import ipaddress
import logging
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from bartype import __version__
from bartype.protocol.discovery import SERVICE_TYPE, ServerTxt, fit_server_name
from bartype.protocol.messages import PROTOCOL_VERSION

if TYPE_CHECKING:
    from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

log = logging.getLogger("bartype.server.discovery")

REFRESH_S = 1.0
"""How often the open-rooms count is read; the TXT record is re-announced when it changed."""
RECORD_TTL_S = 120
"""The TTL of every record of the service, PTR and TXT included (zeroconf's default for
those is 75 minutes): browsers that honour it (and ``ServerBrowser``, which asks again
when a server's records expired) drop a server that died without its goodbye within
about 2 minutes. (zeroconf's own cache keeps a PTR at least 1,125 s.)"""
STOP_TIMEOUT_S = 2.0
"""The longest withdrawing (goodbye packets, closing sockets) may hold up a shutdown."""


def no_rooms() -> int:
    """The open-rooms count of a server that has no rooms (yet)."""
    return 0


def default_server_name() -> str:
    """The name a server advertises when not given one: this machine's host name."""
    return fit_server_name(socket.gethostname())


def advertised_addresses(bound: Sequence[str], *, explicit: bool) -> list[str]:
    """The IPv4 addresses to announce (and send mDNS on) for a server bound to ``bound``.

    A specific LAN address is announced as it is; a wildcard (``0.0.0.0``,
    ``::``) stands for every non-loopback IPv4 address of this machine.
    Loopback addresses are announced only when ``explicit`` (``--advertise``)
    and nothing else is: a loopback server cannot be reached from the LAN.
    An empty list means "do not advertise".
    """
    lan: list[str] = []
    loopback: list[str] = []
    for host in bound:
        try:
            address = ipaddress.ip_address(host.split("%", 1)[0])
        except ValueError:
            continue
        if address.is_unspecified:
            lan.extend(a for a in _machine_ipv4_addresses() if not a.startswith("127."))
            loopback.append("127.0.0.1")
        elif address.version != 4:
            continue  # IPv4 only: link-local IPv6 needs scopes that clients rarely handle
        elif address.is_loopback:
            loopback.append(str(address))
        else:
            lan.append(str(address))
    chosen = lan or (loopback if explicit else [])
    return list(dict.fromkeys(chosen))


def _machine_ipv4_addresses() -> list[str]:
    import ifaddr

    return [
        str(ip.ip)
        for adapter in ifaddr.get_adapters()
        for ip in adapter.ips
        if isinstance(ip.ip, str)
    ]


class AdvertiserState(enum.Enum):
    """Where an ``Advertiser`` is in its life::

    IDLE --start()--> STARTING --registered--> ADVERTISED
                         |                          |
                         | mDNS error               | stop()
                         v                          v
                       FAILED <--mDNS error--   STOPPING --> STOPPED
    (stop() from IDLE, STARTING or FAILED also ends in STOPPED)
    """

    IDLE = "idle"
    STARTING = "starting"
    ADVERTISED = "advertised"
    FAILED = "failed"
    STOPPING = "stopping"
    STOPPED = "stopped"


_TRANSITIONS = {
    AdvertiserState.IDLE: {AdvertiserState.STARTING, AdvertiserState.STOPPED},
    AdvertiserState.STARTING: {
        AdvertiserState.ADVERTISED,
        AdvertiserState.FAILED,
        AdvertiserState.STOPPING,
    },
    AdvertiserState.ADVERTISED: {AdvertiserState.FAILED, AdvertiserState.STOPPING},
    AdvertiserState.FAILED: {AdvertiserState.STOPPING},
    AdvertiserState.STOPPING: {AdvertiserState.STOPPED},
    AdvertiserState.STOPPED: set(),
}


class Advertiser:
    """Registers one ``bartype serve`` as a DNS-SD service while it runs.

    ``start()`` returns at once: probing the name takes about 1.5 s and runs
    in a task, so the server accepts clients meanwhile. ``rooms`` is read
    every ``refresh_s`` seconds and the TXT record re-announced when it
    changed. ``stop()`` withdraws the service, within ``STOP_TIMEOUT_S``.
    Nothing here raises into the server: a failure is logged once and
    leaves the state ``FAILED``.
    """

    def __init__(
        self,
        name: str,
        port: int,
        addresses: Sequence[str],
        *,
        rooms: Callable[[], int] = no_rooms,
        path: str = "/ws",
        refresh_s: float = REFRESH_S,
        record_ttl_s: int = RECORD_TTL_S,
    ) -> None:
        if not addresses:
            raise ValueError("an advertisement needs at least one address")
        self.name = name
        self.port = port
        self.addresses = tuple(addresses)
        self._rooms = rooms
        self._path = path
        self._refresh_s = refresh_s
        self._record_ttl_s = record_ttl_s
        self._state = AdvertiserState.IDLE
        self._task: asyncio.Task[None] | None = None
        self._zc: AsyncZeroconf | None = None
        self._info: AsyncServiceInfo | None = None
        self._txt = ServerTxt(name, __version__, PROTOCOL_VERSION, 0, path)
        self._rooms_failed = False
        # A host name of its own (not the machine's, which another responder may
        # own): two servers advertising the same name must not share A records.
        label = "".join(c if c.isascii() and c.isalnum() else "-" for c in name.lower())
        self._host = f"bartype-{label.strip('-')[:40] or 'server'}-{secrets.token_hex(3)}.local."
        self.registered = asyncio.Event()
        """Set once the service is announced (tests wait on it)."""

    @property
    def state(self) -> AdvertiserState:
        return self._state

    @property
    def instance_name(self) -> str | None:
        """The DNS-SD instance name in use (``"<name>-2"`` after a conflict), once registered."""
        return self._info.name if self._info is not None else None

    @property
    def txt(self) -> ServerTxt:
        """The TXT record announced last (or about to be)."""
        return self._txt

    def _move(self, new: AdvertiserState) -> None:
        if new not in _TRANSITIONS[self._state]:
            raise RuntimeError(f"advertiser cannot go from {self._state.name} to {new.name}")
        self._state = new

    def start(self) -> None:
        """Begin advertising in the background (call from the server's event loop)."""
        self._move(AdvertiserState.STARTING)
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Withdraw the service and close mDNS; safe in any state, never raises."""
        if self._state is AdvertiserState.STOPPED:
            return
        if self._state is AdvertiserState.IDLE:
            self._move(AdvertiserState.STOPPED)
            return
        self._move(AdvertiserState.STOPPING)
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._close()
        self._move(AdvertiserState.STOPPED)

    async def _close(self) -> None:
        zc, self._zc = self._zc, None
        if zc is None:
            return
        try:
            # Sends the goodbye packets (TTL 0) for what was registered, then closes the sockets.
            await asyncio.wait_for(zc.async_close(), STOP_TIMEOUT_S)
        except Exception as exc:  # shutting down goes on regardless
            log.warning("could not withdraw the LAN advertisement cleanly: %s", _describe(exc))
        else:
            if self._info is not None:
                log.info("withdrew the LAN advertisement")

    async def _run(self) -> None:
        try:
            from zeroconf import IPVersion
            from zeroconf.asyncio import AsyncZeroconf

            self._txt = ServerTxt(self.name, __version__, PROTOCOL_VERSION, self._read_rooms(0))
            self._zc = AsyncZeroconf(interfaces=list(self.addresses), ip_version=IPVersion.V4Only)
            self._info = self._service_info(self._txt)
            announced = await self._zc.async_register_service(self._info, allow_name_change=True)
            # Registered: the name is ours and answered for; the announcements follow.
            self._move(AdvertiserState.ADVERTISED)
            self.registered.set()
            log.info(
                "advertised with mDNS as %r (%s) at %s port %d",
                self.name,
                SERVICE_TYPE,
                ", ".join(self.addresses),
                self.port,
            )
            await announced
            while True:
                await asyncio.sleep(self._refresh_s)
                rooms = self._read_rooms(self._txt.rooms or 0)
                if rooms != self._txt.rooms:
                    await self._update(rooms)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # mDNS is optional: the server must go on
            log.warning(
                "LAN discovery is off (mDNS on %s: %s); clients can still connect "
                "with bartype play --server ws://HOST:%d",
                ", ".join(self.addresses),
                _describe(exc),
                self.port,
            )
            if self._state in (AdvertiserState.STARTING, AdvertiserState.ADVERTISED):
                self._move(AdvertiserState.FAILED)
            await self._close()

    async def _update(self, rooms: int) -> None:
        assert self._zc is not None and self._info is not None
        self._txt = replace(self._txt, rooms=rooms)
        self._info = self._service_info(self._txt, name=self._info.name)
        announced = await self._zc.async_update_service(self._info)
        await announced

    def _read_rooms(self, last: int) -> int:
        """The open-rooms count now; the last one if the callable fails (logged once)."""
        try:
            rooms = int(self._rooms())
        except Exception:
            if not self._rooms_failed:
                self._rooms_failed = True
                log.exception("could not count the open rooms; advertising %d", last)
            return last
        return max(0, rooms)

    def _service_info(self, txt: ServerTxt, name: str | None = None) -> AsyncServiceInfo:
        from zeroconf.asyncio import AsyncServiceInfo

        return AsyncServiceInfo(
            SERVICE_TYPE,
            name or f"{self.name}.{SERVICE_TYPE}",
            port=self.port,
            properties=dict(txt.properties()),
            server=self._host,
            host_ttl=self._record_ttl_s,
            other_ttl=self._record_ttl_s,
            parsed_addresses=list(self.addresses),
        )


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    return text


def start_advertising(
    bound: Sequence[str],
    port: int,
    *,
    advertise: bool | None,
    name: str | None,
    rooms: Callable[[], int] = no_rooms,
    path: str = "/ws",
) -> Advertiser | None:
    """Start advertising a server bound to ``bound`` on ``port``, if it should be.

    ``advertise`` is ``--advertise`` (``True``), ``--no-advertise`` (``False``)
    or neither (``None``: advertise when bound to a LAN address). Returns the
    running ``Advertiser``, or ``None`` (with the reason logged) when not
    advertising.
    """
    if advertise is False:
        return None
    addresses = advertised_addresses(bound, explicit=advertise is True)
    if not addresses:
        log.info(
            "not advertised on the LAN: bound to loopback only "
            "(--host 0.0.0.0 serves the LAN; --advertise announces it anyway)"
        )
        return None
    try:
        # Once, here rather than in the task: the import holds the loop for ~0.1 s.
        import zeroconf.asyncio  # noqa: F401
    except ImportError as exc:
        log.warning("LAN discovery is off: %s (pip install zeroconf)", exc)
        return None
    advertiser = Advertiser(name or default_server_name(), port, addresses, rooms=rooms, path=path)
    advertiser.start()
    return advertiser
