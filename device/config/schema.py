"""The one typed configuration schema: every section, key, default, range and doc line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

# Each field's metadata may hold:
#   doc      one line for `mirrorball check-config --explain` and the example config
#   min/max  inclusive numeric bounds
#   secret   True: the value is a credential (never logged; warns when the file is readable by others)
#   check    a callable(value) -> str | None giving an extra error message


def setting(default: Any = None, *, doc: str = "", min: float | None = None, max: float | None = None,
            secret: bool = False, check=None, factory=None):
    """A config field with its documentation and constraints."""
    meta = {"doc": doc, "min": min, "max": max, "secret": secret, "check": check}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def _loopback_redirect(uri: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(uri)
    if parts.scheme != "http":
        return f"must be an http:// loopback address such as http://127.0.0.1:8888/callback, got {uri!r}"
    if parts.hostname not in ("127.0.0.1", "::1"):
        return (f"Spotify accepts only loopback IP addresses (127.0.0.1 or [::1]) for http redirects, "
                f"got host {parts.hostname!r}")
    if parts.port is None:
        return f"must name a port, e.g. http://127.0.0.1:8888/callback, got {uri!r}"
    return None


# ---------------------------------------------------------------- camera


@dataclass(frozen=True)
class CameraConfig:
    source: Literal["picamera2", "opencv", "images"] = setting(
        "picamera2", doc="picamera2 (the Pi camera), opencv (USB webcam, video file or stream URL) or images (a folder of photos)")
    device: int | str = setting(0, doc="opencv source: webcam index (0), video file path or stream URL")
    images: str = setting("", doc="images source: a folder or a glob of photos, replayed in name order")
    loop: bool = setting(True, doc="images/video-file sources: start again at the end")
    width: int = setting(640, min=160, max=4096, doc="frame width requested from the camera, pixels")
    height: int = setting(480, min=120, max=3072, doc="frame height requested from the camera, pixels")
    idle_fps: float = setting(1.0, min=0.05, max=30, doc="frames sampled per second while nobody is there")
    active_fps: float = setting(4.0, min=0.05, max=30, doc="frames sampled per second while confirming an arrival")
    present_fps: float = setting(1.0, min=0.05, max=30, doc="frames sampled per second while listeners are present")
    rotation: Literal[0, 90, 180, 270] = setting(0, doc="rotate frames clockwise by this many degrees")
    hflip: bool = setting(False, doc="mirror frames left to right")
    reopen_min_s: float = setting(1.0, min=0.1, max=600, doc="first wait before reopening a failed camera, seconds")
    reopen_max_s: float = setting(60.0, min=1, max=3600, doc="longest wait between reopen attempts, seconds")


# ---------------------------------------------------------------- vision


@dataclass(frozen=True)
class AgeGroup:
    name: str = setting("", doc="label shown in logs and used by music rules, e.g. 30-39")
    min_age: int = setting(0, min=0, max=120, doc="youngest age in the group, years")
    max_age: int | None = setting(None, min=0, max=120, doc="oldest age in the group, years; empty for open-ended")


def default_age_groups() -> list[AgeGroup]:
    return [
        AgeGroup("0-12", 0, 12), AgeGroup("13-19", 13, 19), AgeGroup("20-29", 20, 29),
        AgeGroup("30-39", 30, 39), AgeGroup("40-49", 40, 49), AgeGroup("50-59", 50, 59),
        AgeGroup("60+", 60, None),
    ]


@dataclass(frozen=True)
class VisionConfig:
    model: str | None = setting(None, doc="age model (.tflite, with its .json sidecar beside it); empty for the shipped model")
    detector: Literal["haar", "yunet"] = setting("yunet", doc="face detector: yunet (OpenCV's YuNet CNN, with eye landmarks; "
                                                             "Haar stands in when its model file is missing) or haar")
    yunet_model: str | None = setting(None, doc="YuNet ONNX file; empty for the one make models installs (sha256 checked)")
    yunet_score: float = setting(0.55, min=0.05, max=0.99,
                                 doc="yunet: smallest face score kept (0.55: measured by make detect-check, docs/benchmarks.md)")
    yunet_nms: float = setting(0.3, min=0.05, max=0.95, doc="yunet: overlap (IoU) above which the weaker of two boxes is dropped")
    yunet_scale: float = setting(1.0, min=0.1, max=1.0,
                                 doc="yunet: search the whole frame shrunk by this factor (0.5: about 3x cheaper, "
                                     "but only 72 % of faces 36-90 px found against 99 %)")
    min_face_px: int | None = setting(None, min=12, max=1000,
                                      doc="smallest face side to detect, pixels; empty: 24 for yunet, 40 for haar")
    max_faces: int = setting(6, min=1, max=32, doc="most faces considered per frame (largest first)")
    confirm_faces: bool = setting(True, doc="haar only: keep a face only when a second cascade (OpenCV's frontalface_alt) "
                                            "also finds it; drops most phantom faces (patterns, objects) and about 2 in 100 "
                                            "of the real faces the first cascade found")
    threads: int = setting(1, min=1, max=8, doc="inference threads for the age model")
    arrive_frames: int = setting(3, min=1, max=30, doc="a listener arrives when a face is seen in this many ...")
    window_frames: int = setting(5, min=1, max=60, doc="... of the last this many sampled frames")
    leave_after_s: float = setting(30.0, min=1, max=3600, doc="the audience leaves after this many seconds with no face")
    group_hysteresis: float = setting(0.15, min=0, max=0.9,
                                      doc="a listener's age group changes only when the new group leads by this probability margin")
    group_smoothing: float = setting(0.3, min=0.01, max=1,
                                     doc="weight of the newest frame in each listener's running age and group probabilities")
    match_distance: float = setting(1.5, min=0.1, max=10,
                                    doc="a face belongs to a tracked listener when its centre is within this many face sides")
    full_scan_every: int = setting(4, min=1, max=100,
                                   doc="while faces are tracked, search the whole frame every this many frames and only near "
                                       "the known faces in between (1: always the whole frame)")
    motion_threshold: float = setting(0.01, min=0, max=1,
                                      doc="while nobody is there, skip the face search when less than this share of the frame "
                                          "changed since the last search (0: always search)")
    idle_scan_every: int = setting(10, min=1, max=1000,
                                   doc="while nobody is there, search the whole frame at least every this many frames, motion or not")
    light_dark_below: float = setting(40.0, min=0, max=255, doc="room light: mean frame brightness (0-255) below this is dark")
    light_dim_below: float = setting(100.0, min=0, max=255, doc="room light: mean frame brightness below this is dim, above bright")
    light_margin: float = setting(8.0, min=0, max=64,
                                  doc="room light changes level only when the brightness is this far past a threshold")
    age_groups: list[AgeGroup] = setting(factory=default_age_groups, doc="age groups, youngest first, without gaps")


# ---------------------------------------------------------------- weather


@dataclass(frozen=True)
class TemperatureBands:
    freezing_below: float = setting(0.0, min=-60, max=60, doc="below this °C is freezing")
    cold_below: float = setting(10.0, min=-60, max=60, doc="below this °C is cold")
    mild_below: float = setting(20.0, min=-60, max=60, doc="below this °C is mild")
    warm_below: float = setting(27.0, min=-60, max=60, doc="below this °C is warm; from here on it is hot")


@dataclass(frozen=True)
class WeatherConfig:
    provider: Literal["open-meteo", "openweathermap"] = setting("open-meteo", doc="open-meteo (no key) or openweathermap (needs api_key)")
    latitude: float | None = setting(None, min=-90, max=90, doc="the place, decimal degrees north")
    longitude: float | None = setting(None, min=-180, max=180, doc="the place, decimal degrees east")
    place: str | None = setting(None, doc="or a place name, looked up once with Open-Meteo's geocoding and cached")
    api_key: str | None = setting(None, secret=True, doc="OpenWeatherMap key; better in api_key_file or $CREDENTIALS_DIRECTORY/openweathermap_api_key")
    api_key_file: str | None = setting(None, doc="file holding the OpenWeatherMap key")
    poll_minutes: float = setting(15.0, min=5, max=1440, doc="minutes between weather readings")
    stale_after_hours: float = setting(3.0, min=0.25, max=72, doc="older readings count as 'weather unknown'")
    timeout_s: float = setting(10.0, min=1, max=120, doc="timeout of each weather request, seconds")
    forecast_url: str = setting("https://api.open-meteo.com/v1/forecast", doc="Open-Meteo forecast endpoint")
    geocoding_url: str = setting("https://geocoding-api.open-meteo.com/v1/search", doc="Open-Meteo geocoding endpoint")
    openweathermap_url: str = setting("https://api.openweathermap.org/data/2.5/weather", doc="OpenWeatherMap current-weather endpoint")
    temperature: TemperatureBands = setting(factory=TemperatureBands, doc="temperature bands, °C")


# ---------------------------------------------------------------- music policy


@dataclass(frozen=True)
class RuleWhen:
    condition: list[Literal["clear", "partly cloudy", "overcast", "fog", "drizzle", "rain", "snow", "thunderstorm", "unknown"]] = setting(
        factory=list, doc="any of these weather conditions")
    temperature: list[Literal["freezing", "cold", "mild", "warm", "hot", "unknown"]] = setting(factory=list, doc="any of these temperature bands")
    time_of_day: list[Literal["morning", "afternoon", "evening", "night", "unknown"]] = setting(factory=list, doc="any of these times of day")
    season: list[Literal["spring", "summer", "autumn", "winter", "unknown"]] = setting(factory=list, doc="any of these seasons")
    light: list[Literal["dark", "dim", "bright", "unknown"]] = setting(factory=list, doc="any of these room light levels")
    daylight: bool | None = setting(None, doc="true: only by day, false: only at night")
    groups: list[str] = setting(factory=list, doc="any listener in one of these age groups")
    min_listeners: int | None = setting(None, min=0, max=50, doc="at least this many listeners")
    max_listeners: int | None = setting(None, min=0, max=50, doc="at most this many listeners")


@dataclass(frozen=True)
class Rule:
    name: str = setting("", doc="shown by `mirrorball why`")
    when: RuleWhen = setting(factory=RuleWhen, doc="all given conditions must hold (an empty list matches anything)")
    moods: list[str] = setting(factory=list, doc="mood words (calm, upbeat, cozy...), searched as the genres they stand for")
    genres: list[str] = setting(factory=list, doc="Spotify genres, used with genre: searches")
    volume: int | None = setting(None, min=0, max=100, doc="speaker volume, percent")
    explicit: bool | None = setting(None, doc="false forbids explicit tracks")
    weight: float = setting(1.0, min=0, max=10, doc="how strongly this rule pulls when several match")


_NO_AUDIO_FEATURES = ("was removed: Spotify withdrew audio features from its Web API in 2024, so nothing can choose "
                      "music by it; delete the line (genres and the learned tastes choose instead)")
# Settings that existed once and went: a config that still has one is refused with the reason (see loader).
REMOVED_SETTINGS: dict[str, dict[str, str]] = {
    "Rule": {key: _NO_AUDIO_FEATURES for key in ("energy", "valence", "tempo", "acousticness")},
    "MusicConfig": {"allow_explicit": "was replaced by music.explicit: write `explicit: allowed`, "
                                      "`explicit: not_with_children` (the default) or `explicit: never` instead"},
}


@dataclass(frozen=True)
class NamedPlaylist:
    uri: str = setting("", doc="spotify:playlist:... (one of yours; Spotify-owned playlists cannot be read)")
    when: RuleWhen = setting(factory=RuleWhen, doc="when to prefer it")


CHILD_THRESHOLD = 0.25  # music.child_threshold's default, measured by training/child_threshold.py


@dataclass(frozen=True)
class MusicConfig:
    rules: list[Rule] | None = setting(None, doc="policy rules; empty for the documented default set")
    playlists: list[NamedPlaylist] = setting(factory=list, doc="your own playlists, preferred when their conditions hold")
    idle: Literal["keep_playing", "fade_out", "pause"] = setting("pause", doc="what to do when the audience has left")
    pause_after_minutes: float = setting(10.0, min=0, max=1440, doc="idle: pause/fade this many minutes after the audience left")
    volume: int = setting(40, min=0, max=100, doc="default speaker volume, percent")
    max_volume: int = setting(70, min=0, max=100, doc="never set the speaker louder than this")
    night_volume: int = setting(25, min=0, max=100, doc="volume cap at night")
    explicit: Literal["allowed", "not_with_children", "never"] = setting(
        "not_with_children", doc="explicit tracks: allowed, not_with_children (never while a child is here or was "
                                 "within family_safe_minutes) or never")
    child_threshold: float = setting(CHILD_THRESHOLD, min=0.01, max=0.99,
                                     doc="a listener counts as a child when the age model gives this probability or "
                                         "more to an age under 13 (chosen by measurement: docs/family-safety.md)")
    family_safe_minutes: float = setting(10.0, min=0, max=1440,
                                         doc="stay family-safe this many minutes after a child was last seen")
    no_repeat_hours: float = setting(24.0, min=0, max=24 * 30, doc="do not play a track again within this many hours")
    dislike_block_days: float = setting(30.0, min=0, max=365, doc="a track skipped early (a dislike) is not played again in that context for this many days; a late skip never blocks a track")
    skip_dislike_s: float = setting(30.0, min=0, max=600, doc="a skip (button tap or another app) sooner than this many seconds after a track's start is an early skip, a dislike; a later skip is the listener moving on, a weak negative (0: no skip is a dislike)")
    learning: bool = setting(True, doc="learn from likes, skips and play-throughs")
    use_top_tracks: bool = setting(True, doc="use your Spotify top tracks as a personal seed")


# ---------------------------------------------------------------- spotify


@dataclass(frozen=True)
class SpotifyConfig:
    client_id: str | None = setting(None, doc="your Spotify app's client ID (developer.spotify.com/dashboard)")
    client_secret: str | None = setting(None, secret=True,
                                        doc="optional with PKCE; better in client_secret_file or $CREDENTIALS_DIRECTORY/spotify_client_secret")
    client_secret_file: str | None = setting(None, doc="file holding the client secret")
    redirect_uri: str = setting("http://127.0.0.1:8888/callback", check=_loopback_redirect,
                                doc="must be registered in your app; loopback IP only (127.0.0.1), never localhost")
    speaker: str | None = setting(None, doc="the Spotify Connect speaker's name (case-insensitive; a unique prefix is enough)")
    api_url: str = setting("https://api.spotify.com/v1", doc="Web API base URL")
    accounts_url: str = setting("https://accounts.spotify.com", doc="accounts (login/token) base URL")
    request_timeout_s: float = setting(10.0, min=1, max=120, doc="timeout of each Spotify request, seconds")
    queue_ahead: int = setting(3, min=1, max=20, doc="picks kept queued on the speaker")
    manual_backoff_minutes: float = setting(15.0, min=0, max=1440,
                                            doc="after someone changes playback from another Spotify app, leave it alone this long")
    poll_s: float = setting(10.0, min=2, max=300, doc="seconds between playback-state checks while playing")


# ---------------------------------------------------------------- button and led


@dataclass(frozen=True)
class ButtonConfig:
    enabled: bool = setting(True, doc="use the hardware button")
    pin: int = setting(17, min=0, max=53, doc="BCM GPIO number of the button (the other leg to ground)")
    pull_up: bool = setting(True, doc="true: the button connects the pin to ground")
    bounce_ms: int = setting(30, min=0, max=1000, doc="ignore contact bounce shorter than this, milliseconds")
    hold_s: float = setting(1.0, min=0.3, max=10, doc="a press this long or longer is a hold (like)")
    double_tap_s: float = setting(0.4, min=0.1, max=2, doc="two taps within this many seconds are a double tap (pause/resume)")


@dataclass(frozen=True)
class LedConfig:
    enabled: bool = setting(False, doc="drive a status LED")
    pin: int = setting(27, min=0, max=53, doc="BCM GPIO number of the LED")
    active_high: bool = setting(True, doc="true: the pin drives the LED's anode")


# ---------------------------------------------------------------- mqtt (Home Assistant)


def _mqtt_topic_prefix(value: str) -> str | None:
    if any(c in value for c in "+#\0") or value.startswith("/") or value.endswith("/"):
        return f"must be an MQTT topic without wildcards (+ #) or a leading or trailing slash, got {value!r}"
    return None


def _mqtt_device_id(value: str) -> str | None:
    import re

    if value and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", value):
        return f"must be 1-64 letters, digits, _ or - (it becomes part of topics and entity ids), got {value!r}"
    return None


@dataclass(frozen=True)
class MqttConfig:
    enabled: bool = setting(False, doc="publish to Home Assistant through an MQTT broker (off by default; README: Home Assistant)")
    host: str = setting("localhost", doc="the broker's host name or address (Home Assistant's Mosquitto add-on: the Home Assistant host)")
    port: int = setting(1883, min=1, max=65535, doc="the broker's port (1883; 8883 is usual with TLS)")
    username: str | None = setting(None, doc="broker login name; empty for a broker that allows anonymous clients")
    password: str | None = setting(None, secret=True, doc="broker password; better in password_file or $CREDENTIALS_DIRECTORY/mqtt_password")
    password_file: str | None = setting(None, doc="file holding the broker password")
    tls: bool = setting(False, doc="connect with TLS (the server certificate is checked against ca_file, or the system's CAs)")
    ca_file: str | None = setting(None, doc="TLS: the CA certificate (PEM) that signed the broker's certificate; empty for the system's CAs")
    cert_file: str | None = setting(None, doc="TLS: a client certificate (PEM), for brokers that ask for one")
    key_file: str | None = setting(None, doc="TLS: the client certificate's private key (PEM)")
    discovery_prefix: str = setting("homeassistant", check=_mqtt_topic_prefix,
                                    doc="Home Assistant's discovery prefix (its MQTT integration's default: homeassistant)")
    base_topic: str = setting("", check=_mqtt_topic_prefix,
                              doc="where Mirrorball publishes its states and hears commands; empty for mirrorball/<device id>")
    device_id: str = setting("", check=_mqtt_device_id, doc="this appliance's id in topics and entity ids; empty: derived from /etc/machine-id (hashed)")
    keepalive_s: int = setting(30, min=5, max=3600, doc="seconds between MQTT keep-alive pings; the broker marks us offline after 1.5x this")
    reconnect_min_s: float = setting(1.0, min=0.1, max=600, doc="first wait before reconnecting to a lost broker, seconds")
    reconnect_max_s: float = setting(20.0, min=1, max=3600, doc="longest wait between reconnect attempts, seconds")


# ---------------------------------------------------------------- daemon


@dataclass(frozen=True)
class DaemonConfig:
    state_dir: str = setting("/var/lib/mirrorball", doc="state database and Spotify token cache live here")
    log_level: Literal["debug", "info", "warning", "error"] = setting("info", doc="log verbosity")
    tick_s: float = setting(1.0, min=0.05, max=60, doc="main loop period, seconds")
    require_time_sync: bool = setting(True, doc="treat the time of day as unknown until the clock is synchronised")


@dataclass(frozen=True)
class DebugConfig:
    save_frames: bool = setting(False, doc="write sampled frames to frames_dir (privacy: off by default; logs a warning)")
    frames_dir: str = setting("/var/lib/mirrorball/frames", doc="where save_frames writes")


@dataclass(frozen=True)
class Config:
    camera: CameraConfig = setting(factory=CameraConfig, doc="where frames come from")
    vision: VisionConfig = setting(factory=VisionConfig, doc="faces and ages")
    weather: WeatherConfig = setting(factory=WeatherConfig, doc="where the weather comes from")
    music: MusicConfig = setting(factory=MusicConfig, doc="the music policy")
    spotify: SpotifyConfig = setting(factory=SpotifyConfig, doc="the Spotify app and speaker")
    button: ButtonConfig = setting(factory=ButtonConfig, doc="the hardware button")
    led: LedConfig = setting(factory=LedConfig, doc="the optional status LED")
    daemon: DaemonConfig = setting(factory=DaemonConfig, doc="the service itself")
    debug: DebugConfig = setting(factory=DebugConfig, doc="debugging aids")
    mqtt: MqttConfig = setting(factory=MqttConfig, doc="Home Assistant over MQTT (off by default)")
