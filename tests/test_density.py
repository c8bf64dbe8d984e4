"""Kernel density: R reference case, bandwidth rules, exactness of the kernel sum, panel helper."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import gaussian_kde, norm

from lib.density import bandwidth, kde, kde_by_year
from lib.paths import REFERENCE
from lib.validation import load_all

CASES = [c for c in load_all().values() if c.area == "inequality" and c.name.startswith("kde")]


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
def test_reference_case(c):
    bad = [ch for ch in c.run() if not ch.passed]
    assert not bad, bad


def _r_density_pre44(x, bw, lo_x, hi_x, n_user):
    """Port of R 4.2.2 density.default (linear binning + FFT + approx), to explain the residual gap."""
    n = 512
    lo, up = lo_x - 4 * bw, hi_x + 4 * bw
    y = np.zeros(2 * n)
    pos = (x - lo) / ((up - lo) / (n - 1))
    ix = np.floor(pos).astype(int)
    np.add.at(y, ix, 1 - (pos - ix))
    np.add.at(y, ix + 1, pos - ix)
    kords = np.linspace(0, 2 * (up - lo), 2 * n)
    kords[n + 1:] = -kords[n - 1:0:-1]
    conv = np.fft.ifft(np.fft.fft(y / x.size) * np.conj(np.fft.fft(norm.pdf(kords, scale=bw)))).real[:n]
    return np.interp(np.linspace(lo_x, hi_x, n_user), np.linspace(lo, up, n), np.maximum(conv, 0))


def test_gap_to_r_is_rs_binning():
    exp = json.loads((REFERENCE / "inequality" / "expected.json").read_text())["kde_faithful_R"]
    x = pd.read_csv(REFERENCE / "inequality" / "faithful.csv")["eruptions"].to_numpy()
    emulated = _r_density_pre44(x, bandwidth(x), 1.5, 5.5, 9)
    np.testing.assert_allclose(emulated, exp["density"], rtol=2e-8)  # the printed R numbers, 9 digits
    exact = kde(x, grid=exp["x"]).density
    assert np.max(np.abs(exact / exp["density"] - 1)) > 1e-4  # the exact sum is not R's binned one


def test_exact_sum_matches_scipy():
    x = np.random.default_rng(2).normal(size=60) ** 3
    res = kde(x, bw="scott")
    ref = gaussian_kde(x, bw_method=res.bandwidth / np.std(x, ddof=1))(res.x)
    np.testing.assert_allclose(res.density, ref, rtol=1e-12, atol=1e-15)


def test_bandwidth_rules():
    x = np.r_[np.linspace(0, 1, 50), 100.0]  # IQR term is the smaller one
    h0 = bandwidth(x)
    q75, q25 = np.quantile(x, [0.75, 0.25])
    assert h0 == pytest.approx(0.9 * (q75 - q25) / 1.34 * x.size ** -0.2, rel=1e-14)
    assert bandwidth(x, "silverman") / h0 == pytest.approx(1.34 / 1.349, rel=1e-14)
    assert bandwidth(x, "scott") / h0 == pytest.approx(1.06 / 0.9, rel=1e-14)
    y = np.array([1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 9.0])  # IQR = 0: R falls back to sd
    assert bandwidth(y) == pytest.approx(0.9 * np.std(y, ddof=1) * 7 ** -0.2, rel=1e-14)
    assert bandwidth([4.0, 4.0, 4.0]) == pytest.approx(0.9 * 4 * 3 ** -0.2)  # then |x[0]|
    assert bandwidth([0.0, 0.0]) == pytest.approx(0.9 * 2 ** -0.2)  # then 1


def test_density_integrates_to_one_and_options():
    x = np.random.default_rng(4).gamma(2.0, size=80)
    res = kde(x, n_grid=2048, cut=6)
    assert np.trapezoid(res.density, res.x) == pytest.approx(1.0, abs=1e-6)
    assert res.x[0] == pytest.approx(x.min() - 6 * res.bandwidth) and res.rule == "nrd0" and res.n == 80
    wide = kde(x, adjust=2.0)
    assert wide.bandwidth == pytest.approx(2 * res.bandwidth)
    assert kde(x, bw=0.3).bandwidth == 0.3 and kde(x, bw=0.3).rule == "fixed"
    assert list(res.tidy().columns) == ["x", "density"]


@pytest.mark.parametrize("kwargs, msg", [({"bw": "sj"}, "rule"), ({"bw": -1.0}, "positive"),
                                         ({"adjust": 0.0}, "adjust"), ({"n_grid": 1}, "n_grid")])
def test_bad_options(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        kde([1.0, 2.0, 4.0], **kwargs)


@pytest.mark.parametrize("values", [[1.0], [1.0, np.nan], [[1.0, 2.0]]])
def test_bad_samples(values):
    with pytest.raises(ValueError):
        kde(values)


def test_kde_by_year():
    rng = np.random.default_rng(5)
    panel = pd.DataFrame({"year": np.repeat([2012, 2013, 2014], 13), "v": rng.normal(size=39) + np.repeat([0, 1, 2], 13)})
    tab = kde_by_year(panel, value="v", year="year", n_grid=256)
    assert list(tab.columns) == ["year", "x", "density", "bandwidth"] and len(tab) == 3 * 256
    grids = tab.groupby("year").x.apply(np.asarray)
    assert all(np.array_equal(grids.iloc[0], g) for g in grids)  # common grid
    one = tab[tab.year == 2013]
    direct = kde(panel.v[panel.year == 2013], grid=one.x.to_numpy())
    np.testing.assert_allclose(one.density, direct.density, rtol=1e-14)
    assert one.bandwidth.iloc[0] == pytest.approx(direct.bandwidth)
    own = kde_by_year(panel, value="v", year="year", common_grid=False, n_grid=64)
    assert own[own.year == 2012].x.max() < own[own.year == 2014].x.max()
    with pytest.raises(ValueError, match="lack column"):
        kde_by_year(panel, value="w", year="year")
