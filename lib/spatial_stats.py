"""Spatial autocorrelation statistics: global Moran's I, local Moran (LISA), LM tests for OLS.

All functions take a :class:`lib.spatial_weights.SpatialWeights` and values aligned to its ids
(a Series indexed by id is aligned explicitly; a plain array must already be in ``w.ids`` order).

Local Moran scaling follows R ``spdep::localmoran`` (>= 1.2, ``conditional=TRUE``, ``mlvar=TRUE``):
:math:`I_i = z_i \\sum_j w_{ij} z_j / m_2`, :math:`m_2 = \\sum_k z_k^2 / n`; so
:math:`\\sum_i I_i = S_0 I`. ``esda.Moran_Local`` reports :math:`(n-1)/n` times these values.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from lib.spatial_weights import SpatialInputError, SpatialWeights, align_vector

ALTERNATIVES = ("two-sided", "greater", "less")


def _alt(alternative: str) -> str:
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative: expected one of {ALTERNATIVES}, got {alternative!r}")
    return alternative


def normal_p(z, alternative: str):
    """Normal p-value of ``z`` for the given alternative."""
    _alt(alternative)
    if alternative == "greater":
        return stats.norm.sf(z)
    if alternative == "less":
        return stats.norm.cdf(z)
    return 2 * stats.norm.sf(np.abs(z))


def _perm_p(observed, sims, centre, alternative: str):
    """Pseudo p-value (1 + #as-or-more-extreme) / (R + 1); ``sims`` has draws on axis 0."""
    r = sims.shape[0]
    if alternative == "greater":
        k = (sims >= observed).sum(axis=0)
    elif alternative == "less":
        k = (sims <= observed).sum(axis=0)
    else:
        k = (np.abs(sims - centre) >= np.abs(observed - centre)).sum(axis=0)
    return (k + 1) / (r + 1)


def _rng(seed, permutations: int) -> np.random.Generator | None:
    if not permutations:
        return None
    if permutations < 0 or seed is None:
        raise ValueError("permutations > 0 needs an explicit seed (int, SeedSequence or Generator)"
                         if seed is None else f"permutations: expected >= 0, got {permutations}")
    return np.random.default_rng(seed)


def _centred(values, w: SpatialWeights, name: str) -> np.ndarray:
    y = align_vector(values, w.ids, name=name)
    z = y - y.mean()
    if np.ptp(y) == 0:
        raise SpatialInputError(f"{name}: constant across units; Moran's I is undefined")
    return z


@dataclass(frozen=True)
class MoranResult:
    r"""Global Moran's I with normality, randomisation and permutation inference."""

    I: float
    expected: float
    var_normal: float
    var_random: float
    z_normal: float
    z_random: float
    p_normal: float
    p_random: float
    p_sim: float
    permutations: int
    alternative: str
    n: int

    def __post_init__(self) -> None:
        if self.var_normal <= 0 or self.var_random <= 0:
            raise ValueError("Moran variances must be positive")
        for z, v in ((self.z_normal, self.var_normal), (self.z_random, self.var_random)):
            if not np.isclose(z, (self.I - self.expected) / np.sqrt(v), rtol=1e-10, atol=1e-12):
                raise ValueError("Moran z is inconsistent with I, E[I] and its variance")

    def tidy(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])


def moran(values, w: SpatialWeights, *, permutations: int = 0, seed=None,
          alternative: str = "two-sided") -> MoranResult:
    r"""Global Moran's I (Moran 1950; moments of Cliff and Ord 1981, *Spatial Processes*, Pion).

    .. math:: I = \frac{n}{S_0}\frac{z'Wz}{z'z},\quad E[I] = -\frac{1}{n-1},\quad
              \mathrm{Var}_N = \frac{n^2S_1 - nS_2 + 3S_0^2}{(n^2-1)S_0^2} - E[I]^2,

    :math:`\mathrm{Var}_R` the randomisation variance (with the kurtosis
    :math:`b_2 = n\sum z^4/(\sum z^2)^2`); :math:`S_0=\sum w_{ij}`,
    :math:`S_1=\tfrac12\sum(w_{ij}+w_{ji})^2`, :math:`S_2=\sum_i(w_{i\cdot}+w_{\cdot i})^2`.
    ``p_sim`` is the permutation pseudo p-value :math:`(1 + \#\{\text{as extreme}\})/(R + 1)`
    from ``permutations`` = R random relabellings drawn with ``seed`` (required when R > 0;
    NaN when R = 0). Matches ``esda.Moran`` and ``spdep::moran.test``.
    """
    alternative = _alt(alternative)
    z = _centred(values, w, "values")
    m, n = w.matrix, w.n
    if n < 4:
        raise SpatialInputError(f"values: Moran's I needs at least 4 units, got {n}")
    s0 = m.sum()
    s1 = 0.5 * ((m + m.T) ** 2).sum()
    s2 = ((m.sum(axis=1) + m.sum(axis=0)) ** 2).sum()
    i_obs = n / s0 * (z @ m @ z) / (z @ z)
    ei = -1.0 / (n - 1)
    var_n = (n * n * s1 - n * s2 + 3 * s0**2) / ((n * n - 1) * s0**2) - ei**2
    b2 = n * (z**4).sum() / (z @ z) ** 2
    num = (n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s0**2)
           - b2 * ((n * n - n) * s1 - 2 * n * s2 + 6 * s0**2))
    var_r = num / ((n - 1) * (n - 2) * (n - 3) * s0**2) - ei**2
    zn, zr = (i_obs - ei) / np.sqrt(var_n), (i_obs - ei) / np.sqrt(var_r)
    p_sim = np.nan
    rng = _rng(seed, permutations)
    if rng is not None:
        zp = rng.permuted(np.tile(z, (permutations, 1)), axis=1)
        sims = n / s0 * np.einsum("ri,ri->r", zp, zp @ m.T) / (z @ z)
        p_sim = float(_perm_p(i_obs, sims, ei, alternative))
    return MoranResult(float(i_obs), ei, float(var_n), float(var_r), float(zn), float(zr),
                       float(normal_p(zn, alternative)), float(normal_p(zr, alternative)),
                       p_sim, int(permutations), alternative, n)


