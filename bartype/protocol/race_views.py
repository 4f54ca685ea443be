"""What race messages say: the JSON data of ``RACE_COUNTDOWN``, ``RACER_FINISHED``,
``RACE_RESULT`` and ``RACE_STANDINGS``, and the frames of ``RACE_METRICS`` and
``RACE_PROGRESS``.

Pure functions of a race and its racers (camelCase keys, as on the wire; times
in whole server milliseconds); ``Room`` decides when each is sent. The two sent
most (a racer's answer to every batch, every room's lanes at every tick) are
made as their frames directly, as the server sends them, byte for byte what
the codec's encoding of the same data would give (tested).
docs/protocol.md ("Races") describes every field.
"""

from __future__ import annotations

from json.encoder import encode_basestring as _json_str
from typing import Any

from bartype.core.metrics import LiveMetrics
from bartype.core.race import RacerStanding
from bartype.protocol.racers import Race, Racer, RacerStatus, ordered
from bartype.protocol.room_rules import wire_ms
from bartype.protocol.views import figures_frame, metrics_to_json


def countdown_data(race: Race, now: float) -> dict[str, Any]:
    """``RACE_COUNTDOWN``: the text, the start signal, the server's clock, the racers."""
    return {
        "raceId": race.id,
        "text": race.text.text,
        "mode": race.text.mode,
        "mode2": race.text.mode2,
        "textId": race.text.text_id,
        "startsAt": wire_ms(race.starts_at),
        "serverTime": wire_ms(now),
        "racers": list(race.racers),
    }


def metrics_frame(race: Race, racer: Racer) -> tuple[str, LiveMetrics]:
    """``RACE_METRICS`` encoded: the racer's ``ack`` and live figures, exactly a
    ``METRICS_UPDATE``'s (made as that one is, without dicts: one for every batch); and
    the live figures."""
    before = f'{{"type":"RACE_METRICS","data":{{"raceId":{race.id!r},"ack":{racer.acked!r},'
    return figures_frame(before, racer.session)


def progress_frame(race: Race, now: float, present: dict[str, Any]) -> str:
    """``RACE_PROGRESS`` encoded: every racer's lane; ``present`` holds the members still in
    the room. Made as text (one frame for all the members of a room, every tick of every
    room), each lane's figures only when they changed."""
    place = {racer.member.id: n for n, racer in enumerate(ordered(race), start=1)}
    racing = RacerStatus.RACING
    lanes = []
    for racer_id, racer in race.racers.items():
        lane = racer.lane
        shown = racer.standing
        if lane is None or lane[0] is not shown:
            assert shown is not None  # ``ordered`` made it
            lane = racer.lane = (
                shown,
                f'{{"id":{_json_str(racer_id)},"position":{shown.position!r},'
                f'"wpm":{shown.wpm!r},"accuracy":{shown.accuracy!r},"place":',
            )
        member = racer.member
        status = "idle" if racer.idle and racer.status is racing else racer.status.value
        connected = "true" if member.connected and member.id in present else "false"
        lanes.append(f'{lane[1]}{place[racer_id]!r},"status":"{status}","connected":{connected}}}')
    return (
        f'{{"type":"RACE_PROGRESS","data":{{"raceId":{race.id!r},"tick":{race.tick!r},'
        f'"elapsedMs":{wire_ms(now - race.starts_at)!r},"length":{race.length!r},'
        f'"racers":[{",".join(lanes)}]}}}}'
    )


def finished_data(race: Race, racer: Racer, place: int, standing: RacerStanding) -> dict[str, Any]:
    """``RACER_FINISHED``: who finished, their place for now, and the finish deadline."""
    return {
        "raceId": race.id,
        "id": racer.member.id,
        "place": place,
        "timeMs": racer.time_ms,
        "wpm": standing.wpm,
        "accuracy": standing.accuracy,
        "flags": list(racer.flags),
        "deadlineAt": None if race.deadline_at is None else wire_ms(race.deadline_at),
    }


def result_data(race: Race, racer: Racer, place: int) -> dict[str, Any]:
    """``RACE_RESULT``: the racer's own full figures, once their race is over."""
    result = racer.session.result
    return {
        "raceId": race.id,
        "status": racer.status.value,
        "place": place,
        "timeMs": racer.time_ms,
        "metrics": None if result is None else metrics_to_json(result.metrics),
        "flags": list(racer.flags),
    }


def standings_rows(race: Race, ranks: dict[str, tuple[int, RacerStanding]]) -> list[dict[str, Any]]:
    """The final standings, best first (``RACE_STANDINGS.standings``)."""
    rows = []
    for place, standing in sorted(ranks.values(), key=lambda p: p[0]):
        racer = race.racers[standing.id]
        rows.append(
            {
                "place": place,
                "id": standing.id,
                "name": racer.member.name,
                "status": racer.status.value,
                "timeMs": standing.time_ms,
                "wpm": standing.wpm,
                "accuracy": standing.accuracy,
                "position": standing.position,
                "flags": list(standing.flags),
            }
        )
    return rows


def standings_data(race: Race) -> dict[str, Any]:
    """``RACE_STANDINGS``: the final standings of a race that is over."""
    return {"raceId": race.id, "length": race.length, "standings": race.standings}
