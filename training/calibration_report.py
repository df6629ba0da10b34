"""`training/evaluate --calibrate`: the readout (mean or median, temperature) chosen on the val split, and the
reliability of P(age < 13) and P(age < 18) on the evaluated split, per collection and overall."""

from __future__ import annotations

import numpy as np

from training.calibration import age_nll, fit_temperature, probability_below, readout, reliability, with_temperature

LIMITS = (13, 18)  # a child (under 13) and a minor (under 18)
ADULT_GROUPS = ((30, 59), (40, 69))  # the middle ages the issue says the model pulls faces toward


def _readout_scores(dist: np.ndarray, ages: np.ndarray, true_ages: np.ndarray) -> dict:
    out = {}
    for kind in ("mean", "median"):
        pred = readout(dist, ages, kind)
        err = np.abs(pred - true_ages)
        row = {"mae": round(float(err.mean()), 3)}
        for lo, hi in ADULT_GROUPS:
            sel = (true_ages >= lo) & (true_ages <= hi)
            row[f"mae_{lo}_{hi}"] = round(float(err[sel].mean()), 3) if sel.any() else None
            row[f"bias_{lo}_{hi}"] = round(float((pred - true_ages)[sel].mean()), 3) if sel.any() else None
        out[kind] = row
    return out


def fit_minor_temperature(dist: np.ndarray, ages: np.ndarray, true_ages: np.ndarray) -> float:
    """The temperature (0.5-3.0 by 0.05) with the lowest summed Brier score of P(age<13) and P(age<18) on these faces."""
    grid = np.round(np.arange(0.5, 3.0001, 0.05), 2)
    true_ages = np.asarray(true_ages, dtype=np.float64)

    def brier(t: float) -> float:
        scaled = with_temperature(dist, t)
        return sum(float(np.mean((probability_below(scaled, ages, limit) - (true_ages < limit)) ** 2))
                   for limit in LIMITS)
    return float(grid[int(np.argmin([brier(t) for t in grid]))])


def age_map_study(val_read: np.ndarray, val, read: np.ndarray, data, groups, seed: int) -> dict:
    """The monotone readout correction fitted on all of val (pooled over collections), its effect on val judged by
    cross-validation, and on the evaluated split: signed errors per collection and age group before and after."""
    from device.vision.age import check_age_map, map_ages
    from training.age_map import cross_validated, fit_age_map, signed_errors

    knots = fit_age_map(val_read, val.ages)
    return {"knots": knots,
            "val_before": signed_errors(val_read, val.ages, val.collections, groups),
            "val_cross_validated": signed_errors(cross_validated(val_read, val.ages, seed), val.ages, val.collections,
                                                 groups),
            "split_before": signed_errors(read, data.ages, data.collections, groups),
            "split_after": signed_errors(map_ages(read, check_age_map(knots)), data.ages, data.collections, groups)}


