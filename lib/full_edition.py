"""The full edition: the thesis's exact specification on yearbook data the user supplies.

Input folder (``data/full/`` by default; schema in ``data/full_schema.md``):

- ``observations.csv``: city, year, indicator, value, unit, source (one row per value, long form);
- ``indicators.csv``: indicator, role, dimension, direction, unit, definition, advanced;
  roles: ``hqd`` (an index indicator: dimension and direction +1/-1 required),
  ``industry_employment`` (employment of one manufacturing sub-sector; ``advanced`` = 1 marks the
  sub-sectors that make up advanced manufacturing), ``total_employment`` (all employment, the LQ
  denominator), ``mediator`` (dimension names the channel: innovation, capital, consumption);
- ``reference.csv``: year, indicator, value: national totals of every employment indicator.

:func:`check` reports every problem at once (file, row, city, year, indicator); :func:`curate`
writes ``data/full/curated/`` with the layout of ``data/open`` (the open base series plus the user's
indicators and the advanced-manufacturing location quotient) only when the check passes.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lib import paths
from lib.curate import _sha256
from lib.cities import CODES, match_city
from lib.numbers import NumberParseError, parse_number

RESERVED = {"lq_va", "lq_emp", "density", "gdp_pc", "fin_dev", "log_pop_density", "log_deflator", "lq_adv",
            "hqd", "city", "group"}
ROLES = ("hqd", "industry_employment", "total_employment", "mediator")
DIMENSIONS = ("innovation", "coordination", "green", "openness", "sharing")
CHANNELS = ("innovation", "capital", "consumption")
REQUIRED = {"observations.csv": ["city", "year", "indicator", "value", "unit", "source"],
            "indicators.csv": ["indicator", "role", "dimension", "direction", "unit", "definition", "advanced"],
            "reference.csv": ["year", "indicator", "value"]}
# exit codes of `thesis check`, one per kind of fault (the lowest present is returned)
EXIT_CODES = {"schema": 3, "declaration": 4, "unknown_city": 10, "unknown_indicator": 11, "duplicate": 12,
              "non_numeric": 13, "negative": 14, "unit_mismatch": 15, "gap": 16, "out_of_window": 17}


@dataclass(frozen=True)
class Problem:
    kind: str
    file: str
    row: int | None  # 1-based data row (header excluded); None for whole-file problems
    city: str = ""
    year: str = ""
    indicator: str = ""
    message: str = ""

    def __str__(self) -> str:
        where = self.file + (f" row {self.row}" if self.row is not None else "")
        ctx = ", ".join(f"{k} {v}" for k, v in (("city", self.city), ("year", self.year),
                                                ("indicator", self.indicator)) if v)
        return f"[{self.kind}] {where}" + (f" ({ctx})" if ctx else "") + f": {self.message}"


class DatasetError(ValueError):
    """The dataset failed the check; ``problems`` lists every fault found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the dataset:\n" + "\n".join(map(str, problems[:50])))

    @property
    def exit_code(self) -> int:
        return min(EXIT_CODES[p.kind] for p in self.problems)


def _read(folder: Path, name: str, problems: list[Problem]) -> pd.DataFrame | None:
    path = folder / name
    if not path.is_file():
        problems.append(Problem("schema", name, None, message=f"file missing from {folder}"))
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            problems.append(Problem("schema", name, None, message="neither UTF-8 nor GB18030 text"))
            return None
    from io import StringIO

    try:
        df = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        problems.append(Problem("schema", name, None, message=f"not a readable CSV table ({exc})"))
        return None
    missing = [c for c in REQUIRED[name] if c not in df.columns]
    if missing:
        problems.append(Problem("schema", name, None, message=f"missing column(s) {missing}; "
                                f"expected {REQUIRED[name]}"))
        return None
    return df


def _city_code(text: str) -> int | None:
    """City code from a code, Chinese or English name (through the one alias table)."""
    if not str(text).strip():
        return None
    code = match_city(text)
    if code is None:
        try:
            n = parse_number(text)
        except NumberParseError:
            return None
        code = int(n) if np.isfinite(n) and int(n) in CODES else None
    return code


