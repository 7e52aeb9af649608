"""The load scenario: several browser sessions exploring and querying one server while a model trains.

Shared by tests/test_load.py (5 sessions, every figure asserted) and benchmarks/load_bench.py
(``--sessions N``, a table and ``benchmarks/results/load.json``).

- :func:`prepare_store`: a store with the demo model, its vectors repeated ``widen`` times along the
  dimension. Repeating a vector keeps every cosine, so the answers stay the demo's (``queen``,
  ``mother``, the neighbours of ``king``); the matrix becomes big enough (8 times: 11,424 x 800
  float32, 35 MB, and as much for its unit rows) that a copy per session would stand out in the
  server's memory beside what a session costs of its own (about 3 MB).
- :func:`start_training_job`: a Word2Vec training of the first verses of the KJV through the jobs
  API, under an owner no browser session has, as another user's job: every session's Train page
  counts it under "Other trainings running on this server" (without its name: it is not theirs).
- :class:`MemoryProbe`: the server's resident memory (``/proc/<pid>/status``), sampled, and its
  peak since the probe started.
- :func:`run_sessions`: N browser sessions at once (one Chromium, one browser context each, so N
  Streamlit sessions), each doing :data:`STEPS` against the server; every step is timed from the
  user's action to the answer seen, and the page is checked for exceptions after it.

The sessions run on Playwright's async API: the sync API cannot drive one browser from several
threads, and one Chromium with N contexts is much cheaper than N browsers on a small machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import statistics
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from browser_support import (NO_WARM_UP, CHROMIUM_ARGS, LARGEST_TRACE_JS, VIEWPORT, AppServer, chromium_path,
                             training_corpus)

from embedviz.jobs.kinds import start_training
from embedviz.jobs.registry import Job
from embedviz.vectors.store import DEMO_NAME, Store
from embedviz.training.gensim import TrainingParameters
from embedviz.text.specs import CorpusSpec

#: How many times the demo vectors are repeated along the dimension (see the module's docstring).
WIDEN = 8
#: The training job: its model name and owner (no browser session has this owner id).
JOB_MODEL = "load-genesis"
JOB_OWNER = "loadtest"
MAP = "[data-testid=stPlotlyChart] .js-plotly-plot"
MAP_WORDS = 5000  # the Explore page's default: the 5,000 most frequent words
NEIGHBOUR_QUERY, NEIGHBOUR_EXPECTED = "king", "queen"
#: Two expressions in a row, the second different from the page's default, so that each answer
#: seen is the answer to the expression typed.
ANALOGIES = [("father - son + daughter", "mother"), ("king - man + woman", "queen")]
#: The steps of one session, in order; each is one answer the user waits for.
STEPS = ["train page", "explore map", "neighbours", "analogy 1", "analogy 2"]
STEP_TIMEOUT = 90.0


# -- the store and the training job -----------------------------------------------------------------------
def prepare_store(home: str | Path, widen: int = WIDEN) -> Store:
    """A store at ``home`` holding the demo model, its vectors repeated ``widen`` times."""
    store = Store(home)
    store.ensure_demo()
    if widen > 1:
        demo = store.load(DEMO_NAME)
        from embedviz.vectors.vectors import Vectors

        wide = Vectors(demo.words, np.tile(demo.matrix, (1, widen)), demo.counts)
        store.save(DEMO_NAME, wide, store.meta(DEMO_NAME), overwrite=True)
    return store


def vectors_megabytes(store: Store, name: str = DEMO_NAME) -> float:
    """What one copy of a loaded model takes: its matrix and its unit rows (float32 each)."""
    meta = store.meta(name)
    return 2 * meta["words"] * meta["dim"] * 4 / 2**20


def start_training_job(store: Store, corpus: Path, epochs: int) -> Job:
    """Train :data:`JOB_MODEL` on ``corpus`` (one worker thread, so the server keeps a core)."""
    spec = CorpusSpec(paths=[str(corpus)], text_column="text", title=corpus.name)
    return start_training(store, spec, TrainingParameters(epochs=epochs, workers=1), JOB_MODEL, JOB_OWNER)


# -- memory ---------------------------------------------------------------------------------------------
def memory_mb(pid: int, field_name: str = "VmRSS") -> float:
    """A memory figure of process ``pid`` from ``/proc/<pid>/status`` in MiB (``VmRSS``: resident now,
    ``VmHWM``: the peak since the process started or its peak was last reset)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field_name} in /proc/{pid}/status")


