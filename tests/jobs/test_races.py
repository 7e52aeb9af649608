"""The races of a shared server, each reproduced: sessions touching the table of live workers at
once, a worker writing after its job was settled, a cancel arriving while the model is saved, and
one session changing the vectors every session reads.

Each test failed before its fix (the table had no lock; the worker replaced status.json whole; a
cancel killed after 5 s whatever the worker was doing; the cached vectors were writable).
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from embedviz.jobs import registry
from embedviz.jobs.kinds import start_training
from embedviz.jobs.registry import Job
from embedviz.jobs.status import update_status
from embedviz.jobs.worker import Worker
from embedviz.training.gensim import TrainingParameters
from embedviz.vectors.store import SAVE_PAUSE_VARIABLE, Store

TINY = {"dim": 16, "epochs": 1, "min_count": 2, "workers": 1}


class FakeChild:
    """What the table holds, without a process: poll() says it ended with status 0."""

    pid = 0

    def poll(self):
        time.sleep(0)  # let the other thread in, as a real system call would
        return 0


def test_sessions_can_touch_the_table_of_workers_at_once(monkeypatch):
    table = {f"old-{i}": FakeChild() for i in range(300)}
    monkeypatch.setattr(registry, "_children", table)
    errors: list[BaseException] = []
    stop = threading.Event()

    def reading():  # one session's page: every status() reaps
        try:
            while not stop.is_set():
                registry._reap()
        except BaseException as exc:  # noqa: BLE001 - the race shows as "changed size during iteration"
            errors.append(exc)

    def starting():  # another session's page: launch() inserts, then forgets ended ones
        try:
            for i in range(100):
                with registry._children_lock:
                    table[f"new-{i}"] = FakeChild()
                    registry._forget_ended_children(keep=200)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    readers = [threading.Thread(target=reading) for _ in range(2)]
    for thread in readers:
        thread.start()
    starting()
    stop.set()
    for thread in readers:
        thread.join(10)
    assert not errors, errors[0]
    assert len(table) == 200


def test_a_settled_job_stays_settled_when_its_worker_writes_late(store, tmp_path):
    job = launch_without_worker(store)
    assert update_status(job.folder, state="running", pid=1) is not None
    update_status(job.folder, state="interrupted", message=registry.INTERRUPTED_MESSAGE)  # a restarted server
    worker = Worker(job.folder)
    worker.write(message="epoch 2 of 5")      # a heartbeat, late
    worker.write(state="running")             # ...and its running state
    worker.finish("model saved")              # ...and even its end
    status = job.raw_status()
    assert status["state"] == "interrupted" and status["message"] == registry.INTERRUPTED_MESSAGE
    assert worker.settled_elsewhere
    # and a final state written by the worker itself is final for everyone else too
    other = launch_without_worker(store)
    Worker(other.folder).write(state="done", message="saved")
    assert update_status(other.folder, state="interrupted") is None and other.raw_status()["state"] == "done"


def launch_without_worker(store: Store) -> Job:
    """A job folder as launch() writes it, with no process started."""
    folder = registry.jobs_dir(store) / f"job-{time.monotonic_ns()}"
    folder.mkdir(parents=True)
    registry.write_json(folder / registry.SPEC_FILE, {"kind": "train", "model": "m", "owner": "alice",
                                                      "created": registry.now()})
    registry.write_json(folder / registry.STATUS_FILE, {"state": "queued", "created": registry.now()})
    return Job(folder)


def test_a_cancel_during_the_save_lets_the_save_finish(store, small_corpus, monkeypatch):
    # Every step of the save pauses 1.5 s, so the save lasts several seconds: longer than the grace.
    monkeypatch.setenv(SAVE_PAUSE_VARIABLE, "1.5")
    job = start_training(store, {"paths": [str(small_corpus)]}, TrainingParameters(**TINY), "saved", "alice")
    deadline = time.monotonic() + 120
    while job.raw_status().get("stage") != registry.SAVING:
        assert time.monotonic() < deadline and not job.status().finished, job.log()
        time.sleep(0.05)
    status = job.cancel(grace=0.5)
    assert status.state == "done", (status, job.log())
    assert len(store.load("saved")) > 100 and store.meta("saved")["job"] == job.id


def test_the_vectors_every_session_shares_are_read_only(home):
    from embedviz.ui import cache

    Store().ensure_demo()
    vectors = cache.load_vectors("demo")
    for array in (vectors.matrix, vectors.unit, vectors.counts, vectors.top(10).matrix):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0
    assert np.isfinite(vectors.unit[0]).all()
    fresh = Store().load("demo")  # the engine's own copy stays writable
    fresh.matrix[0] = 0
