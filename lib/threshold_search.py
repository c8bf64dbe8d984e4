r"""Search core of the fixed-effects panel threshold model (Hansen 1999): SSR over a grid of thresholds.

For a fixed block of regressors :math:`C` (regime-independent controls :math:`z`, the regime-dependent
:math:`x` over the whole sample and :math:`x\,1(q \le \gamma_f)` for thresholds held fixed) and a
searched threshold :math:`\gamma`, the model

.. math::
    y_{it} = \mu_i + C_{it}'\theta + x_{it}'\delta\,1(q_{it} \le \gamma) + e_{it}

spans the same space as the regime-by-regime parameterisation of Hansen (1999, Journal of
Econometrics 93(2):345-368). With :math:`P` the residual maker of the entity dummies and :math:`C`
(the within transformation followed by partialling out :math:`C`) and
:math:`a(\gamma) = x \odot 1(q \le \gamma)`, least squares gives

.. math::
    S(\gamma) = y'Py - (a'Py)'(a'Pa)^{-1}(a'Py),\qquad
    a'Pa = a'a - \sum_i \frac{s_i s_i'}{T} - (a'\tilde Q)(\tilde Q'a),

where :math:`s_i(\gamma)=\sum_t x_{it}1(q_{it}\le\gamma)` and :math:`\tilde Q` is an orthonormal basis
of the within-transformed :math:`C`. Every term is a prefix sum over the observations sorted by
:math:`q`, so the whole curve costs a few cumulative sums and one batch of :math:`k\times k` solves
(:class:`FastSearcher`). :class:`NaiveSearcher` runs one least-squares fit per grid point instead
and exists only to check and time the fast path.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

_RANK_TOL = 1e-10  # relative tolerance for rank and positive-definiteness decisions


@dataclass(frozen=True)
class PanelArrays:
    """Balanced panel as arrays, rows entity-major (entity 0 periods 0..T-1, entity 1, ...)."""

    y: np.ndarray  # (n,)
    x: np.ndarray  # (n, k) regime-dependent regressors
    z: np.ndarray  # (n, p) regime-independent regressors
    q: np.ndarray  # (n,) threshold variable
    n_entities: int
    n_periods: int
    entity_effects: bool = True

    @property
    def nobs(self) -> int:
        return int(self.y.shape[0])

    @property
    def n_eff(self) -> int:
        """Degrees of freedom of Hansen's variance estimate: N(T-1) with entity effects, NT without."""
        return self.n_entities * (self.n_periods - 1) if self.entity_effects else self.nobs

    def within(self, a: np.ndarray) -> np.ndarray:
        """Subtract entity means (identity without entity effects); works on (n,) or (n, m)."""
        a = np.asarray(a, dtype=float)
        if not self.entity_effects:
            return a.copy()
        b = a.reshape(self.n_entities, self.n_periods, -1)
        return (b - b.mean(axis=1, keepdims=True)).reshape(a.shape)

    def indicator(self, gamma: float) -> np.ndarray:
        """Regime-dependent regressors switched on below the threshold, :math:`x\\,1(q\\le\\gamma)`."""
        return self.x * (self.q <= gamma)[:, None]

    def controls(self, fixed: tuple[float, ...]) -> np.ndarray:
        """The fixed block C = [z, x, x 1(q <= g_f) for each fixed g_f]."""
        return np.column_stack([self.z, self.x] + [self.indicator(g) for g in fixed])


def lr_cutoff(conf_level: float) -> float:
    r"""Critical value of Hansen's LR statistic, :math:`c(\alpha) = -2\ln(1-\sqrt{\alpha})`
    (Hansen 2000, Econometrica 68(3):575-603; 7.3523 at 95%)."""
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must lie in (0, 1), got {conf_level!r}")
    return -2.0 * math.log(1.0 - math.sqrt(conf_level))


