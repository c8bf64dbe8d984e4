"""The claims ledger: each finding the thesis reports, evaluated on the computed results.

A claim reads the glued headline numbers that chapters save (``results/<chapter>.json``) and
returns a verdict: ``holds``, ``does not hold`` or ``cannot be tested`` (with the reason). The
expected status of every claim is committed in ``ledger_expected.yml``; a test fails when a computed
status differs, so a change in a finding must be acknowledged in the same commit.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

import yaml

from lib import paths

HOLDS, FAILS, UNTESTABLE = "holds", "does not hold", "cannot be tested"
EXPECTED_FILE = paths.ROOT / "ledger_expected.yml"


@dataclass(frozen=True)
class Verdict:
    status: str
    evidence: str


@dataclass(frozen=True)
class Claim:
    id: str
    statement: str
    test: str  # how the claim is decided, in words
    chapter: str
    evaluate: Callable[[Mapping], Verdict]


class MissingResult(KeyError):
    """A claim needs a result that no chapter produced."""


def _get(r: Mapping, key: str):
    if key not in r:
        raise MissingResult(f"result {key!r} not found; was its chapter executed?")
    return r[key]


def _v(ok: bool, evidence: str) -> Verdict:
    return Verdict(HOLDS if ok else FAILS, evidence)


def _agg_rose(r):
    a, b, s = _get(r, "ch04_primary_first"), _get(r, "ch04_primary_last"), _get(r, "ch04_primary_share_years_rising")
    return _v(b > a and s >= 0.6, f"mean {a:.3f} to {b:.3f}; rose in {s:.0%} of years")


def _city_diff(r):
    hi, lo = _get(r, "ch04_lq_top_value"), _get(r, "ch04_lq_bottom_value")
    return _v(hi / lo >= 2, f"max/min location quotient {hi / lo:.2f} in the last year")


def _industry_diff(r):
    return Verdict(UNTESTABLE, "open data have no manufacturing output or employment by sub-sector")


def _index_rose(r):
    a, b, n = _get(r, "ch05_h_first"), _get(r, "ch05_h_last"), _get(r, "ch05_n_falls")
    return _v(b > a and n <= 2, f"mean index {a:.3f} to {b:.3f}; {n} annual falls")


def _after_2014(r):
    pre, post = _get(r, "ch05_g_pre"), _get(r, "ch05_g_post")
    return _v(post > pre, f"mean growth {pre:.1f}%/yr to 2014, {post:.1f}%/yr after")


def _disparity(r):
    a, b = _get(r, "ch05_gini_first"), _get(r, "ch05_gini_last")
    return _v(b > a, f"Dagum Gini {a:.3f} to {b:.3f}")


def _disparity_innovation(r):
    n, top = _get(r, "ch05_n_dims_widening"), _get(r, "ch05_top_widening_dim")
    if n == 0:
        return Verdict(FAILS, "no dimension's Gini rose (all five narrowed)")
    return _v(top == "innovation", f"{n} dimension(s) widened; most: {top}")


def _positive_effect(r):
    b, p = _get(r, "ch06_beta"), _get(r, "ch06_p")
    return _v(b > 0 and p < 0.05, f"coefficient {b:.4f}, p = {p:.3f}")


def _double_threshold(r):
    n = _get(r, "ch07_n_thr")
    return _v(n == 2, f"{n} threshold(s) significant at 5% (sequential bootstrap tests)")


def _stronger_high(r):
    if _get(r, "ch07_n_thr") == 0:
        return Verdict(UNTESTABLE, "the bootstrap tests support no threshold, so there are no regimes to compare")
    rises = _get(r, "ch07_effect_rises")
    return _v(bool(rises), "effect in the highest regime " + ("exceeds" if rises else "does not exceed")
              + " that in the lowest")


def _channel(name: str):
    def evaluate(r):
        if not _get(r, f"ch08_tested_{name}"):
            return Verdict(UNTESTABLE, f"no honest open-data proxy for {name}")
        ind, sig, proxy = (_get(r, f"ch08_indirect_{name}"), _get(r, f"ch08_sig_{name}"),
                           _get(r, f"ch08_proxy_{name}"))
        return _v(bool(sig) and ind > 0, f"indirect effect {ind:.4f} via {proxy}; "
                  + ("bootstrap CI excludes 0" if sig else "bootstrap CI includes 0"))
    return evaluate


def _spillovers(r):
    ind, p, w = _get(r, "ch09_indirect"), _get(r, "ch09_indirect_p"), _get(r, "ch09_weights")
    sign = "negative" if ind < 0 else "positive"
    return _v(p < 0.05 and ind > 0, f"indirect (spillover) effect {ind:.4f} ({sign}), p = {p:.3f}, {w} weights")


def _innovation_most(r):
    if not _get(r, "ch05_innovation_city_level"):
        return Verdict(UNTESTABLE, "innovation indicators are provincial in this edition; an entropy weight "
                       "measures dispersion, not importance")
    top, w = _get(r, "ch05_top_dim"), _get(r, "ch05_top_dim_weight")
    return _v(top == "innovation", f"largest dimension weight: {top} ({w:.3f})")


CLAIMS: tuple[Claim, ...] = (
    Claim("agglomeration_rose", "Agglomeration rose steadily from 2012 to 2022.",
          "the 13-city mean of the primary measure is higher in the last year and rose in at least 60% of years",
          "ch04", _agg_rose),
    Claim("city_differences", "Agglomeration differs widely across cities.",
          "the largest location quotient is at least twice the smallest in the last year", "ch04", _city_diff),
    Claim("industry_differences", "Agglomeration differs widely across advanced-manufacturing industries.",
          "needs sub-sector data", "ch04", _industry_diff),
    Claim("index_rose", "The development index rose, with small fluctuations.",
          "mean index higher at the end of the window, with at most two annual falls", "ch05", _index_rose),
    Claim("after_2014", "The index rose markedly after the 2014 coordinated development strategy.",
          "mean annual growth after 2014 exceeds growth up to 2014 (descriptive, not a causal test)", "ch05",
          _after_2014),
    Claim("disparity_widened", "Regional disparity in development widened.",
          "Dagum Gini of the index higher in the last year than the first", "ch05", _disparity),
    Claim("disparity_innovation", "Disparity widened most in innovation.",
          "some sub-index Gini rose, and innovation's rose most", "ch05", _disparity_innovation),
    Claim("positive_effect", "Agglomeration has a significant positive effect on high-quality development.",
          "baseline two-way FE coefficient positive with p < 0.05 (clustered, t(G-1))", "ch06", _positive_effect),
    Claim("double_threshold", "The effect has a double threshold.",
          "exactly two thresholds significant at 5% in sequential bootstrap F tests", "ch07", _double_threshold),
    Claim("stronger_at_high", "The effect is stronger at higher agglomeration.",
          "regime coefficient in the highest regime exceeds that in the lowest", "ch07", _stronger_high),
    Claim("channel_innovation", "Agglomeration works through technological innovation.",
          "positive indirect effect with a bootstrap CI excluding 0", "ch08", _channel("innovation")),
    Claim("channel_capital", "Agglomeration works through capital investment.",
          "positive indirect effect with a bootstrap CI excluding 0", "ch08", _channel("capital")),
    Claim("channel_consumption", "Agglomeration works through consumption.",
          "positive indirect effect with a bootstrap CI excluding 0", "ch08", _channel("consumption")),
    Claim("spillovers", "Agglomeration has significant spatial spillovers.",
          "indirect effect of agglomeration in the spatial Durbin model positive and significant at 5%",
          "ch09", _spillovers),
    Claim("innovation_most", "Innovation matters most for high-quality development.",
          "with city-level innovation indicators: innovation carries the largest dimension weight", "ch05",
          _innovation_most),
)


def load_results(folder: Path) -> dict:
    out: dict = {}
    for p in sorted(folder.glob("ch*.json")):
        out.update(json.loads(p.read_text(encoding="utf-8")))
    return out


def evaluate(results: Mapping) -> dict[str, Verdict]:
    return {c.id: c.evaluate(results) for c in CLAIMS}


def expected() -> dict[str, str]:
    return yaml.safe_load(EXPECTED_FILE.read_text(encoding="utf-8"))
