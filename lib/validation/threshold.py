"""Reference cases for the panel threshold model: Hansen (2000) cross-section split, invariants and
the no-threshold limit on the Hansen (1999) data, and the seeded Monte Carlo written by
``benchmarks/threshold_montecarlo.py``; also the Monte Carlo design itself (shared with the tests)."""
from __future__ import annotations

import json
import math
from functools import cache

import numpy as np
import pandas as pd

from lib.paths import REFERENCE, VALIDATION
from lib.threshold import _fit_threshold_naive, fit_at_thresholds, fit_threshold, lr_cutoff
from lib.validation import Check, case, expected

H1999, H2000 = REFERENCE / "hansen1999", REFERENCE / "hansen2000"
MC_FILE = VALIDATION / "montecarlo" / "threshold.json"
HANSEN1999_CALL = dict(y="i", q="d1", regime_x=["c1"], controls=["q1", "q2", "q3", "d1", "qd1"],
                       entity="id", time="year")
CANONICAL = dict(n_thresholds=3, trim=(0.01, 0.01, 0.05), grid=400, n_boot=(300, 300, 300), seed=19990101)
# Monte Carlo design: regime slopes of x, true thresholds (q ~ U(0, 1)), thresholds fitted.
# "band" of P(LR(gamma_0) <= c): two-sided around the level for small threshold effects, where
# Hansen's (2000) limit xi is exact; one-sided (only under-coverage fails) for large effects, where
# Hansen (2000) shows the LR region is asymptotically conservative.
SCENARIOS = {"none": {"betas": (1.0,), "gammas": (), "n_thresholds": 1},
             "weak": {"betas": (1.0, 1.25), "gammas": (0.5,), "n_thresholds": 1, "band": "two-sided"},
             "single": {"betas": (1.0, 1.5), "gammas": (0.5,), "n_thresholds": 2, "band": "two-sided"},
             "double": {"betas": (1.0, 2.0, 1.0), "gammas": (0.3, 0.7), "n_thresholds": 2, "band": "one-sided"},
             # sensitivity, not a validation target: on a 200-point quantile grid the literal reading
             # lo <= gamma_0 <= hi of a narrow interval misses gamma_0 in the gap after hi
             "double_grid200": {"betas": (1.0, 2.0, 1.0), "gammas": (0.3, 0.7), "n_thresholds": 2,
                                "grid": 200, "n_boot": 0, "validated": False}}


@cache
def hansen2000_data() -> pd.DataFrame:
    """Durlauf-Johnson sample of Hansen's growth.R (n = 96) as a degenerate panel with T = 1."""
    d = np.loadtxt(H2000 / "dur_john_raw.dat")
    for col in (4, 5, 9, 10):  # GDP1960, GDP1985, school, literacy: -999 = missing
        d = d[d[:, col] != -999]
    d = d[d[:, 1] == 1]  # non-oil countries
    return pd.DataFrame({"country": d[:, 0].astype(int), "period": 1,
                         "growth": np.log(d[:, 5]) - np.log(d[:, 4]), "gdp60": d[:, 4], "const": 1.0,
                         "lgdp60": np.log(d[:, 4]), "linv": np.log(d[:, 8] / 100),
                         "lpop": np.log(d[:, 7] / 100 + 0.05), "lschool": np.log(d[:, 9] / 100)})


@case("hansen2000_first_split", area="threshold", method="threshold search, LR interval, regime OLS (T = 1, no FE)",
      reference="Hansen (2000), Econometrica 68(3):575-603; thrreg port of Hansen's thr_est, printed output",
      grade="exact reproduction of published threshold, intervals and SSE; coefficients to printed digits")
def hansen2000_first_split() -> list[Check]:
    exp = expected("hansen2000")["first_split"]
    out = []
    for level in (90, 95, 99):
        r = fit_threshold(hansen2000_data(), y="growth", q="gdp60", entity="country", time="period",
                          regime_x=["const", "lgdp60", "linv", "lpop", "lschool"], entity_effects=False,
                          trim=0.07, grid="exact", n_boot=0, conf_level=level / 100)
        lo, hi = exp[f"ci_{level}"]
        out += [Check(f"{level}% CI lower", r.ci[0][0], lo, exp["ci_tolerance"]),
                Check(f"{level}% CI upper", r.ci[0][1], hi, exp["ci_tolerance"])]
    t = r.tests.iloc[0]
    out += [Check("threshold GDP1960", r.thresholds[0], exp["threshold"], exp["threshold_tolerance"]),
            Check("SSE without threshold", t.ssr_null, exp["sse_linear"], exp["sse_tolerance"]),
            Check("SSE with threshold", t.ssr_alt, exp["sse_threshold"], exp["sse_tolerance"])]
    hc0 = r.coef["std_error"].to_numpy() * math.sqrt((r.nobs - len(r.coef)) / r.nobs)
    for j, name in enumerate(("regime1", "regime2")):
        tol, rows = exp[f"{name}_tolerance"], slice(5 * j, 5 * j + 5)
        out += [Check(f"{name} {v} estimate", b, e, tol) for v, b, e in
                zip(r.coef.variable[rows], r.coef.estimate[rows], exp[f"{name}_estimate"])]
        out += [Check(f"{name} {v} HC0 SE", s, e, tol) for v, s, e in
                zip(r.coef.variable[rows], hc0[rows], exp[f"{name}_se_hc0"])]
    return out