def candidate_grid(q: np.ndarray, *, trim: float, grid: int | str) -> np.ndarray:
    """Threshold candidates: distinct values of ``q`` leaving at least ``ceil(trim * n)`` observations
    on each side; with an integer ``grid`` at most that many, taken at evenly spaced empirical
    quantiles between the trimmed ends (Stata ``xthreg`` ``grid()``), with ``"exact"`` all of them."""
    qs = np.sort(np.asarray(q, dtype=float))
    n = qs.size
    need = min_regime_obs(n, trim)
    vals, counts = np.unique(qs, return_counts=True)
    cum = np.cumsum(counts)  # number of observations with q <= value
    keep = (cum >= need) & (n - cum >= need)
    vals, cum = vals[keep], cum[keep]
    if isinstance(grid, str) or vals.size <= grid:
        return vals
    targets = np.linspace(cum[0], cum[-1], int(grid))
    return vals[np.unique(np.searchsorted(cum, targets, side="left"))]


def min_regime_obs(nobs: int, trim: float) -> int:
    """Fewest observations a regime may hold under trimming fraction ``trim`` (at least one)."""
    return max(int(math.ceil(trim * nobs - 1e-9)), 1)


def admissible(q_sorted: np.ndarray, gammas: np.ndarray, fixed: tuple[float, ...], need: int) -> np.ndarray:
    """Mask of candidates that leave at least ``need`` observations in each regime created by
    adding them to the ``fixed`` thresholds."""
    n = q_sorted.size
    cnt = np.searchsorted(q_sorted, gammas, side="right")
    bounds = np.unique(np.r_[0, np.searchsorted(q_sorted, np.asarray(fixed, float), side="right"), n])
    pos = np.clip(np.searchsorted(bounds, cnt, side="left"), 1, bounds.size - 1)
    lower, upper = bounds[pos - 1], bounds[pos]
    return (cnt - lower >= need) & (upper - cnt >= need)


class _SearcherBase:
    """Common set-up: fixed thresholds, admissible grid, orthonormal basis of the fixed block."""

    def __init__(self, data: PanelArrays, fixed: tuple[float, ...], gammas: np.ndarray, need: int):
        self.data = data
        self.fixed = tuple(float(g) for g in fixed)
        self.order = np.argsort(data.q, kind="stable")
        q_sorted = data.q[self.order]
        self.gammas = np.asarray(gammas, float)[admissible(q_sorted, np.asarray(gammas, float), self.fixed, need)]
        self.counts = np.searchsorted(q_sorted, self.gammas, side="right")
        ct = data.within(data.controls(self.fixed))
        qmat, rmat = np.linalg.qr(ct)
        diag = np.abs(np.diag(rmat))
        if diag.size and diag.min() <= _RANK_TOL * max(diag.max(), 1e-300):
            raise ValueError("the fixed regressors are collinear after the within transformation "
                             f"(fixed thresholds {self.fixed}); a regime is probably too thin")
        self.basis = qmat

    def project(self, v: np.ndarray) -> np.ndarray:
        """Residual maker P: within transformation, then partial out the fixed block."""
        r = self.data.within(v)
        return r - self.basis @ (self.basis.T @ r)

    def residuals(self, v: np.ndarray, gamma: float) -> np.ndarray:
        """Within residuals of ``v`` on the fixed block plus :math:`x\\,1(q\\le\\gamma)`."""
        r = self.project(v)
        w = self.project(self.data.indicator(gamma))
        coef, *_ = np.linalg.lstsq(w, r, rcond=None)
        return r - w @ coef


