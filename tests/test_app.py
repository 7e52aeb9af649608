"""The app through Streamlit's AppTest: the pages run, show their figures and handle bad input."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from embedviz.settings import PROJECT_DIR


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
