"""``bartype.server.frames``: a key's frame read without websockets' parser, and the frame
boundaries that say when it may be; ``WebSocket`` over any split of any frames."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from websockets.client import ClientProtocol
from websockets.extensions.base import Extension
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.uri import parse_uri

from bartype.server.connection import Message, Phase, Settings, WebSocket
from bartype.server.frames import frame_rest, one_text_frame

NO_EXTENSIONS: list[Extension] = []


def client_frame(payload: bytes, opcode: Opcode = Opcode.TEXT, fin: bool = True) -> bytes:
    """A frame as a client sends it (masked), serialized by websockets."""
    return Frame(opcode, payload, fin).serialize(mask=True, extensions=NO_EXTENSIONS)


@given(st.binary(max_size=125))
def test_a_short_masked_text_frame_is_read_as_websockets_reads_it(payload: bytes) -> None:
    assert one_text_frame(client_frame(payload)) == payload


def test_every_other_frame_is_left_to_websockets() -> None:
    text = client_frame(b"x" * 10)
    others = [
        client_frame(b"x" * 126),  # a 16-bit length
        client_frame(b"x", fin=False),  # a fragment
        client_frame(b"x", Opcode.BINARY),
        client_frame(b"x", Opcode.PING),
        Frame(Opcode.TEXT, b"x").serialize(mask=False, extensions=NO_EXTENSIONS),
        bytes([text[0] | 0x40]) + text[1:],  # a reserved bit
        text + text,  # two frames
        text[:-1],  # part of one
        text[:5],
        b"",
    ]
    assert [one_text_frame(data) for data in others] == [None] * len(others)


_payloads = st.binary(max_size=200) | st.sampled_from([b"y" * 65_535, b"z" * 65_536])


@settings(max_examples=200, deadline=None)
@given(st.lists(_payloads, min_size=1, max_size=6), st.data())
def test_frame_rest_follows_the_frames_over_any_split(payloads: list[bytes], data: Any) -> None:
    """At the end of each piece, what is still to come of a frame, or -1 inside a head."""
    frames = [client_frame(p) for p in payloads]
    stream = b"".join(frames)
    ends, heads, at = [], [], 0
    for frame, payload in zip(frames, payloads, strict=True):
        heads.append((at, at + len(frame) - len(payload)))  # the head and the mask
        at += len(frame)
        ends.append(at)
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(stream) - 1), max_size=5))))
    need, start = 0, 0
    for cut in [*cuts, len(stream)]:
        rest = frame_rest(stream[start:cut], need)
        in_head = any(h0 < cut < h1 - 4 for h0, h1 in heads)  # the mask may be cut
        end = next(e for e in ends if e >= cut)
        if in_head:
            assert rest in (-1, end - cut)
        else:
            assert rest == end - cut
        if rest < 0:
            return  # lost: the connection would read every frame through websockets
        need, start = rest, cut


class _Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.out = bytearray()
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 40000) if name == "peername" else default

    def write(self, data: Any) -> None:
        self.out += data

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def can_write_eof(self) -> bool:
        return True

    def write_eof(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


class _Server:
    """Listener and doorkeeper: accepts every WebSocket, keeps its messages."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    def respond(self, ws: WebSocket, request: Request) -> Response | None:
        return None

    def opened(self, ws: WebSocket) -> None:
        ws.on_message = self.messages.append

    def lost(self, ws: WebSocket) -> None:
        pass

    def arrive(self, ws: WebSocket) -> None:
        ws.start()

    def left(self, ws: WebSocket, phase: Phase) -> None:
        pass


_messages = st.lists(
    st.tuples(
        st.sampled_from(["text", "fragments", "ping", "binary", "not UTF-8"]),
        st.text(max_size=150),
    ),
    min_size=1,
    max_size=8,
)


class _WebsocketsOnly(WebSocket):
    """``WebSocket`` reading every frame through websockets' parser: the reference."""

    def data_received(self, data: bytes) -> None:
        self._need = -1  # never where a frame ends, as far as it knows
        super().data_received(data)


@settings(max_examples=150, deadline=None)
@given(_messages, st.data(), st.booleans())
def test_any_split_of_any_frames_gives_what_websockets_alone_gives(
    messages: list[tuple[str, str]], data: Any, with_request: bool
) -> None:
    """However the client's bytes are cut into reads (the request and first frames in one
    read or not), the messages delivered and the bytes written are those of a connection
    that reads every frame through websockets; after a request read alone, every message
    arrives once, whole and in order, and pings are answered."""
    client = ClientProtocol(parse_uri("ws://127.0.0.1/ws"))
    client.send_request(client.connect())
    request = b"".join(client.data_to_send())
    stream = bytearray(request if with_request else b"")
    expected: list[Message] = []
    pings = 0
    for kind, text in messages:
        payload = text.encode()
        if kind == "text":
            stream += client_frame(payload)
            expected.append(text)
        elif kind == "binary":
            stream += client_frame(payload, Opcode.BINARY)
            expected.append(payload)
        elif kind == "not UTF-8":  # the connection fails (1007): nothing after it is read
            stream += client_frame(b"\xff" + payload)
        elif kind == "ping":
            stream += client_frame(payload[:125], Opcode.PING)
            pings += 1
        else:
            half = len(payload) // 2
            stream += client_frame(payload[:half], fin=False)
            stream += client_frame(payload[half:], Opcode.CONT)
            expected.append(text)
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(stream) - 1), max_size=6))))
    reads = [bytes(stream[a:b]) for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    if not with_request:
        reads.insert(0, request)
    messages_read, out = asyncio.run(_serve(WebSocket, reads))
    reference, reference_out = asyncio.run(_serve(_WebsocketsOnly, reads))
    assert messages_read == reference and _frames_of(out) == _frames_of(reference_out)
    if not with_request and all(kind != "not UTF-8" for kind, _ in messages):
        assert messages_read == expected
        client.receive_data(out)
        frames = [e for e in client.events_received() if isinstance(e, Frame)]
        assert [f.opcode for f in frames] == [Opcode.PONG] * pings


async def _serve(kind: type[WebSocket], reads: list[bytes]) -> tuple[list[Message], bytes]:
    """A connection given ``reads`` one by one: the messages it delivered, what it wrote."""
    server = _Server()
    ws = kind(Settings(server_header="test", ping_interval=None), server, server)
    transport = _Transport()
    ws.connection_made(transport)
    for read in reads:
        ws.data_received(read)
    ws.connection_lost(None)
    return server.messages, bytes(transport.out)


def _frames_of(out: bytes) -> bytes:
    """What a connection wrote after the handshake's answer (whose Date may differ)."""
    return out.partition(b"\r\n\r\n")[2] if out.startswith(b"HTTP/") else out
