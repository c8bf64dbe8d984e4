"""The high-quality development indicator system: the thesis's design and the open edition's proxies.

Each indicator names its dimension (innovation, coordination, green, openness, sharing), its
direction (+1 benefit, -1 cost), how it is computed from the curated panel, and, in the open
edition, which thesis indicator it stands in for. The edition note in the book is this table.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from lib.indicators import IndexResult, composite_index

DIMENSIONS = ("innovation", "coordination", "green", "openness", "sharing")


@dataclass(frozen=True)
class Indicator:
    name: str
    dimension: str
    direction: int
    definition: str
    compute: Callable[[pd.DataFrame], pd.Series]
    replaces: str  # the thesis indicator this stands in for ('' if it is the thesis's own)
    caveat: str = ""


def patents_per_10k(df: pd.DataFrame) -> pd.Series:
    """Provincial patents granted per 10,000 residents (province population summed from its cities)."""
    prov = np.where(df.city_code < 130000, df.city_code, 130000)
    pop = df.groupby([prov, df.year]).pop_resident.transform("sum")
    return df.patents_granted_prov / pop


def _fdi_gdp(df: pd.DataFrame, fx: pd.Series) -> pd.Series:
    return df.fdi * 1e6 * df.year.map(fx) / (df.gdp * 1e8)


def open_indicators(fx: pd.Series) -> tuple[Indicator, ...]:
    """The open edition's indicators, computed only from real curated series."""
    gdppc = lambda d: d.gdp * 1e8 / (d.pop_resident * 1e4)  # noqa: E731
    return (
        Indicator("rd_intensity", "innovation", 1, "R&D spending / GDP of the province (%)",
                  lambda d: d.rd_intensity_prov, "R&D spending / GDP of the city",
                  "provincial value: the 11 Hebei cities share Hebei's figure"),
        Indicator("patents_per_10k", "innovation", 1, "Patents granted per 10,000 residents, province",
                  patents_per_10k, "patents granted per 10,000 residents of the city",
                  "provincial value: the 11 Hebei cities share Hebei's figure"),
        Indicator("ts_ratio", "coordination", 1, "Tertiary / secondary value added",
                  lambda d: d.va_tertiary / d.va_secondary, ""),
        Indicator("gdppc_gap", "coordination", -1,
                  "|ln(GDP per capita / 13-city mean of the year)|",
                  lambda d: np.abs(np.log(gdppc(d) / gdppc(d).groupby(d.year).transform("mean"))),
                  "urban-rural income ratio", "regional rather than urban-rural balance"),
        Indicator("co2_intensity", "green", -1, "CO2 (t) per 10,000 CNY of GDP",
                  lambda d: d.co2 / (d.gdp * 1e4), "energy use and pollutant emissions per unit of GDP",
                  "EDGAR is a modelled inventory"),
        Indicator("fdi_gdp", "openness", 1, "Foreign direct investment actually used (USD, converted at the "
                  "annual average CNY rate of the G-P exchange-rate table) / GDP",
                  lambda d: _fdi_gdp(d, fx), "imports and exports / GDP",
                  "FDI stops in 2021 for 10 of the 13 cities"),
        Indicator("gdp_pc", "sharing", 1, "GDP per resident (CNY)", gdppc,
                  "per-capita disposable income", ""),
        Indicator("road_area_pc", "sharing", 1, "Urban road area per capita (m2)",
                  lambda d: d.road_area_pc, ""),
        Indicator("deposits_pc", "sharing", 1, "Deposits of financial institutions per resident (CNY)",
                  lambda d: d.deposits * 1e8 / (d.pop_resident * 1e4),
                  "per-capita consumption, doctors and teachers per capita",
                  "deposits include corporate deposits"),
    )


def indicator_table(indicators: tuple[Indicator, ...]) -> pd.DataFrame:
    return pd.DataFrame([{"indicator": i.name, "dimension": i.dimension,
                          "direction": "+" if i.direction > 0 else "-", "definition": i.definition,
                          "replaces": i.replaces, "caveat": i.caveat} for i in indicators])


def indicator_matrix(df: pd.DataFrame, indicators: tuple[Indicator, ...]) -> pd.DataFrame:
    X = pd.DataFrame({i.name: i.compute(df) for i in indicators})
    X.index = pd.MultiIndex.from_frame(df[["city_code", "year"]])
    return X


def complete_years(X: pd.DataFrame) -> list[int]:
    """Years in which every indicator is observed for every city (the index window)."""
    ok = X.notna().all(axis=1).groupby(level="year").all()
    return [int(y) for y in ok.index[ok]]


def build_index(df: pd.DataFrame, indicators: tuple[Indicator, ...], *, years: list[int],
                weighting: str = "entropy", shift: float = 1e-4) -> IndexResult:
    """Entropy-weight (or equal-weight) index over the given years, pooled min-max standardisation."""
    X = indicator_matrix(df, indicators)
    X = X[X.index.get_level_values("year").isin(years)]
    dims = {i.name: i.dimension for i in indicators}
    dirs = {i.name: i.direction for i in indicators}
    return composite_index(X, dirs, dims, weighting=weighting, shift=shift)


def open_edition_index(df: pd.DataFrame, folder, *, weighting: str = "entropy",
                       shift: float = 1e-4) -> tuple[tuple[Indicator, ...], list[int], IndexResult]:
    """The open edition's indicator system, its complete-data window and the index over it."""
    fx = pd.read_csv(folder / "exchange_rate.csv").set_index("year").cny_per_usd
    system = open_indicators(fx)
    years = complete_years(indicator_matrix(df, system))
    return system, years, build_index(df, system, years=years, weighting=weighting, shift=shift)


def declared_indicators(folder) -> tuple[Indicator, ...]:
    """The full edition's index indicators, as the user declared them in indicators.csv."""
    decl = pd.read_csv(folder / "indicators.csv", dtype=str, keep_default_na=False)
    decl = decl[decl.role == "hqd"]
    return tuple(Indicator(r.indicator, r.dimension, int(r.direction.replace("+", "")), r.definition,
                           (lambda name: lambda d: d[name])(r.indicator), "") for r in decl.itertuples())


def edition_index(df: pd.DataFrame, folder, *, weighting: str = "entropy",
                  shift: float = 1e-4) -> tuple[tuple[Indicator, ...], list[int], IndexResult]:
    """Index of the edition whose curated folder is given: declared indicators (full) or open proxies."""
    if (folder / "indicators.csv").exists():
        system = declared_indicators(folder)
        years = complete_years(indicator_matrix(df, system))
        return system, years, build_index(df, system, years=years, weighting=weighting, shift=shift)
    return open_edition_index(df, folder, weighting=weighting, shift=shift)
