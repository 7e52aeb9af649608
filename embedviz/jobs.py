"""Background training jobs: each one runs in its own OS process, outside any web page.

A page switch, a reload or a closed tab never stops a training; a page only reads the job's folder
to show its progress. A job is a folder in the store's home::

    EMBEDVIZ_HOME/.jobs/<job id>/
        job.json       the spec, written once: kind ("train", "curve" or "tune"), corpus (a
                       CorpusSpec dict), parameters, target model name, owner (a session id),
                       created time; the other kinds' fields are in embedviz.job_kinds
        status.json    state, pid, process start time, one-line message, model name, times and a
                       heartbeat; always replaced whole (written beside, then os.replace)
        events.jsonl   one JSON line per progress report of the trainer (reading, vocabulary, one
                       per epoch, done), appended and flushed by the worker
        cancel         present once a cancellation was asked for
        seen           present once the owner was shown the outcome (the app selects a new model once)
        worker.log     the worker's stdout and stderr (a traceback lands here, never on a page)
        result.json    a learning curve's or a search's result (``to_dict()``), written before ``done``

States: ``queued`` (written by :func:`start_training`) -> ``running`` (the worker, with its pid) ->
``done`` | ``failed`` | ``cancelled`` (the worker, or :meth:`Job.cancel` if the worker had to be
killed). A job whose status says queued or running but whose process is gone (killed, out of memory,
machine restarted) is reported as ``interrupted``. Restarting the web server does not stop a job:
the worker runs in its own session, and the restarted server finds it through its folder. A pid can be reused by an unrelated process later,
so the worker records its process start time (``/proc/<pid>/stat``) and a pid only counts as alive
when the start time still matches; where there is no ``/proc``, a heartbeat the worker refreshes
every few seconds must be recent instead.

The model is saved atomically (:meth:`Store.save`) before the state becomes ``done``; its
``meta.json`` names the job, so a worker killed between the two is still reported ``done``.

A queued job that never wrote its pid counts as alive while the process that started it still sees
its child running, else for START_TIMEOUT seconds after its creation.

>>> from embedviz.uploads import bundled_spec
>>> parameters = TrainingParameters(epochs=5)
>>> job = start_training(Store(), bundled_spec("kjv"), parameters, "bible", owner="me")  # doctest: +SKIP
>>> job.wait().state                                                                    # doctest: +SKIP
'done'
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from .atomic import disk_message
from .errors import StoreError
from .store import Store, _write_json, check_name, now
from .train import TrainingParameters
from .uploads import CorpusSpec, check_owner

JOBS_DIR = ".jobs"
SPEC_FILE = "job.json"
STATUS_FILE = "status.json"
EVENTS_FILE = "events.jsonl"
CANCEL_FILE = "cancel"
SEEN_FILE = "seen"
LOG_FILE = "worker.log"
RESULT_FILE = "result.json"

ACTIVE_STATES = ("queued", "running")
FINAL_STATES = ("done", "failed", "cancelled", "interrupted")
#: How often the worker refreshes its heartbeat, and how stale one may be where there is no /proc.
HEARTBEAT_SECONDS = 2.0
HEARTBEAT_TIMEOUT = 30.0
#: A queued job whose worker has not reported within this time never started.
START_TIMEOUT = 120.0
#: How long :meth:`Job.cancel` lets the worker stop cleanly before killing it.
CANCEL_GRACE = 5.0
INTERRUPTED_MESSAGE = ("the training process stopped unexpectedly (killed, out of memory, or the machine "
                       "restarted); the model was not saved")

# Worker processes started by this process, so they are reaped (no zombies) once they end. Ended ones
# are kept a while (their exit status tells "killed" from "failed" before a pid was written), then
# forgotten, so a long-running server does not keep one record per training forever.
_children: dict[str, subprocess.Popen] = {}
KEEP_ENDED_CHILDREN = 32


@dataclass
class JobStatus:
    """What ``status.json`` says, after the liveness check."""

    state: str
    message: str = ""
    model: str = ""
    pid: int | None = None
    pid_start: str | None = None
    created: str | None = None
    started: str | None = None
    ended: str | None = None
    heartbeat: float | None = None
    stage: str = ""                 # the trainer's stage: reading, vocabulary, training, done
    epoch: int = 0
    epochs: int = 0

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def finished(self) -> bool:
        return self.state in FINAL_STATES

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "JobStatus":
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})


class Job:
    """A training job's folder; every method reads the folder afresh (any process may ask)."""

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

    def parameters(self) -> TrainingParameters:
        return TrainingParameters.from_dict(self.spec()["parameters"])

    def corpus_spec(self) -> CorpusSpec:
        return CorpusSpec.from_dict(self.spec()["corpus"])

    def raw_status(self) -> dict:
        """``status.json`` as written, without the liveness check."""
        return _read_json(self.folder / STATUS_FILE) or {"state": "queued"}

    def status(self) -> JobStatus:
        """The job's state; a queued or running job whose process is gone becomes ``interrupted``."""
        _reap()
        raw = self.raw_status()
        if raw.get("state") in ACTIVE_STATES and not self._alive(raw):
            raw = self._settle(raw)
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
        """The end of the worker's log (its stderr: a traceback if it crashed)."""
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
        try:
            (self.folder / SEEN_FILE).touch()
        except OSError:
            pass

    # -- acting ----------------------------------------------------------------------------------
    def cancel(self, grace: float = CANCEL_GRACE) -> JobStatus:
        """Stop the job; the model is not saved. Returns the final status.

        SIGTERM goes to the worker's process group; the worker stops, writes ``cancelled`` and exits.
        If it has not ended after ``grace`` seconds it is killed (SIGKILL) and the state is written
        here. A job that already finished keeps its state (cancelling a done job deletes nothing).
        """
        if self.status().finished:
            return self.status()
        try:
            (self.folder / CANCEL_FILE).write_text(now() + "\n")
        except OSError:
            pass
        deadline = time.monotonic() + grace
        signalled = killed = False
        while True:
            raw = self.raw_status()
            if raw.get("state") in FINAL_STATES:
                break
            if not self._alive(raw):
                break
            child = _children.get(self.id)
            # Our own child is signalled even before it has written its pid.
            pid = raw.get("pid") or (child.pid if child is not None else None)
            if pid and not signalled:
                _signal_group(pid, signal.SIGTERM)
                signalled = True
            if time.monotonic() > deadline:
                if pid and not killed:
                    _signal_group(pid, signal.SIGKILL)
                    killed = True
                    deadline = time.monotonic() + 2.0
                    continue
                break
            time.sleep(0.05)
        _reap()
        raw = self.raw_status()
        if raw.get("state") not in FINAL_STATES:
            if self._model_saved():
                raw.update(state="done", message=f"model {self.model!r} saved",
                           ended=raw.get("ended") or now())
            else:
                raw.update(state="cancelled", message="cancelled; the model was not saved", ended=now())
            self._write_status(raw)
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
    def _write_status(self, raw: dict) -> None:
        _write_json(self.folder / STATUS_FILE, raw)

    def _alive(self, raw: dict) -> bool:
        pid = raw.get("pid")
        if not pid:
            # Not started yet: alive while our own child still runs, or for a while after creation.
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

    def _settle(self, raw: dict) -> dict:
        """The final state of a job whose process is gone, written down so it stays settled."""
        # The worker may have written its final state between our read and the liveness check;
        # now that it is gone nothing else writes, so this second read is the last word.
        raw = self.raw_status()
        if raw.get("state") in FINAL_STATES or (raw.get("pid") and self._alive(raw)):
            return raw
        exit_status = _exit_status(self.id)
        if self._model_saved():
            raw.update(state="done", message=f"model {self.model!r} saved")
        elif self.cancel_requested:
            raw.update(state="cancelled", message="cancelled; the model was not saved")
        elif not raw.get("pid") and exit_status is not None and exit_status >= 0:
            # It exited by itself before reporting (an import error...). One killed by a signal
            # before it reported is interrupted, like any other killed worker.
            raw.update(state="failed", message="the training process could not start; see "
                                               f"{self.folder / LOG_FILE}")
        else:
            raw.update(state="interrupted", message=INTERRUPTED_MESSAGE)
        raw["ended"] = raw.get("ended") or now()
        try:
            self._write_status(raw)
        except OSError:
            pass
        return raw


