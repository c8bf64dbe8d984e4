"""Incremental builds: a chapter's input record changes exactly when something it uses changes."""
from __future__ import annotations

import json

import pytest

from lib import build, paths

STEMS = build.toc_chapters()


def _inputs():
    return {s: json.dumps(build.chapter_inputs(s, {}, "open"), sort_keys=True) for s in STEMS}


def test_import_closure_follows_lib_imports():
    mods = build.lib_modules_used((paths.ROOT / "chapters/07_threshold.md").read_text(encoding="utf-8"))
    assert {"threshold", "threshold_search", "panel"} <= mods


def test_touching_a_lib_module_changes_exactly_its_importers():
    target = paths.ROOT / "lib" / "spatial_setup.py"
    importers = {s for s in STEMS
                 if "spatial_setup" in build.lib_modules_used((paths.ROOT / f"{s}.md").read_text(encoding="utf-8"))}
    assert importers  # the spatial chapter uses it
    before = _inputs()
    original = target.read_bytes()
    try:
        target.write_bytes(original + b"\n# touched by test_incremental\n")
        after = _inputs()
    finally:
        target.write_bytes(original)
    changed = {s for s in STEMS if before[s] != after[s]}
    # the validation appendix hashes every lib module because its registry imports them dynamically
    assert changed == importers | {"chapters/91_appendix_validation"}


def test_parameters_and_overrides_change_every_record():
    a = build.chapter_inputs("chapters/06_baseline", {}, "open")
    b = build.chapter_inputs("chapters/06_baseline", {"n_boot": 50}, "open")
    assert a != b


@pytest.mark.slow
def test_same_seed_gives_identical_numbers(tmp_path):
    """Chapter 7 (bootstrap) executed twice with the same seed writes identical headline numbers."""
    out = []
    for run in ("a", "b"):
        o = build.execute_chapter("chapters/07_threshold", tmp_path / run, overrides={"n_boot": 19}, force=True)
        assert o.executed
        out.append(json.loads((tmp_path / run / "results" / "ch07.json").read_text(encoding="utf-8")))
    assert out[0] == out[1]
    assert "ch07_p_f1" in out[0]
