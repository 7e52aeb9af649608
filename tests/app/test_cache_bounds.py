"""What the server keeps in memory has a size bound, and the vectors are loaded once per process.

- Every Streamlit cache in embedviz/ and pages/ has ``max_entries`` (or takes no argument, so holds
  one entry), and no ``functools`` cache is unbounded: checked in the source, so a new cache
  without a bound fails here.
- The projection job registry (embedviz.ui.cache) keeps the latest ``KEPT_PROJECTIONS`` finished
  jobs, never drops a running one, and runs at most ``HEAVY_AT_ONCE`` t-SNE/UMAP at once, while a
  PCA or a result from the disk cache never waits.
- Two sessions (two AppTest runs in one process) asking for the same model share one ``Vectors``
  object, loaded once; a model replaced on disk is loaded anew.

The registry tests call embedviz.ui.cache outside a Streamlit script (``st.cache_resource`` then
keeps its entries in this process) and replace the engine's ``project`` with a stand-in that
follows its progress protocol: a report below 1 when work starts, only a final report on a cache hit.
"""

from __future__ import annotations

import ast
import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

import embedviz.space.projection
import embedviz.vectors.store
from embedviz.core.settings import PROJECT_DIR
from embedviz.vectors.store import Store
from embedviz.ui import cache

SOURCES = sorted([*(PROJECT_DIR / "embedviz").rglob("*.py"), *(PROJECT_DIR / "pages").glob("*.py"),
                  PROJECT_DIR / "app.py"])


# -- every cache has a bound ---------------------------------------------------------------------------------
def _cache_decorators(tree):
    """(function, decorator call or name, kind) for each Streamlit or functools cache decorator."""
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            name = ast.unparse(target)
            if name.split(".")[-1] in ("cache_resource", "cache_data", "lru_cache", "cache"):
                yield node, decorator, name.split(".")[-1]


def _unbounded(node, decorator, kind) -> bool:
    keywords = {k.arg: k.value for k in getattr(decorator, "keywords", [])}
    takes_arguments = bool(node.args.args or node.args.posonlyargs or node.args.kwonlyargs
                           or node.args.vararg or node.args.kwarg)
    if kind in ("cache_resource", "cache_data"):
        return takes_arguments and "max_entries" not in keywords
    if kind == "lru_cache":
        size = keywords.get("maxsize")
        if size is None and isinstance(decorator, ast.Call) and decorator.args:
            size = decorator.args[0]
        return isinstance(size, ast.Constant) and size.value is None
    return takes_arguments  # functools.cache: no bound at all


def test_every_cache_in_the_app_has_a_size_bound():
    found, unbounded = [], []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, decorator, kind in _cache_decorators(tree):
            where = f"{path.relative_to(PROJECT_DIR)}:{node.lineno} {node.name} ({kind})"
            found.append(where)
            if _unbounded(node, decorator, kind):
                unbounded.append(where)
    assert len(found) >= 4, found  # the scan sees the caches (vectors, clusters, corpus reading...)
    assert not unbounded, "caches without a size bound: " + "; ".join(unbounded)


def test_the_bound_check_catches_an_unbounded_cache():
    tree = ast.parse("import streamlit as st, functools\n"
                     "@st.cache_data\ndef a(x): ...\n"
                     "@st.cache_resource(show_spinner=False)\ndef b(x): ...\n"
                     "@functools.lru_cache(maxsize=None)\ndef c(x): ...\n"
                     "@functools.cache\ndef d(x): ...\n"
                     "@st.cache_resource(max_entries=2)\ndef e(x): ...\n"
                     "@st.cache_resource\ndef f(): ...\n"
                     "@functools.lru_cache(64)\ndef g(x): ...\n")
    verdicts = {node.name: _unbounded(node, decorator, kind) for node, decorator, kind in _cache_decorators(tree)}
    assert verdicts == {"a": True, "b": True, "c": True, "d": True, "e": False, "f": False, "g": False}


