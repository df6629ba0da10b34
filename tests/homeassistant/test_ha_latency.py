"""A state change is on the broker soon after the daemon knows it: 60 changes (listeners arriving and leaving, tracks
changing) published on the hub, each timed until a subscriber on the real broker has it. Target: p95 within 1 s."""

from __future__ import annotations

import random
import statistics
import time

from ha_rig import PartRig
from waiting import wait_for

from device.core.topics import Topic
from device.core.values import Audience, Listener, NowPlaying, Track


def test_state_change_to_broker_latency(tmp_path, broker, listener):
    rig = PartRig(tmp_path, broker).start()
    ha = listener()
    rng = random.Random(3)
    delays: list[float] = []
    try:
        assert wait_for(lambda: ha.latest("mirrorball/test1/listeners/state") == "0", 10)
        for i in range(60):
            if i % 2:
                n = 1 + i % 5
                rig.hub.publish(Topic.AUDIENCE, Audience(tuple(Listener(k, "30-39", 35.0, 0.0) for k in range(n)), i))
                topic, want = "mirrorball/test1/listeners/state", str(n)
            else:
                track = Track(f"spotify:track:t{i}", f"Song {i}", ("Band",))
                rig.hub.publish(Topic.NOW_PLAYING, NowPlaying("playing", track))
                topic, want = "mirrorball/test1/now_playing/state", f"Song {i} – Band"
            known = time.monotonic()
            assert wait_for(lambda t=topic, w=want: ha.latest(t) == w, 10), (topic, want)
            got = next(at for at, t, p, _ in reversed(ha.all(topic)) if p == want)
            delays.append(got - known)
            time.sleep(rng.uniform(0.0, 0.05))
    finally:
        rig.stop()
        ha.close()
    delays.sort()
    p50, p95 = statistics.median(delays), delays[int(0.95 * len(delays)) - 1]
    print(f"state change -> on the broker, {len(delays)} changes: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {delays[-1] * 1000:.0f} ms")
    assert p95 < 1.0
