"""What changed between two models: words aligned across spaces, how far each moved, whose
neighbours it kept.

Two models trained apart live in unrelated coordinates (any rotation of a space is the same space),
so their vectors cannot be compared as they are. Both are unit-normalised and model B is rotated
onto model A by orthogonal Procrustes on the words they share (Hamilton et al. 2016, "Diachronic
word embeddings"): the rotation ``R`` minimising ``||B R - A||`` over those words. A word's
**shift** is then ``1 - cos(a, b R)``: 0 where it did not move, up to 2.

Rotation needs the same dimension; the **neighbour overlap** does not: for each shared word,
``|N_A(w) & N_B(w)| / k`` where ``N_X(w)`` are its ``k`` nearest words by cosine (itself left out)
in model X's whole vocabulary. 1: the same neighbours; 0: none in common.

>>> found = compare(store.load("kjv"), store.load("shakespeare"), k=10)     # doctest: +SKIP
>>> found.words[0].word, round(found.mean_overlap, 2)                       # doctest: +SKIP
('lord', 0.31)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from embedviz.core.errors import EmbedvizError
from embedviz.core.params import Optional, Whole, check
from embedviz.space.neighbours import neighbour_sets
from embedviz.vectors.vectors import Vectors

#: Fewest shared words a rotation is fitted on: with fewer, a rotation of d dimensions fits noise.
MIN_SHARED_FOR_ALIGNMENT = 100
#: Below this count in either model a word's vectors are mostly noise (the page says so).
RARE_COUNT = 20


@dataclass
class WordChange:
    word: str
    shift: float | None       # 1 - cos(a, b R); None when the models could not be aligned
    overlap: float            # share of the k nearest neighbours the two models agree on
    count_a: int
    count_b: int

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Comparison:
    shared: int                    # words in both vocabularies (before --top and --min-count)
    k: int
    aligned: bool
    reason: str | None             # why no rotation, when not aligned
    rotation: np.ndarray | None    # R (d x d): b @ R lies in A's space
    words: list[WordChange]        # most moved first (least overlap first when not aligned)

    @property
    def mean_overlap(self) -> float:
        return float(np.mean([w.overlap for w in self.words])) if self.words else float("nan")

    @property
    def mean_shift(self) -> float | None:
        return float(np.mean([w.shift for w in self.words])) if self.aligned and self.words else None

    def word(self, word: str) -> WordChange | None:
        return next((w for w in self.words if w.word == word), None)

    def to_dict(self) -> dict:
        """The CLI's JSON: ``shared``, ``mean_overlap`` and every compared word, most moved first."""
        return {"shared": self.shared, "compared": len(self.words), "k": self.k, "aligned": self.aligned,
                "reason": self.reason, "mean_overlap": self.mean_overlap, "mean_shift": self.mean_shift,
                "words": [w.to_dict() for w in self.words]}


def shared_words(a: Vectors, b: Vectors) -> tuple[np.ndarray, np.ndarray]:
    """Row indices ``(ia, ib)`` of the words both models know, in model A's order (most frequent
    first)."""
    ia = [i for i, w in enumerate(a.words) if w in b.index]
    return np.asarray(ia, dtype=np.int64), np.asarray([b.index[a.words[i]] for i in ia], dtype=np.int64)


def procrustes_rotation(a_rows: np.ndarray, b_rows: np.ndarray) -> np.ndarray:
    """The orthogonal ``R`` minimising ``||b_rows @ R - a_rows||`` (scipy's orthogonal_procrustes)."""
    from scipy.linalg import orthogonal_procrustes

    rotation, _ = orthogonal_procrustes(np.asarray(b_rows, np.float64), np.asarray(a_rows, np.float64))
    return rotation.astype(np.float32)


def alignment_problem(a: Vectors, b: Vectors, shared: int) -> str | None:
    """Why the two models cannot be rotated onto each other, or None if they can."""
    if a.dim != b.dim:
        return (f"the models have {a.dim} and {b.dim} dimensions: a rotation needs the same number, so only "
                "the neighbour overlap (which needs none) is compared")
    if shared < MIN_SHARED_FOR_ALIGNMENT:
        return (f"the models share {shared} words; aligning them needs at least {MIN_SHARED_FOR_ALIGNMENT}, "
                "so only the neighbour overlap is compared")
    return None


