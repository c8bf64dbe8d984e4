"""Location quotients, standardisation, entropy weights, the composite index and TOPSIS.

Conventions (tested): 0 ln 0 = 0; min-max standardisation maps each indicator to [0, 1] in its
direction and adds a small ``shift`` so that every share is positive; a constant indicator carries no
information and raises (its entropy weight would be 0/0 under min-max).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Mapping

import numpy as np
import pandas as pd


def location_quotient(e_ij, e_j, e_i, e):
    r"""Location quotient :math:`LQ = (e_{ij}/e_j)/(e_i/e)` (Farhauer and Kröll 2013, REAT ``locq``).

    ``e_ij``: industry i in region j; ``e_j``: all industries in region j; ``e_i``: industry i in the
    reference economy; ``e``: all industries in the reference economy. For an industry group pass the
    summed group. Arrays broadcast; zero or negative totals raise instead of giving infinities.
    """
    e_ij, e_j, e_i, e = (np.asarray(v, dtype=float) for v in (e_ij, e_j, e_i, e))
    for name, v in (("region total e_j", e_j), ("reference industry e_i", e_i),
                    ("reference total e", e)):
        if np.any(~np.isfinite(v)) or np.any(v <= 0):
            raise ValueError(f"location quotient: {name} must be positive and finite")
    if np.any(e_ij < 0) or np.any(~np.isfinite(e_ij)):
        raise ValueError("location quotient: regional industry e_ij must be non-negative and finite")
    return (e_ij / e_j) / (e_i / e)


def standardise(X: pd.DataFrame, directions: Mapping[str, int], *,
                method: Literal["minmax", "sum"] = "minmax", shift: float = 1e-4) -> pd.DataFrame:
    r"""Standardise indicators column by column.

    ``minmax``: :math:`x' = (x-\min)/(\max-\min)` for positive (+1) and
    :math:`(\max-x)/(\max-\min)` for negative (-1) indicators, plus ``shift``.
    ``sum``: raw values divided by their column sum (the published entropy cases; needs x >= 0).
    """
    _check_matrix(X)
    missing = set(X.columns) - set(directions)
    if missing:
        raise ValueError(f"no direction declared for indicator(s): {sorted(missing)}")
    out = {}
    for col in X.columns:
        x, d = X[col].astype(float), directions[col]
        if d not in (1, -1):
            raise ValueError(f"direction of {col!r} must be +1 or -1, got {d!r}")
        if method == "sum":
            if (x < 0).any():
                raise ValueError(f"raw-sum normalisation needs non-negative values; {col!r} has some")
            out[col] = x / x.sum()
            continue
        lo, hi = x.min(), x.max()
        if hi == lo:
            raise ValueError(f"indicator {col!r} is constant ({lo!r}); it carries no information")
        out[col] = ((x - lo) if d == 1 else (hi - x)) / (hi - lo) + shift
    return pd.DataFrame(out, index=X.index)


def _check_matrix(X: pd.DataFrame) -> None:
    if X.shape[0] < 2:
        raise ValueError("entropy weights need at least two observations")
    num = X.apply(pd.to_numeric, errors="coerce")
    inf = [c for c in X.columns if np.isinf(num[c]).any()]
    if inf:
        raise ValueError(f"non-finite values in indicator(s) {inf}")
    bad = X.columns[X.isna().any()].tolist()
    if bad:
        rows = X.index[X[bad].isna().any(axis=1)].tolist()[:5]
        raise ValueError(f"missing values in indicator(s) {bad}, e.g. at rows {rows}")


@dataclass(frozen=True)
class EntropyResult:
    """Entropy e_j, divergence d_j = 1 - e_j and weights w_j (sum to 1)."""

    entropy: pd.Series
    weights: pd.Series

    def __post_init__(self) -> None:
        if not np.isclose(self.weights.sum(), 1.0) or (self.weights < -1e-12).any():
            raise ValueError("entropy weights must be non-negative and sum to one")

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame({"entropy": self.entropy, "divergence": 1 - self.entropy,
                             "weight": self.weights})


def entropy_weights(Z: pd.DataFrame) -> EntropyResult:
    r"""Entropy weights of non-negative standardised indicators (Shannon entropy method).

    :math:`p_{ij} = z_{ij}/\sum_i z_{ij}`, :math:`e_j = -\frac{1}{\ln m}\sum_i p_{ij}\ln p_{ij}`
    with :math:`0\ln 0 = 0`, :math:`w_j = (1-e_j)/\sum_k (1-e_k)`; m = number of rows.
    """
    _check_matrix(Z)
    if (Z < 0).any().any():
        raise ValueError("entropy weights need non-negative standardised values")
    colsum = Z.sum()
    if (colsum <= 0).any():
        raise ValueError(f"indicator(s) {colsum.index[colsum <= 0].tolist()} sum to zero")
    P = Z / colsum
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(P > 0, P * np.log(P), 0.0)
    e = pd.Series(-plogp.sum(axis=0) / np.log(len(Z)), index=Z.columns)
    d = 1 - e
    if d.sum() <= 0:
        raise ValueError("all indicators have maximal entropy; weights are undefined")
    return EntropyResult(entropy=e, weights=d / d.sum())


@dataclass(frozen=True)
class IndexResult:
    """Composite index, sub-indices by dimension and the weights that made them."""

    index: pd.Series
    subindices: pd.DataFrame
    weights: pd.Series
    dimension_weights: pd.Series

    def __post_init__(self) -> None:
        if not np.allclose(self.subindices.sum(axis=1), self.index):
            raise ValueError("sub-indices must add up to the composite index")


def composite_index(X: pd.DataFrame, directions: Mapping[str, int], dimensions: Mapping[str, str], *,
                    weighting: Literal["entropy", "equal", "pca"] = "entropy",
                    shift: float = 1e-4) -> IndexResult:
    r"""Index :math:`H_i = \sum_j w_j z_{ij}`; sub-index of dimension D is :math:`\sum_{j\in D} w_j z_{ij}`.

    Standardisation is min-max with directions over the pooled city-years (so that levels are
    comparable over time); weights are entropy (default), equal, or first-principal-component
    (:func:`pca_weights`).
    """
    Z = standardise(X, directions, method="minmax", shift=shift)
    if weighting == "entropy":
        w = entropy_weights(Z).weights
    elif weighting == "equal":
        w = pd.Series(1 / Z.shape[1], index=Z.columns)
    elif weighting == "pca":
        w = pca_weights(Z)
    else:
        raise ValueError(f"weighting must be 'entropy', 'equal' or 'pca', got {weighting!r}")
    dims = pd.Series({c: dimensions[c] for c in Z.columns})
    sub = (Z * w).T.groupby(dims).sum().T
    return IndexResult(index=(Z * w).sum(axis=1), subindices=sub, weights=w,
                       dimension_weights=w.groupby(dims).sum())


def topsis(X: pd.DataFrame, weights, directions: Mapping[str, int], *,
           normalisation: Literal["vector", "minmax"] = "vector") -> pd.Series:
    r"""TOPSIS closeness :math:`C_i = D_i^-/(D_i^+ + D_i^-)` (Hwang and Yoon 1981).

    Vector normalisation :math:`r_{ij} = x_{ij}/\sqrt{\sum_i x_{ij}^2}`, weighted by ``weights``;
    the ideal takes the max of benefit (+1) and the min of cost (-1) criteria.
    """
    _check_matrix(X)
    w = pd.Series(weights, index=X.columns, dtype=float)
    if normalisation == "vector":
        R = X / np.sqrt((X ** 2).sum())
    else:
        R = standardise(X, {c: 1 for c in X.columns}, shift=0.0)
    V = R * w
    sign = pd.Series(directions)[X.columns]
    best = np.where(sign > 0, V.max(), V.min())
    worst = np.where(sign > 0, V.min(), V.max())
    d_plus = np.sqrt(((V - best) ** 2).sum(axis=1))
    d_minus = np.sqrt(((V - worst) ** 2).sum(axis=1))
    return d_minus / (d_plus + d_minus)


def pca_weights(Z: pd.DataFrame) -> pd.Series:
    r"""Weights from the first principal component of the standardised indicators.

    The indicators are z-scored, the first eigenvector :math:`v_1` of their correlation matrix is taken
    and the weights are :math:`|v_{1j}|/\sum_k |v_{1k}|` (a common robustness alternative to entropy
    weights; signs are dropped because directions are already applied in the standardisation).
    """
    _check_matrix(Z)
    C = np.corrcoef(Z.to_numpy(float), rowvar=False)
    vals, vecs = np.linalg.eigh(C)
    v = np.abs(vecs[:, np.argmax(vals)])
    return pd.Series(v / v.sum(), index=Z.columns)
