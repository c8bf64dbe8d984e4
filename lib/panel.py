r"""Two-way fixed-effects panel regression with a named clustered-SE convention, and the Hausman test.

Model: :math:`y_{it} = \alpha_i + \lambda_t + x_{it}'\beta + \varepsilon_{it}`. Coefficients come
from linearmodels ``PanelOLS`` and are cross-checked against the Frisch-Waugh-Lovell projection on
the dummies. Clustered standard errors follow the Stata/plm ``"sss"`` convention
:math:`V = \frac{G}{G-1}\frac{N-1}{N-K}(\tilde X'\tilde X)^{-1}\big(\sum_g \tilde X_g'e_g e_g'\tilde X_g\big)(\tilde X'\tilde X)^{-1}`
with K the number of slope coefficients, and p-values from t(G-1) (Cameron and Miller 2015).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd
from scipy import stats


class SpecificationError(ValueError):
    """A regression that cannot be estimated as specified."""


@dataclass(frozen=True)
class RegResult:
    """What a table, a glue call or a test needs from one regression."""

    model: str
    depvar: str
    params: pd.Series
    se: pd.Series
    pvalues: pd.Series
    nobs: int
    n_clusters: int | None
    stats: Mapping[str, float]
    fe: Mapping[str, bool]
    cov_type: str
    source: str
    resid: pd.Series = field(repr=False, default=None)

    def __post_init__(self) -> None:
        if not (self.params.index.equals(self.se.index) and self.params.index.equals(self.pvalues.index)):
            raise ValueError("params, se and pvalues must share one index")

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame({"coef": self.params, "se": self.se, "p": self.pvalues})


def cluster_covariance(X: np.ndarray, e: np.ndarray, groups) -> tuple[np.ndarray, int]:
    r"""Cluster-robust covariance with the Stata/plm ``"sss"`` factor, the project's one convention.

    :math:`V = \frac{G}{G-1}\frac{N-1}{N-K}(X'X)^{-1}\sum_g X_g'e_g e_g'X_g (X'X)^{-1}` for the
    (within-transformed) regressors X with K columns. Returns (V, G); use t(G-1) critical values.
    """
    groups = np.asarray(groups)
    n, k = X.shape
    labels, codes = np.unique(groups, return_inverse=True)
    G = len(labels)
    if G < 2:
        raise SpecificationError("clustered standard errors need at least two clusters")
    scores = np.zeros((G, k))
    np.add.at(scores, codes, X * e[:, None])
    bread = np.linalg.inv(X.T @ X)
    return G / (G - 1) * (n - 1) / (n - k) * bread @ (scores.T @ scores) @ bread, G


def _dummies(idx: pd.MultiIndex, entity: bool, time: bool) -> np.ndarray:
    cols = [np.ones(len(idx))]
    if entity:
        cols.append(pd.get_dummies(idx.get_level_values(0), drop_first=True).to_numpy(float).T)
    if time:
        cols.append(pd.get_dummies(idx.get_level_values(1), drop_first=True).to_numpy(float).T)
    return np.column_stack([np.atleast_2d(c).T if c.ndim == 1 else c.T for c in cols])


def _residualise(M: np.ndarray, D: np.ndarray) -> np.ndarray:
    coef, *_ = np.linalg.lstsq(D, M, rcond=None)
    return M - D @ coef


def fit_fe(df: pd.DataFrame, y: str, x: list[str], *, entity: str = "city_code", time: str = "year",
           entity_effects: bool = True, time_effects: bool = True,
           cluster: str | None = "entity") -> RegResult:
    """Fit the fixed-effects regression of ``y`` on ``x``; see the module docstring for the estimator."""
    from linearmodels import PanelOLS

    cols = [y, *x]
    absent = [c for c in cols + [entity, time] if c not in df.columns]
    if absent:
        raise SpecificationError(f"variables not in the data: {absent}")
    non_numeric = [c for c in cols if not pd.api.types.is_numeric_dtype(df[c])]
    if non_numeric:
        raise SpecificationError(f"variables {non_numeric} are not numeric")
    infinite = [c for c in cols if np.isinf(df[c].to_numpy(dtype=float)).any()]
    if infinite:
        raise SpecificationError(f"variables {infinite} contain infinite values")
    na = df[cols].isna().any(axis=1)
    if na.any():
        first = df.index[na][0]
        bad = [c for c in cols if pd.isna(df.at[first, c])]
        where = f"{entity}={df.at[first, entity]}, {time}={df.at[first, time]}"
        raise SpecificationError(f"missing values in {bad} (first at {where}); "
                                 "drop those rows explicitly or choose another window")
    d = df.set_index([entity, time]).sort_index()
    D = _dummies(d.index, entity_effects, time_effects)
    Xt = _residualise(d[x].to_numpy(float), D)
    yt = _residualise(d[[y]].to_numpy(float), D)[:, 0]
    scale = d[x].to_numpy(float).std(axis=0) + 1e-300
    absorbed = [c for c, s, s0 in zip(x, Xt.std(axis=0), scale) if s < 1e-10 * max(s0, 1.0)]
    if absorbed:
        raise SpecificationError(f"regressor(s) {absorbed} are absorbed by the fixed effects "
                                 "(time-invariant within city or constant within year)")
    if np.linalg.matrix_rank(Xt) < len(x):
        raise SpecificationError(f"regressors {x} are collinear after removing the fixed effects")
    res = PanelOLS(d[y], d[x], entity_effects=entity_effects, time_effects=time_effects).fit(
        cov_type="unadjusted")
    beta = res.params.to_numpy()
    own = np.linalg.lstsq(Xt, yt, rcond=None)[0]
    if not np.allclose(beta, own, rtol=1e-7, atol=1e-10):
        raise RuntimeError("linearmodels and the FWL projection disagree; refusing to report")
    e = yt - Xt @ beta
    n, k = Xt.shape
    if cluster == "entity":
        V, G = cluster_covariance(Xt, e, d.index.get_level_values(0))
        dof, cov_type = G - 1, f"clustered by {entity} (Stata/plm sss factor G/(G-1)·(N-1)/(N-K)), t({G - 1})"
        n_clusters = G
    elif cluster is None:
        V, dof = res.cov.to_numpy(), res.df_resid
        cov_type, n_clusters = f"conventional (homoskedastic), t({dof})", None
    else:
        raise SpecificationError(f"cluster must be 'entity' or None, got {cluster!r}")
    se = np.sqrt(np.diag(V))
    tstat = beta / se
    p = 2 * stats.t.sf(np.abs(tstat), dof)
    r2w = 1 - (e @ e) / (yt @ yt)
    fe = {"city": entity_effects, "year": time_effects}
    return RegResult(model="FE (" + ", ".join(k for k, v in fe.items() if v) + ")", depvar=y,
                     params=pd.Series(beta, index=x), se=pd.Series(se, index=x),
                     pvalues=pd.Series(p, index=x), nobs=n, n_clusters=n_clusters,
                     stats={"r2_within": float(r2w), "dof": float(dof)}, fe=fe, cov_type=cov_type,
                     source="linearmodels PanelOLS (coefficients); lib.panel (covariance)",
                     resid=pd.Series(e, index=d.index))


@dataclass(frozen=True)
class HausmanResult:
    chi2: float
    df: int
    pvalue: float


def hausman(df: pd.DataFrame, y: str, x: list[str], *, entity: str, time: str) -> HausmanResult:
    r"""Hausman (1978) test of FE against Swamy-Arora random effects, conventional covariances:
    :math:`H = (b_{FE}-b_{RE})'[V_{FE}-V_{RE}]^{-1}(b_{FE}-b_{RE}) \sim \chi^2_K`."""
    from linearmodels import PanelOLS, RandomEffects

    d = df.set_index([entity, time]).sort_index()
    fe = PanelOLS(d[y], d[x], entity_effects=True).fit(cov_type="unadjusted")
    re = RandomEffects(d[y], d[x].assign(const=1.0)).fit(cov_type="unadjusted")
    b = (fe.params - re.params[x]).to_numpy()
    V = fe.cov.loc[x, x].to_numpy() - re.cov.loc[x, x].to_numpy()
    chi2 = float(b @ np.linalg.pinv(V) @ b)
    return HausmanResult(chi2, len(x), float(stats.chi2.sf(chi2, len(x))))
