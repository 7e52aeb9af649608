"""Training word vectors with gensim: Word2Vec (CBOW and skip-gram) and FastText.

The corpus is read and tokenised once into a temporary file of one sentence per line, which gensim
then trains on in its ``corpus_file`` mode: its worker threads read the file themselves, free of
Python's GIL, so a slow reader never starves them and every epoch skips re-tokenising.

Progress is reported through a callback once per epoch (words/s, loss where gensim gives it, time
left) so the app can draw a progress bar and a learning curve.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields
from typing import Callable

import numpy as np

from .corpus import Corpus
from .errors import CorpusError, ParameterError
from .settings import setting
from .vectors import Vectors

ALGORITHMS = ("word2vec", "fasttext")
#: gensim's FastText default is 2,000,000 buckets: a 2M x dim float32 matrix, ~800 MB at 100
#: dimensions, twice that during training. 200,000 buckets (~80 MB) keeps character n-grams useful
#: for a corpus of a few million words and fits any laptop.
FASTTEXT_BUCKETS = 200_000


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@dataclass
class TrainingParameters:
    """Hyperparameters of a gensim model; the defaults are gensim's, except FastText's ``bucket``."""

    algo: str = "word2vec"
    sg: bool = False           # skip-gram (True) or CBOW (False)
    dim: int = 100             # vector size
    window: int = 5
    min_count: int = 5
    epochs: int = 10
    negative: int = 5
    sample: float = 1e-3
    alpha: float = 0.025
    min_alpha: float = 0.0001
    seed: int = 1
    workers: int = field(default_factory=default_workers)
    bucket: int = FASTTEXT_BUCKETS  # FastText only
    min_n: int = 3                  # FastText only
    max_n: int = 6                  # FastText only

    def validate(self) -> "TrainingParameters":
        if self.algo not in ALGORITHMS:
            raise ParameterError(f"unknown algorithm {self.algo!r}: use one of {', '.join(ALGORITHMS)}")
        max_dim = setting("EMBEDVIZ_MAX_DIMENSIONS")
        _int_range("dim", self.dim, 1, max_dim)
        _int_range("window", self.window, 1, 100)
        _int_range("min_count", self.min_count, 1, 10**9)
        _int_range("epochs", self.epochs, 1, 1000)
        _int_range("negative", self.negative, 0, 100)
        _int_range("seed", self.seed, 0, 2**31 - 1)
        _int_range("workers", self.workers, 1, 64)
        if not (0 <= float(self.sample) < 1):
            raise ParameterError(f"sample must be in [0, 1), not {self.sample!r}")
        if not (0 < float(self.alpha) <= 1) or not (0 <= float(self.min_alpha) <= float(self.alpha)):
            raise ParameterError("alpha must be in (0, 1] and min_alpha in [0, alpha]")
        if self.algo == "fasttext":
            _int_range("bucket", self.bucket, 1, 10_000_000)
            _int_range("min_n", self.min_n, 1, 20)
            _int_range("max_n", self.max_n, self.min_n, 20)
        return self

    def to_dict(self) -> dict:
        out = asdict(self)
        if self.algo != "fasttext":
            for name in ("bucket", "min_n", "max_n"):
                out.pop(name)
        return out

    @classmethod
    def from_dict(cls, values: dict) -> "TrainingParameters":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ParameterError(f"unknown training parameter {unknown[0]!r}")
        return cls(**values)


def _int_range(name, value, low, high):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or not (low <= value <= high):
        raise ParameterError(f"{name} must be a whole number from {low} to {high}, not {value!r}")


@dataclass
class Progress:
    """One report from a running training: a stage, and per-epoch figures while training."""

    stage: str                      # "reading", "vocabulary", "training", "done"
    epoch: int = 0
    epochs: int = 0
    elapsed: float = 0.0            # seconds since the start
    words_per_second: float | None = None
    loss: float | None = None       # this epoch's training loss (word2vec only)
    eta: float | None = None        # seconds left, estimated from the epochs done
    # Supervised trainers (embedviz.classifier) also report these; None elsewhere.
    val_loss: float | None = None
    accuracy: float | None = None
    val_accuracy: float | None = None

    @property
    def fraction(self) -> float:
        return self.epoch / self.epochs if self.epochs else 0.0

    def to_dict(self) -> dict:
        return asdict(self) | {"fraction": self.fraction}


@dataclass
class TrainingResult:
    vectors: Vectors
    parameters: TrainingParameters
    history: list[Progress]
    corpus: dict                    # sentences, tokens, and the corpus description
    timings: dict                   # seconds: reading, vocabulary, training, total

    def meta(self) -> dict:
        """What goes into the model's ``meta.json``."""
        return {
            "trainer": "gensim-" + self.parameters.algo,
            "parameters": self.parameters.to_dict(),
            "corpus": self.corpus,
            "timings": self.timings,
            "history": [
                {"epoch": p.epoch, "seconds": p.elapsed, "words_per_second": p.words_per_second,
                 "loss": p.loss} for p in self.history
            ],
        }


