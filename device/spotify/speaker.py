"""The configured speaker and the commands sent to it, behind one error mapping: what went wrong, and when to retry."""

from __future__ import annotations

import logging
from collections.abc import Callable

from device.config.schema import SpotifyConfig
from device.core.backoff import Backoff
from device.spotify.client import SpotifyClient
from device.spotify.errors import (
    DeviceNotFound,
    DeviceRestricted,
    Forbidden,
    LoginNeeded,
    NoActiveDevice,
    NotPremium,
    RateLimited,
    SpeakerAmbiguous,
    SpeakerMissing,
    SpotifyError,
)

log = logging.getLogger("device.spotify.player")  # one logger for the player's lines, whichever piece writes them

# A missing (asleep) speaker is looked for again at most a minute apart: music starts within one idle poll of it
# waking, and a look is one GET /me/player/devices, no catalogue request.
SPEAKER_RETRY_MIN_S, SPEAKER_RETRY_MAX_S = 5.0, 60.0


def select_speaker(devices: list[dict], name: str | None) -> dict:
    """The configured speaker among the listed devices: case-insensitive, an exact name first, else a unique
    prefix. Without a name, the active device. Raises SpeakerMissing, SpeakerAmbiguous or NoActiveDevice."""
    names = [d.get("name", "") for d in devices]
    if not name:
        active = [d for d in devices if d.get("is_active")]
        if not active:
            raise NoActiveDevice("no speaker configured (spotify.speaker) and no device is active")
        return active[0]
    wanted = name.casefold().strip()
    exact = [d for d in devices if d.get("name", "").casefold().strip() == wanted]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise SpeakerAmbiguous(name, [d["name"] for d in exact])
    prefix = [d for d in devices if d.get("name", "").casefold().startswith(wanted)]
    if len(prefix) == 1:
        return prefix[0]
    if len(prefix) > 1:
        raise SpeakerAmbiguous(name, [d["name"] for d in prefix])
    raise SpeakerMissing(name, names)


class Speaker:
    """The speaker named in spotify.speaker, looked up on each use; the last Spotify error (until a command
    succeeds) and, while the speaker is missing, when to look for it again (capped exponential back-off)."""

    def __init__(self, cfg: SpotifyConfig, client: SpotifyClient, clock: Callable[[], float]):
        self.cfg = cfg
        self.client = client
        self.clock = clock
        self.device: dict | None = None  # as last found
        self.error: SpotifyError | None = None
        self.retry_at = 0.0  # while the speaker is missing: no command before this
        self._retry = Backoff(SPEAKER_RETRY_MIN_S, SPEAKER_RETRY_MAX_S)
        self._last_logged = ""

    @property
    def id(self) -> str | None:
        return (self.device or {}).get("id")

    @property
    def name(self) -> str:
        return (self.device or {}).get("name") or self.cfg.speaker or "the speaker"

    @property
    def needs_attention(self) -> bool:
        """True for errors only a person can fix (login, speaker, Premium): the LED blinks fast."""
        return isinstance(self.error, (LoginNeeded, SpeakerMissing, SpeakerAmbiguous, DeviceRestricted, NotPremium))

    def lifted_rate_limit(self) -> bool:
        """The last error is a 429 (rate limit or quota) whose Retry-After has passed: nothing is held back any
        more, only no command has run since."""
        return (isinstance(self.error, RateLimited) and self.error.retry_at is not None
                and self.clock() >= self.error.retry_at)

    def ok(self, line: str | None = None) -> None:
        if self.error is not None:
            log.info("Spotify works again (was: %s)", self.error)
        self.error = None
        if line:
            log.info("%s", line)

    def fail(self, exc: SpotifyError, what: str) -> None:
        self.error = exc
        text = f"{what}: {exc}"
        if text != self._last_logged:  # one line per new trouble, not one per retry
            log.warning("%s", text)
            self._last_logged = text
        if isinstance(exc, (SpeakerMissing, DeviceNotFound)):
            self.retry_at = self.clock() + self._retry.failed()
            if isinstance(exc, SpeakerMissing):
                self.error = SpeakerMissing(exc.name, exc.available, self.retry_at)

    def find(self) -> dict:
        """Find the speaker by name now (it may have gone to sleep or come back since last time)."""
        dev = select_speaker(self.client.devices(), self.cfg.speaker)
        if dev.get("is_restricted"):
            raise DeviceRestricted(dev.get("name", "?"))
        if not dev.get("id"):
            raise SpeakerMissing(dev.get("name", "?"), None)
        if self.device is None or self.device.get("id") != dev["id"]:
            log.info("speaker %r found (id %s, %s)", dev.get("name"), dev["id"], dev.get("type", "device"))
        self.device = dev
        self._retry.reset()
        return dev

    def restricted(self, exc: SpotifyError) -> SpotifyError:
        """A refusal to take commands read as the speaker's restriction; any other error as it is."""
        if isinstance(exc, Forbidden) and exc.reason in ("DEVICE_NOT_CONTROLLABLE", "REMOTE_CONTROL_DISALLOW"):
            return DeviceRestricted((self.device or {}).get("name") or self.cfg.speaker or "?")
        return exc

    def command(self, what: str, send: Callable[[dict], None], harmless: str | None = None) -> bool:
        """Send one command to the speaker (looked up now); a refusal with reason `harmless` counts as done."""
        try:
            send(self.find())
        except SpotifyError as exc:
            if not (isinstance(exc, Forbidden) and harmless and exc.reason == harmless):
                self.fail(self.restricted(exc), f"cannot {what}")
                return False
        return True

    def queue(self, uri: str) -> bool:
        try:
            self.client.queue(uri, self.device["id"])
        except SpotifyError as exc:
            self.fail(self.restricted(exc), "cannot queue the next pick")
            return False
        return True

    def set_volume(self, percent: int) -> bool:
        try:
            dev = self.find()
        except SpotifyError as exc:
            self.fail(exc, "cannot set the volume")
            return False
        return self.volume(dev, percent)

    def volume(self, dev: dict, percent: int) -> bool:
        percent = int(max(0, min(100, percent)))
        if dev.get("supports_volume") is False:
            log.info("speaker %r does not take volume commands; volume left as it is", dev.get("name"))
            return False
        if dev.get("volume_percent") == percent:
            return True
        try:
            self.client.volume(percent, dev["id"])
        except Forbidden as exc:
            log.info("speaker %r refused the volume (%s); volume left as it is", dev.get("name"), exc.reason)
            return False
        except SpotifyError as exc:
            self.fail(exc, "cannot set the volume")
            return False
        dev["volume_percent"] = percent
        log.info("volume %d %% on %s", percent, dev.get("name"))
        return True
