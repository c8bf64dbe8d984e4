"""Glue helpers: every number in the prose comes from here, as a plain Python value.

``rep = report.chapter("ch04")`` prefixes keys (``ch04_<name>``); ``rep.num`` glues a float or int
(numpy scalars converted first, so numpy 2 never renders ``np.float64(...)``); ``rep.text`` glues
a preformatted string (p-value text, star strings, city names); ``rep.table`` glues a MyST table.
Formatting rules live in :func:`fmt_p` and :func:`stars` only.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

STAR_LEVELS = ((0.01, "***"), (0.05, "**"), (0.10, "*"))


def to_python(x):
    """numpy scalar -> Python scalar; refuse NaN and arrays (a glued value must be one number)."""
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        raise ValueError(f"refusing to glue a non-finite number: {x!r}")
    if not isinstance(x, (int, float, str)):
        raise TypeError(f"glue needs an int, float or str, got {type(x).__name__}")
    return x


def stars(p: float) -> str:
    for level, s in STAR_LEVELS:
        if p < level:
            return s
    return ""


def fmt_p(p: float) -> str:
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def fmt_p_boot(p: float, n_boot: int) -> str:
    """A bootstrap p-value at the resolution its draws allow (0 of B draws is p < 1/B, not p < 0.001)."""
    if p * n_boot < 1:
        return f"< 1/{n_boot} (none of {n_boot} draws)"
    return f"= {p:.3f}"


@dataclass
class Chapter:
    prefix: str
    keys: dict = field(default_factory=dict)

    def _glue(self, name: str, value, display: bool = False) -> str:
        from myst_nb import glue

        key = f"{self.prefix}_{name}"
        glue(key, value, display=display)
        self.keys[key] = value if isinstance(value, (int, float, str)) else "<object>"
        return key

    def num(self, name: str, value) -> None:
        self._glue(name, to_python(value))

    def text(self, name: str, value: str) -> None:
        self._glue(name, str(value))

    def figure(self, name: str, fig) -> None:
        """Glue a plotly figure (interactive HTML plus a PNG for the PDF); place it with glue:figure.

        The bundle is built by the thesis renderer and glued as such: gluing the figure itself would
        let plotly's ``_ipython_display_`` display it and glue an empty bundle.
        """
        import plotly.io as pio

        from lib import plotting  # noqa: F401  (registers the renderer)

        bundle = pio.renderers["thesis"].to_mimebundle(fig.to_dict())
        self._glue(name, _Bundle(bundle))

    def markdown(self, name: str, markdown: str) -> None:
        """Glue a MyST passage chosen by the code (e.g. an edition note); place it with glue:md."""
        self.table(name, markdown)

    def table(self, name: str, markdown: str) -> None:
        from IPython.display import Markdown

        self._glue(name, Markdown(markdown))

    def save(self, folder: Path) -> Path:
        """Write the glued scalars to ``<folder>/<prefix>.json`` (headline numbers for comparisons)."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.prefix}.json"
        scalars = {k: v for k, v in self.keys.items() if isinstance(v, (int, float, str))}
        path.write_text(json.dumps(scalars, indent=1, ensure_ascii=False), encoding="utf-8")
        return path


class _Bundle:
    """A ready mimebundle that IPython displays as is."""

    def __init__(self, bundle: dict):
        self.bundle = bundle

    def _repr_mimebundle_(self, include=None, exclude=None):
        return self.bundle


def chapter(prefix: str) -> Chapter:
    return Chapter(prefix)
