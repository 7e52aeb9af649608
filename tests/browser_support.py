"""Helpers for driving the Streamlit app in a real browser (system Chromium through Playwright).

Used by tests/test_browser.py and benchmarks/browser_bench.py:

- :class:`AppServer`: ``streamlit run app.py`` as a subprocess in its own process group, with
  ``EMBEDVIZ_HOME`` pointing at a fresh store; waits for ``/_stcore/health``; stops the whole group.
- :func:`open_browser`: a headless Chromium in a fresh temporary profile.
- Page helpers: wait for a script run to end, for a plotly chart to be drawn, choose the model in the
  sidebar, solve an analogy.

Playwright's bundled browsers are not used (``playwright install`` needs the network): the system
``chromium`` is launched with ``executable_path``. If it is missing, :func:`chromium_path` raises with
the command that installs it.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from embedviz.core.settings import DATA_DIR, PROJECT_DIR

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1400, "height": 900}
HEALTH_TIMEOUT = 120.0
#: For a test server that draws no new UMAP: no background compilation of UMAP's numba code (30 to
#: 90 s of a core in every new server, which slows every other test on a 2-core machine). The
#: Home page's shipped UMAP map is read from its cache and needs none.
NO_WARM_UP = {"EMBEDVIZ_UMAP_WARM_UP": "0"}
#: The Home page's picture: the plotly chart with its drawn plot (SVG axes and a WebGL or SVG trace).
PLOT = ".js-plotly-plot"
MAP = "[data-testid=stPlotlyChart] .js-plotly-plot"

# A plotly chart once drawn (its WebGL canvas sized, if it has one): "<words>:<first x>;<colours>;
# <points per trace>;<image size>;<x range>", which changes when a new map replaces the old one
# (<words> is every word of a map drawn as an image, else the largest trace's points).
MAP_FINGERPRINT_JS = """(selector) => {
    const plot = document.querySelector(selector);
    if (!plot || !plot._fullLayout || !plot._fullData || !plot.querySelector('.main-svg')) return null;
    let best = null;
    for (const t of plot._fullData) if (t.x && (!best || t.x.length > best.x.length)) best = t;
    if (!best) return null;
    const gl = plot._fullData.some(t => String(t.type).endsWith('gl') || t.type === 'scatter3d');
    const canvas = plot.querySelector('canvas');
    if (gl && !(canvas && canvas.width > 0 && canvas.height > 0)) return null;
    const meta = (plot.layout && plot.layout.meta) || {};
    const n = meta.raster ? meta.words : best.x.length;
    const head = (a) => Array.from(a.slice(0, 4)).map(v => Number(v).toFixed(6)).join(',');
    const image = ((plot.layout.images || [])[0] || {}).source || '';
    const colours = best.marker && best.marker.color ? Array.from(best.marker.color.slice(0, 8)).join(',') : '';
    const traces = plot._fullData.map(t => (t.x && t.x.length) || 0).join(',');
    return n + ':' + head(best.x) + ',' + head(best.y) + ';' + colours + ';' + traces + ';' + image.length + ';' +
           JSON.stringify((plot.layout.xaxis || {}).range);
}"""


class BrowserSetupError(RuntimeError):
    """The browser or the server cannot be started: the message says why and what to do."""


def chromium_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    raise BrowserSetupError(
        "no Chromium on PATH: the browser tests need the system browser "
        "(apt-get update && apt-get install -y chromium; .ci/run does this). "
        "Playwright's own browsers are not used.")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """``streamlit run app.py`` on a free port with its own store; a context manager.

    ``started`` is the ``time.monotonic()`` just before the process was started, so a caller can
    measure the time from ``streamlit run`` to something visible in the browser.
    """

    def __init__(self, home: str | os.PathLike, *, env: dict | None = None, log: str | os.PathLike | None = None,
                 watcher: str | None = "none", args=()):
        self.home = Path(home)
        self.args = list(args)   # more `streamlit run` options, e.g. --secrets.files
        self.watcher = watcher  # --server.fileWatcherType; None: as the project's config.toml says
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.log_path = Path(log) if log else self.home.parent / f"streamlit-{self.port}.log"
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.healthy_after: float | None = None

    def start(self, timeout: float = HEALTH_TIMEOUT) -> "AppServer":
        env = dict(os.environ)
        env.update(self.env)
        env["EMBEDVIZ_HOME"] = str(self.home)
        env["PYTHONUNBUFFERED"] = "1"
        env.pop("STREAMLIT_SERVER_PORT", None)
        command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                   "--server.port", str(self.port), "--server.address", "127.0.0.1",
                   "--browser.gatherUsageStats", "false"]
        if self.watcher is not None:
            command += ["--server.fileWatcherType", self.watcher]
        command += self.args
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")
        self.started = time.monotonic()
        self.process = subprocess.Popen(command, cwd=str(PROJECT_DIR), env=env, stdin=subprocess.DEVNULL,
                                        stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrowserSetupError(f"streamlit exited with status {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=5) as response:
                    if response.read().strip() == b"ok":
                        self.healthy_after = time.monotonic() - self.started
                        return self
            except OSError:
                pass
            time.sleep(0.25)
        self.stop()
        raise BrowserSetupError(f"streamlit did not answer /_stcore/health within {timeout:.0f} s:\n{self.log()}")

    def log(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        # Training jobs run in their own sessions (embedviz.jobs.registry): stop any still running first.
        with contextlib.suppress(Exception):
            from embedviz.jobs.registry import list_jobs
            from embedviz.vectors.store import Store

            for job in list_jobs(Store(self.home), active=True):
                job.cancel(grace=5)
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> "AppServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@contextlib.contextmanager
def open_browser(playwright):
    """A headless Chromium (persistent context in a fresh profile folder), closed and removed after."""
    executable = chromium_path()
    profile = tempfile.mkdtemp(prefix="embedviz-chromium-")
    context = None
    try:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=CHROMIUM_ARGS, viewport=VIEWPORT,
            timeout=120_000)
        context.set_default_timeout(60_000)
        yield context
    finally:
        if context is not None:
            with contextlib.suppress(Exception):
                context.close()
        shutil.rmtree(profile, ignore_errors=True)


# -- page helpers -----------------------------------------------------------------------------------------
def wait_idle(page, timeout: float = 120.0, settle: float = 0.3) -> float:
    """Wait until the app's script is not running (``stApp``'s ``data-test-script-state``), twice
    ``settle`` seconds apart, so that a rerun that was just requested has had time to start.

    Returns the ``time.monotonic()`` at which the script was first seen stopped (the settling is
    not counted), for timings.
    """
    deadline = time.monotonic() + timeout
    calm, since = 0, None
    while time.monotonic() < deadline:
        state = page.evaluate("() => document.querySelector('[data-testid=stApp]')"
                              "?.getAttribute('data-test-script-state') || null")
        now = time.monotonic()
        if state == "notRunning":
            calm, since = calm + 1, since or now
        else:
            calm, since = 0, None
        if calm >= 2:
            return since
        time.sleep(settle)
    raise AssertionError(f"the app still runs its script after {timeout:.0f} s")


def goto(page, server: AppServer, path: str = "", timeout: float = 120.0) -> None:
    """Open ``path`` (``""`` for Home) and wait for the app to be connected and the script done."""
    page.goto(f"{server.url}/{path.lstrip('/')}", wait_until="domcontentloaded", timeout=timeout * 1000)
    page.wait_for_selector("[data-testid=stApp][data-test-connection-state=CONNECTED]", timeout=timeout * 1000)
    wait_idle(page, timeout)


def navigate(page, title: str, path: str, timeout: float = 120.0) -> None:
    """Go to another page of the app by its link in the sidebar, as a user does: unlike
    :func:`goto` (a new page load, so a new Streamlit session), the session and its state (the
    model chosen in the sidebar, the corpus chosen) are kept."""
    link = page.locator(f'[data-testid=stSidebarNav] a[href$="/{path}"]').filter(has_text=title)
    # the page's address, with or without its query string (the view's link: model, settings)
    address = re.compile(rf"/{re.escape(path)}/?(\?.*)?$")
    deadline = time.monotonic() + timeout
    while True:
        # A click that lands while the page is being redrawn on a busy machine can be lost: click
        # again until the address changes.
        link.first.click(timeout=max(1.0, deadline - time.monotonic()) * 1000)
        try:
            page.wait_for_url(address, timeout=min(20.0, max(1.0, deadline - time.monotonic())) * 1000)
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
    time.sleep(0.3)
    wait_idle(page, timeout)


def map_fingerprint(page, selector: str = MAP):
    return page.evaluate(MAP_FINGERPRINT_JS, selector)


def wait_new_map(page, points: int, old, timeout: float, selector: str = MAP, exact: bool = True) -> str:
    """Wait until the chart is drawn with ``points`` words (at least, unless ``exact``) and differs
    from the fingerprint ``old``; return the new fingerprint."""
    test = "n === points" if exact else "n >= points"
    handle = page.wait_for_function(
        f"""([selector, points, old]) => {{
            const fp = ({MAP_FINGERPRINT_JS})(selector);
            if (!fp || fp === old) return null;
            const n = Number(fp.split(':')[0]);
            return {test} ? fp : null;
        }}""", arg=[selector, points, old], polling=50, timeout=timeout * 1000)
    return handle.json_value()


def plot_points(page, selector: str = PLOT, trace: int | None = None) -> int:
    """The number of points of the plotly chart ``selector`` (all traces, or trace ``trace``), 0 if
    it is not drawn yet. A drawn chart has its ``_fullLayout`` and its SVG main layer; the points are
    counted in ``_fullData`` (``data`` may hold the base64-encoded arrays plotly.py sends)."""
    return page.evaluate(
        """([selector, trace]) => {
            const plot = document.querySelector(selector);
            if (!plot || !plot._fullLayout || !plot.querySelector('.main-svg')) return 0;
            const data = plot._fullData || [];
            const traces = trace === null ? data : [data[trace]];
            let n = 0;
            for (const t of traces) {
                if (!t) continue;
                const xs = t.x || t.lat || t.a || [];
                n += (xs.length !== undefined ? xs.length : 0);
            }
            return n;
        }""", [selector, trace])


_LARGEST_JS = """(selector) => {
    // The drawn plotly chart matching selector with the largest trace: [points, ready], where ready
    // says its WebGL canvas (if it has WebGL traces) is in the page and sized.
    let best = [0, false];
    for (const plot of document.querySelectorAll(selector)) {
        if (!plot._fullLayout || !plot._fullData || !plot.querySelector('.main-svg')) continue;
        const n = Math.max(0, ...plot._fullData.map(t => (t.x && t.x.length) || 0));
        if (n < best[0]) continue;
        const gl = plot._fullData.some(t => String(t.type).endsWith('gl') || t.type === 'scatter3d');
        const canvas = plot.querySelector('canvas');
        best = [n, !gl || (!!canvas && canvas.width > 0 && canvas.height > 0)];
    }
    return best;
}"""


#: The same script under a public name, for the async helpers of tests/load_support.py.
LARGEST_TRACE_JS = _LARGEST_JS


def largest_trace(page, selector: str = PLOT) -> int:
    """The most points in one trace of the drawn plotly charts matching ``selector`` (0: none drawn)."""
    return page.evaluate(_LARGEST_JS, selector)[0]


def wait_plot(page, selector: str = PLOT, at_least: int = 1, timeout: float = 120.0, poll: float = 0.1) -> int:
    """Wait until a plotly chart matching ``selector`` is drawn with a trace of at least ``at_least``
    points and, if it has WebGL traces (scattergl), its canvas is in the page; return that trace's size."""
    deadline = time.monotonic() + timeout
    while True:
        n, ready = page.evaluate(_LARGEST_JS, selector)
        if n >= at_least and ready:
            return n
        if time.monotonic() > deadline:
            raise AssertionError(f"no plotly chart {selector!r} with {at_least:,} points after {timeout:.0f} s "
                                 f"(largest trace: {n:,} points)")
        time.sleep(poll)


