"""Training word vectors on Apache Spark (``pyspark.ml.feature.Word2Vec``), for corpora that live on
a cluster or are too big for one machine; the vectors come back into the store like any model's.

Spark's Word2Vec is skip-gram with hierarchical softmax (it has no CBOW, no negative sampling, no
downsampling). It trains each of ``partitions`` shares of the corpus on its own and averages the
models after every iteration, so more partitions train faster but less well (see
benchmarks/spark_bench.py and the README). gensim stays the engine for everything that fits one
machine: on the bundled corpora, on two cores, it is 2.3 times faster with the same parameters and
4.7 times with its defaults (CBOW, negative sampling).

The corpus is read and tokenised by :mod:`embedviz.text.spark_reader` (the local reader's rules,
run on Spark's workers), counted once (the word counts the store keeps, and Spark's vocabulary:
the words seen ``min_count`` times or more), then fitted. Progress is Spark's stages, reported by
:class:`~embedviz.training.spark_session.StageWatcher`.

>>> result = train_spark(SparkSource(("data/kjv.csv.gz",)), SparkParameters(master="local[2]"))  # doctest: +SKIP
>>> result.vectors
Vectors(7440 words, 100 dimensions)
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

from embedviz.core.errors import CorpusError
from embedviz.core.params import Checked, Number, Parameters, Whole, rule
from embedviz.core.progress import Progress
from embedviz.text.spark_reader import SparkSource, read_sentences, spark_errors
from embedviz.training.gensim import MAX_SENTENCE_WORDS
from embedviz.training.spark_session import StageWatcher, check_engine, check_master, reach_master, spark_session
from embedviz.vectors.vectors import Vectors

ALGO = "spark-word2vec"
DEFAULT_MASTER = "local[*]"


def _conf_entry(item) -> bool:
    return isinstance(item, str) and "=" in item and bool(item.split("=", 1)[0].strip())


@dataclass
class SparkParameters(Parameters):
    """Hyperparameters of Spark's Word2Vec, and where it runs. The defaults are Spark's, except
    ``epochs`` (Spark's ``maxIter``, 1 there) and ``min_count``, ``window``, ``dim``, which are
    gensim's as elsewhere in embedviz."""

    WHAT = "Spark training parameter"

    dim: int = field(default=100, metadata=rule(Whole(1, "EMBEDVIZ_MAX_DIMENSIONS")))
    window: int = field(default=5, metadata=rule(Whole(1, 100)))
    min_count: int = field(default=5, metadata=rule(Whole(1, 10**9)))
    epochs: int = field(default=5, metadata=rule(Whole(1, 1000)))
    alpha: float = field(default=0.025, metadata=rule(Number(0, 1, low_open=True)))   # Spark's stepSize
    seed: int = field(default=1, metadata=rule(Whole(0, 2**31 - 1)))
    # Shares trained apart and averaged after each iteration: faster with more, less accurate.
    partitions: int = field(default=1, metadata=rule(Whole(1, 10_000)))
    master: str = field(default=DEFAULT_MASTER, metadata=rule(Checked(
        check_master, "a Spark master URL: local[*], local[N], spark://HOST:PORT, yarn or k8s://...",
        bad=("", "local[0]", "http://x"))))
    # Spark settings passed as they are ("spark.executor.memory=4g"), after embedviz's own
    conf: list = field(default_factory=list, metadata=rule(Checked(
        lambda items: isinstance(items, list) and all(_conf_entry(i) for i in items),
        "a list of KEY=VALUE Spark settings", bad=("spark.x=1", ["novalue"]))))

    def settings(self) -> dict[str, str]:
        return dict(item.split("=", 1) for item in self.conf)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SparkResult:
    vectors: Vectors
    parameters: SparkParameters
    history: list[Progress]
    corpus: dict
    timings: dict
    spark: dict                      # version, master, application id, parallelism

    def files(self) -> dict[str, bytes]:
        return {}

    def meta(self) -> dict:
        return {
            "trainer": ALGO, "engine": "spark",
            "parameters": {"algo": ALGO, "sg": True, "hs": True, **self.parameters.to_dict()},
            "spark": self.spark, "corpus": self.corpus, "timings": self.timings,
            "history": [{"epoch": p.epoch, "seconds": p.elapsed, "words_per_second": p.words_per_second,
                         "loss": None} for p in self.history],
        }


def train_spark(source: SparkSource, parameters: SparkParameters | None = None,
                progress: Callable[[Progress], None] | None = None, session=None,
                log_path=None) -> SparkResult:
    """Read ``source`` with Spark, train Word2Vec on ``parameters.master``, bring the vectors back.

    ``session``: an existing SparkSession to use (and leave running), else one is started on the
    master for this training and stopped after. Everything checkable without Spark (the engine,
    the master, local paths, kinds) is checked before one starts.
    """
    parameters = (parameters or SparkParameters()).validate()
    report = progress or (lambda p: None)
    source.kinds()
    if session is None:
        check_engine()
        reach_master(parameters.master)
    start = time.perf_counter()
    report(Progress("starting", epochs=parameters.epochs, detail=f"starting Spark on {parameters.master}"))
    opened = nullcontext(session) if session is not None else spark_session(
        parameters.master, "embedviz word2vec", parameters.settings(), log_path)
    with opened as spark:
        started = time.perf_counter()
        context = spark.sparkContext
        with spark_errors(", ".join(source.paths)):
            report(Progress("reading", epochs=parameters.epochs, elapsed=started - start))
            with StageWatcher(context, report, "reading", parameters.epochs, start):
                sentences = read_sentences(spark, source).persist()
                words, counts, n_sentences, n_tokens = _vocabulary(sentences, parameters.min_count)
            read = time.perf_counter()
            if n_tokens == 0:
                raise CorpusError("the corpus has no words to train on (after tokenisation)")
            if len(words) < 2:
                raise CorpusError(f"too little text to train on: {len(words)} word(s) occur at least "
                                  f"min_count={parameters.min_count} times; lower min_count or give more text")
            report(Progress("vocabulary", epochs=parameters.epochs, elapsed=read - start))
            model, watcher = _fit(sentences, parameters, report, context, start, n_tokens)
            fitted = time.perf_counter()
            vectors = _collect(model, words, counts, parameters.dim)
            sentences.unpersist()
        spark_info = {"version": spark.version, "master": context.master, "app_id": context.applicationId,
                      "default_parallelism": context.defaultParallelism, "partitions": parameters.partitions}
    end = time.perf_counter()
    timings = {"starting": started - start, "reading": read - started, "training": fitted - read,
               "collecting": end - fitted, "total": end - start,
               "words_per_second": n_tokens * parameters.epochs / max(fitted - read, 1e-9)}
    report(Progress("done", epoch=parameters.epochs, epochs=parameters.epochs, elapsed=timings["total"]))
    return SparkResult(vectors, parameters, watcher.history,
                       {"sentences": n_sentences, "tokens": n_tokens, **source.describe()}, timings, spark_info)


def _vocabulary(sentences, min_count: int):
    """Every word seen ``min_count`` times or more with its count (most frequent first, ties by
    word), and the corpus's sentence and token totals: one pass, on Spark's side."""
    from pyspark.sql import functions as F

    totals = sentences.agg(F.count(F.lit(1)).alias("n"), F.sum(F.size("sentence")).alias("tokens")).first()
    rows = (sentences.select(F.explode("sentence").alias("word")).groupBy("word").count()
            .where(F.col("count") >= min_count).orderBy(F.desc("count"), "word").collect())
    return [r["word"] for r in rows], [int(r["count"]) for r in rows], int(totals["n"]), int(totals["tokens"] or 0)


def _fit(sentences, p: SparkParameters, report, context, start: float, n_tokens: int):
    from pyspark.ml.feature import Word2Vec

    estimator = Word2Vec(vectorSize=p.dim, windowSize=p.window, minCount=p.min_count, maxIter=p.epochs,
                         stepSize=p.alpha, seed=p.seed, numPartitions=p.partitions,
                         maxSentenceLength=MAX_SENTENCE_WORDS, inputCol="sentence", outputCol="vector")
    with StageWatcher(context, report, "training", p.epochs, start, tokens=n_tokens) as watcher:
        model = estimator.fit(sentences)
    return model, watcher


def _collect(model, words: list[str], counts: list[int], dim: int) -> Vectors:
    """The fitted vectors in the order of ``words`` (the store's order: most frequent first)."""
    rows = {r["word"]: r["vector"].toArray() for r in model.getVectors().collect()}
    kept = [(w, c) for w, c in zip(words, counts) if w in rows]
    matrix = np.empty((len(kept), dim), dtype=np.float32)
    for i, (word, _) in enumerate(kept):
        matrix[i] = rows[word]
    return Vectors([w for w, _ in kept], matrix, [c for _, c in kept])