@case("hansen1999_invariants", area="threshold", method="FE panel threshold: invariants, no-threshold limit",
      reference="Hansen (1999) data (Stata xthreg); plain FE by linearmodels 7.1 PanelOLS",
      grade="invariants exact; no-threshold limit reproduces peer FE software; no published table")
def hansen1999_invariants() -> list[Check]:
    exp = expected("hansen1999")
    df = pd.read_csv(H1999 / "hansen1999.csv")
    out = _plain_fe_checks(df, exp["plain_fe"])
    inv = exp["invariants"]
    tol = inv["identity_tolerance"]
    r = fit_threshold(df, **HANSEN1999_CALL, **CANONICAL)
    out.append(Check("c(0.95) = -2 ln(1 - sqrt(0.95))", lr_cutoff(0.95), inv["lr_cutoff_95"], inv["lr_cutoff_tolerance"]))
    for g, key in zip(r.thresholds, r.threshold_keys):
        curve = r.lr_curves[key]
        at = curve.loc[curve["gamma"] == g].iloc[0]
        out += [Check(f"{key}: LR at the reported estimate", at.lr, 0.0, tol),
                Check(f"{key}: SSR at the reported estimate - grid minimum", at.ssr - np.nanmin(curve["ssr"]), 0.0, tol)]
    th1 = r.lr_curves["Th-1"]
    s0 = fit_at_thresholds(df, **HANSEN1999_CALL).ssr
    s1 = fit_at_thresholds(df, **HANSEN1999_CALL, thresholds=(float(th1.gamma[th1.ssr.idxmin()]),)).ssr
    out.append(Check("F1 vs (S0 - S1)/(S1/(N(T-1))) from separate regressions", r.f_stats[0],
                     r.n_eff * (s0 - s1) / s1, tol, relative=True))
    out.append(Check("SSR of the final regime regression vs the triple-threshold search minimum", r.ssr,
                     float(r.tests["ssr_alt"].iloc[-1]), tol, relative=True))
    naive = _fit_threshold_naive(df, **HANSEN1999_CALL, n_thresholds=1, trim=0.01, grid=400, n_boot=0)
    diff = np.nanmax(np.abs(naive.lr_curves["Th-1"].ssr.to_numpy() - r.lr_curves["Th-1"].ssr.to_numpy()))
    out.append(Check("max |SSR fast - SSR naive| over the single-threshold grid", diff, 0.0,
                     inv["fast_vs_naive_ssr_tolerance"]))
    return out


def _plain_fe_checks(df: pd.DataFrame, exp: dict) -> list[Check]:
    """A threshold above every q leaves one regime: the fit must be plain entity FE."""
    beyond = float(df["d1"].max()) + 1.0
    out = []
    for cov in ("clustered", "unadjusted"):
        fit = fit_at_thresholds(df, **HANSEN1999_CALL, thresholds=(beyond,), cov_type=cov)
        coef = fit.coef.set_index("variable")
        se_key = "se_clustered" if cov == "clustered" else "se_unadjusted"
        # linearmodels' clustered factor is N/(N-K); the project's is G/(G-1)(N-1)/(N-K) (lib.panel)
        n, g = len(df), df["id"].nunique()
        conv = math.sqrt(g / (g - 1) * (n - 1) / n) if cov == "clustered" else 1.0
        out += [Check(f"plain FE {v} SE ({cov})", coef.std_error[v], e * conv, exp["tolerance"], relative=True)
                for v, e in exp[se_key].items()]
    out += [Check(f"plain FE {v} coefficient", coef.estimate[v], e, exp["tolerance"], relative=True)
            for v, e in exp["params"].items()]
    out.append(Check("plain FE residual sum of squares", fit.ssr, exp["resid_ss"], exp["tolerance"], relative=True))
    return out


@case("threshold_montecarlo", area="threshold", method="LR interval coverage and bootstrap F test size",
      reference="seeded Monte Carlo, benchmarks/threshold_montecarlo.py -> validation/montecarlo/threshold.json",
      grade="Monte Carlo only: nominal rates within 3 binomial standard errors")
