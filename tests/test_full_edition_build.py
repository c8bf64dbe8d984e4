"""End to end: the whole book builds in the full edition on a SYNTHETIC dataset (tests only).

The synthetic numbers are invented (tests/full_fixture.py); the test proves the path, not a result.
It writes only into a temporary folder: the canonical book and any real data/full stay untouched.
"""
from __future__ import annotations

import json
import os

import pytest

from full_fixture import write_synthetic_full
from lib import ledger, paths


@pytest.mark.slow
def test_whole_book_builds_on_a_synthetic_full_edition(tmp_path, monkeypatch):
    data = write_synthetic_full(tmp_path / "full")
    curated, out = tmp_path / "curated", tmp_path / "book"
    monkeypatch.setenv("THESIS_FULL_CURATED", str(curated))
    monkeypatch.setattr(paths, "FULL_CURATED", curated)
    before = sorted(p.name for p in (paths.BUILD / "executed" / "results").glob("*.json")) \
        if (paths.BUILD / "executed" / "results").exists() else []
    from lib import cli

    code = cli.main(["build", "--edition", "full", "--data", str(data), "--out", str(out), "--html"])
    assert code == 0
    assert (out / "_build" / "html" / "chapters" / "06_baseline.html").exists()
    results = ledger.load_results(out / "_build" / "executed" / "results")
    assert json.dumps(results)  # every chapter saved its numbers
    assert results["ch05_innovation_city_level"] == 1
    assert "advanced" in results["ch06_agg_label"]
    verdicts = ledger.evaluate(results)
    assert set(verdicts) == {c.id for c in ledger.CLAIMS}
    after = sorted(p.name for p in (paths.BUILD / "executed" / "results").glob("*.json")) \
        if (paths.BUILD / "executed" / "results").exists() else []
    assert before == after
    assert os.environ["THESIS_FULL_CURATED"] == str(curated)
