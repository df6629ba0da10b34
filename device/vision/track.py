"""The audience tracker: per-frame faces (box, age, group probabilities) in, a stable Audience out; pure, no clock."""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from device.config.schema import Config
from device.core.values import Audience, Listener
from device.vision.crop import Box

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FaceObservation:
    """One face in one sampled frame: where it is, its expected age and each age group's probability."""

    box: Box
    age: float
    groups: Mapping[str, float]
    child_p: float = 0.0  # probability of an age under 13
    minor_p: float = 0.0  # probability of an age under 18


@dataclass
class _Track:
    id: int
    box: Box
    hits: deque  # of bool, one per sampled frame since the track began, at most window_frames long
    last_seen: float
    age: float
    probs: dict[str, float]
    child_p: float = 0.0
    minor_p: float = 0.0
    group: str | None = None
    since: float | None = None  # set when the track is confirmed as a listener

    @property
    def confirmed(self) -> bool:
        return self.since is not None


def _centre(box: Box) -> tuple[float, float]:
    x, y, w, h = box
    return x + w / 2.0, y + h / 2.0


def _side(box: Box) -> float:
    return max(1.0, (box[2] + box[3]) / 2.0)


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two (x, y, w, h) boxes."""
    ax1, ay1, bx1, by1 = a[0] + a[2], a[1] + a[3], b[0] + b[2], b[1] + b[3]
    iw = max(0, min(ax1, bx1) - max(a[0], b[0]))
    ih = max(0, min(ay1, by1) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def centre_distance(a: Box, b: Box) -> float:
    """Distance between the boxes' centres in units of the larger box's mean side."""
    (ax, ay), (bx, by) = _centre(a), _centre(b)
    return math.hypot(ax - bx, ay - by) / max(_side(a), _side(b))


class AudienceTracker:
    """Turns the faces of each sampled frame into a stable audience.

    - A face seen in at least `arrive_frames` of the last `window_frames` sampled frames becomes a listener.
    - Faces are associated across frames by box overlap and centre distance: several faces, several listeners.
    - Each listener's age-group probabilities are a running average (newest frame weighted `smoothing`); the
      listener's group changes only when another group leads the current one by `hysteresis`.
    - A listener leaves after `leave_after_s` seconds without their face.
    - next_interval() says when to sample next: idle, confirming an arrival, or with listeners present.
    """

    def __init__(self, group_names: Sequence[str], *, arrive_frames: int = 3, window_frames: int = 5,
                 leave_after_s: float = 30.0, hysteresis: float = 0.15, smoothing: float = 0.3,
                 match_distance: float = 1.5, idle_fps: float = 1.0, active_fps: float = 4.0,
                 present_fps: float = 1.0):
        if not group_names:
            raise ValueError("the tracker needs at least one age group")
        if arrive_frames > window_frames:
            raise ValueError(f"arrive_frames ({arrive_frames}) cannot exceed window_frames ({window_frames})")
        if not 0 < smoothing <= 1:
            raise ValueError(f"smoothing must be in (0, 1], got {smoothing}")
        self.group_names = tuple(group_names)
        self.arrive_frames = int(arrive_frames)
        self.window_frames = int(window_frames)
        self.leave_after_s = float(leave_after_s)
        self.hysteresis = float(hysteresis)
        self.smoothing = float(smoothing)
        self.match_distance = float(match_distance)
        self.idle_interval = 1.0 / idle_fps
        self.active_interval = 1.0 / active_fps
        self.present_interval = 1.0 / present_fps
        self._tracks: list[_Track] = []
        self._next_id = 1
        self._audience = Audience()

    @classmethod
    def from_config(cls, config: Config) -> AudienceTracker:
        v, c = config.vision, config.camera
        return cls([g.name for g in v.age_groups], arrive_frames=v.arrive_frames, window_frames=v.window_frames,
                   leave_after_s=v.leave_after_s, hysteresis=v.group_hysteresis, smoothing=v.group_smoothing,
                   match_distance=v.match_distance, idle_fps=c.idle_fps, active_fps=c.active_fps,
                   present_fps=c.present_fps)

    # ------------------------------------------------------------ queries

    @property
    def audience(self) -> Audience:
        return self._audience

    @property
    def confirming(self) -> int:
        """Faces seen but not yet confirmed as listeners."""
        return sum(1 for t in self._tracks if not t.confirmed)

    def last_boxes(self) -> list[Box]:
        """The last box of every face being tracked (listeners and candidates), for searching near them."""
        return [t.box for t in self._tracks]

    def next_interval(self) -> float:
        """Seconds until the next frame should be sampled."""
        if any(not t.confirmed for t in self._tracks):
            return self.active_interval
        if self._tracks:
            return self.present_interval
        return self.idle_interval

    # ------------------------------------------------------------ update

    def update(self, now: float, faces: Sequence[FaceObservation]) -> Audience:
        """Take the faces of the frame sampled at `now` (an empty list: nobody seen); return the audience."""
        matched = self._associate(faces)
        seen_tracks = set()
        for face_index, track in matched.items():
            self._observe(track, faces[face_index], now)
            seen_tracks.add(track.id)
        for track in self._tracks:
            if track.id not in seen_tracks:
                track.hits.append(False)
        for index, face in enumerate(faces):
            if index not in matched:
                self._tracks.append(self._new_track(face, now))

        for track in list(self._tracks):
            if track.confirmed:
                if now - track.last_seen > self.leave_after_s:
                    self._tracks.remove(track)
                    log.info("listener %d (%s) left after %.0f s; last seen %.0f s ago", track.id, track.group,
                             now - track.since, now - track.last_seen)
            elif sum(track.hits) >= self.arrive_frames:
                stale = self._stale_listener(track)
                if stale is not None:
                    # The same person, moved further than one frame's association allows: keep their identity.
                    moved = centre_distance(stale.box, track.box)
                    self._tracks.remove(track)
                    stale.box, stale.last_seen = track.box, track.last_seen
                    stale.hits[-1] = True
                    log.info("listener %d moved: found again %.1f face sides away", stale.id, moved)
                    continue
                track.since = now
                track.group = self._leader(track.probs)
                log.info("listener %d arrived: age group %s (age %.0f), %d of the last %d frames", track.id,
                         track.group, track.age, sum(track.hits), len(track.hits))
            elif (len(track.hits) >= self.window_frames and not any(track.hits)) or \
                    now - track.last_seen > self.leave_after_s:
                self._tracks.remove(track)  # a passing false detection: never confirmed, gone for a whole window

        listeners = tuple(Listener(id=t.id, group=t.group, age=round(t.age, 1), since=t.since,
                                   child_p=round(t.child_p, 3), minor_p=round(t.minor_p, 3))
                          for t in sorted(self._tracks, key=lambda t: t.id) if t.confirmed)
        self._audience = Audience(listeners=listeners, at=now)
        return self._audience

    def update_unseen(self, now: float) -> Audience:
        """No frame could be sampled (camera unavailable): nobody is seen, listeners leave in due time."""
        return self.update(now, [])

    # ------------------------------------------------------------ internals

    def _new_track(self, face: FaceObservation, now: float) -> _Track:
        track = _Track(id=self._next_id, box=tuple(face.box), hits=deque([True], maxlen=self.window_frames),
                       last_seen=now, age=float(face.age), probs=self._probs(face), child_p=float(face.child_p),
                       minor_p=float(face.minor_p))
        self._next_id += 1
        return track

    def _probs(self, face: FaceObservation) -> dict[str, float]:
        return {name: float(face.groups.get(name, 0.0)) for name in self.group_names}

    def _observe(self, track: _Track, face: FaceObservation, now: float) -> None:
        a = self.smoothing
        track.box = tuple(face.box)
        track.hits.append(True)
        track.last_seen = now
        track.age = (1 - a) * track.age + a * float(face.age)
        track.child_p = (1 - a) * track.child_p + a * float(face.child_p)
        track.minor_p = (1 - a) * track.minor_p + a * float(face.minor_p)
        new = self._probs(face)
        track.probs = {name: (1 - a) * track.probs[name] + a * new[name] for name in self.group_names}
        if track.confirmed:
            leader = self._leader(track.probs)
            if leader != track.group and track.probs[leader] - track.probs[track.group] >= self.hysteresis:
                log.info("listener %d now looks %s (was %s): %.2f against %.2f", track.id, leader, track.group,
                         track.probs[leader], track.probs[track.group])
                track.group = leader

    def _stale_listener(self, candidate: _Track) -> _Track | None:
        """The nearest listener missed in the latest frame, who may be this candidate after a big move."""
        stale = [t for t in self._tracks if t.confirmed and t.hits and not t.hits[-1]]
        if not stale:
            return None
        return min(stale, key=lambda t: centre_distance(t.box, candidate.box))

    def _leader(self, probs: Mapping[str, float]) -> str:
        return max(self.group_names, key=lambda name: probs[name])  # ties: the first (youngest) group

    def _associate(self, faces: Sequence[FaceObservation]) -> dict[int, _Track]:
        """face index -> track, greedy by closeness: overlapping boxes first, then near centres."""
        pairs = []
        for fi, face in enumerate(faces):
            for track in self._tracks:
                overlap = iou(face.box, track.box)
                distance = centre_distance(face.box, track.box)
                if overlap > 0 or distance <= self.match_distance:
                    # Smaller is better: overlap dominates, the centre distance breaks ties.
                    pairs.append((-overlap, distance, fi, track))
        pairs.sort(key=lambda p: (p[0], p[1], not p[3].confirmed, p[3].id))
        matched: dict[int, _Track] = {}
        used: set[int] = set()
        for _, _, fi, track in pairs:
            if fi in matched or track.id in used:
                continue
            matched[fi] = track
            used.add(track.id)
        return matched
