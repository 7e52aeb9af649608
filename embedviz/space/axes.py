"""Axes you type: where words lie along a direction such as ``woman - man`` or ``good - bad``.

An axis is an expression of the Analogies page (weights included); its direction is the weighted
sum of the unit vectors of its words, ``d = sum(w_i * unit(x_i))``. A word's score on the axis is
its cosine with that direction (Bolukbasi et al. 2016 read gender this way along ``he - she``).
Two axes give a map whose coordinates mean something, unlike a projection's.

>>> [s.word for s in axis_scores(vectors, "woman - man", top=5000)[:3]]      # doctest: +SKIP
['herself', 'maid', 'woman']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from embedviz.core.errors import EmbedvizError, ExpressionError
from embedviz.core.params import Optional, Whole, check
from embedviz.space.analogy import Term, resolved_terms
from embedviz.space.neighbours import Neighbour
from embedviz.vectors.vectors import Vectors

#: Most words typed as a list for an axis.
MAX_AXIS_WORDS = 10_000
#: Words listed at each end of an axis.
ENDS = 10


@dataclass
class Axis:
    expression: str
    terms: list[Term]
    direction: np.ndarray            # unit length

    def scores(self, vectors: Vectors, rows: np.ndarray) -> np.ndarray:
        if len(rows) and rows[0] == 0 and rows[-1] == len(rows) - 1 and np.all(np.diff(rows) == 1):
            return vectors.unit[:len(rows)] @ self.direction   # the top N: a view, no 40 MB copy
        return vectors.unit[rows] @ self.direction


def axis(vectors: Vectors, expression: str) -> Axis:
    """The axis of ``expression``: its terms and unit direction."""
    terms = resolved_terms(vectors, expression)
    weights = np.array([t.weight for t in terms], dtype=np.float32)
    direction = weights @ vectors.unit[[vectors.index[t.word] for t in terms]]
    norm = float(np.linalg.norm(direction))
    if norm < 1e-6:
        raise ExpressionError(f"{expression.strip()!r} has no direction: its words cancel each other out")
    return Axis(expression.strip(), terms, (direction / norm).astype(np.float32))


def placed_rows(vectors: Vectors, top: int | None = None, words: list[str] | None = None) -> np.ndarray:
    """Rows of the words to place: a typed list (each resolved, unknown ones named), else the ``top``
    most frequent (all when None)."""
    if words is not None:
        if not words:
            raise EmbedvizError("the word list is empty: give at least one word")
        if len(words) > MAX_AXIS_WORDS:
            raise EmbedvizError(f"{len(words):,} words is more than {MAX_AXIS_WORDS:,}: give fewer, or use top")
        rows = [vectors.index_of(w) for w in words]
        return np.asarray(list(dict.fromkeys(rows)), dtype=np.int64)
    top = check("top", top, Optional(Whole(1)))
    return np.arange(len(vectors) if top is None else min(top, len(vectors)), dtype=np.int64)


@dataclass(eq=False)
class Ranking(Sequence):
    """Words ranked along an axis, highest first; indexing gives :class:`Neighbour` records.

    Kept as a word list and a score array: a list of 100,000 tuples costs ~10x the ranking itself
    (mostly Python's garbage collector walking them), and a page or a table needs only the arrays.
    """
    words: list[str]
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.words)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [Neighbour(w, s) for w, s in zip(self.words[i], self.scores[i].tolist())]
        return Neighbour(self.words[i], float(self.scores[i]))

    def to_records(self) -> list[dict]:
        return [{"word": w, "score": s} for w, s in zip(self.words, self.scores.tolist())]


def axis_scores(vectors: Vectors, expression: str, top: int | None = None,
                words: list[str] | None = None) -> Ranking:
    """The placed words ranked along the axis, largest score (cosine) first."""
    line = axis(vectors, expression)
    rows = placed_rows(vectors, top, words)
    scores = line.scores(vectors, rows)
    # A stable sort of the negated scores keeps ties in the order the words were placed in
    # (frequency for the top N, the typed order for a list).
    order = np.argsort(-scores, kind="stable")
    vocabulary = vectors.words
    return Ranking([vocabulary[i] for i in rows[order].tolist()], scores[order])


@dataclass
class AxisMap:
    x: Axis
    y: Axis
    words: list[str]
    coords: np.ndarray               # words x 2: cosine with each axis
    counts: np.ndarray

    def ends(self, which: str, n: int = ENDS) -> dict[str, list[Neighbour]]:
        """The ``n`` words with the lowest and the highest score on axis ``"x"`` or ``"y"``."""
        column = self.coords[:, 0 if which == "x" else 1]
        order = np.argsort(column, kind="stable")
        pick = lambda rows: [Neighbour(self.words[i], float(column[i])) for i in rows]  # noqa: E731
        return {"low": pick(order[:n]), "high": pick(order[::-1][:n])}

    @property
    def correlation(self) -> float:
        """Pearson correlation of the two coordinates: near 1 or -1, the axes say the same thing."""
        if len(self.words) < 3:
            return float("nan")
        return float(np.corrcoef(self.coords[:, 0], self.coords[:, 1])[0, 1])


def axis_map(vectors: Vectors, x: str, y: str, top: int | None = 5000,
             words: list[str] | None = None) -> AxisMap:
    """The placed words with coordinates (cosine with axis ``x``, cosine with axis ``y``)."""
    ax, ay = axis(vectors, x), axis(vectors, y)
    rows = placed_rows(vectors, top, words)
    coords = np.column_stack([ax.scores(vectors, rows), ay.scores(vectors, rows)]).astype(np.float32)
    return AxisMap(ax, ay, [vectors.words[i] for i in rows], coords, np.asarray(vectors.counts)[rows])
