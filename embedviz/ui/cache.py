"""Cached access to the engine for the pages.

Vectors are loaded once per process (``st.cache_resource``), shared by every session; the key includes
the model folder's modification time, so a replaced model is reloaded. Projections are cached on disk by
the engine and in memory here, so a rerun with the same parameters costs nothing; they are computed in
a background thread (:class:`ProjectionJob`), so a page can show their progress and a rerun never
kills them.

Everything kept here is bounded, so that many sessions cannot grow the server without end: the
vectors of at most 8 models, :data:`KEPT_CLUSTERS` clusterings, the :data:`KEPT_PROJECTIONS`
latest finished projections, and at most :data:`HEAVY_AT_ONCE` t-SNE or UMAP computations at once.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor, TimeoutError

import streamlit as st

from embedviz.core.errors import EmbedvizError
from embedviz.vectors.store import META_FILE, Store


def store() -> Store:
    return Store()


def model_stamp(name: str) -> float:
    try:
        return os.stat(store().path(name) / META_FILE).st_mtime
    except OSError:
        return 0.0


@st.cache_resource(max_entries=8, show_spinner="Loading the vectors...")
def _load(home: str, name: str, stamp: float):
    return Store(home).load(name).freeze()  # shared by every session: read-only


def load_vectors(name: str):
    """The vectors of model ``name``, loaded once per process."""
    s = store()
    return _load(str(s.home), name, model_stamp(name))


@st.cache_resource(max_entries=8, show_spinner=False)
def _subset(home: str, name: str, stamp: float, words: tuple[str, ...]):
    return _load(home, name, stamp).subset(words)


def space_of(name: str, words: tuple[str, ...] | None = None):
    """Model ``name``'s vectors, or only ``words`` of them (most frequent first), shared per process."""
    if not words:
        return load_vectors(name)
    s = store()
    return _subset(str(s.home), name, model_stamp(name), tuple(words))


def projection(name: str, method: str = "pca", dims: int = 2, top: int | None = None, **params):
    """A projection of model ``name`` (engine disk cache + an in-memory cache per process).

    Waits for it; see :func:`start_projection` to show progress while it is computed.
    """
    return start_projection(name, method, dims, top, **params).get()


# -- projections computed in the background ------------------------------------------------------------
#: Projections kept in memory per process (finished ones; the oldest is dropped first).
KEPT_PROJECTIONS = 32
#: t-SNE and UMAP computations at once per process. Each takes a core or more and memory in
#: proportion to its words, so one more waits its turn: a session that asks for several in a row, or
#: many sessions at once, cannot start them all together. A result from the engine's disk cache
#: never waits, nor does a PCA (seconds, even for the whole vocabulary).
HEAVY_AT_ONCE = 2
HEAVY_METHODS = ("tsne", "umap")
WAITING_MESSAGE = "waiting for another t-SNE or UMAP on this server to finish"


