"""Text augmentation for training a classifier: random deletion, random swaps and synonyms.

Each training batch is changed afresh (validation and test documents never are), so the model sees a
slightly different version of each document every epoch: a regulariser, like dropout on the input.
The three operations of "EDA" (Wei and Zou, 2019):

- deletion: each token is dropped with probability ``deletion`` (never every token of a document);
- swap: ``swap`` times, two random positions of a document trade places;
- synonym: each token is replaced, with probability ``synonym``, by one of its ``synonym_k`` nearest
  neighbours in a word-vector model of the store (cosine similarity, as :func:`embedviz.space.neighbours`).
  The neighbour table is computed once for the classifier's vocabulary, not per batch.

Documents are lists of vocabulary indices here (see :class:`embedviz.text.labelled.Vocabulary`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from embedviz.core.errors import ParameterError
from embedviz.core.params import Checked, Number, Optional, Parameters, Whole, rule
from embedviz.vectors.vectors import Vectors


def _model_name(value) -> bool:
    from embedviz.vectors.names import check_name

    return bool(check_name(value))


@dataclass
class AugmentOptions(Parameters):
    WHAT = "augment option"

    deletion: float = field(default=0.0, metadata=rule(Number(0, 1, high_open=True)))  # drop each token
    swap: int = field(default=0, metadata=rule(Whole(0, 1000)))  # swaps of two positions per document
    synonym: float = field(default=0.0, metadata=rule(Number(0, 1, high_open=True)))  # replace each token
    #: the model in the store that gives the neighbours
    synonym_model: str | None = field(default=None, metadata=rule(Optional(Checked(_model_name, "a model name"))))
    synonym_k: int = field(default=5, metadata=rule(Whole(1, 1000)))  # nearest neighbours to draw from

    def check_together(self) -> None:
        if self.synonym > 0 and not self.synonym_model:
            raise ParameterError("augment synonym needs synonym_model: the name of a word-vector model "
                                 "in the store to draw neighbours from")

    @property
    def active(self) -> bool:
        return self.deletion > 0 or self.swap > 0 or self.synonym > 0

    @classmethod
    def from_dict(cls, values: dict | None) -> "AugmentOptions":
        if values is None:
            return cls()
        return super().from_dict(values).validate()


def neighbour_table(words, vectors: Vectors, k: int, chunk: int = 512) -> np.ndarray:
    """For each of ``words``, the positions (in ``words``) of its ``k`` nearest neighbours, best first.

    Only words that ``vectors`` knows take part, as queries and as answers; a row is -1 where a word
    has no (or fewer than ``k``) neighbours. Row ``i`` lists the same words as
    ``neighbours(Vectors(shared, ...), words[i], k)`` over the shared words.
    """
    words = list(words)
    table = np.full((len(words), k), -1, dtype=np.int64)
    shared = np.array([i for i, w in enumerate(words) if w in vectors.index], dtype=np.int64)
    if len(shared) < 2:
        return table
    sub = Vectors([words[i] for i in shared], vectors.matrix[[vectors.index[words[i]] for i in shared]])
    unit = sub.unit
    kk = min(k, len(shared) - 1)
    for start in range(0, len(shared), chunk):
        scores = unit[start:start + chunk] @ unit.T
        rows = np.arange(scores.shape[0])
        scores[rows, start + rows] = -np.inf           # a word is not its own neighbour
        best = np.argpartition(-scores, kk - 1, axis=1)[:, :kk]
        best_scores = np.take_along_axis(scores, best, axis=1)
        order = np.lexsort((best, -best_scores), axis=-1)  # by score, ties in vocabulary order
        table[shared[start:start + chunk], :kk] = shared[np.take_along_axis(best, order, axis=1)]
    return table


class Augmenter:
    """Applies :class:`AugmentOptions` to batches of index lists with its own seeded generator.

    ``table`` is a :func:`neighbour_table` over the vocabulary's words; an index ``i >= offset``
    stands for word ``i - offset`` (the classifier's vocabulary keeps padding and unknown first).
    """

    def __init__(self, options: AugmentOptions, seed: int = 1, table: np.ndarray | None = None,
                 offset: int = 0):
        self.options = options.validate()
        self.rng = np.random.default_rng(seed)
        self.table = table
        self.offset = offset
        if options.synonym > 0 and table is None:
            raise ParameterError("synonym replacement needs a neighbour table")
        if table is not None:
            self._choices = (table >= 0).sum(axis=1)

    @classmethod
    def for_vocabulary(cls, options: AugmentOptions, words, seed: int = 1, store=None,
                       offset: int = 0) -> "Augmenter":
        """An augmenter for a vocabulary; loads the synonym model from ``store`` if one is needed."""
        table = None
        if options.synonym > 0:
            from embedviz.vectors.store import Store

            vectors = (store or Store()).load(options.synonym_model)
            table = neighbour_table(words, vectors, options.synonym_k)
        return cls(options, seed, table, offset)

    def apply(self, sequences) -> list[list[int]]:
        """Augmented copies of ``sequences`` (lists of indices); the inputs are left unchanged."""
        return [self.augment(ids) for ids in sequences]

    def augment(self, ids) -> list[int]:
        ids = np.asarray(ids, dtype=np.int64)
        if self.options.synonym > 0:
            ids = self.replace(ids)
        if self.options.deletion > 0:
            ids = self.delete(ids)
        if self.options.swap > 0:
            ids = self.swap(ids)
        return ids.tolist()

    def delete(self, ids: np.ndarray) -> np.ndarray:
        if len(ids) == 0:
            return ids
        keep = self.rng.random(len(ids)) >= self.options.deletion
        if not keep.any():
            keep[self.rng.integers(len(ids))] = True
        return ids[keep]

    def swap(self, ids: np.ndarray) -> np.ndarray:
        ids = ids.copy()
        if len(ids) < 2:
            return ids
        pairs = self.rng.integers(len(ids), size=(self.options.swap, 2))
        for i, j in pairs:
            ids[i], ids[j] = ids[j], ids[i]
        return ids

    def replace(self, ids: np.ndarray) -> np.ndarray:
        rows = ids - self.offset
        known = rows >= 0
        choices = np.zeros(len(ids), dtype=np.int64)
        choices[known] = self._choices[rows[known]]
        chosen = (self.rng.random(len(ids)) < self.options.synonym) & (choices > 0)
        if not chosen.any():
            return ids
        ids = ids.copy()
        column = np.floor(self.rng.random(int(chosen.sum())) * choices[chosen]).astype(np.int64)
        ids[chosen] = self.table[rows[chosen], column] + self.offset
        return ids

