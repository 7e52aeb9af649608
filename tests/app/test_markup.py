"""Nothing a user types or uploads is rendered as Markdown or HTML in the app.

A vectors file whose words are markup (``<b>x</b>``, ``**bold**``, a ``javascript:`` link, an image),
imported under a file name that is markup too, with a metadata column whose name and values are
markup; then the Explore, Analogies and Models pages through AppTest. Streamlit renders Markdown in
st.markdown, st.caption, the alerts, metrics, buttons and radio options: every such text on the
pages must hold the escaped form (embedviz.ui.text.md_escape), never the raw one. Plotly renders
HTML in its texts: every text of every figure must hold ``&lt;`` and never ``<`` from a word
(embedviz.figures.text).
"""

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from embedviz.vectors.exchange import import_upload
from embedviz.space.neighbours import doesnt_match
from embedviz.figures.text import plot_text
from embedviz.core.settings import PROJECT_DIR
from embedviz.vectors.store import Store
from embedviz.ui.text import md_code, md_escape

BOLD_TAG = "<b>x</b>"
IMAGE = "<img/src=x/onerror=alert(1)>"
STARS = "**bold**"
LINK = "[link](javascript:alert(1))"
PICTURE = "![i](http://example.com/pixel.png)"
EMPHASIS = "_em_"
MARKUP_WORDS = [BOLD_TAG, IMAGE, STARS, LINK, PICTURE, EMPHASIS, "$x^2$", ":red[red]"]
WORDS = MARKUP_WORDS + [f"w{i}" for i in range(24)]
FILE_NAME = "**evil**<i>.txt"
COLUMN = "<b>genre</b>"
NAME = "markup"