class ProjectionJob:
    """A projection computed in a thread of the server process, not in the page script.

    A rerun of the page (a click anywhere) or a page switch stops the script, never the job: the
    next run finds the same job, still running or done. The coordinates come first (``coords``:
    set as soon as they exist, so the page can draw the map), the trustworthiness second; ``done``
    once both are there. ``fraction`` and ``message`` are the engine's latest progress report;
    ``result`` (the projection, its trustworthiness None until measured) or ``error`` is set.
    """

    def __init__(self, vectors, cache_dir, method: str, dims: int, top: int | None, params: dict,
                 slots: threading.Semaphore | None = None):
        self.description = f"{method} {dims}D of {'all' if top is None else f'the top {top:,}'} words"
        self.method = method
        self.fraction = 0.0
        self.message = "starting"
        self.result = None
        self.error: BaseException | None = None
        self.started = time.monotonic()
        self.finished: float | None = None
        self.coords_at: float | None = None
        self._arguments = (vectors, cache_dir, method, dims, top, params)
        self.coords = threading.Event()
        self._slots, self._holding = slots, False  # see HEAVY_AT_ONCE
        self.future: Future | None = None

    def start(self, executor) -> "ProjectionJob":
        self.future = executor.submit(self._run)
        return self

    def _run(self) -> None:
        from embedviz.space import projection as engine  # looked up at run time (tests replace it)

        vectors, cache_dir, method, dims, top, params = self._arguments
        self._umap = method == "umap"
        try:
            result = engine.project(vectors, method=method, dims=dims, top=top, cache_dir=cache_dir,
                                    progress=self._progress, trust=False, **params)
            self._release()  # the heavy part is over: the trustworthiness is a few seconds
            self.result, self.coords_at = result, time.monotonic()
            self.coords.set()
            if getattr(result, "trustworthiness", 0.0) is None:
                engine.measure_trust(result, vectors, self._progress)
        except BaseException as exc:  # noqa: BLE001 - handed to the page, which shows it
            self.error = exc
        finally:
            self._release()
            self._arguments = None  # do not keep the vectors alive through the job
            self.finished = time.monotonic()
            self.coords.set()

    def _release(self) -> None:
        if self._holding:
            self._slots.release()
            self._holding = False

    def _progress(self, fraction: float, message: str) -> None:
        # The engine reports the start of the work (a fraction below 1) only when the result is not
        # in its disk cache: that is when a heavy job takes one of the slots, waiting if need be.
        if fraction < 0.8 and not self.coords.is_set() and getattr(self, "_umap", False):
            # only a UMAP that is really fitted waits for the compilation: one read from the disk
            # cache (the demo's Home map) never reaches here, so it is drawn at once
            self._umap = False
            self.message = "waiting for UMAP's code to be compiled (once per server start)"
            warm_up_umap().wait()
        if self._slots is not None and not self._holding and fraction < 0.8 and not self.coords.is_set():
            if not self._slots.acquire(blocking=False):
                self.message = WAITING_MESSAGE
                self._slots.acquire()
            self._holding = True
        self.fraction, self.message = float(fraction), message

    @property
    def done(self) -> bool:
        return self.future is not None and self.future.done()

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds (None: until done); True if the job is done."""
        try:
            self.future.result(timeout)
        except TimeoutError:
            return False
        return True

    def wait_coords(self, timeout: float | None = None) -> bool:
        """Wait until the coordinates (or an error) are there; True if they are."""
        return self.coords.wait(timeout)

    def get(self):
        """The projection, once done; raises the engine's error if it failed."""
        self.wait()
        if self.error is not None:
            raise self.error
        return self.result


class _Jobs:
    def __init__(self):
        self.lock = threading.Lock()
        self.jobs: OrderedDict[tuple, ProjectionJob] = OrderedDict()
        self.heavy = threading.BoundedSemaphore(HEAVY_AT_ONCE)
        self.clusters: OrderedDict[tuple, Future] = OrderedDict()
        self.evaluations: dict[tuple, Future] = {}
        self.comparisons: OrderedDict[tuple, Future] = OrderedDict()
        self.documents: OrderedDict[tuple, Future] = OrderedDict()
        # Heavy jobs beyond HEAVY_AT_ONCE wait for a slot inside their thread (with a message the
        # page shows), so the pool is larger: a PCA or a cached result never queues behind them.
        self.executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="embedviz-projection")


@st.cache_resource(show_spinner=False)
def jobs_board() -> _Jobs:
    return _Jobs()


def start_projection(name: str, method: str = "pca", dims: int = 2, top: int | None = None,
                     words: tuple[str, ...] | None = None, **params) -> ProjectionJob:
    """The job computing this projection of model ``name`` (of its ``top`` most frequent words, or
    of ``words`` alone: a selection projected again): the same job for the same model and
    parameters (running or done) for every session of this process, else a new one, started.

    A job that failed for a reason other than the user's input is started again.
    """
    s = store()
    vectors = space_of(name, words)
    if top is not None and top >= len(vectors):
        top = None  # the whole vocabulary, however it was asked for
    key = (str(s.home), name, model_stamp(name), method, dims, top, words, tuple(sorted(params.items())))
    board = jobs_board()
    with board.lock:
        job = board.jobs.get(key)
        if job is not None and not (job.done and job.error is not None
                                    and not isinstance(job.error, EmbedvizError)):
            board.jobs.move_to_end(key)
            return job
        job = ProjectionJob(vectors, s.cache_dir(name), method, dims, top, dict(params),
                            slots=board.heavy if method in HEAVY_METHODS else None)
        board.jobs[key] = job
        finished = [k for k, j in board.jobs.items() if j.done]
        for old in finished[: max(0, len(board.jobs) - KEPT_PROJECTIONS)]:
            del board.jobs[old]
    return job.start(board.executor)


# -- UMAP's compilation, once per process ------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def warm_up_umap():
    """The compilation of UMAP's numba code, started once per server process in the background
    (see :func:`embedviz.space.projection.warm_up_umap`); a :class:`~embedviz.space.projection.WarmUp`."""
    from embedviz.figures import raster
    from embedviz.space.projection import WarmUp

    return WarmUp(also=[raster.warm_up]).start()


# -- clusters ------------------------------------------------------------------------------------------
#: Clusterings kept in memory per process (the oldest finished one is dropped first).
KEPT_CLUSTERS = 16