# -- the projection job registry ---------------------------------------------------------------------------
class Engine:
    """A stand-in for ``embedviz.space.projection.project``: seeds in ``blocked`` work until released."""

    def __init__(self):
        self.blocked: set[int] = set()
        self.release = threading.Event()
        self.cached: set[int] = set()
        self.lock = threading.Lock()
        self.working = 0
        self.most_at_once = 0
        self.calls: list[tuple] = []

    def __call__(self, vectors, method="pca", dims=2, top=None, *, seed=0, cache_dir=None, progress=None, **_):
        self.calls.append((method, seed))
        if seed in self.cached:  # the engine's disk cache: only the final report
            progress(1.0, "loaded from the cache")
            return ("projection", method, seed)
        progress(0.0, f"projecting with {method}")
        with self.lock:
            self.working += 1
            self.most_at_once = max(self.most_at_once, self.working)
        try:
            if seed in self.blocked:
                assert self.release.wait(30), "never released"
            return ("projection", method, seed)
        finally:
            with self.lock:
                self.working -= 1


@pytest.fixture
def engine(home, monkeypatch):
    Store().ensure_demo()
    stand_in = Engine()
    monkeypatch.setattr(embedviz.space.projection, "project", stand_in)
    cache.jobs_board.clear()
    yield stand_in
    stand_in.release.set()
    cache.jobs_board.clear()


def _wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_registry_keeps_the_latest_finished_jobs_and_every_running_one(engine, monkeypatch):
    monkeypatch.setattr(cache, "KEPT_PROJECTIONS", 3)
    engine.blocked.add(100)
    running = cache.start_projection("demo", "pca", 2, 50, seed=100)
    finished = []
    for seed in range(6):
        job = cache.start_projection("demo", "pca", 2, 50, seed=seed)
        assert job.wait(10)
        finished.append(job)
    newest = cache.start_projection("demo", "pca", 2, 50, seed=6)
    assert newest.wait(10)

    jobs = list(cache.jobs_board().jobs.values())
    assert len(jobs) == 3  # KEPT_PROJECTIONS, the running job included
    assert running in jobs and not running.done  # never dropped while it runs
    assert finished[-1] in jobs and newest in jobs
    assert not any(job in jobs for job in finished[:-1])  # the oldest finished ones are gone

    # A kept job is given back as it is; a dropped one is computed again.
    assert cache.start_projection("demo", "pca", 2, 50, seed=5) is finished[-1]
    calls = len(engine.calls)
    again = cache.start_projection("demo", "pca", 2, 50, seed=0)
    assert again is not finished[0] and again.wait(10) and again.result == ("projection", "pca", 0)
    assert len(engine.calls) == calls + 1
    assert len(cache.jobs_board().jobs) == 3

    engine.release.set()
    assert running.wait(10) and running.result == ("projection", "pca", 100)


def test_at_most_two_heavy_projections_run_at_once(engine):
    assert cache.HEAVY_AT_ONCE == 2
    engine.blocked.update({1, 2, 3})
    engine.cached.add(9)
    first, second, third = (cache.start_projection("demo", "tsne", 2, 50, seed=seed) for seed in (1, 2, 3))
    _wait_until(lambda: engine.working == 2 and third.message == cache.WAITING_MESSAGE)
    time.sleep(0.2)
    assert engine.working == 2 and not third.done  # the third waits its turn...
    # ...while a PCA, and a t-SNE the engine finds in its disk cache, do not wait.
    pca = cache.start_projection("demo", "pca", 2, 50, seed=7)
    cached = cache.start_projection("demo", "tsne", 2, 50, seed=9)
    assert pca.wait(10) and cached.wait(10)
    assert not first.done and not second.done and not third.done

    engine.release.set()
    for job in (first, second, third):
        assert job.wait(10) and job.error is None
    assert engine.most_at_once == 3  # the two t-SNEs and the PCA; never three t-SNEs
    assert third.result == ("projection", "tsne", 3)
    # The slots are given back: two more heavy jobs run at once again.
    engine.release.clear()
    engine.blocked.update({4, 5})
    more = [cache.start_projection("demo", "umap", 2, 50, seed=seed) for seed in (4, 5)]
    _wait_until(lambda: engine.working == 2)
    engine.release.set()
    assert all(job.wait(10) for job in more)


