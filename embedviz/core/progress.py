"""What a running training reports: one :class:`Progress` per stage and per epoch.

Every trainer (gensim, PyTorch skip-gram, the classifier) reports through the same object, so the
jobs, the CLI and the pages read one shape.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class Progress:
    """One report from a running training: a stage, and per-epoch figures while training."""

    stage: str                      # "reading", "vocabulary", "training", "done" (and "baseline", "pair")
    epoch: int = 0
    epochs: int = 0
    elapsed: float = 0.0            # seconds since the start
    words_per_second: float | None = None
    loss: float | None = None       # this epoch's training loss
    eta: float | None = None        # seconds left, estimated from the epochs done
    # Supervised trainers (embedviz.training.classifier) also report these; None elsewhere.
    val_loss: float | None = None
    accuracy: float | None = None
    val_accuracy: float | None = None
    # What an engine is doing now, in its own words (Spark: the running stage and its tasks).
    detail: str | None = None

    @property
    def fraction(self) -> float:
        return self.epoch / self.epochs if self.epochs else 0.0

    def to_dict(self) -> dict:
        return asdict(self) | {"fraction": self.fraction}
