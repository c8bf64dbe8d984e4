"""Wall time of the panel threshold estimator against the one-regression-per-grid-point version.

Data: validation/reference/hansen1999/hansen1999.csv (565 firms x 14 years). Call, as Stata
``xthreg i q1 q2 q3 d1 qd1, rx(c1) qx(d1) thnum(3) trim(0.01 0.01 0.05) grid(400) bs(300 300 300)``.
The naive version runs one least-squares fit per grid point and per bootstrap draw; if its full run
would take longer than ``--naive-budget`` seconds, it is timed on a few bootstrap draws per test and
the bootstrap part is extrapolated linearly in the number of draws (said so in the output).

Run: ``.venv/bin/python benchmarks/threshold_speed.py [--naive-budget 300]``.
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import pandas as pd

from lib.paths import REFERENCE
from lib.threshold import _fit_threshold_naive, fit_threshold

CALL = dict(y="i", q="d1", regime_x=["c1"], controls=["q1", "q2", "q3", "d1", "qd1"], entity="id", time="year",
            n_thresholds=3, trim=(0.01, 0.01, 0.05), grid=400)
N_BOOT = (300, 300, 300)
SEED = 19990101


def timed(func, *args, **kwargs):
    t0 = time.perf_counter()
    out = func(*args, **kwargs)
    return out, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--naive-budget", type=float, default=300.0, help="seconds allowed for the naive run")
    ap.add_argument("--naive-probe", type=int, default=3, help="bootstrap draws per test when extrapolating")
    args = ap.parse_args()
    df = pd.read_csv(REFERENCE / "hansen1999" / "hansen1999.csv")
    fit_threshold(df, **CALL, n_boot=0)  # warm-up (imports, caches)
    fast = {}
    for jobs in (1, 2):
        res, fast[jobs] = timed(fit_threshold, df, **CALL, n_boot=N_BOOT, seed=SEED, n_jobs=jobs)
    _, fast_est = timed(fit_threshold, df, **CALL, n_boot=0)
    naive_est_res, naive_est = timed(_fit_threshold_naive, df, **CALL, n_boot=0)
    probe = (args.naive_probe,) * 3
    _, naive_probe = timed(_fit_threshold_naive, df, **CALL, n_boot=probe, seed=SEED)
    per_draw = max(naive_probe - naive_est, 0.0) / sum(probe)
    naive_full = naive_est + per_draw * sum(N_BOOT)
    extrapolated = naive_full > args.naive_budget
    if not extrapolated:
        _, naive_full = timed(_fit_threshold_naive, df, **CALL, n_boot=N_BOOT, seed=SEED)
    diff = max(np.nanmax(np.abs(res.lr_curves[k].ssr.to_numpy() - naive_est_res.lr_curves[k].ssr.to_numpy()))
               for k in res.lr_curves)
    print(f"hansen1999.csv: {res.nobs} obs ({res.n_entities} x {res.n_periods}), thresholds {res.thresholds}")
    print(f"F = {np.round(res.f_stats, 3).tolist()}, bootstrap p = {np.round(res.p_values, 3).tolist()}")
    print(f"machine: {os.cpu_count()} cores; bootstrap {N_BOOT} draws per test\n")
    print(f"{'version':<46}{'seconds':>10}")
    print(f"{'fast, estimation only (no bootstrap)':<46}{fast_est:>10.3f}")
    print(f"{'fast, full run, n_jobs=1':<46}{fast[1]:>10.3f}")
    print(f"{'fast, full run, n_jobs=2':<46}{fast[2]:>10.3f}")
    print(f"{'naive, estimation only (no bootstrap)':<46}{naive_est:>10.3f}")
    label = "naive, full run" + (" (EXTRAPOLATED)" if extrapolated else " (measured)")
    print(f"{label:<46}{naive_full:>10.1f}")
    best = min(fast.values())
    print(f"\nspeed-up, estimation only: {naive_est / fast_est:8.1f}x")
    print(f"speed-up, full run (naive / best fast): {naive_full / best:8.1f}x")
    print(f"max |SSR fast - SSR naive| over all four search curves: {diff:.2e}")
    if extrapolated:
        print(f"(naive bootstrap timed on {probe} draws per test: {per_draw:.3f} s per draw, "
              f"extrapolated to {sum(N_BOOT)} draws because the full run would exceed {args.naive_budget:.0f} s)")


if __name__ == "__main__":
    main()
