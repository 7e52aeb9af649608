"""The space as it forms: the vectors of the most frequent words after every epoch of training.

A trainer given ``snapshots=N`` hands a :class:`SnapshotRecorder` the first ``N`` rows of its
vectors (its vocabulary is ordered most frequent first) at the end of each epoch. They are kept as
float16 (half the bytes; a cosine moves by ~1e-3 at most, far below what a map shows) in the
model's folder: ``snapshots.npy`` (epochs x words x dimensions, read with ``allow_pickle=False``)
and ``snapshots.json`` (the words and each epoch's loss). 2,000 words x 100 dimensions x 10 epochs
is 4 MB.

>>> snaps = Snapshots.load(store.path("demo-run"))            # doctest: +SKIP
>>> snaps.matrices.shape                                        # doctest: +SKIP
(10, 2000, 100)
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embedviz.core.errors import EmbedvizError

SNAPSHOT_WORDS = 2_000
SNAPSHOTS_FILE, SNAPSHOTS_META = "snapshots.npy", "snapshots.json"


class NoSnapshots(EmbedvizError):
    """A model trained without snapshots (or with damaged ones)."""


@dataclass
class SnapshotRecorder:
    """Collects one float16 copy of the first ``words`` rows per epoch."""

    words: int
    vocabulary: list[str] = field(default_factory=list)
    taken: list[np.ndarray] = field(default_factory=list)
    seconds: float = 0.0          # spent taking snapshots: their cost, apart from training's noise

    def take(self, vocabulary, rows) -> None:
        """Keep ``rows`` (the trainer's vectors, most frequent word first) of this epoch."""
        start = time.perf_counter()
        n = min(self.words, len(vocabulary))
        if not self.vocabulary:
            self.vocabulary = list(vocabulary[:n])
        self.taken.append(np.asarray(rows[:n], dtype=np.float16).copy())
        self.seconds += time.perf_counter() - start

    def snapshots(self, losses) -> "Snapshots | None":
        if not self.taken:
            return None
        return Snapshots(self.vocabulary, np.stack(self.taken), [None if x is None else float(x) for x in losses],
                         self.seconds)


@dataclass
class Snapshots:
    words: list[str]
    matrices: np.ndarray          # float16, epochs x words x dimensions
    losses: list[float | None]    # per epoch, as the trainer reported it
    seconds: float = 0.0          # time the trainer spent taking them

    @property
    def epochs(self) -> int:
        return int(self.matrices.shape[0])

    @property
    def nbytes(self) -> int:
        return int(self.matrices.nbytes)

    def files(self) -> dict[str, bytes]:
        """The two files, as bytes for :meth:`embedviz.vectors.store.Store.save`'s ``extra``."""
        buffer = io.BytesIO()
        np.save(buffer, self.matrices, allow_pickle=False)
        meta = {"format": "embedviz-snapshots", "version": 1, "words": self.words, "losses": self.losses}
        return {SNAPSHOTS_FILE: buffer.getvalue(), SNAPSHOTS_META: json.dumps(meta).encode("utf-8")}

    @classmethod
    def load(cls, folder, model: str = "this model") -> "Snapshots":
        folder = Path(folder)
        if not (folder / SNAPSHOTS_FILE).is_file():
            raise NoSnapshots(f"{model} was trained without snapshots: train it again with "
                              "'Keep snapshots' on (CLI: train --snapshots) to watch its space form")
        try:
            meta = json.loads((folder / SNAPSHOTS_META).read_text(encoding="utf-8"))
            matrices = np.load(folder / SNAPSHOTS_FILE, allow_pickle=False, mmap_mode="r")
            words, losses = list(meta["words"]), list(meta["losses"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise NoSnapshots(f"the snapshots of {model} cannot be read ({exc}); train it again") from None
        if (matrices.ndim != 3 or matrices.dtype != np.float16 or matrices.shape[1] != len(words)
                or len(losses) != matrices.shape[0] or matrices.shape[0] == 0):
            raise NoSnapshots(f"the snapshots of {model} do not match their description; train it again")
        return cls(words, np.asarray(matrices), losses)
