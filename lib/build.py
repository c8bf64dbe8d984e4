"""Execute chapters with papermill, skip those whose inputs did not change, and render the book.

A chapter's inputs are hashed: its source, the ``lib`` modules it imports (transitively), the
curated data of its edition, the parameters and the installed package versions. An executed
notebook is written to a temporary file and renamed only after success, with its input record, so
an interrupted build never leaves output that a later build would trust.
"""
from __future__ import annotations

import ast
import re
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import yaml

from lib import paths

STAGE = paths.BUILD / "stage"
RESULTS = paths.BUILD / "results"
STAGED_FILES = ("_config.yml", "references.bib")
OVERFULL_LIMIT_PT = 30.0  # a table or line may overrun the text block by at most ~1 cm


def toc_chapters(toc: Path = paths.ROOT / "_toc.yml") -> list[str]:
    """Chapter stems (e.g. 'chapters/04_agglomeration') in book order."""
    t = yaml.safe_load(toc.read_text(encoding="utf-8"))
    out = [t["root"]]
    for part in t.get("parts", []):
        out += [c["file"] for c in part["chapters"]]
    return out


def lib_modules_used(source: str) -> set[str]:
    """Names of lib modules a chapter imports, followed transitively through lib itself."""
    todo, seen = _lib_imports(source), set()
    while todo:
        mod = todo.pop()
        if mod in seen:
            continue
        seen.add(mod)
        path = _module_file(mod)
        if path is not None:
            todo |= _lib_imports(path.read_text(encoding="utf-8"))
    return seen


def _module_file(mod: str) -> Path | None:
    """Source file of a lib module ('threshold' or 'validation'), or None if there is none."""
    base = paths.ROOT / "lib" / mod.replace(".", "/")
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.exists():
            return path
    return None


def _lib_imports(source: str) -> set[str]:
    code = "\n".join(_code_lines(source))
    found = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "lib":
            if node.module == "lib":
                found |= {a.name for a in node.names}
            else:
                found.add(node.module[4:])
        elif isinstance(node, ast.Import):
            found |= {a.name[4:] for a in node.names if a.name.startswith("lib.")}
    return found


def _code_lines(source: str) -> list[str]:
    """Python lines of a MyST notebook (code cells) or of a module (everything)."""
    if not source.lstrip().startswith("---"):
        return source.splitlines()
    out, inside = [], False
    for line in source.splitlines():
        if line.startswith("```{code-cell}"):
            inside = True
        elif inside and line.startswith("```"):
            inside = False
        elif inside and not line.startswith(":") and not line.startswith("%"):
            out.append(line)
    return out


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package_versions() -> dict[str, str]:
    names = ["jupyter-book", "myst-nb", "papermill", "numpy", "pandas", "scipy", "statsmodels",
             "linearmodels", "libpysal", "esda", "spreg", "geopandas", "plotly", "kaleido"]
    out = {"python": sys.version.split()[0]}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            out[n] = "not installed"
    return out


def data_hash(edition: str) -> str:
    manifest = paths.DATA / edition / "MANIFEST.sha256"
    return _sha(manifest.read_bytes()) if manifest.exists() else "no-manifest"


def execution_order(stems: list[str]) -> list[str]:
    """Book order, except that chapters reading other chapters' results (the ledger) run last."""
    def reads_results(stem: str) -> bool:
        return "ledger" in lib_modules_used((paths.ROOT / f"{stem}.md").read_text(encoding="utf-8"))
    return [s for s in stems if not reads_results(s)] + [s for s in stems if reads_results(s)]


def chapter_inputs(stem: str, overrides: dict, edition: str = "open", results: Path | None = None) -> dict:
    src = (paths.ROOT / f"{stem}.md").read_text(encoding="utf-8")
    mods = sorted(lib_modules_used(src))
    lib_hash = {}
    for m in mods:
        p = _module_file(m)
        if p is not None:
            lib_hash[m] = _sha(p.read_bytes())
    if "validation" in mods:  # the validation registry imports its area modules dynamically
        for p in sorted((paths.ROOT / "lib").rglob("*.py")):
            lib_hash[p.relative_to(paths.ROOT).as_posix()] = _sha(p.read_bytes())
        for p in sorted(paths.REFERENCE.rglob("*")):
            if p.is_file():
                lib_hash[p.relative_to(paths.ROOT).as_posix()] = _sha(p.read_bytes())
    if "ledger" in mods and results is not None and results.exists():  # the other chapters' results
        for p in sorted(results.glob("ch*.json")):
            lib_hash["results/" + p.name] = _sha(p.read_bytes())
        lib_hash["ledger_expected.yml"] = _sha((paths.ROOT / "ledger_expected.yml").read_bytes())
    return {"source": _sha(src.encode()), "lib": lib_hash, "data": data_hash(edition),
            "params": _sha((paths.PARAMS_FILE).read_bytes()), "overrides": overrides,
            "packages": package_versions(), "static_figures": os.environ.get("THESIS_STATIC_FIGS", "1")}


