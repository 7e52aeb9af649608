"""Why are these close, in a real browser: a point clicked on the map opens its panel with the corpus
behind it; a region selected is projected again on its own."""

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from browser_support import (NO_WARM_UP, MAP, AppServer, chromium_path, goto, nearest_free_point,  # noqa: E402
                             point_position, text_input, wait_idle, wait_new_map, map_fingerprint, wait_plot)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    chromium_path()
    home = tmp_path_factory.mktemp("explain") / "store"
    app = AppServer(home, log=home.parent / "streamlit.log", env=NO_WARM_UP).start()
    try:
        yield app
    finally:
        app.stop()
        print(f"\n--- end of the streamlit log ---\n{app.log(3000)}")


def open_small_map(page, server, words: int = 400):
    goto(page, server, "explore")
    wait_plot(page, MAP, at_least=1000, timeout=180)
    wait_idle(page)
    old = map_fingerprint(page)
    field = page.get_by_label("Words (most frequent first)", exact=True)
    field.fill(str(words))
    field.press("Tab")
    page.get_by_role("button", name="Project", exact=True).click()
    wait_new_map(page, words, old, timeout=120)
    wait_idle(page)


def test_a_clicked_point_opens_its_panel_with_the_corpus_behind_it(page, server):
    open_small_map(page, server)
    index = nearest_free_point(page)
    word = page.evaluate(f"() => document.querySelector('{MAP}')._fullData[0].text[{index}]")
    x, y = point_position(page, index)
    page.mouse.move(x, y)
    time.sleep(0.3)
    page.mouse.click(x, y)
    deadline = time.monotonic() + 60
    field = text_input(page, "Find a word")
    while field.input_value() != word and time.monotonic() < deadline:
        time.sleep(0.2)
    assert field.input_value() == word
    wait_idle(page)
    page.get_by_role("heading", name=word, exact=True).wait_for(timeout=60_000)
    main = page.locator("[data-testid=stMain]").inner_text()
    assert f"{word} in the corpus" in main and "Use in an analogy" in main
    # its neighbours are labelled on the map, in their own trace
    labelled = page.evaluate(f"() => document.querySelector('{MAP}')._fullData.find(t => t.name === 'neighbours').text")
    assert any(labelled)


def test_a_region_projected_again_on_its_own(page, server):
    open_small_map(page, server)
    point_position(page, 0)   # scrolls the map into the middle of the window
    box = page.locator(MAP).locator(".draglayer .nsewdrag").first.bounding_box()
    page.locator(MAP).locator('.modebar-btn[data-val="select"]').first.click()
    old = map_fingerprint(page)
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] * 0.7, steps=8)
    page.mouse.up()
    page.get_by_text("selected words").first.wait_for(timeout=60_000)
    wait_idle(page)
    selected = int(page.get_by_role("heading").filter(has_text="selected words").first.inner_text().split()[0])
    assert selected >= 3
    page.get_by_role("button", name="Project these again").click()
    wait_new_map(page, selected, old, timeout=120)
    assert "projected again on their own" in page.locator("[data-testid=stMain]").inner_text()


def test_a_map_of_documents_and_a_clicked_document(page, server):
    goto(page, server, "documents")
    field = page.get_by_label("Documents (spread evenly)", exact=True)
    field.wait_for(timeout=120_000)
    field.fill("500")
    field.press("Enter")
    page.get_by_text("Nearest share the testament").wait_for(timeout=120_000)
    wait_plot(page, MAP, at_least=500, timeout=120)
    wait_idle(page)
    # the biggest trace (one per label): a point with room around it
    trace = page.evaluate(f"""() => {{ const d = document.querySelector('{MAP}')._fullData;
        let best = 0; d.forEach((t, i) => {{ if (t.x.length > d[best].x.length) best = i; }}); return best; }}""")
    index = nearest_free_point(page, trace=trace)
    x, y = point_position(page, index, trace=trace)
    page.mouse.move(x, y)
    time.sleep(0.3)
    page.mouse.click(x, y)
    page.locator("[data-testid=stHeading]").filter(has_text="kjv.csv.gz #").first.wait_for(timeout=60_000)
    wait_idle(page)
    page.locator("[data-testid=stDataFrame]").first.wait_for(timeout=30_000)   # its nearest documents
    traces = page.evaluate(f"() => document.querySelector('{MAP}')._fullData.map(t => t.name)")
    assert traces[-2:] == ["nearest", "chosen"]


def test_a_copied_link_opens_the_same_view_in_another_browser(page, server, browser):
    goto(page, server, "analogies")
    field = text_input(page, "Expression")
    field.fill("father - son + daughter")
    field.press("Enter")
    wait_idle(page)
    page.get_by_text("3CosMul").first.click()
    wait_idle(page)
    deadline = time.monotonic() + 20
    while "analogy_method" not in page.url and time.monotonic() < deadline:
        time.sleep(0.2)
    link = page.url
    assert "model=demo" in link and "analogy_expression=" in link and "analogy_method=3CosMul" in link
    page.reload()
    wait_idle(page)
    assert text_input(page, "Expression").input_value() == "father - son + daughter"
    # as another browser: no cookies from the first, a new tab (so a new Streamlit session)
    page.close()
    browser.clear_cookies()
    fresh = browser.new_page()
    try:
        fresh.goto(link, wait_until="domcontentloaded", timeout=120_000)
        text_input(fresh, "Expression").wait_for(timeout=120_000)
        wait_idle(fresh)
        assert text_input(fresh, "Expression").input_value() == "father - son + daughter"
        checked = fresh.locator("[data-testid=stRadio] label:has(input:checked)").first.inner_text()
        assert "3CosMul" in checked
    finally:
        fresh.close()
