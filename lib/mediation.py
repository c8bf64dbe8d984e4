r"""Stepwise mediation analysis (X -> M -> Y) for cross-sections (OLS) and two-way FE panels.

Three equations, all with the same controls *W* and on the same sample:

.. math::
    Y = c\,X + W\gamma_1 + e_1,\qquad
    M_k = a_k X + W\gamma_{2k} + e_{2k},\qquad
    Y = c' X + \sum_k b_k M_k + W\gamma_3 + e_3,

so that :math:`c = c' + \sum_k a_k b_k` holds exactly (omitted-variable algebra of least squares;
it also holds for the two-way within estimator, which is least squares on projected data).
Panels use :func:`lib.panel.fit_fe` (linearmodels ``PanelOLS`` coefficients) with entity and time
effects and standard errors clustered by entity under the project's one convention (Stata/plm "sss"); the bootstrap re-estimates by the Frisch-Waugh-Lovell route (entity-demeaned data with
entity-demeaned year dummies), which gives the same coefficients much faster.
"""
from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import norm

from lib.seeds import fresh

_BLOCK = 250  # bootstrap replications per random stream: results do not depend on n_jobs


@dataclass(frozen=True)
class BootstrapCI:
    """Bootstrap distribution summary of the indirect effects (one row per mediator, plus
    ``"total_indirect"`` with several mediators): ``boot_se``, percentile and bias-corrected bounds."""

    n_boot: int
    level: float
    table: pd.DataFrame
    draws: np.ndarray  # (n_boot, columns of table.index)


@dataclass(frozen=True)
class MediationResult:
    """Effects of one mediation model; ``paths`` is indexed by mediator with columns ``a, a_se,
    b, b_se, indirect, sobel_se, sobel_z, sobel_p``."""

    x: str
    y: str
    mediators: tuple[str, ...]
    controls: tuple[str, ...]
    model: str  # "ols" or "twoway_fe"
    cov_type: str
    nobs: int
    total: float
    total_se: float
    direct: float
    direct_se: float
    paths: pd.DataFrame
    bootstrap: BootstrapCI | None = None

    def __post_init__(self) -> None:
        ind = float(self.paths["indirect"].sum())
        scale = max(abs(self.total), abs(self.direct), float(self.paths["indirect"].abs().sum()), 1e-12)
        if abs(self.total - self.direct - ind) > 1e-8 * scale:
            raise ArithmeticError(f"total {self.total!r} != direct {self.direct!r} + indirect {ind!r}: "
                                  "the equations were not estimated on the same sample")

    @property
    def indirect(self) -> float:
        """Total indirect effect, the sum of a_k b_k."""
        return float(self.paths["indirect"].sum())

    def tidy(self) -> pd.DataFrame:
        """Long table: ``mediator, effect, estimate, se`` (+ ``z, p`` for Sobel, bootstrap bounds)."""
        rows = [{"mediator": None, "effect": "total", "estimate": self.total, "se": self.total_se},
                {"mediator": None, "effect": "direct", "estimate": self.direct, "se": self.direct_se}]
        for m, r in self.paths.iterrows():
            rows += [{"mediator": m, "effect": "a", "estimate": r.a, "se": r.a_se},
                     {"mediator": m, "effect": "b", "estimate": r.b, "se": r.b_se},
                     {"mediator": m, "effect": "indirect", "estimate": r.indirect, "se": r.sobel_se,
                      "z": r.sobel_z, "p": r.sobel_p}]
        if len(self.mediators) > 1:
            rows.append({"mediator": "total_indirect", "effect": "indirect", "estimate": self.indirect})
        out = pd.DataFrame(rows)
        if self.bootstrap is not None:
            b = self.bootstrap.table
            is_ind = out.effect.eq("indirect")
            for col in b.columns:
                out.loc[is_ind, col] = out.loc[is_ind, "mediator"].map(b[col]).to_numpy()
        return out


# --------------------------------------------------------------------------- estimation
def _check(data: pd.DataFrame, cols: list[str], dropna: bool) -> pd.DataFrame:
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ValueError(f"data lack column(s) {missing}")
    if len(set(cols)) != len(cols):
        raise ValueError(f"x, mediators, y, controls, entity and time must be distinct columns: {cols}")
    d = data[cols]
    bad = [c for c in cols if d[c].isna().any()]
    if bad and not dropna:
        raise ValueError(f"missing values in {bad}; pass dropna=True to use complete cases only")
    return d.dropna() if bad else d


def _fit(d: pd.DataFrame, dep: str, regs: list[str], panel: bool, cov_type: str):
    """Return coefficient, standard error of each regressor."""
    if panel:
        from lib.panel import SpecificationError, fit_fe

        try:
            r = fit_fe(d.reset_index(), dep, regs, entity=d.index.names[0], time=d.index.names[1],
                       cluster="entity" if cov_type == "clustered" else None)
        except SpecificationError as exc:
            raise ValueError(f"equation for {dep}: {exc}") from exc
        return r.params, r.se
    res = sm.OLS(d[dep].astype(float), sm.add_constant(d[regs].astype(float), has_constant="add")).fit(cov_type=cov_type)
    return res.params, res.bse


