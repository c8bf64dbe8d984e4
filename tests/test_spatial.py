"""Tests for lib.spatial_weights, lib.spatial_stats, lib.spatial_panel and the spatial cases."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize_scalar
from shapely.geometry import box

from lib import spatial_panel as spn
from lib import spatial_stats as sst
from lib import spatial_weights as sw
from lib.validation import load_all
from lib.validation.spatial import COLUMBUS, cigar, columbus

CASES = [c for c in load_all().values() if c.area == "spatial"]
FIT = dict(y="logc", x=["logp", "logy"], unit="state", time="year")


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
def test_reference_case(c):
    bad = [ch for ch in c.run() if not ch.passed]
    assert not bad, bad


# ---------------------------------------------------------------- weights

def test_row_standardise_and_island_named():
    raw = np.array([[0, 1, 1], [1, 0, 0], [0, 0, 0.0]])
    with pytest.raises(sw.IslandError, match="'c'"):
        sw.row_standardise(raw, ids=["a", "b", "c"])
    with pytest.raises(sw.IslandError, match="130900"):
        sw.from_neighbour_pairs([110000, 120000, 130900], [(110000, 120000)])
    ok = sw.row_standardise(raw[:2, :2], ids=["a", "b"])
    assert np.allclose(ok.sum(axis=1), 1)


def test_from_matrix_dataframe_aligned_by_labels_not_position():
    ids = [3, 1, 2]
    raw = pd.DataFrame([[0, 1, 0], [1, 0, 1], [0, 1, 0]], index=[1, 2, 3], columns=[1, 2, 3])
    w = sw.from_matrix(ids, raw, standardise=False)
    assert w.ids == (3, 1, 2)
    assert w.matrix[0].tolist() == [0, 0, 1]          # unit 3 neighbours unit 2 only
    assert w.matrix[2].tolist() == [1, 1, 0]          # unit 2 neighbours 3 and 1
    with pytest.raises(sw.SpatialInputError, match="shape"):
        sw.from_matrix([1, 2], np.zeros((3, 3)))


def test_check_aligned_and_align():
    w = sw.from_neighbour_pairs(["a", "b", "c"], [("a", "b"), ("b", "c")])
    with pytest.raises(sw.SpatialInputError, match="different order"):
        w.check_aligned(["b", "a", "c"])
    with pytest.raises(sw.SpatialInputError, match="2 units"):
        w.check_aligned(["a", "b"])
    with pytest.raises(sw.SpatialInputError, match="unknown"):
        w.check_aligned(["a", "b", "z"])
    back = w.align(["c", "a", "b"]).align(["a", "b", "c"])
    assert np.array_equal(back.matrix, w.matrix)
    assert w.align(["c", "a", "b"]).matrix[0, 2] == 1.0   # c's only neighbour is b


def test_gal_reader_matches_libpysal_and_exports_keep_order():
    from libpysal.io import open as ps_open

    data, w = columbus()
    ref = ps_open(str(COLUMBUS / "columbus_queen_poly2nb.gal")).read()
    ref.transform = "r"
    full, order = ref.full()
    pos = [list(map(int, order)).index(u) for u in w.ids]
    assert np.allclose(full[np.ix_(pos, pos)], w.matrix)
    rev = w.align(list(w.ids)[::-1])                      # non-sorted id order survives export
    assert tuple(rev.to_libpysal().id_order) == rev.ids
    assert tuple(rev.to_graph().unique_ids) == rev.ids


def test_polygons_queen_rook_in_given_order():
    cells = {(r * 3 + c + 1) * 10: box(c, r, c + 1, r + 1) for r in range(3) for c in range(3)}
    ids = [50, 10, 90, 20, 80, 30, 70, 40, 60]
    q = sw.from_polygons(ids, [cells[i] for i in ids], standardise=False)
    r = sw.from_polygons(ids, [cells[i] for i in ids], rule="rook", standardise=False)
    assert q.matrix.sum(axis=1)[0] == 8 and r.matrix.sum(axis=1)[0] == 4   # centre cell 50
    assert q.matrix.sum(axis=1)[1] == 3 and r.matrix.sum(axis=1)[1] == 2   # corner cell 10
    with pytest.raises(sw.IslandError):
        sw.from_polygons([1, 2], [box(0, 0, 1, 1), box(5, 5, 6, 6)])


def test_inverse_distance_great_circle_power_cutoff():
    ids = ["A", "B", "C"]
    lat = pd.Series({"C": 2.0, "A": 0.0, "B": 1.0})       # Series aligned by id
    lon = pd.Series({"B": 0.0, "C": 0.0, "A": 0.0})
    deg_km = 6371.0088 * np.pi / 180                      # one degree of a great circle
    w = sw.inverse_distance(ids, lon, lat, power=2, standardise=False)
    assert w.matrix[0, 1] == pytest.approx(deg_km**-2, rel=1e-12)
    assert w.matrix[0, 2] == pytest.approx((2 * deg_km) ** -2, rel=1e-12)
    cut = sw.inverse_distance(ids, lon, lat, cutoff_km=1.5 * deg_km)
    assert cut.matrix[0, 2] == 0 and cut.matrix[0, 1] == 1.0
    with pytest.raises(sw.IslandError, match="'A'"):
        sw.inverse_distance(ids, [0, 0, 0], [0, 5, 5.5], cutoff_km=200)
    with pytest.raises(sw.SpatialInputError, match="lat"):
        sw.inverse_distance(ids, lon, pd.Series({"A": 0.0, "B": 1.0}))


def test_economic_and_nested_weights():
    ids = [1, 2, 3]
    ybar = pd.Series({3: 4.0, 1: 1.0, 2: 2.0})
    econ = sw.economic_distance(ids, ybar, standardise=False)
    assert econ.matrix[0].tolist() == [0.0, 1.0, 1 / 3]
    with pytest.raises(sw.SpatialInputError, match="equal means"):
        sw.economic_distance(ids, [1.0, 1.0, 2.0])
    geo_raw = sw.from_neighbour_pairs(ids, [(1, 2), (2, 3), (1, 3)], standardise=False)
    geo_std = sw.from_neighbour_pairs(ids, [(1, 2), (2, 3), (1, 3)])
    nested = sw.nested_geo_economic(geo_raw, ybar)
    # w_ij proportional to ybar_j / mean(ybar): row 1 weighs unit 2 (2) and unit 3 (4) as 1:2
    assert nested.matrix[0].tolist() == pytest.approx([0, 1 / 3, 2 / 3])
    assert np.allclose(sw.nested_geo_economic(geo_std, ybar).matrix, nested.matrix)
    ev = nested.eigenvalues()                               # not symmetric, but real spectrum
    assert np.allclose(np.sort(np.linalg.eigvals(nested.matrix).real), ev)
    assert ev[-1] == pytest.approx(1.0)


def test_weights_refuse_bad_matrices():
    with pytest.raises(sw.SpatialInputError, match="diagonal"):
        sw.from_matrix([1, 2], [[1, 1], [1, 0]])
    with pytest.raises(sw.SpatialInputError, match="duplicated"):
        sw.from_matrix([1, 1], [[0, 1], [1, 0]])
    with pytest.raises(sw.SpatialInputError, match="non-negative"):
        sw.from_matrix([1, 2], [[0, -1], [1, 0]])


# ---------------------------------------------------------------- statistics

def test_moran_matches_esda_and_permutations_are_seeded():
    import esda

    data, w = columbus()
    y = data.set_index("POLYID")["INC"]
    ours = sst.moran(y, w, permutations=199, seed=5)
    ref = esda.Moran(y.to_numpy(), w.to_libpysal(), permutations=0)
    assert ours.I == pytest.approx(ref.I, abs=1e-13)
    assert ours.var_random == pytest.approx(ref.VI_rand, abs=1e-13)
    assert ours.p_normal == pytest.approx(ref.p_norm, abs=1e-12)      # both two-sided
    again = sst.moran(y, w, permutations=199, seed=5)
    assert again.p_sim == ours.p_sim and 1 / 200 <= ours.p_sim <= 1
    noise = sst.moran(np.random.default_rng(0).normal(size=w.n), w, permutations=999, seed=1)
    assert noise.p_sim > 0.01
    with pytest.raises(ValueError, match="seed"):
        sst.moran(y, w, permutations=99)


def test_moran_refuses_misaligned_series_and_constant_values():
    data, w = columbus()
    with pytest.raises(sw.SpatialInputError, match="missing"):
        sst.moran(data.set_index("POLYID")["CRIME"].iloc[:-1], w)
    with pytest.raises(sw.SpatialInputError, match="constant"):
        sst.moran(np.ones(w.n), w)
    shuffled = data.set_index("POLYID")["CRIME"].sample(frac=1, random_state=3)
    assert sst.moran(shuffled, w, permutations=0).I == pytest.approx(0.500188557, abs=1e-9)


def test_local_moran_scaling_versus_esda_and_quadrants():
    import esda

    data, w = columbus()
    y = data.set_index("POLYID")["CRIME"]
    ours = sst.local_moran(y, w, permutations=199, seed=11).table
    ref = esda.Moran_Local(y.to_numpy(), w.to_libpysal(), permutations=0)
    n = w.n
    assert np.allclose(ref.Is, ours["Ii"] * (n - 1) / n, atol=1e-12)   # esda = (n-1)/n * spdep
    z = y - y.mean()
    lag = w.matrix @ z.to_numpy()
    hh = (z > 0) & (lag > 0)
    assert (ours.loc[hh.to_numpy(), "quadrant"] == "HH").all()
    assert set(ours["quadrant"]) <= {"HH", "LL", "HL", "LH"}
    assert ours["p_sim"].between(1 / 200, 1).all()
    assert ours["significant"].dtype == bool


def test_moran_by_period_uses_weights_order():
    data, w = cigar()
    wide = spn.panel_wide(data, w, unit="state", time="year", variable="logc")
    tab = sst.moran_by_period(wide, w, permutations=99, seed=2)
    assert len(tab) == 30 and tab.loc[92, "I"] == pytest.approx(sst.moran(wide.loc[92], w).I)
    with pytest.raises(sw.SpatialInputError, match="different order"):
        sst.moran_by_period(wide[wide.columns[::-1]], w)


def test_lm_tests_match_spreg():
    import spreg

    data, w = columbus()
    d = data.set_index("POLYID")
    ours = sst.lm_tests(d["CRIME"], d[["INC", "HOVAL"]], w).table["statistic"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ols = spreg.OLS(d[["CRIME"]].to_numpy(), d[["INC", "HOVAL"]].to_numpy(),
                        w=w.to_libpysal(), spat_diag=True)
    assert ours["LMerr"] == pytest.approx(ols.lm_error[0], rel=1e-10)
    assert ours["LMlag"] == pytest.approx(ols.lm_lag[0], rel=1e-10)
    assert ours["RLMerr"] == pytest.approx(ols.rlm_error[0], rel=1e-10)
    assert ours["RLMlag"] == pytest.approx(ols.rlm_lag[0], rel=1e-10)
    assert ours["SARMA"] == pytest.approx(ols.lm_sarma[0], rel=1e-10)


# ---------------------------------------------------------------- panel models

@pytest.mark.parametrize("model", ["sdm", "sem"])
def test_row_order_does_not_change_the_fit(model):
    data, w = cigar()
    kw = dict(**FIT, model=model, fixed_effects="twoways")
    time_major = spn.fit_spatial_panel(data.sort_values(["year", "state"]), w, **kw).params
    unit_major = spn.fit_spatial_panel(data.sort_values(["state", "year"]), w, **kw).params
    shuffled = spn.fit_spatial_panel(data.sample(frac=1, random_state=9), w, **kw).params
    assert np.allclose(time_major, unit_major, rtol=0, atol=1e-12)
    assert np.allclose(time_major, shuffled, rtol=0, atol=1e-12)


def test_twoway_sdm_equals_dummy_variable_ml():
    """Default two-way SDM = ML with explicit unit and year dummies (no demeaning shortcut)."""
    data, w = cigar()
    arr = spn.panel_arrays(data, w, unit="state", time="year", y="logc", x=["logp", "logy"])
    t, n = arr.y.shape
    wy = arr.y @ w.matrix.T
    wx = np.einsum("ij,tjk->tik", w.matrix, arr.x)
    dummies = np.hstack([np.kron(np.ones((t, 1)), np.eye(n)), np.kron(np.eye(t), np.ones((n, 1)))])
    z = np.hstack([arr.x.reshape(-1, 2), wx.reshape(-1, 2), dummies[:, :-1]])
    eig = w.eigenvalues()
    q = np.linalg.qr(z)[0]

    def negll(r):
        e = (arr.y - r * wy).ravel()
        e = e - q @ (q.T @ e)
        return 0.5 * n * t * np.log(e @ e) - t * np.log(1 - r * eig).sum()

    rho_lsdv = minimize_scalar(negll, bounds=(0, 0.6), method="bounded",
                               options={"xatol": 1e-10}).x
    fit = spn.fit_spatial_panel(data, w, **FIT, model="sdm", fixed_effects="twoways")
    assert fit.params["rho"] == pytest.approx(rho_lsdv, abs=1e-7)
    sdpd = spn.fit_spatial_panel(data, w, **FIT, model="sdm", fixed_effects="twoways",
                                 wy_after_demeaning=True)
    # SDPDmod's order of operations (lag of the demeaned y) is a different estimator
    assert fit.params["rho"] - sdpd.params["rho"] > 1e-3


@pytest.mark.parametrize("model", ["sar", "sem"])
def test_entity_fe_and_cross_section_match_spreg(model):
    import spreg

    data, w = cigar()
    arr = spn.panel_arrays(data, w, unit="state", time="year", y="logc", x=["logp", "logy"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = (spreg.Panel_FE_Lag if model == "sar" else spreg.Panel_FE_Error)(
            arr.y.reshape(-1, 1), arr.x.reshape(-1, 2), w.to_libpysal())
    ours = spn.fit_spatial_panel(data, w, **FIT, model=model, fixed_effects="entity").tidy()
    assert np.allclose(ours["estimate"].iloc[:3], peer.betas.ravel(), atol=2e-6)
    assert np.allclose(ours["std_error"].iloc[:3], peer.std_err, rtol=1e-4)
    cdata, cw = columbus()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ml = (spreg.ML_Lag if model == "sar" else spreg.ML_Error)(
            cdata[["CRIME"]].to_numpy(), cdata[["INC", "HOVAL"]].to_numpy(), cw.to_libpysal(),
            method="full")
    cs = spn.fit_spatial_cross_section(cdata, cw, y="CRIME", x=["INC", "HOVAL"], unit="POLYID",
                                       model=model).tidy()
    assert np.allclose(cs["estimate"].iloc[:4], ml.betas.ravel(), rtol=1e-6)
    assert np.allclose(cs["std_error"].iloc[:4], ml.std_err, rtol=1e-5)


def test_lee_yu_entity_only_rescales_sigma2():
    data, w = cigar()
    direct = spn.fit_spatial_panel(data, w, **FIT, model="sar", fixed_effects="entity").params
    ly = spn.fit_spatial_panel(data, w, **FIT, model="sar", fixed_effects="entity",
                               bias_correction=True).params
    assert np.allclose(direct.iloc[:3], ly.iloc[:3], atol=1e-9)
    assert ly["sigma2"] == pytest.approx(direct["sigma2"] * 30 / 29, rel=1e-9)


def _simulated_twoway(rng, w, t, rho):
    n = w.n
    a = np.linalg.inv(np.eye(n) - rho * w.matrix)
    mu, alpha = rng.normal(size=n), rng.normal(size=t)
    x = rng.normal(size=(t, n)) + mu
    y = np.stack([a @ (x[s] + mu + alpha[s] + rng.normal(size=n)) for s in range(t)])
    return pd.DataFrame({"u": np.tile(w.ids, t), "t": np.repeat(np.arange(t), n),
                         "y": y.ravel(), "x": x.ravel()})


def test_lee_yu_removes_twoway_bias_monte_carlo():
    """N = 12, T = 10, rho = 0.4, sigma2 = 1: the direct approach is biased by O(1/N + 1/T)."""
    ids = list(range(12))
    w = sw.from_neighbour_pairs(ids, [(i, (i + k) % 12) for i in ids for k in (1, 2)])
    rng = np.random.default_rng(20100901)
    est = {False: [], True: []}
    for _ in range(100):
        df = _simulated_twoway(rng, w, 10, 0.4)
        for bc in est:
            p = spn.fit_spatial_panel(df, w, y="y", x=["x"], unit="u", time="t", model="sar",
                                      fixed_effects="twoways", bias_correction=bc).params
            est[bc].append([p["rho"] - 0.4, p["sigma2"] - 1.0])
    direct, ly = np.mean(est[False], axis=0), np.mean(est[True], axis=0)
    assert direct[0] < -0.1 and direct[1] < -0.1          # both clearly biased downwards
    assert abs(ly[0]) < 0.05 and abs(ly[1]) < 0.05        # MC s.e. of the means ~0.012


def test_effects_identities_and_seeded_simulation():
    data, w = cigar()
    fit = spn.fit_spatial_panel(data, w, **FIT, model="sdm", fixed_effects="twoways")
    eff = fit.effects(draws=300, seed=4)
    tab = eff.tidy()
    est = tab["estimate"].unstack()
    assert np.allclose(est["total"], est["direct"] + est["indirect"])
    p = fit.params
    assert est.loc["logp", "total"] == pytest.approx((p["logp"] + p["W*logp"]) / (1 - p["rho"]))
    assert (tab["ci_lower"] < tab["sim_mean"]).all() and (tab["sim_mean"] < tab["ci_upper"]).all()
    assert np.allclose(tab["z"], tab["sim_mean"] / tab["std_error"])
    assert tab.equals(fit.effects(draws=300, seed=4).tidy())
    assert not tab.equals(fit.effects(draws=300, seed=5).tidy())
    null = spn.spatial_effects(0.0, [2.0, -1.0], [0.0, 0.0], w)
    assert np.allclose(null, [[2.0, 0.0, 2.0], [-1.0, 0.0, -1.0]])
    sar = spn.fit_spatial_panel(data, w, **FIT, model="sar", fixed_effects="entity")
    s = sar.effects(draws=200, seed=1).tidy()["estimate"].unstack()
    assert (np.sign(s["indirect"]) == np.sign(sar.params[["logp", "logy"]])).all()  # rho > 0
    with pytest.raises(ValueError, match="sem"):
        spn.fit_spatial_panel(data, w, **FIT, model="sem", fixed_effects="entity").effects(seed=1)
    with pytest.raises(ValueError, match="seed"):
        sar.effects(seed=None)


# ---------------------------------------------------------------- bad inputs

def test_panel_bad_inputs_are_named():
    data, w = cigar()
    holed = data.copy()
    holed.loc[holed.index[5], "logp"] = np.nan
    with pytest.raises(sw.SpatialInputError, match="logp"):
        spn.fit_spatial_panel(holed, w, **FIT)
    with pytest.raises(sw.SpatialInputError, match="unbalanced"):
        spn.fit_spatial_panel(data.iloc[1:], w, **FIT)
    with pytest.raises(sw.SpatialInputError, match="duplicated"):
        spn.fit_spatial_panel(pd.concat([data, data.iloc[:1]]), w, **FIT)
    small = w.align(list(w.ids))
    sub = sw.from_matrix(small.ids[:-1], (small.matrix[:-1, :-1] > 0) * 1.0)
    with pytest.raises(sw.SpatialInputError, match="not in weights"):
        spn.fit_spatial_panel(data, sub, **FIT)
    with pytest.raises(sw.SpatialInputError, match="absent from data"):
        spn.fit_spatial_panel(data[data["state"] != w.ids[0]], w, **FIT)
    raw = sw.from_matrix(w.ids, (w.matrix > 0) * 1.0, standardise=False)
    with pytest.raises(sw.SpatialInputError, match="row-standardised"):
        spn.fit_spatial_panel(data, raw, **FIT)
    with pytest.raises(ValueError, match="model"):
        spn.fit_spatial_panel(data, w, **FIT, model="sac")
    with pytest.raises(sw.SpatialInputError, match="missing columns"):
        spn.fit_spatial_panel(data, w, y="logc", x=["nope"], unit="state", time="year")


def test_moran_by_period_accepts_a_seed_sequence():
    import numpy as np
    import pandas as pd

    from lib import spatial_stats, spatial_weights

    ids = list(range(6))
    pairs = [(i, i + 1) for i in range(5)]
    w = spatial_weights.from_neighbour_pairs(ids, pairs)
    wide = pd.DataFrame(np.arange(18.0).reshape(3, 6), columns=ids, index=[2020, 2021, 2022])
    a = spatial_stats.moran_by_period(wide, w, permutations=99, seed=np.random.SeedSequence(4))
    b = spatial_stats.moran_by_period(wide, w, permutations=99, seed=np.random.SeedSequence(4))
    pd.testing.assert_frame_equal(a, b)