class MemoryProbe:
    """The resident memory of process ``pid``, sampled every ``every`` seconds in a thread.

    ``peak`` is the larger of the highest sample and the kernel's own peak (``VmHWM``), which the
    probe resets when it starts where the kernel allows it (``/proc/<pid>/clear_refs``), so that the
    peak is this probe's period's, not the process's whole life's.
    """

    def __init__(self, pid: int, every: float = 0.25):
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, float]] = []
        self.kernel_peak_reset = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-probe", daemon=True)

    def __enter__(self) -> "MemoryProbe":
        try:
            with open(f"/proc/{self.pid}/clear_refs", "w") as f:
                f.write("5")  # resets VmHWM to the current VmRSS (Linux 4.0+)
            self.kernel_peak_reset = True
        except OSError:
            pass
        self.started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        with contextlib.suppress(OSError, RuntimeError):
            self.samples.append((time.monotonic() - self.started, memory_mb(self.pid)))

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(OSError, RuntimeError):
                self.samples.append((time.monotonic() - self.started, memory_mb(self.pid)))
            self._stop.wait(self.every)

    @property
    def peak(self) -> float:
        highest = max((mb for _, mb in self.samples), default=0.0)
        if self.kernel_peak_reset:
            with contextlib.suppress(OSError, RuntimeError):
                highest = max(highest, memory_mb(self.pid, "VmHWM"))
        return highest


def cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) process ``pid`` has used, from ``/proc/<pid>/stat``."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def machine_busy_seconds() -> float:
    """CPU seconds all cores of the machine have spent busy (not idle, not waiting), from ``/proc/stat``."""
    with open("/proc/stat", encoding="ascii") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


# -- one browser session ----------------------------------------------------------------------------------
@dataclass
class StepResult:
    step: str
    seconds: float | None = None     # from the user's action to the answer seen (None: no answer)
    answered_at: float | None = None  # time.time() when the answer was seen
    answer: str = ""
    error: str = ""


@dataclass
class SessionReport:
    number: int
    planned: int = 0                 # how many steps the session was to do
    steps: list[StepResult] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)   # uncaught JavaScript errors
    job_seen: str = ""               # on the Train page: "running" (counted) or "saved" (its model listed)

    @property
    def answered(self) -> int:
        return sum(1 for s in self.steps if s.seconds is not None and not s.error)

    @property
    def errors(self) -> list[str]:
        return [f"session {self.number}, {s.step}: {s.error}" for s in self.steps if s.error] + \
               [f"session {self.number}, JavaScript: {e}" for e in self.page_errors]


class _Clock:
    """Per-step timeouts that never run past the scenario's ``deadline`` (a ``time.monotonic()``)."""

    def __init__(self, deadline: float):
        self.deadline = deadline

    def left(self, at_most: float = STEP_TIMEOUT) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the scenario ran out of time")
        return min(at_most, left)


async def _wait_idle(page, clock: _Clock, settle: float = 0.3) -> None:
    """As :func:`browser_support.wait_idle`: the script seen stopped twice, ``settle`` s apart."""
    deadline = time.monotonic() + clock.left()
    calm = 0
    while time.monotonic() < deadline:
        state = await page.evaluate("() => document.querySelector('[data-testid=stApp]')"
                                    "?.getAttribute('data-test-script-state') || null")
        calm = calm + 1 if state == "notRunning" else 0
        if calm >= 2:
            return
        await asyncio.sleep(settle)
    raise AssertionError("the app still runs its script")


