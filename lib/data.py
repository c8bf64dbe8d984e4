"""Load the curated panel and derive the study variables, with the panel's shape checked.

The derived variables are defined once here (see ``DERIVED``); chapters never recompute them.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib import paths
from lib.cities import CITIES, CODES
from lib.indicators import location_quotient


class PanelError(ValueError):
    """The panel is not the balanced 13-city panel the analysis needs."""


def data_dir(edition: str = "open"):
    """Curated folder of an edition: data/open, or data/full/curated (made by `thesis build --edition full`)."""
    folder = paths.DATA / "open" if edition == "open" else paths.FULL_CURATED
    if not (folder / "panel.csv").exists():
        raise FileNotFoundError(f"no curated panel in {folder}; for the open edition run "
                                "`python -m lib.curate`, for the full edition put your data in data/full "
                                "(schema: data/full_schema.md) and run `thesis check data/full`")
    return folder


def load_raw_panel(edition: str = "open") -> pd.DataFrame:
    """The curated wide panel (13 cities x study years), exactly as committed."""
    df = pd.read_csv(data_dir(edition) / "panel.csv")
    check_balanced(df)
    return df


def check_balanced(df: pd.DataFrame, *, years=None) -> None:
    """Raise PanelError naming the missing or duplicated city-years."""
    bad_keys = df[["city_code", "year"]].isna().any(axis=1)
    if bad_keys.any():
        raise PanelError(f"{int(bad_keys.sum())} row(s) have no city code or year (first at row "
                         f"{df.index[bad_keys][0]})")
    dup = df[df.duplicated(["city_code", "year"], keep=False)]
    if len(dup):
        r = dup.iloc[0]
        raise PanelError(f"duplicate rows for city {r.city_code}, year {r.year}")
    years = sorted(df.year.unique()) if years is None else list(years)
    grid = pd.MultiIndex.from_product([CODES, years], names=["city_code", "year"])
    have = pd.MultiIndex.from_frame(df[["city_code", "year"]])
    missing = grid.difference(have)
    if len(missing):
        shown = ", ".join(f"{c}-{y}" for c, y in list(missing)[:8])
        raise PanelError(f"panel unbalanced: {len(missing)} city-years missing ({shown})")
    extra = set(df.city_code) - set(CODES)
    if extra:
        raise PanelError(f"unknown city codes in panel: {sorted(extra)}")


@dataclass(frozen=True)
class Derived:
    name: str
    definition: str
    unit: str


DERIVED = (
    Derived("lq_va", "Location quotient of secondary-industry value added, relative to all prefecture "
            "cities in the same workbook", "ratio"),
    Derived("lq_emp", "Location quotient of secondary-industry employment, relative to all cities in the "
            "same CSMAR file", "ratio"),
    Derived("density", "Economic density: ln(GDP per km2 of land area), GDP in 10,000 CNY", "log"),
    Derived("gdp_pc", "GDP per resident person", "CNY"),
    Derived("fin_dev", "Loans of financial institutions over GDP", "ratio"),
    Derived("log_pop_density", "ln(resident persons per km2)", "log"),
    Derived("log_deflator", "ln(GDP deflator, 2000 = 1)", "log"),
)


def load_panel(edition: str = "open") -> pd.DataFrame:
    """Curated panel plus the derived study variables, sorted by city code and year."""
    df = load_raw_panel(edition)
    ref = pd.read_csv(data_dir(edition) / "reference_economy.csv").set_index("year")
    r = ref.reindex(df.year)
    df = df.copy()
    df["lq_va"] = location_quotient(df.va_secondary, df.gdp, r.va_secondary_total.to_numpy(),
                                    r.gdp_total.to_numpy())
    emp_sec = df.employed * df.emp_share_secondary / 100
    ok = emp_sec.notna() & r.employed_secondary_total.notna().to_numpy()
    df["lq_emp"] = np.nan
    df.loc[ok, "lq_emp"] = location_quotient(emp_sec[ok], df.employed[ok],
                                             r.employed_secondary_total.to_numpy()[ok],
                                             r.employed_total.to_numpy()[ok])
    df["density"] = np.log(df.gdp * 1e4 / df.land_area)
    df["gdp_pc"] = df.gdp * 1e8 / (df.pop_resident * 1e4)
    df["fin_dev"] = df.loans / df.gdp
    df["log_pop_density"] = np.log(df.pop_resident * 1e4 / df.land_area)
    df["log_deflator"] = np.log(df.gdp_deflator)
    return df.sort_values(["city_code", "year"]).reset_index(drop=True)


def city_labels() -> pd.DataFrame:
    return CITIES.copy()
