"""Near-duplicate faces across collections: the same photo, published in two collections, found on the face crops.

A face of a later collection repeats one of an earlier collection when its nearest earlier crop (by correlation of
16x16 grey thumbnails) is close in grey (>= 0.94), in colour (16x16 RGB correlation >= 0.96) and in raw pixels (mean
absolute difference <= 20 levels). Chosen by looking at the 12 closest All-Age-Faces/UTKFace pairs (docs/benchmarks.md):
5 were one photo twice (ages labelled differently in 3 of them), 7 were different people; these rules keep the 5 and
none of the 7. Grey correlation alone does not separate them (different people reach 0.96)."""

from __future__ import annotations

import cv2
import numpy as np

GREY_MIN = 0.94
COLOUR_MIN = 0.96
PIXEL_MAX = 20.0


def thumbnails(crops: np.ndarray, colour: bool, side: int = 16) -> np.ndarray:
    """Zero-mean, unit-norm float32 vectors of each crop shrunk to side x side (grey or RGB)."""
    out = []
    for crop in crops:
        image = crop if colour else cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
        out.append(cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA).reshape(-1))
    t = np.asarray(out, dtype=np.float32).reshape(len(crops), -1)
    t -= t.mean(axis=1, keepdims=True)
    return t / (np.linalg.norm(t, axis=1, keepdims=True) + 1e-6)


def nearest(queries: np.ndarray, pool: np.ndarray, chunk: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """For each query vector, the index of the most correlated pool vector and that correlation."""
    best_i = np.zeros(len(queries), dtype=np.int64)
    best_s = np.full(len(queries), -1.0, dtype=np.float32)
    if not len(pool):
        return best_i, best_s
    for start in range(0, len(queries), chunk):
        sims = queries[start:start + chunk] @ pool.T
        best_i[start:start + chunk] = sims.argmax(axis=1)
        best_s[start:start + chunk] = sims.max(axis=1)
    return best_i, best_s


def same_photo(a: np.ndarray, b: np.ndarray) -> bool:
    """The confirmation of a candidate pair of uint8 RGB crops: close in colour and in raw pixels."""
    ca, cb = thumbnails(np.stack([a, b]), colour=True)
    return float(ca @ cb) >= COLOUR_MIN and float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean()) <= PIXEL_MAX


def cross_collection_duplicates(crops: np.ndarray, collections: np.ndarray) -> tuple[np.ndarray, dict]:
    """A mask of the faces to drop (each repeats a face of an earlier collection, in order of first appearance; the
    earlier copy is kept) and the count dropped per collection."""
    grey = thumbnails(crops, colour=False)
    order = list(dict.fromkeys(collections.tolist()))
    drop = np.zeros(len(crops), dtype=bool)
    counts: dict[str, int] = {}
    for i, name in enumerate(order):
        mine = np.flatnonzero(collections == name)
        earlier = np.flatnonzero(np.isin(collections, order[:i]) & ~drop)
        j, sim = nearest(grey[mine], grey[earlier])
        dup = [k for k in np.flatnonzero(sim >= GREY_MIN) if same_photo(crops[mine[k]], crops[earlier[j[k]]])]
        drop[mine[dup]] = True
        counts[name] = len(dup)
    return drop, counts
