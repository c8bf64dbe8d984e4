"""SYNTHETIC full-edition dataset for tests only: invented numbers in the documented schema.

Nothing here is data about the 13 cities; it exists to prove that the full-edition path (check,
curate, build) runs end to end, and to derive broken copies, one per kind of fault.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lib.cities import CITIES

YEARS = range(2012, 2023)
INDICATORS = [
    # indicator, role, dimension, direction, unit, definition, advanced
    ("emp_c35_special_equipment", "industry_employment", "", "", "10k persons", "SYNTHETIC employment C35", "1"),
    ("emp_c39_electronics", "industry_employment", "", "", "10k persons", "SYNTHETIC employment C39", "1"),
    ("emp_c17_textiles", "industry_employment", "", "", "10k persons", "SYNTHETIC employment C17", "0"),
    ("emp_total", "total_employment", "", "", "10k persons", "SYNTHETIC total employment", ""),
    ("patents_per_10k", "hqd", "innovation", "1", "per 10k persons", "SYNTHETIC patents", ""),
    ("urban_rural_ratio", "hqd", "coordination", "-1", "ratio", "SYNTHETIC income ratio", ""),
    ("energy_per_gdp", "hqd", "green", "-1", "tce per 10k CNY", "SYNTHETIC energy intensity", ""),
    ("trade_gdp", "hqd", "openness", "1", "ratio", "SYNTHETIC trade over GDP", ""),
    ("doctors_per_10k", "hqd", "sharing", "1", "per 10k persons", "SYNTHETIC doctors", ""),
    ("rd_spending", "mediator", "innovation", "", "100 million CNY", "SYNTHETIC R&D", ""),
    ("fixed_investment", "mediator", "capital", "", "100 million CNY", "SYNTHETIC investment", ""),
    ("retail_sales", "mediator", "consumption", "", "100 million CNY", "SYNTHETIC retail sales", ""),
]


def write_synthetic_full(folder: Path, seed: int = 7) -> Path:
    """Write observations.csv, indicators.csv and reference.csv (SYNTHETIC) into ``folder``."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    ind = pd.DataFrame(INDICATORS, columns=["indicator", "role", "dimension", "direction", "unit",
                                            "definition", "advanced"])
    ind.to_csv(folder / "indicators.csv", index=False)
    rows = []
    for code, name in zip(CITIES.city_code, CITIES.city_zh):
        base = rng.uniform(50, 500)
        for y in YEARS:
            t = y - 2012
            total = base * (1 + 0.02 * t)
            values = {"emp_c35_special_equipment": total * rng.uniform(0.01, 0.05),
                      "emp_c39_electronics": total * rng.uniform(0.01, 0.06),
                      "emp_c17_textiles": total * rng.uniform(0.01, 0.04), "emp_total": total}
            for r in INDICATORS[4:]:
                values[r[0]] = rng.uniform(1, 10) * (1 + 0.03 * t)
            for k, v in values.items():
                unit = ind.set_index("indicator").unit[k]
                rows.append({"city": name if code % 2 else code, "year": y, "indicator": k,
                             "value": round(v, 4), "unit": unit, "source": "SYNTHETIC test fixture"})
    pd.DataFrame(rows).to_csv(folder / "observations.csv", index=False)
    ref = [{"year": y, "indicator": k, "value": v * (1 + 0.02 * (y - 2012))}
           for y in YEARS for k, v in (("emp_c35_special_equipment", 500.0), ("emp_c39_electronics", 700.0),
                                       ("emp_c17_textiles", 400.0), ("emp_total", 20000.0))]
    pd.DataFrame(ref).to_csv(folder / "reference.csv", index=False)
    return folder
