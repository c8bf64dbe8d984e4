"""Tests of the Hansen (1999) panel threshold model: reference cases, invariants, fast vs naive search,
bootstrap determinism, peer FE agreement, bad inputs and a small seeded Monte Carlo."""
from __future__ import annotations

import dataclasses

import math

import numpy as np
import pandas as pd
import pytest
from linearmodels import PanelOLS

from lib.threshold import _fit_threshold_naive, fit_at_thresholds, fit_threshold, lr_cutoff
from lib.threshold_search import candidate_grid, min_regime_obs
from lib.validation import load_all
from lib.validation.threshold import mc_replication, simulate_threshold_panel

CASES = [c for c in load_all().values() if c.area == "threshold"]
COLS = dict(y="y", q="q", regime_x="x", controls="z", entity="id", time="t")


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
def test_reference_case(c):
    bad = [ch for ch in c.run() if not ch.passed]
    assert not bad, bad


def panel(seed=0, n=40, t=8, betas=(1.0, 2.0, 0.5), gammas=(0.3, 0.7)):
    return simulate_threshold_panel(np.random.default_rng(seed), n_entities=n, n_periods=t, betas=betas,
                                    gammas=gammas)


@pytest.fixture(scope="module")
def triple():
    return fit_threshold(panel(), **COLS, n_thresholds=3, trim=(0.05, 0.05, 0.05), grid="exact",
                         n_boot=(20, 20, 20), seed=7)


def test_fast_and_naive_give_identical_curves_and_bootstrap():
    df = panel(1, n=25, t=6)
    kw = dict(**COLS, n_thresholds=3, trim=0.05, grid=60, n_boot=(4, 4, 4), seed=3)
    fast, naive = fit_threshold(df, **kw), _fit_threshold_naive(df, **kw)
    assert fast.lr_curves.keys() == naive.lr_curves.keys() == {"Th-1", "Th-21", "Th-22", "Th-3"}
    for key in fast.lr_curves:
        np.testing.assert_allclose(fast.lr_curves[key].ssr, naive.lr_curves[key].ssr, rtol=0, atol=1e-8)
    assert fast.thresholds == naive.thresholds
    for a, b in zip(fast.boot_f, naive.boot_f):  # naive rebuilds y* = null fit + e* literally
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8)


def test_invariants_of_the_estimates(triple):
    r = triple
    for g, key in zip(r.thresholds, r.threshold_keys):
        c = r.lr_curves[key]
        row = c.loc[c.gamma == g].iloc[0]
        assert row.lr == 0.0 and row.ssr == np.nanmin(c.ssr)
    t = r.tests
    np.testing.assert_allclose(t.F, r.n_eff * (t.ssr_null - t.ssr_alt) / t.ssr_alt, rtol=1e-12)
    assert r.n_eff == r.n_entities * (r.n_periods - 1)
    # F1 from two separate within regressions (no threshold, threshold at the stage-1 estimate)
    c1 = r.lr_curves["Th-1"]
    s0 = fit_at_thresholds(panel(), **COLS).ssr
    s1 = fit_at_thresholds(panel(), **COLS, thresholds=(c1.gamma[c1.ssr.idxmin()],)).ssr
    assert r.f_stats[0] == pytest.approx(r.n_eff * (s0 - s1) / s1, rel=1e-10)
    # the final regime regression reproduces the last search minimum
    assert r.ssr == pytest.approx(t.ssr_alt.iloc[-1], rel=1e-10)
    assert r.ssr / r.n_eff == pytest.approx(r.sigma2)


def test_refinement_step_reestimates_first_threshold_given_second(triple):
    r = triple
    g21 = r.lr_curves["Th-21"].pipe(lambda c: c.gamma[c.ssr.idxmin()])
    g22 = r.lr_curves["Th-22"].pipe(lambda c: c.gamma[c.ssr.idxmin()])
    # every point of the refined curve is S(gamma, g22): check a few against direct regressions
    c = r.lr_curves["Th-21"].dropna().iloc[::25]
    for g, s in zip(c.gamma, c.ssr):
        assert fit_at_thresholds(panel(), **COLS, thresholds=(g, g22)).ssr == pytest.approx(s, rel=1e-10)
    assert {g21, g22} <= set(r.thresholds)


def test_lr_cutoff_and_intervals(triple):
    assert lr_cutoff(0.95) == pytest.approx(7.3523, abs=5e-5)
    assert lr_cutoff(0.90) < lr_cutoff(0.95) < lr_cutoff(0.99)
    with pytest.raises(ValueError, match="conf_level"):
        lr_cutoff(1.0)
    for (lo, hi), key in zip(triple.ci, triple.threshold_keys):
        c = triple.lr_curves[key]
        inside = c.gamma[c.lr <= triple.lr_cutoff]
        assert (lo, hi) == (inside.min(), inside.max())


