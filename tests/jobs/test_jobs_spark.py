"""A Spark training as a background job: a real worker process starting a real JVM on local[2],
its stages as progress, its model in the store. (Cancelling one, from the Train page, and finding
nothing of it left running: tests/app/test_app_spark.py.)"""

from __future__ import annotations

import pytest
from corpus_support import bundled_rows, write_csv

from embedviz.core.errors import EngineError, ParameterError
from embedviz.jobs.kinds import SPARK_LOG, start_training
from embedviz.jobs.registry import list_jobs
from embedviz.space.neighbours import neighbours
from embedviz.text.specs import CorpusSpec
from embedviz.training import spark_session as engine

QUICK = dict(dim=12, epochs=1, min_count=2, master="local[2]", partitions=2)


@pytest.fixture(scope="module")
def verses(tmp_path_factory):
    path = write_csv(tmp_path_factory.mktemp("spark-jobs") / "verses.csv", bundled_rows("kjv", 1500))
    return CorpusSpec(paths=[str(path)], title="1,500 verses")


@pytest.fixture(autouse=True)
def no_stray_workers(store):
    yield
    for job in list_jobs(store, active=True):
        job.cancel(grace=1)


def test_a_spark_job_reports_its_stages_and_saves_a_model(store, verses):
    job = start_training(store, verses, QUICK, "verses-spark", owner="me", algo="spark-word2vec")
    status = job.wait(timeout=240)
    assert status.state == "done", (status, job.log())
    meta = store.meta("verses-spark")
    assert (meta["engine"], meta["spark"]["master"], meta["parameters"]["partitions"]) == ("spark", "local[2]", 2)
    assert meta["job"] == job.id
    assert neighbours(store.load("verses-spark"), "god", 3)
    details = [e["detail"] for e in job.events() if e.get("detail")]
    assert any("Spark stage" in d and "tasks done" in d for d in details), details
    assert (job.folder / SPARK_LOG).stat().st_size > 0  # the JVM's own log, not the page's


def test_a_spark_job_is_refused_before_it_starts(store, verses, monkeypatch):
    with pytest.raises(ParameterError, match="does not join phrases"):
        start_training(store, CorpusSpec(**{**verses.to_dict(), "phrases": True}), QUICK, "p", owner="me",
                       algo="spark-word2vec")
    monkeypatch.setattr(engine, "spark_unavailable", lambda: "the Spark engine needs pyspark, which is not installed")
    with pytest.raises(EngineError, match="needs pyspark"):
        start_training(store, verses, QUICK, "q", owner="me", algo="spark-word2vec")
    assert not list_jobs(store)