def threshold_montecarlo() -> list[Check]:
    mc = json.loads(MC_FILE.read_text())
    out = []
    for name, res in mc["results"].items():
        if not res.get("validated", True):
            continue
        reps = res["replications"]
        level = mc["settings"]["conf_level"]
        se = math.sqrt(level * (1 - level) / reps)
        two_sided = SCENARIOS[name].get("band") == "two-sided"
        for j, cov in enumerate(res.get("lr_set_coverage", [])):
            band = "level +- 3 SE" if two_sided else f"observed {cov:.4f}; >= level - 3 SE"
            out.append(Check(f"{name}: P(LR(gamma_0) <= c), threshold {j + 1} ({band})",
                             cov if two_sided else min(cov, level), level, 3 * se))
        for j, cov in enumerate(res.get("coverage", [])):  # the interval contains the LR set: one-sided
            out.append(Check(f"{name}: coverage of reported interval, threshold {j + 1} "
                             f"(observed {cov:.4f}; >= level - 3 SE)", min(cov, level), level, 3 * se))
        for test, size in res.get("size_5pct", {}).items():
            se = math.sqrt(0.05 * 0.95 / reps)
            out.append(Check(f"{name}: size of bootstrap {test} at 5% (band 3 SE)", size, 0.05, 3 * se))
    return out


def simulate_threshold_panel(rng: np.random.Generator, *, n_entities: int, n_periods: int,
                             betas: tuple[float, ...], gammas: tuple[float, ...]) -> pd.DataFrame:
    r"""Balanced panel from :math:`y_{it} = \mu_i + \beta_{r(q_{it})} x_{it} + 0.5 z_{it} + e_{it}`,
    with :math:`x, z, e \sim N(0,1)`, :math:`q \sim U(0,1)` and fixed effects correlated with x
    (:math:`\mu_i = \bar x_i + N(0,1)`); regime r counts the thresholds below q."""
    n = n_entities * n_periods
    ent = np.repeat(np.arange(n_entities), n_periods)
    x, z, q = rng.standard_normal(n), rng.standard_normal(n), rng.uniform(size=n)
    mu = (np.bincount(ent, x) / n_periods + rng.standard_normal(n_entities))[ent]
    slope = np.asarray(betas)[np.searchsorted(np.asarray(gammas, float), q, side="left")]
    y = mu + slope * x + 0.5 * z + rng.standard_normal(n)
    return pd.DataFrame({"id": ent, "t": np.tile(np.arange(n_periods), n_entities), "y": y, "x": x, "z": z, "q": q})


def mc_replication(seed: np.random.SeedSequence, *, scenario: str, n_entities: int, n_periods: int,
                   n_boot: int, grid: int | str, trim: float, conf_level: float) -> dict:
    """One replication: simulate, fit, and record p-values and interval coverage."""
    sc = SCENARIOS[scenario]
    data_seed, boot_seed = seed.spawn(2)
    df = simulate_threshold_panel(np.random.default_rng(data_seed), n_entities=n_entities, n_periods=n_periods,
                                  betas=sc["betas"], gammas=sc["gammas"])
    r = fit_threshold(df, y="y", q="q", regime_x="x", controls="z", entity="id", time="t",
                      n_thresholds=sc["n_thresholds"], trim=trim, grid=sc.get("grid", grid),
                      n_boot=sc.get("n_boot", n_boot), seed=boot_seed,
                      conf_level=conf_level)
    out = {"p_values": list(r.p_values)}
    true = sc["gammas"]
    if len(true) == 1:  # the single-threshold stage's curve carries the interval for one threshold
        keys = ["Th-1"]
        out["estimate"] = [float(r.lr_curves["Th-1"].pipe(lambda c: c.gamma[c.ssr.idxmin()]))]
    else:
        keys = list(r.threshold_keys)
        out["estimate"] = list(r.thresholds)
    out["covered"], out["covered_literal"], out["lr_at_true_below_cutoff"] = [], [], []
    for g0, key in zip(true, keys):
        c = r.lr_curves[key]
        inside = c.gamma[c.lr <= r.lr_cutoff]
        lo, hi = inside.min(), inside.max()
        below = c.loc[c.gamma <= g0]  # S(gamma) only changes at sample values: gamma_0 acts like this point
        cell = below.gamma.iloc[-1] if len(below) else -np.inf
        out["covered"].append(bool(lo <= cell <= hi))
        out["covered_literal"].append(bool(lo <= g0 <= hi))
        out["lr_at_true_below_cutoff"].append(bool(len(below) and below.lr.iloc[-1] <= r.lr_cutoff))
    return out
