"""``python -m embedviz.worker JOB_FOLDER``: run one job in this process (see embedviz.jobs).

A gensim training runs here; the other kinds (PyTorch training, learning curves, searches) run in
embedviz.job_kinds, through :meth:`Worker.emit`, :meth:`Worker.save` and :meth:`Worker.finish`.

The worker is the only writer of the job's ``status.json`` while it lives: ``running`` with its pid
and process start time, a heartbeat every few seconds, then exactly one of ``done``, ``failed`` or
``cancelled``. Every progress report of the trainer is appended to ``events.jsonl``.

SIGTERM (from :meth:`Job.cancel`) stops the training at once, unless the model is already being
saved: then the save finishes and the job is ``done``; a cancellation that comes too late saves
nothing less, and one that comes in time saves nothing at all.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import traceback

from .atomic import disk_message, is_disk_full
from .errors import EmbedvizError, StoreError
from .jobs import EVENTS_FILE, HEARTBEAT_SECONDS, STATUS_FILE, Job, process_start_time
from .store import _write_json, now
from .train import TrainingParameters, train
from .uploads import CorpusSpec


class Cancelled(BaseException):
    """Raised in the main thread by SIGTERM (a BaseException, so no ``except Exception`` eats it)."""


class Worker:
    def __init__(self, folder):
        self.job = Job(folder)
        self.status = dict(self.job.raw_status())
        self.lock = threading.Lock()
        self.saving = False     # once set, SIGTERM no longer interrupts: the model is being written
        self.stopping = False   # a first SIGTERM was acted on; later ones are ignored
        self.finished = threading.Event()

    # -- status and events -----------------------------------------------------------------------
    def write(self, **fields) -> None:
        with self.lock:
            self.status.update(fields)
            self.status["heartbeat"] = time.time()
            _write_json(self.job.folder / STATUS_FILE, self.status)

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

    def progress(self, report) -> None:
        if report.stage == "training":
            loss = f", loss {report.loss:,.0f}" if report.loss is not None else ""
            message = f"epoch {report.epoch} of {report.epochs}{loss}"
            print(f"{now()} {message}, {report.words_per_second or 0:,.0f} words/s", flush=True)
        else:
            message = {"reading": "reading and tokenising the corpus",
                       "vocabulary": "building the vocabulary",
                       "done": "saving the model"}.get(report.stage, report.stage)
        self.emit(report.to_dict(), message, stage=report.stage, epoch=report.epoch, epochs=report.epochs)

    def _on_sigterm(self, signum, frame) -> None:
        if self.saving or self.stopping:
            return
        self.stopping = True
        raise Cancelled()

    # -- the job ---------------------------------------------------------------------------------
    def run(self) -> int:
        signal.signal(signal.SIGTERM, self._on_sigterm)
        try:
            start = process_start_time(os.getpid())
        except OSError:
            start = None
        beat = threading.Thread(target=self._beat, daemon=True)
        self.events = open(self.job.folder / EVENTS_FILE, "a", encoding="utf-8")
        try:
            self.write(state="running", pid=os.getpid(), pid_start=start, started=now(),
                       message="starting")
            beat.start()
            print(f"{now()} job {self.job.id} started, pid {os.getpid()}", flush=True)
            if self.job.cancel_requested:
                raise Cancelled()
            spec = self.job.spec()
            _lower_priority()
            if spec.get("kind", "train") == "train" and spec.get("algo") is None:
                self._train_gensim(spec)
            else:
                from .job_kinds import run_job

                run_job(self, spec)
            print(f"{now()} done", flush=True)
            return 0
        except Cancelled:
            self._end("cancelled", "cancelled; the model was not saved")
            return 0
        except EmbedvizError as exc:
            self._end("failed", str(exc))
            return 1
        except MemoryError:
            self._end("failed", "out of memory: try a smaller corpus, fewer dimensions or a higher min_count")
            return 1
        except Exception as exc:  # a bug, not bad input: one line for the page, the traceback for the log
            if is_disk_full(exc):  # not a bug either: a status or result file could not be written
                self._end("failed", disk_message(exc, "the job"))
                return 1
            traceback.print_exc()
            first = " ".join(str(exc).split())[:300]
            self._end("failed", f"unexpected error ({type(exc).__name__}: {first}); "
                                f"see {self.job.folder / 'worker.log'}")
            return 1
        finally:
            self.finished.set()
            self.events.close()

    def _train_gensim(self, spec: dict) -> None:
        name, store = spec["model"], self.job.store
        corpus = CorpusSpec.from_dict(spec["corpus"]).corpus()
        parameters = TrainingParameters.from_dict(spec["parameters"]).validate()
        if store.exists(name):
            raise StoreError(f"a model named {name!r} already exists; choose another name or delete it")
        result = train(corpus, parameters, progress=self.progress)
        self.save(name, result.vectors, result.meta())

    def save(self, name: str, vectors, meta: dict, extra: dict | None = None, message: str | None = None) -> None:
        """Save the model (no longer cancellable from here on) and write ``done``."""
        self.start_saving()
        meta = {**meta, "job": self.job.id}
        self.job.store.save(name, vectors, meta, extra=extra)  # refuses if the name was taken meanwhile
        self.finish(message or f"model {name!r} saved: {len(vectors):,} words, {vectors.dim} dimensions",
                    saved=True)

    def start_saving(self) -> None:
        """From here on SIGTERM no longer interrupts; a cancellation asked for before still counts."""
        self.saving = True
        if self.job.cancel_requested:
            self.saving = False
            raise Cancelled()

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
        print(f"{now()} {state}: {message}", flush=True)
        try:
            self.write(state=state, message=message, ended=now())
        except OSError as exc:
            # Nothing more can be written (a full disk): the job will read as interrupted.
            print(f"{now()} cannot write the job's status: {exc}", flush=True)


def _lower_priority() -> None:
    # Training takes every core it is given; a lower priority keeps the web server responsive.
    try:
        os.nice(5)
    except OSError:
        pass


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m embedviz.worker JOB_FOLDER", file=sys.stderr)
        return 2
    return Worker(argv[0]).run()


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # gensim's trainer threads may still be finishing an epoch after a cancellation: leave now.
    os._exit(code)
