"""Spatial weights for an explicit, ordered list of unit ids (city codes).

Every builder returns a :class:`SpatialWeights` whose rows and columns follow the id list it was
given, never a constructor's own order; row standardisation happens in :func:`row_standardise` only.
A unit without neighbours (an island) is refused with an error naming it.

Conventions: weights are non-negative with a zero diagonal; ``standardise=True`` (the default)
divides each row by its sum, so every row sums to one, :math:`W\\iota = \\iota` and the largest
eigenvalue is 1. Distances are great-circle kilometres (:func:`lib.geography.great_circle_km`).
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from lib.geography import great_circle_km


class SpatialInputError(ValueError):
    """Bad spatial input: shapes, ids, order, missing values or panel structure."""


class IslandError(SpatialInputError):
    """A unit has no neighbours (a zero row in the weights matrix)."""


def _ids(ids: Iterable[Hashable]) -> tuple:
    out = tuple(ids)
    if not out:
        raise SpatialInputError("ids: expected at least one unit id, got none")
    seen: set = set()
    dup = [i for i in out if i in seen or seen.add(i)]
    if dup:
        raise SpatialInputError(f"ids: duplicated unit ids {dup[:5]}")
    return out


def row_standardise(matrix: np.ndarray, *, ids: Sequence[Hashable]) -> np.ndarray:
    r"""Divide each row by its sum: :math:`w^*_{ij} = w_{ij} / \sum_k w_{ik}`.

    The one place where the project row-standardises. Raises :class:`IslandError` naming every
    unit whose row sums to zero.
    """
    m = np.asarray(matrix, dtype=float)
    sums = m.sum(axis=1)
    _refuse_islands(ids, sums)
    return m / sums[:, None]


def _refuse_islands(ids: Sequence[Hashable], row_sums: np.ndarray) -> None:
    islands = [ids[i] for i in np.flatnonzero(row_sums <= 0)]
    if islands:
        raise IslandError(f"unit(s) {islands} have no neighbours (island); add a neighbour, "
                          "use a distance cut-off that reaches them, or drop them explicitly")


@dataclass(frozen=True, eq=False)
class SpatialWeights:
    """Dense spatial weights aligned to ``ids`` (row i and column i are unit ``ids[i]``).

    ``row_sums`` holds the sums the raw matrix was divided by (None if not standardised); it lets
    :meth:`eigenvalues` use a symmetric similarity transform when the raw matrix is symmetric.
    """

    ids: tuple
    matrix: np.ndarray
    kind: str = "custom"
    standardised: bool = True
    row_sums: np.ndarray | None = None

    def __post_init__(self) -> None:
        ids = _ids(self.ids)
        m = np.array(self.matrix, dtype=float)
        n = len(ids)
        if m.shape != (n, n):
            raise SpatialInputError(f"matrix: expected shape ({n}, {n}) for {n} ids, got {m.shape}")
        _check_raw(ids, m)
        _refuse_islands(ids, m.sum(axis=1))
        if self.standardised and not np.allclose(m.sum(axis=1), 1.0, atol=1e-12):
            raise SpatialInputError("matrix: standardised=True but rows do not sum to one")
        m.setflags(write=False)
        if self.row_sums is not None:
            rs = np.array(self.row_sums, dtype=float)
            rs.setflags(write=False)
            object.__setattr__(self, "row_sums", rs)
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "matrix", m)

    @property
    def n(self) -> int:
        return len(self.ids)

    def check_aligned(self, ids: Sequence[Hashable], *, what: str = "data") -> None:
        """Raise :class:`SpatialInputError` unless ``ids`` equals :attr:`ids` element by element."""
        ids = tuple(ids)
        if ids == self.ids:
            return
        if len(ids) != self.n:
            raise SpatialInputError(f"{what}: {len(ids)} units but the weights have {self.n}")
        missing = [i for i in self.ids if i not in set(ids)]
        extra = [i for i in ids if i not in set(self.ids)]
        if missing or extra:
            raise SpatialInputError(f"{what}: ids differ from the weights; missing {missing[:5]}, "
                                    f"unknown {extra[:5]}")
        pos = next(k for k, (a, b) in enumerate(zip(ids, self.ids)) if a != b)
        raise SpatialInputError(f"{what}: same ids in a different order (first difference at "
                                f"position {pos}: {ids[pos]!r} vs weights {self.ids[pos]!r}); "
                                "reorder explicitly with SpatialWeights.align or align_vector")

    def align(self, ids: Sequence[Hashable]) -> SpatialWeights:
        """The same weights with rows and columns permuted to the order of ``ids``."""
        ids = _ids(ids)
        pos = {u: k for k, u in enumerate(self.ids)}
        if set(ids) != set(pos) or len(ids) != self.n:
            self.check_aligned(ids, what="align")
        p = np.array([pos[u] for u in ids])
        rs = None if self.row_sums is None else self.row_sums[p]
        return SpatialWeights(ids, self.matrix[np.ix_(p, p)], self.kind, self.standardised, rs)

    @cached_property
    def _eigenvalues(self) -> np.ndarray:
        return real_eigenvalues(self.matrix, row_sums=self.row_sums)

    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues of the matrix, sorted ascending (real; see :func:`real_eigenvalues`)."""
        return self._eigenvalues.copy()

    def to_libpysal(self):
        """A ``libpysal.weights.W`` with ``id_order`` equal to :attr:`ids` (checked)."""
        from libpysal.weights import W

        neigh, wts = {}, {}
        for i, u in enumerate(self.ids):
            j = np.flatnonzero(self.matrix[i])
            neigh[u] = [self.ids[k] for k in j]
            wts[u] = self.matrix[i, j].tolist()
        w = W(neigh, wts, id_order=list(self.ids), silence_warnings=True)
        full, order = w.full()
        if tuple(order) != self.ids or not np.allclose(full, self.matrix):
            raise RuntimeError("libpysal W does not reproduce the weights in the given order")
        return w

    def to_graph(self):
        """A ``libpysal.graph.Graph`` with ``unique_ids`` equal to :attr:`ids` (checked)."""
        from libpysal.graph import Graph

        g = Graph.from_W(self.to_libpysal())
        if tuple(g.unique_ids) != self.ids or not np.allclose(g.sparse.toarray(), self.matrix):
            raise RuntimeError("libpysal Graph does not reproduce the weights in the given order")
        return g


