"""Mediator proxies: declared facts (level, index overlap) hold on the real panel, and the rule that
decides which proxy is a test behaves as documented (synthetic frames labelled as such)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from lib import channels, data, hqd
from lib.channels import PROXIES, Proxy, add_proxies, channel_proxy, verdict


@pytest.fixture(scope="module")
def window():
    """Real open panel over the index window, with the index indicators and the proxies."""
    folder = data.data_dir("open")
    df = data.load_panel("open")
    system, years, _ = hqd.open_edition_index(df, folder)
    df = add_proxies(df[df.year.isin(years)].reset_index(drop=True))
    ind = hqd.indicator_matrix(df, system).reset_index(drop=True)
    return df, ind


def test_every_channel_has_candidates_and_names_are_unique():
    assert {p.channel for p in PROXIES} == set(channels.CHANNELS)
    names = [p.name for p in PROXIES]
    assert len(names) == len(set(names))


def test_declared_index_indicators_exist_and_are_monotone_transforms(window):
    df, ind = window
    for p in PROXIES:
        if p.index_indicator:
            assert p.index_indicator in ind.columns, p.name
            rho = spearmanr(df[p.name], ind[p.index_indicator]).statistic
            assert rho == pytest.approx(1.0, abs=1e-12), (p.name, rho)


def test_proxies_not_declared_in_index_are_not_index_indicators(window):
    df, ind = window
    for p in PROXIES:
        if not p.index_indicator:
            ok = df[p.name].notna()
            for col in ind.columns:
                rho = spearmanr(df.loc[ok, p.name], ind.loc[ok, col]).statistic
                assert abs(rho) < 0.999, (p.name, col, rho)


def test_declared_levels_match_the_data(window):
    df, _ = window
    for p in PROXIES:
        v = verdict(p, df)  # raises if the declared level contradicts the data
        assert v.varies_by_city == (p.level == "city")


def test_verdicts_on_the_real_panel(window):
    df, _ = window
    vs = [verdict(p, df) for p in PROXIES]
    cap = channel_proxy(vs, "capital")
    assert cap is not None and cap.proxy.name == "ln_loans_pc"
    assert channel_proxy(vs, "innovation") is None  # provincial and in the index
    assert channel_proxy(vs, "consumption") is None  # deposits are savings; wages are income
    wage = next(v for v in vs if v.proxy.name == "ln_avg_wage")
    assert not wage.complete  # wage data miss some city-years of the window


def test_rule_on_synthetic_frame():
    """SYNTHETIC: a city-level, complete, valid proxy is usable; each failing condition is named."""
    rng = np.random.default_rng(7)
    codes = [110000, 120000, 130100, 130200, 130300]
    d = pd.DataFrame([(c, y) for c in codes for y in range(2012, 2016)], columns=["city_code", "year"])
    d["good"] = rng.normal(size=len(d))
    d["prov"] = np.where(d.city_code < 130000, d.city_code, 130000) + d.year  # 3 values a year
    d["gappy"] = d.good.where(d.index != 3)
    mk = lambda name, level, idx="", ok=True: Proxy("capital", name, name, name, level, idx, ok, "why",  # noqa: E731
                                                     lambda f, n=name: f[n])
    assert verdict(mk("good", "city"), d).usable
    assert "provincial" in verdict(mk("prov", "province"), d).why_not
    assert "index indicator" in verdict(mk("good", "city", idx="gdp_pc"), d).why_not
    assert "missing" in verdict(mk("gappy", "city"), d).why_not
    assert "does not measure" in verdict(mk("good", "city", ok=False), d).why_not
    with pytest.raises(ValueError, match="declared province-level"):
        verdict(mk("good", "province"), d)


def test_open_folder_gives_the_open_candidates():
    folder = data.data_dir("open")
    assert channels.edition_proxies(folder, data.load_panel("open")) is PROXIES


def test_declared_mediators_of_the_full_edition(tmp_path):
    """SYNTHETIC: the full edition's mediators come from indicators.csv, one Proxy per declared mediator,
    with the level read from the data so that a provincial series is reported, not raised."""
    pd.DataFrame([("hqd_x", "hqd", "green", "1", "ratio", "x", ""),
                  ("inv", "mediator", "capital", "", "100 million CNY", "investment", ""),
                  ("sales_prov", "mediator", "consumption", "", "100 million CNY", "sales", ""),
                  ("rd_gappy", "mediator", "innovation", "", "100 million CNY", "R&D", "")],
                 columns=["indicator", "role", "dimension", "direction", "unit", "definition", "advanced"]
                 ).to_csv(tmp_path / "indicators.csv", index=False)
    rng = np.random.default_rng(3)
    codes = [110000, 120000, 130100, 130200, 130300]
    d = pd.DataFrame([(c, y) for c in codes for y in range(2012, 2016)], columns=["city_code", "year"])
    d["inv"] = rng.uniform(1, 2, len(d))
    d["sales_prov"] = np.where(d.city_code < 130000, d.city_code, 130000) + d.year
    d["rd_gappy"] = d.inv.where(d.index != 2)
    ps = channels.edition_proxies(tmp_path, d)
    assert [p.name for p in ps] == ["inv", "sales_prov", "rd_gappy"]
    assert all(p.measures_channel and p.index_indicator == "" for p in ps)
    vs = [verdict(p, add_proxies(d, ps)) for p in ps]
    assert channel_proxy(vs, "capital").proxy.name == "inv"
    assert channel_proxy(vs, "consumption") is None and "provincial" in vs[1].why_not
    assert channel_proxy(vs, "innovation") is None and "missing" in vs[2].why_not
