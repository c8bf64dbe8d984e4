r"""Fixed-effects panel threshold regression (Hansen 1999) with bootstrap tests and LR intervals.

The model with :math:`m \le 3` thresholds :math:`\gamma_1 < \dots < \gamma_m` is

.. math::
    y_{it} = \mu_i + \sum_{j=1}^{m+1} x_{it}'\beta_j\,1(\gamma_{j-1} < q_{it} \le \gamma_j)
             + z_{it}'c + e_{it},\qquad \gamma_0=-\infty,\ \gamma_{m+1}=\infty,

estimated by least squares after the within transformation (Hansen, B. E. 1999, "Threshold effects
in non-dynamic panels: Estimation, testing, and inference", Journal of Econometrics
93(2):345-368). Thresholds are found sequentially: :math:`\hat\gamma_1` minimises
:math:`S_1(\gamma)`; :math:`\hat\gamma_2` minimises :math:`S(\hat\gamma_1,\gamma)`; Hansen's
refinement re-estimates the first, :math:`\hat\gamma_1^r = \arg\min S(\gamma,\hat\gamma_2)`; a
third threshold is searched with :math:`(\hat\gamma_1^r, \hat\gamma_2)` fixed (no further
refinement, as in Stata ``xthreg``, Wang 2015, Stata Journal 15(1):121-134). Test :math:`j` is

.. math::
    F_j = \frac{S_{j-1} - S_j}{\hat\sigma^2_j},\qquad \hat\sigma^2_j = \frac{S_j}{N(T-1)},

with bootstrap p-values (:mod:`lib.threshold_bootstrap`). Each threshold's interval is
:math:`\{\gamma : LR(\gamma) \le c(\alpha)\}` with :math:`LR(\gamma) = (S(\gamma)-S(\hat\gamma))/\hat\sigma^2`
computed on the curve that produced the estimate (its own minimum in :math:`\hat\sigma^2`) and
:math:`c(\alpha) = -2\ln(1-\sqrt{\alpha})`; reported as the smallest and largest grid point in the set.
Regime coefficients treat the thresholds as known (asymptotically valid, Hansen 1999, Sec. 3.1).
Conventions: standard errors ``"clustered"`` by entity use the project's one convention,
:func:`lib.panel.cluster_covariance` (Stata/plm "sss": G/(G-1)(N-1)/(N-K)); ``"unadjusted"`` uses
:math:`\hat\sigma^2 = e'e/(NT-N-K)` like linearmodels.
With ``entity_effects=False`` (cross-section, T = 1) the same code gives Hansen (2000,
Econometrica 68(3):575-603) threshold regression with :math:`\hat\sigma^2 = S/n`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

from lib.panel import cluster_covariance
from lib.seeds import fresh
from lib.threshold_bootstrap import bootstrap_f, entity_draws
from lib.threshold_search import (FastSearcher, NaiveSearcher, PanelArrays, candidate_grid, lr_cutoff,
                                  min_regime_obs, panel_from_frame)

__all__ = ["ThresholdResult", "RegimeFit", "fit_threshold", "fit_at_thresholds", "lr_cutoff"]
_TEST_NAMES = ("single", "double", "triple")
_CRIT_LEVELS = (0.90, 0.95, 0.99)


@dataclass(frozen=True)
class RegimeFit:
    """Within least squares at given thresholds: coefficient table (``variable, regime, lower,
    upper, nobs, estimate, std_error, t_stat, p_value``), SSR and covariance convention."""

    thresholds: tuple[float, ...]
    coef: pd.DataFrame
    ssr: float
    nobs: int
    cov_type: str


@dataclass(frozen=True)
class ThresholdResult:
    """Sequential threshold estimates, bootstrap tests and LR intervals.

    ``thresholds`` are sorted; ``ci[j]`` and ``threshold_keys[j]`` (the LR curve, see ``lr_curves``:
    ``Th-1`` single, ``Th-21``/``Th-22`` refined first / second, ``Th-3`` third) belong to
    ``thresholds[j]``. ``tests`` has one row per F test with ``ssr_null, ssr_alt, F, p_value,
    crit_90, crit_95, crit_99, n_boot``; ``boot_f`` holds the bootstrap draws of each test
    (p-value = share of draws with F* >= F; critical values = linear-interpolation quantiles).
    Interval end points are candidate values of q; since S is flat between candidates, ``(lo, hi)``
    stands for thresholds from ``lo`` up to the next candidate after ``hi``.
    """

    thresholds: tuple[float, ...]
    ci: tuple[tuple[float, float], ...]
    threshold_keys: tuple[str, ...]
    conf_level: float
    lr_cutoff: float
    tests: pd.DataFrame
    coef: pd.DataFrame
    lr_curves: dict[str, pd.DataFrame]
    ssr: float
    nobs: int
    n_entities: int
    n_periods: int
    n_eff: int
    cov_type: str
    trim: tuple[float, ...]
    grid: int | str
    seed_entropy: int | Sequence[int]
    seed_spawn_key: tuple[int, ...]
    boot_f: tuple[np.ndarray, ...] = field(repr=False)

    def __post_init__(self) -> None:
        th = np.asarray(self.thresholds, float)
        if th.size != len(self.ci) or th.size != len(self.tests) or np.any(np.diff(th) <= 0):
            raise ArithmeticError(f"thresholds {self.thresholds} must be strictly increasing, one CI and test each")
        for g, (lo, hi) in zip(self.thresholds, self.ci):
            if not lo <= g <= hi:
                raise ArithmeticError(f"threshold {g} lies outside its interval [{lo}, {hi}]")
        t = self.tests
        f_check = self.n_eff * (t["ssr_null"] - t["ssr_alt"]) / t["ssr_alt"]
        if not np.allclose(t["F"], f_check, rtol=1e-10, atol=0) or np.any(t["ssr_alt"] > t["ssr_null"] * (1 + 1e-12)):
            raise ArithmeticError("F != (S_null - S_alt) / (S_alt / n_eff) or S_alt > S_null")
        for key, curve in self.lr_curves.items():
            if abs(float(np.nanmin(curve["lr"]))) > 1e-9:
                raise ArithmeticError(f"LR curve {key} does not reach 0 at its minimum")

    @property
    def f_stats(self) -> tuple[float, ...]:
        return tuple(float(v) for v in self.tests["F"])

    @property
    def p_values(self) -> tuple[float, ...]:
        return tuple(float(v) for v in self.tests["p_value"])

    @property
    def crit_values(self) -> pd.DataFrame:
        return self.tests[["crit_90", "crit_95", "crit_99"]]

    @property
    def sigma2(self) -> float:
        """Hansen's variance estimate of the final model, S / (N(T-1))."""
        return self.ssr / self.n_eff

    def tidy(self) -> pd.DataFrame:
        """Long table: ``kind`` (threshold, test, coef), ``term, regime, estimate, std_error,
        statistic, p_value, ci_lower, ci_upper``."""
        rows = [{"kind": "threshold", "term": f"gamma_{j + 1}", "estimate": g, "ci_lower": lo, "ci_upper": hi}
                for j, (g, (lo, hi)) in enumerate(zip(self.thresholds, self.ci))]
        rows += [{"kind": "test", "term": f"F{j + 1} ({j} vs {j + 1} thresholds)", "statistic": r.F,
                  "p_value": r.p_value} for j, r in enumerate(self.tests.itertuples())]
        rows += [{"kind": "coef", "term": r.variable, "regime": r.regime, "estimate": r.estimate,
                  "std_error": r.std_error, "statistic": r.t_stat, "p_value": r.p_value}
                 for r in self.coef.itertuples()]
        cols = ["kind", "term", "regime", "estimate", "std_error", "statistic", "p_value", "ci_lower", "ci_upper"]
        return pd.DataFrame(rows).reindex(columns=cols)