def calibration_study(est, dist: np.ndarray, data, val_dist: np.ndarray | None, val, groups, seed: int = 2026) -> dict:
    """Temperature fitted on val (relative to the sidecar's); mean/median readouts on val and on the evaluated split;
    reliability of P(age<13), P(age<18) at temperature 1 and at the fitted one on the evaluated split; the age map
    (age_map_study) for the readout with the lower val MAE at the fitted temperature."""
    ages = est.ages
    true = data.ages.astype(np.float64)
    study: dict = {"sidecar_temperature": est.temperature, "sidecar_readout": est.age_readout,
                   "mirror_average": bool(getattr(est, "mirror_average", False))}
    if val_dist is not None:
        t, nll = fit_temperature(val_dist, ages, val.ages)
        study["fitted_temperature"] = t
        study["minor_temperature"] = fit_minor_temperature(val_dist, ages, val.ages)
        study["val"] = {"n": int(len(val)), "nll_at_1": round(age_nll(val_dist, ages, val.ages), 4),
                        "nll_fitted": round(nll, 4),
                        "readouts": _readout_scores(with_temperature(val_dist, t), ages, val.ages.astype(np.float64))}
        kind = min(study["val"]["readouts"], key=lambda k: study["val"]["readouts"][k]["mae"])
        study["age_map"] = {"readout": kind, **age_map_study(
            readout(with_temperature(val_dist, t), ages, kind), val,
            readout(with_temperature(dist, t), ages, kind), data, groups, seed)}
    else:
        t = 1.0
        study["fitted_temperature"] = study["minor_temperature"] = None
    scaled = with_temperature(dist, t)
    study["split"] = {"n": int(len(data)), "nll_at_1": round(age_nll(dist, ages, true), 4),
                      "nll_fitted": round(age_nll(scaled, ages, true), 4),
                      "readouts_at_1": _readout_scores(dist, ages, true),
                      "readouts_fitted": _readout_scores(scaled, ages, true)}
    minor = with_temperature(dist, study["minor_temperature"] or 1.0)
    rel: dict = {}
    for limit in LIMITS:
        outcome = true < limit
        entry = {}
        for name in ["all", *dict.fromkeys(data.collections.tolist())]:
            sel = np.ones(len(true), bool) if name == "all" else data.collections == name
            entry[name] = {which: reliability(probability_below(d[sel], ages, limit), outcome[sel])
                           for which, d in (("at_1", dist), ("fitted", scaled), ("minor", minor))}
        rel[f"under_{limit}"] = entry
    study["reliability"] = rel
    return study


def _print_signed(title: str, table: dict) -> None:
    for coll, row in table.items():
        print(f"    {title} {coll}: n {row['n']}, MAE {row['mae']:.3f}, read - true {row['bias']:+.2f} | "
              + ", ".join(f"{g} {r['mae']:.2f}/{r['bias']:+.2f}" for g, r in row["groups"].items()))


def print_calibration(study: dict) -> None:
    t = study["fitted_temperature"]
    print(f"  calibration (sidecar temperature {study['sidecar_temperature']:g}, readout {study['sidecar_readout']}; "
          f"temperatures relative to it: fitted by age NLL {t}, by the Brier of P(<13)+P(<18) {study['minor_temperature']}):")
    if t is not None:
        v = study["val"]
        print(f"    val: n {v['n']}, age NLL {v['nll_at_1']:.4f} at T 1 -> {v['nll_fitted']:.4f} at fitted T {t:g}")
        for kind, row in v["readouts"].items():
            print(f"    val {kind:>6} readout (fitted T): " + ", ".join(f"{k} {val}" for k, val in row.items()))
    s = study["split"]
    print(f"    evaluated split: n {s['n']}, age NLL {s['nll_at_1']:.4f} at T 1, {s['nll_fitted']:.4f} at fitted T")
    for label, rows in (("T 1", s["readouts_at_1"]), ("fitted T", s["readouts_fitted"])):
        for kind, row in rows.items():
            print(f"    {kind:>6} readout ({label}): " + ", ".join(f"{k} {val}" for k, val in row.items()))
    if study.get("age_map"):
        m = study["age_map"]
        print(f"    age map ({m['readout']} readout at fitted T; per group MAE/mean of read - true): knots "
              + " ".join(f"{x:g}->{y:g}" for x, y in m["knots"]))
        for key, title in (("val_before", "val, as read"), ("val_cross_validated", "val, mapped (5-fold)"),
                           ("split_before", "split, as read"), ("split_after", "split, mapped")):
            _print_signed(title, m[key])
    for key, entry in study["reliability"].items():
        for coll, both in entry.items():
            for which, r in both.items():
                cells = "; ".join(f"{row['bin']}: n {row['n']} pred {row['predicted']:.2f} obs {row['observed']:.2f}"
                                  for row in r["rows"])
                print(f"    P(age {key.replace('_', ' ')}) {coll} [{which}]: n {r['n']}, positives {r['positives']}, "
                      f"ECE {r['ece']:.4f}, Brier {r['brier']:.4f} | {cells}")


