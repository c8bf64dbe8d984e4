"""Tests for lib.spatial_setup: the study's four weights matrices, pooled LM tests, power helpers."""
from __future__ import annotations

from math import comb

import numpy as np
import pandas as pd
import pytest

from lib import data, params
from lib import spatial_panel as spn
from lib import spatial_setup as ss
from lib import spatial_stats as sst
from lib import spatial_weights as sw
from lib.cities import CODES

FOLDER = data.data_dir("open")
YEARS = list(range(2012, 2022))


@pytest.fixture(scope="module")
def panel():
    return data.load_panel("open")


@pytest.fixture(scope="module")
def weights(panel):
    return ss.build_weights(panel, FOLDER, years=YEARS)


def test_names_match_params_choices():
    assert set(ss.WEIGHTS) == set(params.schema()["weights"].choices)
    assert set(ss.LABELS) == set(ss.WEIGHTS)


def test_all_four_aligned_row_standardised(weights):
    assert tuple(weights) == ss.WEIGHTS
    for name, w in weights.items():
        assert w.ids == tuple(CODES), name
        assert np.allclose(w.matrix.sum(axis=1), 1.0)
        assert np.all(np.diag(w.matrix) == 0)
        assert np.isclose(w.eigenvalues()[-1], 1.0)


def test_order_follows_given_ids_not_file_order(panel, weights):
    rev = tuple(reversed(CODES))
    wr = ss.build_weights(panel, FOLDER, years=YEARS, ids=rev)
    for name in ss.WEIGHTS:
        assert wr[name].ids == rev
        assert np.allclose(wr[name].align(CODES).matrix, weights[name].matrix), name


def test_contiguity_matches_pairs_file(weights):
    pairs = pd.read_csv(FOLDER / "geo" / "contiguity_pairs.csv")
    w = weights["contiguity"]
    pos = {c: k for k, c in enumerate(w.ids)}
    links = {(pos[a], pos[b]) for a, b in zip(pairs.code_a, pairs.code_b)}
    nz = {(i, j) for i, j in zip(*np.nonzero(w.matrix)) if i < j}
    assert nz == links
    assert np.allclose(w.matrix, w.matrix.T * (w.row_sums[None, :] / w.row_sums[:, None]))
    handan = pos[130400]                      # Handan borders only Xingtai among the 13
    assert w.matrix[handan, pos[130500]] == 1.0


def test_distances_match_file():
    assert ss.distance_check(FOLDER) < 0.01


def test_inverse_distance_rank_order(weights):
    d = pd.read_csv(FOLDER / "geo" / "distance_km.csv").set_index("city_code")
    d.columns = d.columns.astype(int)
    w = weights["inverse_distance"]
    i = w.ids.index(110000)
    others = [c for c in w.ids if c != 110000]
    nearest = min(others, key=lambda c: d.loc[110000, c])
    assert w.matrix[i].argmax() == w.ids.index(nearest)


def test_economic_and_nested_definitions(panel, weights):
    ybar = ss.mean_gdp_pc(panel, YEARS)
    assert list(ybar.index) == list(CODES)
    v = ybar.to_numpy()
    raw = 1 / np.abs(v[:, None] - v[None, :] + np.eye(13))
    np.fill_diagonal(raw, 0)
    assert np.allclose(weights["economic"].matrix, raw / raw.sum(axis=1, keepdims=True))
    geo = weights["inverse_distance"].matrix
    nested = geo * v[None, :]
    assert np.allclose(weights["nested"].matrix, nested / nested.sum(axis=1, keepdims=True))


def test_mean_gdp_pc_refuses_missing_years(panel):
    with pytest.raises(sw.SpatialInputError, match="1999"):
        ss.mean_gdp_pc(panel, [1999, 2012])


def test_block_weights():
    w = sw.from_neighbour_pairs(["a", "b", "c"], [("a", "b"), ("b", "c")])
    big = ss.panel_block_weights(w, [1, 2])
    assert big.ids[:3] == ((1, "a"), (1, "b"), (1, "c"))
    assert np.allclose(big.matrix[:3, :3], w.matrix) and np.allclose(big.matrix[3:, 3:], w.matrix)
    assert np.all(big.matrix[:3, 3:] == 0)


