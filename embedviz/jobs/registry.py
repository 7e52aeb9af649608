"""Background jobs: each one runs in its own OS process, outside any web page.

A page switch, a reload or a closed tab never stops a training; a page only reads the job's folder
to show its progress. A job is a folder in the store's home::

    EMBEDVIZ_HOME/.jobs/<job id>/
        job.json       the spec, written once: kind ("train", "curve" or "tune", see
                       embedviz.jobs.kinds), corpus (a CorpusSpec dict), parameters, target model
                       name, owner, created time
        status.json    state, pid, process start time, one-line message, stage, times, heartbeat;
                       changed only by :func:`update_status` (see below)
        status.lock    the lock that :func:`update_status` holds while it reads and writes
        events.jsonl   one JSON line per progress report (reading, vocabulary, one per epoch, done),
                       appended and flushed by the worker
        cancel         present once a cancellation was asked for
        seen           present once the owner was shown the outcome
        worker.log     the worker's log (a traceback lands here, never on a page)
        result.json    a learning curve's or a search's result (``to_dict()``), written before ``done``

The states, and who writes each transition (one writer per transition)::

    queued --(worker)--> running --(worker)--> done | failed | cancelled
       |                    |
       +--(reader, process gone)----> interrupted, or done if its model is saved
       +--(Job.cancel, worker killed)-> cancelled

Every change goes through :func:`update_status`, which holds ``status.lock`` (an ``flock``: the
server and the worker are different processes) while it reads, merges and replaces the file, and
refuses to change a final state: a worker that wakes up late after its job was settled as
``interrupted`` cannot turn it back into ``running``. The model is saved atomically
(:meth:`Store.save`) before ``done``; its ``meta.json`` names the job, so a worker killed between
the two is still reported ``done``. While the worker saves, its stage is ``saving``: a cancel then
waits for the save instead of killing it.

A pid can be reused by an unrelated process later, so the worker records its process's creation
time (psutil) and a pid only counts as alive while that still matches. A queued job that never
wrote its pid counts as alive while the process that started it still sees its child running,
else for :data:`START_TIMEOUT` seconds after its creation.

>>> job = start_training(Store(), bundled_spec("kjv"), {"epochs": 5}, "bible", owner="me")  # doctest: +SKIP
>>> job.wait().state                                                                       # doctest: +SKIP
'done'
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path


from embedviz.core.atomic import disk_message, write_json
from embedviz.core.errors import StoreError
from embedviz.jobs.status import (ACTIVE_STATES, FINAL_STATES, SAVING, STATUS_FILE,
                                  JobStatus, _age, _read_json, _signal_group, process_alive,
                                  update_status)
from embedviz.text.uploads import check_owner
from embedviz.vectors.store import Store, now

JOBS_DIR = ".jobs"
SPEC_FILE = "job.json"
EVENTS_FILE = "events.jsonl"
CANCEL_FILE = "cancel"
SEEN_FILE = "seen"
LOG_FILE = "worker.log"
RESULT_FILE = "result.json"

#: A queued job whose worker has not reported within this time never started.
START_TIMEOUT = 120.0
#: How long :meth:`Job.cancel` lets the worker stop cleanly before killing it, and how long it
#: waits for a save in progress to end.
CANCEL_GRACE = 5.0
SAVE_GRACE = 600.0
INTERRUPTED_MESSAGE = ("the training process stopped unexpectedly (killed, out of memory, or the machine "
                       "restarted); the model was not saved")

# Worker processes started by this process, so they are reaped (no zombies) once they end. Ended ones
# are kept a while (their exit status tells "killed" from "failed" before a pid was written), then
# forgotten, so a long-running server does not keep one record per training forever. Sessions run in
# threads of one server: every access holds the lock.
_children: dict[str, subprocess.Popen] = {}
_children_lock = threading.Lock()
KEEP_ENDED_CHILDREN = 32


class Job:
    """A job's folder; every method reads the folder afresh (any process may ask)."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.id = self.folder.name

    def __repr__(self) -> str:
        return f"Job({self.id!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, Job) and other.folder == self.folder

    def __hash__(self) -> int:
        return hash(self.folder)

    @property
    def store(self) -> Store:
        return Store(self.folder.parent.parent)

    # -- reading ---------------------------------------------------------------------------------
    def spec(self) -> dict:
        """``job.json``: kind, corpus, parameters, model, owner, created."""
        return _read_json(self.folder / SPEC_FILE) or {}

    @property
    def owner(self) -> str:
        return self.spec().get("owner", "")

    @property
    def model(self) -> str:
        return self.spec().get("model", "")

    def raw_status(self) -> dict:
        """``status.json`` as written, without the liveness check."""
        return _read_json(self.folder / STATUS_FILE) or {"state": "queued"}

    def status(self) -> JobStatus:
        """The job's state; a queued or running job whose process is gone becomes ``interrupted``."""
        _reap()
        raw = self.raw_status()
        if raw.get("state") in ACTIVE_STATES and not self._alive(raw):
            raw = self._settle()
        return JobStatus.from_dict(raw)

    def events(self, stage: str | None = None) -> list[dict]:
        """The progress reports so far (``Progress.to_dict()`` plus ``time``), oldest first.

        ``stage="training"`` keeps the per-epoch reports. A last line still being written is skipped.
        """
        try:
            with open(self.folder / EVENTS_FILE, encoding="utf-8") as f:
                text = f.read()
        except OSError:
            return []
        out = []
        for line in text.split("\n")[:-1]:  # the part after the last newline is incomplete
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if stage is None or event.get("stage") == stage:
                out.append(event)
        return out

    def latest(self) -> dict | None:
        """The most recent progress report, or None before the first."""
        events = self.events()
        return events[-1] if events else None

    def result(self) -> dict | None:
        """``result.json`` of a finished curve or search job, None before (or for a training)."""
        return _read_json(self.folder / RESULT_FILE)

    def log(self, chars: int = 4000) -> str:
        """The end of the worker's log (a traceback if it crashed)."""
        try:
            with open(self.folder / LOG_FILE, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - chars))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    @property
    def cancel_requested(self) -> bool:
        return (self.folder / CANCEL_FILE).exists()

    @property
    def seen(self) -> bool:
        """Whether the owner has been shown the outcome (see :meth:`mark_seen`)."""
        return (self.folder / SEEN_FILE).exists()

    def mark_seen(self) -> None:
        with contextlib.suppress(OSError):
            (self.folder / SEEN_FILE).touch()

    # -- acting ----------------------------------------------------------------------------------
    def cancel(self, grace: float = CANCEL_GRACE, save_grace: float = SAVE_GRACE) -> JobStatus:
        """Stop the job; the model is not saved unless it was already being saved. Returns the
        final status.

        SIGTERM goes to the worker's process group; the worker stops, writes ``cancelled`` and
        exits. If it has not ended after ``grace`` seconds it is killed (SIGKILL), unless it is
        saving its model (stage ``saving``): a save is never killed, it gets up to ``save_grace``
        seconds and the job ends ``done``. A job that already finished keeps its state.
        """
        if self.status().finished:
            return self.status()
        with contextlib.suppress(OSError):
            (self.folder / CANCEL_FILE).write_text(now() + "\n")
        deadline = time.monotonic() + grace
        signalled = killed = False
        while True:
            raw = self.raw_status()
            if raw.get("state") in FINAL_STATES or not self._alive(raw):
                break
            with _children_lock:
                child = _children.get(self.id)
            # Our own child is signalled even before it has written its pid.
            pid = raw.get("pid") or (child.pid if child is not None else None)
            if pid and not signalled:
                _signal_group(pid, signal.SIGTERM)
                signalled = True
            if raw.get("stage") == SAVING and time.time() - float(raw.get("saving_since") or 0) < save_grace:
                deadline = max(deadline, time.monotonic() + 0.2)  # a save in progress is never killed
            if time.monotonic() > deadline:
                if pid and not killed:
                    _signal_group(pid, signal.SIGKILL)
                    killed = True
                    deadline = time.monotonic() + 2.0
                    continue
                break
            time.sleep(0.05)
        _reap()

        def settled(raw):
            if self._model_saved():
                return {"state": "done", "message": f"model {self.model!r} saved", "ended": raw.get("ended") or now()}
            return {"state": "cancelled", "message": "cancelled; the model was not saved", "ended": now()}

        update_status(self.folder, settled)
        return self.status()

    def wait(self, timeout: float | None = None, poll: float = 0.1) -> JobStatus:
        """Block until the job has finished (or ``timeout`` seconds passed); return its status."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            status = self.status()
            if status.finished or (deadline is not None and time.monotonic() > deadline):
                return status
            time.sleep(poll)

    def remove(self) -> None:
        """Delete a finished job's folder (its model, if any, stays in the store)."""
        if not self.status().finished:
            raise StoreError(f"job {self.id} is still running; cancel it first")
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- internals -------------------------------------------------------------------------------
    def _alive(self, raw: dict) -> bool:
        pid = raw.get("pid")
        if not pid:
            # Not started yet: alive while our own child still runs, or for a while after creation.
            with _children_lock:
                child = _children.get(self.id)
            if child is not None:
                return child.poll() is None
            return _age(raw.get("created")) < START_TIMEOUT
        return process_alive(pid, raw.get("pid_start"), raw.get("heartbeat"))

    def _model_saved(self) -> bool:
        store, name = self.store, self.model
        try:
            return bool(name) and store.exists(name) and store.meta(name).get("job") == self.id
        except StoreError:
            return False

    def _settle(self) -> dict:
        """The final state of a job whose process is gone, written down so it stays settled."""
        exit_status = _exit_status(self.id)

        def settle(raw):
            # Read under the lock: the worker may have written its final state (or come back to
            # life: a pid that answers again) since the check that brought us here.
            if raw.get("pid") and self._alive(raw):
                return None
            if self._model_saved():
                return {"state": "done", "message": f"model {self.model!r} saved", "ended": raw.get("ended") or now()}
            if self.cancel_requested:
                return {"state": "cancelled", "message": "cancelled; the model was not saved", "ended": now()}
            if not raw.get("pid") and exit_status is not None and exit_status >= 0:
                # It exited by itself before reporting (an import error...). One killed by a signal
                # before it reported is interrupted, like any other killed worker.
                return {"state": "failed", "ended": now(),
                        "message": f"the training process could not start; see {self.folder / LOG_FILE}"}
            return {"state": "interrupted", "message": INTERRUPTED_MESSAGE, "ended": raw.get("ended") or now()}

        try:
            update_status(self.folder, settle)
        except OSError:
            pass
        return self.raw_status()