def mediation(data: pd.DataFrame, *, x: str, m: str | Sequence[str], y: str, controls: Sequence[str] = (),
              entity: str | None = None, time: str | None = None, cov_type: str | None = None,
              n_boot: int = 0, level: float = 0.95, seed: int | np.random.SeedSequence | None = None,
              n_jobs: int = 1, dropna: bool = False) -> MediationResult:
    r"""Estimate total, direct and indirect effects of ``x`` on ``y`` through mediator(s) ``m``.

    Several mediators in ``m`` are estimated jointly (one outcome equation with all of them);
    use :func:`mediation_each` for one at a time. The Sobel (1982) first-order standard error of
    :math:`a_k b_k` is :math:`\sqrt{b_k^2 s_{a_k}^2 + a_k^2 s_{b_k}^2}`, with normal p-value.

    Parameters
    ----------
    data : DataFrame
        One row per unit (cross-section) or per unit-year (panel, long format).
    x, m, y : str
        Treatment, mediator(s) and outcome columns.
    controls : sequence of str
        Covariates entering all three equations.
    entity, time : str, optional
        Give both for a panel: two-way (entity and time) fixed effects via :func:`lib.panel.fit_fe`.
    cov_type : str, optional
        Default ``"nonrobust"`` (classical OLS, as Baron and Kenny and pingouin) for cross-sections,
        passed to statsmodels; ``"clustered"`` (by entity, Stata/plm "sss" factor, see
        :func:`lib.panel.cluster_covariance`) or ``"unadjusted"`` for panels.
    n_boot : int
        Bootstrap replications for the indirect effects (0 = none): resampling units for
        cross-sections, whole entities (cluster bootstrap) for panels.
    level : float
        Confidence level of the percentile and bias-corrected (Efron and Tibshirani 1993) intervals.
    seed : int or SeedSequence
        Required when ``n_boot > 0``. Replications come in blocks of 250, each with its own stream
        from ``SeedSequence(seed).spawn``, so results do not depend on ``n_jobs``.
    n_jobs : int
        Worker processes for the bootstrap.
    dropna : bool
        Use complete cases instead of raising on missing values.

    References
    ----------
    Baron, R. M., & Kenny, D. A. (1986). The moderator-mediator variable distinction in social
    psychological research. *Journal of Personality and Social Psychology*, 51(6), 1173-1182.
    Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in structural
    equation models. *Sociological Methodology*, 13, 290-312.
    Efron, B., & Tibshirani, R. J. (1993). *An Introduction to the Bootstrap*. Chapman and Hall.
    Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based improvements for
    inference with clustered errors. *Review of Economics and Statistics*, 90(3), 414-427.
    """
    meds = [m] if isinstance(m, str) else list(m)
    if not meds:
        raise ValueError("m must name at least one mediator")
    if (entity is None) != (time is None):
        raise ValueError("give both entity and time for a two-way fixed-effects panel, or neither")
    panel = entity is not None
    if not 0 < level < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    if n_boot < 0 or (n_boot > 0 and seed is None):
        raise ValueError("n_boot must be >= 0, and a bootstrap needs an explicit seed")
    cov = cov_type or ("clustered" if panel else "nonrobust")
    if panel and cov not in ("clustered", "unadjusted"):
        raise ValueError(f"cov_type for panels must be 'clustered' or 'unadjusted', got {cov!r}")
    ctrl = list(controls)
    d = _check(data, [x, *meds, y, *ctrl] + ([entity, time] if panel else []), dropna)
    if panel:
        if d.duplicated([entity, time]).any():
            raise ValueError(f"({entity}, {time}) pairs must be unique")
        if d[entity].nunique() < 2:
            raise ValueError(f"a panel needs at least 2 values of {entity}")
        d = d.set_index([entity, time]).sort_index()
    p_tot, s_tot = _fit(d, y, [x, *ctrl], panel, cov)
    p_out, s_out = _fit(d, y, [x, *meds, *ctrl], panel, cov)
    rows = []
    for k in meds:
        p_a, s_a = _fit(d, k, [x, *ctrl], panel, cov)
        a, sa, b, sb = p_a[x], s_a[x], p_out[k], s_out[k]
        se = float(np.sqrt(b ** 2 * sa ** 2 + a ** 2 * sb ** 2))
        z = a * b / se if se > 0 else np.nan
        rows.append({"mediator": k, "a": a, "a_se": sa, "b": b, "b_se": sb, "indirect": a * b,
                     "sobel_se": se, "sobel_z": z, "sobel_p": 2 * norm.sf(abs(z))})
    paths = pd.DataFrame(rows).set_index("mediator")
    boot = None
    if n_boot > 0:
        est = paths["indirect"].to_numpy()
        boot = _bootstrap(_design(d, x, meds, y, ctrl, panel), est, meds, n_boot, level, seed, n_jobs)
    return MediationResult(x, y, tuple(meds), tuple(ctrl), "twoway_fe" if panel else "ols", cov, len(d),
                           float(p_tot[x]), float(s_tot[x]), float(p_out[x]), float(s_out[x]), paths, boot)


