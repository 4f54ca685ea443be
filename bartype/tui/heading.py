"""What a test is called on the typing and results screens: "time 30 · german · numbers".

Kept free of Textual so the words can be checked without a screen.
"""

from __future__ import annotations

from bartype.core.options import TestOptions

SEPARATOR = "  ·  "


def heading_for(
    spec: TestOptions, *, source: str | None = None, file_name: str | None = None
) -> str:
    """The test's mode with what it was typed from: the language and text options of
    generated words, a quote's source, a custom text's file name."""
    parts = [spec.label]
    if spec.rules.generated_words or spec.rules.from_profile:
        parts.append(spec.language)
        if spec.text_options:
            parts.append(", ".join(spec.text_options.split()))
    elif spec.mode == "quote" and source:
        parts.append(source)
    elif spec.mode == "custom" and file_name:
        parts.append(file_name)
    return SEPARATOR.join(parts)


def quote_source(text_id: str | None) -> str | None:
    """Where a bundled quote comes from (``text_id`` "quote:17"), or None if not known."""
    if not text_id or not text_id.startswith("quote:"):
        return None
    try:
        from bartype.storage.corpus import TextLibrary, default_texts_root

        return TextLibrary(default_texts_root()).quote(int(text_id[6:])).source or None
    except (LookupError, ValueError, OSError):
        return None  # not a quote of ours (a server's own corpus): the heading goes without
