"""Names of tests as a person reads them, for the History screen and ``bartype stats``."""

from __future__ import annotations


def mode_label(mode: str, mode2: str) -> str:
    """ "time 30", "words 25", "code python"; other modes by their name alone."""
    if mode in ("time", "words", "code", "lesson") and mode2:
        return f"{mode} {mode2}"
    return mode


def best_label(mode: str, mode2: str, language: str | None, options: str, text: str | None) -> str:
    """A test as a person names it: "words 25 ger", "quote #12", "text 'Hello th…'"."""
    if mode == "quote":
        label = f"quote #{mode2}" if mode2 else "quote"
    elif mode == "custom":
        words = " ".join((text or "").split())
        label = f"text “{shorten(words, 12)}”" if words else "text"
    else:
        label = mode_label(mode, mode2)
    if language and language != "english":
        label += f" {language.split('_')[0][:3]}"
    label += "".join(f" {name[:5]}." for name in options.split())  # " punct.", " numbe."
    return label


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the last one then an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"
