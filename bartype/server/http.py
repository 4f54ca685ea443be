"""The server's answers over HTTP: ``/health``, the big-screen page, 404, and who may open ``/ws``.

Every request arrives as websockets' ``Request``; ``Routes.respond`` answers it
with a ``Response`` or returns ``None`` to let the WebSocket handshake go on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.http11 import Request, Response
from websockets.server import ServerProtocol

from bartype.server.page import page_response

log = logging.getLogger("bartype.server")

WS_PATH = "/ws"
HEALTH_PATH = "/health"


def json_response(protocol: ServerProtocol, status: HTTPStatus, body: dict[str, Any]) -> Response:
    """A JSON answer, with the headers of websockets' plain answers (``Date``, ``Connection``)."""
    response = protocol.reject(status, json.dumps(body) + "\n")
    del response.headers["Content-Type"]
    response.headers["Content-Type"] = "application/json"
    return response


def origin_allowed(origin: str, host: str | None, allowed: tuple[str, ...]) -> bool:
    """A browser page may use ``/ws`` if it is the server's own, or its origin is allowed.

    Browsers send ``Origin`` with every WebSocket handshake and let any site's
    script open one: without this check a page anywhere could use the server
    with its visitor's network position. Clients that are not browsers send no
    ``Origin`` and are not affected.
    """
    origin = origin.rstrip("/").lower()
    if origin in allowed:
        return True
    parts = urlsplit(origin)
    return (
        parts.scheme in ("http", "https")
        and host is not None
        and parts.netloc == host.lower()
        and not parts.path
    )


def resume_query(path: str) -> tuple[str | None, str | None]:
    """``(sessionId, token)`` of ``/ws?sessionId=…&token=…``; ``sessionId`` is ``None``
    unless the query asks to resume (any resume query does: an empty or missing id
    matches no session, 4001)."""
    query = parse_qs(urlsplit(path).query, keep_blank_values=True)
    token = query["token"][0] if "token" in query else None
    resume = "sessionId" in query or "token" in query
    return (query.get("sessionId", [""])[0] if resume else None), token


class Routes:
    """What each path gets; the server's state is read through the callables it is given."""

    def __init__(
        self,
        *,
        allowed_origins: tuple[str, ...],
        max_connections: int,
        health: Callable[[], dict[str, Any]],
        connections: Callable[[], int],
        serving: Callable[[], bool],
    ) -> None:
        self.allowed_origins = allowed_origins
        self.max_connections = max_connections
        self.health = health
        self.connections = connections
        self.serving = serving

    def respond(self, protocol: ServerProtocol, request: Request, peer: str) -> Response | None:
        """The answer to ``request`` from ``peer``, or ``None``: go on with the handshake."""
        path = urlsplit(request.path).path
        if path == HEALTH_PATH:
            return json_response(protocol, HTTPStatus.OK, self.health())
        page = page_response(path, request.headers.get("Host"))
        if page is not None:
            return page
        if path != WS_PATH:
            return json_response(
                protocol,
                HTTPStatus.NOT_FOUND,
                {"error": f"Unknown path {path!r}; the WebSocket endpoint is {WS_PATH}."},
            )
        origin = request.headers.get("Origin")
        host = request.headers.get("Host")
        if origin is not None and not origin_allowed(origin, host, self.allowed_origins):
            log.warning("refused a connection from %s: Origin %s", peer, origin)
            return json_response(
                protocol,
                HTTPStatus.FORBIDDEN,
                {"error": "WebSocket connections from other sites' pages are refused."},
            )
        open_now = self.connections()
        if open_now >= self.max_connections:
            log.warning("refused a connection: %d open (limit)", open_now)
            return json_response(
                protocol,
                HTTPStatus.SERVICE_UNAVAILABLE,
                {"error": "Too many connections; try again later."},
            )
        if not self.serving():
            # As websockets does: a handshake that ends while the server stops is refused.
            return protocol.reject(HTTPStatus.SERVICE_UNAVAILABLE, "Server is shutting down.\n")
        return None
