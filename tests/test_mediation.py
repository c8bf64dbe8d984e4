"""Mediation: pingouin reference cases, the accounting identity, a synthetic two-way FE panel
(labelled synthetic: known a, b, c'), the cluster bootstrap and bad inputs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from lib.mediation import MediationResult, _design, _indirect, mediation, mediation_each, tidy_results
from lib.paths import REFERENCE
from lib.validation import load_all

CASES = [c for c in load_all().values() if c.area == "mediation"]
A, B, DIRECT = 0.5, 0.8, 0.3  # synthetic truth


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
def test_reference_case(c):
    bad = [ch for ch in c.run() if not ch.passed]
    assert not bad, bad


@pytest.fixture(scope="module")
def ping():
    return pd.read_csv(REFERENCE / "mediation" / "pingouin_mediation.csv")


@pytest.fixture(scope="module")
def synthetic_panel():
    """SYNTHETIC two-way panel: entity and year effects correlated with X, true a, b, c'."""
    rng = np.random.default_rng(2024)
    n, t = 60, 10
    ent, yr = np.repeat(np.arange(n), t), np.tile(np.arange(2012, 2012 + t), n)
    alpha, tau = rng.normal(size=n)[ent], rng.normal(size=t)[yr - 2012]
    w = rng.normal(size=n * t) + alpha
    x = 0.8 * alpha + 0.5 * tau + rng.normal(size=n * t)
    m = A * x + 0.4 * w + alpha + tau + rng.normal(size=n * t)
    m2 = 0.3 * x - alpha + rng.normal(size=n * t)
    y = DIRECT * x + B * m - 0.2 * m2 + 0.5 * w + 2 * alpha - tau + rng.normal(size=n * t)
    return pd.DataFrame({"city": ent, "year": yr, "x": x, "m": m, "m2": m2, "w": w, "y": y})


# ------------------------------------------------------------------ cross-section
def test_identity_and_joint_mediators(ping):
    r = mediation(ping, x="X", m=["M", "W1"], y="Y", controls=["W2"])
    assert r.total == pytest.approx(r.direct + r.paths.indirect.sum(), abs=1e-13)
    assert r.indirect == pytest.approx(r.paths.indirect.sum())
    each = mediation_each(ping, x="X", mediators=["M", "W1"], y="Y", controls=["W2"])
    # a paths do not depend on the other mediators; b paths do
    assert each["W1"].paths.a.item() == pytest.approx(r.paths.a["W1"], abs=1e-14)
    assert each["W1"].paths.b.item() != pytest.approx(r.paths.b["W1"], abs=1e-6)
    assert each["M"].total == pytest.approx(r.total, abs=1e-14)
    tab = tidy_results(each)
    assert set(tab.model) == {"M", "W1"} and len(tab) == 10


def test_post_init_rejects_broken_identity(ping):
    r = mediation(ping, x="X", m="M", y="Y")
    with pytest.raises(ArithmeticError, match="same sample"):
        MediationResult(r.x, r.y, r.mediators, r.controls, r.model, r.cov_type, r.nobs, r.total + 0.01,
                        r.total_se, r.direct, r.direct_se, r.paths)


def test_robust_cov_changes_se_only(ping):
    r0, r1 = mediation(ping, x="X", m="M", y="Y"), mediation(ping, x="X", m="M", y="Y", cov_type="HC1")
    assert r1.total == pytest.approx(r0.total, abs=1e-14) and r1.total_se != pytest.approx(r0.total_se, rel=1e-4)


def test_bootstrap_reproducible_and_parallel_invariant(ping):
    r1 = mediation(ping, x="X", m="M", y="Y", n_boot=600, seed=11)
    r2 = mediation(ping, x="X", m="M", y="Y", n_boot=600, seed=11, n_jobs=2)
    r3 = mediation(ping, x="X", m="M", y="Y", n_boot=600, seed=12)
    assert r1.bootstrap.draws.shape == (600, 1)
    np.testing.assert_array_equal(r1.bootstrap.draws, r2.bootstrap.draws)
    assert not np.array_equal(r1.bootstrap.draws, r3.bootstrap.draws)