def start_clusters(name: str, n_clusters: int, top: int | None = None, seed: int = 0,
                   stop_words: bool = False, words: tuple[str, ...] | None = None) -> Future:
    """k-means clusters of the ``top`` most frequent words of model ``name`` (original space), in the
    background: Explore starts them with its projection, so the two run side by side (k-means of
    100,000 words takes about as long as their PCA). The same Future for the same arguments."""
    from embedviz.space.clusters import kmeans

    s = store()
    vectors = space_of(name, words)
    if top is not None and top >= len(vectors):
        top = None
    key = (str(s.home), name, model_stamp(name), top, int(n_clusters), int(seed), bool(stop_words), words)
    board = jobs_board()
    with board.lock:
        future = board.clusters.get(key)
        if future is not None and not (future.done() and future.exception() is not None):
            board.clusters.move_to_end(key)
            return future
        chosen = vectors if top is None else vectors.top(top)
        future = board.executor.submit(kmeans, chosen, int(n_clusters), seed=int(seed), stop_words=bool(stop_words))
        board.clusters[key] = future
        finished = [k for k, f in board.clusters.items() if f.done()]
        for old in finished[: max(0, len(board.clusters) - KEPT_CLUSTERS)]:
            del board.clusters[old]
    return future


def clusters(name: str, n_clusters: int, top: int | None = None, seed: int = 0, stop_words: bool = False,
             words: tuple[str, ...] | None = None):
    """k-means clusters of the ``top`` most frequent words of model ``name`` (waits for them)."""
    return start_clusters(name, n_clusters, top, seed, stop_words, words).result()


# -- evaluations, in the background -------------------------------------------------------------------
def start_evaluation(name: str, files: tuple = ()) -> Future:
    """Score model ``name`` on the standard benchmarks (or, with ``files`` — uploads as ``(name,
    bytes)`` pairs for analogies and pairs, None where absent — on those only) in a thread of the
    server, outside the page script; the scores are merged into the model's meta.json
    (:func:`embedviz.space.scores.evaluate_model`). The same Future while one is running."""
    from embedviz.space.scores import evaluate_model
    from embedviz.ui.scores import uploaded_files

    s = store()
    key = ("evaluate", str(s.home), name, model_stamp(name), files)
    board = jobs_board()

    def run():
        with uploaded_files(*(files or (None, None))) as (analogies, pairs):
            return evaluate_model(s, name, analogies, pairs, standard=not files, vectors=load_vectors(name))

    with board.lock:
        future = board.evaluations.get(key)
        if future is None or future.done():
            future = board.executor.submit(run)
            board.evaluations[key] = future
            for old in [k for k, f in board.evaluations.items() if f.done() and k != key][:-8]:
                del board.evaluations[old]
    return future


def running_evaluations(name: str) -> list[Future]:
    board = jobs_board()
    with board.lock:
        return [f for k, f in board.evaluations.items() if k[2] == name and not f.done()]


# -- the latest projection (Models page: download its coordinates) -------------------------------------
def latest_projection(name: str):
    """The projection of model ``name`` most recently asked for in this process (by the Explore page,
    in any session) that finished without error, or None."""
    s = store()
    model = (str(s.home), name, model_stamp(name))
    board = jobs_board()
    with board.lock:
        jobs = list(board.jobs.items())
    for key, job in reversed(jobs):
        if key[:3] == model and job.done and job.error is None:
            return job.result
    return None


# -- comparisons of two models, in the background -----------------------------------------------------
#: Comparisons kept in memory per process (the oldest finished one is dropped first).
KEPT_COMPARISONS = 8


def shared_future(table: OrderedDict, key: tuple, submit) -> Future:
    """The Future under ``key`` in ``table`` (one of the board's), or ``submit(executor)``'s, kept:
    the same work for the same arguments in every session and rerun. A Future that failed for a
    reason other than the user's input is started again; the oldest finished ones are dropped."""
    board = jobs_board()
    with board.lock:
        future = table.get(key)
        if future is not None and not (future.done() and future.exception() is not None
                                       and not isinstance(future.exception(), EmbedvizError)):
            table.move_to_end(key)
            return future
        future = submit(board.executor)
        table[key] = future
        finished = [k for k, f in table.items() if f.done()]
        for old in finished[: max(0, len(table) - KEPT_COMPARISONS)]:
            del table[old]
    return future


def with_progress(executor, function, *args, **kwargs) -> Future:
    """``function`` submitted with a ``progress`` reporter; the Future's ``state["progress"]`` holds
    its latest (fraction, message)."""
    state = {"progress": (0.0, "starting")}

    def report(fraction, message):
        state["progress"] = (fraction, message)

    future = executor.submit(function, *args, progress=report, **kwargs)
    future.state = state
    return future
