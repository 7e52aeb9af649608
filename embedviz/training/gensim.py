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
from collections import Counter
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

from embedviz.core.errors import CorpusError, ParameterError
from embedviz.core.params import Flag, Number, OneOf, Parameters, Whole, rule
from embedviz.core.progress import Progress
from embedviz.text.corpus import Corpus
from embedviz.vectors.snapshots import SnapshotRecorder, Snapshots
from embedviz.vectors.vectors import Vectors

ALGORITHMS = ("word2vec", "fasttext")
#: gensim's FastText default is 2,000,000 buckets: a 2M x dim float32 matrix, ~800 MB at 100
#: dimensions, twice that during training. 200,000 buckets (~80 MB) keeps character n-grams useful
#: for a corpus of a few million words and fits any laptop.
FASTTEXT_BUCKETS = 200_000


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


@dataclass
class TrainingParameters(Parameters):
    """Hyperparameters of a gensim model; the defaults are gensim's, except FastText's ``bucket``."""

    WHAT = "training parameter"

    algo: str = field(default="word2vec", metadata=rule(OneOf(ALGORITHMS)))
    sg: bool = field(default=False, metadata=rule(Flag()))          # skip-gram (True) or CBOW
    dim: int = field(default=100, metadata=rule(Whole(1, "EMBEDVIZ_MAX_DIMENSIONS")))  # vector size
    window: int = field(default=5, metadata=rule(Whole(1, 100)))
    min_count: int = field(default=5, metadata=rule(Whole(1, 10**9)))
    epochs: int = field(default=10, metadata=rule(Whole(1, 1000)))
    negative: int = field(default=5, metadata=rule(Whole(0, 100)))
    sample: float = field(default=1e-3, metadata=rule(Number(0, 1, high_open=True)))
    alpha: float = field(default=0.025, metadata=rule(Number(0, 1, low_open=True)))
    min_alpha: float = field(default=0.0001, metadata=rule(Number(0, 1)))
    seed: int = field(default=1, metadata=rule(Whole(0, 2**31 - 1)))
    workers: int = field(default_factory=default_workers, metadata=rule(Whole(1, 64)))
    bucket: int = field(default=FASTTEXT_BUCKETS, metadata=rule(Whole(1, 10_000_000)))  # FastText only
    min_n: int = field(default=3, metadata=rule(Whole(1, 20)))                          # FastText only
    max_n: int = field(default=6, metadata=rule(Whole(1, 20)))                          # FastText only
    # keep the vectors of this many most frequent words after every epoch (0: none; see snapshots.py)
    snapshots: int = field(default=0, metadata=rule(Whole(0, 100_000)))

    def check_together(self) -> None:
        if self.min_alpha > self.alpha:
            raise ParameterError(f"min_alpha must be at most alpha ({self.alpha}), not {self.min_alpha!r}")
        if self.max_n < self.min_n:
            raise ParameterError(f"max_n must be at least min_n ({self.min_n}), not {self.max_n!r}")

    def to_dict(self) -> dict:
        out = asdict(self)
        if self.algo != "fasttext":
            for name in ("bucket", "min_n", "max_n"):
                out.pop(name)
        return out


@dataclass
class TrainingResult:
    vectors: Vectors
    parameters: TrainingParameters
    history: list[Progress]
    corpus: dict                    # sentences, tokens, and the corpus description
    timings: dict                   # seconds: reading, vocabulary, training, total
    snapshots: Snapshots | None = None   # the most frequent words' vectors after each epoch

    def files(self) -> dict[str, bytes]:
        """Files kept beside the vectors (the snapshots, if any were taken)."""
        return self.snapshots.files() if self.snapshots is not None else {}

    def meta(self) -> dict:
        """What goes into the model's ``meta.json``."""
        snapshots = ({} if self.snapshots is None else
                     {"snapshots": {"words": len(self.snapshots.words), "epochs": self.snapshots.epochs,
                                    "bytes": self.snapshots.nbytes, "seconds": round(self.snapshots.seconds, 6)}})
        return {**snapshots,
            "trainer": "gensim-" + self.parameters.algo,
            "parameters": self.parameters.to_dict(),
            "corpus": self.corpus,
            "timings": self.timings,
            "history": [
                {"epoch": p.epoch, "seconds": p.elapsed, "words_per_second": p.words_per_second,
                 "loss": p.loss} for p in self.history
            ],
        }