# -- starting and listing ------------------------------------------------------------------------
def jobs_dir(store: Store) -> Path:
    return store.home / JOBS_DIR


def launch(store: Store, payload: dict, name: str, owner: str) -> Job:
    """Write a new job folder (``payload`` plus model, owner, created) and start its worker process.

    The caller has checked ``payload`` (:mod:`embedviz.jobs.kinds`); ``name`` may be empty for a
    job that saves no model (a learning curve).
    """
    check_owner(owner)
    prune_jobs(store)  # folders of jobs that ended a month ago
    created = now()
    job_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
    folder = jobs_dir(store) / job_id
    job = Job(folder)
    try:
        folder.mkdir(parents=True)
        write_json(folder / SPEC_FILE, {**payload, "model": name, "owner": owner, "created": created})
        write_json(folder / STATUS_FILE, {"state": "queued", "model": name, "created": created,
                                          "message": "waiting for the worker process"})
        (folder / EVENTS_FILE).touch()
    except OSError as exc:
        # A job folder that could not be written whole is removed, so it is never listed.
        shutil.rmtree(folder, ignore_errors=True)
        raise StoreError(disk_message(exc, f"starting the job (in {jobs_dir(store)})")) from None
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    try:
        with open(folder / LOG_FILE, "ab") as log, _children_lock:
            _forget_ended_children()
            _children[job_id] = subprocess.Popen(
                [sys.executable, "-m", "embedviz.jobs.worker", str(folder)], cwd=str(folder), env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        message = f"cannot start the worker process: {exc.strerror or exc}"
        update_status(folder, state="failed", message=message, ended=now())
        raise StoreError(message) from None
    return job


def list_jobs(store: Store, owner: str | None = None, active: bool | None = None) -> list[Job]:
    """The store's jobs, newest first; only ``owner``'s if given; only (in)active ones if asked."""
    folder = jobs_dir(store)
    if not folder.is_dir():
        return []
    jobs = [Job(p) for p in sorted(folder.iterdir(), reverse=True)
            if p.is_dir() and (p / SPEC_FILE).is_file()]
    if owner is not None:
        jobs = [j for j in jobs if j.owner == owner]
    if active is not None:
        jobs = [j for j in jobs if j.status().active == active]
    return jobs


def get_job(store: Store, job_id: str) -> Job:
    folder = jobs_dir(store) / Path(str(job_id)).name
    if not (folder / SPEC_FILE).is_file():
        raise StoreError(f"no training job {job_id!r}")
    return Job(folder)


def prune_jobs(store: Store, older_than_days: float = 30) -> int:
    """Remove the folders of jobs that finished more than ``older_than_days`` ago; return how many."""
    removed = 0
    limit = older_than_days * 86400
    for job in list_jobs(store):
        status = job.status()
        if status.finished and _age(status.ended or status.created) > limit:
            job.remove()
            removed += 1
    return removed


# -- the workers this process started --------------------------------------------------------
def _exit_status(job_id: str) -> int | None:
    """The exit status of a worker this process started (negative: killed by that signal), else None."""
    with _children_lock:
        child = _children.get(job_id)
    return None if child is None else child.poll()


def _forget_ended_children(keep: int = KEEP_ENDED_CHILDREN) -> None:
    """Drop all but the ``keep`` most recently started of the workers that have ended (the caller
    holds :data:`_children_lock`)."""
    ended = [job_id for job_id, child in _children.items() if child.poll() is not None]
    for job_id in ended[:max(0, len(ended) - keep)]:
        del _children[job_id]


def _reap() -> None:
    # poll() collects an ended child's exit status; the Popen stays, to tell "never started" apart.
    with _children_lock:
        for child in _children.values():
            child.poll()