def markup_vectors() -> bytes:
    """word2vec text: the markup words and 24 plain ones; ``**bold**`` is exactly
    ``<b>x</b> - w1 + w2``, so it is the answer to that analogy."""
    rng = np.random.default_rng(7)
    words = WORDS
    matrix = rng.normal(size=(len(words), 6))
    at = {w: i for i, w in enumerate(words)}
    matrix[at[STARS]] = matrix[at[BOLD_TAG]] - matrix[at["w1"]] + matrix[at["w2"]]
    lines = [f"{len(words)} 6"] + [w + " " + " ".join(f"{x:.6f}" for x in row) for w, row in zip(words, matrix)]
    return ("\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def app(home):
    store = Store(home)
    store.ensure_demo()
    meta = import_upload(store, NAME, FILE_NAME, markup_vectors())
    genres = ["<i>odd</i>", "&amp;", "**even**"]
    store.update_meta(NAME, word_metadata={COLUMN: [genres[i % 3] for i in range(meta["words"])]})
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    at.session_state["sidebar_model"] = NAME  # the model chosen in the sidebar
    at.run()
    assert not at.exception, at.exception
    return at


def open_page(at, page):
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def markdown_texts(at) -> list[str]:
    """Every text on the page (sidebar included) that Streamlit renders as Markdown."""
    texts = []
    for elements in (at.markdown, at.caption, at.error, at.warning, at.info, at.success, at.title,
                     at.header, at.subheader):
        texts += [e.value for e in elements]
    texts += [t for m in at.metric for t in (m.label, str(m.value))]
    texts += [b.label for b in at.button] + [c.label for c in at.checkbox]
    texts += [option for radio in at.radio for option in radio.options]
    return texts


def assert_nothing_raw(at, raw=MARKUP_WORDS + [FILE_NAME, COLUMN]):
    for text in markdown_texts(at):
        for markup in raw:
            assert markup not in text, f"{markup!r} unescaped in {text!r}"


def figures(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def figure_texts(figure: dict) -> list[str]:
    """Every string plotly draws as text: trace texts, titles, tick texts, annotations."""
    found = []

    def walk(value, key=""):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in ("text", "ticktext", "hovertext", "customdata", "meta",
                                                 "hovertemplate", "name"):
            found.append(value)

    walk(figure)
    return found


def assert_figures_escaped(at, expected):
    """No figure text holds a raw tag from the user; each of ``expected`` appears escaped."""
    texts = [t for figure in figures(at) for t in figure_texts(figure)]
    assert texts
    for raw in (BOLD_TAG, IMAGE, "<i>odd</i>", COLUMN):
        assert not any(raw in t for t in texts), raw
    for word in expected:
        assert plot_text(word) in texts or any(plot_text(word) in t for t in texts), word


def test_explore_shows_markup_words_as_text(app):
    at = open_page(app, "explore")
    assert at.session_state["active_model"] == NAME
    assert_nothing_raw(at)
    words = figures(at)[0]["data"][0]
    assert plot_text(BOLD_TAG) in words["text"] and plot_text(IMAGE) in words["text"]
    assert STARS in words["text"]  # plotly renders no Markdown: only <, > and & need escaping
    assert "%{text}" in words["hovertemplate"] and BOLD_TAG not in words["hovertemplate"]

    at.text_input(key="explore_word").set_value(IMAGE).run()
    assert not at.exception and not at.warning
    assert any(f"Nearest to **{md_escape(IMAGE)}** by cosine" in c.value for c in at.caption)
    assert_nothing_raw(at)
    assert_figures_escaped(at, [IMAGE])
    table = next(d.value for d in at.dataframe if "cos" in d.value.columns)
    assert set(table["word"]) <= set(WORDS)  # tables show words exactly as they are

    at.radio(key="explore_colour").set_value(f"meta:{COLUMN}").run()
    assert not at.exception
    assert md_escape(COLUMN) in at.radio(key="explore_colour").options
    map_ = figures(at)[0]["data"][0]
    colorbar = map_["marker"]["colorbar"]
    assert colorbar["title"]["text"] == plot_text(COLUMN)
    assert sorted(colorbar["ticktext"]) == ["0: &amp;amp;", "1: &lt;i&gt;odd&lt;/i&gt;", "2: **even**"]
    assert map_["meta"] == [plot_text(COLUMN)] and "%{meta[0]}" in map_["hovertemplate"]
    assert_nothing_raw(at)
    assert_figures_escaped(at, [IMAGE, "<i>odd</i>", COLUMN])

    at.text_input(key="explore_word").set_value("<script>alert(1)</script>").run()
    assert not at.exception
    assert at.warning[0].value.startswith(f"unknown word {md_escape(repr('<script>alert(1)</script>'))}")
    assert_nothing_raw(at, MARKUP_WORDS + ["<script>"])


def test_analogies_show_markup_words_and_expressions_as_text(app, home):
    at = open_page(app, "analogies")
    at.text_input(key="doesnt_match_words").set_value("w3, w4, w5")  # the default's words are not in this model
    at.text_input(key="analogy_expression").set_value(f"{BOLD_TAG} - w1 + w2").run()
    assert not at.exception and not at.error
    assert at.metric[0].value == md_escape(STARS) == "\\*\\*bold\\*\\*"
    assert_nothing_raw(at)
    figure = figures(at)[0]
    assert_figures_escaped(at, [BOLD_TAG])
    assert figure["layout"]["title"]["text"] == plot_text(f"w1 → w2 beside {BOLD_TAG} → {STARS}")
    corner = next(t for t in figure["data"] if t["name"] == "a - b + c")
    assert corner["customdata"] == [plot_text(f"{BOLD_TAG} - w1 + w2")]
    assert corner["hovertemplate"] == "%{customdata}<extra></extra>"

    for expression, message in [
        ("<script>alert(1)</script>", f"unknown word {md_escape(repr('<script>alert(1)</script>'))}"),
        (f"{LINK} + {PICTURE}", None),  # both are words of this model: solved, shown escaped
        ("**bold** + w1", "expected a word but found '\\*' in '\\*\\*bold\\*\\* + w1'"),
        ("<img src=x onerror=alert(1)>", "expected + or - before 'src=x'"),
    ]:
        at.text_input(key="analogy_expression").set_value(expression).run()
        assert not at.exception
        if message is None:
            assert not at.error
        else:
            assert at.error[0].value.startswith(message), at.error[0].value
        assert_nothing_raw(at, MARKUP_WORDS + ["<script>", "<img"])

    words = ["w3", BOLD_TAG, IMAGE, LINK]
    at.text_input(key="doesnt_match_words").set_value(", ".join(words)).run()
    assert not at.exception
    odd = doesnt_match(Store(home).load(NAME), words)
    assert at.success[0].value == (f"**{md_escape(odd)}** doesn't match: it is the least similar to the "
                                   "mean of the words.")
    assert_nothing_raw(at)


def test_models_page_and_sidebar_show_file_and_model_names_as_text(app, home):
    at = open_page(app, "models")
    assert any(md_escape(FILE_NAME) in c.value for c in at.sidebar.caption)
    assert_nothing_raw(at)

    at.text_input(key="models_new_name").set_value("<b>x</b>").run()
    next(b for b in at.button if b.label == "Rename").click().run()
    assert not at.exception
    assert at.error[0].value.startswith(f"invalid model name {md_escape(repr('<b>x</b>'))}")
    assert_nothing_raw(at, MARKUP_WORDS + ["<b>x</b>", FILE_NAME])
    assert Store(home).names() == ["demo", NAME]  # nothing renamed


def test_md_escape_and_md_code_keep_text_literal():
    assert md_escape("**a** _b_ a_b [c](d) <e> `f` ~~g~~ $h$ &i; \\") == (
        "\\*\\*a\\*\\* \\_b\\_ a_b \\[c\\](d) \\<e\\> \\`f\\` \\~\\~g\\~\\~ \\$h\\$ \\&i; \\\\")
    assert md_escape("# title") == "\\# title" and md_escape("1. item") == "1\\. item"
    assert md_escape("- item\n+ more") == "\\- item + more"  # one line
    assert md_escape("http://x.org") == "http:\u2060//x.org"  # no autolink
    assert md_escape("www.x.org a@b.org :smile:") == "www\u2060.x.org a\u2060@b.org :\u2060smile:"
    assert md_escape("ragged.csv line 3: the row") == "ragged.csv line 3: the row"  # plain text unchanged
    assert md_code("a`b") == "``a`b``" and md_code("`x") == "`` `x ``" and md_code("col") == "`col`"