#: gensim's LineSentence cuts a line into sentences of at most this many words.
MAX_SENTENCE_WORDS = 10_000


def write_sentences(sentences, path, counts: Counter | None = None) -> tuple[int, int]:
    """Write tokenised sentences one per line (gensim's LineSentence format); return (sentences, tokens).

    With ``counts``, every token is also counted into it, as gensim's vocabulary scan of the file
    would count it (same words, same order of first occurrence): the file is then read once less.
    """
    n_sentences = n_tokens = 0
    with open(path, "w", encoding="utf-8") as f:
        for tokens in sentences:
            f.write(" ".join(tokens))
            f.write("\n")
            n_sentences += 1
            n_tokens += len(tokens)
            if counts is not None:
                counts.update(tokens)
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
        counts: Counter = Counter()
        n_sentences, n_tokens = write_sentences(_pieces(corpus.sentences()), path, counts)
        if n_tokens == 0:
            raise CorpusError("the corpus has no words to train on (after tokenisation)")
        read_seconds = time.perf_counter() - start
        report(Progress("vocabulary", epochs=parameters.epochs, elapsed=read_seconds))
        recorder = SnapshotRecorder(parameters.snapshots) if parameters.snapshots else None
        model, timings = _train_gensim(path, parameters, n_tokens, start, report, counts, n_sentences, recorder)
    vectors = Vectors(
        list(model.wv.index_to_key), np.asarray(model.wv.vectors, dtype=np.float32),
        [model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key],
    )
    timings = {"reading": read_seconds, **timings, "total": time.perf_counter() - start}
    history = timings.pop("history")
    report(Progress("done", epoch=parameters.epochs, epochs=parameters.epochs, elapsed=timings["total"]))
    snapshots = recorder.snapshots([h.loss for h in history]) if recorder else None
    return TrainingResult(vectors, parameters, history,
                          {"sentences": n_sentences, "tokens": n_tokens, **corpus.describe()}, timings, snapshots)


def _pieces(sentences):
    """Sentences cut as gensim's LineSentence would cut them (at most MAX_SENTENCE_WORDS words), so
    the sentence count given to gensim is the one it would find; empty ones are dropped."""
    for tokens in sentences:
        for i in range(0, len(tokens), MAX_SENTENCE_WORDS):
            yield tokens[i:i + MAX_SENTENCE_WORDS]


def _train_gensim(path, p: TrainingParameters, n_tokens, start, report, counts, n_sentences, recorder=None):
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
    # The words were counted while the file was written: the same vocabulary gensim's own scan of
    # the file builds (tested bit for bit), without reading the file once more.
    _quiet(lambda: model.build_vocab_from_freq(counts, corpus_count=n_sentences))
    model.corpus_total_words = n_tokens
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
            if recorder is not None:
                recorder.take(model.wv.index_to_key, _current_rows(model, recorder.words))
            report(item)

    train_start = time.perf_counter()
    _quiet(lambda: model.train(corpus_file=path, total_examples=model.corpus_count,
                               total_words=model.corpus_total_words, epochs=p.epochs,
                               compute_loss=p.algo == "word2vec", callbacks=[_Epochs()]))
    training_seconds = time.perf_counter() - train_start
    return model, {"vocabulary": vocabulary_seconds, "training": training_seconds,
                   "words_per_second": n_tokens * p.epochs / training_seconds, "history": history}


def _current_rows(model, n: int) -> np.ndarray:
    """The first ``n`` word vectors as they are now. A FastText word's vector is only composed
    (its own row plus its n-grams', averaged) at the end of training, so it is composed here the
    same way (gensim's ``adjust_vectors``) for just these words."""
    wv = model.wv
    if not hasattr(wv, "vectors_ngrams") or getattr(wv, "bucket", 0) == 0:
        return wv.vectors[:n] if not hasattr(wv, "vectors_vocab") else wv.vectors_vocab[:n]
    rows = np.array(wv.vectors_vocab[:n], dtype=np.float32)
    for i in range(len(rows)):
        buckets = wv.buckets_word[i]
        rows[i] += wv.vectors_ngrams[buckets].sum(axis=0)
        rows[i] /= len(buckets) + 1
    return rows


def _quiet(call):
    """Run ``call`` with gensim's INFO logging silenced (it logs every second while training)."""
    logger = logging.getLogger("gensim")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        return call()
    finally:
        logger.setLevel(level)