def _check_declarations(ind: pd.DataFrame, problems: list[Problem]) -> None:
    F = "indicators.csv"
    for i, r in ind.iterrows():
        row = i + 1
        if r.role not in ROLES:
            problems.append(Problem("declaration", F, row, indicator=r.indicator,
                                    message=f"role {r.role!r} is not one of {ROLES}"))
        if r.role == "hqd":
            if r.dimension not in DIMENSIONS:
                problems.append(Problem("declaration", F, row, indicator=r.indicator,
                                        message=f"dimension {r.dimension!r} is not one of {DIMENSIONS}"))
            if r.direction.strip() not in ("1", "+1", "-1"):
                problems.append(Problem("declaration", F, row, indicator=r.indicator,
                                        message=f"direction {r.direction!r} must be +1 or -1"))
        if r.role == "mediator" and r.dimension not in CHANNELS:
            problems.append(Problem("declaration", F, row, indicator=r.indicator,
                                    message=f"a mediator's dimension must name a channel {CHANNELS}"))
    reserved = set(pd.read_csv(paths.DATA / "open" / "panel.csv", nrows=0).columns) | RESERVED
    for i, r in ind.iterrows():
        if r.indicator in reserved or not r.indicator.strip():
            problems.append(Problem("declaration", F, i + 1, indicator=r.indicator,
                                    message="name is empty or already used by the open base series or a "
                                            "derived variable; choose another name"))
    if ind.indicator.duplicated().any():
        for name in ind.indicator[ind.indicator.duplicated()]:
            problems.append(Problem("declaration", F, None, indicator=name, message="declared twice"))
    roles = set(ind.role)
    for needed in ("hqd", "total_employment"):
        if needed not in roles:
            problems.append(Problem("declaration", F, None, message=f"no indicator with role {needed!r}"))
    adv = ind[(ind.role == "industry_employment") & (ind.advanced.str.strip() == "1")]
    if adv.empty:
        problems.append(Problem("declaration", F, None,
                                message="no industry_employment indicator marked advanced = 1"))


def check(folder: Path, *, years: range = range(2012, 2023)) -> list[Problem]:
    """Every problem in the dataset, or an empty list."""
    folder = Path(folder)
    problems: list[Problem] = []
    obs, ind, ref = (_read(folder, n, problems) for n in REQUIRED)
    if ind is not None:
        _check_declarations(ind, problems)
    if obs is None or ind is None:
        return problems
    declared = dict(zip(ind.indicator, ind.unit))
    O = "observations.csv"
    seen: dict[tuple, int] = {}
    present = set()
    for i, r in obs.iterrows():
        row = i + 1
        code = _city_code(r.city)
        ctx = dict(city=r.city, year=r.year, indicator=r.indicator)
        if code is None:
            problems.append(Problem("unknown_city", O, row, **ctx, message="not one of the 13 study cities"))
        if r.indicator not in declared:
            problems.append(Problem("unknown_indicator", O, row, **ctx, message="not declared in indicators.csv"))
        year = _year(r.year)
        if year is None:
            problems.append(Problem("non_numeric", O, row, **ctx, message=f"year {r.year!r} is not an integer"))
            continue
        if year not in years:
            problems.append(Problem("out_of_window", O, row, **ctx,
                                    message=f"year outside the study window {years.start}-{years.stop - 1}"))
        try:
            value = parse_number(r.value, where=f"{O} row {row}")
            if np.isnan(value):
                problems.append(Problem("gap", O, row, **ctx, message="empty value (nothing is filled)"))
        except NumberParseError as exc:
            problems.append(Problem("non_numeric", O, row, **ctx, message=str(exc).split(": ", 1)[-1]))
            value = np.nan
        if np.isfinite(value) and value < 0:
            problems.append(Problem("negative", O, row, **ctx, message=f"negative value {value:g}"))
        if r.indicator in declared and r.unit.strip() != declared[r.indicator].strip():
            problems.append(Problem("unit_mismatch", O, row, **ctx,
                                    message=f"unit {r.unit!r}, declared {declared[r.indicator]!r}"))
        key = (code, year, r.indicator)
        if code is not None and key in seen:
            problems.append(Problem("duplicate", O, row, **ctx, message=f"same city-year-indicator as row {seen[key]}"))
        seen.setdefault(key, row)
        if code is not None:  # a row with a bad value is reported as such, not again as a gap
            present.add(key)
    for name in ind.indicator:
        missing = [(c, y) for c in CODES for y in years if (c, y, name) not in present]
        for c, y in missing[:20]:
            problems.append(Problem("gap", O, None, city=str(c), year=str(y), indicator=name,
                                    message="no value (the full edition needs a balanced panel; nothing is filled)"))
        if len(missing) > 20:
            problems.append(Problem("gap", O, None, indicator=name, message=f"... {len(missing) - 20} more gaps"))
    if ref is not None:
        problems += _check_reference(ref, ind, years)
    return problems