async def _navigate(page, title: str, path: str, clock: _Clock) -> None:
    """Click the page's link in the sidebar: the same Streamlit session, as a user moves around."""
    link = page.locator(f'[data-testid=stSidebarNav] a[href$="/{path}"]').filter(has_text=title)
    await link.first.click(timeout=clock.left() * 1000)
    await page.wait_for_url(re.compile(rf"/{re.escape(path)}/?(\?.*)?$"), timeout=clock.left() * 1000)


async def _wait_plot(page, at_least: int, clock: _Clock) -> int:
    deadline = time.monotonic() + clock.left()
    while True:
        n, ready = await page.evaluate(LARGEST_TRACE_JS, MAP)
        if n >= at_least and ready:
            return n
        if time.monotonic() > deadline:
            raise AssertionError(f"no map with {at_least:,} points (largest trace: {n:,})")
        await asyncio.sleep(0.1)


async def _type_and_enter(page, label: str, text: str, clock: _Clock) -> None:
    box = page.get_by_label(label, exact=True)
    await box.click(timeout=clock.left() * 1000)
    await box.fill(text)
    await box.press("Enter")


async def _wait_text(locator, expected: str, clock: _Clock) -> str:
    deadline = time.monotonic() + clock.left()
    seen = None
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            seen = (await locator.inner_text(timeout=1000)).strip()
            if seen == expected:
                return seen
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {expected!r}, still {seen!r}")


async def _check_clean(page) -> None:
    """No Streamlit exception box and no Python traceback on the page."""
    boxes = page.locator("[data-testid=stException]")
    if await boxes.count():
        raise AssertionError("exception on the page: " + (await boxes.first.inner_text())[:300])
    if "Traceback (most recent call last)" in await page.content():
        raise AssertionError("a Python traceback on the page")


def _answer_metric(page):
    return page.locator("[data-testid=stMetric]").filter(has_text="Answer").locator("[data-testid=stMetricValue]")


async def _grid_rows(table) -> list[list[str]]:
    """The cells of an ``st.dataframe``, row by row. The grid is drawn on a canvas; its copy of the
    cells for screen readers (a ``<table role=grid>`` inside the canvas) is written at the latest
    once the canvas has had the focus, as a screen reader's user gives it."""
    rows = table.locator("tbody tr[role=row]")
    if not await rows.count():
        await table.locator("canvas[data-testid=data-grid-canvas]").first.focus(timeout=2000)
    return [[cell.strip() for cell in await row.locator("td").all_inner_texts()] for row in await rows.all()]


async def _wait_grid_row(table, first_cell: str, clock: _Clock) -> list[str]:
    """Wait until the ``st.dataframe`` ``table`` has a row starting with ``first_cell``; return it."""
    deadline = time.monotonic() + clock.left()
    seen: list[list[str]] = []
    problem = ""
    while time.monotonic() < deadline:
        try:  # the grid may be drawn anew meanwhile: look again
            seen = await _grid_rows(table)
        except Exception as exc:  # noqa: BLE001 - reported if the row never shows
            problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        for row in seen:
            if row and row[0] == first_cell:
                return row
        await asyncio.sleep(0.2)
    raise AssertionError(f"no row {first_cell!r} in the table (rows seen: {seen[:5]}; {problem or 'no error'})")


async def _script_state(page) -> str | None:
    return await page.evaluate("() => document.querySelector('[data-testid=stApp]')"
                               "?.getAttribute('data-test-script-state') || null")


