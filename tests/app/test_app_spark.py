"""The Train page offers Spark where it can run (pyspark and Java here), with its master and
partitions; its job (a real worker and JVM) shows Spark's stages and is cancelled from the page,
its JVM with it. Where Spark cannot run, it is not offered."""

from __future__ import annotations

import os
import time

import psutil
import pytest
from corpus_support import bundled_rows, write_csv
from streamlit.testing.v1 import AppTest

from embedviz.core.settings import PROJECT_DIR
from embedviz.jobs.kinds import SPARK_LOG
from embedviz.jobs.registry import list_jobs
from embedviz.text.specs import CorpusSpec
from embedviz.training import spark_session
from embedviz.ui.corpus_widgets import OWNER_KEY, SPEC_KEY
from embedviz.ui.train_page import SPARK
from embedviz.vectors.store import Store

OWNER = "spark-owner"


def group_members(pid: int) -> list[str]:
    """The command lines of the live processes of a worker's group (a zombie not yet reaped is not live)."""
    out = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pid and process.status() != psutil.STATUS_ZOMBIE:
                out.append(" ".join(process.cmdline()))
        except (ProcessLookupError, psutil.Error):
            pass
    return out


@pytest.fixture
def train_page(home, monkeypatch):
    monkeypatch.setenv("EMBEDVIZ_SPARK_MASTERS", "local[*],local[2]")
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    at.session_state[OWNER_KEY] = OWNER
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    yield at
    for job in list_jobs(Store(home), active=True):
        job.cancel(grace=1)


def test_spark_is_offered_with_its_master_and_partitions_and_its_job_cancels_from_the_page(train_page, home, tmp_path):
    at = train_page
    assert SPARK in at.selectbox(key="train_algorithm").options
    at.session_state[SPEC_KEY] = CorpusSpec(paths=[str(write_csv(tmp_path / "v.csv", bundled_rows("kjv", 1500)))],
                                            title="verses").to_dict()
    at.selectbox(key="train_algorithm").set_value(SPARK).run()
    assert not at.exception
    assert at.selectbox(key="train_spark_master").options == ["local[*]", "local[2]"]  # the server's, not typed
    assert at.selectbox(key="train_spark_master").value == "local[*]"
    keys = {w.key for w in at.number_input}
    assert {"train_spark_partitions", "train_dim", "train_epochs"} <= keys and "train_negative" not in keys
    at.selectbox(key="train_spark_master").set_value("local[2]")
    at.number_input(key="train_spark_partitions").set_value(2)
    at.number_input(key="train_epochs").set_value(1000)
    at.text_input(key="train_model_name").set_value("verses-spark").run()
    next(b for b in at.button if b.label == "Start training").click().run()
    assert not at.exception and not at.error
    job = list_jobs(Store(home), owner=OWNER)[0]
    spec = job.spec()
    assert spec["algo"] == "spark-word2vec"
    assert (spec["parameters"]["master"], spec["parameters"]["partitions"]) == ("local[2]", 2)
    deadline = time.monotonic() + 120
    while "Spark stage" not in (job.status().message or ""):
        assert job.status().active and time.monotonic() < deadline, (job.status(), job.log())
        time.sleep(0.2)
    assert (job.folder / SPARK_LOG).stat().st_size > 0  # the JVM's own log, not the page's
    at.run()
    progress = [p for p in at.get("progress")]
    assert any("Spark stage" in p.proto.text for p in progress), [p.proto.text for p in progress]
    pid = job.status().pid
    assert any("java" in line for line in group_members(pid))  # the JVM runs in the worker's group
    next(b for b in at.button if b.label == "Cancel").click().run()
    assert job.status().state == "cancelled", job.status()
    assert not Store(home).exists("verses-spark")
    deadline = time.monotonic() + 15
    while group_members(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not group_members(pid), group_members(pid)  # nothing of it left running


def test_without_java_spark_is_not_offered(home, monkeypatch):
    monkeypatch.setattr(spark_session, "spark_unavailable", lambda: "the Spark engine needs a Java runtime")
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=60)
    at.session_state[OWNER_KEY] = OWNER
    at.run()
    at.switch_page("pages/train.py").run()
    assert not at.exception
    assert SPARK not in at.selectbox(key="train_algorithm").options
