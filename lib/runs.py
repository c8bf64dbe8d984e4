"""Parameterised reruns of one chapter into its own folder, with a comparison to the canonical book.

The canonical book (``_build``) is never written: a run executes the chapter with papermill into
``_runs/<chapter>-<hash>/``, renders that chapter alone to HTML there, and writes
``comparison.csv`` (every glued headline number, canonical against rerun).
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import yaml

from lib import build, params, paths

RUNS = paths.ROOT / "_runs"


def resolve_chapter(name: str) -> str:
    """'07', '07_threshold', 'chapters/07_threshold.md' or 'threshold' -> 'chapters/07_threshold'."""
    stems = build.toc_chapters()
    key = Path(name).stem
    hits = [s for s in stems if Path(s).name == key or Path(s).name.startswith(key + "_")
            or Path(s).name.split("_", 1)[-1] == key]
    if len(hits) != 1:
        raise ValueError(f"chapter {name!r} matches {len(hits)} chapters; known: "
                         + ", ".join(Path(s).name for s in stems))
    return hits[0]


def chapter_parameters(stem: str) -> list[str]:
    """Names of the study parameters a chapter reads (``P.<name>`` in its code)."""
    src = (paths.ROOT / f"{stem}.md").read_text(encoding="utf-8")
    specs = params.schema()
    return sorted({m for m in re.findall(r"\bP\.(\w+)", src) if m in specs})


def parse_assignments(items: list[str]) -> dict:
    """['n_boot=1000', 'weights=inverse_distance'] -> dict of strings (typed later by the schema)."""
    out = {}
    for item in items:
        if "=" not in item:
            raise params.ParameterError(f"expected NAME=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = yaml.safe_load(v) if v.strip().startswith("[") else v.strip()
    return out


def run_folder(stem: str, overrides: dict) -> Path:
    blob = json.dumps(overrides, sort_keys=True, default=list).encode()
    return RUNS / f"{Path(stem).name}-{hashlib.sha256(blob).hexdigest()[:10]}"


def compare(canonical: Path, rerun: Path) -> pd.DataFrame:
    """Numeric and text headline values of both runs side by side."""
    a = json.loads(canonical.read_text(encoding="utf-8")) if canonical.exists() else {}
    b = json.loads(rerun.read_text(encoding="utf-8")) if rerun.exists() else {}
    rows = []
    for k in sorted(set(a) | set(b)):
        va, vb = a.get(k), b.get(k)
        if va == "<object>" or vb == "<object>":
            continue
        diff = vb - va if isinstance(va, (int, float)) and isinstance(vb, (int, float)) else None
        rows.append({"key": k, "canonical": va, "rerun": vb, "difference": diff,
                     "changed": va != vb})
    return pd.DataFrame(rows, columns=["key", "canonical", "rerun", "difference", "changed"])


def run_chapter(name: str, overrides: dict, *, log=print) -> Path:
    """Validate, execute, render and compare; returns the run folder."""
    stem = resolve_chapter(name)
    clean = params.validate(overrides)  # raises before anything runs
    params.load(clean)  # cross-parameter checks
    unused = sorted(set(clean) - set(chapter_parameters(stem)))
    if unused:
        log(f"note: {stem} does not read {', '.join(unused)}; they are recorded but change nothing")
    out = run_folder(stem, clean)
    fresh = not out.exists()
    log(f"[1/3] executing {stem} with {clean or 'default parameters'} -> {out}")
    try:
        o = build.execute_chapter(stem, out / "executed", overrides=clean, progress=True)
    except Exception:
        if fresh:  # a failed run leaves no folder that looks like a result
            shutil.rmtree(out, ignore_errors=True)
        raise
    log(f"      {'executed in %.1f s' % o.seconds if o.executed else 'identical run exists, reused'}")
    log("[2/3] rendering the chapter to HTML")
    stage = out / "stage"
    build.stage(out / "executed", stage, [stem])
    toc = {"format": "jb-book", "root": stem}
    (stage / "_toc.yml").write_text(yaml.safe_dump(toc), encoding="utf-8")
    build.render(stage, "html", out, warnings_as_errors=False)
    log("[3/3] comparing headline numbers with the canonical book")
    prefix = _prefix(out / "executed" / "results")
    table = compare(paths.EXECUTED / "results" / f"{prefix}.json",
                    out / "executed" / "results" / f"{prefix}.json")
    table.to_csv(out / "comparison.csv", index=False)
    (out / "parameters.yml").write_text(yaml.safe_dump({k: list(v) if isinstance(v, tuple) else v
                                                        for k, v in clean.items()}), encoding="utf-8")
    return out


def _prefix(results: Path) -> str:
    files = sorted(results.glob("*.json"))
    if len(files) > 1:
        raise RuntimeError(f"expected one results file in {results}, found {len(files)}")
    return files[0].stem if files else "none"  # a chapter without numbers: an empty comparison
