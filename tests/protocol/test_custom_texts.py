"""Texts a client sends: normalised to what can be seen and typed, or refused."""

from __future__ import annotations

import pytest

from .test_handler import Driver, keys, types


def test_a_sent_text_loses_bidi_and_zero_width_characters_and_can_be_typed() -> None:
    """A custom text with a zero-width space inside a word and a right-to-left override
    comes back without them, and typing what is shown completes the test."""
    d = Driver()
    channel, created = d.started(text="zero\u200bwidth \u202eword\u202c", mode="custom")
    assert created["text"] == "zerowidth word"
    out = d.send(channel, "INPUT_UPDATE", {"seq": 1, "keys": keys("zerowidth word")})
    assert types(out) == ["METRICS_UPDATE", "SESSION_COMPLETE"]
    assert out[-1].data["state"] == "completed"


def test_a_text_of_invisible_characters_only_is_refused() -> None:
    """Nothing would be left to type: TEXT_UNAVAILABLE, no session."""
    d = Driver()
    channel = d.open()
    out = d.send(channel, "CREATE_SESSION", {"mode": "custom", "text": "\u200b\u202e\ufeff"})
    assert types(out) == ["ERROR"] and out[0].data["code"] == "TEXT_UNAVAILABLE"


@pytest.mark.parametrize("ch", ["\x1b", "\x07", "\x00", "\x7f", "\x9b"])
def test_a_text_with_a_control_character_is_refused(ch: str) -> None:
    """ESC, BEL, NUL, DEL or a C1 control cannot be typed: BAD_MESSAGE naming it."""
    d = Driver()
    channel = d.open()
    out = d.send(channel, "CREATE_SESSION", {"mode": "custom", "text": f"one {ch}[2J two"})
    assert types(out) == ["ERROR"] and out[0].data["code"] == "BAD_MESSAGE"
    assert f"U+{ord(ch):04X}" in out[0].data["message"]


def test_tabs_and_line_breaks_in_a_sent_text_are_fine() -> None:
    """Tabs become spaces and CR LF a line break, as documented."""
    d = Driver()
    channel = d.open()
    out = d.send(channel, "CREATE_SESSION", {"mode": "custom", "text": "a\tb\r\nc"})
    assert out[0].data["text"] == "a b\nc"