def mediation_each(data: pd.DataFrame, *, x: str, mediators: Sequence[str], y: str,
                   **kwargs) -> dict[str, MediationResult]:
    """One mediation model per mediator (same options as :func:`mediation`), keyed by mediator."""
    return {k: mediation(data, x=x, m=k, y=y, **kwargs) for k in mediators}


def tidy_results(results: dict[str, MediationResult]) -> pd.DataFrame:
    """Stack the ``tidy()`` tables of :func:`mediation_each` with a ``model`` column."""
    return pd.concat([r.tidy().assign(model=name) for name, r in results.items()], ignore_index=True)


# --------------------------------------------------------------------------- bootstrap
@dataclass(frozen=True)
class _Design:
    """Arrays for fast re-estimation: Z = [x, controls, constant or year dummies], mediators, y."""

    z: np.ndarray
    med: np.ndarray
    y: np.ndarray
    clusters: tuple[np.ndarray, ...] | None  # row indices per entity; None: resample rows


def _design(d: pd.DataFrame, x: str, meds: list[str], y: str, ctrl: list[str], panel: bool) -> _Design:
    cols = [x, *ctrl]
    if not panel:
        z = np.column_stack([d[cols].to_numpy(float), np.ones(len(d))])
        return _Design(z, d[meds].to_numpy(float), d[y].to_numpy(float), None)
    ent = d.index.get_level_values(0)
    years = pd.get_dummies(d.index.get_level_values(1), drop_first=True, dtype=float).to_numpy()
    raw = np.column_stack([d[cols].to_numpy(float), years, d[meds].to_numpy(float), d[y].to_numpy(float)])
    dem = raw - pd.DataFrame(raw).groupby(np.asarray(ent)).transform("mean").to_numpy()
    nz, nm = len(cols) + years.shape[1], len(meds)
    codes = pd.factorize(ent)[0]
    clusters = tuple(np.flatnonzero(codes == g) for g in range(codes.max() + 1))
    return _Design(dem[:, :nz], dem[:, nz:nz + nm], dem[:, -1], clusters)


def _indirect(des: _Design, rows: np.ndarray) -> np.ndarray:
    z, med, y = des.z[rows], des.med[rows], des.y[rows]
    a = np.linalg.lstsq(z, med, rcond=None)[0][0]
    b = np.linalg.lstsq(np.column_stack([z, med]), y, rcond=None)[0][z.shape[1]:]
    return a * b


def _boot_block(des: _Design, seq: np.random.SeedSequence, reps: int) -> np.ndarray:
    rng = np.random.default_rng(seq)
    g = len(des.y) if des.clusters is None else len(des.clusters)
    out = np.empty((reps, des.med.shape[1]))
    for r in range(reps):
        pick = rng.integers(0, g, size=g)
        rows = pick if des.clusters is None else np.concatenate([des.clusters[i] for i in pick])
        out[r] = _indirect(des, rows)
    return out


def _bootstrap(des: _Design, est: np.ndarray, names: list[str], n_boot: int, level: float, seed,
               n_jobs: int) -> BootstrapCI:
    ss = fresh(seed)  # never advance the caller's SeedSequence
    sizes = [min(_BLOCK, n_boot - s) for s in range(0, n_boot, _BLOCK)]
    seqs = ss.spawn(len(sizes))
    if n_jobs > 1:
        with ProcessPoolExecutor(max_workers=n_jobs) as pool:
            parts = list(pool.map(_boot_block, [des] * len(sizes), seqs, sizes))
    else:
        parts = [_boot_block(des, q, n) for q, n in zip(seqs, sizes)]
    draws = np.vstack(parts)
    if draws.shape[1] > 1:
        draws = np.column_stack([draws, draws.sum(axis=1)])
        est, names = np.append(est, est.sum()), [*names, "total_indirect"]
    alpha = 1 - level
    z0 = norm.ppf((draws < est).mean(axis=0))
    zc = norm.ppf(1 - alpha / 2)
    table = pd.DataFrame({
        "boot_se": draws.std(axis=0, ddof=1),
        "pct_low": np.quantile(draws, alpha / 2, axis=0), "pct_high": np.quantile(draws, 1 - alpha / 2, axis=0),
        "bc_low": [np.quantile(draws[:, j], norm.cdf(2 * z0[j] - zc)) for j in range(len(est))],
        "bc_high": [np.quantile(draws[:, j], norm.cdf(2 * z0[j] + zc)) for j in range(len(est))]})
    table.index = pd.Index(names, name="mediator")
    return BootstrapCI(n_boot, level, table, draws)
