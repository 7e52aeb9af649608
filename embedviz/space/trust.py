"""Trustworthiness of a projection, in memory proportional to the number of points.

Trustworthiness (Venna & Kaski 2001) asks whether the ``k`` nearest neighbours of a point in the
projection were also near it in the original space; 1.0 means every neighbour on the map is a true
neighbour. :func:`sklearn.manifold.trustworthiness` computes it from the full n × n distance matrix
(50,000 points: 20 GB). :func:`trustworthiness` computes the same number a block of rows at a time,
in about ``chunk × n`` floats, and can estimate it from a random sample of rows.
"""

from __future__ import annotations

import numpy as np

from embedviz.core.lazy import load
from embedviz.core.errors import ParameterError

#: Most distances held at once (rows in a block × points): 2**25 float32 = 128 MB.
BLOCK_ELEMENTS = 2**25
MAX_BLOCK_ROWS = 512
#: Most bytes of comparisons (rows × k × points) held at once while counting ranks.
COMPARE_BYTES = 2**24


def check_k(k, n: int, name: str = "k") -> int:
    """``k`` as an int, or a :class:`ParameterError` unless ``1 <= k < n / 2`` (sklearn's rule)."""
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ParameterError(f"{name} must be a whole number of at least 1, not {k!r}")
    if k >= n / 2:
        raise ParameterError(
            f"{name} must be less than half the number of points ({n} points: at most "
            f"{(n - 1) // 2}), not {k}"
        )
    return int(k)


def trustworthiness(X, Y, k: int = 10, sample: int | None = None, seed: int = 0) -> float:
    """Trustworthiness of the embedding ``Y`` of the points ``X`` for ``k`` neighbours.

    Equals ``sklearn.manifold.trustworthiness(X, Y, n_neighbors=k)`` (euclidean metric) on data
    without tied distances, without building the n × n distance matrix.

    Parameters
    ----------
    X : array (n, d)
        The points in the original space (for word vectors: the unit vectors, so that euclidean
        order is cosine order).
    Y : array (n, dims)
        The same points in the projection.
    k : int
        Neighbours considered, ``1 <= k < n / 2``.
    sample : int, optional
        Estimate from this many randomly chosen points (each still compared with all ``n``),
        scaling their penalty by ``n / sample``. ``None`` or ``sample >= n``: exact.
    seed : int
        Chooses the sample.

    Example
    -------
    >>> trustworthiness(X, Y, k=10, sample=5000)       # doctest: +SKIP
    0.93
    """
    X = np.asarray(X)
    X = X if X.dtype in (np.float32, np.float64) else X.astype(np.float64)
    Y = np.asarray(Y)
    n = X.shape[0]
    if X.ndim != 2 or Y.ndim != 2 or Y.shape[0] != n:
        raise ParameterError(f"X and Y must be 2-d with the same number of rows, not {X.shape} "
                             f"and {Y.shape}")
    k = check_k(k, n)
    if sample is not None:
        if not isinstance(sample, (int, np.integer)) or isinstance(sample, bool) or sample < 1:
            raise ParameterError(f"sample must be a whole number of at least 1, not {sample!r}")
    if sample is None or sample >= n:
        rows = np.arange(n)
    else:
        rows = np.sort(np.random.default_rng(seed).choice(n, int(sample), replace=False))

    embedded = _embedded_neighbours(Y, rows, k)
    penalty = 0
    sq_norms = np.einsum("ij,ij->i", X, X)
    block = max(1, min(MAX_BLOCK_ROWS, BLOCK_ELEMENTS // n))
    for start in range(0, len(rows), block):
        chunk = rows[start:start + block]
        ranks = _original_ranks(X, sq_norms, chunk, embedded[start:start + block])
        excess = ranks - k  # > 0 exactly for the embedded neighbours outside the original k
        penalty += int(excess[excess > 0].sum())
    scale = n / len(rows)
    return float(1.0 - penalty * scale * 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0)))


def _embedded_neighbours(Y, rows, k: int) -> np.ndarray:
    """The ``k`` nearest neighbours in ``Y`` of each point in ``rows``, leaving the point out.

    Same search (and so the same order among ties) as sklearn's ``NearestNeighbors(k).kneighbors()``
    with no query, which is what sklearn's trustworthiness uses: ask for ``k + 1`` neighbours and
    drop the point itself, or the first neighbour if duplicates crowded the point out.
    """
    NearestNeighbors = load("sklearn.neighbors").NearestNeighbors

    found = NearestNeighbors(n_neighbors=k).fit(Y).kneighbors(
        Y[rows], n_neighbors=k + 1, return_distance=False)
    keep = found != rows[:, None]
    crowded = keep.all(axis=1)
    keep[crowded, 0] = False
    return found[keep].reshape(len(rows), k)


def _original_ranks(X, sq_norms, chunk, neighbours) -> np.ndarray:
    """Rank in the original space of each embedded neighbour of each point in ``chunk``.

    The rank of ``j`` for ``i`` is 1 + the number of other points strictly closer to ``i`` than
    ``j`` is (so the nearest has rank 1), as in sklearn on tie-free data.
    """
    # Squared distances, a block of rows at a time, with one matrix product (BLAS).
    distances = X[chunk] @ X.T
    distances *= -2.0
    distances += sq_norms[chunk, None]
    distances += sq_norms[None, :]
    distances[np.arange(len(chunk)), chunk] = np.inf  # a point is not its own neighbour
    # Distances to the neighbours come from the same matrix, so j never counts as closer than j.
    targets = np.take_along_axis(distances, neighbours, axis=1)
    # Count with a few rows at a time, all k neighbours at once: the comparisons stay in cache and
    # summing bytes is ~10x faster than np.count_nonzero along an axis.
    ranks = np.empty(neighbours.shape, dtype=np.int64)
    step = max(1, min(32, COMPARE_BYTES // (targets.shape[1] * distances.shape[1])))
    for start in range(0, len(chunk), step):
        closer = distances[start:start + step, None, :] < targets[start:start + step, :, None]
        ranks[start:start + step] = closer.view(np.uint8).sum(axis=2, dtype=np.int32)
    return ranks + 1