def _toy_panel(seed=0, n_t=6, rho=0.0):
    w = sw.from_neighbour_pairs(list(range(8)), [(i, (i + 1) % 8) for i in range(8)])
    rng = np.random.default_rng(seed)
    rows = []
    a = np.linalg.inv(np.eye(8) - rho * w.matrix)
    mu = rng.normal(size=8)
    for t in range(n_t):
        x = rng.normal(size=8)
        y = a @ (mu + t + 0.5 * x + rng.normal(size=8))
        rows += [{"u": i, "t": t, "y": y[i], "x": x[i]} for i in range(8)]
    return pd.DataFrame(rows), w


def test_pooled_lm_equals_manual_stack():
    d, w = _toy_panel()
    res = ss.pooled_fe_lm_tests(d.sample(frac=1, random_state=1), w, y="y", x=["x"], unit="u", time="t")
    dm = ss.twoway_demean(d.sort_values(["t", "u"]), ["y", "x"], unit="u", time="t")
    big = ss.panel_block_weights(w, sorted(d.t.unique()))
    manual = sst.lm_tests(dm.y.to_numpy(), dm[["x"]].to_numpy(), big, add_constant=False)
    assert np.allclose(res.table.statistic, manual.table.statistic)


def test_pooled_lm_detects_strong_lag():
    d, w = _toy_panel(seed=3, n_t=30, rho=0.8)
    assert ss.pooled_fe_lm_tests(d, w, y="y", x=["x"], unit="u", time="t").table.p_value["LMlag"] < 0.01


def test_pooled_lm_refuses_unbalanced():
    d, w = _toy_panel()
    with pytest.raises(sw.SpatialInputError, match="unbalanced"):
        ss.pooled_fe_lm_tests(d.iloc[1:], w, y="y", x=["x"], unit="u", time="t")


def test_min_local_perm_p(weights):
    w = weights["contiguity"]
    mp = ss.min_local_perm_p(w)
    assert np.isclose(mp[130400], 1 / 12)                      # one neighbour
    k = int((w.matrix[w.ids.index(130600)] > 0).sum())
    assert np.isclose(mp[130600], 1 / comb(12, k))
    assert ss.min_local_perm_p(weights["inverse_distance"]).max() < 1e-6


def test_min_local_perm_p_is_a_real_bound(weights):
    """No conditional-permutation p-value for Handan can fall below 1/12 (up to Monte Carlo noise)."""
    w = weights["contiguity"]
    vals = pd.Series(np.arange(13.0), index=list(w.ids))
    vals[130400], vals[130500] = 100.0, 99.0                  # extreme high-high pair
    lt = sst.local_moran(vals, w, permutations=999, seed=1).table
    assert lt.p_sim[130400] > 0.05


def test_moran_power_size_and_monotone(weights):
    w = weights["contiguity"]
    size = ss.moran_power(w, 0.0, draws=4000, seed=1)
    assert abs(size - 0.05) < 0.015
    p3, p7 = (ss.moran_power(w, r, draws=2000, seed=2) for r in (0.3, 0.7))
    assert size < p3 < p7
    assert ss.moran_power(w, 0.5, draws=500, seed=5) == ss.moran_power(w, 0.5, draws=500, seed=5)


def test_moran_power_agrees_with_lib_moran(weights):
    """With rho = 0 and one draw, the vectorised test rejects exactly when lib's normal p < alpha."""
    w = weights["nested"]
    for s in range(60):
        y = np.random.default_rng(s).standard_normal((1, 13))[0]
        expected = float(sst.moran(y, w).p_normal < 0.10)
        assert ss.moran_power(w, 0.0, draws=1, seed=s, alpha=0.10) == expected, s


def test_sdm_runs_on_study_panel(panel, weights):
    from lib import hqd

    _, years, res = hqd.open_edition_index(panel, FOLDER)
    est = panel.merge(res.index.rename("hqd").reset_index(), on=["city_code", "year"])
    fit = spn.fit_spatial_panel(est, weights["contiguity"], y="hqd", x=["lq_va"], unit="city_code",
                                time="year", model="sdm", bias_correction=True)
    assert fit.n_eff == 12 * (len(years) - 1)
