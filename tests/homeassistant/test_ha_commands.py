"""Home Assistant's commands over a real Mosquitto take the button's path (the same hub event) and the switches'
one record (saved, published on the hub, read back after a restart)."""

from __future__ import annotations

from broker import PASSWORD
from ha_rig import PartRig
from waiting import wait_for

from device.core.overrides import OVERRIDES_KEY, Overrides, current
from device.core.values import ButtonEvent, VolumeRequest


def events(hub) -> list:
    found = []
    while (e := hub.take()) is not None:
        found.append(e)
    return found


def test_buttons_post_the_physical_buttons_events_and_volume_is_capped(tmp_path, broker, listener):
    rig = PartRig(tmp_path, broker).start()
    ha = listener()
    try:
        assert wait_for(lambda: ha.latest("mirrorball/test1/availability") == "online", 10)
        ha.send("mirrorball/test1/skip/set", "PRESS")
        seen = wait_for(lambda: events(rig.hub), 5)
        assert [type(e) for e in seen] == [ButtonEvent] and seen[0].kind == "tap" and seen[0].extra == {}
        ha.send("mirrorball/test1/like/set", "PRESS")
        seen = wait_for(lambda: events(rig.hub), 5)
        assert [e.kind for e in seen] == ["hold"]
        ha.send("mirrorball/test1/volume/set", "95")  # above music.max_volume (70)
        seen = wait_for(lambda: events(rig.hub), 5)
        assert seen == [VolumeRequest(70, seen[0].at)]
        assert wait_for(lambda: ha.latest("mirrorball/test1/volume/state") == "70", 5)
        ha.send("mirrorball/test1/skip/set", "bogus")
        ha.send("mirrorball/test1/volume/set", "loud")
        ha.send("mirrorball/test1/like/set", "PRESS")  # after the bad ones: they were ignored, this one is not
        seen = wait_for(lambda: events(rig.hub), 5)
        assert [e.kind for e in seen] == ["hold"]
    finally:
        rig.stop()
        ha.close()


def test_switches_change_the_one_record_which_survives_a_restart(tmp_path, broker, listener):
    rig = PartRig(tmp_path, broker).start()
    ha = listener()
    try:
        assert wait_for(lambda: ha.latest("mirrorball/test1/guest/state") == "OFF", 10)
        assert ha.latest("mirrorball/test1/explicit/state") == "ON"  # music.explicit: not_with_children (the default)
        assert ha.latest("mirrorball/test1/learning/state") == "ON"
        ha.send("mirrorball/test1/guest/set", "ON")
        ha.send("mirrorball/test1/explicit/set", "OFF")
        ha.send("mirrorball/test1/learning/set", "OFF")
        want = Overrides(explicit="never", learning=False, guest=True)
        assert wait_for(lambda: current(rig.hub) == want, 5), current(rig.hub)
        assert wait_for(lambda: ha.latest("mirrorball/test1/guest/state") == "ON", 5)
        assert wait_for(lambda: ha.latest("mirrorball/test1/explicit/state") == "OFF", 5)
        assert wait_for(lambda: ha.latest("mirrorball/test1/learning/state") == "OFF", 5)
        assert rig.store.get_json(OVERRIDES_KEY)["guest"] is True
    finally:
        rig.stop()
        ha.close()
    again = PartRig(tmp_path, broker, store=rig.store)  # a restart: a fresh hub, the same state store
    assert current(again.hub) == want
    rig.store.close()


def test_learning_cannot_be_switched_on_against_the_config(tmp_path, broker, listener):
    rig = PartRig(tmp_path, broker, extra="music:\n  learning: false\n").start()
    ha = listener()
    try:
        assert wait_for(lambda: ha.latest("mirrorball/test1/learning/state") == "OFF", 10)
        count = len(ha.all("mirrorball/test1/learning/state"))
        ha.send("mirrorball/test1/learning/set", "ON")
        assert wait_for(lambda: len(ha.all("mirrorball/test1/learning/state")) > count, 5), "the state is sent again"
        assert ha.latest("mirrorball/test1/learning/state") == "OFF" and current(rig.hub) == Overrides()
        assert PASSWORD not in "".join(p for _, _, p, _ in ha.all())
    finally:
        rig.stop()
        ha.close()