def test_true_thresholds_recovered_with_strong_effects(triple):
    r = fit_threshold(panel(2, n=80, t=10), **COLS, n_thresholds=2, trim=0.05, grid="exact", n_boot=49, seed=1)
    assert r.thresholds == pytest.approx((0.3, 0.7), abs=0.03)
    assert all(hi - lo < 0.1 for lo, hi in r.ci)  # coverage itself is a Monte Carlo property (see below)
    assert max(r.p_values) < 0.05
    est = r.coef.set_index(["variable", "regime"]).estimate
    assert est.loc["x"].to_numpy() == pytest.approx([1.0, 2.0, 0.5], abs=0.15)


def test_bootstrap_is_deterministic_and_independent_of_n_jobs():
    df = panel(3, n=30, t=6, betas=(1.0, 1.3), gammas=(0.5,))
    kw = dict(**COLS, n_thresholds=2, trim=0.05, grid=80, n_boot=70)
    a = fit_threshold(df, **kw, seed=11, n_jobs=1)
    b = fit_threshold(df, **kw, seed=11, n_jobs=2)
    c = fit_threshold(df, **kw, seed=11, n_jobs=1)
    d = fit_threshold(df, **kw, seed=12, n_jobs=1)
    for x, y, z in zip(a.boot_f, b.boot_f, c.boot_f):
        assert np.array_equal(x, y) and np.array_equal(x, z)
    assert a.p_values == b.p_values == c.p_values
    assert not np.array_equal(a.boot_f[0], d.boot_f[0])
    assert a.tests["n_boot"].tolist() == [70, 70]


def _sss(df: pd.DataFrame, cov: str) -> float:
    """linearmodels' clustered SEs use N/(N-K); the project's convention is G/(G-1)(N-1)/(N-K)."""
    n, g = len(df), df["id"].nunique()
    return math.sqrt(g / (g - 1) * (n - 1) / n) if cov == "clustered" else 1.0


def test_outside_threshold_is_plain_fe_like_linearmodels():
    df = panel(4)
    beyond = df.q.max() + 1.0
    mod = PanelOLS(df.set_index(["id", "t"]).y, df.set_index(["id", "t"])[["x", "z"]], entity_effects=True)
    for cov, kw in (("clustered", dict(cov_type="clustered", cluster_entity=True)), ("unadjusted", {})):
        fit = fit_at_thresholds(df, **COLS, thresholds=(beyond,), cov_type=cov)
        peer = mod.fit(**kw)
        got = fit.coef.set_index("variable")
        assert len(got) == 2 and fit.ssr == pytest.approx(peer.resid_ss, rel=1e-10)
        np.testing.assert_allclose(got.estimate[["x", "z"]], peer.params[["x", "z"]], rtol=1e-10)
        np.testing.assert_allclose(got.std_error[["x", "z"]], peer.std_errors[["x", "z"]] * _sss(df, cov),
                                   rtol=1e-10)


def test_regime_coefficients_match_linearmodels_with_interactions(triple):
    df = panel()
    g = triple.thresholds
    regime = np.searchsorted(np.asarray(g), df.q, side="left")
    cols = {f"x_r{j}": df.x * (regime == j) for j in range(len(g) + 1)}
    wide = df.assign(**cols).set_index(["id", "t"])
    peer = PanelOLS(wide.y, wide[[*cols, "z"]], entity_effects=True).fit(cov_type="clustered", cluster_entity=True)
    np.testing.assert_allclose(triple.coef.estimate, peer.params, rtol=1e-9)
    np.testing.assert_allclose(triple.coef.std_error, peer.std_errors * _sss(df, "clustered"), rtol=1e-9)
    assert triple.coef.nobs.iloc[:4].sum() == triple.nobs


def test_invariance_to_entity_shifts_and_scale():
    df = panel(5, n=30, t=6)
    kw = dict(**COLS, n_thresholds=2, trim=0.05, grid="exact", n_boot=0)
    base = fit_threshold(df, **kw)
    moved = fit_threshold(df.assign(y=3.0 * df.y + 10.0 * df.id), **kw)
    assert moved.thresholds == base.thresholds
    np.testing.assert_allclose(moved.tests.F, base.tests.F, rtol=1e-9)
    assert moved.ssr == pytest.approx(9.0 * base.ssr, rel=1e-10)


def test_candidate_grid_respects_trim():
    q = np.random.default_rng(0).uniform(size=1000)
    g = candidate_grid(q, trim=0.1, grid=50)
    need = min_regime_obs(1000, 0.1)
    assert need == 100 and len(g) <= 50
    below = np.searchsorted(np.sort(q), g, side="right")
    assert below.min() >= need and (1000 - below).min() >= need
    exact = candidate_grid(q, trim=0.1, grid="exact")
    assert len(exact) == 801 and set(g) <= set(exact)


