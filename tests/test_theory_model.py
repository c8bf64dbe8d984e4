"""The symbolic model of chapter 2: every identity the chapter asserts, plus known special cases."""
from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from lib import theory_model as tm


@pytest.fixture(scope="module")
def model():
    return tm.city_model()


def test_turning_point_is_sqrt_g_over_d():
    assert tm.turning_points() == [sp.sqrt(tm.g / tm.d)]


def test_turning_point_numeric():
    f = tm.externality(tm.S, 2, 3)
    s_star = math.sqrt(2 / 3)
    df = sp.lambdify(tm.S, sp.diff(f, tm.S))
    assert abs(df(s_star)) < 1e-12 and df(s_star * 0.9) > 0 > df(s_star * 1.1)


def test_curvature_roots_and_critical_mass():
    poly = tm.curvature_polynomial()
    lo, hi = tm.inflection_u()
    assert sp.simplify(poly.subs(tm.u, lo)) == 0 and sp.simplify(poly.subs(tm.u, hi)) == 0
    # the lower root is positive exactly when g > 1: (2g+1)^2 - (8g+1) = 4g(g-1)
    assert sp.factor((2 * tm.g + 1) ** 2 - (8 * tm.g + 1)) == 4 * tm.g * (tm.g - 1)
    for gv, positive in ((sp.Rational(1, 2), False), (1, False), (sp.Rational(3, 2), True), (4, True)):
        assert (lo.subs(tm.g, gv) > 0) == positive
    # the turning point lies between the two inflection points
    for gv in (sp.Rational(3, 2), 3):
        assert lo.subs(tm.g, gv) < gv < hi.subs(tm.g, gv)


def test_inflection_points_numeric():
    """With g = 3/2, d = 1 the marginal effect peaks at S1 and bottoms out at S2 (finite differences)."""
    f = tm.externality(tm.S, sp.Rational(3, 2), 1)
    d1 = sp.lambdify(tm.S, sp.diff(f, tm.S))
    lo, hi = (math.sqrt(float(x.subs(tm.g, sp.Rational(3, 2)))) for x in tm.inflection_u())
    grid = np.linspace(0.01, 4, 40001)
    slope = d1(grid)
    assert abs(grid[np.argmax(slope)] - lo) < 1e-3
    assert abs(grid[np.argmin(slope)] - hi) < 1e-3


def test_city_model_identities(model):
    checks = tm.check_city_model(model)
    assert all(checks.values()), checks


def test_output_turning_point(model):
    assert tm.output_turning_point(model) == [sp.sqrt((tm.gamma + tm.phi * tm.theta) / tm.delta)]
    assert sp.simplify(model.gamma_y / model.delta_y - (tm.gamma + tm.theta * tm.phi) / tm.delta) == 0


def test_sign_form(model):
    _, proved = tm.sign_form(model)
    assert proved


def test_numeric_checks(model):
    out = tm.numeric_checks(model, seed=1, n=200)
    assert out["max_rel_gap"] < 1e-9 and out["share_positive"] == 1.0


def test_capital_share_zero_gives_no_capital_channel(model):
    """Special case: with alpha -> 0 capital does not respond and the capital term vanishes."""
    assert model.compact["capital"].subs(tm.alpha, 0) == 0


@pytest.mark.parametrize("n", [3, 4])
def test_spillovers(n):
    checks = tm.check_spillovers(tm.line_weights(n))
    assert all(checks.values()), checks


def test_spillovers_vanish_without_kappa():
    J, _, _ = tm.spillover_jacobian(tm.line_weights(3))
    assert all(J[i, j].subs(tm.kappa, 0) == 0 for i in range(3) for j in range(3) if i != j)


def test_lesage_pace_effects():
    e = tm.lesage_pace_effects(tm.line_weights(3))
    assert sp.simplify(e["total"] - (tm.beta + tm.theta_w) / (1 - tm.rho)) == 0
    assert sp.simplify(e["direct"].subs(tm.rho, 0) - tm.beta) == 0
    assert sp.simplify(e["indirect"].subs(tm.rho, 0) - tm.theta_w) == 0
    # numeric cross-check against the matrix formula
    W = np.array(tm.line_weights(3), dtype=float)
    rho, beta, th = 0.3, 0.5, 0.2
    M = np.linalg.inv(np.eye(3) - rho * W) @ (beta * np.eye(3) + th * W)
    vals = {tm.rho: rho, tm.beta: beta, tm.theta_w: th}
    assert abs(float(e["direct"].subs(vals)) - np.trace(M) / 3) < 1e-12
    assert abs(float(e["total"].subs(vals)) - M.sum() / 3) < 1e-12


def test_line_weights_row_standardised():
    W = tm.line_weights(5)
    assert all(sum(W.row(i)) == 1 for i in range(5)) and all(W[i, i] == 0 for i in range(5))