def moran_by_period(wide: pd.DataFrame, w: SpatialWeights, *, permutations: int = 0,
                    seed: int | None = None, alternative: str = "two-sided") -> pd.DataFrame:
    """Global Moran's I for each row of a periods x units table (columns must equal ``w.ids``).

    Each period gets its own random stream from ``np.random.SeedSequence(seed).spawn``; build the
    table with :func:`lib.spatial_panel.panel_wide`.
    """
    w.check_aligned(list(wide.columns), what="wide.columns")
    _rng(seed, permutations)
    if not permutations:
        children = [None] * len(wide)
    elif isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        children = seed.spawn(len(wide))
    else:
        children = np.random.SeedSequence(seed).spawn(len(wide))
    rows = []
    for (period, row), child in zip(wide.iterrows(), children):
        res = moran(row.to_numpy(dtype=float), w, permutations=permutations, seed=child,
                    alternative=alternative)
        rows.append({"period": period, **res.__dict__})
    return pd.DataFrame(rows).set_index("period")


@dataclass(frozen=True)
class LocalMoranResult:
    """Local Moran statistics per unit (spdep scaling) with quadrant and significance."""

    table: pd.DataFrame
    global_I: float
    s0: float
    alternative: str
    alpha: float

    def __post_init__(self) -> None:
        if not np.isclose(self.table["Ii"].sum(), self.s0 * self.global_I, rtol=1e-9, atol=1e-12):
            raise ValueError("sum of local Moran values must equal S0 times global Moran's I")

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()


def local_moran(values, w: SpatialWeights, *, alternative: str = "two-sided", alpha: float = 0.05,
                permutations: int = 0, seed=None) -> LocalMoranResult:
    r"""Local Moran's :math:`I_i` (Anselin 1995, *Geographical Analysis* 27(2):93-115).

    .. math:: I_i = \frac{z_i}{m_2}\sum_j w_{ij} z_j, \qquad m_2 = \frac1n\sum_k z_k^2,

    with the conditional-randomisation moments of Sokal, Oden and Thomson (1998, *Geographical
    Analysis* 30(4):331-354) as in ``spdep::localmoran`` (conditional=TRUE):
    :math:`E[I_i] = -z_i^2 w_{i\cdot}/((n-1)m_2)` and
    :math:`\mathrm{Var}[I_i] = (z_i/m_2)^2 \frac{n}{n-2}\left(\sum_j w_{ij}^2 - \frac{w_{i\cdot}^2}
    {n-1}\right)\left(m_2 - \frac{z_i^2}{n-1}\right)`.
    ``quadrant`` is HH/LL/HL/LH from the signs of :math:`z_i` and its spatial lag;
    ``significant`` uses ``p_value`` (normal) unless ``permutations`` > 0, in which case it uses
    the conditional-permutation pseudo p-value ``p_sim`` (esda's scheme, seeded).
    """
    alternative = _alt(alternative)
    z = _centred(values, w, "values")
    m, n = w.matrix, w.n
    m2 = (z @ z) / n
    lag = m @ z
    ii = z / m2 * lag
    wi, wi2 = m.sum(axis=1), (m**2).sum(axis=1)
    e_ii = -(z**2) * wi / ((n - 1) * m2)
    var = (z / m2) ** 2 * (n / (n - 2)) * (wi2 - wi**2 / (n - 1)) * (m2 - z**2 / (n - 1))
    zi = (ii - e_ii) / np.sqrt(var)
    quad = np.where(z > 0, np.where(lag > 0, "HH", "HL"), np.where(lag > 0, "LH", "LL"))
    table = pd.DataFrame({"Ii": ii, "E_Ii": e_ii, "Var_Ii": var, "Z_Ii": zi,
                          "p_value": normal_p(zi, alternative), "quadrant": quad},
                         index=pd.Index(w.ids, name="id"))
    p_use = table["p_value"]
    rng = _rng(seed, permutations)
    if rng is not None:
        table["p_sim"] = _local_permutation_p(z, m, ii, m2, e_ii, permutations, rng,
                                              alternative)
        p_use = table["p_sim"]
    table["significant"] = p_use <= alpha
    global_i = n / m.sum() * (z @ lag) / (z @ z)
    return LocalMoranResult(table, float(global_i), float(m.sum()), alternative, alpha)


