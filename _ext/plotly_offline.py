"""Serve one local copy of plotly.js with the HTML book (no CDN), matching the installed plotly."""
from pathlib import Path


def _copy_plotlyjs(app, exc):
    if exc is None and app.builder.format == "html":
        from plotly.offline import get_plotlyjs

        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        (static / "plotly.min.js").write_text(get_plotlyjs(), encoding="utf-8")


def setup(app):
    app.add_js_file("plotly.min.js")
    app.connect("build-finished", _copy_plotlyjs)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
