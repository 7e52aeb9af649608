"""How a space formed during training: each epoch's snapshot aligned to the final vectors.

A trainer's coordinates drift as a whole from epoch to epoch (any rotation of a space is the same
space), so each epoch's snapshot (:mod:`embedviz.vectors.snapshots`) is unit-normalised and rotated
onto the last one by orthogonal Procrustes on all its words; then one PCA basis, fitted on the last
epoch, places every epoch. What still moves on the map is what training changed. A word's
``shift_to_final`` at an epoch is ``1 - cos`` between its aligned vector then and its final one.

>>> evo = evolution(Snapshots.load(store.path("run")))       # doctest: +SKIP
>>> evo.coords.shape                                          # doctest: +SKIP
(10, 2000, 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embedviz.core.errors import UnknownWordError
from embedviz.core.params import OneOf, Whole, check
from embedviz.space.comparison import procrustes_rotation
from embedviz.space.neighbours import Neighbour, top_k
from embedviz.vectors.snapshots import Snapshots


@dataclass
class Evolution:
    words: list[str]
    losses: list[float | None]
    aligned: np.ndarray          # epochs x words x dim, unit rows, each epoch rotated onto the last
    coords: np.ndarray           # epochs x words x dims, one PCA basis for all
    shift_to_final: np.ndarray   # epochs x words

    @property
    def epochs(self) -> int:
        return int(self.aligned.shape[0])

    def index_of(self, word: str) -> int:
        try:
            return self.words.index(word)
        except ValueError:
            raise UnknownWordError(word, [], what=f"the {len(self.words):,} words kept in the snapshots") from None

    def neighbours(self, word: str, epoch: int, k: int = 5) -> list[Neighbour]:
        """The word's ``k`` nearest among the snapshot words at ``epoch`` (1-based)."""
        i = self.index_of(word)
        epoch = check("epoch", epoch, Whole(1, self.epochs))
        unit = self.aligned[epoch - 1]
        scores = unit @ unit[i]
        return [Neighbour(self.words[j], float(scores[j])) for j in top_k(scores, k, exclude=[i])]

    def path(self, word: str) -> np.ndarray:
        """The word's map position at each epoch (epochs x dims)."""
        return self.coords[:, self.index_of(word)]

    def to_dict(self, words: list[str], k: int = 5) -> dict:
        """The CLI's JSON: per epoch, each word's neighbours and its shift to the final vector."""
        rows = [self.index_of(w) for w in words]
        return {"epochs": [
            {"epoch": e + 1, "loss": self.losses[e],
             "words": {w: {"neighbours": [n._asdict() for n in self.neighbours(w, e + 1, k)],
                           "shift_to_final": float(self.shift_to_final[e, i])} for w, i in zip(words, rows)}}
            for e in range(self.epochs)]}


def _unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


def evolution(snapshots: Snapshots, dims: int = 2) -> Evolution:
    """Align every epoch onto the last and project all of them with the last epoch's PCA."""
    dims = check("dims", dims, OneOf((2, 3)))
    final = _unit(snapshots.matrices[-1])
    aligned = np.empty((snapshots.epochs, *final.shape), dtype=np.float32)
    for e in range(snapshots.epochs):
        unit = _unit(snapshots.matrices[e])
        aligned[e] = final if e == snapshots.epochs - 1 else _unit(unit @ procrustes_rotation(final, unit))
    shift = 1.0 - np.einsum("ewd,wd->ew", aligned, final)
    centre = final.mean(axis=0)
    # The principal axes of the final epoch (SVD of the centred rows): the basis for every epoch.
    _, _, axes = np.linalg.svd(final - centre, full_matrices=False)
    coords = (aligned - centre) @ axes[:dims].T
    return Evolution(list(snapshots.words), list(snapshots.losses), aligned, coords.astype(np.float32), shift)
