"""The Improve and Embeddings explained pages through AppTest, with a real background classifier job."""

import pytest
from corpus_support import bundled_rows, write_csv
from streamlit.testing.v1 import AppTest

from embedviz.jobs.registry import list_jobs
from embedviz.core.settings import PROJECT_DIR
from embedviz.vectors.store import Store
from embedviz.training.gensim import TrainingParameters
from embedviz.ui.corpus_widgets import OWNER_KEY, SPEC_KEY
from embedviz.text.specs import CorpusSpec

OWNER = "improve-owner"


@pytest.fixture
def app(home):
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    at.session_state[OWNER_KEY] = OWNER
    at.run()
    assert not at.exception
    yield at
    for job in list_jobs(Store(home), active=True):
        job.cancel(grace=1)


@pytest.fixture
def labelled(tmp_path):
    path = write_csv(tmp_path / "bard.csv", bundled_rows("shakespeare", 300, step=130))
    return CorpusSpec(paths=[str(path)], label_columns=["genre"], title="Bard", source="upload:bard.csv")


def test_improve_page_trains_a_classifier_and_predicts(app, home, labelled):
    app.session_state[SPEC_KEY] = labelled.to_dict()
    app.switch_page("pages/improve.py").run()
    assert not app.exception
    assert [t.label for t in app.tabs] == ["Train a classifier", "Learning curve", "Hyperparameter search",
                                           "Compare runs"]
    data = app.selectbox(key="improve_data")
    assert data.value == "Shakespeare: genre"
    data.set_value("Your corpus (Bard): genre")
    app.number_input(key="improve_dim").set_value(8)
    app.number_input(key="improve_epochs").set_value(2)
    app.number_input(key="improve_hidden").set_value(8)
    app.number_input(key="improve_min_count").set_value(1)
    app.text_input(key="improve_name").set_value("bard-clf").run()
    app.button(key="improve_start").click().run()
    assert not app.exception and not app.error

    jobs = list_jobs(Store(home), owner=OWNER)
    assert len(jobs) == 1 and jobs[0].spec()["parameters"]["dim"] == 8
    status = jobs[0].wait(timeout=70)
    assert status.state == "done", (status, jobs[0].log())

    app.run()
    assert not app.exception
    labels = {m.label: m.value for m in app.metric}
    assert labels["Test accuracy"].endswith("%") and labels["TF-IDF + logistic regression"].endswith("%")
    # a classifier does not silently become the model the word pages use
    assert app.session_state["active_model"] == "demo"
    # the placeholder is a document of this corpus, not a line of Romeo and Juliet
    example = Store(home).meta("bard-clf")["examples"][0][1]
    assert app.text_input(key="improve_try").placeholder == example and "romeo" not in example.lower()
    app.text_input(key="improve_try").set_value("Now is the winter of our discontent").run()
    assert not app.exception
    prediction = next(m.value for m in app.markdown if m.value.startswith("Predicted class:"))
    assert any(c in prediction for c in ("comedy", "tragedy", "history", "romance", "poetry"))
    compare = app.dataframe[-1].value
    assert "bard-clf" in list(compare["model"])

    # exploring the classifier's embedding is one explicit click, and the word pages say what it is
    next(b for b in app.button if b.label == "Explore this classifier's embedding").click().run()
    assert app.session_state["active_model"] == "bard-clf"
    app.switch_page("pages/explore.py").run()
    assert not app.exception
    assert any("a classifier's embedding" in w.value for w in app.warning)
    app.button(key="word_space_switch").click().run()
    assert app.session_state["active_model"] == "demo" and not app.warning


def test_embeddings_page_shows_indices_one_hot_and_dense(app):
    app.switch_page("pages/embeddings.py").run()
    assert not app.exception
    app.text_input(key="embeddings_sentence").set_value("the king spoke to his people").run()
    assert not app.exception
    vocabulary = len(Store().load("demo"))
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["One-hot length (vocabulary size)"] == f"{vocabulary:,}"
    assert metrics["Dense length (dimensions)"] == str(Store().meta("demo")["dim"])
    indices = app.dataframe[0].value
    assert list(indices["word"]) == ["the", "king", "spoke", "to", "his", "people"]
    assert [s.value for s in app.subheader] == ["1. Word indices", "2. One-hot vectors", "3. Dense embedding vectors"]


def test_improve_page_draws_a_learning_curve_and_runs_a_search(app, home, labelled):
    app.session_state[SPEC_KEY] = labelled.to_dict()
    app.switch_page("pages/improve.py").run()
    app.selectbox(key="improve_data").set_value("Your corpus (Bard): genre")
    for key, value in (("improve_dim", 8), ("improve_epochs", 2), ("improve_hidden", 8),
                       ("improve_min_count", 1), ("improve_trials", 2), ("improve_repeats", 1),
                       ("improve_confirm", 1)):
        app.number_input(key=key).set_value(value)
    app.text_input(key="improve_fractions").set_value("0.5,1")
    # the score menus say what each score is; the word-vector learners have their own epochs
    assert app.selectbox(key="improve_curve_score_classifier").options == ["validation accuracy"]
    app.selectbox(key="improve_curve_kind").set_value("word2vec").run()
    assert "analogy accuracy (all questions)" in app.selectbox(key="improve_curve_score_word2vec").options
    assert app.number_input(key="improve_curve_word2vec_epochs").value == TrainingParameters().epochs
    assert app.number_input(key="improve_epochs").value == 2  # the classifier's, untouched
    app.selectbox(key="improve_curve_kind").set_value("classifier")
    app.text_input(key="improve_tune_name").set_value("bard-tuned").run()
    app.button(key="improve_curve_start").click().run()
    app.button(key="improve_tune_start").click().run()
    assert not app.exception and not app.error

    store = Store(home)
    jobs = {job.spec()["kind"]: job for job in list_jobs(store, owner=OWNER)}
    assert set(jobs) == {"curve", "tune"}
    for job in jobs.values():
        status = job.wait(timeout=80)
        assert status.state == "done", (status, job.log())

    app.run()
    assert not app.exception
    curve = jobs["curve"].result()
    assert any(i.value == curve["reading"] for i in app.info)
    assert curve["verdict"] in ("rising", "flattened", "overfitting", "underfitting", "too noisy")
    assert {m.label for m in app.metric} >= {"Verdict", "Gain of one more doubling", "Noise of a point"}
    search = jobs["tune"].result()
    assert search["reading"] and any(search["reading"] in (i.value or "") for i in [*app.info, *app.success])
    trials = next(d.value for d in app.dataframe if "best so far" in d.value.columns)
    assert list(trials["trial"]) == [0, 1]
    assert store.exists("bard-tuned")
    assert len(app.get("plotly_chart")) >= 3  # the curve, the search history, the importances


def test_train_page_starts_a_pytorch_skip_gram_job(app, home, labelled):
    app.session_state[SPEC_KEY] = labelled.to_dict()
    app.switch_page("pages/train.py").run()
    app.selectbox(key="train_algorithm").set_value("PyTorch skip-gram (SGNS)").run()
    assert app.text_input(key="train_model_name").value == "bard-sgns"
    app.number_input(key="train_dim").set_value(8)
    app.number_input(key="train_epochs").set_value(1).run()
    next(b for b in app.button if b.label == "Start training").click().run()
    assert not app.exception and not app.error
    jobs = list_jobs(Store(home), owner=OWNER)
    assert len(jobs) == 1 and jobs[0].spec()["algo"] == "torch-sgns"
    assert jobs[0].spec()["parameters"]["dim"] == 8
