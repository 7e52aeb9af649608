"""Nearest neighbours by cosine similarity, and the odd word out.

All queries work on :attr:`Vectors.unit` (rows of unit length), so a query is one matrix-vector product
and a partial sort: a few milliseconds on a 100k-word vocabulary.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numpy as np

from embedviz.core.errors import ParameterError
from embedviz.vectors.vectors import Vectors


#: Most words :func:`doesnt_match` compares (a limit, not a setting: a pasted list is refused at once).
MAX_DOESNT_MATCH_WORDS = 1_000


class Neighbour(NamedTuple):
    word: str
    score: float


def top_k(scores: np.ndarray, k: int, exclude=()) -> list[int]:
    """Indices of the ``k`` highest ``scores``, best first, leaving out the indices in ``exclude``."""
    exclude = set(int(i) for i in exclude)
    k = min(int(k), len(scores) - len(exclude))
    if k <= 0:
        return []
    want = min(len(scores), k + len(exclude))
    if want < len(scores):
        best = np.argpartition(-scores, want - 1)[:want]
    else:
        best = np.arange(len(scores))
    # Sort by score, then by index so that ties come out in vocabulary order (as gensim's do).
    best = best[np.lexsort((best, -scores[best]))]
    return [int(i) for i in best if int(i) not in exclude][:k]


#: Bytes of cosine scores held at once by :func:`neighbour_sets` (a block of rows x the vocabulary).
BLOCK_BYTES = 64 * 1024 * 1024


def neighbour_sets(unit: np.ndarray, rows, k: int, progress=None) -> np.ndarray:
    """For each row index in ``rows``, the indices of its ``k`` nearest rows of ``unit`` by cosine,
    itself left out (in no particular order): an array ``len(rows) x k``.

    Computed a block of rows at a time, so memory stays near :data:`BLOCK_BYTES` whatever the size.
    Ties at the k-th place are broken arbitrarily.
    """
    rows = np.asarray(rows, dtype=np.int64)
    n = len(unit)
    if not 1 <= k < n:
        raise ParameterError(f"k must be from 1 to {n - 1:,} for {n:,} words, not {k!r}")
    # torch, not numpy: its matrix product uses every core and its top-k is a parallel partial sort;
    # numpy's argpartition along rows is single-threaded and ~60x slower at 100,000 words (measured
    # in benchmarks/views_bench.py), which made comparing two such models take minutes.
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)      # a read-only (shared) matrix: only read here
        matrix = torch.from_numpy(np.ascontiguousarray(unit, dtype=np.float32))
    out = np.empty((len(rows), k), dtype=np.int64)
    block = max(1, BLOCK_BYTES // (4 * n))
    with torch.no_grad():
        for start in range(0, len(rows), block):
            chunk = torch.from_numpy(rows[start:start + block])
            scores = matrix[chunk] @ matrix.T
            scores[torch.arange(len(chunk)), chunk] = -torch.inf   # the word itself
            out[start:start + len(chunk)] = torch.topk(scores, k, dim=1, sorted=False).indices.numpy()
            if progress is not None:
                progress(min(1.0, (start + len(chunk)) / len(rows)))
    return out


def _check_k(k) -> int:
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
        raise ParameterError(f"k must be a whole number of at least 1, not {k!r}")
    return int(k)


def neighbours(vectors: Vectors, word: str, k: int = 10, restrict: int | None = None,
               keep_query: bool = False) -> list[Neighbour]:
    """The ``k`` words closest to ``word`` by cosine similarity, closest first.

    ``restrict`` limits the search to the most frequent words. The query word itself is left out
    unless ``keep_query`` is true. Equals gensim's ``KeyedVectors.most_similar(word, topn=k)``.

    >>> neighbours(vectors, "king", k=3)            # doctest: +SKIP
    [Neighbour(word='queen', score=0.71), ...]
    """
    k = _check_k(k)
    index = vectors.index_of(word)
    return neighbours_of_vector(vectors, vectors.unit[index], k, restrict,
                                exclude=() if keep_query else (index,))


def neighbours_of_vector(vectors: Vectors, vector, k: int = 10, restrict: int | None = None,
                         exclude=()) -> list[Neighbour]:
    """The ``k`` words whose vectors have the highest cosine with ``vector``."""
    k = _check_k(k)
    vector = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(vector))
    unit = vectors.unit if restrict is None else vectors.unit[: int(restrict)]
    scores = unit @ (vector / norm if norm > 0 else vector)
    exclude = [i for i in exclude if i < len(unit)]
    return [Neighbour(vectors.words[i], float(scores[i])) for i in top_k(scores, k, exclude)]


def similarity(vectors: Vectors, a: str, b: str) -> float:
    """Cosine similarity of two words."""
    return float(vectors.unit[vectors.index_of(a)] @ vectors.unit[vectors.index_of(b)])


def doesnt_match(vectors: Vectors, words) -> str:
    """The word least like the others: lowest cosine with the mean of the unit vectors.

    Same rule as gensim's ``KeyedVectors.doesnt_match``, but an unknown word is an error (gensim
    silently drops it). Blank entries are skipped; at most :data:`MAX_DOESNT_MATCH_WORDS` words.
    """
    words = [w for w in words if w.strip()]
    if len(words) < 2:
        raise ParameterError("doesnt_match needs at least two words")
    if len(words) > MAX_DOESNT_MATCH_WORDS:
        raise ParameterError(f"doesnt_match compares at most {MAX_DOESNT_MATCH_WORDS:,} words, not "
                             f"{len(words):,}: give fewer words")
    resolved = [vectors.resolve(w) for w in words]
    rows = vectors.unit[[vectors.index[w] for w in resolved]]
    mean = rows.mean(axis=0)
    norm = np.linalg.norm(mean)
    if norm > 0:
        mean = mean / norm
    return resolved[int(np.argmin(rows @ mean))]