@dataclass
class Outcome:
    stem: str
    executed: bool
    seconds: float


def execute_chapter(stem: str, out_dir: Path, *, overrides: dict | None = None, force: bool = False,
                    edition: str = "open", progress: bool = False) -> Outcome:
    """Run one chapter with papermill unless an identical-input run already exists."""
    import jupytext
    import papermill as pm

    # papermill writes parameters as Python literals; tuples would arrive as their string form
    overrides = {k: list(v) if isinstance(v, tuple) else v for k, v in (overrides or {}).items()}
    out = out_dir / f"{stem}.ipynb"
    record = out.with_suffix(".inputs.json")
    inputs = chapter_inputs(stem, overrides, edition, out_dir / "results")
    if not force and out.exists() and record.exists() and json.loads(record.read_text()) == inputs:
        return Outcome(stem, False, 0.0)
    out.parent.mkdir(parents=True, exist_ok=True)
    nb = jupytext.read(paths.ROOT / f"{stem}.md")
    t0 = time.perf_counter()
    fd, tmp = tempfile.mkstemp(suffix=".ipynb", dir=out.parent, prefix=".tmp-")
    os.close(fd)
    try:
        pm.execute_notebook(nb, tmp, parameters={"overrides": overrides, "results_dir": str(out_dir / "results")},
                            cwd=str(paths.CHAPTERS), kernel_name="python3", progress_bar=progress,
                            log_output=False)
        record.unlink(missing_ok=True)
        os.replace(tmp, out)
        record.write_text(json.dumps(inputs, indent=1, sort_keys=True), encoding="utf-8")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return Outcome(stem, True, time.perf_counter() - t0)


def stage(executed_dir: Path, stage_dir: Path, stems: list[str]) -> Path:
    """Assemble a renderable book source: config files plus the executed notebooks."""
    if stage_dir.exists():
        shutil.rmtree(stage_dir)
    stage_dir.mkdir(parents=True)
    for f in STAGED_FILES:
        shutil.copy(paths.ROOT / f, stage_dir / f)
    shutil.copytree(paths.ROOT / "_ext", stage_dir / "_ext", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(paths.ROOT / "bib", stage_dir / "bib")
    shutil.copytree(paths.ROOT / "_static", stage_dir / "_static")
    toc = yaml.safe_load((paths.ROOT / "_toc.yml").read_text(encoding="utf-8"))
    (stage_dir / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False), encoding="utf-8")
    for stem in stems:
        dst = stage_dir / f"{stem}.ipynb"
        dst.parent.mkdir(parents=True, exist_ok=True)
        nb = json.loads((executed_dir / f"{stem}.ipynb").read_text(encoding="utf-8"))
        for cell in nb["cells"]:  # papermill's injected parameters are for the record, not the reader
            tags = cell.setdefault("metadata", {}).setdefault("tags", [])
            if "injected-parameters" in tags and "remove-cell" not in tags:
                tags.append("remove-cell")
        dst.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")
    return stage_dir


def render(stage_dir: Path, builder: str, out_root: Path, *, warnings_as_errors: bool = True) -> Path:
    """Run jupyter-book on the staged source; warnings are errors for the full HTML book."""
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb) if jb.exists() else "jupyter-book", "build", str(stage_dir), "--path-output",
           str(out_root), "--builder", builder, "-n", "--keep-going"]
    if builder == "html" and warnings_as_errors:
        cmd.append("-W")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    log = out_root / "_build" / f"{builder}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(proc.stdout + "\n" + proc.stderr, encoding="utf-8")
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-40:])
        raise RuntimeError(f"jupyter-book {builder} build failed (full log: {log}):\n{tail}")
    return log


def check_pdf(out_root: Path) -> Path:
    """The PDF exists and LaTeX reported no missing glyph (CJK would vanish silently otherwise)."""
    latex = out_root / "_build" / "latex"
    pdf = latex / "thesis.pdf"
    if not pdf.exists():
        raise RuntimeError(f"PDF not produced: {pdf}")
    log = latex / "thesis.log"
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    missing = [line for line in text.splitlines() if "Missing character" in line]
    if missing:
        raise RuntimeError(f"LaTeX reported {len(missing)} missing characters, e.g. {missing[0]}")
    over = [float(m) for m in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\)", text)]
    if over and max(over) > OVERFULL_LIMIT_PT:
        raise RuntimeError(f"LaTeX: content {max(over):.0f}pt wider than the text block (limit "
                           f"{OVERFULL_LIMIT_PT:g}pt); see {log}")
    return pdf


def publish_pdf(out_root: Path) -> Path | None:
    """Copy the PDF into the HTML site so that the preface's download link works offline."""
    pdf, html = out_root / "_build" / "latex" / "thesis.pdf", out_root / "_build" / "html"
    if pdf.exists() and html.exists():
        (html / "_static").mkdir(exist_ok=True)
        shutil.copyfile(pdf, html / "_static" / "thesis.pdf")
        return html / "_static" / "thesis.pdf"
    return None
