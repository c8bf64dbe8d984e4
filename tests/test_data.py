"""The curated open panel: spot values from SOURCES.md, completeness, codebook, and a byte-exact rebuild."""
from __future__ import annotations

import filecmp
from pathlib import Path

import pandas as pd
import pytest

from lib import curate, data, paths, sources
from lib.cities import CODES

OPEN = paths.DATA / "open"


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(OPEN / "panel.csv").set_index(["city_code", "year"])


# (city code, year, variable, value, unit as curated) from ../shared/data/SOURCES.md "Spot checks that passed"
SPOT = [
    (110000, 2015, "gdp", 24779.1), (130100, 2015, "gdp", 5440.6),
    (130100, 2017, "gdp", 6460.9), (130100, 2017, "va_secondary", 2913.9),
    (131100, 2022, "gdp", 1800.5), (131100, 2022, "va_secondary", 622.1),
    (130200, 2022, "gdp", 8900.7), (130200, 2022, "va_secondary", 4927.7),
    (110000, 2012, "so2_industrial", 59330.0), (130600, 2012, "so2_industrial", 75312.0),
    (130100, 2012, "so2_industrial", 179942.0),
]


@pytest.mark.parametrize("code,year,var,value", SPOT)
def test_spot_values_from_sources_md(panel, code, year, var, value):
    assert panel.loc[(code, year), var] == pytest.approx(value, abs=0.05)


def test_panel_is_13_cities_by_study_years(panel):
    assert sorted(panel.index.get_level_values(0).unique()) == sorted(CODES)
    assert sorted(panel.index.get_level_values(1).unique()) == list(curate.STUDY_YEARS)
    assert len(panel) == 13 * len(curate.STUDY_YEARS)


def test_series_claimed_complete_are_complete(panel):
    cb = pd.read_csv(OPEN / "codebook.csv")
    assert cb.complete.sum() >= 12  # GDP, value added, deflator, population, area, finance, road, CO2, S&T
    for var in cb[cb.complete].variable:
        assert panel[var].notna().all(), var
    for var in cb[~cb.complete].variable:
        assert panel[var].isna().any(), f"{var} is complete but the codebook says otherwise"


def test_every_series_names_its_source(panel):
    cb = pd.read_csv(OPEN / "codebook.csv").set_index("variable")
    assert set(cb.index) == {s.variable for s in sources.SERIES}
    for var, row in cb.iterrows():
        assert row.source_file and row.column and row.unit and row.publication, var


def test_gaps_list_every_missing_cell(panel):
    gaps = pd.read_csv(OPEN / "gaps.csv")
    assert len(gaps) == int(panel[[s.variable for s in sources.SERIES]].isna().sum().sum())


def test_manifest_matches_files():
    for line in (OPEN / "MANIFEST.sha256").read_text().splitlines():
        digest, name = line.split("  ", 1)
        assert curate._sha256(OPEN / name) == digest, name


def test_contiguity_has_no_islands_and_24_pairs():
    pairs = pd.read_csv(OPEN / "geo" / "contiguity_pairs.csv")
    assert len(pairs) == 24
    assert set(pairs.code_a) | set(pairs.code_b) == set(CODES)


def test_reference_economy_is_national():
    ref = pd.read_csv(OPEN / "reference_economy.csv")
    assert (ref.n_cities_va > 280).all()


def test_location_quotients_are_relative_to_the_nation():
    df = data.load_panel()
    assert df.lq_va.between(0.2, 3).all()
    # the 13-city quotient would average ~1 by construction if the region were its own reference
    assert df.lq_emp.dropna().between(0.1, 3).all()


def test_unbalanced_panel_is_refused():
    df = pd.read_csv(OPEN / "panel.csv")
    with pytest.raises(data.PanelError, match="130500-2016"):
        data.check_balanced(df[~((df.city_code == 130500) & (df.year == 2016))])


@pytest.mark.skipif(not (paths.SHARED_RAW / "G-P").exists(), reason="raw public statistics (../shared) not present")
def test_rebuild_from_raw_is_byte_identical(tmp_path: Path):
    curate.build(tmp_path)
    cmp = filecmp.dircmp(tmp_path, OPEN)
    names = [p.relative_to(OPEN).as_posix() for p in OPEN.rglob("*") if p.is_file()]
    for name in names:
        assert filecmp.cmp(tmp_path / name, OPEN / name, shallow=False), f"{name} differs from a rebuild"
    assert not cmp.left_only and not cmp.right_only
