"""Figures used across chapters: trends by city, small multiples and choropleth maps."""
from __future__ import annotations

import json
import math

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.colors import sample_colorscale

from lib import paths
from lib.cities import CITIES
from lib.plotting import PALETTE, style


def boundaries(edition_dir=None) -> dict:
    folder = (edition_dir or paths.DATA / "open") / "geo"
    return json.loads((folder / "boundaries.geojson").read_text(encoding="utf-8"))


def city_lines(df: pd.DataFrame, value: str, *, ytitle: str, highlight_mean: bool = True,
               height: int = 480) -> go.Figure:
    """One line per city over the years, hover shows the English and Chinese name."""
    d = df.merge(CITIES, on="city_code", suffixes=("", "_c"))
    d["city"] = d.city_en + " " + d.city_zh
    fig = px.line(d, x="year", y=value, color="city", markers=True,
                  color_discrete_sequence=list(PALETTE),
                  hover_data={"city": True, "year": True, value: ":.3f"})
    if highlight_mean:
        m = d.groupby("year", as_index=False)[value].mean()
        fig.add_trace(go.Scatter(x=m.year, y=m[value], name="13-city mean", mode="lines",
                                 line=dict(color="black", width=4, dash="dash")))
    return style(fig, ytitle=ytitle, xtitle="Year", height=height)


def _rings(geometry: dict):
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    for poly in polys:
        yield poly[0]  # outer ring; holes are not drawn


def choropleth(df: pd.DataFrame, value: str, *, title: str, colorbar: str, geo: dict,
               height: int = 560, categories: dict[str, str] | None = None) -> go.Figure:
    """Map of the 13 cities coloured by ``value`` (one row per city), drawn as filled polygons.

    Drawn with plain scatter traces so that neither the browser nor kaleido fetches a base map.
    ``categories`` maps category labels to colours for a discrete map (e.g. LISA clusters).
    """
    d = df.merge(CITIES, on="city_code", suffixes=("", "_c")).set_index("city_code")
    fig = go.Figure()
    if categories is None:
        lo, hi = float(d[value].min()), float(d[value].max())
        scale = "Blues"
        frac = (d[value] - lo) / (hi - lo) if hi > lo else d[value] * 0 + 0.5
        colours = dict(zip(d.index, sample_colorscale(scale, list(frac.clip(0.05, 1)))))
    else:
        colours = {c: categories[str(v)] for c, v in d[value].items()}
    shown: set[str] = set()
    for feat in geo["features"]:
        code = int(feat["properties"]["city_code"])
        if code not in d.index:
            continue
        row = d.loc[code]
        txt = (f"{row.city_en} {row.city_zh}<br>{value}: "
               + (f"{row[value]:.3f}" if categories is None else str(row[value])))
        for ring in _rings(feat["geometry"]):
            lon, lat = zip(*ring)
            cat = None if categories is None else str(row[value])
            fig.add_trace(go.Scatter(x=lon, y=lat, fill="toself", mode="lines", fillcolor=colours[code],
                                     line=dict(color="white", width=1), hoverinfo="text", text=txt,
                                     hoveron="fills", name=cat or row.city_en,
                                     legendgroup=cat, showlegend=cat is not None and cat not in shown))
            if cat:
                shown.add(cat)
    cent = [(sum(x for x, _ in r) / len(r), sum(y for _, y in r) / len(r))
            for f in geo["features"] for r in [max(_rings(f["geometry"]), key=len)]]
    names = [CITIES.set_index("city_code").loc[int(f["properties"]["city_code"])].city_zh
             for f in geo["features"]]
    codes = [int(f["properties"]["city_code"]) for f in geo["features"]]
    dark = [categories is None and code in d.index and float(frac.get(code, 0)) > 0.6 for code in codes]
    fig.add_trace(go.Scatter(x=[c[0] for c in cent], y=[c[1] for c in cent], mode="text", text=names,
                             textfont=dict(size=11, color=["white" if k else "#222" for k in dark]),
                             hoverinfo="skip", showlegend=False))
    if categories is None:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", showlegend=False, hoverinfo="skip",
                                 marker=dict(colorscale=scale, cmin=lo, cmax=hi, color=[lo],
                                             colorbar=dict(title=dict(text=colorbar)), showscale=True)))
    else:
        fig.update_layout(showlegend=True)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1 / math.cos(math.radians(39.0)))
    fig = style(fig, title=title or None, height=height)
    fig.update_layout(margin=dict(l=0, r=0, t=40 if title else 10, b=0), showlegend=categories is not None)
    return fig