def write_sentences(sentences, path) -> tuple[int, int]:
    """Write tokenised sentences one per line (gensim's LineSentence format); return (sentences, tokens)."""
    n_sentences = n_tokens = 0
    with open(path, "w", encoding="utf-8") as f:
        for tokens in sentences:
            f.write(" ".join(tokens))
            f.write("\n")
            n_sentences += 1
            n_tokens += len(tokens)
    return n_sentences, n_tokens


def train(corpus: Corpus, parameters: TrainingParameters | None = None,
          progress: Callable[[Progress], None] | None = None) -> TrainingResult:
    """Train word vectors on ``corpus``; returns the vectors, the history and timings.

    >>> result = train(Corpus("data/kjv.csv.gz"), TrainingParameters(epochs=5))   # doctest: +SKIP
    >>> result.vectors
    Vectors(7500 words, 100 dimensions)
    """
    parameters = (parameters or TrainingParameters()).validate()
    report = progress or (lambda p: None)
    start = time.perf_counter()
    report(Progress("reading", epochs=parameters.epochs))
    with tempfile.TemporaryDirectory(prefix="embedviz-train-") as tmp:
        path = os.path.join(tmp, "sentences.txt")
        n_sentences, n_tokens = write_sentences(corpus.sentences(), path)
        if n_tokens == 0:
            raise CorpusError("the corpus has no words to train on (after tokenisation)")
        read_seconds = time.perf_counter() - start
        report(Progress("vocabulary", epochs=parameters.epochs, elapsed=read_seconds))
        model, timings = _train_gensim(path, parameters, n_tokens, start, report)
    vectors = Vectors(
        list(model.wv.index_to_key), np.asarray(model.wv.vectors, dtype=np.float32),
        [model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key],
    )
    timings = {"reading": read_seconds, **timings, "total": time.perf_counter() - start}
    history = timings.pop("history")
    report(Progress("done", epoch=parameters.epochs, epochs=parameters.epochs, elapsed=timings["total"]))
    return TrainingResult(vectors, parameters, history,
                          {"sentences": n_sentences, "tokens": n_tokens, **corpus.describe()}, timings)


def _train_gensim(path, p: TrainingParameters, n_tokens, start, report):
    from gensim.models import FastText, Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    common = dict(vector_size=p.dim, window=p.window, min_count=p.min_count, sg=int(p.sg),
                  negative=p.negative, hs=0 if p.negative else 1, sample=p.sample, alpha=p.alpha,
                  min_alpha=p.min_alpha, seed=p.seed, workers=p.workers)
    if p.algo == "word2vec":
        model = Word2Vec(**common, compute_loss=True)
    else:
        model = FastText(**common, bucket=p.bucket, min_n=p.min_n, max_n=p.max_n)
    t0 = time.perf_counter()
    _quiet(lambda: model.build_vocab(corpus_file=path))
    vocabulary_seconds = time.perf_counter() - t0
    if len(model.wv) < 2:
        raise CorpusError(f"too little text to train on: {len(model.wv)} word(s) occur at least "
                          f"min_count={p.min_count} times; lower min_count or give more text")
    history: list[Progress] = []

    class _Epochs(CallbackAny2Vec):
        def __init__(self):
            self.epoch_start = self.previous_loss = 0.0

        def on_epoch_begin(self, model):
            self.epoch_start = time.perf_counter()

        def on_epoch_end(self, model):
            now = time.perf_counter()
            epoch = len(history) + 1
            loss = None
            if p.algo == "word2vec":
                # gensim accumulates the loss over the whole train() call.
                total = float(model.get_latest_training_loss())
                loss, self.previous_loss = total - self.previous_loss, total
            seconds = now - self.epoch_start
            done_seconds = now - train_start
            item = Progress("training", epoch=epoch, epochs=p.epochs, elapsed=now - start,
                            words_per_second=n_tokens / seconds if seconds > 0 else None, loss=loss,
                            eta=done_seconds / epoch * (p.epochs - epoch))
            history.append(item)
            report(item)

    train_start = time.perf_counter()
    _quiet(lambda: model.train(corpus_file=path, total_examples=model.corpus_count,
                               total_words=model.corpus_total_words, epochs=p.epochs,
                               compute_loss=p.algo == "word2vec", callbacks=[_Epochs()]))
    training_seconds = time.perf_counter() - train_start
    return model, {"vocabulary": vocabulary_seconds, "training": training_seconds,
                   "words_per_second": n_tokens * p.epochs / training_seconds, "history": history}


def _quiet(call):
    """Run ``call`` with gensim's INFO logging silenced (it logs every second while training)."""
    logger = logging.getLogger("gensim")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        return call()
    finally:
        logger.setLevel(level)
