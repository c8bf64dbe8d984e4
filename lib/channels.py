"""Mediator proxies for the thesis's three channels, and an explicit rule for whether each is a test.

The thesis names three channels from agglomeration to high-quality development: technological
innovation, capital investment and consumption. Open data offer only a few series for them, and
several are themselves indicators of the development index (:mod:`lib.hqd`). A mediator that is
an index indicator makes the path M -> Y partly an identity (Y is a weighted sum that contains M),
and a provincial series does not vary across the 11 Hebei cities, so neither can test a city-level
channel. Each candidate is recorded here with the facts that decide this, and :func:`verdict`
applies one rule to them:

* the proxy must measure the channel (a declared judgement, with its reason);
* it must vary across cities (``level == "city"``), checked on the data by :func:`distinct_per_year`;
* it must not be an indicator of the index (``index_indicator == ""``);
* it must be complete over the estimation window, checked by :func:`complete`.

Only a candidate that passes all four is used as a test; the chapter reports the others as
illustrations at most, and says when a channel cannot be tested on open data.

In the full edition the candidates are the user's declared mediators (:func:`declared_proxies`,
role ``mediator`` in ``indicators.csv``); :func:`edition_proxies` picks the edition's candidates, and
the same rule decides which of them is a test.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lib.hqd import patents_per_10k

CHANNELS = ("innovation", "capital", "consumption")


def _per_resident(col: str) -> Callable[[pd.DataFrame], pd.Series]:
    # stock in 100 million CNY over residents in 10,000 persons -> CNY per resident, in logs
    return lambda d: np.log(d[col] * 1e8 / (d.pop_resident * 1e4))


@dataclass(frozen=True)
class Proxy:
    """One candidate mediator series."""

    channel: str
    name: str  # column added to the frame
    label: str  # for tables and figures
    definition: str
    level: str  # "city" or "province"
    index_indicator: str  # the index indicator it is (or is a monotone transform of); "" if none
    measures_channel: bool  # declared judgement: does the series measure the channel at all?
    reason: str  # why (or why not) it measures the channel
    compute: Callable[[pd.DataFrame], pd.Series]
    role: str = "main"  # "main" or "robustness" (an alternative proxy of a tested channel)


PROXIES: tuple[Proxy, ...] = (
    Proxy("innovation", "patents_per_10k", "Patents granted per 10,000 residents (province)",
          "Patents granted in the province over its resident population", "province", "patents_per_10k",
          True, "patents are the usual output measure of innovation", patents_per_10k),
    Proxy("innovation", "rd_intensity", "R&D spending / GDP (province, %)",
          "R&D expenditure over GDP of the province", "province", "rd_intensity",
          True, "R&D intensity is the usual input measure of innovation",
          lambda d: d.rd_intensity_prov),
    Proxy("capital", "ln_loans_pc", "ln loans per resident (city)",
          "ln(year-end loans of financial institutions / resident population), CNY", "city", "",
          True, "the stock of bank credit finances investment; city fixed-asset investment is not "
          "in the open data after 2014", _per_resident("loans")),
    Proxy("capital", "loans_gdp", "Loans / GDP (city)",
          "Year-end loans of financial institutions over GDP (the baseline control fin_dev)", "city", "",
          True, "credit depth; shares GDP with the denominator of the location quotient",
          lambda d: d.loans / d.gdp, role="robustness"),
    Proxy("consumption", "ln_deposits_pc", "ln deposits per resident (city)",
          "ln(year-end deposits of financial institutions / resident population), CNY", "city",
          "deposits_pc", False, "deposits are savings (household and corporate), not consumption",
          _per_resident("deposits")),
    Proxy("consumption", "ln_avg_wage", "ln average wage (city)",
          "ln(average wage of employees), CNY per year", "city", "",
          False, "wages are income of employees, not consumption", lambda d: np.log(d.avg_wage)),
)


def add_proxies(df: pd.DataFrame, proxies: tuple[Proxy, ...] = PROXIES) -> pd.DataFrame:
    """Copy of ``df`` with one column per proxy (named ``proxy.name``)."""
    out = df.copy()
    for p in proxies:
        out[p.name] = np.asarray(p.compute(out), dtype=float)
    return out


def distinct_per_year(df: pd.DataFrame, col: str) -> int:
    """Largest number of distinct values of ``col`` across cities in any year (3 for a provincial
    series over Beijing, Tianjin and Hebei)."""
    return int(df.groupby("year")[col].nunique().max())


def complete(df: pd.DataFrame, col: str) -> bool:
    """True if ``col`` is observed (finite) for every row of ``df``."""
    v = df[col].to_numpy(float)
    return bool(np.isfinite(v).all())


@dataclass(frozen=True)
class Verdict:
    proxy: Proxy
    varies_by_city: bool
    in_index: bool
    complete: bool
    usable: bool
    why_not: str  # "" when usable


def verdict(p: Proxy, df: pd.DataFrame, *, n_provinces: int = 3) -> Verdict:
    """Apply the rule of the module docstring to proxy ``p`` on the estimation frame ``df`` (which
    must already hold the proxy column, see :func:`add_proxies`)."""
    varies = distinct_per_year(df, p.name) > n_provinces
    if varies != (p.level == "city"):
        raise ValueError(f"proxy {p.name} is declared {p.level}-level but has "
                         f"{distinct_per_year(df, p.name)} distinct values in some year")
    in_index = p.index_indicator != ""
    full = complete(df, p.name)
    reasons = []
    if not p.measures_channel:
        reasons.append(f"does not measure {p.channel}: {p.reason}")
    if not varies:
        reasons.append("provincial: the 11 Hebei cities share one value")
    if in_index:
        reasons.append(f"is the index indicator {p.index_indicator}")
    if not full:
        reasons.append("has missing city-years in the window")
    return Verdict(p, varies, in_index, full, not reasons, "; ".join(reasons))


def channel_proxy(verdicts: list[Verdict], channel: str) -> Verdict | None:
    """The main usable proxy of ``channel``, or None when the channel cannot be tested."""
    for v in verdicts:
        if v.proxy.channel == channel and v.usable and v.proxy.role == "main":
            return v
    return None


def declared_proxies(folder, df: pd.DataFrame, *, n_provinces: int = 3) -> tuple[Proxy, ...]:
    """The full edition's mediators, as the user declared them in ``folder/indicators.csv``
    (role ``mediator``, channel in ``dimension``), one :class:`Proxy` each, used as supplied.

    They measure their channel by the user's declaration and are not index indicators by
    declaration (an indicator has one role); their level is read from ``df`` (the panel that holds
    them), so that a series with no more distinct values a year than there are provinces is
    reported as provincial by :func:`verdict` instead of raising. Completeness is left to
    :func:`verdict`."""
    from pathlib import Path

    decl = pd.read_csv(Path(folder) / "indicators.csv", dtype=str, keep_default_na=False)
    out = []
    for r in decl[decl.role == "mediator"].itertuples():
        name = r.indicator
        level = "city" if name in df and distinct_per_year(df, name) > n_provinces else "province"
        out.append(Proxy(r.dimension, name, f"{name} (declared, {r.unit})" if r.unit else f"{name} (declared)",
                         r.definition, level, "", True, "declared by the user as the channel's mediator",
                         (lambda n: lambda d: d[n])(name)))
    return tuple(out)


def edition_proxies(folder, df: pd.DataFrame) -> tuple[Proxy, ...]:
    """Candidate mediators of the edition whose curated folder is given: the user's declared
    mediators (full edition, ``indicators.csv`` present) or the open candidates :data:`PROXIES`."""
    from pathlib import Path

    return declared_proxies(folder, df) if (Path(folder) / "indicators.csv").exists() else PROXIES
