"""Background jobs of the PyTorch trainers, learning curves and searches (real worker processes)."""

import time

import pytest
from corpus_support import bundled_rows, write_csv

from embedviz.training.classifier import WEIGHTS_FILE, Predictor
from embedviz.core.errors import ParameterError
from embedviz.jobs.kinds import start_curve, start_training, start_tune
from embedviz.jobs.registry import list_jobs
from embedviz.vectors.store import Store
from embedviz.text.specs import CorpusSpec

TINY = dict(label_column="genre", dim=8, epochs=2, min_count=1, hidden=8, batch_size=32, threads=1)


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    """300 Shakespeare speeches spread over the works (every genre), as a CSV with labels."""
    path = write_csv(tmp_path_factory.mktemp("torch-jobs") / "bard.csv", bundled_rows("shakespeare", 300, step=130))
    return CorpusSpec(paths=[str(path)], label_columns=["genre"], title="Bard")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return Store(tmp_path_factory.mktemp("torch-store"))


@pytest.fixture(scope="module")
def jobs(store, labelled):
    """Every job of this module started at once: worker start-up (importing torch) overlaps."""
    sgns = dict(dim=8, epochs=2, min_count=2, compile=False, threads=1)
    fixed = {k: v for k, v in TINY.items() if k != "hidden"}
    started = {
        "classifier": start_training(store, labelled, TINY, "bard-genre", "alice", algo="torch-classifier"),
        "sgns": start_training(store, labelled, sgns, "bard-sgns", owner="alice", algo="torch-sgns"),
        "curve": start_curve(store, labelled, "classifier", TINY, owner="alice", fractions=[0.5, 1.0]),
        "tune": start_tune(store, labelled, "classifier", fixed, owner="alice", trials=2, name="bard-tuned"),
        "bad": start_training(store, labelled, {**TINY, "label_column": "nope"}, "bad", owner="alice", algo="torch-classifier"),
    }
    yield started
    for job in list_jobs(store, active=True):  # a failing test leaves no worker behind
        job.cancel(grace=1)


def finished(job, timeout=80):
    return job.wait(timeout=timeout)


def test_a_classifier_job_saves_the_model_with_its_files(store, jobs):
    job = jobs["classifier"]
    status = finished(job)
    assert status.state == "done", (status, job.log())
    assert "test accuracy" in status.message
    assert (store.path("bard-genre") / WEIGHTS_FILE).is_file()
    meta = store.meta("bard-genre")
    assert meta["trainer"] == "torch-classifier" and meta["job"] == job.id
    assert meta["baseline"]["test_accuracy"] is not None
    epochs = job.events(stage="training")
    assert [e["epoch"] for e in epochs] == [1, 2] and epochs[0]["val_accuracy"] is not None
    label, probabilities = Predictor.from_folder(store.path("bard-genre")).predict("O Romeo, Romeo")[0]
    assert label in probabilities and abs(sum(probabilities.values()) - 1) < 1e-5


def test_an_sgns_job_saves_word_vectors(store, jobs):
    job = jobs["sgns"]
    status = finished(job)
    assert status.state == "done", (status, job.log())
    assert store.meta("bard-sgns")["trainer"] == "torch-sgns"
    assert store.load("bard-sgns").dim == 8


def test_a_curve_job_writes_its_points_and_reading(jobs):
    job = jobs["curve"]
    status = finished(job)
    assert status.state == "done", (status, job.log())
    result = job.result()
    assert [p["fraction"] for p in result["points"]] == [0.5, 1.0]
    assert result["reading"] and result["verdict"]
    assert len([e for e in job.events() if e["stage"] == "point"]) == 2


def test_a_tune_job_reports_each_trial_and_saves_the_best(store, jobs):
    job = jobs["tune"]
    status = finished(job)
    assert status.state == "done", (status, job.log())
    result = job.result()
    assert len(result["trials"]) == 2 and result["saved"] == "bard-tuned"
    trials = [e for e in job.events() if e["stage"] == "trial-done"]
    assert [e["trial"] for e in trials] == [0, 1] and trials[-1]["best_score"] is not None
    assert store.meta("bard-tuned")["tuning"]["trials"] == 2
    assert (store.path("bard-tuned") / WEIGHTS_FILE).is_file()


def test_a_bad_label_column_fails_with_one_line(store, jobs):
    job = jobs["bad"]
    status = finished(job)
    assert status.state == "failed"
    assert "nope" in status.message and "\n" not in status.message and "Traceback" not in status.message
    assert not store.exists("bad")


def test_bad_parameters_are_refused_before_a_process_starts(tmp_path, labelled):
    store = Store(tmp_path)
    with pytest.raises(ParameterError, match="label_column is required"):
        start_training(store, labelled, {"dim": 8}, "x", owner="alice", algo="torch-classifier")
    with pytest.raises(ParameterError, match="fraction"):
        start_curve(store, labelled, "classifier", TINY, owner="alice", fractions=[1.0, 0.5])
    assert list_jobs(store) == []


def test_a_classifier_job_can_be_cancelled(tmp_path, labelled):
    store = Store(tmp_path)
    job = start_training(store, labelled, {**TINY, "epochs": 1000, "patience": 0}, "never", owner="alice", algo="torch-classifier")
    deadline = time.monotonic() + 60
    while not job.events(stage="training"):
        assert job.status().active and time.monotonic() < deadline, (job.status(), job.log())
        time.sleep(0.05)
    assert job.cancel().state == "cancelled"
    assert not store.exists("never")
    assert not list_jobs(store, active=True)
