"""Theil and Dagum: reference cases plus invariants, degenerate cases and bad inputs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.inequality import dagum_by_year, dagum_gini, gini, theil, theil_by_year
from lib.validation import load_all

CASES = [c for c in load_all().values() if c.area == "inequality" and not c.name.startswith("kde")]


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
def test_reference_case(c):
    bad = [ch for ch in c.run() if not ch.passed]
    assert not bad, bad


@pytest.fixture
def sample():
    rng = np.random.default_rng(7)
    y = rng.lognormal(mean=1.0, sigma=0.6, size=40)
    g = np.array(["Beijing"] * 3 + ["Tianjin"] * 7 + ["Hebei"] * 30)
    return y, g


# ------------------------------------------------------------------ Theil
def test_theil_matches_direct_formula_and_decomposes(sample):
    y, g = sample
    s = y / y.sum()
    res = theil(y, g)
    assert res.total == pytest.approx(np.sum(s * np.log(y.size * s)), abs=1e-14)
    between = sum(s[g == k].sum() * np.log(s[g == k].sum() / np.mean(g == k)) for k in set(g))
    assert res.between == pytest.approx(between, abs=1e-14)
    assert res.total == pytest.approx(res.between + res.within, abs=1e-14)
    assert res.groups.income_share.sum() == pytest.approx(1.0) and res.groups.pop_share.sum() == pytest.approx(1.0)


def test_theil_weighted_equals_replicated_units(sample):
    y, g = sample
    w = np.random.default_rng(1).integers(1, 5, size=y.size)
    weighted = theil(y, g, weights=w)
    replicated = theil(np.repeat(y, w), np.repeat(g, w))
    for q in ("total", "between", "within"):
        assert getattr(weighted, q) == pytest.approx(getattr(replicated, q), abs=1e-13)
    assert weighted.weighted and not replicated.weighted
    assert abs(weighted.total - theil(y, g).total) > 1e-4  # the weights matter


def test_theil_extremes_and_scale_invariance(sample):
    y, g = sample
    assert theil(np.full(9, 3.0)).total == pytest.approx(0.0, abs=1e-15)
    one_rich = np.r_[1.0, np.zeros(9)]
    assert theil(one_rich, allow_zero=True).total == pytest.approx(np.log(10))
    assert theil(5 * y, g).total == pytest.approx(theil(y, g).total, abs=1e-14)
    single = theil(y)
    assert single.between == 0.0 and single.within == pytest.approx(single.total)


def test_theil_order_only_reorders(sample):
    y, g = sample
    res = theil(y, g, order=["Beijing", "Tianjin", "Hebei"])
    assert list(res.groups.group) == ["Beijing", "Tianjin", "Hebei"]
    assert res.total == pytest.approx(theil(y, g).total, abs=1e-15)


@pytest.mark.parametrize("values, msg", [([1.0, 0.0, 2.0], "strictly positive"), ([1.0, -1.0, 2.0], "non-negative"),
                                          ([1.0, np.nan, 2.0], "missing"), ([1.0], "at least 2"),
                                          ([0.0, 0.0], "sum to zero")])
def test_theil_bad_values(values, msg):
    with pytest.raises(ValueError, match=msg):
        theil(values, allow_zero=msg == "sum to zero")


def test_theil_bad_groups_and_weights():
    with pytest.raises(ValueError, match="labels"):
        theil([1, 2, 3], [0, 1])
    with pytest.raises(ValueError, match="missing labels"):
        theil([1, 2, 3], ["a", None, "b"])
    with pytest.raises(ValueError, match="order"):
        theil([1, 2, 3], ["a", "a", "b"], order=["a", "c"])
    with pytest.raises(ValueError, match="weights"):
        theil([1, 2, 3], weights=[1, 0, 1])


# ------------------------------------------------------------------ Dagum
def _brute(y, g, j, h):
    a, b = y[g == j], y[g == h]
    return np.abs(a[:, None] - b[None, :]).sum()


def test_dagum_components_match_definitions(sample):
    y, g = sample
    res = dagum_gini(y, g, order=["Beijing", "Tianjin", "Hebei"])
    assert res.gini == pytest.approx(np.abs(y[:, None] - y[None, :]).sum() / (2 * y.size ** 2 * y.mean()), abs=1e-14)
    assert res.gini == pytest.approx(gini(y), abs=1e-15)
    for r in res.groups.itertuples():
        v = y[g == r.group]
        assert r.gini == pytest.approx(_brute(y, g, r.group, r.group) / (2 * v.mean() * v.size ** 2), abs=1e-14)
    for r in res.pairs.itertuples():
        a, b = y[g == r.group_j], y[g == r.group_h]
        assert r.gini == pytest.approx(_brute(y, g, r.group_j, r.group_h) / (a.size * b.size * (a.mean() + b.mean())),
                                       abs=1e-14)
        hi, lo = (a, b) if a.mean() >= b.mean() else (b, a)
        diff = hi[:, None] - lo[None, :]
        d, p = np.clip(diff, 0, None).mean(), np.clip(-diff, 0, None).mean()
        assert r.D == pytest.approx((d - p) / (d + p), abs=1e-13)
        assert 0 <= r.D <= 1
    assert sum(res.contributions.values()) == pytest.approx(1.0, abs=1e-14)
    assert res.within + res.net_between + res.transvariation == pytest.approx(res.gini, abs=1e-15)


def test_dagum_non_overlapping_groups():
    y = np.array([1.0, 2, 3, 10, 11, 12, 30, 40])
    res = dagum_gini(y, ["a"] * 3 + ["b"] * 3 + ["c"] * 2)
    assert res.transvariation == 0.0
    assert np.all(res.pairs.D == 1.0)


def test_dagum_identical_distributions_have_no_net_between():
    y = np.array([1.0, 4, 9, 1, 4, 9])
    res = dagum_gini(y, ["a"] * 3 + ["b"] * 3)
    assert res.net_between == pytest.approx(0.0, abs=1e-15)
    assert res.pairs.D.iloc[0] == pytest.approx(0.0, abs=1e-15)
    assert res.transvariation > 0


def test_dagum_invariances(sample):
    y, g = sample
    res = dagum_gini(y, g)
    perm = np.random.default_rng(3).permutation(y.size)
    for other in (dagum_gini(y[perm], g[perm]), dagum_gini(3.7 * y, g), dagum_gini(np.tile(y, 2), np.tile(g, 2))):
        for q in ("gini", "within", "net_between", "transvariation"):
            assert getattr(other, q) == pytest.approx(getattr(res, q), abs=1e-13)
    one = dagum_gini(y, np.zeros(y.size))
    assert one.within == pytest.approx(one.gini, abs=1e-15) and one.pairs.empty


def test_dagum_tidy_and_bad_input(sample):
    y, g = sample
    tab = dagum_gini(y, g).tidy()
    assert set(tab.quantity) == {"G", "G_w", "G_nb", "G_t", "share_w", "share_nb", "share_t", "G_jj", "G_jh", "D_jh"}
    assert (tab.quantity == "G_jh").sum() == 3
    with pytest.raises(ValueError, match="non-negative"):
        dagum_gini([1.0, -2.0, 3.0], [0, 0, 1])
    with pytest.raises(ValueError, match="labels"):
        dagum_gini([1.0, 2.0, 3.0], [0, 1])


# ------------------------------------------------------------------ panels
def test_by_year_helpers_match_single_year_calls(sample):
    y, g = sample
    panel = pd.DataFrame({"year": np.repeat([2012, 2013], y.size), "v": np.r_[y, y ** 1.5],
                          "region": np.tile(g, 2), "pop": np.tile(np.arange(1, y.size + 1), 2)})
    th = theil_by_year(panel, value="v", year="year", group="region", weight="pop")
    got = th.query("year == 2013 and quantity == 'between'").value.item()
    assert got == pytest.approx(theil(y ** 1.5, g, weights=np.arange(1, y.size + 1)).between, abs=1e-15)
    dg = dagum_by_year(panel, value="v", year="year", group="region", order=["Beijing", "Tianjin", "Hebei"])
    assert list(dg.columns) == ["year", "quantity", "group_j", "group_h", "value"]
    assert dg.query("year == 2012 and quantity == 'G'").value.item() == pytest.approx(gini(y), abs=1e-15)
    with pytest.raises(ValueError, match="lack column"):
        dagum_by_year(panel, value="v", year="yr", group="region")