def write_to_sidecar(sidecar, study: dict, date: str, age_map: bool = False) -> float:
    """Record the study in a model's sidecar: output.temperature (the sidecar's own times the temperature fitted on val
    by age NLL), output.age_readout (the readout with the lower val MAE) and the `calibration` record with the test
    reliability at that temperature; returns the new temperature. The figures were measured at the fitted temperature,
    so they describe the model as the device will now read it. With age_map, output.age_map gets the study's knots;
    without, any output.age_map is removed (one fitted at another temperature or readout would be stale)."""
    import json
    from pathlib import Path

    path = Path(sidecar)
    meta = json.loads(path.read_text())
    if study.get("fitted_temperature") is None:
        raise ValueError(f"no val split was scored, so no temperature was fitted for {path}")
    temperature = round(study["sidecar_temperature"] * study["fitted_temperature"], 3)
    readouts = study["val"]["readouts"]
    age_readout = min(readouts, key=lambda k: readouts[k]["mae"])
    meta["output"]["temperature"] = temperature
    meta["output"]["age_readout"] = age_readout
    meta["output"]["mirror_average"] = study.get("mirror_average", False)  # the distributions the study scored
    meta["output"].pop("age_map", None)
    if age_map:
        if not study.get("age_map"):
            raise ValueError(f"no age map was fitted on val for {path}")
        meta["output"]["age_map"] = study["age_map"]["knots"]
    meta["output"]["readout"] = ("softmax over the age bins of logits / output.temperature (with "
                                 "output.mirror_average, the mean of the face's and its mirror image's); age = the "
                                 "distribution's mean or median (output.age_readout); P(age < A) = the mass of the bins "
                                 "below A; the age then through output.age_map's knots, if any (linear between them, unchanged outside)")
    rel = {}
    for key, entry in study["reliability"].items():
        rel[key] = {coll: {"n": b["fitted"]["n"], "positives": b["fitted"]["positives"], "ece": b["fitted"]["ece"],
                           "brier": b["fitted"]["brier"], "ece_at_temperature_1": b["at_1"]["ece"],
                           "brier_at_temperature_1": b["at_1"]["brier"]} for coll, b in entry.items()}
        rel[key]["all"]["rows"] = entry["all"]["fitted"]["rows"]
    meta["calibration"] = {
        "how": "python -m training.evaluate --calibrate (make evaluate): temperature fitted on the val splits of all the "
               "folders by the negative log-probability of the true age bin (grid 0.5-3.0 by 0.05); mean and median "
               "readouts compared on val; reliability on the test splits",
        "temperature": temperature, "temperature_by_minor_brier": round(
            study["sidecar_temperature"] * study["minor_temperature"], 3) if study.get("minor_temperature") else None,
        "readout": age_readout, "val": study["val"],
        "test_readouts_at_temperature_1": study["split"]["readouts_at_1"],
        "test_readouts_at_temperature": study["split"]["readouts_fitted"],
        "test_reliability": rel, "date": date}
    if study.get("age_map"):
        m = study["age_map"]
        meta["calibration"]["age_map"] = {
            "how": f"isotonic regression (pool adjacent violators, absolute error) of the true age on the {m['readout']} "
                   "readout at the fitted temperature, on the val splits pooled over collections, readouts in quantile "
                   "bins of 50 faces; val figures cross-validated (5 folds)",
            "written": bool(age_map), "knots": m["knots"],
            **{key: {coll: {k: row[k] for k in ("n", "mae", "bias")} for coll, row in m[key].items()}
               for key in ("val_before", "val_cross_validated", "split_before", "split_after")}}
    path.write_text(json.dumps(meta, indent=1) + "\n")
    return temperature
