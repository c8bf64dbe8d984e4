"""Reference cases for the two-way FE estimator and the Hausman test (REFERENCES.md section c)."""
from __future__ import annotations


import numpy as np
import pandas as pd

from lib import panel, paths
from lib.validation import Check, case, expected

_DIR = paths.REFERENCE / "panel_fe"
_X = ["lpcap", "lpc", "lemp", "unemp"]


def _produc() -> pd.DataFrame:
    d = pd.read_csv(_DIR / "Produc_plm.csv")
    return d.assign(lgsp=np.log(d.gsp), lpcap=np.log(d.pcap), lpc=np.log(d.pc), lemp=np.log(d.emp))


@case("fe_produc_twoway", area="panel", method="Two-way FE, conventional and clustered SE (Stata/plm sss)",
      reference="R plm on Munnell's Produc data", grade="exact reproduction of peer software")
def produc() -> list[Check]:
    e, d = expected("panel_fe")["produc_twoway"], _produc()
    cl = panel.fit_fe(d, "lgsp", _X, entity="state", time="year", cluster="entity")
    conv = panel.fit_fe(d, "lgsp", _X, entity="state", time="year", cluster=None)
    out = [Check(f"coef {x}", cl.params[x], v, e["tolerance_coef"]) for x, v in zip(_X, e["coef"])]
    out += [Check(f"se conventional {x}", conv.se[x], v, e["tolerance_se_relative"], relative=True)
            for x, v in zip(_X, e["se_conventional"])]
    out += [Check(f"se clustered {x}", cl.se[x], v, e["tolerance_se_relative"], relative=True)
            for x, v in zip(_X, e["se_cluster_sss"])]
    return out


@case("hausman_grunfeld", area="panel", method="Hausman test FE vs RE",
      reference="R plm phtest on Grunfeld", grade="exact reproduction of peer software")
def grunfeld() -> list[Check]:
    e = expected("panel_fe")["grunfeld_hausman"]
    h = panel.hausman(pd.read_csv(_DIR / "Grunfeld_plm.csv"), "inv", ["value", "capital"],
                      entity="firm", time="year")
    return [Check("chi2", h.chi2, e["chisq"], e["tolerance"]), Check("p", h.pvalue, e["p"], e["tolerance"]),
            Check("df", h.df, e["df"], 0)]