def _local_permutation_p(z, m, ii, m2, e_ii, permutations, rng, alternative) -> np.ndarray:
    """Conditional permutation: unit i keeps z_i, the other n-1 values are reshuffled."""
    n = len(z)
    out = np.empty(n)
    for i in range(n):
        nb = np.flatnonzero(m[i])
        others = np.delete(z, i)
        picks = rng.random((permutations, n - 1)).argsort(axis=1)[:, : nb.size]
        sims = z[i] / m2 * (others[picks] @ m[i, nb])
        out[i] = _perm_p(ii[i], sims, e_ii[i], alternative)
    return out


@dataclass(frozen=True)
class LMTestsResult:
    """Lagrange multiplier diagnostics for spatial dependence in OLS residuals."""

    table: pd.DataFrame

    def __post_init__(self) -> None:
        s = self.table["statistic"]
        if not np.isclose(s["SARMA"], s["RLMlag"] + s["LMerr"], rtol=1e-9):
            raise ValueError("SARMA must equal RLMlag + LMerr")
        if not np.isclose(s["SARMA"], s["RLMerr"] + s["LMlag"], rtol=1e-9):
            raise ValueError("SARMA must equal RLMerr + LMlag")

    def tidy(self) -> pd.DataFrame:
        return self.table.copy()


def lm_tests(y, X, w: SpatialWeights, *, add_constant: bool = True) -> LMTestsResult:
    r"""LM tests of Anselin (1988) and robust forms of Anselin, Bera, Florax and Yoon (1996,
    *Regional Science and Urban Economics* 26(1):77-104) for OLS of ``y`` on ``X``.

    With OLS residuals :math:`e`, :math:`s^2=e'e/n`, :math:`T=\mathrm{tr}(W'W+W^2)`,
    :math:`D = (WX\hat\beta)'M(WX\hat\beta)/s^2 + T`, :math:`a = e'We/s^2`, :math:`b = e'Wy/s^2`:
    LMerr :math:`=a^2/T`, LMlag :math:`=b^2/D`, RLMerr :math:`=(a - Tb/D)^2/(T(1-T/D))`,
    RLMlag :math:`=(b-a)^2/(D-T)`, SARMA :math:`=` RLMlag + LMerr (2 df). ``X`` rows are aligned
    like ``y`` (DataFrame by index, array in ``w.ids`` order).
    """
    yv = align_vector(y, w.ids, name="y")
    if isinstance(X, pd.DataFrame):
        xm = np.column_stack([align_vector(X[c], w.ids, name=f"X[{c}]") for c in X.columns])
    else:
        xm = np.asarray(X, dtype=float).reshape(w.n, -1)
        if not np.isfinite(xm).all():
            raise SpatialInputError("X: missing or non-finite values")
    if add_constant:
        xm = np.column_stack([np.ones(w.n), xm])
    n, wm = w.n, w.matrix
    beta, *_ = np.linalg.lstsq(xm, yv, rcond=None)
    e = yv - xm @ beta
    s2 = e @ e / n
    t = np.trace(wm.T @ wm + wm @ wm)
    wxb = wm @ (xm @ beta)
    mwxb = wxb - xm @ np.linalg.lstsq(xm, wxb, rcond=None)[0]
    d = (wxb @ mwxb) / s2 + t
    a, b = (e @ wm @ e) / s2, (e @ wm @ yv) / s2
    stat = {"LMerr": a**2 / t, "LMlag": b**2 / d,
            "RLMerr": (a - t * b / d) ** 2 / (t * (1 - t / d)), "RLMlag": (b - a) ** 2 / (d - t)}
    stat["SARMA"] = stat["RLMlag"] + stat["LMerr"]
    df = {"LMerr": 1, "LMlag": 1, "RLMerr": 1, "RLMlag": 1, "SARMA": 2}
    table = pd.DataFrame({"statistic": stat, "df": df})
    table["p_value"] = stats.chi2.sf(table["statistic"], table["df"])
    return LMTestsResult(table)
