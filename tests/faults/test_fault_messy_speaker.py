"""Fault matrix, the speaker as it really behaves: it falls asleep when the room has been empty a while, and Spotify's
Autoplay (on) plays its own choice whenever Mirrorball's picks run out. Judged at the stand-in's speaker."""

from __future__ import annotations

from device.core.values import Audience
from device.devtools.standins.spotify.playback import SPEAKER_SLEEP_S


def heard_while(rig, seconds: float, step_s: float = 10.0) -> list[str]:
    """Steps the conductor; the track ids the speaker played, in order."""
    heard: list[str] = []
    for _ in range(int(seconds / step_s)):
        rig.step(step_s)
        cur = rig.standin.current()
        if cur is not None and rig.standin.playing and (not heard or heard[-1] != cur.id):
            heard.append(cur.id)
    return heard


def test_while_listeners_are_there_the_speaker_plays_mirrorballs_picks_not_autoplays(rig):
    rig.part.start()
    rig.arrive("0-12", "30-39")
    rig.step()
    heard = heard_while(rig, 1500, step_s=30)
    assert len(heard) >= 4 and rig.standin.autoplay
    assert not set(heard) & set(rig.standin.playback.autoplayed)  # the queue never ran dry
    assert not any(rig.standin.tracks[t].explicit for t in heard)


def test_after_an_empty_room_the_sleeping_speaker_is_reported_and_music_starts_once_it_is_woken(rig):
    rig.part.start()
    rig.arrive()
    rig.step()
    assert heard_while(rig, 300, step_s=30) and rig.standin.playing
    rig.hub.publish("audience", Audience((), rig.clock()))
    heard_while(rig, SPEAKER_SLEEP_S + 300, step_s=100)  # paused after a minute; the speaker idles out
    assert not rig.standin.playing and not rig.standin.device("Living Room").awake
    rig.arrive()
    heard_while(rig, 120, step_s=20)
    assert not rig.standin.playing  # the Web API cannot wake it, so nothing can start
    assert "speaker 'living room' not found among Spotify Connect devices (asleep" in rig.part.status()
    rig.standin.wake_device("Living Room")  # someone switches it on
    heard_while(rig, 120, step_s=20)
    assert rig.standin.playing and rig.part.status().startswith("playing")
