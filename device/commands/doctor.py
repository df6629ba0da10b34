"""`mirrorball doctor`: one PASS/FAIL/WARN/SKIP row per thing the appliance needs (and per music source on the live
account), with a fix hint for each failure."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from device.core.parts import Unavailable

HELP = ("check config, model, camera, weather, Spotify login, speaker, each music source and GPIO; "
        "exit 1 if any check fails")


@dataclass(frozen=True)
class Check:
    name: str
    outcome: str  # PASS, FAIL, WARN (works in part: the appliance goes on without it) or SKIP
    detail: str
    hint: str = ""


def add_arguments(parser) -> None:
    parser.add_argument("--skip-camera", action="store_true", help="do not open the camera (e.g. while the service uses it)")


def main(args) -> int:
    from device.config import ConfigError, load_config

    rows: list[Check] = []
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        first = exc.problems[0]
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        rows.append(Check("config", "FAIL", f"{first}{more}", f"run: mirrorball check-config {args.config}"))
        config = None
    else:
        rows.append(Check("config", "PASS", str(args.config)))
    if config is not None:
        from device.core.state import owner_problem

        wrong_user = owner_problem(config.daemon.state_dir)
        for check in checks(skip_camera=args.skip_camera):
            if wrong_user and check in WRITES_STATE:
                name = check.__name__.removeprefix("check_").replace("_", " ")
                rows.append(Check(name, "SKIP", "not run: it would write to the state directory as the wrong user"))
                continue
            found = run_check(check, config)
            rows.extend(found if isinstance(found, list) else [found])
        if wrong_user:
            rows.append(Check("user", "FAIL", wrong_user, "run doctor as the service user"))
    print_rows(rows)
    return 1 if any(r.outcome == "FAIL" for r in rows) else 0


def run_check(check: Callable, config) -> Check:
    try:
        return check(config)
    except Exception as exc:  # a check must never take doctor down: report what broke
        name = check.__name__.removeprefix("check_").replace("_", " ")
        return Check(name, "FAIL", f"{type(exc).__name__}: {exc}", "please report this with the output of doctor")


def print_rows(rows: list[Check], out=sys.stdout) -> None:
    width = max(len(r.name) for r in rows)
    for r in rows:
        print(f"{r.outcome:4}  {r.name:<{width}}  {r.detail}", file=out)
        if r.hint and r.outcome != "PASS":
            print(f"{'':4}  {'':<{width}}  fix: {r.hint}", file=out)


def checks(skip_camera: bool = False) -> list[Callable]:
    found = [check_state, check_clock, check_model, check_detector, check_camera, check_weather, check_spotify_login,
             check_speaker, check_music_sources, check_button, check_mqtt]
    if skip_camera:
        found.remove(check_camera)
    return found


# ---------------------------------------------------------------- checks


def check_state(config) -> Check:
    from device.core.state import StateError, StateStore

    path = Path(config.daemon.state_dir) / "state.db"
    try:
        with StateStore(path) as store:
            n = len(store.events(limit=100000))
    except (StateError, OSError) as exc:
        return Check("state", "FAIL", str(exc), f"make {config.daemon.state_dir} writable by the mirrorball user")
    return Check("state", "PASS", f"{path} ({n} feedback events)")


def check_clock(config) -> Check:
    from device.core.clock import SystemClock

    if SystemClock(require_sync=config.daemon.require_time_sync).synchronised():
        return Check("clock", "PASS", "synchronised")
    return Check("clock", "FAIL", "not synchronised: the time of day counts as unknown",
                 "connect to the network; 'timedatectl' shows the NTP state")


def check_model(config) -> Check:
    from device.vision.age import AgeEstimator, ModelError

    try:
        estimator = AgeEstimator(config.vision.model, threads=config.vision.threads)
    except ModelError as exc:
        return Check("model", "FAIL", str(exc), "reinstall (sudo make install) or fix vision.model")
    size = estimator.crop_spec.size
    return Check("model", "PASS", f"{estimator.path} ({size}x{size} input, {estimator.runtime})")


def check_detector(config) -> Check:
    from device.vision.detect import DetectorError, make_detector

    try:
        detector = make_detector(config.vision)
    except DetectorError as exc:
        return Check("detector", "FAIL", str(exc), "install opencv-python-headless<5")
    if detector.problem:
        return Check("detector", "WARN", f"{detector.name}: {detector.problem}; the install fell back to Haar",
                     "make models on a networked machine (it copies the YuNet model from ../shared/models or downloads "
                     "it from OpenCV's model zoo, sha256 checked), then sudo make install; or set vision.yunet_model to "
                     "the file")
    where = f" ({detector.path})" if getattr(detector, "path", None) else ""
    return Check("detector", "PASS", f"{detector.name}{where}, smallest face {detector.min_face_px} px")


def check_camera(config) -> Check:
    from device.vision.sources import open_source

    try:
        source = open_source(config.camera)
        source.open()
        try:
            frame = source.read()
        finally:
            source.close()
    except Unavailable as exc:
        return Check("camera", "FAIL", str(exc), getattr(exc, "fix", None) or
                     "check the cable and camera.source; is the service holding it? "
                     "(try --skip-camera, or stop the service first)")
    return Check("camera", "PASS", f"{frame.shape[1]}x{frame.shape[0]} frame from {source.describe()}")


def check_weather(config) -> Check:
    from device.core.parts import Hub
    from device.weather.part import WeatherPart

    with _store(config) as store:
        part = WeatherPart(config, Hub(), store)
        try:
            part.start()
        except Unavailable as exc:
            return Check("weather", "FAIL", str(exc), "set weather.latitude and weather.longitude, or weather.place")
        try:
            reading = part.poll()
        finally:
            part.stop()
    if reading is None:
        return Check("weather", "FAIL", f"weather unknown: {part.reason}", "check the network and the weather section")
    where = part.place.describe() if part.place else ""
    return Check("weather", "PASS", f"{part.status() or 'reading'} at {where} from {reading.source}")


def check_spotify_login(config) -> Check:
    from device.spotify.auth import TokenCache, TokenManager, token_path
    from device.spotify.errors import SpotifyError

    if not config.spotify.client_id:
        return Check("spotify login", "FAIL", "spotify.client_id is not set",
                     "create an app at developer.spotify.com and put its client ID in the config")
    tokens = TokenManager(config.spotify, TokenCache(token_path(config.daemon.state_dir)))
    try:
        tokens.get_access_token()
    except SpotifyError as exc:
        return Check("spotify login", "FAIL", str(exc), "run: mirrorball auth")
    return Check("spotify login", "PASS", tokens.status() or "token valid")


def check_speaker(config) -> Check:
    from device.spotify.client import SpotifyClient
    from device.spotify.errors import SpotifyError
    from device.spotify.speaker import select_speaker

    if not config.spotify.client_id:
        return Check("speaker", "SKIP", "no Spotify login yet")
    if not config.spotify.speaker:
        return Check("speaker", "FAIL", "spotify.speaker is not set", "put your speaker's name in spotify.speaker")
    try:
        devices = SpotifyClient.from_config(config).devices()
    except SpotifyError as exc:
        return Check("speaker", "FAIL", str(exc), "see the spotify login row")
    try:
        found = select_speaker(devices, config.spotify.speaker)
    except SpotifyError as exc:  # missing or ambiguous: the error says which devices are visible
        return Check("speaker", "FAIL", str(exc),
                     "wake the speaker (play something on it once from the Spotify app) or fix spotify.speaker")
    return Check("speaker", "PASS", f"{config.spotify.speaker!r} is {found.get('name')!r}")


def check_music_sources(config) -> list[Check] | Check:
    """One small read-only request per music source: which ones this account and app may use."""
    from device.commands.doctor_music import check_sources
    from device.spotify.auth import TokenCache, TokenManager, token_path
    from device.spotify.catalog import SpotifyCatalog
    from device.spotify.client import SpotifyClient
    from device.spotify.errors import SpotifyError

    if not config.spotify.client_id:
        return Check("music sources", "SKIP", "no Spotify login yet")
    tokens = TokenManager(config.spotify, TokenCache(token_path(config.daemon.state_dir)))
    try:
        granted = set(tokens.get_access_token(as_dict=True).get("scope", "").split()) or None
    except SpotifyError:
        return Check("music sources", "SKIP", "no Spotify login yet (see the spotify login row)")
    catalog = SpotifyCatalog(SpotifyClient.from_config(config))
    rows = check_sources(catalog, [p.uri for p in config.music.playlists], granted)
    return [Check(name, outcome, detail, hint or "") for name, outcome, detail, hint in rows]


def check_button(config) -> Check:
    if not config.button.enabled:
        return Check("gpio", "SKIP", "button disabled")
    try:
        from gpiozero import Button
        from gpiozero.exc import GPIOZeroError
    except ImportError as exc:
        return Check("gpio", "FAIL", f"gpiozero is not importable: {exc}", "sudo make install")
    try:
        button = Button(config.button.pin, pull_up=config.button.pull_up)
    except (GPIOZeroError, OSError, RuntimeError) as exc:
        return Check("gpio", "FAIL", f"cannot use GPIO{config.button.pin}: {exc}",
                     "is this a Raspberry Pi with python3-lgpio? is the user in the gpio group?")
    try:
        state = "pressed" if button.is_pressed else "released"
    finally:
        button.close()
    return Check("gpio", "PASS", f"button on GPIO{config.button.pin} ({state})")


def check_mqtt(config) -> Check:
    """Home Assistant: log in to the broker once with the configured name and password (never printed)."""
    from device.config.secrets import SecretError, read_secret

    cfg = config.mqtt
    if not cfg.enabled:
        return Check("home assistant", "SKIP", "mqtt.enabled is false")
    try:
        from device.homeassistant.link import probe
    except ImportError as exc:
        return Check("home assistant", "FAIL", f"paho-mqtt is not importable: {exc}", "sudo make install")
    try:
        password = read_secret("mqtt_password", cfg.password, cfg.password_file)
    except SecretError as exc:
        return Check("home assistant", "FAIL", str(exc), "make mqtt.password_file readable by the mirrorball user")
    problem = probe(cfg, password)
    if not problem:
        who = f" as {cfg.username}" if cfg.username else " (anonymous)"
        return Check("home assistant", "PASS", f"logged in to the MQTT broker at {cfg.host}:{cfg.port}{who}")
    if "refused the login" in problem:
        hint = ("set mqtt.username and the password of a broker user (Home Assistant's Mosquitto add-on: a Home "
                "Assistant user; plain Mosquitto: mosquitto_passwd)")
    elif "TLS" in problem:
        hint = "mqtt.ca_file: the CA certificate (PEM) that signed the broker's; mqtt.cert_file/key_file if it wants ours"
    elif "refused the connection" in problem:
        hint = "the broker refuses this client: check its access settings (e.g. allow_anonymous, the client id)"
    else:
        hint = "check mqtt.host and mqtt.port, that the broker runs, and mqtt.tls (port 8883 usually wants TLS)"
    return Check("home assistant", "FAIL", problem, hint)


# These checks write to the state directory (database, geocoding cache, a refreshed Spotify token).
WRITES_STATE = (check_state, check_weather, check_spotify_login, check_speaker, check_music_sources)


def _store(config):
    from device.core.state import StateStore

    return StateStore(Path(config.daemon.state_dir) / "state.db")
