"""The usual frame of a key, read without websockets' frame parser, and frame boundaries.

A typist's client sends one small text frame per batch of keys, and each arrives as one
read. websockets' parser (a generator per frame, reading its head, mask and payload in
steps) is the largest cost of such a frame outside the handler. ``one_text_frame``
reads it in a few steps instead, when the read is exactly one masked, final text frame
of fewer than 126 bytes; anything else (a control frame, a fragment, a longer frame,
several frames or part of one, a reserved bit set, no mask) goes to websockets as before.

That is only right while websockets holds no part of a frame: ``frame_rest`` follows
where the frames end in what websockets is given (``WebSocket`` keeps the count).
"""

from __future__ import annotations

_FINAL_TEXT = 0x81
"""FIN, no reserved bit, the text opcode: the first byte of every frame read here."""
_SHORT_MASKED = 0x80 | 125
"""The second byte's largest value here: masked, a payload length of 125 at most."""


def one_text_frame(data: bytes) -> bytes | None:
    """The payload, unmasked, if ``data`` is exactly one masked, final, text frame of
    fewer than 126 bytes (RFC 6455 §5.2); ``None`` for anything else."""
    if len(data) < 6 or data[0] != _FINAL_TEXT:
        return None
    head = data[1]
    if head < 0x80 or head > _SHORT_MASKED or len(data) != 6 + (head & 0x7F):
        return None
    return _apply_mask(data[6:], data[2:6])


def frame_rest(data: bytes, need: int) -> int:
    """How many bytes of a frame are still to come after ``data``, given that ``need`` were
    still to come of one before it (0: ``data`` ends where a frame ends); ``-1`` if
    ``data`` ends inside a frame's head, where the length is not known yet."""
    i = need
    end = len(data)
    while i < end:
        if end - i < 2:
            return -1
        head = data[i + 1]
        length = head & 0x7F
        i += 2
        if length >= 126:
            size = 2 if length == 126 else 8
            if end - i < size:
                return -1
            length = int.from_bytes(data[i : i + size], "big")
            i += size
        if head & 0x80:
            i += 4  # the mask: counted like the payload, all its bytes are skipped
        i += length
    return i - end


try:  # websockets' own unmasking, as websockets.frames chooses it: in C where built
    from websockets.speedups import apply_mask as _apply_mask
except ImportError:  # pragma: no cover - a websockets built without its C speedups
    from websockets.utils import apply_mask as _apply_mask
