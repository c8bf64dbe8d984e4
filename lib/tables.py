"""One regression-table builder (esttab style) and a plain table renderer, both to MyST markdown.

Coefficients carry stars at 10/5/1 per cent, standard errors sit in parentheses beneath, then rows
for the fixed effects, N, clusters and within R-squared, and a note naming the estimator.
"""
from __future__ import annotations

import re
from typing import Mapping

import pandas as pd

from lib.panel import RegResult
from lib.report import STAR_LEVELS, stars


def regression_table(results: Mapping[str, RegResult], *, labels: Mapping[str, str] | None = None,
                     digits: int = 3) -> tuple[pd.DataFrame, str]:
    """Return (table, note) for columns of results; labels rename regressors for display."""
    labels = dict(labels or {})
    names: list[str] = []
    for r in results.values():
        names += [n for n in r.params.index if n not in names]
    rows = []
    for n in names:
        coef, se = [labels.get(n, n)], [""]
        for r in results.values():
            if n in r.params.index:
                coef.append(f"{r.params[n]:.{digits}f}{stars(r.pvalues[n])}")
                se.append(f"({r.se[n]:.{digits}f})")
            else:
                coef.append("")
                se.append("")
        rows += [coef, se]
    for fe in ("city", "year"):
        rows.append([f"{fe.capitalize()} fixed effects"] +
                    ["Yes" if r.fe.get(fe) else "No" for r in results.values()])
    rows.append(["Observations"] + [str(r.nobs) for r in results.values()])
    rows.append(["Clusters"] + [str(r.n_clusters or "") for r in results.values()])
    rows.append(["Within R²"] + [f"{r.stats['r2_within']:.3f}" for r in results.values()])
    table = pd.DataFrame(rows, columns=[""] + list(results))
    covs = sorted({r.cov_type for r in results.values()})
    star_note = ", ".join(f"{s} p<{lvl:g}" for lvl, s in STAR_LEVELS)
    note = (f"Dependent variable: {', '.join(sorted({r.depvar for r in results.values()}))}. "
            f"Standard errors in parentheses, {'; '.join(covs)}. {star_note}. "
            f"Estimator: {sorted({r.source for r in results.values()})[0]}.")
    return table, note


def to_myst(df: pd.DataFrame, *, label: str, caption: str, note: str = "",
            align: str | None = None, index: bool = False) -> str:
    """A numbered, captioned MyST ``{table}`` block (caption above, note below)."""
    d = df.reset_index() if index else df
    cols = [str(c) for c in d.columns]
    align = align or "l" + "r" * (len(cols) - 1)
    spec = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join(spec[a] for a in align) + " |"]
    for row in d.itertuples(index=False):
        lines.append("| " + " | ".join(_cell(v) for v in row) + " |")
    body = "\n".join(lines)
    cls = ":class: longtable\n" if len(d) > LONG_TABLE_ROWS else ""  # may break across PDF pages
    widths = " ".join(str(w) for w in _widths(d))  # wrapping columns in the PDF, proportional to content
    out = f":::{{table}} {caption}\n:name: {label}\n:align: center\n:widths: {widths}\n{cls}\n{body}\n:::\n"
    if note:
        out += f"\n*Note:* {note}\n"
    return out


LONG_TABLE_ROWS = 15
MINUS = "\u2212"  # a typographic minus: never separated from its number at a line break
ZWSP = "\u200b"  # lets LaTeX break long identifiers and paths inside narrow table columns


def _widths(d: pd.DataFrame) -> list[int]:
    """Relative column widths: the 90th percentile of cell length, at least the longest header word."""
    out = []
    for col in d.columns:
        lengths = d[col].map(lambda v: len(_cell(v))).to_numpy() if len(d) else [0]
        head = max((len(w) for w in str(col).split()), default=1)
        out.append(int(min(40, max(4, head, float(pd.Series(lengths).quantile(0.9))))))
    return out


def _cell(v) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    text = re.sub(r"(^|\()-(?=\d)", lambda m: m.group(1) + MINUS, str(v).replace("|", "\\|"))
    if len(text) > 14 and " " not in text:
        text = text.replace("_", "_" + ZWSP).replace("/", "/" + ZWSP).replace(",", "," + ZWSP)
    return text