def _check_raw(ids: tuple, m: np.ndarray) -> None:
    if not np.isfinite(m).all() or (m < 0).any():
        raise SpatialInputError("matrix: weights must be finite and non-negative")
    if np.any(np.diag(m) != 0):
        bad = [ids[i] for i in np.flatnonzero(np.diag(m))]
        raise SpatialInputError(f"matrix: non-zero diagonal (self-neighbour) for units {bad[:5]}")


def real_eigenvalues(matrix: np.ndarray, *, row_sums: np.ndarray | None = None) -> np.ndarray:
    r"""Eigenvalues of a weights matrix as a sorted real array.

    If :math:`W = D^{-1}C` with :math:`C` symmetric and :math:`D` = ``diag(row_sums)``, then
    :math:`D^{1/2} W D^{-1/2}` is symmetric with the same eigenvalues, computed stably by
    ``eigvalsh``. Otherwise general eigenvalues are used; the matrices built here (symmetric raw
    weights times positive diagonals) have real spectra, and an imaginary part above 1e-8 raises.
    """
    m = np.asarray(matrix, dtype=float)
    if row_sums is not None:
        s = np.sqrt(np.asarray(row_sums, dtype=float))
        sym = s[:, None] * m / s[None, :]
        if np.allclose(sym, sym.T, atol=1e-12, rtol=0):
            return np.sort(np.linalg.eigvalsh((sym + sym.T) / 2))
    ev = np.linalg.eigvals(m)
    if np.abs(ev.imag).max(initial=0.0) > 1e-8 * max(1.0, np.abs(ev).max()):
        raise SpatialInputError("matrix: complex eigenvalues; the exact log-determinant and the "
                                "bounds for rho need a matrix similar to a symmetric one")
    return np.sort(ev.real)


def _finish(ids: tuple, raw: np.ndarray, kind: str, standardise: bool) -> SpatialWeights:
    _check_raw(ids, raw)
    if not standardise:
        return SpatialWeights(ids, raw, kind, False, None)
    return SpatialWeights(ids, row_standardise(raw, ids=ids), kind, True, raw.sum(axis=1))


def align_vector(values, ids: Sequence[Hashable], *, name: str) -> np.ndarray:
    """A float vector in the order of ``ids``.

    A ``pd.Series`` is aligned by its index (every id must be present, no extras, no NaN); a plain
    sequence must already have one value per id, in that order.
    """
    ids = tuple(ids)
    if isinstance(values, pd.Series):
        idx = list(values.index)
        missing = [u for u in ids if u not in set(idx)]
        extra = [u for u in idx if u not in set(ids)]
        if missing or extra or values.index.has_duplicates:
            raise SpatialInputError(f"{name}: index must hold each weights id once; missing "
                                    f"{missing[:5]}, unknown {extra[:5]}")
        v = values.reindex(list(ids)).to_numpy(dtype=float)
    else:
        v = np.asarray(values, dtype=float).ravel()
        if v.size != len(ids):
            raise SpatialInputError(f"{name}: expected {len(ids)} values (one per id), "
                                    f"got {v.size}")
    bad = [ids[i] for i in np.flatnonzero(~np.isfinite(v))]
    if bad:
        raise SpatialInputError(f"{name}: missing or non-finite values for units {bad[:5]}")
    return v


