"""Two-way FE: bad specifications get clear errors (synthetic data, labelled as such)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib import panel


@pytest.fixture
def synthetic() -> pd.DataFrame:
    """SYNTHETIC panel: 10 units x 8 years, y = 2 x + unit + year effects + noise."""
    rng = np.random.default_rng(3)
    idx = pd.MultiIndex.from_product([range(10), range(2000, 2008)], names=["city_code", "year"])
    d = idx.to_frame(index=False)
    d["x"] = rng.normal(size=len(d))
    d["z"] = rng.normal(size=len(d))
    d["y"] = 2 * d.x + d.city_code * 0.5 + (d.year - 2000) * 0.1 + rng.normal(scale=0.1, size=len(d))
    return d


def test_recovers_slope(synthetic):
    r = panel.fit_fe(synthetic, "y", ["x", "z"])
    assert abs(r.params["x"] - 2) < 0.05 and r.n_clusters == 10


def test_absorbed_regressor_is_named(synthetic):
    synthetic["size"] = synthetic.city_code * 3.0
    with pytest.raises(panel.SpecificationError, match=r"\['size'\] are absorbed"):
        panel.fit_fe(synthetic, "y", ["x", "size"])


def test_collinear_regressors(synthetic):
    synthetic["x2"] = 2 * synthetic.x
    with pytest.raises(panel.SpecificationError, match="collinear"):
        panel.fit_fe(synthetic, "y", ["x", "x2"])


def test_missing_values_are_reported_with_city_year(synthetic):
    synthetic.loc[5, "x"] = np.nan
    with pytest.raises(panel.SpecificationError, match="city_code=0, year=2005"):
        panel.fit_fe(synthetic, "y", ["x"])
