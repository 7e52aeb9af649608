"""The dashboard in a real browser: ``streamlit run app.py`` driven by headless Chromium (Playwright).

One server for the module, with a fresh store (the demo model installs itself on the first run):

1. Home draws the demo projection and answers ``king - man + woman`` with ``queen``;
2. the whole journey: upload a corpus on Corpus, train on Train, see the new model's map on Explore,
   and solve ``king - man + woman`` on Analogies with the demo model chosen in the sidebar;
3. an unknown word in an expression gives a one-line message, never a traceback;
4. the sidebar keeps the model it shows when the first visitor after a server start opens a page's
   URL directly and presses Enter (a server of its own, with a model before ``demo`` in the list).

The browser starts before the server, so test 1 measures the time from starting ``streamlit run``
to the Home picture drawn (printed, and recorded as the ``home_picture_seconds`` property).

These tests never skip: without Chromium they fail and say how to install it (``.ci/run`` does).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

import numpy as np
import pytest
from playwright.sync_api import sync_playwright

from browser_support import (NO_WARM_UP, AppServer, chromium_path, goto, metric_value, navigate, open_browser,  # noqa: E402
                             plot_points, select_model, sidebar_model, start_training, training_corpus,
                             type_and_enter, wait_idle, wait_plot, wait_text)

from embedviz.core.settings import PROJECT_DIR  # noqa: E402

TRAINED = "browser-genesis"
CORPUS_ROWS = 3000
TRAIN_TIMEOUT = 180.0


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    chromium_path()  # fail (never skip) at once, with the install command, if there is no browser
    home = tmp_path_factory.mktemp("browser") / "store"
    app = AppServer(home, log=home.parent / "streamlit.log", env=NO_WARM_UP)
    app.start()
    try:
        yield app
    finally:
        app.stop()
        print(f"\n--- end of the streamlit log ({app.log_path}) ---\n{app.log(3000)}")  # shown on failure


@pytest.fixture(scope="module")
def playwright():
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="module")
def browser(playwright):
    with open_browser(playwright) as context:
        yield context


@pytest.fixture
def page(browser, server):  # the browser first: then the server's start is timed without the browser's
    page = browser.new_page()
    errors: list[str] = []

    def on_error(exc) -> None:  # uncaught JavaScript errors; the browser's ResizeObserver notice is benign
        if "ResizeObserver loop" not in str(exc):
            errors.append(str(exc))

    page.on("pageerror", on_error)
    page.errors = errors
    try:
        yield page
    finally:
        page.close()


def assert_clean(page) -> None:
    """No Python traceback or Streamlit exception box on the page."""
    content = page.content()
    assert "Traceback" not in content
    assert page.locator("[data-testid=stException]").count() == 0, page.locator(
        "[data-testid=stException]").first.inner_text()


def test_home_draws_the_demo_space_and_solves_the_analogy(page, server, record_property):
    page.goto(server.url, wait_until="domcontentloaded", timeout=180_000)
    points = wait_plot(page, at_least=5000, timeout=180)
    seconds = time.monotonic() - server.started
    record_property("home_picture_seconds", round(seconds, 2))
    print(f"\nstreamlit run -> Home picture visible: {seconds:.1f} s (health after {server.healthy_after:.1f} s)")

    assert points == 5000  # the 5,000 most frequent words of the demo model (the shipped UMAP)
    # That chart: its WebGL layer drawn, big enough, and seen in the window.
    canvases, width, height, top = page.evaluate("""() => {
        const plots = [...document.querySelectorAll('.js-plotly-plot')];
        const plot = plots.find(p => (p._fullData || []).some(t => t.x && t.x.length === 5000));
        const box = plot.getBoundingClientRect();
        return [plot.querySelectorAll('canvas').length, box.width, box.height, box.top];
    }""")
    assert canvases >= 1 and width > 300 and height > 300 and top < 900, (canvases, width, height, top)
    assert page.get_by_label("Expression", exact=True).input_value() == "king - man + woman"
    assert metric_value(page, "Answer") == "queen"
    assert sidebar_model(page) == "demo"
    assert_clean(page)
    assert not page.errors


def test_upload_train_explore_and_solve(page, server, tmp_path):
    # -- Corpus: upload a CSV; the page selects the upload in its "Corpus" radio ---------------------------
    corpus = training_corpus(tmp_path, CORPUS_ROWS)
    goto(page, server, "corpus")
    uploader = page.locator("[data-testid=stFileUploader]").filter(has_text="Upload corpus")
    uploader.locator("input[type=file]").set_input_files(str(corpus))
    upload_option = page.get_by_role("radiogroup", name="Corpus").get_by_text("genesis.csv (your upload)")
    upload_option.wait_for(timeout=60_000)
    if not upload_option.locator("xpath=ancestor::label").locator("input").is_checked():
        upload_option.click()
    page.get_by_text("The Train page will use genesis.csv read this way").wait_for(timeout=120_000)
    wait_idle(page)
    documents = metric_value(page, "Documents")
    assert documents == f"{CORPUS_ROWS:,}", documents
    assert_clean(page)

    # -- Train: 2 epochs under a name of our own, then wait for the job to end ------------------------------
    navigate(page, "Train", "train")
    assert "genesis.csv" in page.locator("[data-testid=stMain]").inner_text()
    started = time.monotonic()
    start_training(page, 2, TRAINED)
    done = page.locator("[data-testid=stAlertContentSuccess]").filter(has_text=re.compile(r"^Done:"))
    done.first.wait_for(timeout=TRAIN_TIMEOUT * 1000)
    print(f"\ntraining {TRAINED} ({CORPUS_ROWS:,} verses, 2 epochs): {time.monotonic() - started:.1f} s, "
          f"{done.first.inner_text().strip()}")
    meta_file = server.home / TRAINED / "meta.json"
    assert meta_file.is_file()
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    assert meta["parameters"]["epochs"] == 2 and meta["corpus"]["files"] == ["genesis.csv"]
    deadline = time.monotonic() + 60
    while sidebar_model(page) != TRAINED:  # a finished training selects its model once
        assert time.monotonic() < deadline, f"the sidebar still shows {sidebar_model(page)!r}"
        time.sleep(0.2)
    assert page.locator("[data-testid=stAlertContentError]").count() == 0
    assert_clean(page)

    # -- Explore: the new model's map is drawn (it is the active model in this browser session) ------------
    navigate(page, "Explore", "explore")
    assert sidebar_model(page) == TRAINED
    words = meta["words"]
    points = wait_plot(page, "[data-testid=stPlotlyChart] .js-plotly-plot", at_least=min(words, 5000), timeout=120)
    assert points == min(words, 5000)
    assert metric_value(page, "Words on the map") == f"{points:,}"
    assert plot_points(page, "[data-testid=stPlotlyChart] .js-plotly-plot") >= points
    assert_clean(page)

    # -- Analogies with the demo model chosen in the sidebar ----------------------------------------------
    navigate(page, "Analogies", "analogies")
    select_model(page, "demo")
    answer = page.locator("[data-testid=stMetric]").filter(has_text="Answer").locator("[data-testid=stMetricValue]")
    # Another question first, so that the answer seen below is the one to the expression typed.
    type_and_enter(page, "Expression", "father - son + daughter")
    wait_text(page, answer, "mother", timeout=60)
    type_and_enter(page, "Expression", "king - man + woman")
    wait_text(page, answer, "queen", timeout=60)
    assert sidebar_model(page) == "demo"
    assert_clean(page)
    assert not page.errors


def test_unknown_word_gives_one_line_message(page, server):
    goto(page, server, "analogies")
    select_model(page, "demo")
    type_and_enter(page, "Expression", "king - man + qwertyuiop")
    error = page.locator("[data-testid=stAlertContentError]").filter(has_text="qwertyuiop")
    error.first.wait_for(timeout=60_000)
    message = error.first.inner_text().strip()
    assert "\n" not in message and len(message) < 300, message
    assert page.locator("[data-testid=stMetric]").filter(has_text="Answer").count() == 0
    # Markup in the expression comes back as the very text typed: no link, no bold, no image.
    typed = "[qwerty](javascript:alert(1)) - **x** <img src=x onerror=alert(1)>"
    type_and_enter(page, "Expression", typed)
    error = page.locator("[data-testid=stAlertContentError]").filter(has_text="[qwerty](javascript:")
    error.first.wait_for(timeout=60_000)
    shown = error.first.inner_text().strip().replace("\u2060", "")  # the invisible joiner that stops autolinks
    assert shown == f"expected a word but found '*' in {typed!r}"
    assert error.first.locator("a, strong, em, img").count() == 0
    assert_clean(page)
    assert not page.errors


def test_sidebar_keeps_its_model_on_a_first_visit_to_a_page_url(playwright, tmp_path):
    """The first visitor after a server start who opens a page's URL directly (``/analogies``) sees
    the demo model in the sidebar, though another model comes first in the list; pressing Enter in
    a text input (the session's second run, the first through ``app.py``'s navigation) must not
    switch the sidebar to that first model. A server of its own, with two models from the start."""
    vectors = tmp_path / "first.txt"
    rng = np.random.default_rng(0)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    vectors.write_text(f"{len(words)} 5\n" + "".join(
        w + " " + " ".join(f"{v:.4f}" for v in rng.normal(size=5)) + "\n" for w in words), encoding="utf-8")
    home = tmp_path / "store"
    subprocess.run([sys.executable, "-m", "embedviz", "--home", str(home), "import", str(vectors),
                    "--name", "aaa-first"], cwd=str(PROJECT_DIR), check=True, capture_output=True, timeout=300)

    with AppServer(home, log=tmp_path / "streamlit.log", env=NO_WARM_UP) as server, open_browser(playwright) as context:
        page = context.new_page()
        goto(page, server, "analogies")
        assert sidebar_model(page) == "demo"  # the default, though "aaa-first" comes first in the list
        type_and_enter(page, "Expression", "father - son + daughter")
        time.sleep(0.5)
        wait_idle(page)
        assert sidebar_model(page) == "demo", "pressing Enter switched the sidebar to another model"
        answer = page.locator("[data-testid=stMetric]").filter(has_text="Answer").locator(
            "[data-testid=stMetricValue]")
        wait_text(page, answer, "mother", timeout=60)
        assert_clean(page)
