"""Readers for the raw public statistics in ``../shared/data/raw`` (see its SOURCES.md).

Each series is declared once in :data:`SERIES` with its definition, unit, source file and column,
the publication it credits and how its unit is converted (once, here). Readers return long frames
``city_code, year, value`` for every city a file holds, so that national reference totals come
from the same vintage as the 13 study cities.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from lib import paths
from lib.cities import match_city
from lib.numbers import parse_column

GP_INDUSTRY = "G-P/2000-2023地级市产业结构 .xlsx"
GP_GDP = "G-P/296个地级市GDP相关数据（以2000年为基期）.xlsx"
GP_POP = "G-P/298个地级市人口密度1998-2024年无缺失.xlsx"
GP_FDI = "G-P/1996-2023年地级市外商直接投资FDI.xlsx"
GP_FX = "G-P/汇率.xlsx"
GP_FIN = "G-P/金融发展水平（2003-2023）236缺失.xlsx"
GP_ROAD = "G-P/各省+地级市+县级市人均道路面积.xlsx"
GP_CO2 = "G-P/地级市碳排放强度.xlsx"
CSMAR_EMP = "eileenCHEN_PhD/CRE_Eplwagct.csv"
CEIC_SO2 = "meritocratic_promotion/so2_ceic.dta"
TECHME_RD = "techme/RDIntense.csv"
TECHME_PAT = "techme/RDPatentAuthority.csv"


@dataclass(frozen=True)
class Series:
    """One curated series: where it comes from and what it means."""

    variable: str
    definition: str
    unit: str
    file: str
    column: str
    publication: str
    sheet: str | int | None = None
    code_col: str | None = None  # city code column; None -> match by name
    name_col: str | None = None
    year_col: str = "年份"
    scale: float = 1.0  # multiply raw values by this (unit conversion, done once here)
    level: str = "city"  # "city" or "province" (a provincial value, see the codebook)


_GP = "G-P compilation of provincial and city statistical yearbooks and bulletins"
SERIES: tuple[Series, ...] = (
    Series("gdp", "Gross domestic product, current prices", "100 million CNY", GP_INDUSTRY,
           "gdp（亿元人民币）", _GP, "面板数据2000-2023", "城市代码", year_col="年度标识"),
    Series("va_primary", "Value added of the primary industry, current prices", "100 million CNY",
           GP_INDUSTRY, "第一产业增加值（亿元人民币）", _GP, "面板数据2000-2023", "城市代码",
           year_col="年度标识"),
    Series("va_secondary", "Value added of the secondary industry (manufacturing, mining, utilities, "
           "construction), current prices", "100 million CNY", GP_INDUSTRY, "第二产业增加值", _GP,
           "面板数据2000-2023", "城市代码", year_col="年度标识"),
    Series("va_tertiary", "Value added of the tertiary industry, current prices", "100 million CNY",
           GP_INDUSTRY, "第三产业增加值", _GP, "面板数据2000-2023", "城市代码", year_col="年度标识"),
    Series("gdp_deflator", "GDP deflator, 2000 = 1, chained from the GDP index", "index (2000 = 1)",
           GP_GDP, "GDP平减指数", _GP, "Sheet1", None, "城市"),
    Series("pop_resident", "Resident (常住) population, year-end; the raw column, not the "
           "workbook's interpolated copy", "10,000 persons", GP_POP, "常住人口（万人）", _GP,
           "面板数据", "城市代码"),
    Series("land_area", "Area of the administrative region (the workbook filled missing areas with "
           "2019 values)", "km2", GP_POP, "行政区域土地面积(平方公里)", _GP, "面板数据", "城市代码"),
    Series("fdi", "Foreign direct investment actually used", "million USD", GP_FDI, "外商直接投资",
           "city statistical bureaus, via the G-P compilation", "Sheet1", None, "地级市", "year"),
    Series("loans", "Year-end loans of financial institutions", "100 million CNY", GP_FIN,
           "年末金融机构各项贷款余额(万元)", _GP, "Sheet1", "城市代码", scale=1e-4),
    Series("deposits", "Year-end deposits of financial institutions", "100 million CNY", GP_FIN,
           "年末金融机构存款余额(万元)", _GP, "Sheet1", "城市代码", scale=1e-4),
    Series("road_area_pc", "Urban road area per capita (raw column, not the interpolated copy)",
           "m2 per person", GP_ROAD, "人均道路面积（平方米）", "China Urban Construction Statistical "
           "Yearbook, via the G-P compilation", 0, "城市代码"),
    Series("co2", "CO2 emissions from fossil fuels, EDGAR v8.0 gridded inventory aggregated to the "
           "city (a modelled inventory, not a statistic)", "tonnes", GP_CO2, "碳排放量_吨",
           "EDGAR v8.0 (JRC/IEA), aggregated by the G-P compilation", "Sheet1", "城市代码"),
    Series("employed", "Employed persons (CSMAR Eect05)", "10,000 persons", CSMAR_EMP, "Eect05",
           "CSMAR China Regional Economy database (city yearbooks)", None, "Ctnm_id", year_col="Sgnyea"),
    Series("emp_share_secondary", "Share of employed persons in the secondary industry (CSMAR Eect09)",
           "percent", CSMAR_EMP, "Eect09", "CSMAR China Regional Economy database (city yearbooks)",
           None, "Ctnm_id", year_col="Sgnyea"),
    Series("avg_wage", "Average wage of employees (CSMAR Eect13)", "CNY per year", CSMAR_EMP, "Eect13",
           "CSMAR China Regional Economy database (city yearbooks)", None, "Ctnm_id", year_col="Sgnyea"),
    Series("so2_industrial", "Industrial SO2 emissions", "tonnes", CEIC_SO2, "so2",
           "CEIC extract (China City Statistical Yearbook), via Wiebe's replication files", None,
           "prefcode", year_col="year", scale=1e3),
    Series("rd_intensity_prov", "R&D expenditure over GDP of the PROVINCE (Beijing and Tianjin are "
           "provinces; the 11 Hebei cities carry Hebei's value)", "percent", TECHME_RD, "v4_ztr_qd_RD",
           "China Statistical Yearbook on Science and Technology, via the techme R package",
           level="province"),
    Series("patents_granted_prov", "Patents granted (all types) in the PROVINCE", "patents",
           TECHME_PAT, "v4_cg_zlsq2_hj", "China Statistical Yearbook on Science and Technology, via "
           "the techme R package", level="province"),
)
SERIES_BY_NAME = {s.variable: s for s in SERIES}
PROVINCE_OF = {110000: "北京", 120000: "天津"}  # all other study cities lie in 河北


class RawDataMissing(FileNotFoundError):
    """The raw public statistics are not where the curation expects them."""


def raw_path(relative: str) -> Path:
    path = paths.SHARED_RAW / relative
    if not path.exists():
        raise RawDataMissing(f"raw file not found: {path} (set THESIS_RAW_DIR to the folder holding "
                             "the raw public statistics; the curated data/ needs no raw files)")
    return path


@lru_cache(maxsize=None)
def _table(relative: str, sheet: str | int | None) -> pd.DataFrame:
    path = raw_path(relative)
    if path.suffix == ".xlsx":
        return pd.read_excel(path, sheet_name=sheet if sheet is not None else 0)
    if path.suffix == ".dta":
        return pd.read_stata(path)
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str)


def _city_codes(df: pd.DataFrame, s: Series) -> pd.Series:
    if s.code_col is not None:
        codes = parse_column(df[s.code_col], where=f"{s.file} [{s.code_col}]")
        if s.code_col == "prefcode":  # 4-digit CEIC prefecture codes
            codes = codes * 100
        return codes
    return df[s.name_col].map(lambda n: match_city(n) if pd.notna(n) else None).astype(float)


def read_city_series(s: Series) -> pd.DataFrame:
    """Long frame ``city_code, year, value`` (value already in ``s.unit``) for all cities in the file."""
    if s.level != "city":
        raise ValueError(f"{s.variable} is a provincial series; use read_province_series")
    df = _table(s.file, s.sheet)
    codes = _city_codes(df, s)
    keyed = codes.notna() & df[s.year_col].notna()  # footers and notes carry no city or year
    df = df[keyed]
    out = pd.DataFrame({
        "city_code": codes[keyed],
        "year": parse_column(df[s.year_col], where=f"{s.file} [{s.year_col}]"),
        "value": parse_column(df[s.column], where=f"{s.file} [{s.column}]") * s.scale,
    })
    out = out.dropna(subset=["city_code", "year"])
    out[["city_code", "year"]] = out[["city_code", "year"]].astype(int)
    dup = out.duplicated(["city_code", "year"], keep=False) & out["value"].notna()
    if dup.any():
        first = out[dup].iloc[0]
        raise ValueError(f"{s.file}: duplicate rows for city {first.city_code}, year {first.year} "
                         f"in column {s.column}")
    return out.dropna(subset=["value"]).reset_index(drop=True)


def read_province_series(s: Series) -> pd.DataFrame:
    """Long frame ``province, year, value`` for Beijing, Tianjin and Hebei (padded labels cleaned)."""
    df = _table(s.file, None)
    df = df[df["variables"] == s.column].copy()
    df["province"] = df["province"].str.replace(r"\s+", "", regex=True)
    df = df[df["province"].isin(["北京", "天津", "河北"])]
    out = pd.DataFrame({
        "province": df["province"],
        "year": parse_column(df["year"], where=f"{s.file} [year]").astype(int),
        "value": parse_column(df["value"], where=f"{s.file} [value]") * s.scale,
    })
    if out.duplicated(["province", "year"]).any():
        raise ValueError(f"{s.file}: duplicate province-year rows for {s.column}")
    return out.reset_index(drop=True)


def read_exchange_rate() -> pd.DataFrame:
    """Annual average CNY per USD from the G-P workbook (used to convert FDI to CNY)."""
    df = _table(GP_FX, None)
    return pd.DataFrame({
        "year": parse_column(df["年份"], where=f"{GP_FX} [年份]").astype(int),
        "cny_per_usd": parse_column(df["1美元兑人民币（元）"], where=f"{GP_FX} [rate]"),
    })
