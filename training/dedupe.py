"""Near-duplicate faces across collections: a 64-bit difference hash of each face crop, compared by Hamming distance."""

from __future__ import annotations

import cv2
import numpy as np

# Measured on the shared collections (docs/benchmarks.md): unrelated faces differ in about 32 of 64 bits, the
# same photo cropped twice by the same detector and crop in 0-4.
MAX_DISTANCE = 6


def dhash(crops: np.ndarray) -> np.ndarray:
    """uint64 difference hashes of uint8 RGB crops (n, size, size, 3): grey, 9x8, one bit per horizontal step."""
    hashes = np.zeros(len(crops), dtype=np.uint64)
    weights = (np.uint64(1) << np.arange(64, dtype=np.uint64))
    for i, crop in enumerate(crops):
        grey = cv2.resize(cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY), (9, 8), interpolation=cv2.INTER_AREA)
        bits = (grey[:, 1:] > grey[:, :-1]).reshape(-1).astype(np.uint64)
        hashes[i] = np.bitwise_or.reduce(bits * weights)
    return hashes


def nearest_distance(queries: np.ndarray, pool: np.ndarray, chunk: int = 256) -> np.ndarray:
    """For each query hash, the smallest Hamming distance to any hash in pool (65 when the pool is empty)."""
    out = np.full(len(queries), 65, dtype=np.int64)
    if not len(pool):
        return out
    for start in range(0, len(queries), chunk):
        q = queries[start:start + chunk, None]
        out[start:start + chunk] = np.bitwise_count(q ^ pool[None, :]).min(axis=1)
    return out


def cross_collection_duplicates(crops: np.ndarray, collections: np.ndarray,
                                max_distance: int = MAX_DISTANCE) -> tuple[np.ndarray, dict]:
    """A mask of the faces to drop: each face whose crop is within max_distance bits of a face in an earlier
    collection (collections in order of first appearance; the earlier copy is kept), and the count per collection."""
    hashes = dhash(crops)
    order = list(dict.fromkeys(collections.tolist()))
    drop = np.zeros(len(crops), dtype=bool)
    counts: dict[str, int] = {}
    for i, name in enumerate(order):
        mine = np.flatnonzero(collections == name)
        earlier = np.isin(collections, order[:i]) & ~drop
        dist = nearest_distance(hashes[mine], hashes[earlier])
        drop[mine[dist <= max_distance]] = True
        counts[name] = int((dist <= max_distance).sum())
    return drop, counts
