"""Reference cases for stepwise mediation: pingouin docstring example (OLS paths, Sobel, bootstrap)."""
from __future__ import annotations

import pandas as pd

from lib.mediation import mediation
from lib.paths import REFERENCE
from lib.validation import Check, case, expected

FOLDER = REFERENCE / "mediation"
BOOT_SEED = 20240601


def _data() -> pd.DataFrame:
    return pd.read_csv(FOLDER / "pingouin_mediation.csv")


@case("pingouin_mediation_ols", area="mediation", method="stepwise mediation, OLS paths and Sobel test",
      reference="pingouin 0.7.0 mediation_analysis docstring (n = 100); Sobel by R multilevel::sobel",
      grade="exact reproduction of peer software (to printed precision)")
def pingouin_mediation_ols() -> list[Check]:
    exp = expected("mediation")["pingouin_mediation_ols"]
    r = mediation(_data(), x="X", m="M", y="Y")
    p = r.paths.loc["M"]
    got = {"a": p.a, "a_se": p.a_se, "total": r.total, "total_se": r.total_se, "direct": r.direct,
           "direct_se": r.direct_se, "indirect": p.indirect, "sobel_se": p.sobel_se, "sobel_z": p.sobel_z}
    out = [Check(k, got[k], v, exp["tolerance"]) for k, v in exp["values"].items()]
    out.append(Check("a*b - (c - c')", p.indirect - (r.total - r.direct), 0.0, 1e-12))
    return out


@case("pingouin_mediation_bootstrap", area="mediation", method="bootstrap percentile CI of a*b",
      reference="pingouin 0.7.0 mediation_analysis docstring, 500-rep percentile CI [0.219818, 0.537654]",
      grade="statistical agreement only (seeded 2000-rep bootstrap vs peer's 500-rep CI)")
def pingouin_mediation_bootstrap() -> list[Check]:
    exp = expected("mediation")["pingouin_mediation_bootstrap"]
    lo_ref, hi_ref = exp["ci"]
    tol = exp["checks"]
    r = mediation(_data(), x="X", m="M", y="Y", n_boot=2000, seed=BOOT_SEED)
    b, p = r.bootstrap.table.loc["M"], r.paths.loc["M"]
    mid = (lo_ref + hi_ref) / 2
    return [Check("percentile CI lower", b.pct_low, lo_ref, tol["ci_endpoint_tolerance"]),
            Check("percentile CI upper", b.pct_high, hi_ref, tol["ci_endpoint_tolerance"]),
            Check("peer CI midpoint inside project CI (1 = yes)", float(b.pct_low < mid < b.pct_high), 1.0, 0.0),
            Check("bootstrap SE vs Sobel SE", b.boot_se, p.sobel_se, tol["boot_se_vs_sobel_se_relative_tolerance"],
                  relative=True)]
