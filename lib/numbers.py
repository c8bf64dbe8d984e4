"""One strict number parser for every raw file and user dataset (checker and loader share it).

Full-width digits, minus signs and thousands separators are normalised (NFKC); anything else that
is not a number raises, naming where it came from. Nothing is coerced to NaN silently.
"""
from __future__ import annotations

import math
import re
import unicodedata

import numpy as np
import pandas as pd

_GROUPED = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
_MISSING = {"", "nan", "na", "n/a", "-", "--", "…", "...", "none", "null"}


class NumberParseError(ValueError):
    """A cell that should hold a number holds something else."""


def parse_number(value: object, *, where: str = "") -> float:
    """Parse one cell to float; blank-like cells give NaN, garbage raises NumberParseError."""
    if value is None:
        return math.nan
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = text.replace("\u2212", "-").replace(" ", "")
    if text.lower() in _MISSING:
        return math.nan
    if "," in text:  # only proper thousands grouping; a decimal comma ("15,2") is refused, not guessed
        if not _GROUPED.match(text):
            raise NumberParseError(f"{where}: {value!r} has commas that are not thousands separators "
                                   "(use a point for decimals)")
        text = text.replace(",", "")
    try:
        out = float(text)
    except ValueError:
        raise NumberParseError(f"{where}: expected a number, found {value!r}") from None
    if not math.isfinite(out):
        raise NumberParseError(f"{where}: expected a finite number, found {value!r}")
    return out


def parse_column(values: pd.Series, *, where: str) -> pd.Series:
    """Parse a whole column strictly; the error names the first offending row label."""
    out = []
    for idx, v in values.items():
        out.append(parse_number(v, where=f"{where}, row {idx}"))
    return pd.Series(out, index=values.index, dtype=float)