def fit_threshold(df: pd.DataFrame, *, y: str, q: str, regime_x: str | Sequence[str],
                  controls: str | Sequence[str] = (), entity: str, time: str, n_thresholds: int = 1,
                  trim: float | Sequence[float] = 0.01, grid: int | str = 400,
                  n_boot: int | Sequence[int] = 300, seed: int | np.random.SeedSequence | None = None,
                  n_jobs: int = 1, conf_level: float = 0.95, cov_type: str = "clustered",
                  entity_effects: bool = True) -> ThresholdResult:
    """Fit Hansen's (1999) fixed-effects panel threshold model on a balanced panel.

    Parameters
    ----------
    df : long panel, one row per entity-period; no missing values in the used columns.
    y, q : dependent variable and threshold variable.
    regime_x : regressors whose slopes change across regimes.
    controls : regime-independent regressors (may include ``q``).
    entity, time : panel identifiers; the panel must be balanced.
    n_thresholds : 1, 2 or 3 (sequential estimation, one F test per threshold).
    trim : minimal share of observations per regime, scalar or one per threshold (e.g.
        ``(0.01, 0.01, 0.05)``).
    grid : number of quantile grid points of ``q`` (``xthreg grid()``) or ``"exact"`` (all values).
    n_boot : bootstrap replications per F test, int or one per test (0 skips the bootstrap).
    seed : seed of the bootstrap streams; ``n_jobs`` : worker processes (-1 = all cores); results
        do not depend on ``n_jobs``.
    conf_level : level of the LR intervals.
    cov_type : ``"clustered"`` (entity) or ``"unadjusted"`` for the regime coefficients.
    entity_effects : False gives the cross-section model of Hansen (2000) (include a constant).

    Returns
    -------
    ThresholdResult
        Sorted thresholds with LR intervals, one bootstrap F test per threshold, LR curves and the
        regime coefficient table at the estimated thresholds.

    Notes
    -----
    Interval end points are candidate values (Hansen's and ``xthreg``'s convention). S(gamma) is flat
    between candidates, so ``(lo, hi)`` stands for thresholds from ``lo`` up to the next candidate
    after ``hi``; read literally, a narrow interval on a coarse grid under-covers (Monte Carlo in
    ``benchmarks/threshold_montecarlo.py``: 0.92 on a 200-point grid against 0.97 when read as cells).
    ``grid="exact"`` keeps that gap to one sample spacing and the search stays fast.

    References
    ----------
    Hansen, B. E. (1999). Threshold effects in non-dynamic panels: Estimation, testing, and
    inference. Journal of Econometrics 93(2):345-368.
    Hansen, B. E. (2000). Sample splitting and threshold estimation. Econometrica 68(3):575-603.
    """
    return _fit(df, locals(), FastSearcher)


