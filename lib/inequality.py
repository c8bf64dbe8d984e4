"""Regional disparity: Theil T index and Dagum Gini decomposition by group.

Both measures take one value per unit (a city's index score or per-capita output) and a group
label per unit (the thesis groups the 13 cities as Beijing, Tianjin, Hebei). ``*_by_year`` helpers
apply them to a long panel and return tidy tables (one number per row).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import xlogy

_REL_TOL = 1e-10  # accounting identities hold to rounding error


# --------------------------------------------------------------------------- input checks
def _values(values, *, name: str = "values", allow_zero: bool = True) -> np.ndarray:
    y = np.asarray(values, dtype=float)
    if y.ndim != 1 or y.size < 2:
        raise ValueError(f"{name} must be one-dimensional with at least 2 units, got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name} contain missing or infinite entries")
    if np.any(y < 0):
        raise ValueError(f"{name} must be non-negative; unit {int(np.argmax(y < 0))} is {y[y < 0][0]}")
    if not allow_zero and np.any(y == 0):
        raise ValueError(f"{name} must be strictly positive (unit {int(np.argmax(y == 0))} is 0); "
                         "pass allow_zero=True to use the limit 0*ln 0 = 0")
    if y.sum() <= 0:
        raise ValueError(f"{name} sum to zero: inequality is undefined")
    return y


def _labels(groups, n: int, order: Sequence | None) -> tuple[np.ndarray, list]:
    g = pd.Series(np.asarray(groups, dtype=object))
    if len(g) != n:
        raise ValueError(f"groups has {len(g)} labels but values has {n} units")
    if g.isna().any():
        raise ValueError("groups contain missing labels")
    present = set(g)
    if order is None:
        try:
            levels = sorted(present)
        except TypeError:  # mixed label types
            levels = sorted(present, key=str)
    else:
        levels = list(order)
        if set(levels) != present or len(levels) != len(present):
            raise ValueError(f"order {levels} must list each group label exactly once; found {sorted(present, key=str)}")
    codes = g.map({lab: k for k, lab in enumerate(levels)}).to_numpy(dtype=int)
    return codes, levels


# --------------------------------------------------------------------------- Theil
@dataclass(frozen=True)
class TheilResult:
    """Theil T index with its between/within-group decomposition.

    ``groups`` has one row per group: ``group``, ``n``, ``pop_share`` (P_g), ``income_share``
    (S_g), ``theil`` (T_g) and ``within_contribution`` (S_g T_g).
    """

    total: float
    between: float
    within: float
    groups: pd.DataFrame
    weighted: bool

    def __post_init__(self) -> None:
        gap = abs(self.total - self.between - self.within)
        if gap > _REL_TOL * max(1.0, abs(self.total)):
            raise ArithmeticError(f"Theil identity T = between + within fails by {gap:.3e}")

    def tidy(self) -> pd.DataFrame:
        """Long table with columns ``quantity``, ``group``, ``value``."""
        rows = [("T", None, self.total), ("between", None, self.between), ("within", None, self.within)]
        for r in self.groups.itertuples(index=False):
            rows += [("T_g", r.group, r.theil), ("within_contribution", r.group, r.within_contribution),
                     ("income_share", r.group, r.income_share), ("pop_share", r.group, r.pop_share)]
        return pd.DataFrame(rows, columns=["quantity", "group", "value"])


def theil(values, groups=None, *, weights=None, allow_zero: bool = False,
          order: Sequence | None = None) -> TheilResult:
    r"""Theil T index (GE(1)) and its exact between/within-group decomposition.

    With income shares :math:`s_i = w_i y_i / \sum_k w_k y_k` and population shares
    :math:`p_i = w_i / \sum_k w_k`,

    .. math::
        T = \sum_i s_i \ln\frac{s_i}{p_i}
          = \underbrace{\sum_g S_g \ln\frac{S_g}{P_g}}_{\text{between}}
          + \underbrace{\sum_g S_g T_g}_{\text{within}},

    where :math:`S_g, P_g` are group sums of the shares and :math:`T_g` is the Theil index inside
    group *g*. Unweighted (default) means :math:`p_i = 1/n`, so
    :math:`T = \sum_i s_i \ln(n s_i)` exactly as PySAL ``inequality.theil.Theil``/``TheilD``.

    Parameters
    ----------
    values : array-like
        One non-negative value per unit (per-capita values if ``weights`` are populations).
    groups : array-like, optional
        Group label per unit; without it ``between = 0`` and ``within = T``.
    weights : array-like, optional
        Positive unit weights (e.g. population) for the population-weighted index.
    allow_zero : bool
        Theil T needs positive values; with ``True`` zeros enter through the limit
        :math:`0 \ln 0 = 0` (PySAL replaces zeros by a tiny number, which agrees to ~1e-14).
    order : sequence, optional
        Order of group labels in the output (default: sorted labels).

    References
    ----------
    Theil, H. (1967). *Economics and Information Theory*. Amsterdam: North-Holland.
    Shorrocks, A. F. (1980). The class of additively decomposable inequality measures.
    *Econometrica*, 48(3), 613-625.
    """
    y = _values(values, allow_zero=allow_zero)
    n = y.size
    if weights is None:
        w = np.ones(n)
    else:
        w = np.asarray(weights, dtype=float)
        if w.shape != y.shape or not np.all(np.isfinite(w)) or np.any(w <= 0):
            raise ValueError("weights must be finite, strictly positive and one per unit")
    codes, levels = _labels(np.zeros(n) if groups is None else groups, n, None if groups is None else order)
    if groups is None:
        levels = ["all"]
    s = w * y / np.sum(w * y)
    p = w / w.sum()
    total = float(np.sum(xlogy(s, s / p)))
    rows = []
    for k, lab in enumerate(levels):
        m = codes == k
        S, P = s[m].sum(), p[m].sum()
        t_g = float(np.sum(xlogy(s[m] / S, (s[m] / S) / (p[m] / P)))) if S > 0 else 0.0
        rows.append({"group": lab, "n": int(m.sum()), "pop_share": P, "income_share": S,
                     "theil": t_g, "within_contribution": S * t_g})
    tab = pd.DataFrame(rows)
    between = float(np.sum(xlogy(tab.income_share, tab.income_share / tab.pop_share)))
    return TheilResult(total, between, float(tab.within_contribution.sum()), tab, weights is not None)


# --------------------------------------------------------------------------- Dagum
def _pair_sums(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Return sum over all pairs of max(x_i - y_r, 0) and of max(y_r - x_i, 0), in O(n log n)."""
    ys = np.sort(y)
    cs = np.concatenate([[0.0], np.cumsum(ys)])
    k = np.searchsorted(ys, x, side="right")  # number of y_r <= x_i
    above_x = k * x - cs[k]
    below_x = (cs[-1] - cs[k]) - (ys.size - k) * x
    return float(above_x.sum()), float(below_x.sum())