async def _train_page(page, server: AppServer, report: SessionReport, clock: _Clock) -> str:
    """Open the Train page (a new session) and see the job there: while it runs, the page counts
    it among other sessions' trainings (their names and corpora are not shown: they belong to
    their session); once it has ended, its model is in the sidebar's list of models."""
    await page.goto(f"{server.url}/train", wait_until="domcontentloaded", timeout=clock.left() * 1000)
    main = page.locator("[data-testid=stMain]")
    running = main.get_by_text(re.compile(r"^1 training of other sessions"))
    others = main.get_by_text("Other trainings running on this server", exact=True)
    start = page.get_by_role("button", name="Start training")
    deadline = time.monotonic() + clock.left()
    calm = 0
    while time.monotonic() < deadline:
        if await running.count():
            report.job_seen = "running"
            return (await running.first.inner_text()).strip()
        # Drawn to the end (the script stopped twice in a row) without a running job: it ended.
        calm = calm + 1 if await _script_state(page) == "notRunning" and await start.count() else 0
        if calm >= 2 and not await others.count():
            box = page.locator("[data-testid=stSidebar]").get_by_role("combobox", name="Model", exact=True).last
            await box.click(timeout=clock.left() * 1000)
            await page.get_by_role("option", name=JOB_MODEL, exact=True).wait_for(timeout=clock.left() * 1000)
            await page.keyboard.press("Escape")
            report.job_seen = "saved"
            return f"{JOB_MODEL} in the list of models"
        await asyncio.sleep(0.3)
    raise AssertionError("the Train page shows neither the running job nor its model")


async def _explore_map(page, server: AppServer, clock: _Clock) -> str:
    if page.url.startswith(server.url):
        await _navigate(page, "Explore", "explore", clock)
    else:  # the session's first page
        await page.goto(f"{server.url}/explore", wait_until="domcontentloaded", timeout=clock.left() * 1000)
    points = await _wait_plot(page, MAP_WORDS, clock)
    return f"{points:,} points"


async def _neighbours(page, clock: _Clock) -> str:
    await _wait_idle(page, clock)
    await _type_and_enter(page, "Find a word", NEIGHBOUR_QUERY, clock)
    caption = page.get_by_text(f"Nearest to {NEIGHBOUR_QUERY} by cosine", exact=False)
    await caption.first.wait_for(timeout=clock.left() * 1000)
    table = page.locator("[data-testid=stMain] [data-testid=stDataFrame]").first  # the neighbours
    row = await _wait_grid_row(table, NEIGHBOUR_EXPECTED, clock)
    return " | ".join(row[:3])


async def _analogy(page, number: int, clock: _Clock) -> str:
    expression, expected = ANALOGIES[number]
    if number == 0:
        await _navigate(page, "Analogies", "analogies", clock)
        await _wait_idle(page, clock)
    await _type_and_enter(page, "Expression", expression, clock)
    await _wait_text(_answer_metric(page), expected, clock)
    return f"{expression} = {expected}"


async def _session(browser, server: AppServer, number: int, clock: _Clock, steps: list[str],
                   start_delay: float = 0.0) -> SessionReport:
    report = SessionReport(number, planned=len(steps))
    await asyncio.sleep(start_delay)
    context = None
    try:
        context = await browser.new_context(viewport=VIEWPORT)
        page = await context.new_page()
        page.on("pageerror", lambda exc: None if "ResizeObserver loop" in str(exc)
                else report.page_errors.append(str(exc)))
        actions = {"train page": lambda: _train_page(page, server, report, clock),
                   "explore map": lambda: _explore_map(page, server, clock),
                   "neighbours": lambda: _neighbours(page, clock),
                   "analogy 1": lambda: _analogy(page, 0, clock),
                   "analogy 2": lambda: _analogy(page, 1, clock)}
        for step in steps:
            result = StepResult(step)
            report.steps.append(result)
            started = time.monotonic()
            try:
                result.answer = await actions[step]()
                result.seconds = time.monotonic() - started
                result.answered_at = time.time()
                await _check_clean(page)
            except Exception as exc:  # noqa: BLE001 - recorded; the session stops at its first failure
                result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:400]
                break
    except Exception as exc:  # noqa: BLE001 - the browser context could not be opened
        report.steps.append(StepResult("open", error=f"{type(exc).__name__}: {exc}"[:400]))
    finally:
        if context is not None:
            with contextlib.suppress(Exception):
                await context.close()
    return report