def test_a_failed_heavy_projection_gives_its_slot_back(engine, monkeypatch):
    def failing(vectors, method="pca", dims=2, top=None, *, seed=0, progress=None, **_):
        progress(0.0, "projecting")
        raise MemoryError("out of memory")

    monkeypatch.setattr(embedviz.space.projection, "project", failing)
    for seed in range(3):  # more failures than slots: each gives its slot back
        job = cache.start_projection("demo", "tsne", 2, 50, seed=seed)
        assert job.wait(10) and isinstance(job.error, MemoryError)
    monkeypatch.setattr(embedviz.space.projection, "project", engine)
    ok = [cache.start_projection("demo", "tsne", 2, 50, seed=seed) for seed in (10, 11)]
    assert all(job.wait(10) and job.error is None for job in ok)


# -- vectors loaded once per process ------------------------------------------------------------------------
@pytest.fixture
def loads(home, monkeypatch):
    """Every ``Store.load`` of a model, by name."""
    Store().ensure_demo()
    made: list[str] = []
    real = embedviz.vectors.store.Store.load

    def counted(self, name, *args, **kwargs):
        made.append(name)
        return real(self, name, *args, **kwargs)

    monkeypatch.setattr(embedviz.vectors.store.Store, "load", counted)
    cache._load.clear()
    yield made
    cache._load.clear()


def _analogies_session() -> AppTest:
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    at.switch_page("pages/analogies.py")
    at.run()
    assert not at.exception, at.exception
    assert [m.value for m in at.metric if m.label == "Answer"] == ["queen"]
    return at


def test_two_sessions_share_one_copy_of_the_vectors(loads):
    _analogies_session()
    first = cache.load_vectors("demo")
    _analogies_session()
    assert cache.load_vectors("demo") is first  # the same object: one copy in the process
    assert loads.count("demo") == 1

    # A model replaced on disk is loaded anew (its meta.json's modification time is in the key).
    time.sleep(0.01)
    store = Store()
    store.save("demo", store.load("demo"), store.meta("demo"), overwrite=True)
    loads.clear()
    replaced = cache.load_vectors("demo")
    assert replaced is not first and loads.count("demo") == 1
    assert cache.load_vectors("demo") is replaced and loads.count("demo") == 1


def test_ended_worker_records_are_bounded(monkeypatch):
    """The server keeps exit statuses of recent workers only; running ones are never forgotten."""
    from embedviz.jobs import registry as jobs
    class Child:
        def __init__(self, code):
            self.code = code

        def poll(self):
            return self.code

    children = {f"ended-{i}": Child(0) for i in range(40)}
    children["running"] = Child(None)
    children.update({f"later-{i}": Child(-9) for i in range(3)})
    monkeypatch.setattr(jobs, "_children", children)
    jobs._forget_ended_children(keep=5)
    assert list(children) == ["ended-38", "ended-39", "running", "later-0", "later-1", "later-2"]


def test_clusterings_are_shared_and_bounded(home, monkeypatch):
    Store().ensure_demo()
    cache.jobs_board.clear()
    monkeypatch.setattr(cache, "KEPT_CLUSTERS", 3)
    first = cache.start_clusters("demo", 4, top=200, seed=0)
    assert cache.start_clusters("demo", 4, top=200, seed=0) is first  # the same work, not twice
    assert len(first.result(timeout=30).names) == 4
    for seed in range(1, 6):
        cache.start_clusters("demo", 4, top=200, seed=seed).result(timeout=30)
    assert len(cache.jobs_board().clusters) == 3
    assert cache.clusters("demo", 4, top=200, seed=5) is cache.start_clusters("demo", 4, top=200, seed=5).result()
    cache.jobs_board.clear()