def gini(values) -> float:
    r"""Mean-difference Gini :math:`G = \sum_i\sum_r |y_i - y_r| / (2 n^2 \mu)` (no n/(n-1) factor)."""
    y = _values(values)
    up, down = _pair_sums(y, y)
    return (up + down) / (2 * y.size ** 2 * y.mean())


@dataclass(frozen=True)
class DagumResult:
    """Dagum (1997) Gini decomposition ``gini = within + net_between + transvariation``.

    ``groups``: ``group``, ``n``, ``mean``, ``p`` (n_j/n), ``s`` (n_j mu_j / n mu), ``gini``
    (G_jj), ``within`` (G_jj p_j s_j). ``pairs``: ``group_j``, ``group_h``, ``gini`` (G_jh),
    ``d`` and ``p`` (mean gross differences in favour of the richer and of the poorer group),
    ``D`` (relative economic affluence D_jh), ``weight`` (p_j s_h + p_h s_j), ``net_between``,
    ``transvariation``.
    """

    gini: float
    within: float
    net_between: float
    transvariation: float
    groups: pd.DataFrame
    pairs: pd.DataFrame

    def __post_init__(self) -> None:
        gap = abs(self.gini - self.within - self.net_between - self.transvariation)
        if gap > _REL_TOL * max(1.0, abs(self.gini)):
            raise ArithmeticError(f"Dagum identity G = G_w + G_nb + G_t fails by {gap:.3e}")

    @property
    def contributions(self) -> dict[str, float]:
        """Shares of G_w, G_nb and G_t in G (they sum to 1)."""
        return {"within": self.within / self.gini, "net_between": self.net_between / self.gini,
                "transvariation": self.transvariation / self.gini}

    def tidy(self) -> pd.DataFrame:
        """Long table with columns ``quantity``, ``group_j``, ``group_h``, ``value``."""
        c = self.contributions
        rows = [("G", None, None, self.gini), ("G_w", None, None, self.within),
                ("G_nb", None, None, self.net_between), ("G_t", None, None, self.transvariation),
                ("share_w", None, None, c["within"]), ("share_nb", None, None, c["net_between"]),
                ("share_t", None, None, c["transvariation"])]
        rows += [("G_jj", r.group, r.group, r.gini) for r in self.groups.itertuples(index=False)]
        for r in self.pairs.itertuples(index=False):
            rows += [("G_jh", r.group_j, r.group_h, r.gini), ("D_jh", r.group_j, r.group_h, r.D)]
        return pd.DataFrame(rows, columns=["quantity", "group_j", "group_h", "value"])


