"""The options of the embedding classifier (:func:`embedviz.training.classifier.train_classifier`),
apart from the trainer so that reading them (the CLI's help, the Improve page's defaults, a job's
check) does not import PyTorch."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from embedviz.core.errors import ParameterError
from embedviz.core.params import Checked, Flag, Nested, Number, OneOf, Optional, Parameters, Text, Whole, rule
from embedviz.text.corpus import Corpus
from embedviz.training.augment import AugmentOptions
from embedviz.vectors.names import check_name

MONITORS = ("val_accuracy", "val_loss")
POOLINGS = ("mean", "gru", "cnn")


def _model_name(value) -> bool:
    return bool(check_name(value))


@dataclass
class ClassifierParameters(Parameters):
    """Options of :func:`train_classifier`. L2 regularisation is Adam's ``weight_decay``, i.e. added
    to the gradient (coupled, classic L2), not AdamW's decoupled decay.

    The defaults (mean of word vectors, no hidden layer, dropout 0.5, Adam at 5e-3, the best epoch
    by validation accuracy) were chosen on Shakespeare genre and KJV book group, full and in
    2,000-document samples, and checked on every other labelled task of the bundled corpora and on
    a corpus of library docstrings: within 2 points of TF-IDF + logistic regression on each (the
    table is in the README; ``benchmarks/classifier_bench.py --tasks`` measures it).
    """

    WHAT = "classifier parameter"

    text_column: str | None = field(default=None, metadata=rule(Optional(Text())))  # default "text"
    label_column: str | None = field(default=None, metadata=rule(Optional(Text())))  # required
    dim: int = field(default=100, metadata=rule(Whole(1, "EMBEDVIZ_MAX_DIMENSIONS")))
    pooling: str = field(default="mean", metadata=rule(OneOf(POOLINGS)))
    hidden: int = field(default=0, metadata=rule(Whole(0, 100_000)))  # units of the hidden layer; 0 = none
    dropout: float = field(default=0.5, metadata=rule(Number(0, 1, high_open=True)))
    batch_norm: bool = field(default=False, metadata=rule(Flag()))
    weight_decay: float = field(default=0.0, metadata=rule(Number(0, 1000)))
    lr: float = field(default=5e-3, metadata=rule(Number(0, 10, low_open=True)))
    batch_size: int = field(default=64, metadata=rule(Whole(1, 1 << 16)))
    epochs: int = field(default=30, metadata=rule(Whole(1, 1000)))  # at most: early stopping usually ends sooner
    patience: int = field(default=3, metadata=rule(Whole(0, 1000)))  # early stopping on ``monitor``; 0 = off
    min_count: int = field(default=2, metadata=rule(Whole(1, 10**9)))
    max_vocab: int = field(default=50_000, metadata=rule(Whole(1, 10_000_000)))
    max_len: int = field(default=200, metadata=rule(Whole(1, 100_000)))
    # a store model whose vectors initialise the embedding
    init_from: str | None = field(default=None, metadata=rule(Optional(Checked(_model_name, "a model name"))))
    freeze: bool = field(default=False, metadata=rule(Flag()))  # keep the initialised embedding fixed
    # weights, batches, augmentation, and the share kept by ``fraction``
    seed: int = field(default=1, metadata=rule(Whole(0, 2**31 - 1)))
    # the train/validation/test split (None: ``seed``)
    split_seed: int | None = field(default=None, metadata=rule(Optional(Whole(0, 2**31 - 1))))
    # early stopping and the best epoch: val_accuracy or val_loss
    monitor: str = field(default="val_accuracy", metadata=rule(OneOf(MONITORS)))
    val_fraction: float = field(default=0.1, metadata=rule(Number(0, 0.5, low_open=True)))
    test_fraction: float = field(default=0.1, metadata=rule(Number(0, 0.5)))
    # share of the training part kept (learning curves)
    fraction: float = field(default=1.0, metadata=rule(Number(0, 1, low_open=True)))
    augment: dict | None = field(default=None, metadata=rule(Optional(Nested(AugmentOptions))))
    # with augmentation, also train the same model without it
    augment_pair: bool = field(default=True, metadata=rule(Flag()))
    baseline: bool = field(default=True, metadata=rule(Flag()))  # also train the TF-IDF baseline on the same split
    threads: int = field(default=1, metadata=rule(Whole(1, 256)))  # torch threads while training (restored after)

    def check_together(self) -> None:
        if self.label_column is None:
            raise ParameterError("label_column is required: the column that holds each document's class")
        if self.batch_norm and self.batch_size < 2:
            raise ParameterError(f"batch_size must be at least 2 with batch norm, not {self.batch_size!r}")
        if self.freeze and self.init_from is None:
            raise ParameterError("freeze needs init_from: only an initialised embedding is worth freezing")

    def split_key(self, corpus: Corpus) -> str:
        """Equal for two runs exactly when their test documents are the same ones (the same file,
        reading options, label column, split seed and part sizes)."""
        identity = {"corpus": corpus.fingerprint(), "label": self.label_column, "seed": self.split_seed_used,
                    "val": self.val_fraction, "test": self.test_fraction}
        return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def split_seed_used(self) -> int:
        return self.seed if self.split_seed is None else self.split_seed
