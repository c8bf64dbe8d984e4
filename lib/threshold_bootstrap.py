r"""Bootstrap of Hansen's (1999) threshold-effect F tests, resampling residuals by entity.

For the test of :math:`m-1` against :math:`m` thresholds, the within residuals :math:`\hat e_i`
(one length-T vector per entity) of the model estimated under the alternative are drawn with
replacement, whole entities at a time, and added to the null model's fitted values; the
:math:`m`-th threshold is searched again and

.. math::
    F^* = \frac{S^*_{m-1} - \min_\gamma S^*_m(\gamma)}{\min_\gamma S^*_m(\gamma) / (N(T-1))}.

The thresholds of the null model are held at their sample estimates. Because the null fitted
values lie in the column space that both models share, :math:`F^*` depends on the resampled
residuals only, so they are used directly (an exact simplification, checked in the tests).
Replication r always uses random stream r of ``SeedSequence.spawn`` and replications are
processed in fixed blocks, so results are identical for every ``n_jobs``.
Reference: Hansen, B. E. (1999), Journal of Econometrics 93(2):345-368, Section 3.2.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from lib.threshold_search import FastSearcher, NaiveSearcher

_BLOCK = 32  # replications per vectorised block (fixed, so results do not depend on n_jobs)
_STATE: dict = {}


def entity_draws(seed_seq: np.random.SeedSequence, *, n_boot: int, n_entities: int) -> np.ndarray:
    """(n_boot, N) entity indices drawn with replacement, replication r from child stream r."""
    rows = [np.random.default_rng(s).integers(0, n_entities, size=n_entities) for s in seed_seq.spawn(n_boot)]
    return np.array(rows, dtype=np.int64).reshape(n_boot, n_entities)


def bootstrap_f(searcher: FastSearcher | NaiveSearcher, resid: np.ndarray, null_fit: np.ndarray,
                draws: np.ndarray, *, n_jobs: int = 1) -> np.ndarray:
    """Bootstrap F statistics, one per row of ``draws`` (entity indices)."""
    if draws.shape[0] == 0:
        return np.zeros(0)
    blocks = [draws[i:i + _BLOCK] for i in range(0, draws.shape[0], _BLOCK)]
    jobs = _resolve_jobs(n_jobs, len(blocks))
    if jobs == 1:
        _init(searcher, resid, null_fit)
        try:
            out = [_block_f(b) for b in blocks]
        finally:
            _STATE.clear()
    else:
        with ProcessPoolExecutor(max_workers=jobs, initializer=_init,
                                 initargs=(searcher, resid, null_fit)) as pool:
            out = list(pool.map(_block_f, blocks))
    return np.concatenate(out)


def _resolve_jobs(n_jobs: int, n_blocks: int) -> int:
    if not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs must be a positive integer or -1 (all cores), got {n_jobs!r}")
    jobs = (os.cpu_count() or 1) if n_jobs == -1 else int(n_jobs)
    return max(1, min(jobs, n_blocks))


def _init(searcher, resid: np.ndarray, null_fit: np.ndarray) -> None:
    _STATE.update(searcher=searcher, resid=resid, null_fit=null_fit)


def _block_f(draws: np.ndarray) -> np.ndarray:
    s = _STATE["searcher"]
    data = s.data
    t = data.n_periods
    e = _STATE["resid"].reshape(data.n_entities, t)[draws].reshape(draws.shape[0], -1).T  # (n, B)
    if isinstance(s, NaiveSearcher):  # the naive path rebuilds y* literally
        e = e + _STATE["null_fit"][:, None]
    s0, ssr = s.curves(e)
    s1 = np.nanmin(ssr, axis=0)
    return data.n_eff * (s0 - s1) / s1
