"""A job's status: what ``status.json`` holds, the one way it changes, and whether its process lives.

See :mod:`embedviz.jobs.registry` for the states and who writes each transition.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil

from embedviz.core.atomic import write_json

STATUS_FILE = "status.json"
LOCK_FILE = "status.lock"
ACTIVE_STATES = ("queued", "running")
FINAL_STATES = ("done", "failed", "cancelled", "interrupted")
SAVING = "saving"                  # the stage while the worker writes the model
#: How often the worker refreshes its heartbeat, and how stale one may be where a process's
#: creation time cannot be read.
HEARTBEAT_SECONDS = 2.0
HEARTBEAT_TIMEOUT = 30.0


@dataclass
class JobStatus:
    """What ``status.json`` says, after the liveness check."""

    state: str
    message: str = ""
    model: str = ""
    pid: int | None = None
    pid_start: float | None = None
    created: str | None = None
    started: str | None = None
    ended: str | None = None
    heartbeat: float | None = None
    stage: str = ""                 # the trainer's stage: reading, vocabulary, training, saving, done
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


# -- the one way a status changes --------------------------------------------------------------------
@contextlib.contextmanager
def _locked(folder: Path):
    """Hold the job's ``status.lock`` (shared by every process that changes the status)."""
    with open(folder / LOCK_FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def update_status(folder: str | os.PathLike, change=None, **fields) -> dict | None:
    """Change a job's ``status.json`` under its lock; return the new status, or None if it was final.

    ``fields`` are merged into the status; ``change`` (optional) is a function of the current
    status returning more fields, or None to leave it as it is (for a transition that depends on
    what the status says, read under the same lock). A status that is final (:data:`FINAL_STATES`)
    is never changed.
    """
    folder = Path(folder)
    with _locked(folder):
        current = _read_json(folder / STATUS_FILE) or {"state": "queued"}
        if current.get("state") in FINAL_STATES:
            return None
        more = change(current) if change is not None else {}
        if more is None:
            return current
        current.update(fields, **more)
        write_json(folder / STATUS_FILE, current)
        return current


# -- processes -----------------------------------------------------------------------------------
def process_start_time(pid: int) -> float | None:
    """When process ``pid`` was created (psutil; seconds since the epoch), None if it is gone.

    A zombie (ended, not yet reaped) counts as gone.
    """
    try:
        process = psutil.Process(int(pid))
        if process.status() in (psutil.STATUS_ZOMBIE, psutil.STATUS_DEAD):
            return None
        return process.create_time()
    except (psutil.NoSuchProcess, ValueError):
        return None


def process_alive(pid: int, start: float | None, heartbeat: float | None = None) -> bool:
    """Whether ``pid`` is still the process created at ``start`` (or, when its creation time cannot
    be read, whether its ``heartbeat`` is recent)."""
    try:
        current = process_start_time(pid)
    except psutil.AccessDenied:
        return heartbeat is not None and time.time() - heartbeat < HEARTBEAT_TIMEOUT
    if current is None:
        return False
    try:
        return start is None or abs(current - float(start)) < 0.01
    except (TypeError, ValueError):  # a start time written in another format: the heartbeat decides
        return heartbeat is not None and time.time() - heartbeat < HEARTBEAT_TIMEOUT


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


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