def test_bootstrap_intervals_follow_their_formulas(ping):
    r = mediation(ping, x="X", m=["M", "W1"], y="Y", n_boot=500, seed=3, level=0.9)
    t, d = r.bootstrap.table, r.bootstrap.draws
    assert list(t.index) == ["M", "W1", "total_indirect"]
    np.testing.assert_allclose(d[:, 2], d[:, 0] + d[:, 1], rtol=1e-14)
    est = r.paths.indirect["M"]
    z0 = norm.ppf(np.mean(d[:, 0] < est))
    assert t.bc_low["M"] == pytest.approx(np.quantile(d[:, 0], norm.cdf(2 * z0 - norm.ppf(0.95))))
    assert t.pct_high["M"] == pytest.approx(np.quantile(d[:, 0], 0.95))
    tidy = r.tidy()
    assert tidy.loc[tidy.mediator == "total_indirect", "pct_low"].item() == pytest.approx(t.pct_low["total_indirect"])


# ------------------------------------------------------------------ synthetic panel
def test_panel_recovers_known_paths(synthetic_panel):
    r = mediation(synthetic_panel, x="x", m="m", y="y", controls=["w", "m2"], entity="city", time="year")
    p = r.paths.loc["m"]
    assert r.model == "twoway_fe" and r.cov_type == "clustered" and r.nobs == 600
    assert abs(p.a - A) < 4 * p.a_se and abs(p.b - B) < 4 * p.b_se and abs(r.direct - DIRECT) < 4 * r.direct_se
    assert p.a_se < 0.1 and p.b_se < 0.1  # informative, so the 4-SE checks can fail
    assert r.total == pytest.approx(r.direct + p.indirect, abs=1e-10)
    pooled = mediation(synthetic_panel, x="x", m="m", y="y", controls=["w", "m2"])
    assert abs(pooled.paths.a.item() - A) > 4 * pooled.paths.a_se.item()  # effects matter here


@pytest.mark.parametrize("drop", [0.0, 0.15])
def test_fwl_bootstrap_estimator_equals_panelols(synthetic_panel, drop):
    rng = np.random.default_rng(9)
    d = synthetic_panel[rng.random(len(synthetic_panel)) >= drop]  # balanced and unbalanced
    r = mediation(d, x="x", m=["m", "m2"], y="y", controls=["w"], entity="city", time="year")
    des = _design(d.set_index(["city", "year"]).sort_index(), "x", ["m", "m2"], "y", ["w"], True)
    np.testing.assert_allclose(_indirect(des, np.arange(len(d))), r.paths.indirect.to_numpy(), rtol=1e-9)


def test_panel_cluster_bootstrap(synthetic_panel):
    r = mediation(synthetic_panel, x="x", m="m", y="y", controls=["w", "m2"], entity="city", time="year",
                  n_boot=400, seed=5)
    b, p = r.bootstrap.table.loc["m"], r.paths.loc["m"]
    assert b.pct_low < A * B < b.pct_high and b.bc_low < A * B < b.bc_high
    assert b.boot_se == pytest.approx(p.sobel_se, rel=0.3)


# ------------------------------------------------------------------ bad inputs
@pytest.mark.parametrize("kwargs, msg", [
    ({"m": "Q"}, "lack column"), ({"m": "X"}, "distinct"), ({"m": []}, "at least one"),
    ({"m": "M", "entity": "W1"}, "both entity and time"), ({"m": "M", "n_boot": 10}, "explicit seed"),
    ({"m": "M", "level": 1.5}, "level")])
def test_bad_arguments(ping, kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        mediation(ping, x="X", y="Y", **kwargs)


def test_missing_values(ping):
    d = ping.copy()
    d.loc[3, "M"] = np.nan
    with pytest.raises(ValueError, match="dropna"):
        mediation(d, x="X", m="M", y="Y")
    assert mediation(d, x="X", m="M", y="Y", dropna=True).nobs == 99


def test_panel_bad_inputs(synthetic_panel):
    dup = pd.concat([synthetic_panel, synthetic_panel.iloc[:1]])
    with pytest.raises(ValueError, match="unique"):
        mediation(dup, x="x", m="m", y="y", entity="city", time="year")
    absorbed = synthetic_panel.assign(size=synthetic_panel.city * 1.0)
    with pytest.raises(ValueError, match="absorbed"):
        mediation(absorbed, x="x", m="m", y="y", controls=["size"], entity="city", time="year")
