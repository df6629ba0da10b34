"""Readouts of an age distribution (mean, median), temperature scaling, and reliability of P(age < limit)."""

from __future__ import annotations

import numpy as np


def with_temperature(dist: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(logits / T) from softmax(logits): each row's probabilities to the power 1/T, renormalised."""
    if temperature <= 0:
        raise ValueError(f"a temperature must be above 0, got {temperature}")
    log_p = np.log(np.clip(np.asarray(dist, dtype=np.float64), 1e-300, None)) / temperature
    log_p -= log_p.max(axis=1, keepdims=True)
    p = np.exp(log_p)
    return p / p.sum(axis=1, keepdims=True)


def readout(dist: np.ndarray, ages: np.ndarray, kind: str) -> np.ndarray:
    """The age each distribution reads as: "mean" (expected age) or "median" (the age where the cumulative
    probability passes one half, interpolated between bins)."""
    dist = np.asarray(dist, dtype=np.float64)
    ages = np.asarray(ages, dtype=np.float64)
    if kind == "mean":
        return dist @ ages
    if kind != "median":
        raise ValueError(f"the readout must be mean or median, got {kind!r}")
    from device.vision.age import median_age
    return median_age(dist, ages)


def age_nll(dist: np.ndarray, ages: np.ndarray, true_ages: np.ndarray) -> float:
    """Mean negative log-probability of each face's true age bin (ages above the last bin count as the last)."""
    idx = np.clip(np.searchsorted(ages, np.asarray(true_ages, dtype=np.float64) - 0.5), 0, len(ages) - 1)
    return float(-np.mean(np.log(np.clip(dist[np.arange(len(idx)), idx], 1e-12, None))))


def fit_temperature(dist: np.ndarray, ages: np.ndarray, true_ages: np.ndarray,
                    grid: np.ndarray | None = None) -> tuple[float, float]:
    """The temperature (on a grid, 0.5-3.0 by 0.05) with the lowest age NLL on these faces, and that NLL."""
    grid = np.round(np.arange(0.5, 3.0001, 0.05), 2) if grid is None else grid
    scores = [age_nll(with_temperature(dist, t), ages, true_ages) for t in grid]
    best = int(np.argmin(scores))
    return float(grid[best]), float(scores[best])


def probability_below(dist: np.ndarray, ages: np.ndarray, limit: float) -> np.ndarray:
    """P(age < limit) for each distribution: the mass of the bins below limit."""
    return np.asarray(dist, dtype=np.float64)[:, np.asarray(ages) < limit].sum(axis=1)


def reliability(prob: np.ndarray, outcome: np.ndarray, bins: int = 10) -> dict:
    """A reliability table of predicted probabilities against what happened: per probability bin the count, mean
    prediction and observed rate; the expected calibration error (count-weighted |observed - predicted|) and Brier."""
    prob = np.asarray(prob, dtype=np.float64)
    outcome = np.asarray(outcome, dtype=bool)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(prob, edges[1:-1]), 0, bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        sel = which == b
        if not sel.any():
            continue
        predicted, observed = float(prob[sel].mean()), float(outcome[sel].mean())
        ece += sel.sum() / len(prob) * abs(observed - predicted)
        rows.append({"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "n": int(sel.sum()),
                     "predicted": round(predicted, 3), "observed": round(observed, 3)})
    return {"n": int(len(prob)), "positives": int(outcome.sum()), "ece": round(ece, 4),
            "brier": round(float(np.mean((prob - outcome) ** 2)), 4), "rows": rows}
