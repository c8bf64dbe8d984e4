"""Seeded Monte Carlo of the fixed-effects panel threshold estimator (lib.threshold).

Designs (lib.validation.threshold.SCENARIOS), N = 50 entities, T = 10 periods, q ~ U(0, 1), exact
search, trim 0.05, 199 bootstrap draws per test: ``none`` (no threshold; size of F1), ``weak``
(threshold 0.5, slope 1 -> 1.25; power of F1, coverage), ``single`` (threshold 0.5, slope 1 -> 1.5;
coverage, power of F1, size of F2) and ``double`` (thresholds 0.3 and 0.7, slopes 1, 2, 1; coverage
of both refined intervals, power of F1 and F2). ``double_grid200`` repeats ``double`` on a 200-point
quantile grid without bootstrap, to show how the literal reading of intervals whose end points are
coarse grid points under-covers (reported, not a validation target).

Coverage rates: ``lr_set_coverage`` = share of replications with LR(gamma_0) <= c(0.95), the event
Hansen's asymptotic theory is about (exact grid only); ``coverage`` = share whose reported interval
[lo, hi] (smallest and largest candidate with LR <= c) contains the candidate cell of gamma_0, i.e.
the largest candidate <= gamma_0 (S is constant between candidates, so [lo, hi] stands for
[lo, next candidate after hi)); ``coverage_literal`` = share with lo <= gamma_0 <= hi read literally.
Each replication draws its data and bootstrap streams from ``SeedSequence(SEED).spawn``, so results
do not depend on the number of worker processes. Writes validation/montecarlo/threshold.json.

Run: ``.venv/bin/python benchmarks/threshold_montecarlo.py [--n-jobs 2] [--scale 1.0]``.
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from functools import partial

import numpy as np

from lib.validation.threshold import MC_FILE, SCENARIOS, mc_replication

SEED = 20240917
SETTINGS = {"n_entities": 50, "n_periods": 10, "n_boot": 199, "grid": "exact", "trim": 0.05, "conf_level": 0.95}
REPLICATIONS = {"none": 2000, "weak": 2000, "single": 2000, "double": 1000, "double_grid200": 1000}


def run(name: str, reps: int, seed: np.random.SeedSequence, n_jobs: int) -> list[dict]:
    job = partial(mc_replication, scenario=name, **SETTINGS)
    seeds = seed.spawn(reps)
    if n_jobs == 1:
        return [job(s) for s in seeds]
    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        return list(pool.map(job, seeds, chunksize=25))


def summarize(name: str, results: list[dict]) -> dict:
    sc = SCENARIOS[name]
    reps = len(results)
    p = np.array([r["p_values"] for r in results])
    tests = [f"F{j + 1}" for j in range(p.shape[1])] if np.isfinite(p).all() else []
    out = {"replications": reps, "betas": list(sc["betas"]), "true_thresholds": list(sc["gammas"]),
           "n_thresholds_fitted": sc["n_thresholds"], "grid": sc.get("grid", SETTINGS["grid"]),
           "validated": sc.get("validated", True),
           "rejection_5pct": dict(zip(tests, (p < 0.05).mean(0).tolist())),
           "rejection_10pct": dict(zip(tests, (p < 0.10).mean(0).tolist()))}
    n_true = len(sc["gammas"])
    # the test of n_true vs n_true + 1 thresholds is under its null; the earlier ones measure power
    out["size_5pct"] = {tests[n_true]: out["rejection_5pct"][tests[n_true]]} if n_true < len(tests) else {}
    out["power_5pct"] = {t: out["rejection_5pct"][t] for t in tests[:n_true]}
    if n_true:
        cov = np.array([r["covered"] for r in results], float)
        lr_set = np.array([r["lr_at_true_below_cutoff"] for r in results], float)
        if SCENARIOS[name].get("grid", SETTINGS["grid"]) == "exact":  # LR(gamma_0) is on the curve
            out.update(lr_set_coverage=lr_set.mean(0).tolist(), band=sc.get("band"))
        out["coverage_literal"] = np.array([r["covered_literal"] for r in results], float).mean(0).tolist()
        est = np.array([r["estimate"] for r in results], float)
        err = est - np.asarray(sc["gammas"])
        out.update(coverage=cov.mean(0).tolist(),
                   coverage_mc_se=[math.sqrt(c * (1 - c) / reps) for c in cov.mean(0)],
                   threshold_bias=err.mean(0).tolist(), threshold_rmse=np.sqrt((err ** 2).mean(0)).tolist())
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the replication counts")
    args = ap.parse_args()
    streams = dict(zip(REPLICATIONS, np.random.SeedSequence(SEED).spawn(len(REPLICATIONS))))
    results, started = {}, time.perf_counter()
    for name, reps in REPLICATIONS.items():
        t0 = time.perf_counter()
        n = max(int(round(reps * args.scale)), 1)
        results[name] = summarize(name, run(name, n, streams[name], args.n_jobs))
        print(f"{name:>7}: {n} replications in {time.perf_counter() - t0:6.1f} s -> "
              f"{json.dumps({k: v for k, v in results[name].items() if k not in ('betas',)})}")
    doc = {"description": __doc__.split("\n\n")[0] + " Designs: see lib/validation/threshold.py SCENARIOS.",
           "seed": SEED, "settings": SETTINGS, "replications": REPLICATIONS, "scale": args.scale,
           "dgp": "y_it = mu_i + beta_r x_it + 0.5 z_it + e_it; x, z, e ~ N(0,1); q ~ U(0,1); "
                  "mu_i = mean_t(x_it) + N(0,1); regime r = number of true thresholds below q_it",
           "decision_rule": "reject when the bootstrap p-value (share of F* >= F) is below 0.05",
           "results": results, "runtime_seconds": round(time.perf_counter() - started, 1),
           "python": platform.python_version(), "numpy": np.__version__}
    MC_FILE.parent.mkdir(parents=True, exist_ok=True)
    MC_FILE.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {MC_FILE} ({doc['runtime_seconds']} s)")


if __name__ == "__main__":
    main()
