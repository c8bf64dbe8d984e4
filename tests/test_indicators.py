"""Location quotients, standardisation, entropy weights and TOPSIS: properties and degenerate cases."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib import indicators as I
from lib.validation import load_all

CASES = [c for c in load_all().values() if c.area in ("indicators", "panel")]


@pytest.mark.parametrize("c", CASES, ids=lambda c: c.name)
def test_reference_case(c):
    bad = [ch for ch in c.run() if not ch.passed]
    assert not bad, bad


def test_lq_is_one_when_region_mirrors_reference():
    assert I.location_quotient(25, 100, 250, 1000) == pytest.approx(1.0)


def test_lq_weighted_mean_over_reference_regions_is_one():
    rng = np.random.default_rng(1)
    e_ij = rng.uniform(1, 50, 30)
    e_j = e_ij + rng.uniform(10, 100, 30)
    lq = I.location_quotient(e_ij, e_j, e_ij.sum(), e_j.sum())
    assert np.average(lq, weights=e_j) == pytest.approx(1.0)


def test_lq_group_uses_summed_group():
    a, b = np.array([3.0, 4.0]), np.array([30.0, 80.0])
    assert I.location_quotient(a.sum(), 50, b.sum(), 1000) == pytest.approx((7 / 50) / (110 / 1000))


@pytest.mark.parametrize("args", [(1, 0, 1, 10), (1, 10, 0, 10), (-1, 10, 1, 10), (1, 10, 1, np.nan)])
def test_lq_refuses_degenerate_totals(args):
    with pytest.raises(ValueError, match="location quotient"):
        I.location_quotient(*args)


def test_entropy_zero_cell_uses_0_log_0_not_e_zero():
    Z = pd.DataFrame({"a": [0.0, 1.0, 1.0], "b": [1.0, 2.0, 3.0]})
    e = I.entropy_weights(Z).entropy
    assert 0 < e["a"] < 1  # not set to 0 by convention


def test_entropy_refuses_constant_and_missing_and_single_row():
    with pytest.raises(ValueError, match="constant"):
        I.standardise(pd.DataFrame({"a": [1.0, 1.0]}), {"a": 1})
    with pytest.raises(ValueError, match="missing values"):
        I.entropy_weights(pd.DataFrame({"a": [1.0, np.nan, 2.0]}))
    with pytest.raises(ValueError, match="at least two"):
        I.entropy_weights(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(ValueError, match="non-negative"):
        I.entropy_weights(pd.DataFrame({"a": [1.0, -2.0, 3.0]}))


def test_minmax_directions_and_shift():
    X = pd.DataFrame({"good": [1.0, 2.0, 3.0], "bad": [1.0, 2.0, 3.0]})
    Z = I.standardise(X, {"good": 1, "bad": -1}, shift=0.01)
    assert Z.good.tolist() == pytest.approx([0.01, 0.51, 1.01])
    assert Z.bad.tolist() == pytest.approx([1.01, 0.51, 0.01])
    with pytest.raises(ValueError, match="direction"):
        I.standardise(X, {"good": 1, "bad": 0})


def test_composite_index_subindices_add_up():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.uniform(1, 5, (20, 4)), columns=list("abcd"))
    r = I.composite_index(X, {c: 1 for c in X}, {"a": "d1", "b": "d1", "c": "d2", "d": "d2"})
    assert np.allclose(r.subindices.sum(axis=1), r.index)
    assert r.weights.sum() == pytest.approx(1.0)


def test_pca_weights_favour_the_common_factor():
    rng = np.random.default_rng(5)
    f = rng.normal(size=200)
    Z = pd.DataFrame({"a": f + 0.1 * rng.normal(size=200), "b": f + 0.1 * rng.normal(size=200),
                      "noise": rng.normal(size=200)})
    w = I.pca_weights(Z)
    assert w.sum() == pytest.approx(1.0) and w["noise"] < 0.1 < w["a"]
