"""What the server writes to its log: one line per event, no token, no raw control character.

Request lines, headers and frames are the client's bytes: written raw, an escape
sequence in them would reach the terminal of whoever reads the log.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

from bartype.core.normalize import visible

_QUERY_PARAM = re.compile(r"([?&;])([^=&;\s]*)=([^&;\s#]*)")
_JSON_TOKEN = re.compile(r'("token"\s*:\s*")[^"]*')
REDACTED = "<redacted>"


def _redact_param(match: re.Match[str]) -> str:
    if unquote(match.group(2)).lower() != "token":
        return match.group()
    return f"{match.group(1)}{match.group(2)}={REDACTED}"


def log_safe(text: str, *, lines: bool = False) -> str:
    """``text`` fit for a log: resume tokens left out, unsafe characters escaped.

    Request lines, headers and frames are the client's bytes: written raw, an
    escape sequence in them would reach the terminal of whoever reads the log.
    With ``lines`` (a traceback), line breaks are kept.
    """
    text = _JSON_TOKEN.sub(rf"\g<1>{REDACTED}", _QUERY_PARAM.sub(_redact_param, text))
    return visible(text, lines=lines)


class SafeLogFilter(logging.Filter):
    """Passes every record through ``log_safe``: message, arguments and traceback."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = log_safe(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = log_safe(self._formatter.formatException(record.exc_info), lines=True)
        return True


def configure_logging(level: str) -> None:
    """Readable one-line logs on stderr, with no token and no raw control character."""
    logging.basicConfig(
        level=getattr(logging, level.upper(), logging.INFO),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for handler in logging.getLogger().handlers:
        handler.addFilter(SafeLogFilter())
    if level != "debug":
        logging.getLogger("websockets").setLevel(logging.WARNING)
