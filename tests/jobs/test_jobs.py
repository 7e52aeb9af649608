"""Background training jobs (real worker processes), uploads, and the figures of a training."""

import json
import os
import signal
import time

import numpy as np
import pytest
from corpus_support import bundled_rows, write_csv

from embedviz.core.errors import CorpusError, ParameterError, StoreError
from embedviz.jobs.kinds import start_training
from embedviz.jobs import registry
from embedviz.jobs.registry import STATUS_FILE, Job, get_job, list_jobs, process_alive
from embedviz.jobs.status import process_start_time
from embedviz.training.gensim import TrainingParameters
from embedviz.figures.training import loss_figure, zipf_figure
from embedviz.text.specs import CorpusSpec, bundled_spec
from embedviz.text.uploads import (list_uploads, load_choice, prune_uploads, sanitise_name, save_choice, save_upload,
                                    upload_path, upload_spec, uploads_dir)
from embedviz.vectors.vectors import Vectors

TINY = dict(dim=10, epochs=2, min_count=2, workers=1)
LONG = dict(dim=10, epochs=1000, min_count=2, workers=1)  # minutes: only for cancelling and killing


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    """The first 2,000 verses of the KJV as a CSV file with labels."""
    path = write_csv(tmp_path_factory.mktemp("jobs") / "genesis.csv", bundled_rows("kjv", 2000))
    return CorpusSpec(paths=[str(path)], label_columns=["testament"], title="Genesis")


@pytest.fixture(autouse=True)
def no_stray_workers(store):
    """A failing test must not leave a 1,000-epoch worker running."""
    yield
    for job in list_jobs(store, active=True):
        job.cancel(grace=1)


def wait_for_epoch(job, timeout=60):
    deadline = time.monotonic() + timeout
    while not job.events(stage="training"):
        assert job.status().active, job.status()
        assert time.monotonic() < deadline, "no epoch reported in time"
        time.sleep(0.05)


# -- a job's life ----------------------------------------------------------------------------------
def test_a_job_trains_saves_the_model_and_reports_each_epoch(store, tiny_corpus):
    job = start_training(store, tiny_corpus, TrainingParameters(**TINY), "genesis", owner="alice")
    assert job.status().state in ("queued", "running")
    status = job.wait(timeout=120)
    assert status.state == "done", (status, job.log())
    assert status.model == "genesis" and "saved" in status.message
    assert status.pid and status.started and status.ended
    meta = store.meta("genesis")
    assert meta["job"] == job.id
    assert meta["parameters"]["dim"] == 10 and meta["dim"] == 10
    assert meta["corpus"]["label_columns"] == ["testament"]
    epochs = job.events(stage="training")
    assert [e["epoch"] for e in epochs] == [1, 2]
    assert all(e["loss"] is not None and e["words_per_second"] > 0 for e in epochs)
    assert job.spec()["corpus"]["title"] == "Genesis"
    assert get_job(store, job.id) == job and list_jobs(store) == [job]
    assert not process_alive(status.pid, status.pid_start)
    with pytest.raises(StoreError, match="already exists"):
        start_training(store, tiny_corpus, TrainingParameters(**TINY), "genesis", owner="alice")
    assert "owner" not in meta   # no logins: nobody owns it


def test_a_logged_in_users_training_is_hers_and_private(store, tiny_corpus):
    job = start_training(store, tiny_corpus, TrainingParameters(**TINY), "hers", owner="u123", model_owner="alice")
    assert job.wait(timeout=120).state == "done", job.log()
    assert store.meta("hers")["owner"] == "alice" and store.meta("hers")["shared"] is False


def test_cancel_stops_the_process_and_saves_no_model(store, tiny_corpus):
    job = start_training(store, tiny_corpus, TrainingParameters(**LONG), "never", owner="alice")
    with pytest.raises(StoreError, match="already running"):
        start_training(store, tiny_corpus, TrainingParameters(**TINY), "never", owner="bob")
    wait_for_epoch(job)
    pid, start = job.status().pid, job.status().pid_start
    status = job.cancel()
    assert status.state == "cancelled" and "not saved" in status.message
    assert not process_alive(pid, start)
    assert registry._exit_status(job.id) is not None  # the worker has ended: nothing can write later
    assert job.status().state == "cancelled"
    assert not store.exists("never") and store.names() == []
    assert job.cancel().state == "cancelled"  # cancelling twice is harmless

    early = start_training(store, tiny_corpus, TrainingParameters(**TINY), "early", owner="alice")
    assert early.cancel().state == "cancelled"  # before its worker even wrote its pid
    assert registry._exit_status(early.id) is not None  # cancel returned after the worker ended
    assert early.status().state == "cancelled" and not store.exists("early")


