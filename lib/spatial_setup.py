r"""The study's four spatial weights matrices for the 13 cities, and the small spatial helpers of
chapter 9 (pooled LM tests on fixed-effects residuals, the power limits of Moran tests with 13 units).

Weights are built from ``data/<edition>/geo`` and always in the order of :data:`lib.cities.CODES`
(or an explicitly given id list), asserted after construction:

``contiguity``
    binary first-order contiguity from ``contiguity_pairs.csv`` (boundaries within 200 m, i.e.
    queen-type), row-standardised.
``inverse_distance``
    :math:`w_{ij} = 1/d_{ij}`, :math:`d_{ij}` the great-circle distance between the area-weighted
    centroids of ``centroids.csv``, all pairs, row-standardised.
``economic``
    :math:`w_{ij} = 1/|\bar Y_i - \bar Y_j|`, :math:`\bar Y_i` the city's mean GDP per resident
    over the given years, row-standardised.
``nested``
    nested geographic-economic weights :math:`w_{ij} \propto w^d_{ij}\,\bar Y_j/\bar Y`, with
    :math:`W_d` the inverse-distance matrix (:func:`lib.spatial_weights.nested_geo_economic`).
"""
from __future__ import annotations

from collections.abc import Sequence
from math import comb, perm
from pathlib import Path

import numpy as np
import pandas as pd

from lib import spatial_stats as sst
from lib import spatial_weights as sw
from lib.cities import CODES

WEIGHTS = ("contiguity", "inverse_distance", "economic", "nested")
LABELS = {"contiguity": "Contiguity", "inverse_distance": "Inverse distance",
          "economic": "Economic distance", "nested": "Nested geographic-economic"}


