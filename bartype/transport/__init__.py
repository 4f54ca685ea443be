"""Client transports: in-process loopback and WebSocket, behind one interface.

``bartype.transport.client.SessionClient`` is the entry point; the WebSocket
implementation (and so ``websockets``) is imported only by ``connect``.
"""

from __future__ import annotations
