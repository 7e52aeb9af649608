"""The Explore page through Streamlit's AppTest, on the demo model installed in an empty store."""

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import embedviz.space.projection
from embedviz.core.settings import PROJECT_DIR


@pytest.fixture
def calls(monkeypatch):
    """Every call of the engine's ``project`` (the page computes projections in a background thread,
    which looks the function up when it runs)."""
    made = []
    real = embedviz.space.projection.project

    def counted(vectors, method="pca", dims=2, top=None, **kwargs):
        made.append((method, dims, top))
        return real(vectors, method, dims, top, **kwargs)

    monkeypatch.setattr(embedviz.space.projection, "project", counted)
    return made


@pytest.fixture
def explore(tmp_path, monkeypatch, calls):
    monkeypatch.setenv("EMBEDVIZ_HOME", str(tmp_path / "home"))
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    at.run()  # the home page: installs the demo model, selects it in the sidebar
    calls.clear()  # the home page's own map
    at.switch_page("pages/explore.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _figure(at):
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def _points(trace, axis="x"):
    values = trace[axis]
    if isinstance(values, dict):  # plotly 7: {"dtype": ..., "bdata": base64}
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
    return np.asarray(values, dtype=float)


def _project(at, **settings):
    for key, value in settings.items():
        widget = {"method": at.selectbox, "dims": at.radio}.get(key, at.number_input)
        widget(key=f"explore_{key}").set_value(value)
    (button,) = [b for b in at.button if b.label == "Project"]
    button.click().run()
    assert not at.exception, at.exception


def _metric(at, label):
    (metric,) = [m for m in at.metric if m.label == label]
    return metric.value


def _trust(at, timeout=60.0):
    """The trustworthiness shown once it is measured (the map is drawn before it, see the page)."""
    import time

    deadline = time.monotonic() + timeout
    while _metric(at, "Trustworthiness") == "measuring…":
        assert time.monotonic() < deadline, "the trustworthiness never came"
        time.sleep(0.2)
        at.run()
    return float(_metric(at, "Trustworthiness"))


def test_pca_map_of_the_top_words_with_trustworthiness(explore, calls):
    words = _figure(explore)["data"][0]
    assert words["type"] == "scattergl" and len(_points(words)) == 5000
    assert _trust(explore) > 0.5
    assert _metric(explore, "Words on the map") == "5,000"
    assert any("exact on all 5,000 words" in c.value for c in explore.caption)

    _project(explore, top=1200)
    assert len(_points(_figure(explore)["data"][0])) == 1200
    assert calls == [("pca", 2, 5000), ("pca", 2, 1200)]


def test_colour_labels_and_search_never_recompute_the_projection(explore, calls):
    explore.radio(key="explore_colour").set_value("frequency").run()
    explore.slider(key="explore_labels").set_value(100).run()
    explore.radio(key="explore_colour").set_value("cluster").run()
    explore.number_input(key="explore_clusters").set_value(5).run()
    explore.text_input(key="explore_word").set_value("king").run()
    assert not explore.exception
    assert calls == [("pca", 2, 5000)]
    (timing,) = [m for m in explore.metric if m.label == "Compute time"]
    assert timing.delta == "from memory"
    ticks = _figure(explore)["data"][0]["marker"]["colorbar"]["ticktext"]
    assert len(ticks) == 5


def test_search_lists_neighbours_and_links_them(explore):
    explore.number_input(key="explore_k").set_value(8)
    explore.text_input(key="explore_word").set_value("King").run()
    assert not explore.exception and not explore.warning
    table = explore.dataframe[0].value
    assert len(table) == 8 and list(table.columns) == ["word", "cos", "rank", "on map"] and "queen" in set(table["word"]) and table["cos"].is_monotonic_decreasing
    traces = {trace.get("name"): trace for trace in _figure(explore)["data"]}
    assert list(traces["highlight"]["text"]) == ["king"]
    assert np.isnan(_points(traces["links"])).sum() == 8

    explore.text_input(key="explore_word").set_value("kingg").run()
    assert not explore.exception
    assert "unknown word 'kingg'" in explore.warning[0].value and "king" in explore.warning[0].value


def test_3d_map_is_a_scatter3d_and_says_selection_is_2d_only(explore):
    _project(explore, dims=3, top=800)
    words = _figure(explore)["data"][0]
    assert words["type"] == "scatter3d" and len(_points(words, "z")) == 800
    assert any("2D maps only" in c.value for c in explore.caption)


def test_tsne_on_a_few_hundred_words_and_a_bad_perplexity(explore, calls):
    _project(explore, method="tsne", top=300, perplexity=20.0)
    assert len(_points(_figure(explore)["data"][0])) == 300
    assert calls[-1] == ("tsne", 2, 300)

    _project(explore, perplexity=150.0)
    assert "perplexity 150 is too large for 300 words" in explore.error[0].value


def test_a_searched_word_has_its_panel_with_the_corpus_behind_it(explore):
    explore.text_input(key="explore_word").set_value("king").run()
    assert not explore.exception
    assert any(h.value == "king" for h in explore.subheader)
    lines = next(d.value for d in explore.dataframe if "left" in d.value.columns)
    assert len(lines) == 12 and set(lines["word"]) == {"king"} and lines["document"].str.contains("#").all()
    explore.selectbox(key="explore_panel_with").set_value("queen").run()
    assert not explore.exception
    shared = next(d.value for d in explore.dataframe if "lift" in d.value.columns)
    assert len(shared) == 15 and (shared["lift"] > 1).all() and "the" not in set(shared["word"])
    assert {"king", "queen"} == {set(d.value["word"]).pop() for d in explore.dataframe if "left" in d.value.columns}
    (use,) = [b for b in explore.button if b.label == "Use in an analogy"]
    use.click().run()
    assert not explore.exception
    assert explore.text_input(key="analogy_expression").value == "king - man + woman"
    assert any(m.label == "Answer" for m in explore.metric)


def test_a_selection_projected_again_on_its_own(explore, calls):
    from embedviz.ui.explore_page import ISOLATE

    words = ("king", "queen", "prince", "princess", "lord", "lady", "bread", "wine", "water", "fish")
    explore.session_state[ISOLATE] = words
    explore.run()
    assert not explore.exception
    figure = _figure(explore)
    assert sorted(figure["data"][0]["text"]) == sorted(words)
    assert any("selected words, projected again" in i.value for i in explore.info)
    (back,) = [b for b in explore.button if b.label == "Back to the whole map"]
    back.click().run()
    assert len(_points(_figure(explore)["data"][0])) == 5000