async def _run_sessions(server: AppServer, sessions: int, clock: _Clock, steps: list[str],
                        stagger: float) -> list[SessionReport]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path(), headless=True,
                                                   args=CHROMIUM_ARGS, timeout=clock.left(120) * 1000)
        try:
            return list(await asyncio.gather(*(
                _session(browser, server, number, clock, steps, start_delay=number * stagger)
                for number in range(1, sessions + 1))))
        finally:
            with contextlib.suppress(Exception):
                await browser.close()


def run_sessions(server: AppServer, sessions: int, deadline: float, steps: list[str] | None = None,
                 stagger: float = 0.2) -> list[SessionReport]:
    """``sessions`` browser sessions at once against ``server``, each doing ``steps`` (default
    :data:`STEPS`), all within ``deadline`` (a ``time.monotonic()``); one report per session.
    ``stagger`` seconds between the sessions' starts, as users who do not all click at once."""
    return asyncio.run(_run_sessions(server, sessions, _Clock(deadline), list(steps or STEPS), stagger))


# -- the figures -------------------------------------------------------------------------------------------
def summary(reports: list[SessionReport]) -> dict:
    """Requests, answers, errors and the time per answer, by step and overall."""
    by_step = {}
    for step in STEPS:
        times = [s.seconds for r in reports for s in r.steps if s.step == step and s.seconds is not None]
        if times:
            by_step[step] = {"answers": len(times), "median_s": round(statistics.median(times), 2),
                             "max_s": round(max(times), 2)}
    every = [s.seconds for r in reports for s in r.steps if s.seconds is not None]
    return {
        "sessions": len(reports),
        "requests": sum(len(r.steps) for r in reports),
        "answers": sum(r.answered for r in reports),
        "expected_answers": sum(r.planned for r in reports),
        "errors": [e for r in reports for e in r.errors],
        "job_seen_running_by": sum(r.job_seen == "running" for r in reports),
        "job_seen_saved_by": sum(r.job_seen == "saved" for r in reports),
        "median_answer_s": round(statistics.median(every), 2) if every else None,
        "max_answer_s": round(max(every), 2) if every else None,
        "by_step": by_step,
        "sessions_detail": [asdict(r) for r in reports],
    }


# -- the whole scenario -------------------------------------------------------------------------------------
#: The training job's corpus and length: on an idle 2-core machine it trains for about 16 s (after
#: 2-3 s starting its process), several times as long as the sessions take to open the Train page
#: (both slow down alike on a busy machine), and it ends while the sessions are still querying.
JOB_ROWS = 3000
JOB_EPOCHS = 200
#: The warm-up session's steps: every page of the scenario is imported and the shared work (the
#: vectors, their unit rows, the map's projection and clusters) done once before memory is measured.
WARMUP_STEPS = ["explore map", "neighbours", "analogy 1"]


