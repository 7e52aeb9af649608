"""Views you can share: a link (the URL's query string) opens a page as it was, the sidebar's model
included; a bad or stale value is named in one message and the default shown."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from embedviz.core.errors import ParameterError
from embedviz.core.params import Flag, Number, OneOf, Whole
from embedviz.core.settings import PROJECT_DIR
from embedviz.ui.url_state import parse
from embedviz.vectors.store import Store


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDVIZ_HOME", str(tmp_path / "home"))
    store = Store(tmp_path / "home")
    store.ensure_demo()
    demo = store.load("demo")
    store.save("other", demo.top(3000))
    return store


def open_link(page: str, **params) -> AppTest:
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=180)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def test_a_link_opens_explore_as_it_was(home):
    at = open_link("explore", model="other", explore_method="PCA", explore_dims="3D", explore_top="1500",
                   explore_word="king", explore_k="7", explore_colour="Frequency")
    assert at.session_state["active_model"] == "other"
    assert at.selectbox(key="explore_method").value == "pca" and at.radio(key="explore_dims").value == 3
    assert at.text_input(key="explore_word").value == "king" and at.number_input(key="explore_k").value == 7
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert figure["data"][0]["type"] == "scatter3d"
    assert not at.warning


def test_a_link_opens_analogies_and_compare(home):
    at = open_link("analogies", analogy_expression="father - son + daughter", analogy_method="3CosMul", analogy_k="4")
    assert at.metric[0].value == "mother" and at.radio(key="analogy_method").value == "mul"
    assert len(at.dataframe[0].value) == 4
    at = open_link("compare", compare_a="demo", compare_b="other", compare_top="2000")
    assert at.selectbox(key="compare_a").value == "demo" and at.selectbox(key="compare_b").value == "other"
    assert any(m.label == "Compared" and m.value == "2,000" for m in at.metric)


def test_a_bad_or_stale_link_falls_back_with_a_message(home):
    at = open_link("explore", model="deleted-model", explore_method="LDA", explore_top="99999999")
    assert at.session_state["active_model"] == "demo"
    messages = " ".join(w.value for w in at.warning) + " ".join(w.value for w in at.sidebar.warning)
    assert "model 'deleted-model' is not in the store" in messages
    assert "explore_method must be one of 'PCA', 't-SNE', 'UMAP', not 'LDA'" in messages
    assert "explore_top must be a whole number from 3 to" in messages
    assert at.selectbox(key="explore_method").value == "pca"


def test_parse_checks_with_the_params_constraints():
    assert parse("true", Flag(), "f") is True and parse("false", Flag(), "f") is False
    assert parse("12", Whole(1, 20), "n") == 12 and parse("0.5", Number(0, 1), "x") == 0.5
    assert parse("3D", OneOf(("2D", "3D")), "d") == "3D"
    for text, rule in (("yes", Flag()), ("1.5", Whole(1, 9)), ("30", Whole(1, 9)), ("nan", Number(0, 1)),
                       ("4D", OneOf(("2D", "3D")))):
        with pytest.raises(ParameterError):
            parse(text, rule, "v")
