"""Training on Spark: a model that answers like any other, Spark's vocabulary equal to gensim's on
the same tokens, the same command line, and one-line refusals before any JVM starts."""

from __future__ import annotations

import socket
import time

import numpy as np
import pytest
from corpus_support import bundled_rows, write_csv

from embedviz.cli.main import main
from embedviz.core.errors import EngineError, ParameterError
from embedviz.space.analogy import solve
from embedviz.space.evaluation import evaluate
from embedviz.space.neighbours import neighbours
from embedviz.space.projection import project
from embedviz.text.corpus import Corpus
from embedviz.text.spark_reader import SparkSource
from embedviz.training import spark_session as engine
from embedviz.training.spark import SparkParameters, train_spark
from embedviz.vectors.store import Store

FAST = dict(dim=20, epochs=2, min_count=3, partitions=2, master="local[2]")


@pytest.fixture(scope="module")
def verses(tmp_path_factory):
    """The first 2,000 verses of the KJV (about 55k words)."""
    return write_csv(tmp_path_factory.mktemp("spark") / "verses.csv", bundled_rows("kjv", 2000))


@pytest.fixture(scope="module")
def trained(spark, verses):
    reports = []
    result = train_spark(SparkSource((str(verses),), text_column="text"), SparkParameters(**FAST),
                         progress=reports.append, session=spark)
    return result, reports


def test_the_vocabulary_and_counts_are_gensims_on_the_same_tokens(trained, verses):
    from gensim.models import Word2Vec

    result, _ = trained
    model = Word2Vec(min_count=FAST["min_count"])
    model.build_vocab(Corpus(verses, text_column="text").sentences())
    gensim_counts = {w: model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key}
    assert dict(zip(result.vectors.words, result.vectors.counts)) == gensim_counts
    assert list(result.vectors.counts) == sorted(result.vectors.counts, reverse=True)
    corpus = Corpus(verses, text_column="text").statistics()
    assert (result.corpus["sentences"], result.corpus["tokens"]) == (corpus.sentences, corpus.tokens)


def test_a_spark_model_answers_like_any_other(trained, store):
    result, reports = trained
    store.save("bible-spark", result.vectors, result.meta())
    vectors, meta = store.load("bible-spark"), store.meta("bible-spark")
    assert (meta["engine"], meta["trainer"], meta["spark"]["master"]) == ("spark", "spark-word2vec", "local[2]")
    assert meta["parameters"]["partitions"] == 2 and meta["spark"]["version"].startswith("4.")
    assert {"starting", "reading", "training", "collecting", "total"} <= set(meta["timings"])
    assert [h["epoch"] for h in meta["history"]] == [1, 2]
    assert meta["corpus"]["fingerprint"] == Corpus(meta["corpus"]["paths"], text_column="text").fingerprint()
    # Learned, not random: a word's nearest neighbours are far closer than random pairs.
    near = np.mean([neighbours(vectors, w, 1)[0].score for w in vectors.words[50:150]])
    unit = vectors.matrix / np.linalg.norm(vectors.matrix, axis=1, keepdims=True)
    rng = np.random.default_rng(0)
    pairs = rng.integers(0, len(vectors), size=(2000, 2))
    assert near > np.mean(np.sum(unit[pairs[:, 0]] * unit[pairs[:, 1]], axis=1)) + 0.3
    assert solve(vectors, "father - man + woman", k=3).answers
    assert project(vectors, "pca", dims=3).coords.shape == (len(vectors), 3)
    assert evaluate(vectors)["pairs"]["wordsim353"]
    stages = {r.stage for r in reports}
    assert {"starting", "reading", "vocabulary", "training", "done"} <= stages
    assert any(r.detail and "tasks done" in r.detail for r in reports)


def test_the_command_line_trains_with_spark_and_every_command_reads_the_result(spark, verses, tmp_path, capsys):
    home = str(tmp_path / "home")
    assert main(["--home", home, "train", str(verses), "--engine", "spark", "--master", "local[2]",
                 "--partitions", "2", "--epochs", "1", "--dim", "16", "--name", "spark-cli", "--quiet"]) == 0
    assert "saved model 'spark-cli'" in capsys.readouterr().out
    assert main(["--home", home, "neighbors", "spark-cli", "lord", "--json"]) == 0
    assert main(["--home", home, "concordance", "spark-cli", "lord", "-n", "2"]) == 0
    out = capsys.readouterr().out
    assert "lord" in out.lower()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def fresh_checks():
    engine.spark_unavailable.cache_clear()
    engine.java_runtime.cache_clear()
    yield
    engine.spark_unavailable.cache_clear()
    engine.java_runtime.cache_clear()


