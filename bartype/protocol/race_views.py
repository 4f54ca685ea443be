"""What race messages say: the JSON data of ``RACE_COUNTDOWN``, ``RACE_METRICS``,
``RACE_PROGRESS``, ``RACER_FINISHED``, ``RACE_RESULT`` and ``RACE_STANDINGS``.

Pure functions of a race and its racers (camelCase keys, as on the wire; times
in whole server milliseconds); ``Room`` decides when each is sent.
docs/protocol.md ("Races") describes every field.
"""

from __future__ import annotations

from typing import Any

from bartype.core.race import RacerStanding
from bartype.protocol.racers import Race, Racer, RacerStatus, places
from bartype.protocol.room_rules import wire_ms
from bartype.protocol.views import analysis_to_json, live_metrics_to_json, metrics_to_json


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


def metrics_data(race: Race, racer: Racer) -> dict[str, Any]:
    """``RACE_METRICS``: the racer's ``ack`` and live figures, exactly a ``METRICS_UPDATE``'s."""
    return {
        "raceId": race.id,
        "ack": racer.acked,
        "analysis": analysis_to_json(racer.session.analyzer),
        "metrics": live_metrics_to_json(racer.session),
    }


def progress_data(race: Race, now: float, present: dict[str, Any]) -> dict[str, Any]:
    """``RACE_PROGRESS``: every racer's lane; ``present`` holds the members still in the room."""
    ranks = places(race)
    racers = []
    for racer_id, racer in race.racers.items():
        place, standing = ranks[racer_id]
        member = racer.member
        racers.append(
            {
                "id": racer_id,
                "position": standing.position,
                "wpm": standing.wpm,
                "accuracy": standing.accuracy,
                "place": place,
                "status": "idle"
                if racer.idle and racer.status is RacerStatus.RACING
                else racer.status.value,
                "connected": member.connected and member.id in present,
            }
        )
    return {
        "raceId": race.id,
        "tick": race.tick,
        "elapsedMs": wire_ms(now - race.starts_at),
        "length": race.length,
        "racers": racers,
    }


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
