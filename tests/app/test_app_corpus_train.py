"""The Corpus and Train pages through Streamlit's AppTest, with a real background training job.

AppTest cannot upload a file: uploads are saved through embedviz.text.uploads (as the page does) for the
session's owner id, and the page lists them.
"""

import base64
import json

import numpy as np
import pytest
from corpus_support import bundled_rows, write_csv
from streamlit.testing.v1 import AppTest

from embedviz.jobs.registry import list_jobs
from embedviz.core.settings import PROJECT_DIR
from embedviz.vectors.snapshots import Snapshots
from embedviz.vectors.store import Store
from embedviz.ui.corpus_widgets import OWNER_KEY, SPEC_KEY
from embedviz.text.specs import CorpusSpec
from embedviz.text.uploads import save_upload

OWNER = "test-owner"
TINY_CSV = (b"number,speaker,text\n"
            b"1,Hamlet,To be or not to be. That is the Question!\n"
            b"2,Horatio,Caf\xc3\xa9 at 10 in Elsinore.\n")


@pytest.fixture
def app(home):
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    at.session_state[OWNER_KEY] = OWNER
    at.run()  # the home page first: AppTest switches pages only after a run
    assert not at.exception
    yield at
    for job in list_jobs(Store(home), active=True):  # a failing test leaves no worker behind
        job.cancel(grace=1)


def corpus_page(at, source):
    at.session_state["corpus_source"] = source
    at.switch_page("pages/corpus.py").run()
    assert not at.exception
    return at


def values(array):
    """A plotly JSON array: a list, or a typed array (``{"dtype": ..., "bdata": base64}``)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return list(array)


def metrics(at):
    return {m.label: m.value for m in at.metric}


def test_corpus_page_counts_a_bundled_corpus_and_draws_zipf(app):
    corpus_page(app, "bundled:kjv")
    assert not app.error
    assert metrics(app) == {"Documents": "31,102", "Sentences": "35,049", "Tokens": "771,570",
                            "Vocabulary": "12,531"}
    figure = json.loads(app.get("plotly_chart")[0].proto.spec)
    assert figure["layout"]["xaxis"]["type"] == "log" and figure["layout"]["yaxis"]["type"] == "log"
    counts = values(figure["data"][0]["y"])
    assert counts[0] == 63_919 and counts[-1] == 1  # "the" first; rare words at the end
    assert app.multiselect(key="corpus_label_columns").value == ["testament", "group", "book"]
    spec = app.session_state[SPEC_KEY]
    assert spec["source"] == "bundled:kjv" and spec["label_columns"] == ["testament", "group", "book"]
    assert app.code[0].value.startswith("in | the | beginning | god")


def test_corpus_page_preview_follows_the_options_and_reports_bad_input(app, home):
    save_upload(OWNER, "tiny.csv", TINY_CSV, home=home)
    corpus_page(app, "upload:tiny.csv")
    assert not app.error
    assert app.code[0].value == "to | be | or | not | to | be\nthat | is | the | question"
    assert metrics(app)["Documents"] == "2"

    app.checkbox(key="corpus_lowercase").uncheck().run()
    assert app.code[0].value.endswith("That | is | the | Question")
    app.checkbox(key="corpus_numbers").check()
    app.text_area(key="corpus_sample").set_value("Café at 10").run()
    assert app.code[0].value == "Café | at | 10"
    app.checkbox(key="corpus_deaccent").check().run()
    assert app.code[0].value == "Cafe | at | 10"
    assert app.session_state[SPEC_KEY]["tokenizer"]["lowercase"] is False

    app.multiselect(key="corpus_label_columns").set_value(["speaker"]).run()
    assert list(app.dataframe[0].value.columns) == ["speaker", "text"]

    good = app.session_state[SPEC_KEY]
    app.selectbox(key="corpus_text_column").set_value("number")
    app.checkbox(key="corpus_numbers").uncheck().run()
    assert not app.exception
    assert len(app.error) == 1 and "the column 'number' holds no words" in app.error[0].value
    assert app.session_state[SPEC_KEY] == good  # the Train page keeps the last good choice

    save_upload(OWNER, "ragged.csv", b"text,label\nhello world,a\nno label here\n", home=home)
    app.run()  # the new upload is listed...
    app.radio(key="corpus_source").set_value("upload:ragged.csv").run()  # ...and chosen
    assert not app.exception
    assert len(app.error) == 1
    assert app.error[0].value == "ragged.csv line 3: the row has 1 fields but the header has 2"


def test_train_page_trains_a_model_in_a_background_job(app, home, tmp_path):
    app.switch_page("pages/train.py").run()
    assert not app.exception
    assert "the demo corpus" in app.markdown[0].value  # nothing chosen yet
    app.text_input(key="train_model_name").set_value("demo").run()
    assert "already exists" in app.error[0].value
    assert app.button[0].disabled

    path = write_csv(tmp_path / "genesis.csv", bundled_rows("kjv", 2000))
    app.session_state[SPEC_KEY] = CorpusSpec(paths=[str(path)], title="Genesis").to_dict()
    app.number_input(key="train_dim").set_value(10)
    app.number_input(key="train_epochs").set_value(2)
    app.number_input(key="train_min_count").set_value(2)
    app.toggle(key="train_snapshots").set_value(True).run()
    app.number_input(key="train_snapshot_words").set_value(300)
    app.text_input(key="train_model_name").set_value("genesis-test").run()
    assert not app.error
    assert any("0.0 MB beside the model (300 words x 10 dimensions x 2 epochs" in c.value for c in app.caption)
    next(b for b in app.button if b.label == "Start training").click().run()
    assert not app.exception and not app.error

    store = Store(home)
    jobs = list_jobs(store, owner=OWNER)
    assert len(jobs) == 1 and jobs[0].model == "genesis-test"
    assert jobs[0].spec()["parameters"]["epochs"] == 2 and jobs[0].spec()["parameters"]["snapshots"] == 300
    status = jobs[0].wait(timeout=120)
    assert status.state == "done", (status, jobs[0].log())
    snapshots = Snapshots.load(store.path("genesis-test"))   # kept by the job, beside the model
    assert snapshots.matrices.shape == (2, 300, 10) and store.meta("genesis-test")["snapshots"]["epochs"] == 2

    app.run()
    assert not app.exception
    assert store.exists("genesis-test")
    assert app.session_state["active_model"] == "genesis-test"
    assert app.session_state["sidebar_model"] == "genesis-test"  # what the sidebar selectbox shows
    assert any("genesis-test" in s.value for s in app.success)
    loss = json.loads(app.get("plotly_chart")[0].proto.spec)["data"][0]
    assert loss["name"] == "loss" and len(values(loss["y"])) == 2  # the loss curve, one point per epoch