class FastSearcher(_SearcherBase):
    """SSR curve from prefix sums over q-sorted observations and batched k x k solves."""

    def __init__(self, data: PanelArrays, fixed: tuple[float, ...], gammas: np.ndarray, need: int):
        super().__init__(data, fixed, gammas, need)
        xs = data.x[self.order]
        self._xs = xs
        at = self.counts - 1
        ada = np.cumsum(self._xx_increments(xs), axis=0)[at]
        aq = np.cumsum(xs[:, :, None] * self.basis[self.order][:, None, :], axis=0)[at]
        m = ada - aq @ np.swapaxes(aq, 1, 2)
        scale = max(float(np.max(np.abs(np.diagonal(ada, axis1=1, axis2=2)), initial=0.0)), 1e-300)
        ok = np.linalg.eigvalsh(m)[:, 0] > _RANK_TOL * scale if m.size else np.zeros(0, bool)
        self.valid = ok
        self._minv = np.zeros_like(m)
        if ok.any():
            self._minv[ok] = np.linalg.inv(m[ok])

    def _xx_increments(self, xs: np.ndarray) -> np.ndarray:
        """Per-observation increments of a'Da in q order: x x' minus the change of sum_i s_i s_i'/T."""
        xx = xs[:, :, None] * xs[:, None, :]
        if not self.data.entity_effects:
            return xx
        n_ent, t = self.data.n_entities, self.data.n_periods
        ent = (self.order // t)  # entity of each q-sorted row (rows are entity-major)
        grp = np.argsort(ent, kind="stable")  # entity blocks of size T, q order inside
        blocks = xs[grp].reshape(n_ent, t, -1)
        before = (np.cumsum(blocks, axis=1) - blocks).reshape(-1, xs.shape[1])
        s_prev = np.empty_like(xs)
        s_prev[grp] = before
        cross = s_prev[:, :, None] * xs[:, None, :]
        return xx - (cross + np.swapaxes(cross, 1, 2) + xx) / t

    def curves(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """SSR without the searched term (``s0``, shape (B,)) and at every grid point ((G, B));
        ``v`` is (n,) or (n, B). Inadmissible or singular grid points are NaN."""
        v2 = v.reshape(v.shape[0], -1)
        r = self.project(v2)
        s0 = np.einsum("nb,nb->b", r, r)
        b = np.cumsum(self._xs[:, :, None] * r[self.order][:, None, :], axis=0)[self.counts - 1]
        quad = np.einsum("gkb,gkl,glb->gb", b, self._minv, b)
        ssr = s0[None, :] - quad
        ssr[~self.valid] = np.nan
        return s0, ssr


class NaiveSearcher(_SearcherBase):
    """Deliberately straightforward reference: one within least-squares fit per grid point."""

    def curves(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v2 = np.asarray(v, float).reshape(v.shape[0], -1)
        fixed = self.data.controls(self.fixed)
        s0 = np.array([_ols_ssr(self.data.within(fixed), self.data.within(col)) for col in v2.T])
        ssr = np.full((self.gammas.size, v2.shape[1]), np.nan)
        for g, gamma in enumerate(self.gammas):
            xg = self.data.within(np.column_stack([fixed, self.data.indicator(gamma)]))
            for j, col in enumerate(v2.T):
                ssr[g, j] = _ols_ssr(xg, self.data.within(col))
        return s0, ssr


def _ols_ssr(xmat: np.ndarray, yvec: np.ndarray) -> float:
    coef, _, rank, _ = np.linalg.lstsq(xmat, yvec, rcond=None)
    if rank < xmat.shape[1]:
        return float("nan")
    e = yvec - xmat @ coef
    return float(e @ e)


def panel_from_frame(df: pd.DataFrame, *, y: str, q: str, regime_x: str | Sequence[str],
                     controls: str | Sequence[str] = (), entity: str, time: str,
                     entity_effects: bool = True) -> tuple[PanelArrays, dict]:
    """Check a long panel and turn it into :class:`PanelArrays` (plus the variable names).

    Raises ``ValueError`` naming the problem: unknown or non-numeric columns, missing values,
    duplicated or missing entity-periods (unbalanced panel), a constant threshold variable, a
    regressor without within-entity variation, or collinear regressors.
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    rx, zc = _names(regime_x, "regime_x"), _names(controls, "controls")
    if not rx:
        raise ValueError("regime_x must name at least one regime-dependent regressor")
    if set(rx) & set(zc):
        raise ValueError(f"variables {sorted(set(rx) & set(zc))} are both in regime_x and in controls")
    used = list(dict.fromkeys([y, q, *rx, *zc, entity, time]))
    absent = [c for c in used if c not in df.columns]
    if absent:
        raise ValueError(f"columns {absent} are not in the data frame")
    sub = df[used]
    _check_values(sub, [c for c in used if c not in (entity, time)], entity, time)
    sub = _balanced(sub, entity, time)
    n_ent, n_per = sub[entity].nunique(), sub[time].nunique()
    if entity_effects and n_per < 2:
        raise ValueError(f"entity effects need at least two periods per entity; '{time}' has {n_per}")
    data = PanelArrays(y=sub[y].to_numpy(float), x=sub[rx].to_numpy(float),
                       z=sub[zc].to_numpy(float).reshape(len(sub), len(zc)), q=sub[q].to_numpy(float),
                       n_entities=n_ent, n_periods=n_per, entity_effects=bool(entity_effects))
    if np.unique(data.q).size < 2:
        raise ValueError(f"threshold variable '{q}' is constant")
    _check_regressors(data, rx + zc)
    return data, {"y": y, "q": q, "regime_x": rx, "controls": zc, "entity": entity, "time": time}


def _names(value: str | Sequence[str], what: str) -> list[str]:
    names = [value] if isinstance(value, str) else list(value)
    if len(set(names)) != len(names):
        raise ValueError(f"{what} lists a variable twice: {names}")
    return names


def _check_values(sub: pd.DataFrame, numeric: list[str], entity: str, time: str) -> None:
    bad = [c for c in numeric if not pd.api.types.is_numeric_dtype(sub[c])]
    if bad:
        raise ValueError(f"columns {bad} must be numeric")
    na = sub.isna().sum()
    if na.any():
        counts = {c: int(v) for c, v in na[na > 0].items()}
        raise ValueError(f"missing values in {counts} (column: count); drop or impute first")
    finite = np.isfinite(sub[numeric].to_numpy(float))
    if not finite.all():
        raise ValueError(f"non-finite values in columns {[c for c, ok in zip(numeric, finite.all(0)) if not ok]}")
    dup = sub.duplicated([entity, time])
    if dup.any():
        raise ValueError(f"duplicated entity-periods, e.g. {sub.loc[dup, [entity, time]].head(5).values.tolist()}")


def _balanced(sub: pd.DataFrame, entity: str, time: str) -> pd.DataFrame:
    ents, pers = np.sort(sub[entity].unique()), np.sort(sub[time].unique())
    if len(sub) != ents.size * pers.size:
        full = pd.MultiIndex.from_product([ents, pers], names=[entity, time])
        have = pd.MultiIndex.from_frame(sub[[entity, time]])
        gap = [tuple(v.item() if hasattr(v, "item") else v for v in pair) for pair in full.difference(have)]
        raise ValueError(f"unbalanced panel: {len(gap)} of {full.size} entity-periods are missing, e.g. "
                         f"({entity}, {time}) = {gap[:8]}; the Hansen (1999) estimator needs a balanced panel")
    return sub.sort_values([entity, time], kind="stable").reset_index(drop=True)


def _check_regressors(data: PanelArrays, names: list[str]) -> None:
    raw = np.column_stack([data.x, data.z])
    xt = data.within(raw)
    norms = np.linalg.norm(xt, axis=0)
    for name, nrm, col in zip(names, norms, raw.T):
        if nrm <= _RANK_TOL * max(np.linalg.norm(col), 1e-300) or nrm == 0.0:
            why = "no within-entity variation (constant or time-invariant; absorbed by the entity effects)" \
                if data.entity_effects else "only zeros"
            raise ValueError(f"regressor '{name}' has {why}")
    rdiag = np.abs(np.diag(np.linalg.qr(xt / norms, mode="r")))
    for j in np.flatnonzero(rdiag <= 1e-8):
        raise ValueError(f"regressor '{names[j]}' is a linear combination of {names[:j]} after the within "
                         "transformation (collinear regressors)")
