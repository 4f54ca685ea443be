"""Names of tests as a person reads them, for the History screen and ``bartype stats``."""

from __future__ import annotations


def mode_label(mode: str, mode2: str) -> str:
    """ "time 30", "words 25", "code python"; other modes by their name alone."""
    if mode in ("time", "words", "code", "lesson") and mode2:
        return f"{mode} {mode2}"
    return mode


SHORT_OPTIONS = {"punctuation": "punct.", "numbers": "num."}
"""Text options as a narrow column names them (the full words where there is room)."""


def best_label(
    mode: str,
    mode2: str,
    language: str | None,
    options: str,
    text: str | None,
    *,
    short: bool = False,
) -> str:
    """A test as a person names it: "words 25 · german · punctuation", "quote #12",
    "text “Hello th…”"; ``short``: "words 25 german punct." (narrow columns)."""
    if mode == "quote":
        label = f"quote #{mode2}" if mode2 else "quote"
    elif mode == "custom":
        words = " ".join((text or "").split())
        label = f"text “{shorten(words, 12)}”" if words else "text"
    else:
        label = mode_label(mode, mode2)
    parts = [label]
    if language and language.split("_")[0] != "english":
        parts.append(language.split("_")[0])
    parts.extend(SHORT_OPTIONS.get(name, name) if short else name for name in options.split())
    return (" " if short else " · ").join(parts)


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the last one then an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"
