"""Plotly figures that are interactive in the HTML and static (PNG) in the PDF, fully offline.

Importing this module registers the ``thesis`` renderer: the bundle holds ``text/html`` without
plotly.js (the book serves one local copy, see ``_ext/plotly_offline.py``) and, unless
``THESIS_STATIC_FIGS=0``, an ``image/png`` made by kaleido with Debian's Chromium. If Chromium
cannot start, the build fails loudly rather than shipping a PDF without figures.
"""
from __future__ import annotations

import atexit
import base64
import os
import warnings

import plotly.graph_objects as go
import plotly.io as pio
from plotly.io._base_renderers import MimetypeRenderer

_server_started = False
FONT = "Noto Sans CJK SC, Noto Sans, Arial, sans-serif"
PALETTE = ("#1f4e79", "#c0504d", "#4f8a3c", "#e2a32b", "#6b4c9a", "#2a9d8f", "#8c564b", "#d16ba5",
           "#7f7f7f", "#bcbd22", "#17becf", "#9e480e", "#264478")


def _png(fig_dict: dict, width: int, height: int, scale: float) -> bytes:
    global _server_started
    import kaleido

    if not _server_started:
        kaleido.start_sync_server(silence_warnings=True)
        atexit.register(kaleido.stop_sync_server, silence_warnings=True)
        _server_started = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return pio.to_image(fig_dict, format="png", width=width, height=height, scale=scale)


def static_enabled() -> bool:
    return os.environ.get("THESIS_STATIC_FIGS", "1") != "0"


class ThesisRenderer(MimetypeRenderer):
    def __init__(self, width: int = 860, height: int = 480, scale: float = 2):
        self.width, self.height, self.scale = width, height, scale

    def to_mimebundle(self, fig_dict: dict) -> dict:
        height = fig_dict.get("layout", {}).get("height") or self.height
        html = pio.to_html(fig_dict, full_html=False, include_plotlyjs=False, include_mathjax=False,
                           default_width="100%", default_height=f"{height}px", validate=False,
                           config={"displaylogo": False, "responsive": True})
        bundle = {"text/html": html}
        if static_enabled():
            png = _png(fig_dict, self.width, height, self.scale)
            bundle["image/png"] = base64.b64encode(png).decode()
        return bundle


pio.renderers["thesis"] = ThesisRenderer()
pio.renderers.default = "thesis"
# simple_white draws added shapes (add_hline, add_vline, add_shape) with zero line width: give them a visible one
_template = go.layout.Template(pio.templates["simple_white"])
_template.layout.shapedefaults = dict(line=dict(width=2, color="#444"), opacity=1)
pio.templates["thesis"] = _template
pio.templates.default = "thesis"


def style(fig: go.Figure, *, title: str | None = None, height: int = 480, ytitle: str | None = None,
          xtitle: str | None = None) -> go.Figure:
    """House style: CJK-capable font, white background, legend outside on the right."""
    fig.update_layout(font=dict(family=FONT, size=13), height=height, colorway=list(PALETTE),
                      margin=dict(l=60, r=20, t=50 if title else 20, b=50),
                      title=dict(text=title) if title else None, hovermode="closest")
    if ytitle is not None:
        fig.update_yaxes(title_text=ytitle)
    if xtitle is not None:
        fig.update_xaxes(title_text=xtitle)
    return fig
