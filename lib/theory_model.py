r"""The small formal model of chapter 2, derived symbolically with sympy.

Everything the theory chapter asserts about the model is computed here, so that the chapter and
``tests/test_theory_model.py`` check the same derivation. Functions return sympy expressions or
plain Python values and print nothing.

**The agglomeration externality.** With agglomeration :math:`S>0`,

.. math:: f(S; g, d) = S^{g}\,e^{-d S^{2}/2},\qquad g, d > 0,

rises with the benefits of concentration (elasticity :math:`g`) and falls with congestion
(:math:`d`). Its marginal effect :math:`f' = f\,(g/S - dS)` is positive below the turning point
:math:`\sqrt{g/d}`; its curvature changes sign where :math:`u = dS^2` solves
:math:`u^2 - (2g+1)u + g^2 - g = 0`, which has a positive lower root only when :math:`g > 1`.

**One city with three channels** (time suppressed, :math:`0<\alpha<1`, :math:`0<s<1`):

.. math::
    R &= R_0 S^{\phi} && \text{innovation}\\
    A &= A_0\, f(S;\gamma,\delta)\, R^{\theta} && \text{total factor productivity}\\
    K &: \partial Y/\partial K = r && \text{capital (first-order condition)}\\
    Y &= A K^{\alpha} L^{1-\alpha} && \text{output}\\
    C &= (1-s)\,Y S^{\mu} && \text{real consumption (variety price index } S^{-\mu})\\
    H &= \omega_R R + \omega_Y Y/L + \omega_C C/L && \text{development index, linear in levels}

The total effect of :math:`S` on :math:`H` is split by the chain rule into a direct term and one
term per channel (:func:`city_model`); :func:`check_city_model` verifies every step.

**Spillovers.** With :math:`n` cities and row-standardised weights :math:`W`, productivity also
depends on neighbours' agglomeration, :math:`A_i = A_0 f(S_i) R_i^{\theta} e^{\kappa (WS)_i}`
(:func:`spillover_jacobian`), and the spatial Durbin effects of LeSage and Pace (2009, ch. 2)
follow from :func:`lesage_pace_effects`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp

S = sp.Symbol("S", positive=True)
g, d, u = sp.symbols("g d u", positive=True)
gamma, delta, phi, theta, mu, kappa = sp.symbols("gamma delta phi theta mu kappa", positive=True)
alpha, s = sp.symbols("alpha s", positive=True)
A0, R0, L, r = sp.symbols("A_0 R_0 L r", positive=True)
wR, wY, wC = sp.symbols("omega_R omega_Y omega_C", positive=True)
Rs, Ks, Cs = sp.symbols("R K C", positive=True)        # structural (mediator) variables
y_, c_ = sp.symbols("y c", positive=True)               # output and consumption per worker
rho, beta, theta_w = sp.symbols("rho beta theta_W", real=True)

#: Illustrative values for the figure of chapter 2 (not estimates): delta = 1 sets the unit of S.
ILLUSTRATIVE = {"gamma_high": sp.Rational(3, 2), "gamma_low": sp.Rational(1, 2), "delta": sp.Integer(1)}
#: Random parameter draws for the numeric spot checks of :func:`numeric_checks`.
N_DRAWS = 500


def externality(x, g_=g, d_=d):
    """:math:`f(x; g, d) = x^g e^{-d x^2/2}`."""
    return x**g_ * sp.exp(-d_ * x**2 / 2)


def turning_points(g_=g, d_=d) -> list:
    """Positive roots of :math:`f'(S) = 0`, solved by sympy."""
    return sp.solve(sp.diff(externality(S, g_, d_), S), S)


def curvature_polynomial(g_=g, d_=d):
    """:math:`S^2 f''/f` written as a polynomial in :math:`u = dS^2` (asserted, then returned)."""
    f = externality(S, g_, d_)
    ratio = sp.expand(sp.simplify(sp.diff(f, S, 2) / f * S**2))
    poly = u**2 - (2 * g_ + 1) * u + g_**2 - g_
    assert sp.simplify(ratio - poly.subs(u, d_ * S**2)) == 0
    return poly


def inflection_points(g_=g, d_=d) -> list:
    """Positive roots of :math:`f''(S) = 0`, solved by sympy (one or two, depending on g)."""
    return sp.solve(sp.diff(externality(S, g_, d_), S, 2), S)


def inflection_u(g_=g) -> tuple:
    """The two roots :math:`u_\\mp = \\tfrac12\\,[(2g+1) \\mp \\sqrt{8g+1}]` of the curvature polynomial."""
    root = sp.sqrt(8 * g_ + 1)
    return ((2 * g_ + 1 - root) / 2, (2 * g_ + 1 + root) / 2)


@dataclass(frozen=True)
class CityModel:
    """Structural equations, reduced forms, the channel terms and their compact forms."""

    structural_H: sp.Expr     # H(S, R, K, C)
    reduced: dict             # R, K, y, c, H as functions of S
    terms: dict               # direct, innovation, capital, consumption: derived by the chain rule
    total: sp.Expr            # dH/dS of the reduced form
    compact: dict             # the same terms in y, R, c (and the total)
    gamma_y: sp.Expr          # output's externality parameters after capital adjusts
    delta_y: sp.Expr


def _compact_terms() -> dict:
    big = (gamma + theta * phi - delta * S**2) / (1 - alpha)
    out = {
        "direct": wY * y_ * (gamma - delta * S**2) / S,
        "innovation": (wR * phi * Rs + wY * theta * phi * y_) / S,
        "capital": wY * alpha * y_ * (gamma + theta * phi - delta * S**2) / ((1 - alpha) * S),
        "consumption": wC * c_ * (big + mu) / S,
    }
    out["total"] = (wR * phi * Rs + wY * y_ * big + wC * c_ * (big + mu)) / S
    return out


def city_model() -> CityModel:
    """Derive the one-city model: capital from its first-order condition, then the chain rule."""
    A = A0 * externality(S, gamma, delta) * Rs**theta
    Y = A * Ks**alpha * L**(1 - alpha)
    H = wR * Rs + wY * Y / L + wC * Cs / L
    R_of = R0 * S**phi
    K_of = ((alpha * A * L**(1 - alpha) / r) ** (1 / (1 - alpha))).subs(Rs, R_of)
    Y_of = Y.subs({Rs: R_of, Ks: K_of})
    C_of = (1 - s) * Y_of * S**mu
    at = {Rs: R_of, Ks: K_of, Cs: C_of}
    terms = {"direct": sp.diff(H, S).subs(at),
             "innovation": sp.diff(H, Rs).subs(at) * sp.diff(R_of, S),
             "capital": sp.diff(H, Ks).subs(at) * sp.diff(K_of, S),
             "consumption": sp.diff(H, Cs).subs(at) * sp.diff(C_of, S)}
    H_of = H.subs(at)
    reduced = {"R": R_of, "K": K_of, "y": Y_of / L, "c": C_of / L, "H": H_of, "Y": Y_of}
    return CityModel(H, reduced, terms, sp.diff(H_of, S), _compact_terms(),
                     (gamma + theta * phi) / (1 - alpha), delta / (1 - alpha))


def equal(a, b) -> bool:
    """a == b for positive expressions, proved through their ratio (and its log if needed)."""
    q = sp.simplify(sp.powsimp(sp.expand_power_base(sp.together(a / b), force=True), force=True))
    return q == 1 or sp.simplify(sp.expand_log(sp.log(q), force=True)) == 0


def is_zero(expr) -> bool:
    """expr == 0 for sums of products of powers (expanded, powers combined, then simplified)."""
    return sp.simplify(sp.powsimp(sp.expand_power_base(sp.expand(expr), force=True), force=True)) == 0


def check_city_model(m: CityModel) -> dict[str, bool]:
    """Every identity the chapter relies on, each True when sympy proves it."""
    A = A0 * externality(S, gamma, delta) * Rs**theta
    Y = A * Ks**alpha * L**(1 - alpha)
    red, sub = m.reduced, {y_: m.reduced["y"], c_: m.reduced["c"], Rs: m.reduced["R"]}
    mpk = sp.diff(Y, Ks).subs({Rs: red["R"], Ks: red["K"]})
    shape = sp.expand_log(sp.log(red["y"] / externality(S, m.gamma_y, m.delta_y)), force=True)
    parts = sum(m.compact[k] for k in ("direct", "innovation", "capital", "consumption"))
    return {
        "foc_capital": equal(mpk, r),
        "output_shape": sp.simplify(sp.diff(shape, S)) == 0,
        **{f"term_{k}": equal(m.terms[k], m.compact[k].subs(sub)) for k in m.terms},
        "channel_growth_rates": all(equal(sp.diff(red[v], S), red[v] * e) for v, e in (
            ("R", phi / S), ("y", (gamma + theta * phi - delta * S**2) / ((1 - alpha) * S)),
            ("c", ((gamma + theta * phi - delta * S**2) / (1 - alpha) + mu) / S))),
        "total_derived": is_zero(m.total - m.compact["total"].subs(sub)),
        "chain_rule": is_zero(m.total - sum(m.terms.values())),
        "decomposition": sp.simplify(parts - m.compact["total"]) == 0,
    }


def output_turning_point(m: CityModel) -> list:
    """Positive roots of :math:`d\\ln y/dS = 0` (solving the log-derivative is fast and exact)."""
    slope = sp.simplify(sp.diff(sp.expand_log(sp.log(m.reduced["y"]), force=True), S))
    return sp.solve(slope, S)


def sign_form(m: CityModel) -> tuple[sp.Expr, bool]:
    """:math:`S\\,dH/dS` written as :math:`\\omega_R\\phi R + (\\omega_Y y + \\omega_C c)\\Delta/(1-\\alpha)
    + \\omega_C c\\mu` with :math:`\\Delta = \\gamma + \\theta\\phi - \\delta S^2`; every term is
    non-negative when :math:`\\Delta \\ge 0`, i.e. :math:`S \\le S_Y^*`. Returns (form, proved)."""
    gap = sp.Symbol("Delta", nonnegative=True)
    form = wR * phi * Rs + (wY * y_ + wC * c_) * gap / (1 - alpha) + wC * c_ * mu
    proved = sp.simplify(m.compact["total"] * S
                         - form.subs(gap, gamma + theta * phi - delta * S**2)) == 0
    return form, proved


def numeric_checks(m: CityModel, seed, n: int = N_DRAWS) -> dict[str, float]:
    """Random positive parameters and S in (0, S_Y*]: the derived total derivative against the sum
    of the four channel terms, and its sign."""
    syms = (S, gamma, delta, phi, theta, mu, alpha, s, A0, R0, L, r, wR, wY, wC)
    total = sp.lambdify(syms, m.total, "numpy")
    parts = sp.lambdify(syms, sum(m.terms.values()), "numpy")
    rng = np.random.default_rng(seed)
    gm, dl, ph, th, mu_ = (rng.uniform(0.1, 2.0, n) for _ in range(5))
    al, sv = rng.uniform(0.2, 0.5, n), rng.uniform(0.2, 0.5, n)
    a0, r0, l_, rr = (rng.uniform(0.5, 2.0, n) for _ in range(4))
    w = rng.dirichlet(np.ones(3), n)
    s_max = np.sqrt((gm + th * ph) / dl)
    x = s_max * rng.uniform(0.05, 1.0, n)
    args = (x, gm, dl, ph, th, mu_, al, sv, a0, r0, l_, rr, w[:, 0], w[:, 1], w[:, 2])
    tot, par = total(*args), parts(*args)
    return {"n": n, "max_rel_gap": float(np.max(np.abs(tot - par) / np.abs(tot))),
            "min_total": float(np.min(tot)), "share_positive": float(np.mean(tot > 0))}


def spillover_jacobian(W: sp.Matrix) -> tuple[sp.Matrix, list, list]:
    """Derived matrix of :math:`\\partial H_i/\\partial S_j` for n cities with
    :math:`A_i = A_0 f(S_i) R_i^{\\theta} e^{\\kappa (WS)_i}` and capital at its optimum, plus the
    reduced forms of :math:`y_i` and :math:`c_i` (per worker)."""
    n = W.shape[0]
    Sv = sp.symbols(f"S1:{n + 1}", positive=True)
    H, yv, cv = [], [], []
    for i in range(n):
        lag = sum(W[i, j] * Sv[j] for j in range(n))
        R_i = R0 * Sv[i] ** phi
        A_i = A0 * externality(Sv[i], gamma, delta) * R_i**theta * sp.exp(kappa * lag)
        y_i = (A_i * (alpha / r) ** alpha) ** (1 / (1 - alpha))
        c_i = (1 - s) * y_i * Sv[i] ** mu
        H.append(wR * R_i + wY * y_i + wC * c_i)
        yv.append(y_i)
        cv.append(c_i)
    return sp.Matrix(n, n, lambda i, j: sp.diff(H[i], Sv[j])), yv, cv


def check_spillovers(W: sp.Matrix) -> dict[str, bool]:
    """Each spillover :math:`\\partial H_i/\\partial S_j` (j != i) equals
    :math:`\\kappa w_{ij}(\\omega_Y y_i + \\omega_C c_i)/(1-\\alpha)`, zero where :math:`w_{ij}=0`;
    so a row of spillovers sums to :math:`\\kappa(\\omega_Y y_i + \\omega_C c_i)/(1-\\alpha)` when W is
    row-standardised."""
    J, yv, cv = spillover_jacobian(W)
    n = W.shape[0]
    unit = [kappa * (wY * yv[i] + wC * cv[i]) / (1 - alpha) for i in range(n)]
    off = [(i, j) for i in range(n) for j in range(n) if i != j]
    form = all((J[i, j] == 0) if W[i, j] == 0 else equal(J[i, j], W[i, j] * unit[i]) for i, j in off)
    rows = all(equal(sum(J[i, j] for j in range(n) if j != i), unit[i]) for i in range(n))
    return {"spillover_form": form, "spillover_row_sums": rows,
            "row_standardised": all(sum(W.row(i)) == 1 for i in range(n))}


def lesage_pace_effects(W: sp.Matrix, rho_=rho, beta_=beta, theta_=theta_w) -> dict:
    """Average direct, indirect and total effects of the spatial Durbin model
    :math:`H = \\rho WH + \\beta S + \\theta_W WS`: means of the diagonal, of the off-diagonal row
    sums and of the row sums of :math:`(I-\\rho W)^{-1}(\\beta I + \\theta_W W)`."""
    n = W.shape[0]
    M = (sp.eye(n) - rho_ * W).inv() * (beta_ * sp.eye(n) + theta_ * W)
    direct = sp.simplify(M.trace() / n)
    total = sp.simplify(sum(M) / n)
    return {"direct": direct, "total": total, "indirect": sp.simplify(total - direct)}


def line_weights(n: int = 3) -> sp.Matrix:
    """Row-standardised contiguity of n cities on a line (1-2-...-n), exact rationals."""
    B = sp.Matrix(n, n, lambda i, j: 1 if abs(i - j) == 1 else 0)
    return sp.Matrix(n, n, lambda i, j: sp.Rational(B[i, j], sum(B.row(i))))