def test_a_killed_worker_is_reported_interrupted_and_the_store_is_unchanged(store, tiny_corpus):
    store.save("before", Vectors(["a", "b"], np.eye(2, dtype=np.float32), [2, 1]))
    job = start_training(store, tiny_corpus, TrainingParameters(**LONG), "killed", owner="alice")
    wait_for_epoch(job)
    status = job.status()
    os.kill(status.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while process_alive(status.pid, status.pid_start):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    after = job.status()
    assert after.state == "interrupted" and "not saved" in after.message
    assert json.loads((job.folder / STATUS_FILE).read_text())["state"] == "interrupted"  # settled
    assert store.names() == ["before"]
    assert list_jobs(store, active=True) == []


def test_failures_are_one_line_and_jobs_are_separated_by_owner(store, tiny_corpus):
    # Two failing jobs run side by side (each worker takes seconds just to import gensim).
    bad = CorpusSpec.from_dict(tiny_corpus.to_dict() | {"text_column": "no_such_column"})
    broken = start_training(store, bad, TrainingParameters(**TINY), "broken", owner="alice")
    raced = start_training(store, tiny_corpus, TrainingParameters(**TINY), "raced", owner="bob")
    store.save("raced", Vectors(["a", "b"], np.eye(2, dtype=np.float32), [2, 1]))  # before its worker is up
    assert list_jobs(store, owner="alice") == [broken]
    assert list_jobs(store, owner="bob") == [raced]
    assert set(list_jobs(store)) == {broken, raced}
    assert broken.owner == "alice" and raced.spec()["owner"] == "bob"

    status = broken.wait(timeout=120)
    assert status.state == "failed"
    assert "has no column 'no_such_column'" in status.message and "\n" not in status.message
    assert "Traceback" not in status.message
    assert not store.exists("broken")

    status = raced.wait(timeout=120)
    assert status.state == "failed" and "already exists" in status.message
    assert "job" not in store.meta("raced")  # the other model is untouched
    assert list_jobs(store, active=True) == []
    broken.remove()
    assert list_jobs(store) == [raced]


def test_missing_files_and_bad_parameters_are_refused_before_any_process(store, tiny_corpus, tmp_path):
    with pytest.raises(CorpusError, match="no such file"):
        start_training(store, CorpusSpec(paths=[str(tmp_path / "gone.csv")]), TrainingParameters(), "x",
                       "alice")
    with pytest.raises(ParameterError, match="epochs"):
        start_training(store, tiny_corpus, TrainingParameters(epochs=0), "x", "alice")
    with pytest.raises(StoreError, match="invalid model name"):
        start_training(store, tiny_corpus, TrainingParameters(), "../x", "alice")
    with pytest.raises(ParameterError, match="session id"):
        start_training(store, tiny_corpus, TrainingParameters(), "x", "../alice")
    assert list_jobs(store) == []


def test_a_reused_pid_does_not_count_as_the_worker():
    start = process_start_time(os.getpid())
    assert process_alive(os.getpid(), start)
    assert not process_alive(os.getpid(), str(start + 1.0))  # same pid, another process (a second later)
    assert not process_alive(2**22 + 12345, start)


def fake_job(store, job_id, status):
    folder = store.home / ".jobs" / job_id
    folder.mkdir(parents=True)
    (folder / "job.json").write_text(json.dumps({"kind": "train", "model": "m", "owner": "alice"}))
    (folder / STATUS_FILE).write_text(json.dumps(status))
    return Job(folder)


def test_a_worker_killed_after_saving_its_model_is_done(store):
    gone = {"state": "running", "pid": 2**22 + 12345, "pid_start": "1",
            "created": "2000-01-01T00:00:00+00:00"}
    job = fake_job(store, "20000101-000000-0000cafe", gone)
    store.save("m", Vectors(["a", "b"], np.eye(2, dtype=np.float32), [2, 1]), {"job": job.id})
    assert job.status().state == "done"
    other = fake_job(store, "20000101-000001-0000beef", gone)  # same model name, not its model
    assert other.status().state == "interrupted"


def test_a_worker_that_never_reported_is_interrupted(store, tiny_corpus):
    folder = store.home / ".jobs" / "20000101-000000-deadbeef"
    folder.mkdir(parents=True)
    (folder / "job.json").write_text(json.dumps({"kind": "train", "model": "m", "owner": "alice"}))
    (folder / STATUS_FILE).write_text(json.dumps({"state": "queued", "created": "2000-01-01T00:00:00+00:00"}))
    assert Job(folder).status().state == "interrupted"


# -- uploads ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [
    ("notes.txt", "notes.txt"),
    ("../../etc/passwd.csv", "passwd.csv"),
    ("C:\\Users\\me\\Bible (KJV).CSV.GZ", "Bible_KJV.CSV.GZ"),
    ("  café résumé.jsonl", "cafe_resume.jsonl"),
    (".hidden.tsv", "hidden.tsv"),
    ("archive.zip", "archive.zip"),
    ("a..b.txt.gz", "a.b.txt.gz"),
])
def test_upload_names_are_sanitised_and_keep_their_suffixes(name, expected):
    assert sanitise_name(name) == expected