def test_cross_section_without_entity_effects():
    df = panel(6, n=300, t=1, betas=(0.0, 2.0), gammas=(0.4,)).assign(const=1.0)
    r = fit_threshold(df, y="y", q="q", regime_x=["const", "x"], controls="z", entity="id", time="t",
                      entity_effects=False, trim=0.1, grid="exact", n_boot=0)
    assert r.n_eff == r.nobs == 300
    assert r.thresholds[0] == pytest.approx(0.4, abs=0.05)
    with pytest.raises(ValueError, match="at least two periods"):
        fit_threshold(df, **COLS, n_boot=0)


def test_tidy_and_result_identities(triple):
    tidy = triple.tidy()
    assert list(tidy.columns) == ["kind", "term", "regime", "estimate", "std_error", "statistic", "p_value",
                                  "ci_lower", "ci_upper"]
    assert tidy.kind.value_counts().to_dict() == {"coef": 5, "threshold": 3, "test": 3}
    broken = triple.tests.assign(F=triple.tests.F * 1.01)
    with pytest.raises(ArithmeticError, match="F !="):
        dataclasses.replace(triple, tests=broken)
    with pytest.raises(ArithmeticError, match="outside its interval"):
        dataclasses.replace(triple, ci=((9.0, 10.0),) + triple.ci[1:])


@pytest.mark.parametrize("mutate, kwargs, match", [
    (lambda d: d.drop(index=5), {}, r"unbalanced panel: 1 of 320 .*\(0, 5\)"),
    (lambda d: d.assign(x=d.x.where(d.index != 3)), {}, r"missing values in \{'x': 1\}"),
    (lambda d: d.assign(z=d.id * 1.0), {}, "regressor 'z' has no within-entity variation"),
    (lambda d: d.assign(w=2 * d.x - d.z), {"controls": ["z", "w"]}, r"'w' is a linear combination of \['x', 'z'\]"),
    (lambda d: d, {"trim": (0.05, 0.49)}, r"trim=0.49 leaves no admissible value for threshold 2"),
    (lambda d: d, {"n_thresholds": 4}, "n_thresholds must be 1, 2 or 3"),
    (lambda d: d, {"grid": 0}, "grid must be a positive integer"),
    (lambda d: d, {"trim": (0.1, 0.1, 0.1)}, "trim needs one value per threshold"),
    (lambda d: d, {"cov_type": "robust"}, "cov_type must be"),
    (lambda d: d, {"controls": ["x"]}, "both in regime_x and in controls"),
    (lambda d: d, {"q": "nope"}, r"columns \['nope'\] are not in the data frame"),
    (lambda d: d.assign(q=0.5), {}, "threshold variable 'q' is constant"),
    (lambda d: pd.concat([d, d.iloc[[0]]]), {}, "duplicated entity-periods"),
    (lambda d: d.assign(x=d.x.astype(str)), {}, r"columns \['x'\] must be numeric"),
    (lambda d: d, {"n_jobs": 0}, "n_jobs must be"),
])
def test_bad_inputs_raise_clear_errors(mutate, kwargs, match):
    opts = {**COLS, "n_thresholds": 2, "n_boot": 2, "trim": 0.05, "grid": 30, **kwargs}
    with pytest.raises(ValueError, match=match):
        fit_threshold(mutate(panel()), **opts)


def test_small_monte_carlo_coverage_size_and_power():
    """Seeded repeat of benchmarks/threshold_montecarlo.py at a small scale."""
    root = np.random.SeedSequence(2024)
    opts = dict(n_entities=30, n_periods=10, grid="exact", trim=0.05, conf_level=0.95)
    single = [mc_replication(s, scenario="single", n_boot=19, **opts) for s in root.spawn(50)]
    none = [mc_replication(s, scenario="none", n_boot=39, **opts) for s in np.random.SeedSequence(99).spawn(80)]
    coverage = np.mean([r["covered"][0] for r in single])
    lr_set = np.mean([r["lr_at_true_below_cutoff"][0] for r in single])
    power = np.mean([r["p_values"][0] < 0.05 for r in single])
    size = np.mean([r["p_values"][0] < 0.05 for r in none])
    assert lr_set <= coverage
    assert coverage >= 0.85 and lr_set >= 0.85  # 0.95 nominal; 0.85 is > 3 binomial SE below at 50 draws
    assert power >= 0.9
    assert size <= 0.125  # 0.05 nominal; 0.125 is > 3 binomial SE above at 80 draws


def test_a_passed_seed_sequence_is_not_advanced():
    df = panel(4)
    seq = np.random.SeedSequence(99)
    kw = dict(**COLS, n_thresholds=1, trim=0.1, grid=30, n_boot=20)
    a = fit_threshold(df, **kw, seed=seq)
    b = fit_threshold(df, **kw, seed=seq)
    assert a.p_values == b.p_values and np.array_equal(a.boot_f[0], b.boot_f[0])
