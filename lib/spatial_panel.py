r"""Spatial lag (SAR), spatial error (SEM) and spatial Durbin (SDM) panel models with fixed effects.

Model (balanced panel, N units, T periods, W row-standardised):

.. math:: y_t = \rho W y_t + X_t\beta + W X_t\theta + \mu + \alpha_t\iota_N + u_t,
          \qquad u_t = \lambda W u_t + \varepsilon_t,\quad \varepsilon_t \sim N(0,\sigma^2 I_N)

(SAR: :math:`\theta=0,\lambda=0`; SDM: :math:`\lambda=0`; SEM: :math:`\rho=0,\theta=0`).
Estimated by concentrated maximum likelihood with the exact log-determinant
:math:`\ln|I-\rho W| = \sum_i \ln|1-\rho\omega_i|` from the eigenvalues :math:`\omega_i` of W.

*Direct approach* (``bias_correction=False``; Elhorst 2003, *International Regional Science Review*
26(3):244-268): fixed effects are concentrated out by demeaning y, Wy, X and WX, which is exactly
ML with unit and period dummies; the log-likelihood counts NT observations and T log-determinants.

*Lee-Yu transformation approach* (``bias_correction=True``; Lee and Yu 2010, *Journal of
Econometrics* 154(2):165-185): the data are projected on orthonormal complements of the unit and
(with time effects) period constants, leaving N*(T-1) [entity], (N-1)*T [time] or (N-1)*(T-1)
[two-way] observations, :math:`(T-1)\,[\ln|I-\rho W| - \ln(1-\rho)]` in the two-way case and
:math:`W^* = F_N' W F_N`. This removes the O(1/T) bias of :math:`\hat\sigma^2` and, with time
effects, the O(1/N) bias of all estimates that Lee and Yu derive for the direct approach
(the analytical correction of that paper is asymptotically equivalent). With entity effects only,
:math:`\hat\beta,\hat\rho` are unchanged and :math:`\hat\sigma^2` is scaled by T/(T-1).

Standard errors come from the analytic information matrix (Lee and Yu 2010, eq. for
:math:`\Sigma_\theta`; Elhorst's ``sar_panel_FE``). Effects follow LeSage and Pace (2009,
*Introduction to Spatial Econometrics*, CRC Press) in :func:`spatial_effects` and
:func:`simulate_effects`. Rows are reordered explicitly by (time, unit) with the unit order of
the weights, so any input row order gives the same fit.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from scipy.linalg import null_space
from scipy.optimize import minimize_scalar

from lib.spatial_weights import SpatialInputError, SpatialWeights

MODELS = ("ols", "sar", "sem", "sdm")
FIXED_EFFECTS = ("none", "entity", "time", "twoways")


@dataclass(frozen=True, eq=False)
class PanelArrays:
    """Balanced panel as arrays ordered (period, unit): ``y`` is (T, N), ``x`` is (T, N, k)."""

    ids: tuple
    periods: tuple
    y: np.ndarray
    x: np.ndarray
    y_name: str
    x_names: tuple


def panel_arrays(data: pd.DataFrame, w: SpatialWeights, *, unit: str, time: str, y: str,
                 x: Sequence[str]) -> PanelArrays:
    """Check and reshape long panel data to arrays with units in ``w.ids`` order.

    Raises :class:`SpatialInputError` for missing columns or values (naming variable and
    unit/period), units absent from or unknown to the weights, duplicated (unit, time) rows
    and unbalanced panels.
    """
    cols = [unit, time, y, *x]
    absent = [c for c in cols if c not in data.columns]
    if absent:
        raise SpatialInputError(f"data: missing columns {absent}")
    for c in [y, *x]:
        bad = data[data[c].isna() | ~np.isfinite(pd.to_numeric(data[c], errors="coerce"))]
        if len(bad):
            cells = list(zip(bad[unit], bad[time]))[:3]
            raise SpatialInputError(f"{c}: {len(bad)} missing or non-numeric values, e.g. (unit, "
                                    f"time) {cells}; impute or drop explicitly before fitting")
    units = set(data[unit])
    missing = [u for u in w.ids if u not in units]
    extra = sorted({u for u in units if u not in set(w.ids)}, key=str)
    if missing or extra:
        raise SpatialInputError(f"{unit}: units differ from the weights; absent from data "
                                f"{missing[:5]}, not in weights {extra[:5]}")
    dup = data.duplicated([unit, time])
    if dup.any():
        raise SpatialInputError(f"data: duplicated ({unit}, {time}) rows, e.g. "
                                f"{list(zip(data[unit][dup], data[time][dup]))[:3]}")
    periods = tuple(sorted(set(data[time])))
    if len(data) != len(periods) * w.n:
        full = pd.MultiIndex.from_product([w.ids, periods])
        gaps = full.difference(pd.MultiIndex.from_arrays([data[unit], data[time]]))
        raise SpatialInputError(f"data: unbalanced panel, {len(gaps)} missing (unit, time) cells, "
                                f"e.g. {list(gaps[:3])}; spatial panel ML needs a balanced panel")

    def wide(var: str) -> np.ndarray:
        tab = data.pivot(index=time, columns=unit, values=var).reindex(index=list(periods),
                                                                       columns=list(w.ids))
        w.check_aligned(list(tab.columns), what=f"{var} columns")
        return tab.to_numpy(dtype=float)

    xs = np.stack([wide(c) for c in x], axis=-1) if x else np.empty((len(periods), w.n, 0))
    return PanelArrays(w.ids, periods, wide(y), xs, y, tuple(x))


def panel_wide(data: pd.DataFrame, w: SpatialWeights, *, unit: str, time: str,
               variable: str) -> pd.DataFrame:
    """A periods x units table of ``variable``, columns in ``w.ids`` order (for Moran by year)."""
    arr = panel_arrays(data, w, unit=unit, time=time, y=variable, x=[])
    return pd.DataFrame(arr.y, index=pd.Index(arr.periods, name=time),
                        columns=pd.Index(arr.ids, name=unit))


def _demean(a: np.ndarray, fe: str) -> np.ndarray:
    if fe in ("entity", "twoways"):
        a = a - a.mean(axis=0, keepdims=True)
    if fe in ("time", "twoways"):
        a = a - a.mean(axis=1, keepdims=True)
    return a


@dataclass(frozen=True, eq=False)
class _Space:
    """Where the likelihood lives: ``wm`` acts on per-period vectors of length m."""

    wm: np.ndarray
    eigs: np.ndarray
    t_eff: int
    centre: bool

    def lag(self, a: np.ndarray) -> np.ndarray:
        out = np.einsum("ij,tj...->ti...", self.wm, a)
        return out - out.mean(axis=1, keepdims=True) if self.centre else out

    def logdet(self, r: float) -> float:
        return float(np.log(np.abs(1.0 - r * self.eigs)).sum())


def _maximise(f, lo: float, hi: float) -> float:
    """Grid search (200 points) then bounded Brent refinement around the best grid point."""
    grid = np.linspace(lo, hi, 202)[1:-1]
    k = int(np.nanargmax([f(g) for g in grid]))
    a, b = (lo if k == 0 else grid[k - 1]), (hi if k == len(grid) - 1 else grid[k + 1])
    return float(minimize_scalar(lambda r: -f(r), bounds=(a, b), method="bounded",
                                 options={"xatol": 1e-12}).x)


def _info_lag(z, beta, r, s2, sp: _Space, n_eff):
    m = sp.wm.shape[0]
    g = sp.wm @ np.linalg.inv(np.eye(m) - r * sp.wm)
    zb = z @ beta
    gzb = np.einsum("ij,tj->ti", g, zb)
    k = z.shape[-1]
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = np.einsum("tik,til->kl", z, z) / s2
    info[:k, k] = info[k, :k] = np.einsum("tik,ti->k", z, gzb) / s2
    info[k, k] = (gzb**2).sum() / s2 + sp.t_eff * (np.trace(g @ g) + np.trace(g.T @ g))
    info[k, k + 1] = info[k + 1, k] = sp.t_eff * np.trace(g) / s2
    info[k + 1, k + 1] = n_eff / (2 * s2**2)
    return info


def _fit_lag(y, wy, z, sp: _Space, n_eff, bounds):
    r"""SAR/SDM: maximise :math:`-\tfrac{n}{2}\ln[(e_0-\rho e_d)'(e_0-\rho e_d)]
    + T\ln|I-\rho W|`, with :math:`e_0, e_d` the residuals of y and Wy on Z (Anselin 1988)."""
    flat = z.reshape(-1, z.shape[-1])
    b0 = np.linalg.lstsq(flat, y.ravel(), rcond=None)[0]
    bd = np.linalg.lstsq(flat, wy.ravel(), rcond=None)[0]
    e0, ed = y.ravel() - flat @ b0, wy.ravel() - flat @ bd
    q00, q0d, qdd = e0 @ e0, e0 @ ed, ed @ ed

    def conc(r):
        return -0.5 * n_eff * np.log(q00 - 2 * r * q0d + r * r * qdd) + sp.t_eff * sp.logdet(r)

    r = _maximise(conc, *bounds)
    beta, s2 = b0 - r * bd, (q00 - 2 * r * q0d + r * r * qdd) / n_eff
    resid = (e0 - r * ed).reshape(y.shape)
    return beta, r, s2, np.linalg.inv(_info_lag(z, beta, r, s2, sp, n_eff)), resid


def _fit_error(y, z, sp: _Space, n_eff, bounds):
    r"""SEM: maximise :math:`-\tfrac{n}{2}\ln[e(\lambda)'e(\lambda)] + T\ln|I-\lambda W|`,
    :math:`e(\lambda)` the residual of :math:`(I-\lambda W)y` on :math:`(I-\lambda W)Z`."""
    ly, lz = sp.lag(y), sp.lag(z)

    def gls(lam):
        ys, zs = (y - lam * ly).ravel(), (z - lam * lz).reshape(-1, z.shape[-1])
        b = np.linalg.lstsq(zs, ys, rcond=None)[0]
        e = ys - zs @ b
        return b, e, zs

    def conc(lam):
        e = gls(lam)[1]
        return -0.5 * n_eff * np.log(e @ e) + sp.t_eff * sp.logdet(lam)

    lam = _maximise(conc, *bounds)
    beta, e, zs = gls(lam)
    s2 = e @ e / n_eff
    m, k = sp.wm.shape[0], z.shape[-1]
    h = sp.wm @ np.linalg.inv(np.eye(m) - lam * sp.wm)
    info = np.zeros((k + 2, k + 2))
    info[:k, :k] = zs.T @ zs / s2
    info[k, k] = sp.t_eff * (np.trace(h @ h) + np.trace(h.T @ h))
    info[k, k + 1] = info[k + 1, k] = sp.t_eff * np.trace(h) / s2
    info[k + 1, k + 1] = n_eff / (2 * s2**2)
    return beta, lam, s2, np.linalg.inv(info), e.reshape(y.shape)


def _fit_ols(y, z, n_eff):
    flat = z.reshape(-1, z.shape[-1])
    beta = np.linalg.lstsq(flat, y.ravel(), rcond=None)[0]
    e = y.ravel() - flat @ beta
    s2 = e @ e / n_eff
    k = flat.shape[1]
    cov = np.zeros((k + 1, k + 1))
    cov[:k, :k] = s2 * np.linalg.inv(flat.T @ flat)
    cov[k, k] = 2 * s2**2 / n_eff
    return beta, s2, cov, e.reshape(y.shape)


@dataclass(frozen=True, eq=False)
class SpatialPanelResult:
    """Estimates, covariance (inverse information) and log-likelihood of a spatial panel fit.

    ``params`` holds ``const`` (no fixed effects only), the slopes of ``x_names``, their Durbin
    terms ``W*x`` (SDM), then ``rho`` (SAR/SDM) or ``lambda`` (SEM), then ``sigma2``.
    ``residuals`` (periods x units, of the demeaned model) is None when the Lee-Yu
    transformation with time effects moves the data off the unit space.
    """

    model: str
    fixed_effects: str
    bias_correction: bool
    params: pd.Series
    cov: pd.DataFrame
    loglik: float
    n_units: int
    n_periods: int
    n_eff: int
    weights: SpatialWeights
    x_names: tuple
    residuals: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        if list(self.cov.index) != list(self.params.index) or list(self.cov.columns) != list(
                self.params.index):
            raise ValueError("cov must be indexed like params")
        c = self.cov.to_numpy()
        if not np.allclose(c, c.T, rtol=1e-8, atol=1e-14) or (np.diag(c) <= 0).any():
            raise ValueError("cov must be symmetric with a positive diagonal")
        if self.params["sigma2"] <= 0:
            raise ValueError("sigma2 must be positive")

    @property
    def spatial_name(self) -> str | None:
        return {"sar": "rho", "sdm": "rho", "sem": "lambda"}.get(self.model)

    def tidy(self) -> pd.DataFrame:
        """Estimate, standard error, z and two-sided normal p-value per parameter."""
        se = np.sqrt(np.diag(self.cov.to_numpy()))
        out = pd.DataFrame({"estimate": self.params, "std_error": se}, index=self.params.index)
        out["z"] = out["estimate"] / out["std_error"]
        out["p_value"] = 2 * stats.norm.sf(out["z"].abs())
        return out

    def effects(self, *, seed, draws: int = 1000, alpha: float = 0.05) -> EffectsResult:
        """LeSage-Pace direct/indirect/total effects with simulation inference (SAR/SDM only)."""
        if self.model not in ("sar", "sdm"):
            raise ValueError(f"effects: defined for 'sar' and 'sdm', not {self.model!r} (an SEM "
                             "or OLS slope is its own direct effect, with no spillover)")
        thetas = [f"W*{x}" for x in self.x_names] if self.model == "sdm" else []
        return simulate_effects(self.params, self.cov, self.weights, x_names=self.x_names,
                                theta_names=thetas, draws=draws, seed=seed, alpha=alpha)


def fit_spatial_panel(data: pd.DataFrame, w: SpatialWeights, *, y: str, x: Sequence[str],
                      unit: str, time: str, model: str = "sar", fixed_effects: str = "twoways",
                      bias_correction: bool = False,
                      wy_after_demeaning: bool = False) -> SpatialPanelResult:
    r"""Fit a SAR, SEM, SDM (or non-spatial ``"ols"``) panel model by concentrated ML.

    Parameters
    ----------
    data : long data frame, one row per (unit, time), any row order.
    w : row-standardised weights; its id order defines the unit order.
    model : ``"sar"``, ``"sem"``, ``"sdm"`` or ``"ols"`` (the same fixed effects, no spatial terms).
    fixed_effects : ``"none"`` (adds an intercept), ``"entity"``, ``"time"`` or ``"twoways"``.
    bias_correction : Lee-Yu (2010) transformation approach instead of the direct approach.
    wy_after_demeaning : lag the already-demeaned y (R package SDPDmod's order of operations)
        instead of demeaning the lag. With time effects this is *not* the ML estimator of the model
        (:math:`W\ddot y_t` keeps a per-period constant that the period effects would absorb);
        offered only to reproduce that software. Identical to the default without time effects.
    """
    if model not in MODELS or fixed_effects not in FIXED_EFFECTS:
        raise ValueError(f"model must be one of {MODELS}, fixed_effects one of {FIXED_EFFECTS}")
    if not np.allclose(w.matrix.sum(axis=1), 1.0, atol=1e-10):
        raise SpatialInputError("w: spatial panel models here need row-standardised weights")
    if wy_after_demeaning and bias_correction:
        raise ValueError("wy_after_demeaning reproduces the SDPDmod direct approach only")
    arr = panel_arrays(data, w, unit=unit, time=time, y=y, x=list(x))
    t, n = arr.y.shape
    entity, period = fixed_effects in ("entity", "twoways"), fixed_effects in ("time", "twoways")
    if (entity and t < 2) or (period and n < 3):
        raise SpatialInputError(f"data: {t} periods / {n} units are too few for {fixed_effects} FE")
    names = list(arr.x_names)
    z = arr.x
    if model == "sdm":
        z = np.concatenate([z, np.einsum("ij,tjk->tik", w.matrix, z)], axis=-1)
        names += [f"W*{c}" for c in arr.x_names]
    if fixed_effects == "none":
        z = np.concatenate([np.ones((t, n, 1)), z], axis=-1)
        names = ["const", *names]
    if z.shape[-1] == 0:
        raise SpatialInputError("x: at least one regressor is needed")
    yd, zd = _demean(arr.y, fixed_effects), _demean(z, fixed_effects)
    eig_w = w.eigenvalues()
    bounds = (1.0 / eig_w[0] + 1e-9, 1.0 / eig_w[-1] - 1e-9)
    basis = None
    if bias_correction and period:
        basis = null_space(np.ones((1, n)))          # F_N: orthonormal complement of iota
        wm = basis.T @ w.matrix @ basis             # W* = F' W F
        yd, zd = yd @ basis, np.einsum("ji,tjk->tik", basis, zd)
        eigs = np.delete(eig_w, np.argmin(np.abs(eig_w - 1.0)))   # spectrum of W* = W minus 1
        sp = _Space(wm, eigs, t - 1 if entity else t, centre=False)
    else:
        t_eff = t - 1 if (bias_correction and entity) else t
        sp = _Space(w.matrix, eig_w, t_eff, centre=period)
    n_eff = sp.wm.shape[0] * sp.t_eff
    if model in ("sar", "sdm"):
        wy = np.einsum("ij,tj->ti", w.matrix, yd) if wy_after_demeaning else sp.lag(yd)
        beta, r, s2, cov, resid = _fit_lag(yd, wy, zd, sp, n_eff, bounds)
        names += ["rho"]
    elif model == "sem":
        beta, r, s2, cov, resid = _fit_error(yd, zd, sp, n_eff, bounds)
        names += ["lambda"]
    else:
        (beta, s2, cov, resid), r = _fit_ols(yd, zd, n_eff), 0.0
    names += ["sigma2"]
    values = np.r_[beta, r, s2] if model != "ols" else np.r_[beta, s2]
    loglik = -0.5 * n_eff * (np.log(2 * np.pi * s2) + 1) + sp.t_eff * sp.logdet(r)
    params = pd.Series(values, index=names, name="estimate")
    res = None if basis is not None else pd.DataFrame(resid, index=list(arr.periods),
                                                      columns=list(arr.ids))
    return SpatialPanelResult(model, fixed_effects, bias_correction, params,
                              pd.DataFrame(cov, index=names, columns=names), float(loglik), n, t,
                              n_eff, w, arr.x_names, res)


def fit_spatial_cross_section(data: pd.DataFrame, w: SpatialWeights, *, y: str, x: Sequence[str],
                              unit: str, model: str = "sar") -> SpatialPanelResult:
    """Cross-section SAR/SEM/SDM/OLS with an intercept: the panel core with T = 1, no effects."""
    one = data.assign(_period=0)
    return fit_spatial_panel(one, w, y=y, x=x, unit=unit, time="_period", model=model,
                             fixed_effects="none")


def spatial_effects(rho: float, beta, theta, w: SpatialWeights) -> np.ndarray:
    r"""Direct, indirect and total effects (LeSage and Pace 2009) per regressor.

    With :math:`S_k = (I-\rho W)^{-1}(\beta_k I + \theta_k W)`: direct
    :math:`= \mathrm{tr}(S_k)/N` (average diagonal), total :math:`= \iota'S_k\iota/N` (average row
    sum), indirect = total - direct. Returns an array (k, 3) of (direct, indirect, total).
    """
    beta = np.atleast_1d(np.asarray(beta, dtype=float))
    theta = np.zeros_like(beta) if theta is None else np.atleast_1d(np.asarray(theta, float))
    a = np.linalg.inv(np.eye(w.n) - rho * w.matrix)
    aw = a @ w.matrix
    direct = (beta * np.trace(a) + theta * np.trace(aw)) / w.n
    total = (beta * a.sum() + theta * aw.sum()) / w.n
    return np.column_stack([direct, total - direct, total])


@dataclass(frozen=True, eq=False)
class EffectsResult:
    """Effects table (estimate at the ML point, simulated mean, SE, z = mean/SE, p, percentile CI)
    and the simulated draws, shape (draws, k, 3) for (direct, indirect, total)."""

    table: pd.DataFrame
    draws: np.ndarray
    alpha: float

    def __post_init__(self) -> None:
        est = self.table["estimate"].unstack()
        if not np.allclose(est["total"], est["direct"] + est["indirect"], rtol=1e-10, atol=1e-12):
            raise ValueError("total effect must equal direct + indirect")
        d = self.draws
        if not np.allclose(d[..., 2], d[..., 0] + d[..., 1], rtol=1e-10, atol=1e-12):
            raise ValueError("simulated total effects must equal direct + indirect")

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()


def simulate_effects(params: pd.Series, cov: pd.DataFrame, w: SpatialWeights, *,
                     x_names: Sequence[str], seed, theta_names: Sequence[str] = (),
                     draws: int = 1000, alpha: float = 0.05) -> EffectsResult:
    r"""Effects at the estimates plus inference from ``draws`` parameter vectors drawn from
    :math:`N(\hat\theta, \hat V)` (LeSage and Pace 2009).

    Draws with :math:`\rho` outside :math:`(1/\omega_{min}, 1/\omega_{max})` are redrawn.
    Reported per regressor and effect: ``estimate`` (at :math:`\hat\theta`), ``sim_mean``,
    ``std_error`` (s.d. of draws), ``z = sim_mean / std_error`` (simulated mean over simulated
    s.d.) with a two-sided normal p-value, and percentile bounds ``ci_lower``/``ci_upper`` at
    level 1 - ``alpha``. ``seed``: int, SeedSequence or Generator.
    """
    if draws < 2:
        raise ValueError(f"draws: expected at least 2, got {draws}")
    if seed is None:
        raise ValueError("seed: pass an int, SeedSequence or Generator for reproducible draws")
    keys = [*x_names, *theta_names, "rho"]
    mean, v = params[keys].to_numpy(float), cov.loc[keys, keys].to_numpy(float)
    k, eig = len(x_names), w.eigenvalues()
    lo, hi = 1.0 / eig[0], 1.0 / eig[-1]
    rng = np.random.default_rng(seed)
    kept = np.empty((0, len(keys)))
    for _ in range(50):
        new = rng.multivariate_normal(mean, v, size=draws, method="eigh")
        kept = np.vstack([kept, new[(new[:, -1] > lo) & (new[:, -1] < hi)]])
        if len(kept) >= draws:
            break
    else:
        raise ValueError("effects: almost no draws of rho fall inside the stationary interval")
    kept = kept[:draws]

    def split(p):
        return p[-1], p[:k], (p[k:2 * k] if theta_names else None)

    point = spatial_effects(*split(mean), w)
    sims = np.stack([spatial_effects(*split(p), w) for p in kept])
    q = np.quantile(sims, [alpha / 2, 1 - alpha / 2], axis=0)
    rows = []
    for j, name in enumerate(x_names):
        for e, kind in enumerate(("direct", "indirect", "total")):
            s = sims[:, j, e]
            sd = s.std(ddof=1)
            rows.append({"variable": name, "effect": kind, "estimate": point[j, e],
                         "sim_mean": s.mean(), "std_error": sd, "z": s.mean() / sd,
                         "p_value": 2 * stats.norm.sf(abs(s.mean() / sd)),
                         "ci_lower": q[0, j, e], "ci_upper": q[1, j, e]})
    table = pd.DataFrame(rows).set_index(["variable", "effect"])
    return EffectsResult(table, sims, alpha)