def from_matrix(ids: Iterable[Hashable], matrix, *, kind: str = "custom",
                standardise: bool = True) -> SpatialWeights:
    """Weights from a raw square matrix whose rows/columns already follow ``ids``.

    A ``pd.DataFrame`` is aligned by its index and columns instead (both must hold the ids).
    """
    ids = _ids(ids)
    if isinstance(matrix, pd.DataFrame):
        for axis, labels in (("index", matrix.index), ("columns", matrix.columns)):
            if set(labels) != set(ids) or len(labels) != len(ids):
                raise SpatialInputError(f"matrix: DataFrame {axis} does not hold exactly the ids")
        matrix = matrix.loc[list(ids), list(ids)].to_numpy(dtype=float)
    raw = np.asarray(matrix, dtype=float)
    if raw.shape != (len(ids), len(ids)):
        raise SpatialInputError(f"matrix: expected shape ({len(ids)}, {len(ids)}), got {raw.shape}")
    return _finish(ids, raw, kind, standardise)


def from_neighbour_pairs(ids: Iterable[Hashable], pairs: Iterable[tuple[Hashable, Hashable]], *,
                         symmetric: bool = True, standardise: bool = True) -> SpatialWeights:
    """Binary contiguity from (a, b) neighbour pairs of ids; ``symmetric`` adds (b, a) too."""
    ids = _ids(ids)
    pos = {u: k for k, u in enumerate(ids)}
    raw = np.zeros((len(ids), len(ids)))
    for a, b in pairs:
        if a not in pos or b not in pos:
            raise SpatialInputError(f"pairs: unknown unit id in pair ({a!r}, {b!r})")
        if a == b:
            raise SpatialInputError(f"pairs: unit {a!r} listed as its own neighbour")
        raw[pos[a], pos[b]] = 1.0
        if symmetric:
            raw[pos[b], pos[a]] = 1.0
    return _finish(ids, raw, "contiguity", standardise)


def from_polygons(ids: Iterable[Hashable], polygons: Sequence, *, rule: str = "queen",
                  standardise: bool = True) -> SpatialWeights:
    """Queen or rook contiguity from shapely polygons (one per id, same order) via libpysal."""
    from libpysal.weights import Queen, Rook

    ids = _ids(ids)
    if len(polygons) != len(ids):
        raise SpatialInputError(f"polygons: expected {len(ids)} geometries, got {len(polygons)}")
    builders = {"queen": Queen, "rook": Rook}
    if rule not in builders:
        raise SpatialInputError(f"rule: expected 'queen' or 'rook', got {rule!r}")
    w = builders[rule].from_iterable(list(polygons), ids=list(ids), silence_warnings=True)
    pairs = [(a, b) for a, nb in w.neighbors.items() for b in nb]
    isolated = [u for u in ids if not w.neighbors.get(u)]
    if isolated:
        raise IslandError(f"unit(s) {isolated} share no {rule} boundary with any other unit")
    out = from_neighbour_pairs(ids, pairs, symmetric=True, standardise=standardise)
    return SpatialWeights(out.ids, out.matrix, rule, out.standardised, out.row_sums)


def read_gal(path: str | Path, ids: Iterable[Hashable], *, id_type: type = int,
             standardise: bool = True) -> SpatialWeights:
    """Binary contiguity from a GAL file, aligned to ``ids`` (file ids cast with ``id_type``)."""
    tokens = [line.split() for line in Path(path).read_text().splitlines() if line.strip()]
    header, body = tokens[0], tokens[1:]
    n_file = int(header[1] if len(header) > 1 and header[0] == "0" else header[0])
    pairs, seen = [], []
    for k in range(0, len(body), 2):
        unit, count = id_type(body[k][0]), int(body[k][1])
        neigh = [id_type(t) for t in body[k + 1]] if count else []
        if len(neigh) != count:
            raise SpatialInputError(f"{path}: unit {unit!r} announces {count} neighbours, "
                                    f"lists {len(neigh)}")
        seen.append(unit)
        pairs += [(unit, b) for b in neigh]
    if len(seen) != n_file:
        raise SpatialInputError(f"{path}: header says {n_file} units, file lists {len(seen)}")
    ids = _ids(ids)
    if set(seen) != set(ids):
        raise SpatialInputError(f"{path}: GAL ids differ from ids; missing "
                                f"{[u for u in ids if u not in set(seen)][:5]}")
    return from_neighbour_pairs(ids, pairs, symmetric=False, standardise=standardise)


