"""The big-screen page: ``GET /rooms/CODE`` shows a room's race live in a browser.

The page is static (``static/room.html`` with its stylesheet and script, no build
step, nothing fetched from elsewhere). Its script joins the room over ``/ws`` as a
spectator, like any client, so the server answers the same page for every code and
the page itself says when a room does not exist. Everything it shows from the
network is set as text, never parsed as HTML; the Content-Security-Policy allows
scripts, styles and connections only from this server.
"""

from __future__ import annotations

import re
from functools import cache
from http import HTTPStatus
from importlib.resources import files

from websockets.datastructures import Headers
from websockets.http11 import Response

ROOM_PATH = re.compile(r"/rooms/[^/]{1,20}/?")
"""A room page: any code (the script asks the server whether the room exists)."""
STATIC = {
    "/static/room.js": ("room.js", "text/javascript; charset=utf-8"),
    "/static/room.css": ("room.css", "text/css; charset=utf-8"),
}
HOST = re.compile(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?")
"""A Host header safe to repeat in the policy (anything else: ``'self'`` alone)."""


@cache
def _asset(name: str) -> bytes:
    return (files("bartype.server") / "static" / name).read_bytes()


def _policy(host: str | None) -> str:
    # 'self' covers ws: to the same host in current browsers; the explicit origin is
    # for those that read 'self' as http(s) only.
    connect = "'self'" + (f" ws://{host}" if host and HOST.fullmatch(host) else "")
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        f"connect-src {connect}; img-src 'none'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    )


def page_response(path: str, host: str | None) -> Response | None:
    """The answer to ``GET path`` if it is the page or one of its files, else None."""
    if ROOM_PATH.fullmatch(path):
        name, content_type = "room.html", "text/html; charset=utf-8"
    elif path in STATIC:
        name, content_type = STATIC[path]
    else:
        return None
    body = _asset(name)
    headers = Headers(
        [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Content-Security-Policy", _policy(host)),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Frame-Options", "DENY"),
            ("Cache-Control", "no-cache"),
        ]
    )
    return Response(HTTPStatus.OK.value, HTTPStatus.OK.phrase, headers, body)