@pytest.mark.parametrize("options, message", [
    (["--master", "spark://127.0.0.1:{port}"], r"^error: cannot reach the Spark master spark://127.0.0.1:\d+ \(127.0.0.1:\d+: Connection refused\)$"),
    (["--master", "http://x"], r"^error: master: the Spark master must be local\[\*\], .* not 'http://x'$"),
    (["--negative", "5"], r"^error: --negative is not an option of --engine spark"),
    (["--algo", "fasttext"], r"^error: --algo is not an option of --engine spark"),
    (["--phrases"], r"^error: --phrases is not an option of --engine spark"),
    (["--partitions", "0"], r"^embedviz train: argument --partitions: expected a number of at least 1"),
    (["--spark-conf", "novalue"], r"^error: conf must be a list of KEY=VALUE Spark settings"),
])
def test_bad_spark_options_are_one_line_in_milliseconds(tmp_path, capsys, small_corpus, options, message):
    home = tmp_path / "home"
    options = [o.format(port=free_port()) for o in options]
    started = time.perf_counter()
    code = main(["--home", str(home), "train", str(small_corpus), "--engine", "spark", *options, "--name", "x"])
    err = capsys.readouterr().err.strip()
    assert code in (1, 2) and len(err.splitlines()) == 1, err
    assert pytest.approx(0, abs=5) == time.perf_counter() - started
    import re
    assert re.match(message, err), err
    assert not Store(home).exists("x")


def test_spark_options_without_the_spark_engine_are_refused(tmp_path, capsys, small_corpus):
    assert main(["--home", str(tmp_path), "train", str(small_corpus), "--master", "local[2]"]) == 1
    assert capsys.readouterr().err.strip() == "error: --master is an option of --engine spark"


def test_missing_pyspark_or_java_is_named_before_anything_starts(fresh_checks, monkeypatch, tmp_path, small_corpus):
    source = SparkSource((str(small_corpus),))
    real_find_spec = engine.importlib.util.find_spec
    monkeypatch.setattr(engine.importlib.util, "find_spec",
                        lambda name, *a: None if name == "pyspark" else real_find_spec(name, *a))
    with pytest.raises(EngineError, match=r"needs pyspark, which is not installed: pip install -r requirements-spark.txt"):
        train_spark(source, SparkParameters(master="local[2]"))
    monkeypatch.undo()
    engine.spark_unavailable.cache_clear()
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-java"))
    with pytest.raises(EngineError, match=r"needs a Java runtime \(17 or newer\), and none was found"):
        train_spark(source, SparkParameters(master="local[2]"))
    old = tmp_path / "old-java" / "bin"
    old.mkdir(parents=True)
    (old / "java").write_text('#!/bin/sh\necho \'openjdk version "11.0.2" 2019-01-15\' >&2\n')
    (old / "java").chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(old.parent))
    engine.spark_unavailable.cache_clear()
    engine.java_runtime.cache_clear()
    with pytest.raises(EngineError, match=r"needs Java 17 or newer; .* is Java 11"):
        train_spark(source, SparkParameters(master="local[2]"))


def test_parameters_are_checked_like_every_others():
    with pytest.raises(ParameterError, match=r"^partitions must be a whole number from 1 to 10000, not 0$"):
        SparkParameters(partitions=0).validate()
    assert SparkParameters(conf=["spark.executor.memory=4g"]).settings() == {"spark.executor.memory": "4g"}
    assert engine.local_cores("local[3]") == 3 and engine.local_cores("local") == 1


def test_a_clusters_workers_get_this_embedviz_as_a_zip_they_can_import(tmp_path):
    import subprocess
    import sys

    archive = engine.package_zip(tmp_path)
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from embedviz.text.tokenizer import tokenize; "
            "import embedviz; assert embedviz.__file__.startswith(sys.argv[1]); print(tokenize('The LORD said'))")
    out = subprocess.run([sys.executable, "-c", code, str(archive)], capture_output=True, text=True, cwd=tmp_path,
                         env={"PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "['the', 'lord', 'said']", out.stderr
