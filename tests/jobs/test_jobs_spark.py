"""A Spark training as a background job is refused before a worker starts when Spark cannot run
or the corpus asks for what Spark's reader does not do. A real Spark job (a worker process and its
JVM, Spark's stages as progress, cancelled with nothing left running) is tests/app/test_app_spark.py's;
the model a Spark training saves, answering like any other: tests/training/test_spark.py."""

from __future__ import annotations

import pytest
from corpus_support import bundled_rows, write_csv

from embedviz.core.errors import EngineError, ParameterError
from embedviz.jobs.kinds import start_training
from embedviz.jobs.registry import list_jobs
from embedviz.text.specs import CorpusSpec
from embedviz.training import spark_session as engine

QUICK = dict(dim=12, epochs=1, min_count=2, master="local[*]", partitions=2)


@pytest.fixture(scope="module")
def verses(tmp_path_factory):
    path = write_csv(tmp_path_factory.mktemp("spark-jobs") / "verses.csv", bundled_rows("kjv", 1500))
    return CorpusSpec(paths=[str(path)], title="1,500 verses")


@pytest.fixture(autouse=True)
def no_stray_workers(store):
    yield
    for job in list_jobs(store, active=True):
        job.cancel(grace=1)


def test_a_spark_job_is_refused_before_it_starts(store, verses, monkeypatch):
    with pytest.raises(ParameterError, match="does not join phrases"):
        start_training(store, CorpusSpec(**{**verses.to_dict(), "phrases": True}), QUICK, "p", owner="me",
                       algo="spark-word2vec")
    # a master the server does not offer (a forged form): refused, no connection tried
    with pytest.raises(ParameterError, match=r"the Spark master 'spark://10.0.0.1:7077' is not one this server "
                                              r"offers: local\[\*\] \(EMBEDVIZ_SPARK_MASTERS\)"):
        start_training(store, verses, QUICK | {"master": "spark://10.0.0.1:7077"}, "r", owner="me",
                       algo="spark-word2vec")
    monkeypatch.setattr(engine, "spark_unavailable", lambda: "the Spark engine needs pyspark, which is not installed")
    with pytest.raises(EngineError, match="needs pyspark"):
        start_training(store, verses, QUICK, "q", owner="me", algo="spark-word2vec")
    assert not list_jobs(store)
