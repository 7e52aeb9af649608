"""``python -m embedviz.jobs.worker JOB_FOLDER``: run one job in this process (see embedviz.jobs.registry).

Every kind of job (embedviz.jobs.kinds) runs through :meth:`Worker.emit`, :meth:`Worker.save` and
:meth:`Worker.finish`. The worker writes its job's transitions ``running`` (with its pid and
process creation time), then exactly one of ``done``, ``failed`` or ``cancelled``, through
:func:`~embedviz.jobs.registry.update_status`: a status another process has already made final
(``interrupted``, after a server restart that found it gone) stays as it is. A heartbeat every few
seconds, and every progress report is appended to ``events.jsonl``. It logs to its ``worker.log``
(Python's logging); a traceback lands there, never on a page.

SIGTERM (from :meth:`Job.cancel`) stops the job at once, unless the model is already being saved:
then the save finishes and the job is ``done``; a cancellation that comes too late saves nothing
less, and one that comes in time saves nothing at all.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time

from embedviz.core.atomic import disk_message, is_disk_full
from embedviz.core.errors import EmbedvizError
from embedviz.jobs.registry import EVENTS_FILE, Job
from embedviz.jobs.status import HEARTBEAT_SECONDS, SAVING, process_start_time, update_status
from embedviz.vectors.access import owned_by
from embedviz.vectors.store import now

log = logging.getLogger("embedviz.worker")


class Cancelled(BaseException):
    """Raised in the main thread by SIGTERM (a BaseException, so no ``except Exception`` eats it)."""


class Worker:
    def __init__(self, folder):
        self.job = Job(folder)
        self.lock = threading.Lock()  # the heartbeat thread and the main thread both write
        self.saving = False     # once set, SIGTERM no longer interrupts: the model is being written
        self.stopping = False   # a first SIGTERM was acted on; later ones are ignored
        self.finished = threading.Event()
        self.settled_elsewhere = False  # another process made the status final (see update_status)

    # -- status and events -----------------------------------------------------------------------
    def write(self, **fields) -> None:
        with self.lock:
            if update_status(self.job.folder, heartbeat=time.time(), **fields) is None:
                self.settled_elsewhere = True

    def _beat(self) -> None:
        while not self.finished.wait(HEARTBEAT_SECONDS):
            try:
                self.write()
            except OSError:
                pass  # a full disk must not kill the training; the next beat tries again

    def emit(self, event: dict, message: str, **fields) -> None:
        """Append one progress event (with its time) and show ``message`` in the status.

        Progress is best effort: a report that cannot be written (a full disk) is skipped and the
        training goes on; if the disk is still full when the model is saved, that save says so.
        """
        try:
            self.events.write(json.dumps(event | {"time": time.time()}) + "\n")
            self.events.flush()
            self.write(message=message, **fields)
        except OSError:
            pass

    def _on_sigterm(self, signum, frame) -> None:
        if self.saving or self.stopping:
            return
        self.stopping = True
        raise Cancelled()

    # -- the job ---------------------------------------------------------------------------------
    def run(self) -> int:
        from embedviz.jobs.kinds import run_job

        signal.signal(signal.SIGTERM, self._on_sigterm)
        beat = threading.Thread(target=self._beat, daemon=True)
        self.events = open(self.job.folder / EVENTS_FILE, "a", encoding="utf-8")
        try:
            self.write(state="running", pid=os.getpid(), pid_start=process_start_time(os.getpid()),
                       started=now(), message="starting")
            beat.start()
            log.info("job %s started, pid %s", self.job.id, os.getpid())
            if self.job.cancel_requested:
                raise Cancelled()
            _lower_priority()
            run_job(self, self.job.spec())
            log.info("done")
            return 0
        except Cancelled:
            self._end("cancelled", "cancelled; the model was not saved")
            return 0
        except Exception as exc:
            # An engine in other processes (Spark's JVM) is signalled with the worker and may die
            # first: what its loss raises in here is the cancellation, not a failure.
            if self.stopping or self.job.cancel_requested:
                log.info("cancelled while: %s", " ".join(str(exc).split())[:300])
                self._end("cancelled", "cancelled; the model was not saved")
                return 0
            self._end("failed", self._failure(exc))
            return 1
        finally:
            self.finished.set()
            self.events.close()

    def _failure(self, exc: Exception) -> str:
        """The one line a failed job shows."""
        if isinstance(exc, EmbedvizError):
            return str(exc)
        if isinstance(exc, MemoryError):
            return "out of memory: try a smaller corpus, fewer dimensions or a higher min_count"
        if is_disk_full(exc):  # not a bug either: a status or result file could not be written
            return disk_message(exc, "the job")
        # A bug, not bad input: one line for the page, the traceback for the log.
        log.error("the job failed", exc_info=exc)
        first = " ".join(str(exc).split())[:300]
        return f"unexpected error ({type(exc).__name__}: {first}); see {self.job.folder / 'worker.log'}"

    def save(self, name: str, vectors, meta: dict, extra: dict | None = None, message: str | None = None) -> None:
        """Save the model (no longer cancellable from here on) and write ``done``."""
        self.start_saving()
        meta = {**meta, "job": self.job.id, **owned_by(self.job.spec().get("model_owner"))}
        self.job.store.save(name, vectors, meta, extra=extra)  # refuses if the name was taken meanwhile
        self.finish(message or f"model {name!r} saved: {len(vectors):,} words, {vectors.dim} dimensions",
                    saved=True)

    def start_saving(self) -> None:
        """From here on SIGTERM no longer interrupts (and a cancel waits for the save to end); a
        cancellation asked for before still counts."""
        self.saving = True
        if self.job.cancel_requested:
            self.saving = False
            raise Cancelled()
        self.write(stage=SAVING, saving_since=time.time(), message="saving the model")

    def finish(self, message: str, saved: bool = False) -> None:
        """Write ``done``. ``saved``: the job's model is in the store (its meta.json names this job)."""
        try:
            self.write(state="done", stage="done", ended=now(), message=message)
        except OSError:
            if not saved:
                raise
            # A full disk now cannot undo the save: the job reads as done from its model anyway.

    def _end(self, state: str, message: str) -> None:
        self.stopping = True  # no Cancelled from here on
        log.info("%s: %s", state, message)
        try:
            self.write(state=state, message=message, ended=now())
        except OSError as exc:
            # Nothing more can be written (a full disk): the job will read as interrupted.
            log.warning("cannot write the job's status: %s", exc)


def _lower_priority() -> None:
    # Training takes every core it is given; a lower priority keeps the web server responsive.
    try:
        os.nice(5)
    except OSError:
        pass


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m embedviz.jobs.worker JOB_FOLDER", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(asctime)s %(levelname)s %(message)s")
    return Worker(argv[0]).run()


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # gensim's trainer threads may still be finishing an epoch after a cancellation: leave now.
    os._exit(code)
