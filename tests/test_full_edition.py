"""The full-edition path on a SYNTHETIC fixture: a clean dataset passes and curates; each broken copy
gets its own error, exit code, and writes nothing."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from full_fixture import write_synthetic_full
from lib import cli, full_edition


@pytest.fixture
def good(tmp_path):
    return write_synthetic_full(tmp_path / "full")


def test_clean_synthetic_dataset_passes_and_curates(good):
    assert full_edition.check(good) == []
    out = full_edition.curate(good)
    panel = pd.read_csv(out / "panel.csv")
    assert len(panel) == 13 * 11 and panel.lq_adv.notna().all() and (panel.lq_adv > 0).all()
    assert {"gdp", "patents_per_10k", "retail_sales"} <= set(panel.columns)


def _edit(folder, fn):
    path = folder / "observations.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    fn(df).to_csv(path, index=False)


BROKEN = {
    "unknown_city": lambda df: pd.concat([df, df.iloc[[5]].assign(city="Gotham")], ignore_index=True),
    "unknown_indicator": lambda df: pd.concat([df, df.iloc[[5]].assign(indicator="gdp_growth")], ignore_index=True),
    "duplicate": lambda df: pd.concat([df, df.iloc[[3]]], ignore_index=True),
    "non_numeric": lambda df: df.assign(value=df.value.where(df.index != 5, "n/a?")),
    "negative": lambda df: df.assign(value=df.value.where(df.index != 5, "-3")),
    "unit_mismatch": lambda df: df.assign(unit=df.unit.where(df.index != 5, "persons")),
    "gap": lambda df: df.drop(index=5),
    "out_of_window": lambda df: pd.concat([df, df.iloc[[3]].assign(year="2031")], ignore_index=True),
}


@pytest.mark.parametrize("kind", list(BROKEN))
def test_each_fault_has_its_own_error_and_exit_code(good, kind, capsys):
    _edit(good, BROKEN[kind])
    problems = full_edition.check(good)
    assert {p.kind for p in problems} == {kind}, [str(p) for p in problems]
    p = problems[0]
    assert p.file == "observations.csv" and (p.row is not None or kind == "gap")
    assert p.indicator and (p.city or kind == "gap")
    code = cli.main(["check", str(good)])
    assert code == full_edition.EXIT_CODES[kind]
    assert f"[{kind}]" in capsys.readouterr().err
    with pytest.raises(full_edition.DatasetError):
        full_edition.curate(good)
    assert not (good / "curated").exists()


def test_every_problem_is_reported_at_once(good):
    _edit(good, lambda df: BROKEN["negative"](BROKEN["unknown_city"](df)).drop(index=40))
    kinds = {p.kind for p in full_edition.check(good)}
    assert kinds == {"unknown_city", "negative", "gap"}


def test_missing_file_and_bad_declaration(good):
    (good / "reference.csv").unlink()
    ind = pd.read_csv(good / "indicators.csv", dtype=str, keep_default_na=False)
    ind.loc[4, "direction"] = "up"
    ind.to_csv(good / "indicators.csv", index=False)
    kinds = {p.kind for p in full_edition.check(good)}
    assert kinds == {"schema", "declaration"}
    assert cli.main(["check", str(good)]) == 3


def test_existing_curated_output_survives_a_failed_check(good):
    out = full_edition.curate(good)
    before = (out / "panel.csv").read_bytes()
    _edit(good, BROKEN["negative"])
    with pytest.raises(full_edition.DatasetError):
        full_edition.curate(good)
    assert (out / "panel.csv").read_bytes() == before


def test_gbk_encoded_file_is_read(good):
    path = good / "observations.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    assert full_edition.check(good) == []


@pytest.mark.parametrize("value,kind", [("", "gap"), ("-", "gap"), ("15,2026", "non_numeric"),
                                        ("inf", "non_numeric"), ("1e400", "non_numeric")])
def test_values_that_must_not_pass(good, value, kind):
    _edit(good, lambda df: df.assign(value=df.value.where(df.index != 5, value)))
    assert {p.kind for p in full_edition.check(good)} == {kind}


def test_indicator_names_may_not_shadow_base_series(good):
    ind = pd.read_csv(good / "indicators.csv", dtype=str, keep_default_na=False)
    obs = pd.read_csv(good / "observations.csv", dtype=str, keep_default_na=False)
    old = ind.loc[4, "indicator"]
    ind.loc[4, "indicator"] = "gdp"
    obs.loc[obs.indicator == old, "indicator"] = "gdp"
    ind.to_csv(good / "indicators.csv", index=False)
    obs.to_csv(good / "observations.csv", index=False)
    assert {p.kind for p in full_edition.check(good)} == {"declaration"}


def test_reference_values_are_checked(good):
    ref = pd.read_csv(good / "reference.csv", dtype=str)
    ref.loc[0, "value"] = "0"
    ref.loc[1, "value"] = "20,00"
    pd.concat([ref, ref.iloc[[2]]]).to_csv(good / "reference.csv", index=False)
    kinds = {p.kind for p in full_edition.check(good)}
    assert kinds == {"negative", "non_numeric", "duplicate"}


def test_ragged_or_empty_files_are_schema_problems(good):
    (good / "indicators.csv").write_text("", encoding="utf-8")
    with open(good / "observations.csv", "a", encoding="utf-8") as f:
        f.write("北京,2012,emp_total,1,10k persons,x,EXTRA,FIELDS\n")
    problems = full_edition.check(good)
    assert {p.kind for p in problems} == {"schema"}
    assert {p.file for p in problems} == {"indicators.csv", "observations.csv"}


def test_check_and_curate_read_the_same_way(good):
    """Full-width years and GB18030 text pass the check, so curation must accept them too."""
    _edit(good, lambda df: df.assign(year=df.year.where(df.index != 5, "２０１２")))
    path = good / "observations.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))
    assert full_edition.check(good) == []
    out = full_edition.curate(good)
    assert pd.read_csv(out / "panel.csv").lq_adv.notna().all()
