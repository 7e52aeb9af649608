"""Nothing lost: killed trainings, server restarts and full disks leave the store consistent.

Real worker processes are killed (SIGKILL, whole process group) at seeded random moments, some of
them inside the model's atomic save (``EMBEDVIZ_TEST_SAVE_PAUSE`` stretches the real save's steps so
a kill can land between them). A full disk is simulated where the bytes are written: ``open`` hands
back a file that takes a few bytes and then fails with ENOSPC, as a real full disk does.
"""

import builtins
import csv
import errno
import gzip
import hashlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from embedviz.cli import main as cli
from embedviz.jobs import registry as jobs
from embedviz.core.errors import CorpusError, StoreError
from embedviz.jobs.kinds import start_training
from embedviz.jobs.registry import INTERRUPTED_MESSAGE, STATUS_FILE, Job, get_job, list_jobs, process_alive
from embedviz.space.projection import project
from embedviz.core.settings import DATA_DIR, PROJECT_DIR
from embedviz.vectors.store import SAVE_PAUSE_VARIABLE, Store
from embedviz.training.gensim import TrainingParameters
from embedviz.text.specs import CorpusSpec
from embedviz.text.uploads import load_choice, save_choice, save_upload, uploads_dir
from embedviz.vectors.vectors import Vectors
from embedviz.jobs.worker import Worker

QUICK = dict(dim=10, epochs=1, min_count=2, workers=1)
KILLS = 12
#: Seconds the save pauses after writing the vectors, after meta.json, and after the rename.
PAUSE = 0.15
DISK_FULL = "failed and nothing was changed; free some space and try again"