def run_scenario(workdir: str | Path, sessions: int = 5, *, budget: float = 150.0, widen: int = WIDEN,
                 job_rows: int = JOB_ROWS, job_epochs: int = JOB_EPOCHS, log=print) -> dict:
    """Start a server on a fresh store in ``workdir``, warm it up with one session, start a
    training job, run ``sessions`` sessions at once while it trains, wait for the job; all within
    ``budget`` seconds (every wait is cut to what is left). Returns the figures: those of
    :func:`summary`, and

    - ``baseline_mb``: the server's resident memory after the warm-up (the vectors loaded, the map
      computed, the pages' imports done); ``peak_mb``: its peak while the sessions ran;
      ``growth_per_session_mb``: the difference over the number of sessions; ``vectors_mb``: what
      one copy of the loaded vectors takes;
    - ``job``: its final state, its time from start to end, and ``answers_while_training``: the
      sessions' answers seen while it ran;
    - ``server_cpu_s`` and ``machine_busy_cpu_s``: CPU seconds the server, and the whole machine,
      spent while the sessions ran.
    """
    workdir = Path(workdir)
    started = time.monotonic()
    deadline = started + budget
    store = prepare_store(workdir / "store", widen)
    corpus = training_corpus(workdir, job_rows)
    figures: dict = {"sessions": sessions, "widen": widen, "vectors_mb": round(vectors_megabytes(store), 1),
                     "job": {"model": JOB_MODEL, "rows": job_rows, "epochs": job_epochs}}
    server = AppServer(store.home, log=workdir / "streamlit.log", env=NO_WARM_UP)
    try:
        server.start(timeout=min(120.0, budget / 2))
        pid = server.process.pid
        figures["server_start_s"] = round(server.healthy_after or 0.0, 2)
        log(f"server up in {server.healthy_after:.1f} s (pid {pid}); warming up with one session")
        warm_started = time.monotonic()
        warm = run_sessions(server, 1, deadline, steps=WARMUP_STEPS)
        figures["warmup"] = {"seconds": round(time.monotonic() - warm_started, 2), **_brief(summary(warm))}
        time.sleep(1.0)  # the warm-up session's websocket closes; its session is dropped
        figures["baseline_mb"] = round(memory_mb(pid), 1)
        job = start_training_job(store, corpus, job_epochs)
        log(f"baseline {figures['baseline_mb']:.0f} MB; training {JOB_MODEL} ({job.id}); "
            f"{sessions} sessions at once")
        with MemoryProbe(pid) as probe:
            server_cpu, machine_cpu = cpu_seconds(pid), machine_busy_seconds()
            reports = run_sessions(server, sessions, deadline)
            figures["load_seconds"] = round(time.monotonic() - probe.started, 2)
            figures["server_cpu_s"] = round(cpu_seconds(pid) - server_cpu, 1)
            figures["machine_busy_cpu_s"] = round(machine_busy_seconds() - machine_cpu, 1)
        status = job.wait(timeout=max(0.0, deadline - time.monotonic()))
        began, ended = _timestamp(status.created), _timestamp(status.ended)
        figures["job"].update(
            state=status.state, message=status.message, model_saved=store.exists(JOB_MODEL),
            seconds=round(ended - began, 1) if began and ended else None,
            answers_while_training=sum(1 for r in reports for step in r.steps if step.answered_at and began
                                       and began <= step.answered_at <= (ended or float("inf"))))
        figures["peak_mb"] = round(probe.peak, 1)
        figures["after_mb"] = round(memory_mb(pid), 1)
        figures["kernel_peak"] = probe.kernel_peak_reset
        figures["memory_samples"] = [(round(t, 2), round(mb, 1)) for t, mb in probe.samples]
        figures["server_alive"] = server.process.poll() is None
        if not figures["server_alive"] or any(r.errors for r in reports + warm):
            figures["server_log_tail"] = server.log(3000)
    finally:
        server.stop()
    figures.update(summary(reports))
    figures["growth_mb"] = round(figures["peak_mb"] - figures["baseline_mb"], 1)
    figures["growth_per_session_mb"] = round(figures["growth_mb"] / sessions, 1)
    figures["total_seconds"] = round(time.monotonic() - started, 2)
    return figures


def _timestamp(iso: str | None) -> float | None:
    """A job status's ISO time as a ``time.time()`` value."""
    if not iso:
        return None
    import datetime as _dt

    return _dt.datetime.fromisoformat(iso).timestamp()


def _brief(figures: dict) -> dict:
    return {k: figures[k] for k in ("answers", "expected_answers", "errors", "median_answer_s", "max_answer_s")}
