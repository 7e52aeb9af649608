"""Text augmentation for training a classifier: random deletion, random swaps and synonyms.

Each training batch is changed afresh (validation and test documents never are), so the model sees a
slightly different version of each document every epoch: a regulariser, like dropout on the input.
The three operations of "EDA" (Wei and Zou, 2019):

- deletion: each token is dropped with probability ``deletion`` (never every token of a document);
- swap: ``swap`` times, two random positions of a document trade places;
- synonym: each token is replaced, with probability ``synonym``, by one of its ``synonym_k`` nearest
  neighbours in a word-vector model of the store (cosine similarity, as :func:`embedviz.neighbours`).
  The neighbour table is computed once for the classifier's vocabulary, not per batch.

Documents are lists of vocabulary indices here (see :class:`embedviz.labelled.Vocabulary`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np

from .errors import ParameterError
from .vectors import Vectors


@dataclass
class AugmentOptions:
    deletion: float = 0.0           # probability of dropping each token
    swap: int = 0                   # swaps of two positions per document
    synonym: float = 0.0            # probability of replacing each token by a neighbour
    synonym_model: str | None = None  # name of a model in the store that gives the neighbours
    synonym_k: int = 5              # how many nearest neighbours a replacement is drawn from

    def validate(self) -> "AugmentOptions":
        _probability("deletion", self.deletion)
        _probability("synonym", self.synonym)
        _whole("swap", self.swap, 0, 1000)
        _whole("synonym_k", self.synonym_k, 1, 1000)
        if self.synonym > 0 and not self.synonym_model:
            raise ParameterError("augment synonym needs synonym_model: the name of a word-vector model "
                                 "in the store to draw neighbours from")
        if self.synonym_model is not None and not isinstance(self.synonym_model, str):
            raise ParameterError(f"augment synonym_model must be a model name, not {self.synonym_model!r}")
        return self

    @property
    def active(self) -> bool:
        return self.deletion > 0 or self.swap > 0 or self.synonym > 0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict | None) -> "AugmentOptions":
        if values is None:
            return cls()
        if isinstance(values, AugmentOptions):
            return values.validate()
        if not isinstance(values, dict):
            raise ParameterError(f"augment must be a dict of options, not {values!r}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ParameterError(f"unknown augment option {unknown[0]!r}; use: {', '.join(sorted(known))}")
        return cls(**values).validate()


def _probability(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 <= value < 1):
        raise ParameterError(f"augment {name} must be a probability in [0, 1), not {value!r}")


def _whole(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not (low <= value <= high):
        raise ParameterError(f"augment {name} must be a whole number from {low} to {high}, not {value!r}")


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
            from .store import Store

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