def compare(a: Vectors, b: Vectors, k: int = 10, top: int | None = None, min_count: int = 1,
            progress: Callable[[float, str], None] | None = None) -> Comparison:
    """Compare model ``b`` with model ``a``: shifts after alignment, and neighbour overlap.

    The rotation is fitted on every shared word; ``top`` compares only the ``top`` most frequent
    shared words (by A's counts) and ``min_count`` only words at least that frequent in both.
    Neighbours are always sought in each model's whole vocabulary.
    """
    k = check("k", k, Whole(1, 1000))
    top = check("top", top, Optional(Whole(1)))
    min_count = check("min_count", min_count, Whole(0))
    report = progress or (lambda fraction, message: None)
    ia, ib = shared_words(a, b)
    if len(ia) == 0:
        raise EmbedvizError("the two models share no word: there is nothing to compare")
    if k >= min(len(a), len(b)):
        raise EmbedvizError(f"k must be below the smaller vocabulary ({min(len(a), len(b)):,} words), not {k}")
    reason = alignment_problem(a, b, len(ia))
    rotation = None if reason else procrustes_rotation(a.unit[ia], b.unit[ib])

    keep = (a.counts[ia] >= min_count) & (b.counts[ib] >= min_count)
    ca, cb = ia[keep], ib[keep]
    if top is not None:
        ca, cb = ca[:top], cb[:top]
    if len(ca) == 0:
        raise EmbedvizError(f"no shared word occurs at least {min_count:,} times in both models")

    shifts = None
    if rotation is not None:
        shifts = 1.0 - np.einsum("ij,ij->i", a.unit[ca], b.unit[cb] @ rotation)
    report(0.05, f"neighbours of {len(ca):,} words in model A")
    near_a = neighbour_sets(a.unit, ca, k, progress=lambda f: report(0.05 + 0.45 * f, "neighbours in model A"))
    near_b = neighbour_sets(b.unit, cb, k, progress=lambda f: report(0.5 + 0.45 * f, "neighbours in model B"))
    overlap = _overlap(near_a, _to_a(near_b, a, b), k)

    words = [WordChange(a.words[i], None if shifts is None else float(s), float(o), int(a.counts[i]),
                        int(b.counts[j]))
             for i, j, s, o in zip(ca, cb, shifts if shifts is not None else [None] * len(ca), overlap)]
    if shifts is not None:
        words.sort(key=lambda w: -w.shift)
    else:
        words.sort(key=lambda w: w.overlap)
    report(1.0, "done")
    return Comparison(len(ia), k, rotation is not None, reason, rotation, words)


def _to_a(rows_b: np.ndarray, a: Vectors, b: Vectors) -> np.ndarray:
    """B's word indices turned into A's (-1 for a word A does not know)."""
    index = np.full(len(b), -1, dtype=np.int64)
    for j, word in enumerate(b.words):
        i = a.index.get(word)
        if i is not None:
            index[j] = i
    return index[rows_b]


def _overlap(near_a: np.ndarray, near_b: np.ndarray, k: int) -> np.ndarray:
    """Per row, how many of ``near_b``'s entries are among ``near_a``'s, over ``k`` (-1 never matches)."""
    same = (near_a[:, :, None] == near_b[:, None, :]) & (near_b[:, None, :] >= 0)
    return same.any(axis=1).sum(axis=1) / k


def aligned_neighbours(a: Vectors, b: Vectors, word: str, k: int = 10) -> dict:
    """The word's ``k`` nearest neighbours in A and in B side by side, and which they share."""
    from embedviz.space.neighbours import neighbours

    in_a, in_b = neighbours(a, word, k), neighbours(b, word, k)
    common = {n.word for n in in_a} & {n.word for n in in_b}
    return {"a": in_a, "b": in_b, "common": common}


def aligned_maps(a: Vectors, b: Vectors, comparison: Comparison, top: int = 2000) -> dict:
    """Both models' maps in A's space: the ``top`` most frequent compared words, one PCA fitted
    on their vectors in A, and their vectors in B rotated onto A and placed by the same transform.
    ``{"words", "a": n x 2, "b": n x 2, "shift"}``; only for aligned models."""
    if not comparison.aligned:
        raise EmbedvizError(f"no shared map: {comparison.reason}")
    top = check("top", top, Whole(3))
    chosen = sorted(comparison.words, key=lambda w: a.index[w.word])[:top]   # A's most frequent first
    words = [w.word for w in chosen]
    rows_a = a.unit[[a.index[w] for w in words]]
    rows_b = b.unit[[b.index[w] for w in words]] @ comparison.rotation
    centre = rows_a.mean(axis=0)
    _, _, axes = np.linalg.svd(rows_a - centre, full_matrices=False)
    basis = axes[:2].T
    return {"words": words, "a": ((rows_a - centre) @ basis).astype(np.float32),
            "b": ((rows_b - centre) @ basis).astype(np.float32),
            "shift": np.array([w.shift for w in chosen], dtype=np.float32)}
