"""The stand-in's Connect side: devices, what plays where, the user queue, and the player endpoints.

Speakers fall asleep. A Connect device that has played nothing for a while drops off the account: it is gone from
GET /me/player/devices, its playback state with it (GET /me/player answers 204), and a command naming its id
answers 404 "Device not found" (without an id: 404 NO_ACTIVE_DEVICE) until someone wakes it by hand or plays on it
from a Spotify app. The Web API has no call that wakes one. So reported, for years and across device kinds, in
spotify/web-api#1325, #1423 and #1559, librespot-org/librespot#1102 and skuethe/MMM-Spotify#146 ("after about 45
minutes the devices don't show up anymore"); Spotify documents no rule, so each FakeDevice has its own
`sleep_after_s` (None: never sleeps). A speaker's two states, awake and asleep:

    >>> from device.devtools.standins.spotify import SpotifyStandIn
    >>> now = [1000.0]
    >>> s = SpotifyStandIn(clock=lambda: now[0])             # nothing plays: every speaker idles from the start
    >>> now[0] += SPEAKER_SLEEP_S - 1; s.advance(0); s.device("Living Room").awake
    True
    >>> now[0] += 1; s.advance(0); s.device("Living Room").awake   # asleep: unlisted, 404 "Device not found"
    False
    >>> s.wake_device("Living Room"); s.device("Living Room").awake   # a person (or an app playing on it) wakes it
    True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from device.devtools.standins.spotify.autoplay import Autoplay
from device.devtools.standins.spotify.objects import Shapes
from device.devtools.standins.spotify.wire import err
from device.devtools.standins.spotify_world import Album, Playlist, Track, spotify_id

COUNTS_AS_PLAYED_S = 30.0  # Spotify counts a stream (recently played, top) after 30 s of it
SPEAKER_SLEEP_S = 45 * 60.0  # the stand-in's own speakers drop off after this long without playing (see above)


@dataclass
class FakeDevice:
    name: str
    type: str = "Speaker"
    restricted: bool = False
    volume: int = 50
    supports_volume: bool = True
    awake: bool = True
    id: str = ""
    sleep_after_s: float | None = None  # falls asleep after this long without playing (None: never)
    touched_at: float | None = None  # last woken, made active or left by playback (None: the stand-in's start)

    def __post_init__(self):
        self.id = self.id or spotify_id(f"device:{self.name}")[:20].lower()


class Playback:
    """A position that runs only while playing: paused playback stays where it was, however long the pause.
    `on_played(track_id, at)` hears of every track that played long enough to count as a stream."""

    def __init__(self, tracks: dict[str, Track], playlists: dict[str, Playlist], albums: dict[str, Album],
                 devices: list[FakeDevice],
                 shapes: Shapes, now: Callable[[], float], on_played: Callable[[str, float], None], *,
                 speed: float, autoplay: bool):
        self.tracks, self.playlists, self.albums, self.shapes, self.now = tracks, playlists, albums, shapes, now
        self.devices = {d.id: d for d in devices}
        self.on_played = on_played
        self.counts_after_ms = COUNTS_AS_PLAYED_S / speed * 1000
        self.autoplay = autoplay  # like the app's Autoplay setting: when the list ends, play something similar
        self.autoplayer = Autoplay(shapes.world)
        self.autoplayed: list[str] = []  # track ids the service chose itself (autoplay), in the order played
        for d in self.devices.values():
            d.touched_at = now() if d.touched_at is None else d.touched_at
        self.active_id: str | None = None
        self.playing = False
        self.context_uri: str | None = None
        self.sequence: list[str] = []  # track ids of the list or context being played
        self.index = -1
        self.queue: list[str] = []  # user queue, plays before the rest of the sequence, survives play()
        self._pos_ms = 0.0
        self._pos_at = 0.0
        self.changed_at = 0.0
        self.timeline: list[tuple[float, str | None, bool]] = []  # (at, track id, playing): what the speaker did

    def _note(self, at: float | None = None) -> None:
        cur = self.current()
        entry = (self.now() if at is None else at, cur.id if cur else None, self.playing and cur is not None)
        if not self.timeline or self.timeline[-1][1:] != entry[1:]:
            self.timeline.append(entry)

    def heard(self, since: float, until: float) -> list[tuple[float, float, Track]]:
        """What the speaker played between `since` and `until`: (start, end, track) spans, judged at the speaker."""
        spans = []
        for (at, tid, playing), nxt in zip(self.timeline, self.timeline[1:] + [(until, None, False)]):
            start, end = max(at, since), min(nxt[0], until)
            if playing and tid is not None and end > start:
                spans.append((start, end, self.tracks[tid]))
        return spans

    # ------------------------------------------------------------ the model

    def current(self) -> Track | None:
        if 0 <= self.index < len(self.sequence):
            return self.tracks.get(self.sequence[self.index])
        return None

    def position_ms(self) -> float:
        if not self.playing:
            return self._pos_ms
        return self._pos_ms + (self.now() - self._pos_at) * 1000

    def _set_position(self, ms: float) -> None:
        self._pos_ms, self._pos_at = ms, self.now()

    def set_playing(self, playing: bool) -> None:
        self._pos_ms = self.position_ms()
        self._pos_at = self.now()
        self.playing = playing
        self.changed_at = self.now()
        self._note()

    def _leave(self, at: float) -> None:
        """The current track is left (ended, skipped, replaced): a stream if it played long enough."""
        cur = self.current()
        if cur is not None and min(self.position_ms(), cur.duration_ms) >= min(self.counts_after_ms,
                                                                               cur.duration_ms):
            self.on_played(cur.id, at)

    def start_sequence(self, ids: list[str], context_uri: str | None) -> None:
        self._leave(self.now())
        self.sequence, self.index, self.context_uri = list(ids), 0, context_uri
        self._set_position(0)
        self.playing = bool(ids)
        self.changed_at = self.now()
        self._note()

    def next(self, at: float | None = None) -> None:
        self._leave(self.now() if at is None else at)
        if self.queue:  # the user queue goes first; the played item is inserted after the current one
            self.sequence.insert(self.index + 1, self.queue.pop(0))
        self.index += 1
        if self.index >= len(self.sequence) and self.autoplay and self.sequence:
            similar = self.autoplayer.after(self.sequence)
            if similar is not None and similar in self.tracks:
                self.sequence.append(similar)
                self.autoplayed.append(similar)
        if self.index >= len(self.sequence):
            self.index = len(self.sequence) - 1
            self.playing = False
        self._set_position(0)
        self.changed_at = self.now()
        self._note(at)

    def settle(self) -> None:
        """Let time pass: finished tracks give way to the next ones (only while playing)."""
        while self.playing and self.current() is not None:
            cur = self.current()
            if self.position_ms() < cur.duration_ms:
                break
            ended_at = self._pos_at + (cur.duration_ms - self._pos_ms) / 1000
            self.next(ended_at)
            if self.playing:
                self._pos_ms, self._pos_at = 0.0, ended_at
            self.changed_at = ended_at
        self._doze()

    def _doze(self) -> None:
        """Speakers that have played nothing for their sleep_after_s fall asleep."""
        for d in self.devices.values():
            if not d.awake or d.sleep_after_s is None or (d.id == self.active_id and self.playing):
                continue
            idle_since = max(d.touched_at or 0.0, self.changed_at if d.id == self.active_id else 0.0)
            if self.now() - idle_since >= d.sleep_after_s:
                self.sleep(d.name)

    def activate(self, dev: FakeDevice) -> None:
        """Playback moves to `dev`; the speaker it leaves starts to idle now."""
        old = self.devices.get(self.active_id or "")
        if old is not None and old is not dev:
            old.touched_at = self.now()
        self.active_id = dev.id
        dev.touched_at = self.now()

    def wake(self, name: str) -> None:
        """Someone woke the speaker (its button, a Spotify app): it is listed again and takes commands."""
        dev = self.device(name)
        dev.awake, dev.touched_at = True, self.now()

    def device(self, name: str) -> FakeDevice:
        return next(d for d in self.devices.values() if d.name == name)

    def sleep(self, name: str) -> None:
        dev = self.device(name)
        dev.awake = False
        if self.active_id == dev.id:
            if self.playing:
                self.set_playing(False)  # the position stays where the speaker stopped
            self.active_id = None

    # ------------------------------------------------------------ HTTP

    def _device_obj(self, d: FakeDevice) -> dict:
        return {"id": d.id, "is_active": d.id == self.active_id, "is_private_session": False,
                "is_restricted": d.restricted, "name": d.name, "type": d.type,
                "volume_percent": d.volume if d.supports_volume else None, "supports_volume": d.supports_volume}

    def get_devices(self, q, body):
        return 200, {"devices": [self._device_obj(d) for d in self.devices.values() if d.awake]}

    def state(self, with_device: bool) -> tuple[int, object]:
        cur = self.current()
        active = self.devices.get(self.active_id or "")
        if cur is None or active is None or not active.awake:
            return 204, None
        out = {"timestamp": int(self.changed_at * 1000), "progress_ms": int(min(self.position_ms(), cur.duration_ms)),
               "is_playing": self.playing, "item": self.shapes.track(cur), "currently_playing_type": "track",
               "actions": {"disallows": {"resuming": True} if self.playing else {"pausing": True}}}
        if self.context_uri:
            _, kind, cid = self.context_uri.split(":")
            out["context"] = {"type": kind, "uri": self.context_uri, "href": f"{self.shapes.api_url()}/{kind}s/{cid}",
                              "external_urls": {"spotify": f"https://open.spotify.com/{kind}/{cid}"}}
        if with_device:
            out.update({"device": self._device_obj(active), "repeat_state": "off", "shuffle_state": False})
        return 200, out

    def _target(self, device_id: str | None) -> tuple[FakeDevice | None, tuple | None]:
        if device_id:
            dev = self.devices.get(device_id)
            if dev is None or not dev.awake:
                return None, err(404, "Device not found")
        else:
            dev = self.devices.get(self.active_id or "")
            if dev is None or not dev.awake:
                return None, err(404, "Player command failed: No active device found", "NO_ACTIVE_DEVICE")
        if dev.restricted:
            return None, err(403, "Player command failed: Restriction violated", "DEVICE_NOT_CONTROLLABLE")
        return dev, None

    def transfer(self, q, body):
        ids = body.get("device_ids")
        if not isinstance(ids, list) or len(ids) != 1:
            return err(400, "Exactly one device_id is required")
        dev, error = self._target(ids[0])
        if error:
            return error
        self.activate(dev)
        if body.get("play") and self.current() is not None and not self.playing:
            self.set_playing(True)
        return 204, None

    def play(self, q, body):
        dev, error = self._target(q.get("device_id"))
        if error:
            return error
        offset, position = body.get("offset"), body.get("position_ms", 0)
        if offset is not None and ("context_uri" not in body or not isinstance(offset, dict)):
            return err(400, "Offset is only available with an album or playlist context_uri")  # the spec's words
        if not isinstance(position, int) or position < 0:
            return err(400, "position_ms must be a positive number")
        self.activate(dev)
        if "uris" in body:
            ids = []
            for uri in body["uris"]:
                tid = uri.rsplit(":", 1)[-1]
                if not uri.startswith("spotify:track:") or tid not in self.tracks:
                    return err(400, f"Invalid track uri: {uri}")
                ids.append(tid)
            self.start_sequence(ids, None)
        elif "context_uri" in body:
            kind, _, cid = body["context_uri"].removeprefix("spotify:").partition(":")
            context = self.playlists.get(cid) if kind == "playlist" else self.albums.get(cid) if kind == "album" else None
            if context is None or not context.track_ids:
                return err(404, "Non existing context")
            ids = list(context.track_ids)
            start = (offset or {}).get("position", 0)
            if "uri" in (offset or {}):
                start = ids.index(offset["uri"].rsplit(":", 1)[-1]) if offset["uri"].rsplit(":", 1)[-1] in ids else -1
            if not isinstance(start, int) or not 0 <= start < len(ids):
                return err(400, "Invalid offset")
            self.start_sequence(ids, context.uri)
            self.index = start
        else:
            if self.current() is None:
                return err(404, "Player command failed: Nothing to resume", "NO_ACTIVE_DEVICE")
            if self.playing:
                return err(403, "Player command failed: Restriction violated", "ALREADY_PLAYING")
            self.set_playing(True)
        return 204, None

    def pause(self, q, body):
        dev, error = self._target(q.get("device_id"))
        if error:
            return error
        if not self.playing:
            return err(403, "Player command failed: Restriction violated", "ALREADY_PAUSED")
        self.set_playing(False)
        return 204, None

    def skip(self, q, body):
        dev, error = self._target(q.get("device_id"))
        if error:
            return error
        self.next()
        return 204, None

    def volume(self, q, body):
        try:
            pct = int(q.get("volume_percent", ""))
        except ValueError:
            return err(400, "volume_percent must be an integer")
        if not 0 <= pct <= 100:
            return err(400, "volume_percent must be between 0 and 100")
        dev, error = self._target(q.get("device_id"))
        if error:
            return error
        if not dev.supports_volume:
            return err(403, "Player command failed: Cannot control device volume", "VOLUME_CONTROL_DISALLOW")
        dev.volume = pct
        return 204, None

    def enqueue(self, q, body):
        uri = q.get("uri", "")
        if not uri.startswith("spotify:track:") or uri.rsplit(":", 1)[-1] not in self.tracks:
            return err(400, f"Invalid uri: {uri}")
        dev, error = self._target(q.get("device_id"))
        if error:
            return error
        self.queue.append(uri.rsplit(":", 1)[-1])
        return 204, None