def inverse_distance(ids: Iterable[Hashable], lon, lat, *, power: float = 1.0,
                     cutoff_km: float | None = None, standardise: bool = True) -> SpatialWeights:
    r"""Inverse great-circle distance weights :math:`w_{ij} = d_{ij}^{-\gamma}` for
    :math:`d_{ij} \le` ``cutoff_km`` (all pairs if None), zero on the diagonal.

    ``lon``/``lat`` in degrees: Series indexed by id, or sequences in ``ids`` order.
    """
    ids = _ids(ids)
    if power <= 0:
        raise SpatialInputError(f"power: expected a positive number, got {power}")
    x, y = align_vector(lon, ids, name="lon"), align_vector(lat, ids, name="lat")
    d = great_circle_km(x, y)
    off = ~np.eye(len(ids), dtype=bool)
    if (d[off] <= 0).any():
        i, j = np.argwhere((d <= 0) & off)[0]
        raise SpatialInputError(f"lon/lat: units {ids[i]!r} and {ids[j]!r} share a location")
    raw = np.where(off, np.where(off, d, 1.0) ** -power, 0.0)
    if cutoff_km is not None:
        raw[d > cutoff_km] = 0.0
    return _finish(ids, raw, "inverse_distance", standardise)


def economic_distance(ids: Iterable[Hashable], ybar, *, standardise: bool = True) -> SpatialWeights:
    r"""Economic-distance weights :math:`w_{ij} = 1 / |\bar Y_i - \bar Y_j|` (:math:`i \ne j`),
    with :math:`\bar Y_i` a unit's mean (e.g. per-capita GDP over the study period)."""
    ids = _ids(ids)
    v = align_vector(ybar, ids, name="ybar")
    gap = np.abs(v[:, None] - v[None, :])
    off = ~np.eye(len(ids), dtype=bool)
    if (gap[off] == 0).any():
        i, j = np.argwhere((gap == 0) & off)[0]
        raise SpatialInputError(f"ybar: units {ids[i]!r} and {ids[j]!r} have equal means; "
                                "1/|difference| is undefined")
    raw = np.where(off, 1.0 / np.where(off, gap, 1.0), 0.0)
    return _finish(ids, raw, "economic_distance", standardise)


def nested_geo_economic(geo: SpatialWeights, ybar, *, standardise: bool = True) -> SpatialWeights:
    r"""Nested geographic-economic weights :math:`W = W_d\,\mathrm{diag}(\bar Y_1/\bar Y, \dots,
    \bar Y_n/\bar Y)`, i.e. :math:`w_{ij} = w^d_{ij}\,\bar Y_j / \bar Y` (neighbours with higher
    mean income weigh more), :math:`\bar Y` the mean of the :math:`\bar Y_i`.

    ``ybar`` is aligned to ``geo.ids``. Because row standardisation removes row scale, using a
    standardised or a raw ``geo`` gives the same standardised result.
    """
    v = align_vector(ybar, geo.ids, name="ybar")
    if (v <= 0).any():
        raise SpatialInputError("ybar: nested weights need positive unit means")
    raw = geo.matrix * (v / v.mean())[None, :]
    return _finish(geo.ids, raw, "geo_economic", standardise)


def from_libpysal(w, ids: Iterable[Hashable], *, standardise: bool = True) -> SpatialWeights:
    """Re-express a ``libpysal.weights.W`` in the order of ``ids`` (its order is not trusted)."""
    ids = _ids(ids)
    full, order = w.full()
    pos = {u: k for k, u in enumerate(order)}
    missing = [u for u in ids if u not in pos]
    if missing or len(order) != len(ids):
        raise SpatialInputError(f"w: libpysal ids differ from ids; missing {missing[:5]} "
                                f"(libpysal ids: {list(order)[:5]}...)")
    p = np.array([pos[u] for u in ids])
    return _finish(ids, np.asarray(full)[np.ix_(p, p)], "libpysal", standardise)


def neighbour_table(w: SpatialWeights) -> Mapping[Hashable, list]:
    """Neighbours of each unit, for reports: ``{id: [neighbour ids]}``."""
    return {u: [w.ids[j] for j in np.flatnonzero(w.matrix[i])] for i, u in enumerate(w.ids)}