@pytest.mark.parametrize("name", ["program.exe", "sheet.xlsx", "README", "..", "data.zip.gz"])
def test_upload_names_without_an_accepted_kind_are_refused(name):
    with pytest.raises(CorpusError, match="unsupported corpus file type"):
        sanitise_name(name)


def test_uploads_above_the_size_limit_are_refused(home, monkeypatch):
    monkeypatch.setenv("EMBEDVIZ_MAX_UPLOAD_MB", "1")
    with pytest.raises(CorpusError, match="larger than the limit of 1 MB"):
        save_upload("alice", "big.txt", b"x" * (1024 * 1024 + 1))
    save_upload("alice", "fits.txt", b"x" * (1024 * 1024))
    with pytest.raises(CorpusError, match="empty"):
        save_upload("alice", "empty.txt", b"")
    assert [p.name for p in list_uploads("alice")] == ["fits.txt"]


def test_each_session_sees_only_its_own_uploads(home):
    path = save_upload("alice", "my notes.txt", b"In the beginning.\n")
    assert path == home / ".uploads" / "alice" / "my_notes.txt"
    assert path.read_bytes() == b"In the beginning.\n"
    save_upload("bob", "other.csv", b"text\nhello world\n")
    assert [p.name for p in list_uploads("alice")] == ["my_notes.txt"]
    assert [p.name for p in list_uploads("bob")] == ["other.csv"]
    assert list_uploads("carol") == []
    with pytest.raises(CorpusError, match="no uploaded file"):
        upload_path("alice", "other.csv")
    with pytest.raises(CorpusError, match="no uploaded file"):
        upload_path("alice", "../bob/other.csv")
    with pytest.raises(ParameterError):
        uploads_dir("../bob")
    spec = upload_spec("bob", "other.csv")
    assert spec.source == "upload:other.csv" and spec.corpus().statistics().tokens == 2
    save_upload("alice", "my notes.txt", b"replaced\n")  # the same name replaces the file
    assert path.read_bytes() == b"replaced\n" and len(list_uploads("alice")) == 1


def test_a_corpus_choice_is_remembered_per_owner_and_only_for_its_own_files(home):
    assert load_choice("alice") is None
    kjv = bundled_spec("kjv", label_columns=["book"])
    save_choice("alice", kjv)
    assert load_choice("alice") == kjv and load_choice("bob") is None
    bobs = upload_spec("bob", save_upload("bob", "b.txt", b"hello there\n").name)
    save_choice("alice", bobs)  # a choice naming another owner's file is not honoured
    assert load_choice("alice") is None
    save_choice("bob", bobs)
    assert load_choice("bob") == bobs
    old = time.time() - 40 * 86400
    for path in [uploads_dir("bob"), *uploads_dir("bob").iterdir()]:
        os.utime(path, (old, old))
    assert prune_uploads(older_than_days=30) == 1
    assert list_uploads("bob") == [] and load_choice("alice") is None


def test_bundled_corpora_and_specs_round_trip():
    kjv = bundled_spec("kjv")
    assert kjv.label_columns == ["testament", "group", "book"]
    assert bundled_spec("shakespeare").label_columns == ["genre", "work"]
    assert CorpusSpec.from_dict(json.loads(json.dumps(kjv.to_dict()))) == kjv
    assert kjv.stem() == "kjv" and kjv.size() > 1_000_000
    with pytest.raises(CorpusError, match="no bundled corpus"):
        bundled_spec("bible")


# -- figures of a training -------------------------------------------------------------------------
def test_zipf_figure_is_log_log_and_stays_small():
    figure = zipf_figure(np.arange(100_000, 0, -1))
    assert figure.layout.xaxis.type == "log" and figure.layout.yaxis.type == "log"
    words = figure.data[0]
    assert len(words.x) <= 2000 and words.x[0] == 1 and words.x[-1] == 100_000
    assert list(zipf_figure([3, 1, 2]).data[0].y) == [3, 2, 1]


def test_loss_figure_draws_the_loss_or_says_there_is_none():
    history = [{"stage": "training", "epoch": 1, "loss": 9.0, "words_per_second": 5.0},
               {"stage": "training", "epoch": 2, "loss": 7.0, "words_per_second": 6.0},
               {"stage": "done", "epoch": 2}]
    figure = loss_figure(history, epochs=10)
    assert list(figure.data[0].y) == [9.0, 7.0] and list(figure.layout.xaxis.range) == [0.5, 10.5]
    fasttext = loss_figure([{**h, "loss": None} for h in history[:2]])
    assert list(fasttext.data[0].y) == [5.0, 6.0] and "no loss" in fasttext.layout.title.text
    assert not loss_figure([]).data