def _year(text: str) -> int | None:
    try:
        y = parse_number(text)
    except NumberParseError:
        return None
    return int(y) if np.isfinite(y) and float(y).is_integer() else None


def _check_reference(ref: pd.DataFrame, ind: pd.DataFrame, years: range) -> list[Problem]:
    R, out, seen = "reference.csv", [], {}
    emp = set(ind[ind.role.isin(["industry_employment", "total_employment"])].indicator)
    for i, r in ref.iterrows():
        row, ctx = i + 1, dict(year=r.year, indicator=r.indicator)
        y = _year(r.year)
        if y is None:
            out.append(Problem("non_numeric", R, row, **ctx, message=f"year {r.year!r} is not an integer"))
            continue
        if y not in years:
            out.append(Problem("out_of_window", R, row, **ctx, message="year outside the study window"))
        if r.indicator not in emp:
            out.append(Problem("unknown_indicator", R, row, **ctx,
                               message="not an employment indicator declared in indicators.csv"))
        try:
            v = parse_number(r.value, where=f"{R} row {row}")
            if np.isnan(v):
                out.append(Problem("gap", R, row, **ctx, message="empty value"))
            elif v <= 0:
                out.append(Problem("negative", R, row, **ctx, message=f"national total must be positive, got {v:g}"))
        except NumberParseError as exc:
            out.append(Problem("non_numeric", R, row, **ctx, message=str(exc).split(": ", 1)[-1]))
        key = (y, r.indicator)
        if key in seen:
            out.append(Problem("duplicate", R, row, **ctx, message=f"same year-indicator as row {seen[key]}"))
        seen.setdefault(key, row)
    for name in sorted(emp):
        for y in years:
            if (y, name) not in seen:
                out.append(Problem("gap", R, None, year=str(y), indicator=name, message="national total missing"))
    return out


def advanced_lq(obs: pd.DataFrame, ind: pd.DataFrame, ref: pd.DataFrame) -> pd.Series:
    r"""Advanced-manufacturing location quotient from sub-sector employment:
    :math:`LQ_{it} = (\sum_{k\in A} E_{kit}/E_{it}) / (\sum_{k\in A} E_{kt}/E_t)`, A = sub-sectors marked advanced."""
    from lib.indicators import location_quotient

    adv = list(ind[(ind.role == "industry_employment") & (ind.advanced.str.strip() == "1")].indicator)
    tot = ind[ind.role == "total_employment"].indicator.iloc[0]
    e_ij = obs[adv].sum(axis=1)
    ref_w = ref.pivot(index="year", columns="indicator", values="value")
    years = obs.index.get_level_values("year")
    return pd.Series(location_quotient(e_ij, obs[tot], ref_w.loc[years, adv].sum(axis=1).to_numpy(),
                                       ref_w.loc[years, tot].to_numpy()), index=obs.index)


def curate(folder: Path, target: Path | None = None) -> Path:
    """Check, then write the curated full-edition folder (layout of data/open) atomically."""
    folder = Path(folder)
    problems = check(folder)
    if problems:
        raise DatasetError(problems)
    target = target or folder / "curated"
    sink: list[Problem] = []
    obs, ind, ref = (_read(folder, n, sink) for n in REQUIRED)  # the same reader as the check
    obs["city_code"] = [_city_code(c) for c in obs.city]
    obs["year"] = [_year(y) for y in obs.year]
    obs["value"] = [parse_number(v) for v in obs.value]
    ref["year"] = [_year(y) for y in ref.year]
    ref["value"] = [parse_number(v) for v in ref.value]
    wide = obs.pivot(index=["city_code", "year"], columns="indicator", values="value")
    wide["lq_adv"] = advanced_lq(wide, ind, ref)
    base = pd.read_csv(paths.DATA / "open" / "panel.csv")
    user_cols = [c for c in wide.columns if c not in base.columns]
    panel = base.merge(wide[user_cols].reset_index(), on=["city_code", "year"], how="left")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".curate-", dir=target.parent))  # same filesystem: atomic rename
    try:
        for name in ("reference_economy.csv", "exchange_rate.csv", "codebook.csv", "gaps.csv"):
            shutil.copyfile(paths.DATA / "open" / name, tmp / name)
        shutil.copytree(paths.DATA / "open" / "geo", tmp / "geo")
        panel.to_csv(tmp / "panel.csv", index=False)
        ind.to_csv(tmp / "indicators.csv", index=False)
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        (tmp / "MANIFEST.sha256").write_text("".join(
            f"{_sha256(p)}  {p.relative_to(tmp).as_posix()}\n" for p in files), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target