def dagum_gini(values, groups, *, order: Sequence | None = None) -> DagumResult:
    r"""Dagum (1997) decomposition of the Gini ratio into within, net between and transvariation.

    With *k* groups of sizes :math:`n_j`, means :math:`\mu_j`, :math:`p_j = n_j/n` and
    :math:`s_j = n_j\mu_j/(n\mu)`:

    .. math::
        G_{jj} = \frac{\sum_i\sum_r |y_{ji}-y_{jr}|}{2\mu_j n_j^2},\qquad
        G_{jh} = \frac{\sum_i\sum_r |y_{ji}-y_{hr}|}{n_j n_h(\mu_j+\mu_h)},\qquad
        D_{jh} = \frac{d_{jh}-p_{jh}}{d_{jh}+p_{jh}},

        G = \underbrace{\sum_j G_{jj} p_j s_j}_{G_w}
          + \underbrace{\sum_{j<h} G_{jh}(p_j s_h + p_h s_j) D_{jh}}_{G_{nb}}
          + \underbrace{\sum_{j<h} G_{jh}(p_j s_h + p_h s_j)(1-D_{jh})}_{G_t},

    where, for the pair ordered so that :math:`\mu_j \ge \mu_h`, :math:`d_{jh}` is the mean of
    :math:`\max(y_{ji}-y_{hr},0)` over all cross pairs and :math:`p_{jh}` the mean of
    :math:`\max(y_{hr}-y_{ji},0)` (so :math:`0 \le D_{jh} \le 1`). *G* is the ordinary
    mean-difference Gini of the pooled data. Pairs with identical values everywhere
    (:math:`d_{jh}+p_{jh}=0`) get :math:`D_{jh}=0`; their weight in *G* is zero anyway.

    Parameters
    ----------
    values : array-like
        One non-negative value per unit.
    groups : array-like
        Group label per unit (at least one group).
    order : sequence, optional
        Order of group labels in the output (default: sorted labels); pairs follow it.

    References
    ----------
    Dagum, C. (1997). A new approach to the decomposition of the Gini income inequality ratio.
    *Empirical Economics*, 22(4), 515-531.
    """
    y = _values(values)
    codes, levels = _labels(groups, y.size, order)
    n, mu = y.size, y.mean()
    up, down = _pair_sums(y, y)
    total = (up + down) / (2 * n ** 2 * mu)
    parts = [y[codes == k] for k in range(len(levels))]
    grp = pd.DataFrame({"group": levels, "n": [v.size for v in parts], "mean": [v.mean() for v in parts]})
    grp["p"] = grp.n / n
    grp["s"] = grp.n * grp["mean"] / (n * mu)
    grp["gini"] = [sum(_pair_sums(v, v)) / (2 * v.mean() * v.size ** 2) if v.sum() > 0 else 0.0 for v in parts]
    grp["within"] = grp.gini * grp.p * grp.s
    rows = []
    for j in range(len(levels)):
        for h in range(j + 1, len(levels)):
            rows.append(_dagum_pair(parts[j], parts[h], grp.iloc[j], grp.iloc[h]))
    cols = ["group_j", "group_h", "gini", "d", "p", "D", "weight", "net_between", "transvariation"]
    pairs = pd.DataFrame(rows, columns=cols)
    return DagumResult(float(total), float(grp.within.sum()), float(pairs.net_between.sum()),
                       float(pairs.transvariation.sum()), grp, pairs)


def _dagum_pair(yj: np.ndarray, yh: np.ndarray, gj: pd.Series, gh: pd.Series) -> tuple:
    j_over_h, h_over_j = _pair_sums(yj, yh)
    npairs = yj.size * yh.size
    g_jh = (j_over_h + h_over_j) / (npairs * (gj["mean"] + gh["mean"]))
    if gj["mean"] >= gh["mean"]:
        d, p = j_over_h / npairs, h_over_j / npairs
    else:
        d, p = h_over_j / npairs, j_over_h / npairs
    big_d = (d - p) / (d + p) if d + p > 0 else 0.0
    weight = gj.p * gh.s + gh.p * gj.s
    return (gj.group, gh.group, g_jh, d, p, big_d, weight, g_jh * weight * big_d, g_jh * weight * (1 - big_d))


# --------------------------------------------------------------------------- panels
def _by_year(data: pd.DataFrame, year: str, cols: list[str], fit) -> pd.DataFrame:
    missing = [c for c in [year, *cols] if c not in data.columns]
    if missing:
        raise ValueError(f"data lack column(s) {missing}")
    out = []
    for yr, d in data.groupby(year, sort=True):
        tab = fit(d).tidy()
        tab.insert(0, year, yr)
        out.append(tab)
    return pd.concat(out, ignore_index=True)


def theil_by_year(data: pd.DataFrame, *, value: str, year: str, group: str | None = None,
                  weight: str | None = None, allow_zero: bool = False,
                  order: Sequence | None = None) -> pd.DataFrame:
    """Apply :func:`theil` to each year of a long panel; tidy rows ``year, quantity, group, value``."""
    cols = [value] + [c for c in (group, weight) if c is not None]
    return _by_year(data, year, cols, lambda d: theil(
        d[value], None if group is None else d[group], weights=None if weight is None else d[weight],
        allow_zero=allow_zero, order=order))


def dagum_by_year(data: pd.DataFrame, *, value: str, year: str, group: str,
                  order: Sequence | None = None) -> pd.DataFrame:
    """Apply :func:`dagum_gini` to each year; tidy rows ``year, quantity, group_j, group_h, value``."""
    return _by_year(data, year, [value, group], lambda d: dagum_gini(d[value], d[group], order=order))