def _fit_threshold_naive(df: pd.DataFrame, **kwargs) -> ThresholdResult:
    """Same estimator with one least-squares fit per grid point (and per bootstrap draw); only for
    benchmarks and tests of the fast search."""
    return _fit(df, kwargs, NaiveSearcher)


def fit_at_thresholds(df: pd.DataFrame, *, y: str, q: str, regime_x: str | Sequence[str],
                      controls: str | Sequence[str] = (), entity: str, time: str,
                      thresholds: Sequence[float] = (), cov_type: str = "clustered",
                      entity_effects: bool = True) -> RegimeFit:
    """Within least squares of the regime model at given thresholds; regimes without observations
    are dropped, so a threshold beyond the range of ``q`` gives the plain fixed-effects fit."""
    data, names = panel_from_frame(df, y=y, q=q, regime_x=regime_x, controls=controls, entity=entity,
                                   time=time, entity_effects=entity_effects)
    return _regime_fit(data, names, tuple(sorted(float(g) for g in thresholds)), cov_type)


def _fit(df: pd.DataFrame, opts: dict, searcher_cls: type) -> ThresholdResult:
    m = opts.get("n_thresholds", 1)
    if m not in (1, 2, 3):
        raise ValueError(f"n_thresholds must be 1, 2 or 3, got {m!r}")
    trims = _per_test(opts.get("trim", 0.01), m, "trim", float)
    n_boot = _per_test(opts.get("n_boot", 300), m, "n_boot", int)
    grid = opts.get("grid", 400)
    if not (grid == "exact" or (isinstance(grid, (int, np.integer)) and grid >= 1)):
        raise ValueError(f"grid must be a positive integer or 'exact', got {grid!r}")
    if any(not 0.0 <= t < 0.5 for t in trims) or any(b < 0 for b in n_boot):
        raise ValueError(f"trim must lie in [0, 0.5) and n_boot be >= 0, got trim={trims}, n_boot={n_boot}")
    conf = float(opts.get("conf_level", 0.95))
    cutoff = lr_cutoff(conf)
    cov_type = opts.get("cov_type", "clustered")
    if cov_type not in ("clustered", "unadjusted"):
        raise ValueError(f"cov_type must be 'clustered' or 'unadjusted', got {cov_type!r}")
    n_jobs = opts.get("n_jobs", 1)
    if not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive integer or -1 (all cores), got {n_jobs!r}")
    data, names = panel_from_frame(df, **{k: opts[k] for k in ("y", "q", "regime_x", "entity", "time")},
                                   controls=opts.get("controls", ()),
                                   entity_effects=opts.get("entity_effects", True))
    stages, tests = _search_all(data, m, trims, grid, searcher_cls)
    seed = opts.get("seed")
    seq = fresh(seed)  # never advance the caller's SeedSequence
    streams = seq.spawn(3)
    rows, draws_out = [], []
    for j, (stage, _) in enumerate(tests):
        fstar = _bootstrap(data, stage, streams[j], n_boot[j], n_jobs)
        rows.append(_test_row(data, stage, fstar))
        draws_out.append(fstar)
    final = ["Th-1"] if m == 1 else ["Th-21", "Th-22"] + (["Th-3"] if m == 3 else [])
    curves = {k: _lr_frame(data, st) for k, st in stages.items()}
    picked = sorted((stages[k].gamma, k) for k in final)
    ci = tuple(_lr_interval(curves[k], cutoff) for _, k in picked)
    fit = _regime_fit(data, names, tuple(g for g, _ in picked), cov_type)
    return ThresholdResult(
        thresholds=tuple(g for g, _ in picked), ci=ci, threshold_keys=tuple(k for _, k in picked),
        conf_level=conf, lr_cutoff=cutoff, tests=pd.DataFrame(rows, index=list(_TEST_NAMES[:m])),
        coef=fit.coef, lr_curves=curves, ssr=fit.ssr, nobs=data.nobs, n_entities=data.n_entities,
        n_periods=data.n_periods, n_eff=data.n_eff, cov_type=cov_type, trim=trims, grid=grid,
        seed_entropy=seq.entropy, seed_spawn_key=tuple(seq.spawn_key),
        boot_f=tuple(draws_out))


