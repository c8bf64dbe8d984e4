"""Reference cases for disparity and density: Theil (PySAL), Dagum (identities), KDE (R)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from lib.density import bandwidth, kde
from lib.inequality import dagum_gini, theil
from lib.paths import REFERENCE
from lib.validation import Check, case, expected

FOLDER = REFERENCE / "inequality"


def _mexico() -> pd.DataFrame:
    return pd.read_csv(FOLDER / "mexico_libpysal.csv")


@case("theil_mexico_pysal", area="inequality", method="Theil T index, between/within groups",
      reference="PySAL inequality Theil/TheilD, Mexico state per-capita GDP 1940-2000, hanson98 regions",
      grade="exact reproduction of peer software (to printed precision)")
def theil_mexico_pysal() -> list[Check]:
    exp, df = expected("inequality")["theil_mexico_pysal"], _mexico()
    tol, out = exp["tolerance"], []
    for yr, t, bg in zip(exp["years"], exp["T"], exp["between"]):
        res = theil(df[f"pcgdp{yr}"], df["hanson98"])
        out += [Check(f"T {yr}", res.total, t, tol), Check(f"between {yr}", res.between, bg, tol),
                Check(f"within {yr}", res.within, t - bg, tol)]
    return out


@case("theil_toy_ln2", area="inequality", method="Theil T index, between/within groups",
      reference="analytic toy case: two equal groups, one with all income -> T = between = ln 2",
      grade="exact analytic value")
def theil_toy_ln2() -> list[Check]:
    exp = expected("inequality")["theil_toy_ln2"]
    res = theil([0, 0, 0, 10, 10, 10], [0, 0, 0, 1, 1, 1], allow_zero=True)
    v = exp["values"]
    return [Check("T", res.total, v["T"], exp["tolerance"]),
            Check("between", res.between, v["between"], exp["tolerance"]),
            Check("within", res.within, v["within"], exp["tolerance"])]


def _rank_gini(y: np.ndarray) -> float:
    ys = np.sort(y)
    n = ys.size
    return 2 * np.sum(np.arange(1, n + 1) * ys) / (n * ys.sum()) - (n + 1) / n


@case("dagum_identities", area="inequality", method="Dagum (1997) Gini decomposition",
      reference="Dagum (1997), Empirical Economics 22(4):515-531; Mexico 2000 data",
      grade="identities only, no published worked case")
def dagum_identities() -> list[Check]:
    tol = expected("inequality")["dagum_identities"]["tolerance"]
    df = _mexico()
    y = df["pcgdp2000"].to_numpy()
    res = dagum_gini(y, df["hanson98"])
    out = [Check("G vs rank-formula Gini", res.gini, _rank_gini(y), tol),
           Check("G - (G_w + G_nb + G_t)", res.gini - res.within - res.net_between - res.transvariation, 0.0, tol)]
    perm = np.random.default_rng(0).permutation(y.size)
    res_p = dagum_gini(y[perm], df["hanson98"].to_numpy()[perm])
    for name in ("gini", "within", "net_between", "transvariation"):
        out.append(Check(f"{name} after permutation", getattr(res_p, name), getattr(res, name), tol))
    terc = pd.qcut(y, 3, labels=["low", "mid", "high"]).astype(str)
    sep = dagum_gini(y, terc)
    out.append(Check("non-overlapping groups: G_t", sep.transvariation, 0.0, tol))
    out += [Check(f"non-overlapping groups: D {r.group_j}-{r.group_h}", r.D, 1.0, tol)
            for r in sep.pairs.itertuples(index=False)]
    return out


@case("kde_faithful_R", area="inequality", method="Gaussian kernel density, bw.nrd0",
      reference="R 4.2.2 stats::density / bw.nrd0 on faithful$eruptions (n = 272)",
      grade="bandwidth exact; densities within R's FFT-binning error (5e-3 relative)")
def kde_faithful_r() -> list[Check]:
    exp = expected("inequality")["kde_faithful_R"]
    x = pd.read_csv(FOLDER / "faithful.csv")["eruptions"].to_numpy()
    bw = exp["bandwidth"]
    out = [Check("bw.nrd0", bandwidth(x, "nrd0"), bw["value"], bw["tolerance"])]
    res = kde(x, grid=exp["x"])
    out += [Check(f"density at {g}", d, e, exp["density_tolerance"], relative=exp["density_relative"])
            for g, d, e in zip(exp["x"], res.density, exp["density"])]
    return out