# -- starting and listing ------------------------------------------------------------------------
def jobs_dir(store: Store) -> Path:
    return store.home / JOBS_DIR


def start_training(store: Store, corpus_spec: CorpusSpec | dict, parameters: TrainingParameters | dict,
                   name: str, owner: str) -> Job:
    """Start training ``name`` on ``corpus_spec`` in a new background process; return the job.

    Refuses (:class:`StoreError`) a bad name, a name already in the store, and a name another
    active job is already training. The corpus files are checked before the process starts; the
    rest (columns, encoding, too little text) shows up as a ``failed`` job with a one-line message.
    """
    check_name(name)
    check_owner(owner)
    if store.exists(name):
        raise StoreError(f"a model named {name!r} already exists; choose another name or delete it")
    for job in list_jobs(store, active=True):
        if job.model == name:
            raise StoreError(f"a training of a model named {name!r} is already running; "
                             "wait for it or choose another name")
    if isinstance(parameters, dict):
        parameters = TrainingParameters.from_dict(parameters)
    parameters.validate()
    if isinstance(corpus_spec, dict):
        corpus_spec = CorpusSpec.from_dict(corpus_spec)
    corpus_spec = CorpusSpec.from_dict(corpus_spec.to_dict())
    corpus_spec.paths = [str(Path(p).resolve()) for p in corpus_spec.paths]
    corpus_spec.corpus()  # missing files, unknown kinds, bad options: refused now, not in the job

    return launch(store, {"kind": "train", "corpus": corpus_spec.to_dict(),
                          "parameters": parameters.to_dict()}, name, owner)