@pytest.fixture(scope="module")
def verses(tmp_path_factory) -> Path:
    """The first 500 verses of the KJV as plain text: a training takes about a second."""
    path = tmp_path_factory.mktemp("faults") / "verses.txt"
    with gzip.open(DATA_DIR / "kjv.csv.gz", "rt", encoding="utf-8", newline="") as f:
        rows = [row["text"] for _, row in zip(range(500), csv.DictReader(f))]
    path.write_text("\n\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def no_stray_workers(store):
    """A failing test must not leave a worker running."""
    yield
    for job in list_jobs(store, active=True):
        job.cancel(grace=1)


def snapshot(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """sha256 of every file under ``folder`` (hidden ones included), by relative path."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not str(p.relative_to(folder)).startswith(skip)}


def wait_while_running(worker, condition, timeout=60) -> None:
    """Wait until ``condition()`` holds, or the worker process ended."""
    deadline = time.monotonic() + timeout
    while not condition() and worker.poll() is None:
        assert time.monotonic() < deadline, "the worker never got there"
        time.sleep(0.002)


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)  # the worker leads its own process group (its own session)
    except ProcessLookupError:
        pass


# -- killed at random moments ----------------------------------------------------------------------
def test_a_training_killed_at_random_moments_never_damages_the_store(store, verses, monkeypatch):
    monkeypatch.setenv(SAVE_PAUSE_VARIABLE, str(PAUSE))  # the workers inherit it
    store.ensure_demo()
    started = time.monotonic()
    earlier = start_training(store, CorpusSpec(paths=[str(verses)]), TrainingParameters(**QUICK), "earlier",
                             owner="faults")
    assert earlier.wait(timeout=60).state == "done", earlier.log()
    duration = time.monotonic() - started
    kept = {name: snapshot(store.path(name)) for name in store.names()}
    assert set(kept) == {"demo", "earlier"}

    rng = random.Random(20240605)
    strata = KILLS // 2
    outcomes = []
    for i in range(KILLS):
        name = f"run{i}"
        job = start_training(store, CorpusSpec(paths=[str(verses)]), TrainingParameters(**QUICK), name,
                             owner="faults")
        worker = jobs._children[job.id]  # its pid is known before the worker itself writes it
        stratum = i // 2
        if i % 2 == 0:
            # On the clock: from the moment the process exists to past the end of the job.
            time.sleep(0 if i == 0 else (stratum + rng.random()) / strata * duration * 1.2)
        elif i < KILLS - 1:
            # In the save: once its temporary folder appears, anywhere in the three pauses.
            wait_while_running(worker, store.leftovers)
            time.sleep((stratum + rng.random()) / (strata - 1) * 3 * PAUSE)
        else:
            # After the rename, before the worker writes "done": the model is listed, the status not.
            wait_while_running(worker, lambda: store.exists(name))
            time.sleep(rng.random() * PAUSE / 2)
        kill_group(worker.pid)
        worker.wait(timeout=10)

        status = job.status()
        left = store.leftovers()
        outcomes.append((status.state, bool(left)))
        if status.state == "done":
            vectors = store.load(name)  # the whole model, read fully
            meta = store.meta(name)
            assert meta["job"] == job.id and len(vectors) == meta["words"] > 100
            assert vectors.matrix.shape == (meta["words"], 10) and np.isfinite(vectors.matrix).all()
            kept[name] = snapshot(store.path(name))
        else:
            assert status.state == "interrupted", (i, status)
            assert status.message == INTERRUPTED_MESSAGE
            assert not store.exists(name) and not store.path(name).exists()
        assert json.loads((job.folder / STATUS_FILE).read_text())["state"] == status.state  # settled
        assert store.check() == [], i
        assert store.names() == sorted(kept), i  # nothing half-written is listed
        assert [m["name"] for m in store.list()] == sorted(kept)
        for model, files in kept.items():
            assert snapshot(store.path(model)) == files, (i, model)
        assert store.clean() == left and store.leftovers() == [] and store.names() == sorted(kept)

    # The kills landed before the worker reported, inside the save (its temporary folder left
    # behind) and between the save and the final status.
    assert outcomes[0] == ("interrupted", False) and outcomes[1] == ("interrupted", True), outcomes
    assert outcomes[-1] == ("done", False), outcomes
    assert list_jobs(store, active=True) == []


SERVER_STARTS_A_JOB = """
import sys
from embedviz.jobs.kinds import start_training
from embedviz.vectors.store import Store
from embedviz.training.gensim import TrainingParameters
from embedviz.text.specs import CorpusSpec
parameters = TrainingParameters(dim=10, epochs=1000, min_count=2, workers=1)  # minutes: it is killed
print(start_training(Store(sys.argv[1]), CorpusSpec(paths=[sys.argv[2]]), parameters, "restarted", "faults").id)
"""

SERVER_READS_THE_JOBS = """
import json, sys
from embedviz.jobs.registry import list_jobs
from embedviz.vectors.store import Store
print(json.dumps([[job.id, job.status().state, job.status().message]
                  for job in list_jobs(Store(sys.argv[1]), owner="faults")]))
"""


def run_server(script: str, *args) -> str:
    env = dict(os.environ, PYTHONPATH=str(PROJECT_DIR))
    done = subprocess.run([sys.executable, "-c", script, *map(str, args)], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_worker_that_died_while_the_server_was_down_reads_as_interrupted(store, verses):
    job = get_job(store, run_server(SERVER_STARTS_A_JOB, store.home, verses))  # that server has exited
    pid = None
    try:
        deadline = time.monotonic() + 60
        while not (job.raw_status().get("state") == "running" and job.raw_status().get("pid")):
            assert time.monotonic() < deadline, job.log()
            time.sleep(0.05)
        raw = job.raw_status()
        pid, start = raw["pid"], raw["pid_start"]
        # A restarted server sees the worker that outlived the old one as running, not as lost.
        assert [row[:2] for row in json.loads(run_server(SERVER_READS_THE_JOBS, store.home))] == [[job.id, "running"]]

        kill_group(pid)  # the worker dies while no server is up
        deadline = time.monotonic() + 10
        while process_alive(pid, start):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert job.raw_status()["state"] == "running"  # nobody has looked since

        # The next server to start reads the job list as the Train page does.
        assert json.loads(run_server(SERVER_READS_THE_JOBS, store.home)) == [[job.id, "interrupted",
                                                                               INTERRUPTED_MESSAGE]]
        assert json.loads((job.folder / STATUS_FILE).read_text())["state"] == "interrupted"
        assert job.status().state == "interrupted" and list_jobs(store, active=True) == []
        assert store.names() == [] and store.leftovers() == []
    finally:
        if pid:
            kill_group(pid)


# -- a full disk -----------------------------------------------------------------------------------
class FullDisk:
    """A file on a disk with room for ``room`` more bytes: past them a write fails with ENOSPC."""

    def __init__(self, f, room: int):
        self._f, self._room = f, room

    def write(self, data):
        if len(data) > self._room:
            self._f.write(data[:self._room])
            self._f.flush()
            self._room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __iter__(self):
        return iter(self._f)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._f.close()


def fill_disk(monkeypatch, part: str, room: int = 40) -> None:
    """From now on, a file whose name contains ``part`` opened for writing finds the disk full."""
    real_open = builtins.open

    def open_(file, mode="r", *args, **kwargs):
        f = real_open(file, mode, *args, **kwargs)
        if isinstance(file, (str, os.PathLike)) and part in Path(file).name and set(mode) & set("wax+"):
            return FullDisk(f, room)
        return f

    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(io, "open", open_)  # what Path.write_bytes and Path.write_text call


def small(seed=0, n=20, dim=4) -> Vectors:
    rng = np.random.default_rng(seed)
    return Vectors([f"w{i}" for i in range(n)], rng.normal(size=(n, dim)), list(range(n, 0, -1)))


@pytest.mark.parametrize("overwrite", [False, True])
@pytest.mark.parametrize("where", ["vectors.npy", "vocab.json", "weights.bin", "meta.json", "rename"])
def test_a_full_disk_during_a_save_is_a_message_and_changes_nothing(store, monkeypatch, where, overwrite):
    store.ensure_demo()
    store.save("new", small(seed=1), {"trainer": "test"})
    before = snapshot(store.home)
    if where == "rename":
        real_rename = os.rename

        def rename(src, dst):
            if Path(src).name.startswith(".tmp-"):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real_rename(src, dst)

        monkeypatch.setattr(os, "rename", rename)
    else:
        fill_disk(monkeypatch, where)
    name = "new" if overwrite else "other"
    with pytest.raises(StoreError) as error:
        store.save(name, small(seed=2), {"trainer": "test"}, overwrite=overwrite, extra={"weights.bin": b"w" * 100})
    monkeypatch.undo()
    assert str(error.value) == f"the disk is full: saving model {name!r} {DISK_FULL}"
    assert snapshot(store.home) == before  # no partial folder, no temporary file, the old model as it was
    assert store.names() == ["demo", "new"] and store.check() == []
    np.testing.assert_array_equal(store.load("new").matrix, small(seed=1).matrix)


def test_a_full_disk_while_updating_or_renaming_a_model_changes_nothing(store, monkeypatch):
    store.save("alpha", small())
    before = snapshot(store.home)
    fill_disk(monkeypatch, "meta.json")
    with pytest.raises(StoreError) as error:
        store.update_meta("alpha", scores={"analogies": 0.5}, note="x" * 200)
    assert str(error.value) == f"the disk is full: updating model 'alpha' {DISK_FULL}"
    monkeypatch.undo()
    assert snapshot(store.home) == before and "scores" not in store.meta("alpha")

    def rename(src, dst):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(StoreError) as error:
        store.rename("alpha", "beta")
    monkeypatch.undo()
    assert str(error.value) == f"the disk is full: renaming model 'alpha' to 'beta' {DISK_FULL}"
    assert snapshot(store.home) == before and store.names() == ["alpha"]


def test_the_app_opens_when_the_demo_cannot_be_installed_and_installs_it_later(store, monkeypatch):
    fill_disk(monkeypatch, "vectors.npy", room=10_000)
    with pytest.warns(UserWarning, match=f"^the demo model was not installed: the disk is full: saving model "
                                         f"'demo' {DISK_FULL}$"):
        assert store.ensure_demo() is False
    monkeypatch.undo()
    assert store.names() == [] and store.leftovers() == []
    assert store.ensure_demo() is True and store.names() == ["demo"] and store.check() == []


def test_the_cli_reports_a_full_disk_in_one_line(store, verses, monkeypatch, capsys):
    store.ensure_demo()
    before = snapshot(store.home)
    fill_disk(monkeypatch, "vectors.npy", room=1000)
    code = cli.main(["--home", str(store.home), "train", str(verses), "--name", "verses", "--dim", "10",
                     "--epochs", "1", "--min-count", "2", "--workers", "1", "--quiet"])
    monkeypatch.undo()
    assert code == 1
    assert capsys.readouterr().err == f"error: the disk is full: saving model 'verses' {DISK_FULL}\n"
    assert snapshot(store.home) == before


def write_job(store: Store, verses: Path, model: str) -> Job:
    """A queued training job's folder, as :func:`embedviz.jobs.registry.launch` writes it (no process yet)."""
    folder = store.home / ".jobs" / "20000101-000000-0000f00d"
    folder.mkdir(parents=True)
    spec = {"kind": "train", "corpus": CorpusSpec(paths=[str(verses)]).to_dict(),
            "parameters": TrainingParameters(**QUICK).to_dict(), "model": model, "owner": "faults",
            "created": "2000-01-01T00:00:00+00:00"}
    (folder / "job.json").write_text(json.dumps(spec))
    (folder / STATUS_FILE).write_text(json.dumps({"state": "queued", "model": model}))
    (folder / "events.jsonl").touch()
    return Job(folder)


def test_a_worker_whose_save_finds_the_disk_full_fails_with_that_message(store, verses, monkeypatch):
    store.save("earlier", small())
    job = write_job(store, verses, "verses")
    before = snapshot(store.home, skip=(".jobs",))
    monkeypatch.setattr("embedviz.jobs.worker._lower_priority", lambda: None)  # this is the test process
    handler = signal.getsignal(signal.SIGTERM)
    fill_disk(monkeypatch, "vectors.npy", room=1000)
    try:
        assert Worker(job.folder).run() == 1  # the worker's own code, in this process
    finally:
        signal.signal(signal.SIGTERM, handler)
        monkeypatch.undo()
    status = job.status()
    assert status.state == "failed", job.log()
    assert status.message == f"the disk is full: saving model 'verses' {DISK_FULL}"
    assert [e["epoch"] for e in job.events(stage="training")] == [1]
    assert snapshot(store.home, skip=(".jobs",)) == before


def test_job_files_are_never_torn_by_a_full_disk(store, verses, monkeypatch):
    job = write_job(store, verses, "verses")
    worker = Worker(job.folder)
    worker.write(state="running", message="epoch 1 of 1")
    before = snapshot(job.folder)
    fill_disk(monkeypatch, STATUS_FILE)
    with pytest.raises(OSError):
        worker.write(message="epoch 2 of 2", note="x" * 100)
    worker._end("failed", "stopped")  # ends quietly, even when it cannot write its status
    monkeypatch.undo()
    assert snapshot(job.folder) == before  # the last status whole, no temporary file
    assert job.raw_status()["message"] == "epoch 1 of 1"

    # A job whose folder cannot be written is refused before any process starts, and not listed.
    fill_disk(monkeypatch, "job.json")
    with pytest.raises(StoreError, match=f"^the disk is full: starting the job \\(in .*\\) {DISK_FULL}$"):
        start_training(store, CorpusSpec(paths=[str(verses)]), TrainingParameters(**QUICK), "x", "faults")
    monkeypatch.undo()
    assert list_jobs(store) == [job]
    assert sorted(p.name for p in (store.home / ".jobs").iterdir()) == [job.id]


def test_uploads_survive_a_full_disk(store, monkeypatch):
    first = save_upload("alice", "notes.txt", b"In the beginning.\n", home=store.home)
    spec = CorpusSpec(paths=[str(first)], source="upload:notes.txt")
    save_choice("alice", spec, home=store.home)
    before = snapshot(uploads_dir("alice", store.home))
    fill_disk(monkeypatch, "notes.txt")
    with pytest.raises(CorpusError) as error:
        save_upload("alice", "notes.txt", b"And the earth was without form, and void.\n" * 10, home=store.home)
    assert str(error.value) == f"the disk is full: saving the upload notes.txt {DISK_FULL}"
    monkeypatch.undo()
    fill_disk(monkeypatch, "corpus.json")
    save_choice("alice", CorpusSpec(paths=[str(first)], source="upload:other", title="x" * 100), home=store.home)
    monkeypatch.undo()
    assert snapshot(uploads_dir("alice", store.home)) == before
    assert first.read_bytes() == b"In the beginning.\n" and load_choice("alice", store.home) == spec


# -- the projection cache --------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_torn_projection_cache_file_is_recomputed(tmp_path, damage):
    vectors = small(n=60, dim=8)
    first = project(vectors, "pca", 2, cache_dir=tmp_path)
    (cached,) = tmp_path.glob("*.npz")
    data = cached.read_bytes()
    cached.write_bytes({"truncated": data[:len(data) // 2], "garbage": b"PK\x03\x04 not a zip", "empty": b""}[damage])
    again = project(vectors, "pca", 2, cache_dir=tmp_path)
    assert not again.cached
    np.testing.assert_allclose(again.coords, first.coords, atol=1e-6)
    assert [p.name for p in tmp_path.iterdir()] == [cached.name]  # written whole again, nothing beside
    assert project(vectors, "pca", 2, cache_dir=tmp_path).cached


def test_a_projection_cache_that_finds_the_disk_full_is_a_warning(tmp_path, monkeypatch):
    vectors = small(n=60, dim=8)
    fill_disk(monkeypatch, ".npz")
    with pytest.warns(UserWarning, match="could not write the projection cache .*No space left on device"):
        result = project(vectors, "pca", 2, cache_dir=tmp_path)
    monkeypatch.undo()
    assert result.coords.shape == (60, 2) and not result.cached
    assert list(tmp_path.iterdir()) == []  # no torn file, no temporary file
