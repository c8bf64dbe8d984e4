"""Reference cases for location quotients, entropy weights and TOPSIS (REFERENCES.md section a, b)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd

from lib import indicators, paths
from lib.validation import Check, case, expected

_DIR = paths.REFERENCE / "indicators"


@case("lq_reat_locq", area="indicators", method="Location quotient",
      reference="REAT locq example (Farhauer and Kröll 2013)", grade="exact reproduction of a published case")
def lq_reat() -> list[Check]:
    e = expected("indicators")["lq_reat_locq"]
    lq = indicators.location_quotient(*e["inputs"])
    return [Check("LQ", float(lq), e["value"], e["tolerance"])]


def _entropy_case(key: str, matrix) -> list[Check]:
    e = expected("indicators")[key]
    X = pd.DataFrame(np.asarray(matrix, dtype=float))
    Z = indicators.standardise(X, {c: 1 for c in X.columns}, method="sum")
    w = indicators.entropy_weights(Z).weights.to_numpy()
    return [Check(f"w{j + 1}", w[j], v, e["tolerance"]) for j, v in enumerate(e["weights"])]


@case("entropy_xu2004", area="indicators", method="Entropy weights (raw-sum path)",
      reference="Xu (2004), EJOR 156(2):530-532", grade="exact reproduction of a published case")
def entropy_xu() -> list[Check]:
    return _entropy_case("entropy_xu2004", expected("indicators")["entropy_xu2004"]["matrix"])


@case("entropy_elsayed2017", area="indicators", method="Entropy weights (raw-sum path)",
      reference="Elsayed, Dawood and Karthikeyan (2017), IJETT 46(2):60-66",
      grade="exact reproduction of a published case")
def entropy_elsayed() -> list[Check]:
    m = json.loads((_DIR / "entropy_elsayed2017.json").read_text(encoding="utf-8"))
    return _entropy_case("entropy_elsayed2017", m["entropy_Elsayed2017_IJETT46"]["matrix"])


@case("topsis_opricovic2004", area="indicators", method="TOPSIS closeness",
      reference="Opricovic and Tzeng (2004), EJOR 156(2):445-455", grade="exact reproduction of a published case")
def topsis_case() -> list[Check]:
    e = expected("indicators")["topsis_opricovic2004"]
    X = pd.DataFrame(e["matrix"], columns=["c1", "c2"])
    c = indicators.topsis(X, e["weights"], dict(zip(X.columns, e["directions"])),
                         normalisation=e["normalisation"])
    return [Check(f"C{i + 1}", c.iloc[i], v, e["tolerance"]) for i, v in enumerate(e["closeness"])]