def _per_test(value, m: int, name: str, kind: type) -> tuple:
    vals = tuple(value) if isinstance(value, (tuple, list, np.ndarray)) else (value,) * m
    if len(vals) != m:
        raise ValueError(f"{name} needs one value per threshold ({m}), got {value!r}")
    return tuple(kind(v) for v in vals)


@dataclass(frozen=True)
class _Stage:
    searcher: FastSearcher | NaiveSearcher
    s0: float
    ssr: np.ndarray
    gamma: float
    smin: float


def _search_all(data: PanelArrays, m: int, trims: tuple, grid, searcher_cls) -> tuple[dict, list]:
    grids = [candidate_grid(data.q, trim=t, grid=grid) for t in trims]

    def search(fixed: tuple[float, ...], j: int) -> _Stage:
        need = min_regime_obs(data.nobs, trims[j])
        s = searcher_cls(data, fixed, grids[j], need)
        s0, ssr = s.curves(data.y)
        if not np.isfinite(ssr).any():
            raise ValueError(f"trim={trims[j]} leaves no admissible value for threshold {j + 1}: every "
                             f"candidate leaves fewer than {need} of {data.nobs} observations in some regime")
        k = int(np.nanargmin(ssr[:, 0]))
        return _Stage(s, float(s0[0]), ssr[:, 0], float(s.gammas[k]), float(ssr[k, 0]))

    st1 = search((), 0)
    stages, tests = {"Th-1": st1}, [(st1, ())]
    if m >= 2:
        st2 = search((st1.gamma,), 1)
        st1r = search((st2.gamma,), 0)
        stages.update({"Th-21": st1r, "Th-22": st2})
        tests.append((st2, (st1.gamma,)))
    if m == 3:
        st3 = search(tuple(sorted((stages["Th-21"].gamma, stages["Th-22"].gamma))), 2)
        stages["Th-3"] = st3
        tests.append((st3, st3.searcher.fixed))
    return stages, tests


