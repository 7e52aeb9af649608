"""Compare, Evolution and Axes in a real browser: a real server, real clicks, the figures drawn."""

import sys
import time
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from browser_support import (NO_WARM_UP, MAP, AppServer, chromium_path, goto, plot_points,  # noqa: E402
                             text_input, type_and_enter, wait_idle, wait_plot)

from embedviz.text.corpus import Corpus  # noqa: E402
from embedviz.training.gensim import TrainingParameters, train  # noqa: E402
from embedviz.vectors.store import Store  # noqa: E402
from embedviz.vectors.vectors import Vectors  # noqa: E402

SWAPPED = ("king", "bread")


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_corpus):
    chromium_path()
    home = tmp_path_factory.mktemp("views") / "store"
    store = Store(home)
    store.ensure_demo()
    demo = store.load("demo")
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(demo.dim, demo.dim)))
    matrix = demo.matrix @ q.astype(np.float32)
    rows = [demo.index[w] for w in SWAPPED]
    matrix[rows] = matrix[rows[::-1]]
    store.save("turned", Vectors(demo.words, matrix, demo.counts))
    snapped = train(Corpus(tiny_corpus), TrainingParameters(dim=20, epochs=4, min_count=3, workers=1, snapshots=500))
    store.save("snap", snapped.vectors, snapped.meta(), extra=snapped.files())
    app = AppServer(home, log=home.parent / "streamlit.log", env=NO_WARM_UP).start()
    try:
        yield app
    finally:
        app.stop()
        print(f"\n--- end of the streamlit log ---\n{app.log(3000)}")


def main_text(page) -> str:
    return page.locator("[data-testid=stMain]").inner_text()


def test_axes_map_then_ranking(page, server):
    goto(page, server, "axes")
    assert wait_plot(page, MAP, at_least=5000, timeout=120) >= 5000
    wait_idle(page)
    title = page.evaluate("() => document.querySelector('.js-plotly-plot').layout.xaxis.title.text")
    assert "woman - man" in title
    page.get_by_text("One axis: a ranking").click()
    wait_idle(page)
    page.locator(".js-plotly-plot .barlayer").first.wait_for(timeout=60_000)
    bars = page.evaluate("() => document.querySelector('.js-plotly-plot').data[0].y.length")
    assert bars == 30
    type_and_enter(page, "Axis", "womann - man")
    wait_idle(page)
    assert "unknown word 'womann'" in page.locator("[data-testid=stAlertContentError]").first.inner_text()


def test_compare_a_swap_then_click_a_word(page, server):
    goto(page, server, "compare")
    box = page.locator("[data-testid=stMain]").get_by_role("combobox", name="Model B", exact=True)
    box.wait_for(timeout=120_000)
    box.click()
    page.get_by_role("option", name="turned", exact=True).click()
    wait_idle(page)
    page.get_by_text("Most moved first").first.wait_for(timeout=120_000)
    wait_plot(page, MAP, at_least=2000, timeout=120)
    wait_idle(page)
    # The table is a canvas grid: click its first row's selection cell (the most moved word).
    grid = page.locator("[data-testid=stDataFrame]").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
    wait_idle(page)
    word = text_input(page, "Find a word")
    deadline = time.monotonic() + 30
    while word.input_value() not in SWAPPED and time.monotonic() < deadline:
        time.sleep(0.2)
    assert word.input_value() in SWAPPED
    page.get_by_text(f"Neighbours of {word.input_value()}").wait_for(timeout=60_000)
    highlighted = page.evaluate("() => document.querySelector('.js-plotly-plot').layout.meta.highlighted")
    assert highlighted == [word.input_value()]
    assert "neighbours in common" in main_text(page)


def test_evolution_plays_the_epochs(page, server):
    goto(page, server, "evolution")
    page.get_by_text("trained without snapshots").wait_for(timeout=60_000)
    page.get_by_role("button", name="snap", exact=True).click()
    wait_plot(page, MAP, at_least=500, timeout=120)
    wait_idle(page)
    frames = page.evaluate("() => document.querySelector('.js-plotly-plot')._transitionData._frames.length")
    assert frames == 4
    first = plot_points(page, MAP)
    type_and_enter(page, "Follow a word", "god")
    wait_idle(page)
    page.get_by_text("god, epoch by epoch").wait_for(timeout=60_000)
    before = page.evaluate("() => Array.from(document.querySelector('.js-plotly-plot')._fullData[0].x.slice(0, 3))")
    page.locator(".js-plotly-plot .updatemenu-button").filter(has_text="Play").click()
    # Playing goes through the epochs from the first: the words move on the map.
    deadline = time.monotonic() + 20
    moved = False
    while time.monotonic() < deadline and not moved:
        now = page.evaluate("() => Array.from(document.querySelector('.js-plotly-plot')._fullData[0].x.slice(0, 3))")
        moved = now != before
        time.sleep(0.1)
    assert moved and first == 500
