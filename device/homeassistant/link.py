"""The MQTT connection: a state machine over paho-mqtt, reconnected with the project's back-off (device/core/backoff.py).

paho's own network thread (loop_start) reads and writes the socket; publish() only queues a message for it, so no
caller ever waits on the broker. A lost connection ends that thread (reconnect_on_failure=False) and the owner's
step() reconnects when Connection says an attempt is due.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass

from device.core.backoff import Backoff

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 3.0  # a broker that does not answer: give up on this attempt after this long


class Connection:
    """Whether we are connected, why not, and when to try again.

    >>> c = Connection(Backoff(1.0, 4.0))
    >>> c.state, c.due(0.0)
    ('down', True)
    >>> c.trying(0.0); c.failed("connection refused", 0.0); c.state, c.reason, c.due(0.5), c.due(1.0)
    ('down', 'connection refused', False, True)
    >>> c.trying(1.0); c.failed("connection refused", 1.0); c.next_try
    3.0
    >>> c.trying(3.0); c.up(); c.state, c.reason, c.backoff.failures
    ('up', '', 0)
    >>> c.lost("the broker went away", 9.0); c.state, c.next_try
    ('down', 10.0)
    """

    def __init__(self, backoff: Backoff):
        self.backoff = backoff
        self.state = "down"  # down -> connecting -> up -> down ...
        self.reason = "not connected yet"
        self.next_try = 0.0
        self.since = 0.0  # when the current attempt began
        self.ups = 0  # connections made (each one republishes discovery and state)

    def due(self, now: float) -> bool:
        return self.state == "down" and now >= self.next_try

    def trying(self, now: float) -> None:
        self.state, self.since = "connecting", now

    def stuck(self, now: float, after: float) -> bool:
        """A handshake that has not finished after `after` seconds (a broker that accepts and then says nothing)."""
        return self.state == "connecting" and now - self.since > after

    def up(self) -> None:
        self.state, self.reason = "up", ""
        self.ups += 1
        self.backoff.reset()

    def failed(self, reason: str, now: float) -> None:
        self.state, self.reason = "down", reason
        self.next_try = now + self.backoff.failed()

    def lost(self, reason: str, now: float) -> None:
        if self.state == "down":  # already said why (e.g. the login was refused)
            return
        self.failed(reason, now)


@dataclass(frozen=True)
class Message:
    topic: str
    payload: str


class Link:
    """One broker connection: connect() (blocking up to CONNECT_TIMEOUT_S, called from the owner's thread only),
    publish() (never blocks), and received messages queued for the owner (`inbox`)."""

    def __init__(self, cfg, *, client_id: str, password: str | None, will_topic: str, subscriptions: list[str],
                 clock):
        self.cfg = cfg
        self.client_id = client_id
        self._password = password
        self.will_topic = will_topic
        self.subscriptions = subscriptions
        self.clock = clock
        self.connection = Connection(Backoff(cfg.reconnect_min_s, cfg.reconnect_max_s))
        self.inbox: queue.Queue[Message] = queue.Queue(maxsize=1000)
        self.fresh = threading.Event()  # set once per new connection: the owner republishes everything
        self._lock = threading.Lock()
        self._client = None

    @property
    def where(self) -> str:
        return f"{self.cfg.host}:{self.cfg.port}"

    @property
    def connected(self) -> bool:
        return self.connection.state == "up"

    def _make_client(self):
        import paho.mqtt.client as mqtt

        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, clean_session=True,
                             reconnect_on_failure=False)
        client.connect_timeout = CONNECT_TIMEOUT_S
        if self.cfg.username:
            client.username_pw_set(self.cfg.username, self._password)
        if self.cfg.tls:
            client.tls_set(ca_certs=self.cfg.ca_file or None, certfile=self.cfg.cert_file or None,
                           keyfile=self.cfg.key_file or None)
        client.will_set(self.will_topic, "offline", qos=1, retain=True)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def connect(self, now: float) -> None:
        """One attempt; afterwards the state is connecting (paho finishes the handshake) or down with a reason.
        One paho client serves every attempt (its reconnect closes what the last attempt left open)."""
        with self._lock:
            self.connection.trying(now)
        try:
            if self._client is None:
                self._client = self._make_client()
            self._client.loop_stop()  # the network thread of a lost connection has ended: join it
            self._client.connect(self.cfg.host, self.cfg.port, keepalive=self.cfg.keepalive_s)
        except (OSError, ValueError) as exc:  # refused, unreachable, no such host, a TLS file that does not load
            with self._lock:
                self.connection.failed(f"cannot reach the MQTT broker at {self.where}: {_os_reason(exc)}", now)
            return
        self._client.loop_start()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.disconnect()
        finally:
            client.loop_stop()

    def check(self, now: float) -> None:
        """Give up on a handshake the broker never answered (then reconnect after the back-off)."""
        with self._lock:
            if not self.connection.stuck(now, 2 * CONNECT_TIMEOUT_S):
                return
            self.connection.failed(f"the MQTT broker at {self.where} did not answer the handshake", now)
        self.close()

    def publish(self, topic: str, payload: str, *, retain: bool = True) -> bool:
        """Hand a message to the network thread; False (dropped) while not connected: everything is republished on
        the next connection anyway."""
        client = self._client
        if client is None or not self.connected:
            return False
        return client.publish(topic, payload, qos=1, retain=retain).rc == 0

    # ---------------------------------------------------------------- paho's network thread

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            why = (f"the MQTT broker at {self.where} refused the login ({reason_code}): check mqtt.username and the "
                   f"password" if reason_code.value in (4, 5, 134, 135) else
                   f"the MQTT broker at {self.where} refused the connection ({reason_code})")
            with self._lock:
                self.connection.failed(why, self.clock())
            return
        for topic in self.subscriptions:
            client.subscribe(topic, qos=1)
        client.publish(self.will_topic, "online", qos=1, retain=True)
        with self._lock:
            self.connection.up()
        self.fresh.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        with self._lock:
            if self.connection.state == "connecting":  # closed before it accepted us
                why = (f"the MQTT broker at {self.where} closed the connection during the handshake: does it want "
                       f"TLS (mqtt.tls) or a client certificate (mqtt.cert_file)?")
            else:
                why = f"lost the connection to the MQTT broker at {self.where} ({reason_code})"
            self.connection.lost(why, self.clock())

    def _on_message(self, client, userdata, message) -> None:
        try:
            self.inbox.put_nowait(Message(message.topic, message.payload.decode("utf-8", "replace")[:200]))
        except queue.Full:
            log.warning("Home Assistant command dropped: too many waiting")


def _os_reason(exc: Exception) -> str:
    import ssl

    if isinstance(exc, ssl.SSLCertVerificationError):
        return (f"its TLS certificate is not trusted ({exc.verify_message}): set mqtt.ca_file to the CA certificate "
                f"that signed it")
    if isinstance(exc, ssl.SSLError):
        return f"the TLS handshake failed ({exc.reason or exc}): check mqtt.tls, the port and the certificates"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the broker running, on this port?)"
    if isinstance(exc, TimeoutError):
        return f"no answer within {CONNECT_TIMEOUT_S:g} s"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def probe(cfg, password: str | None, *, client_id: str = "mirrorball-doctor") -> str:
    """Log in to the broker once and leave: '' when the login works, else why not (one sentence)."""
    import time

    link = Link(cfg, client_id=client_id, password=password, will_topic=f"mirrorball/{client_id}/probe",
                subscriptions=[], clock=time.monotonic)
    link.connect(time.monotonic())
    deadline = time.monotonic() + 2 * CONNECT_TIMEOUT_S
    while link.connection.state == "connecting" and time.monotonic() < deadline:
        time.sleep(0.02)
    state, reason = link.connection.state, link.connection.reason
    link.close()
    if state == "up":
        return ""
    return reason if state == "down" else f"the MQTT broker at {link.where} did not answer the handshake"