def _bootstrap(data: PanelArrays, st: _Stage, stream: np.random.SeedSequence, n_boot: int,
               n_jobs: int) -> np.ndarray:
    draws = entity_draws(stream, n_boot=n_boot, n_entities=data.n_entities)
    resid = st.searcher.residuals(data.y, st.gamma)
    null_fit = data.within(data.y) - st.searcher.project(data.y)
    return bootstrap_f(st.searcher, resid, null_fit, draws, n_jobs=n_jobs)


def _test_row(data: PanelArrays, st: _Stage, fstar: np.ndarray) -> dict:
    f = data.n_eff * (st.s0 - st.smin) / st.smin
    crit = np.quantile(fstar, _CRIT_LEVELS) if fstar.size else np.full(3, np.nan)
    p = float(np.mean(fstar >= f)) if fstar.size else np.nan
    return {"ssr_null": st.s0, "ssr_alt": st.smin, "F": f, "p_value": p, "crit_90": crit[0],
            "crit_95": crit[1], "crit_99": crit[2], "n_boot": int(fstar.size)}


def _lr_frame(data: PanelArrays, st: _Stage) -> pd.DataFrame:
    lr = (st.ssr - st.smin) / (st.smin / data.n_eff)
    return pd.DataFrame({"gamma": st.searcher.gammas, "ssr": st.ssr, "lr": lr})


def _lr_interval(curve: pd.DataFrame, cutoff: float) -> tuple[float, float]:
    inside = curve.loc[curve["lr"] <= cutoff, "gamma"]
    return float(inside.min()), float(inside.max())


def _regime_fit(data: PanelArrays, names: dict, thresholds: tuple[float, ...], cov_type: str) -> RegimeFit:
    if cov_type not in ("clustered", "unadjusted"):
        raise ValueError(f"cov_type must be 'clustered' or 'unadjusted', got {cov_type!r}")
    edges = (-np.inf, *thresholds, np.inf)
    blocks, meta = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (data.q > lo) & (data.q <= hi)
        if inside.any():
            blocks.append(data.x * inside[:, None])
            meta += [(v, _regime_label(names["q"], lo, hi), lo, hi, int(inside.sum())) for v in names["regime_x"]]
    meta += [(v, "all", -np.inf, np.inf, data.nobs) for v in names["controls"]]
    xmat = data.within(np.column_stack(blocks + [data.z]))
    yvec = data.within(data.y)
    coef, *_ = np.linalg.lstsq(xmat, yvec, rcond=None)
    e = yvec - xmat @ coef
    se = _std_errors(data, xmat, e, cov_type)
    table = pd.DataFrame(meta, columns=["variable", "regime", "lower", "upper", "nobs"])
    table["estimate"], table["std_error"] = coef, se
    table["t_stat"] = coef / se
    # t(G-1) with clustered errors (few clusters), t(N T - N - K) otherwise
    dof = data.n_entities - 1 if cov_type == "clustered" else data.nobs - data.n_entities - xmat.shape[1]
    table["p_value"] = 2 * student_t.sf(np.abs(table["t_stat"]), dof)
    return RegimeFit(thresholds, table, float(e @ e), data.nobs, cov_type)


def _std_errors(data: PanelArrays, xmat: np.ndarray, e: np.ndarray, cov_type: str) -> np.ndarray:
    n, k = xmat.shape
    bread = np.linalg.inv(xmat.T @ xmat)
    if cov_type == "unadjusted":
        dof = n - k - (data.n_entities if data.entity_effects else 0)
        return np.sqrt(np.diag(bread) * (e @ e) / dof)
    groups = np.repeat(np.arange(data.n_entities), data.n_periods)
    cov, _ = cluster_covariance(xmat, e, groups)
    return np.sqrt(np.diag(cov))


def _regime_label(q: str, lo: float, hi: float) -> str:
    if np.isinf(lo) and np.isinf(hi):
        return "all"
    if np.isinf(lo):
        return f"{q} <= {hi:.6g}"
    return f"{q} > {lo:.6g}" if np.isinf(hi) else f"{lo:.6g} < {q} <= {hi:.6g}"