def launch(store: Store, payload: dict, name: str, owner: str) -> Job:
    """Write a new job folder (``payload`` plus model, owner, created) and start its worker process.

    The caller has checked ``payload`` (see :func:`start_training`, :mod:`embedviz.job_kinds`);
    ``name`` may be empty for a job that saves no model (a learning curve).
    """
    check_owner(owner)
    prune_jobs(store)  # folders of jobs that ended a month ago
    created = now()
    job_id = time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:8]
    folder = jobs_dir(store) / job_id
    job = Job(folder)
    try:
        folder.mkdir(parents=True)
        _write_json(folder / SPEC_FILE, {**payload, "model": name, "owner": owner, "created": created})
        job._write_status({"state": "queued", "model": name, "message": "waiting for the worker process",
                           "created": created})
        (folder / EVENTS_FILE).touch()
    except OSError as exc:
        # A job folder that could not be written whole is removed, so it is never listed.
        shutil.rmtree(folder, ignore_errors=True)
        raise StoreError(disk_message(exc, f"starting the job (in {jobs_dir(store)})")) from None
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    try:
        _forget_ended_children()
        with open(folder / LOG_FILE, "ab") as log:
            _children[job_id] = subprocess.Popen(
                [sys.executable, "-m", "embedviz.worker", str(folder)], cwd=str(folder), env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    except OSError as exc:
        message = f"cannot start the worker process: {exc.strerror or exc}"
        job._write_status({"state": "failed", "model": name, "message": message, "created": created,
                           "ended": now()})
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


# -- processes -----------------------------------------------------------------------------------
def process_start_time(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot, from /proc), None if it is gone.

    A zombie (ended, not yet reaped) counts as gone. Raises OSError where /proc does not exist.
    """
    if not os.path.isdir("/proc/self"):
        raise OSError("no /proc")
    try:
        with open(f"/proc/{int(pid)}/stat", encoding="ascii", errors="replace") as f:
            stat = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    if not fields or fields[0] in ("Z", "X"):
        return None
    return fields[19]


def process_alive(pid: int, start: str | None, heartbeat: float | None = None) -> bool:
    """Whether ``pid`` is still the process that recorded ``start`` (or, with no /proc, a fresh heartbeat)."""
    try:
        current = process_start_time(pid)
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return heartbeat is not None and time.time() - heartbeat < HEARTBEAT_TIMEOUT
    return current is not None and (start is None or current == start)


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _exit_status(job_id: str) -> int | None:
    """The exit status of a worker this process started (negative: killed by that signal), else None."""
    child = _children.get(job_id)
    return None if child is None else child.poll()


def _forget_ended_children(keep: int = KEEP_ENDED_CHILDREN) -> None:
    """Drop all but the ``keep`` most recently started of the workers that have ended."""
    ended = [job_id for job_id, child in _children.items() if child.poll() is not None]
    for job_id in ended[:max(0, len(ended) - keep)]:
        del _children[job_id]


def _reap() -> None:
    # poll() collects an ended child's exit status; the Popen stays, to tell "never started" apart.
    for child in _children.values():
        child.poll()


def _age(iso: str | None) -> float:
    """Seconds since an ISO time stamp (infinite if there is none)."""
    if not iso:
        return float("inf")
    import datetime as _dt

    try:
        then = _dt.datetime.fromisoformat(iso)
    except ValueError:
        return float("inf")
    return (_dt.datetime.now(_dt.timezone.utc) - then).total_seconds()


def _read_json(path: Path) -> dict | None:
    try:
        with open(path, encoding="utf-8") as f:
            value = json.load(f)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None
