"""The book: chapter sources are well-formed, and the built HTML and PDF are complete and offline.

The build tests need `bash scripts/build.sh` first; in CI a missing build is a failure, not a skip.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import jupytext
import pytest

from lib import build, paths

STEMS = build.toc_chapters()
HTML = paths.BUILD / "html"
PDF = paths.BUILD / "latex" / "thesis.pdf"
IN_CI = os.environ.get("CI") == "true"


def _prose(text: str) -> str:
    """Markdown prose of a chapter: no front matter, code cells, math or roles."""
    text = re.sub(r"\A---.*?\n---\n", "", text, flags=re.S)
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", "", text, flags=re.S)
    text = re.sub(r"\$[^$\n]+\$", "", text)
    text = re.sub(r"\{[a-z:]+\}`[^`]*`", "", text)
    return re.sub(r"`[^`]*`", "", text)


@pytest.mark.parametrize("stem", STEMS)
def test_chapter_has_parameters_cell(stem):
    nb = jupytext.read(paths.ROOT / f"{stem}.md")
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{stem}: needs exactly one cell tagged 'parameters'"
    assert "overrides" in tagged[0].source


@pytest.mark.parametrize("stem", STEMS)
def test_no_typed_decimal_numbers_in_prose(stem):
    prose = _prose((paths.ROOT / f"{stem}.md").read_text(encoding="utf-8"))
    hits = re.findall(r"(?<![\w.])\d+\.\d+(?![\w.])", prose)
    assert not hits, f"{stem}: numbers typed into prose instead of glued: {hits}"


def test_lint_catches_a_typed_number():
    assert re.findall(r"(?<![\w.])\d+\.\d+(?![\w.])", _prose("The effect is 0.123 here."))


def _built(path):
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} missing: the build did not produce it")
        pytest.skip(f"{path} missing: run scripts/build.sh first")


@pytest.mark.parametrize("stem", STEMS)
def test_every_glue_key_in_prose_was_produced(stem):
    nb_path = paths.EXECUTED / f"{stem}.ipynb"
    _built(nb_path)
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    produced = {o.get("metadata", {}).get("scrapbook", {}).get("name")
                for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])}
    src = (paths.ROOT / f"{stem}.md").read_text(encoding="utf-8")
    used = set(re.findall(r"\{glue:(?:text|md|figure)\}`?\s*(\w+)", src))
    used |= set(re.findall(r"```\{glue:(?:md|figure)\}\s+(\w+)", src))
    assert used <= produced, f"{stem}: glue keys used but never produced: {sorted(used - produced)}"


def test_pdf_exists_with_cjk_font():
    _built(PDF)
    assert PDF.stat().st_size > 50_000
    fonts = subprocess.run(["pdffonts", str(PDF)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts, fonts


def test_pdf_has_figure_images():
    _built(PDF)
    out = subprocess.run(["pdfimages", "-list", str(PDF)], capture_output=True, text=True, check=True).stdout
    n_images = len(out.strip().splitlines()) - 2
    assert n_images >= 6, out


@pytest.fixture(scope="module")
def server():
    _built(HTML / "index.html")
    handler = partial(SimpleHTTPRequestHandler, directory=str(HTML))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


PAGES_WITH_FIGURES = {s: len(re.findall(r"```\{glue:figure\}", (paths.ROOT / f"{s}.md").read_text(encoding="utf-8")))
                      for s in STEMS}
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.mark.parametrize("stem", STEMS)
def test_page_draws_figures_offline(server, stem, tmp_path):
    from playwright.sync_api import sync_playwright

    external: list[str] = []
    shots = paths.BUILD / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1600})

        def guard(route):
            if route.request.url.startswith(server):
                route.continue_()
            else:
                external.append(route.request.url)
                route.abort()

        page.route("**/*", guard)
        page.goto(f"{server}/{stem}.html", wait_until="load")
        n_expected = PAGES_WITH_FIGURES.get(stem, 0)
        if n_expected:
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=20000)
            n_drawn = page.evaluate("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0 ? "
                                    "Array.from(document.querySelectorAll('.js-plotly-plot'))"
                                    ".filter(g => g._fullData && g._fullData.length > 0).length : 0")
            assert n_drawn >= n_expected, f"{stem}: {n_drawn} of {n_expected} figures drawn"
            hover = page.evaluate("Array.from(document.querySelectorAll('.js-plotly-plot'))"
                                  ".every(g => g._fullLayout && g._fullLayout.hovermode !== false)")
            assert hover, f"{stem}: a figure has hover switched off"
        page.screenshot(path=str(shots / (stem.replace('/', '_') + ".png")), full_page=False)
        browser.close()
    assert not external, f"{stem}: requests left the machine: {external}"


def test_pdf_pages_with_figures_are_not_blank(tmp_path):
    """Every page that carries an image, rendered by pdftoppm, has visible ink (a figure was drawn)."""
    _built(PDF)
    from PIL import Image

    listing = subprocess.run(["pdfimages", "-list", str(PDF)], capture_output=True, text=True, check=True).stdout
    pages = sorted({int(line.split()[0]) for line in listing.splitlines()[2:] if line.split()})
    assert len(pages) >= 10, f"only {len(pages)} pages carry images"
    for page in pages:
        stem = tmp_path / f"p{page}"
        subprocess.run(["pdftoppm", "-r", "40", "-gray", "-f", str(page), "-l", str(page), "-png", str(PDF),
                        str(stem)], check=True)
        png = next(tmp_path.glob(f"p{page}*.png"))
        img = Image.open(png).convert("L")
        ink = sum(1 for v in img.getdata() if v < 200) / (img.width * img.height)
        assert ink > 0.02, f"PDF page {page} looks blank ({ink:.1%} ink)"


def test_pdf_page_count_and_structure():
    _built(PDF)
    info = subprocess.run(["pdfinfo", str(PDF)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert 40 <= pages <= 400, pages
    text = subprocess.run(["pdftotext", "-l", "3", str(PDF), "-"], capture_output=True, text=True).stdout
    assert "京津冀" in text and "claims ledger" in text  # title page in Chinese, then the table of contents


def test_html_links_the_pdf():
    _built(HTML / "index.html")
    assert (HTML / "_static" / "thesis.pdf").exists()
    assert "_static/thesis.pdf" in (HTML / "chapters" / "00_preface.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("stem", STEMS)
def test_every_figure_has_a_name_and_alt_text_and_is_referenced(stem):
    src = (paths.ROOT / f"{stem}.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\{glue:figure\}[^\n]*\n((?::[^\n]*\n)*)", src)
    for opts in blocks:
        name = re.search(r":name: (\S+)", opts)
        assert name and ":alt:" in opts, f"{stem}: a figure lacks :name: or :alt:"
        assert f"{{numref}}`{name.group(1)}`" in src, f"{stem}: figure {name.group(1)} is never referred to"


@pytest.mark.parametrize("stem", STEMS)
def test_every_table_is_labelled_and_referenced(stem):
    src = (paths.ROOT / f"{stem}.md").read_text(encoding="utf-8")
    for label in re.findall(r'label="(tbl-[\w-]+)"', src):
        assert f"{{numref}}`{label}`" in src, f"{stem}: table {label} is never referred to"
