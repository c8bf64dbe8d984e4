"""The claims ledger: each claim is decided by its rule, and the computed statuses match the committed ones."""
from __future__ import annotations

import os

import pytest

from lib import ledger, paths

RESULTS = paths.EXECUTED / "results"


def test_every_claim_has_an_expected_status_and_no_stale_ones():
    exp = ledger.expected()
    ids = {c.id for c in ledger.CLAIMS}
    assert set(exp) == ids
    assert set(exp.values()) <= {ledger.HOLDS, ledger.FAILS, ledger.UNTESTABLE}


def test_ledger_covers_the_thesis_summary():
    ids = {c.id for c in ledger.CLAIMS}
    for needed in ("agglomeration_rose", "city_differences", "index_rose", "after_2014", "disparity_widened",
                   "disparity_innovation", "positive_effect", "double_threshold", "stronger_at_high",
                   "channel_innovation", "channel_capital", "channel_consumption", "spillovers",
                   "innovation_most"):
        assert needed in ids


@pytest.mark.parametrize("beta,p,status", [(0.2, 0.01, ledger.HOLDS), (0.2, 0.2, ledger.FAILS),
                                           (-0.2, 0.01, ledger.FAILS)])
def test_positive_effect_rule(beta, p, status):
    claim = next(c for c in ledger.CLAIMS if c.id == "positive_effect")
    assert claim.evaluate({"ch06_beta": beta, "ch06_p": p}).status == status


def test_stronger_at_high_needs_a_threshold():
    claim = next(c for c in ledger.CLAIMS if c.id == "stronger_at_high")
    assert claim.evaluate({"ch07_n_thr": 0, "ch07_effect_rises": 1}).status == ledger.UNTESTABLE
    assert claim.evaluate({"ch07_n_thr": 1, "ch07_effect_rises": 1}).status == ledger.HOLDS


def test_negative_significant_spillover_is_not_the_thesis_claim():
    claim = next(c for c in ledger.CLAIMS if c.id == "spillovers")
    r = {"ch09_indirect": -0.3, "ch09_indirect_p": 0.01, "ch09_weights": "contiguity"}
    v = claim.evaluate(r)
    assert v.status == ledger.FAILS and "negative" in v.evidence


@pytest.mark.parametrize("n,status", [(2, ledger.HOLDS), (1, ledger.FAILS), (3, ledger.FAILS)])
def test_double_threshold_rule(n, status):
    claim = next(c for c in ledger.CLAIMS if c.id == "double_threshold")
    assert claim.evaluate({"ch07_n_thr": n}).status == status


def test_channel_rule_distinguishes_untested_and_insignificant():
    claim = next(c for c in ledger.CLAIMS if c.id == "channel_capital")
    assert claim.evaluate({"ch08_tested_capital": 0}).status == ledger.UNTESTABLE
    base = {"ch08_tested_capital": 1, "ch08_indirect_capital": 0.01, "ch08_proxy_capital": "loans"}
    assert claim.evaluate({**base, "ch08_sig_capital": 1}).status == ledger.HOLDS
    assert claim.evaluate({**base, "ch08_sig_capital": 0}).status == ledger.FAILS


def test_missing_result_is_an_error_not_a_verdict():
    claim = next(c for c in ledger.CLAIMS if c.id == "spillovers")
    with pytest.raises(ledger.MissingResult, match="ch09_indirect"):
        claim.evaluate({})


def test_computed_statuses_match_the_committed_ledger():
    if not RESULTS.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("no chapter results: the book build did not run")
        pytest.skip("run scripts/build.sh first")
    verdicts = ledger.evaluate(ledger.load_results(RESULTS))
    exp = ledger.expected()
    changed = {k: (exp[k], v.status) for k, v in verdicts.items() if exp[k] != v.status}
    assert not changed, f"claim statuses changed (expected, computed): {changed}; update ledger_expected.yml"
