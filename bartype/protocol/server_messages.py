"""Server messages as a client reads them: frozen dataclasses, decoded by ``server_codec``.

Each keeps the ``data`` object it was decoded from (``compare=False``), for
callers that want the wire form, such as a results view built from JSON. (The
server builds what it sends as ``messages.Outgoing``.)
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from bartype.core.records import frozen


@frozen
class ServerLimits:
    """``WELCOME.limits``: what the server enforces."""

    max_frame: int
    rate: float
    max_keys: int
    max_text: int
    session_ttl_s: float


@frozen
class Welcome:
    """``WELCOME``: the server speaks ``version``."""

    version: int
    server: str
    limits: ServerLimits
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class SessionCreated:
    """``SESSION_CREATED``: the session, its resume token and the text to type."""

    session_id: str
    token: str
    text: str | None
    mode: str
    mode2: str
    text_id: str | None
    options: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class SessionStarted:
    """``SESSION_STARTED``: the server's clock for the test runs."""

    session_id: str
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class SessionAttached:
    """``SESSION_ATTACHED``: a resumed session, its state and the highest batch applied."""

    session_id: str
    state: str
    ack: int
    mode: str
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class LiveAnalysis:
    """``METRICS_UPDATE.analysis``: the word in progress."""

    word_index: int
    typed: str
    states: str
    finished: bool
    offset: int = 0
    """Where ``typed`` and ``states`` start in the word (0 unless its input is long)."""


@frozen
class LiveFigures:
    """``METRICS_UPDATE.metrics``: the live figures the server computed."""

    wpm: float
    raw_wpm: float
    accuracy: float
    consistency: float
    errors: int
    keypresses: int
    correct: int
    incorrect: int
    extra: int
    elapsed_s: float


@frozen
class MetricsUpdate:
    """``METRICS_UPDATE``: live figures after a batch; ``ack`` is the highest batch applied."""

    ack: int
    analysis: LiveAnalysis
    metrics: LiveFigures
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class InputAck:
    """``INPUT_ACK``: batches up to ``ack`` are applied (no figures: ``HELLO.metricsMs``)."""

    ack: int
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class SessionComplete:
    """``SESSION_COMPLETE``: the test is over; ``metrics`` is ``None`` when abandoned.

    ``metrics`` is the final metrics object, every documented field checked.
    """

    session_id: str
    state: str
    mode: str
    mode2: str
    ack: int
    metrics: dict[str, Any] | None
    valid: bool
    invalid_reasons: tuple[str, ...]
    flags: tuple[str, ...]
    result_id: int | None
    personal_best: bool
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class ServerError:
    """``ERROR``: a stable ``code``, a message for people, and the code's extra fields."""

    code: str
    message: str
    ack: int | None = None
    seq: int | None = None
    supported: tuple[int, ...] | None = None
    session_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@frozen
class UnknownServerMessage:
    """A message type this client does not know: ignored, as docs/protocol.md asks."""

    type: str
    data: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


ServerMessage = (
    Welcome
    | SessionCreated
    | SessionStarted
    | SessionAttached
    | MetricsUpdate
    | InputAck
    | SessionComplete
    | ServerError
    | UnknownServerMessage
)
