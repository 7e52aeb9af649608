"""The Compare, Evolution and Axes pages through Streamlit's AppTest."""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from embedviz.core.settings import PROJECT_DIR
from embedviz.space.neighbours import neighbours
from embedviz.text.corpus import Corpus
from embedviz.training.gensim import TrainingParameters, train
from embedviz.vectors.store import Store
from embedviz.vectors.vectors import Vectors

SWAPPED = ("king", "bread")


@pytest.fixture
def app(home):
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception
    return at


def open_page(at, page):
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def figure(at, index=0):
    return json.loads(at.get("plotly_chart")[index].proto.spec)


def rotated_demo_with_a_swap(home):
    store = Store(home)
    demo = store.load("demo")
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(demo.dim, demo.dim)))
    matrix = demo.matrix @ q.astype(np.float32)
    rows = [demo.index[w] for w in SWAPPED]
    matrix[rows] = matrix[rows[::-1]]
    store.save("turned", Vectors(demo.words, matrix, demo.counts))


def test_compare_ranks_the_swapped_words_first_and_shows_both_neighbourhoods(app, home):
    rotated_demo_with_a_swap(home)
    open_page(app, "compare")
    assert app.selectbox(key="compare_a").value == "demo"
    app.selectbox(key="compare_b").set_value("turned").run()
    assert not app.exception and not app.error
    shifts = app.dataframe[0].value
    assert set(shifts["word"][:2]) == set(SWAPPED) and shifts["shift"].iloc[2] < 1e-3
    assert app.metric[0].value == f"{len(Store(home).load('demo')):,}"
    maps = figure(app)
    assert maps["data"][0]["type"] == "scattergl" and maps["layout"]["meta"]["words"] == 2000
    app.text_input(key="compare_word").set_value("King").run()
    assert not app.exception
    assert figure(app)["layout"]["meta"]["highlighted"] == ["king"]
    tables = [t.value for t in app.dataframe if "in both" in t.value.columns]
    near_a, near_b = tables[-2], tables[-1]
    # the corpus behind the word: the demo's lines, and one line for a model with no corpus here
    lines = [t.value for t in app.dataframe if "left" in t.value.columns]
    assert len(lines) == 1 and set(lines[0]["word"]) == {"king"}
    assert any("turned has no training corpus here" in c.value for c in app.caption)
    store = Store(home)
    demo, turned = store.load("demo"), store.load("turned")
    # In B, king has bread's vector: its neighbours there are bread's in A (with king for bread).
    expected_b = [n.word for n in neighbours(turned, "king", 10)]
    assert list(near_a["word"]) == [n.word for n in neighbours(demo, "king", 10)]
    assert list(near_b["word"]) == expected_b
    assert set(expected_b) - {"king"} <= {n.word for n in neighbours(demo, "bread", 11)}
    common = len(set(near_a["word"]) & set(near_b["word"]))
    assert f"{common} of 10 neighbours in common." in [c.value for c in app.caption]


def test_compare_needs_two_models(app):
    open_page(app, "compare")
    assert "Comparing needs two models" in app.info[0].value


def test_evolution_plays_the_epochs_of_a_model_with_snapshots(app, home, tiny_corpus):
    result = train(Corpus(tiny_corpus), TrainingParameters(dim=20, epochs=3, min_count=3, workers=1, snapshots=400))
    Store(home).save("snap", result.vectors, result.meta(), extra=result.files())
    open_page(app, "evolution")
    assert "trained without snapshots" in app.info[0].value   # the active model is still the demo
    app.button(key="evolution_use_snap").click().run()
    assert not app.exception and not app.info
    animated = figure(app)
    assert len(animated["frames"]) == 3 and animated["layout"]["sliders"][0]["active"] == 2
    assert animated["layout"]["meta"] == {"words": 400, "epochs": 3}
    app.text_input(key="evolution_word").set_value("god").run()
    assert not app.exception
    animated = figure(app)
    assert [t["name"] for t in animated["data"]][-1] == "path of god"
    per_epoch = app.dataframe[0].value
    assert list(per_epoch.columns) == ["epoch 1", "epoch 2", "epoch 3"] and len(per_epoch) == 5


def test_axes_map_and_ranking(app):
    open_page(app, "axes")
    drawn = figure(app)
    assert drawn["layout"]["meta"]["words"] == 5000
    assert "woman - man" in drawn["layout"]["xaxis"]["title"]["text"]
    low, high = app.dataframe[0].value, app.dataframe[1].value   # x's ends: left the lowest, right the highest
    assert low["word"].iloc[0] == "man" and high["word"].iloc[0] == "woman"
    app.radio(key="axes_mode").set_value("ranking").run()
    app.radio(key="axes_which").set_value("list").run()
    assert not app.exception
    ranking = app.dataframe[0].value
    assert ranking["word"].iloc[0] == "maid" and ranking["score"].is_monotonic_decreasing
    app.text_input(key="axes_x").set_value("womann - man").run()
    assert not app.exception
    assert app.error[0].value.startswith("unknown word 'womann'")


def test_documents_map_coloured_by_a_label_and_a_clicked_document(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDVIZ_HOME", str(tmp_path / "home"))
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=180)
    at.run()
    at.switch_page("pages/documents.py").run()
    assert not at.exception, at.exception
    at.number_input(key="documents_limit").set_value(600).run()
    assert not at.exception, at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [t["name"] for t in spec["data"]]
    assert set(names) == {"old", "new"} and spec["layout"]["meta"]["documents"] == 600
    (share,) = [m for m in at.metric if m.label == "Nearest share the testament"]
    agreement, chance = int(share.value.rstrip("%")), int(share.delta.split()[1].rstrip("%"))
    assert agreement > chance + 5
    from embedviz.ui.documents_page import PICKED

    at.session_state[PICKED] = 10
    at.run()
    assert not at.exception
    assert at.subheader[0].value.startswith("kjv.csv.gz #")
    nearest = at.dataframe[0].value
    assert len(nearest) == 10 and nearest["cosine"].is_monotonic_decreasing and "testament" in nearest.columns
    traces = [t["name"] for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]]
    assert traces[-2:] == ["nearest", "chosen"]
