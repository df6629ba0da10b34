"""The state messages Home Assistant shows, from the hub's values (pure). Only what is listed here is published:
counts, age-group names, the track, the weather words, the status sentence and the switches; never an image, a
face, a per-person age or anything that tells one listener from another.

>>> from device.core.values import Audience, Listener, NowPlaying, Track
>>> a = Audience((Listener(1, "30-39", 37.4, 0.0), Listener(2, "0-12", 8.2, 0.0), Listener(3, "30-39", 41.0, 0.0)))
>>> audience_states(a, ["0-12", "13-19", "30-39"])
{'listeners': '3', 'audience': '0-12, 30-39', 'present': 'ON'}
>>> track = Track("spotify:track:1", "So What", ("Miles Davis",), source="genre:jazz")
>>> now_playing_states(NowPlaying("playing", track), "from genre search: jazz")
{'now_playing': 'So What – Miles Davis'}
>>> now_playing_attributes(NowPlaying("playing", track), "from genre search: jazz")["source"]
'genre:jazz'
"""

from __future__ import annotations

from device.core.values import Audience, NowPlaying
from device.homeassistant.entities import OFF, ON

MAX_STATE = 255  # Home Assistant refuses longer states


def _fit(text: str) -> str:
    return text if len(text) <= MAX_STATE else text[: MAX_STATE - 1] + "…"


def audience_states(audience: Audience, group_order: list[str]) -> dict[str, str]:
    """Listeners present (a count), the age groups present as words, someone present (ON/OFF)."""
    present = set(audience.groups)
    groups = [g for g in group_order if g in present] + sorted(present - set(group_order))
    return {"listeners": str(len(audience.listeners)), "audience": ", ".join(groups) or "nobody",
            "present": ON if audience.present else OFF}


def now_playing_states(now: NowPlaying, reason: str) -> dict[str, str]:
    if now.track is None or now.state not in ("playing", "paused"):
        return {"now_playing": "nothing"}
    artists = ", ".join(now.track.artists)
    title = f"{now.track.name} – {artists}" if artists else now.track.name
    return {"now_playing": _fit(title + (" (paused)" if now.state == "paused" else ""))}


def now_playing_attributes(now: NowPlaying, reason: str) -> dict:
    track = now.track if now.state in ("playing", "paused") else None
    return {"state": now.state, "title": track.name if track else None,
            "artist": ", ".join(track.artists) if track else None, "source": track.source if track else None,
            "reason": reason if track else None}


def switch_payloads(states: dict[str, bool]) -> dict[str, str]:
    return {key: ON if on else OFF for key, on in states.items()}


def reason_line(payload: dict, uri: str) -> str:
    """Why a planned track was chosen, in one line, from the decision `mirrorball why` explains (its recorded
    payload): the source, whether the rules suggested it or the learner, what was learned, the rules that fired.
    Never the brief's listener list (it holds estimated ages)."""
    pick = next((p for p in payload.get("picks") or [] if p.get("uri") == uri), None)
    if pick is None:
        return ""
    how = "suggested by the rules" if pick.get("suggested") else "a learned choice beyond the rules"
    line = f"from {pick.get('label') or pick.get('arm') or 'an unknown source'} ({how})"
    if pick.get("evidence"):
        line += f"; learned: {pick['evidence']}"
    rules = (payload.get("brief") or {}).get("rules") or []
    if rules:
        line += "; rules: " + ", ".join(f"'{r}'" for r in rules)
    context = payload.get("context") or {}
    words = [w for w in (context.get("condition"), context.get("time_of_day")) if w and w != "unknown"]
    if words:
        line += f"; {', '.join(words)}"
    return _fit(line)
