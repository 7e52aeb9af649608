"""The app through Streamlit's AppTest: the pages run, show their figures and handle bad input."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from embedviz.core.settings import PROJECT_DIR


@pytest.fixture
def app(home):
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    return at


def test_home_shows_the_demo_space_and_queen(app):
    app.run()
    assert not app.exception
    assert app.metric[0].value == "queen"
    chart = app.get("plotly_chart")[0]
    figure = json.loads(chart.proto.spec)
    assert figure["data"][0]["type"] == "scattergl"


def test_home_bad_expression_is_a_message(app):
    app.run()
    app.text_input(key="home_expression").set_value("kingg - man +").run()
    assert not app.exception
    assert "ends with an operator" in app.error[0].value


def test_home_draws_the_parallelogram_beside_the_space(app):
    app.run()
    figures = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    assert [f["data"][0]["type"] for f in figures] == ["scattergl", "scatter"]
    analogy = figures[1]
    names = {trace["name"] for trace in analogy["data"]}
    assert {"inputs", "answer"} <= names
    assert len(analogy["layout"]["annotations"]) == 2  # the arrows man->woman and king->queen


def test_home_without_the_demo_model_says_how_to_get_it_back(app, home):
    from embedviz.vectors.store import Store

    app.run()
    Store(home).delete("demo")
    app.run()
    assert not app.exception
    assert "python -m embedviz demo" in app.info[0].value


@pytest.mark.parametrize("page, message", [
    ("pages/explore.py", "The store is empty"), ("pages/analogies.py", "The store is empty"),
    ("pages/evaluate.py", "The store is empty"), ("pages/embeddings.py", "Choose or train a model first")])
def test_model_pages_on_an_empty_store_say_what_to_do(app, home, page, message):
    from embedviz.vectors.store import Store

    app.run()
    Store(home).delete("demo")
    app.switch_page(page).run()
    assert not app.exception
    assert [info.value for info in app.info if info.value.startswith(message)]


def test_an_open_server_says_so_on_every_page(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDVIZ_HOME", str(tmp_path / "home"))
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    at.run()
    for page in ("pages/home.py", "pages/models.py"):
        at.switch_page(page).run()
        notices = [c.value for c in at.sidebar.caption if "Open server" in c.value]
        assert len(notices) == 1 and "anyone who can reach" in notices[0]
