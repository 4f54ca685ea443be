"""Reporting a bug hit while serving: once in full, then in one line."""

from __future__ import annotations

import logging


def report_bug(logger: logging.Logger, seen: set[str], exc: BaseException, doing: str) -> None:
    """Log an internal error in one line, with its traceback only the first time of its kind.

    A hostile client that finds a bug must not flood the log: each connection
    that hits it is answered and logged, but a traceback is written once per
    exception type and place.
    """
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    where = f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno}" if tb is not None else "?"
    kind = f"{type(exc).__name__} at {where}"
    first = kind not in seen
    seen.add(kind)
    logger.error(
        "internal error %s: %s: %r%s",
        doing,
        type(exc).__name__,
        str(exc)[:200],
        "" if first else " (traceback logged before)",
        exc_info=exc if first else None,
    )
