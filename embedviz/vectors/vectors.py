"""Word vectors: the one object every trainer hands back and everything downstream reads.

A :class:`Vectors` holds a vocabulary in descending frequency order, the words' corpus counts and a
float32 matrix with one row per word. It knows nothing of the trainer that made it (gensim, PyTorch,
an imported file), so projection, analogy, evaluation and the pages work alike on all of them.

On disk a model folder holds ``vectors.npy`` (read with ``allow_pickle=False``, optionally
memory-mapped) and ``vocab.json`` (words and counts); see :mod:`embedviz.vectors.store`.
"""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import numpy as np

from embedviz.core.errors import EmbedvizError, UnknownWordError, VectorsFormatError

VECTORS_FILE = "vectors.npy"
VOCAB_FILE = "vocab.json"
#: Longest unknown word for which close spellings are looked for.
MAX_SUGGESTED_LENGTH = 100


class Vectors:
    """A vocabulary with one dense vector per word.

    Parameters
    ----------
    words : sequence of str
        The vocabulary, most frequent first (queries that take ``restrict`` rely on that order).
    matrix : array of shape (len(words), dim)
        One row per word; stored as float32.
    counts : sequence of int, optional
        Corpus frequency of each word (0 where unknown, e.g. for imported vectors).

    Example
    -------
    >>> v = Vectors(["king", "queen"], [[1.0, 0.0], [0.9, 0.1]])
    >>> v.dim, len(v), "king" in v
    (2, 2, True)
    """

    def __init__(self, words, matrix, counts=None):
        self.words: list[str] = list(words)
        matrix = np.asarray(matrix)
        if matrix.dtype != np.float32:
            matrix = matrix.astype(np.float32)
        if matrix.ndim != 2 or matrix.shape[0] != len(self.words):
            raise VectorsFormatError(
                f"vectors have shape {matrix.shape} but the vocabulary has {len(self.words)} words"
            )
        self.matrix = matrix
        self.index: dict[str, int] = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            duplicates = _first_duplicate(self.words)
            raise VectorsFormatError(f"the vocabulary lists the word {duplicates!r} twice")
        if counts is None:
            counts = np.zeros(len(self.words), dtype=np.int64)
        self.counts = np.asarray(counts, dtype=np.int64)
        if self.counts.shape != (len(self.words),):
            raise VectorsFormatError("there must be exactly one count per word")
        self._unit: np.ndarray | None = None
        self._lower: dict[str, str] | None = None
        self.frozen = False

    # -- basic queries ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.index

    def __repr__(self) -> str:
        return f"Vectors({len(self)} words, {self.dim} dimensions)"

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def unit(self) -> np.ndarray:
        """Rows scaled to unit length (all-zero rows stay zero); computed once, then kept."""
        if self._unit is None:
            norms = np.linalg.norm(self.matrix, axis=1, keepdims=True)
            norms[norms == 0] = 1.0
            unit = np.divide(self.matrix, norms, dtype=np.float32)  # one new matrix, no float32 copy of it
            unit.flags.writeable = not self.frozen
            self._unit = unit
        return self._unit

    def freeze(self) -> "Vectors":
        """Make the matrix, the counts and the unit rows read-only (in place) and return self.

        Vectors shared by every session of the server are frozen: one session cannot change what
        another one sees, and an engine function that would write into them fails loudly.
        """
        self.frozen = True
        for array in (self.matrix, self.counts, self._unit):
            if array is not None:
                array.flags.writeable = False
        return self

    def resolve(self, word: str) -> str:
        """The vocabulary's spelling of ``word``: itself, else its lowercase or a case variant.

        Raises :class:`UnknownWordError` with close suggestions when there is none.
        """
        if word in self.index:
            return word
        if self._lower is None:
            lower: dict[str, str] = {}
            for w in reversed(self.words):  # the most frequent casing wins
                lower[w.lower()] = w
            self._lower = lower
        found = self._lower.get(word.lower())
        if found is not None:
            return found
        raise UnknownWordError(word, self.suggest(word))

    def index_of(self, word: str) -> int:
        return self.index[self.resolve(word)]

    def vector(self, word: str) -> np.ndarray:
        return self.matrix[self.index_of(word)]

    def suggest(self, word: str, n: int = 3, restrict: int = 50_000) -> list[str]:
        """Close spellings of ``word`` among the ``restrict`` most frequent words.

        Nothing for a word longer than :data:`MAX_SUGGESTED_LENGTH` (difflib's cost grows with it, and
        a pasted paragraph has no close spelling).
        """
        if len(word) > MAX_SUGGESTED_LENGTH:
            return []
        candidates = self.words[:restrict]
        return difflib.get_close_matches(word.lower(), candidates, n=n, cutoff=0.6)

    def top(self, n: int) -> "Vectors":
        """The ``n`` most frequent words (all of them if ``n`` is larger than the vocabulary)."""
        n = min(int(n), len(self))
        top = Vectors(self.words[:n], self.matrix[:n], self.counts[:n])
        return top.freeze() if self.frozen else top

    def subset(self, words) -> "Vectors":
        """The given words (each must be known) in vocabulary order, so most frequent first."""
        rows = sorted({self.index_of(w) for w in words})
        if not rows:
            raise EmbedvizError("no words given")
        chosen = Vectors([self.words[i] for i in rows], self.matrix[rows], self.counts[rows])
        return chosen.freeze() if self.frozen else chosen

    # -- gensim interoperability -----------------------------------------------------------------
    def to_keyed_vectors(self):
        """A gensim ``KeyedVectors`` with the same words (in the same order), vectors and counts."""
        from gensim.models import KeyedVectors

        kv = KeyedVectors(self.dim, count=0, dtype=np.float32)
        kv.add_vectors(self.words, np.array(self.matrix))
        for word, count in zip(self.words, self.counts):
            kv.set_vecattr(word, "count", int(count))
        return kv

    @classmethod
    def from_keyed_vectors(cls, kv) -> "Vectors":
        counts = None
        if "count" in getattr(kv, "expandos", {}):
            counts = np.asarray(kv.expandos["count"], dtype=np.int64)
        return cls(list(kv.index_to_key), np.asarray(kv.vectors), counts)

    # -- persistence -----------------------------------------------------------------------------
    def save(self, folder: str | os.PathLike) -> None:
        """Write ``vectors.npy`` and ``vocab.json`` into ``folder`` (which must exist)."""
        folder = Path(folder)
        np.save(folder / VECTORS_FILE, np.ascontiguousarray(self.matrix), allow_pickle=False)
        with open(folder / VOCAB_FILE, "w", encoding="utf-8") as f:
            json.dump({"words": self.words, "counts": [int(c) for c in self.counts]}, f,
                      ensure_ascii=False)

    @classmethod
    def load(cls, folder: str | os.PathLike, mmap: bool = False) -> "Vectors":
        """Read vectors saved by :meth:`save`. Never unpickles anything."""
        folder = Path(folder)
        try:
            matrix = np.load(folder / VECTORS_FILE, allow_pickle=False,
                             mmap_mode="r" if mmap else None)
            with open(folder / VOCAB_FILE, encoding="utf-8") as f:
                vocab = json.load(f)
        except (OSError, ValueError) as exc:
            raise VectorsFormatError(f"cannot read the vectors in {folder}: {exc}") from None
        return cls(vocab["words"], matrix, vocab.get("counts"))


def _first_duplicate(words) -> str:
    seen = set()
    for w in words:
        if w in seen:
            return w
        seen.add(w)
    return ""