def _model_box(page):
    # While the sidebar is redrawn, the old selectbox may stay a moment beside the new one: the last.
    return page.locator("[data-testid=stSidebar]").get_by_role("combobox", name="Model", exact=True).last


def select_model(page, name: str, timeout: float = 60.0) -> None:
    """Choose ``name`` in the sidebar's "Model" selectbox (click it, then click the option).

    Streamlit 1.67 draws a selectbox as a combobox: an ``input`` labelled with the widget's label
    whose value is the current option, and a listbox of ``option`` elements while it is open.
    """
    box = _model_box(page)
    box.wait_for(timeout=timeout * 1000)
    if box.input_value() == name:
        return
    box.click()
    page.get_by_role("option", name=name, exact=True).click(timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while sidebar_model(page) != name:
        if time.monotonic() > deadline:
            raise AssertionError(f"the sidebar did not switch to the model {name!r} (shows {sidebar_model(page)!r})")
        time.sleep(0.1)
    wait_idle(page, timeout)


def sidebar_model(page) -> str:
    """The model the sidebar shows."""
    return _model_box(page).input_value()


def metric_value(page, label: str, timeout: float = 60.0) -> str:
    """The value shown by the ``st.metric`` labelled ``label``."""
    metric = page.locator("[data-testid=stMetric]").filter(
        has=page.locator("[data-testid=stMetricLabel]", has_text=label)).first
    return metric.locator("[data-testid=stMetricValue]").inner_text(timeout=timeout * 1000).strip()


def text_input(page, label: str):
    return page.get_by_label(label, exact=True)


def type_and_enter(page, label: str, text: str) -> None:
    box = text_input(page, label)
    box.click()
    box.fill(text)
    box.press("Enter")


def start_training(page, epochs: int, name: str, snapshots: bool = False) -> None:
    """On the Train page: set the epochs and the model name (each confirmed by the page), keep
    snapshots if asked, then click "Start training"."""
    if snapshots:
        page.locator("[data-testid=stCheckbox]").filter(has_text="Keep snapshots").first.click()
        wait_idle(page)
    for label, value in (("Epochs", str(epochs)), ("Model name", name)):
        field = page.get_by_label(label, exact=True)
        field.fill(value)
        field.press("Enter")
        wait_idle(page)
        assert field.input_value() == value, (label, field.input_value())
    page.get_by_role("button", name="Start training").click()


def wait_text(page, locator, expected: str, timeout: float = 60.0, poll: float = 0.05) -> str:
    """Wait until ``locator``'s text is ``expected``; return it (raise with the last text seen)."""
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            seen = locator.inner_text(timeout=1000).strip()
            if seen == expected:
                return seen
        time.sleep(poll)
    raise AssertionError(f"expected {expected!r}, still {seen!r} after {timeout:.0f} s")


def training_corpus(folder: str | Path, rows: int) -> Path:
    """The first ``rows`` verses of the KJV as a one-column CSV file: a training of a few seconds."""
    path = Path(folder) / "genesis.csv"
    with gzip.open(DATA_DIR / "kjv.csv.gz", "rt", encoding="utf-8", newline="") as f:
        texts = [row["text"] for _, row in zip(range(rows), csv.DictReader(f))]
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text"])
        writer.writerows([text] for text in texts)
    return path


def point_position(page, index: int, selector: str = MAP, trace: int = 0) -> tuple[float, float]:
    """Where point ``index`` of ``trace`` is drawn on the screen (page pixels), from the chart's axes;
    the chart is scrolled to the middle of the window first, so the point can be clicked."""
    page.evaluate("(selector) => document.querySelector(selector).scrollIntoView({block: 'center'})", selector)
    time.sleep(0.3)
    return tuple(page.evaluate(
        """([selector, trace, index]) => {
            const plot = document.querySelector(selector);
            const t = plot._fullData[trace], xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis;
            const box = plot.querySelector('.draglayer .nsewdrag').getBoundingClientRect();
            return [box.left + xa.l2p(t.x[index]), box.top + ya.l2p(t.y[index])];
        }""", [selector, trace, index]))


def nearest_free_point(page, selector: str = MAP, trace: int = 0, at: float = 0.5) -> int:
    """The index of a point of ``trace`` with no other point within 6 pixels, near the ``at``
    fraction of the x range: a point a click lands on unambiguously."""
    return page.evaluate(
        """([selector, trace, at]) => {
            const plot = document.querySelector(selector);
            const t = plot._fullData[trace], xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis;
            const px = Array.from(t.x, v => xa.l2p(v)), py = Array.from(t.y, v => ya.l2p(v));
            const target = at * xa._length;
            let best = -1, bestd = Infinity;
            for (let i = 0; i < px.length; i++) {
                let free = true;
                for (let j = 0; j < px.length && free; j++)
                    if (j !== i && Math.abs(px[j] - px[i]) < 6 && Math.abs(py[j] - py[i]) < 6) free = false;
                const d = Math.abs(px[i] - target) + Math.abs(py[i] - ya._length / 2);
                if (free && d < bestd) { best = i; bestd = d; }
            }
            return best;
        }""", [selector, trace, at])