def read_geo(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(centroids indexed by city_code, neighbour pairs) from ``<folder>/geo``."""
    geo = Path(folder) / "geo"
    cent = pd.read_csv(geo / "centroids.csv").set_index("city_code")
    pairs = pd.read_csv(geo / "contiguity_pairs.csv")
    return cent, pairs


def mean_gdp_pc(df: pd.DataFrame, years: Sequence[int], ids: Sequence[int] = CODES) -> pd.Series:
    """Mean GDP per resident of each city over ``years`` (Series indexed by city_code in ``ids`` order)."""
    d = df[df.year.isin(list(years))]
    missing = sorted(set(years) - set(d.year))
    if missing:
        raise sw.SpatialInputError(f"years: no panel rows for {missing}")
    if d.gdp_pc.isna().any():
        bad = d[d.gdp_pc.isna()][["city_code", "year"]].head(3).values.tolist()
        raise sw.SpatialInputError(f"gdp_pc: missing values, e.g. {bad}")
    return d.groupby("city_code").gdp_pc.mean().reindex(list(ids))


def build_weights(df: pd.DataFrame, folder: Path, *, years: Sequence[int],
                  ids: Sequence[int] = CODES) -> dict[str, sw.SpatialWeights]:
    """The four row-standardised matrices, each aligned to ``ids`` (asserted)."""
    ids = tuple(int(i) for i in ids)
    cent, pairs = read_geo(folder)
    if set(cent.index) != set(ids):
        raise sw.SpatialInputError("centroids.csv: city codes differ from the study's 13 cities")
    geo_d = sw.inverse_distance(ids, cent.lon, cent.lat)        # Series: aligned by index
    ybar = mean_gdp_pc(df, years, ids)
    out = {
        "contiguity": sw.from_neighbour_pairs(ids, zip(pairs.code_a.astype(int),
                                                       pairs.code_b.astype(int))),
        "inverse_distance": geo_d,
        "economic": sw.economic_distance(ids, ybar),
        "nested": sw.nested_geo_economic(geo_d, ybar),
    }
    for name, w in out.items():
        w.check_aligned(ids, what=f"{name} weights")
        assert w.ids == ids and np.allclose(w.matrix.sum(axis=1), 1.0), name
    return out


def distance_check(folder: Path, w_ids: Sequence[int] = CODES) -> float:
    """Largest absolute gap (km) between great-circle distances of the centroids and ``distance_km.csv``."""
    from lib.geography import great_circle_km

    cent, _ = read_geo(folder)
    ids = list(w_ids)
    d = great_circle_km(cent.lon.reindex(ids).to_numpy(), cent.lat.reindex(ids).to_numpy())
    ref = pd.read_csv(Path(folder) / "geo" / "distance_km.csv").set_index("city_code")
    ref.columns = ref.columns.astype(int)
    return float(np.abs(d - ref.loc[ids, ids].to_numpy()).max())


# ------------------------------------------------------------------ pooled LM tests

def panel_block_weights(w: sw.SpatialWeights, periods: Sequence) -> sw.SpatialWeights:
    r""":math:`I_T \otimes W` with ids ``(period, unit)``, periods outer (the stacking of
    :func:`pooled_fe_lm_tests`)."""
    periods = tuple(periods)
    ids = [(t, u) for t in periods for u in w.ids]
    big = np.kron(np.eye(len(periods)), w.matrix)
    return sw.SpatialWeights(tuple(ids), big, f"I_T x {w.kind}", w.standardised,
                             None if w.row_sums is None else np.tile(w.row_sums, len(periods)))


def twoway_demean(data: pd.DataFrame, cols: Sequence[str], *, unit: str, time: str) -> pd.DataFrame:
    """Two-way within transformation of a balanced panel (unit and period means removed)."""
    d = data[[unit, time, *cols]].copy()
    for c in cols:
        d[c] = (d[c] - d.groupby(unit)[c].transform("mean") - d.groupby(time)[c].transform("mean")
                + d[c].mean())
    return d


def pooled_fe_lm_tests(data: pd.DataFrame, w: sw.SpatialWeights, *, y: str, x: Sequence[str],
                       unit: str, time: str) -> sst.LMTestsResult:
    r"""LM tests (Anselin 1988; robust forms of Anselin et al. 1996) for spatial lag and error
    dependence in the two-way fixed-effects panel model, as in Elhorst (2014): the data are
    two-way demeaned, stacked by period, and tested with :math:`I_T \otimes W` and no constant.

    :math:`s^2 = e'e/NT` ignores the N + T - 1 degrees of freedom used by the effects (as in
    Elhorst's code), which makes the statistics slightly larger than a small-sample version.
    """
    from lib.spatial_panel import panel_arrays

    arr = panel_arrays(data, w, unit=unit, time=time, y=y, x=list(x))   # checks balance, order
    long = pd.DataFrame({unit: np.tile(arr.ids, len(arr.periods)),
                         time: np.repeat(arr.periods, len(arr.ids)), y: arr.y.ravel()})
    for k, c in enumerate(arr.x_names):
        long[c] = arr.x[:, :, k].ravel()
    dm = twoway_demean(long, [y, *arr.x_names], unit=unit, time=time)
    big = panel_block_weights(w, arr.periods)
    assert list(zip(dm[time], dm[unit])) == list(big.ids)
    return sst.lm_tests(dm[y].to_numpy(), dm[list(arr.x_names)].to_numpy(), big, add_constant=False)


# ------------------------------------------------------------------ power with 13 units

def min_local_perm_p(w: sw.SpatialWeights) -> pd.Series:
    r"""Smallest p-value a conditional-permutation local Moran test can reach, per unit.

    Unit i keeps its value and the other n-1 values are reshuffled; its spatial lag can take at
    most :math:`\binom{n-1}{k_i}` distinct values when its :math:`k_i` neighbours have equal
    weights (ordered selections, :math:`(n-1)!/(n-1-k_i)!`, otherwise). The most extreme of them
    is reached with probability at least one over that count, which bounds the p-value from below.
    """
    n = w.n
    out = {}
    for i, u in enumerate(w.ids):
        nz = w.matrix[i][w.matrix[i] > 0]
        k = nz.size
        count = comb(n - 1, k) if np.allclose(nz, nz[0]) else perm(n - 1, k)
        out[u] = 1.0 / count
    return pd.Series(out, name="min_p")


def moran_power(w: sw.SpatialWeights, rho: float, *, draws: int, seed, alpha: float = 0.05) -> float:
    r"""Rejection rate of the two-sided normal-approximation Moran test at level ``alpha`` when the
    data follow :math:`y = (I-\rho W)^{-1}\varepsilon`, :math:`\varepsilon \sim N(0, I)`.

    ``rho = 0`` gives the size. Vectorised over draws; uses the variance under normality.
    """
    from scipy import stats

    n, m = w.n, w.matrix
    rng = np.random.default_rng(seed)
    a = np.linalg.inv(np.eye(n) - rho * m)
    y = rng.standard_normal((draws, n)) @ a.T
    z = y - y.mean(axis=1, keepdims=True)
    s0 = m.sum()
    s1 = 0.5 * ((m + m.T) ** 2).sum()
    s2 = ((m.sum(axis=1) + m.sum(axis=0)) ** 2).sum()
    ei = -1.0 / (n - 1)
    var_n = (n * n * s1 - n * s2 + 3 * s0**2) / ((n * n - 1) * s0**2) - ei**2
    i_obs = n / s0 * np.einsum("ri,ri->r", z, z @ m.T) / np.einsum("ri,ri->r", z, z)
    p = 2 * stats.norm.sf(np.abs((i_obs - ei) / np.sqrt(var_n)))
    return float((p < alpha).mean())
