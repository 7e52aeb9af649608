"""The Analogies, Evaluate and Models pages through Streamlit's AppTest, and the engine paths behind
their uploads and downloads (AppTest can neither upload nor download a file)."""

import io
import json
import zipfile

import numpy as np
import pytest
from gensim.models import KeyedVectors
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError

from embedviz.core.errors import EmbedvizError, VectorsFormatError
from embedviz.space.benchmarks import BenchmarkFileError
from embedviz.vectors.exchange import (export_bytes, export_problem, import_upload,
                                       projector_zip, word2vec_bytes)
from embedviz.vectors.names import name_from
from embedviz.space.projection import project
from embedviz.core.settings import PROJECT_DIR
from embedviz.vectors.store import Store
from embedviz.space.scores import merge_scores, score_files as evaluate_files
from embedviz.ui.scores import comparison_rows, headline, uploaded_files
from embedviz.vectors.vectors import Vectors

SMALL_WORD2VEC = b"3 2\nalpha 1 2\nbeta 3 4\ngamma 5 6\n"


@pytest.fixture
def app(home):
    """The app on a fresh store (the demo model installs itself on the first run)."""
    at = AppTest.from_file(str(PROJECT_DIR / "app.py"), default_timeout=120)
    at.run()  # app.py sets up the store and the sidebar; a page switched to before would run alone
    assert not at.exception
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    return at


def words_of(dataframe) -> list[str]:
    return list(dataframe.value["word"])


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def table(at: AppTest, column: str):
    """The first table on the page that has ``column`` (tables have no keys AppTest can find)."""
    return next(frame.value for frame in at.dataframe if column in frame.value.columns)


# -- Analogies ----------------------------------------------------------------------------------------
def test_king_minus_man_plus_woman_is_queen(app):
    at = open_page(app, "analogies")
    at.text_input(key="analogy_expression").set_value("king - man + woman").run()
    assert not at.exception and not at.error
    assert at.metric[0].value == "queen"
    assert words_of(at.dataframe[0])[0] == "queen"
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert len(figure["layout"]["annotations"]) == 2  # man -> woman, king -> queen
    names = [trace["name"] for trace in figure["data"]]
    assert names == ["context", "inputs", "answer", "a - b + c"]
    # why queen: the corpus behind the answer, and the contexts it shares with king
    assert any(e.label == "Why queen? The corpus behind the answer" for e in at.expander)
    at.selectbox(key="analogy_kwic_with").set_value("king").run()
    shared = next(d.value for d in at.dataframe if "lift" in d.value.columns)
    assert len(shared) and (shared["count_a"] > 0).all() and (shared["count_b"] > 0).all()


def test_3cosmul_and_keeping_the_inputs(app):
    at = open_page(app, "analogies")
    at.toggle(key="analogy_keep_inputs").set_value(True).run()
    assert at.metric[0].value == "king"  # nearer to king - man + woman than queen is
    assert any("input word (king)" in caption.value for caption in at.caption)
    at.radio(key="analogy_method").set_value("mul").run()
    assert at.metric[0].value == "queen"
    assert any("3CosMul score" in caption.value for caption in at.caption)


def test_an_unknown_word_is_named_with_suggestions_that_replace_it(app):
    at = open_page(app, "analogies")
    at.text_input(key="analogy_expression").set_value("kingg - man + woman").run()
    assert not at.exception
    assert "unknown word 'kingg'" in at.error[0].value and "did you mean" in at.error[0].value
    assert not at.metric
    button(at, "king").click().run()
    assert at.text_input(key="analogy_expression").value == "king - man + woman"
    assert not at.error and at.metric[0].value == "queen"


def test_a_malformed_expression_is_one_line(app):
    at = open_page(app, "analogies")
    at.text_input(key="analogy_expression").set_value("king - man +").run()
    assert "ends with an operator" in at.error[0].value


def test_example_buttons_fill_the_expression(app):
    at = open_page(app, "analogies")
    examples = [b.label for b in at.button if b.key and b.key.startswith("example_")]
    assert examples[:3] == ["king - man + woman", "father - son + daughter", "son - man + woman"]
    expected = {"father - son + daughter": "mother", "son - man + woman": "daughter", "men - man + woman": "women",
                "he - his + her": "she", "went - go + come": "came"}
    for example, answer in expected.items():
        button(at, example).click().run()
        assert at.text_input(key="analogy_expression").value == example
        assert at.metric[0].value == answer, example


def test_a_non_parallelogram_expression_is_drawn_without_arrows(app):
    at = open_page(app, "analogies")
    at.text_input(key="analogy_expression").set_value("0.5*king + queen").run()
    figure = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert not figure["layout"].get("annotations")
    assert any("Not of the form a - b + c" in caption.value for caption in at.caption)


def test_which_word_doesnt_match(app):
    at = open_page(app, "analogies")
    assert "**bread** doesn't match" in at.success[0].value  # king, queen, prince, bread
    at.text_input(key="doesnt_match_words").set_value("breakfast bread, wine,king").run()
    assert "**king** doesn't match" in at.success[0].value
    at.text_input(key="doesnt_match_words").set_value("king").run()
    assert "at least two words" in at.error[0].value
    at.text_input(key="doesnt_match_words").set_value("king queen breadd").run()
    assert "unknown word 'breadd'" in at.error[0].value


# -- Evaluate -----------------------------------------------------------------------------------------
def evaluated(at, home, model, timeout=120.0):
    """Wait until the background evaluation of ``model`` has saved its scores, then rerun the page."""
    import time

    from embedviz.ui.cache import running_evaluations

    deadline = time.monotonic() + timeout
    while "scores" not in Store(home).meta(model) or running_evaluations(model):
        assert time.monotonic() < deadline, "the evaluation never ended"
        time.sleep(0.05)
    at.run()


def test_evaluate_scores_the_model_saves_the_scores_and_compares_models(app, home):
    Store(home).save("tiny", Vectors(["alpha", "beta", "gamma"], np.eye(3)))
    at = open_page(app, "evaluate")
    comparison = table(at, "Google 3CosAdd")
    assert list(comparison["model"]) == ["demo", "tiny"] and not comparison["evaluated"].any()
    assert {"Evaluate demo", "Evaluate tiny"} <= {b.label for b in at.button}

    at.button(key="run_benchmarks").click().run()
    assert not at.exception and not at.error
    assert any("Scoring demo" in i.value for i in at.info)  # in the background, outside the script
    evaluated(at, home, "demo")
    scores = Store(home).meta("demo")["scores"]
    google = scores["analogies"]["google-analogies"]
    assert set(google) == {"add", "mul"} and set(scores["pairs"]) == {"wordsim353", "simlex999"}
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["3CosAdd accuracy"] == f"{google['add']['accuracy']:.1%}"
    assert metrics["3CosMul accuracy"] == f"{google['mul']['accuracy']:.1%}"
    assert metrics["Coverage"] == f"{google['add']['coverage']:.1%}"
    sections = table(at, "section")
    assert list(sections["section"])[:2] == ["capital-common-countries", "capital-world"]
    assert list(sections["section"])[-1] == "total" and len(sections) == 15
    pairs = table(at, "Spearman")
    assert list(pairs["benchmark"]) == ["WordSim353", "SimLex-999"]
    assert pairs["Spearman"][0] == pytest.approx(scores["pairs"]["wordsim353"]["spearman"])
    comparison = table(at, "Google 3CosAdd")
    assert list(comparison["evaluated"]) == [True, False]
    assert comparison["Google 3CosAdd"][0] == pytest.approx(google["add"]["accuracy"])

    button(at, "Evaluate tiny").click().run()
    evaluated(at, home, "tiny")
    assert not at.exception and any("Scored tiny." in s.value for s in at.success)
    assert Store(home).meta("tiny")["scores"]["pairs"]["wordsim353"]["covered"] == 0
    assert list(table(at, "Google 3CosAdd")["evaluated"]) == [True, True]


def test_own_benchmark_files_are_scored_and_kept_beside_the_standard_ones(demo_vectors, tmp_path):
    analogies = b": family\nking queen man woman\nfather mother son daughter\nking queen xyzzy woman\n"
    pairs = b"king\tqueen\t8.5\nking\tbread\t1.0\nman\twoman\t8.0\n"
    with uploaded_files(("family.txt", analogies), None, ("C:\\data\\mine.tsv", pairs)) as (a, nothing, p):
        assert nothing is None and a.name == "family.txt" and p.name == "mine.tsv"
        custom = evaluate_files(demo_vectors, a, p)
        assert a.exists()
    assert not a.exists()  # the temporary folder is gone
    family = custom["analogies"]["family"]
    assert family["add"]["questions"] == 3 and family["add"]["total"] == 2 and set(family) == {"add", "mul"}
    assert custom["pairs"]["mine"]["covered"] == 3
    merged = merge_scores({"analogies": {"google-analogies": {"add": {}}}, "pairs": {"wordsim353": {}}}, custom)
    assert set(merged["analogies"]) == {"google-analogies", "family"}
    assert set(merged["pairs"]) == {"wordsim353", "mine"}
    (tmp_path / "wordsim353.txt").write_bytes(pairs)  # a built-in's name cannot replace it
    assert set(evaluate_files(demo_vectors, pairs=tmp_path / "wordsim353.txt")["pairs"]) == {"wordsim353-custom"}
    (tmp_path / "bad.txt").write_bytes(b"king queen man\n")
    with pytest.raises(BenchmarkFileError, match="bad.txt line 1: expected 4 words, found 3"):
        evaluate_files(demo_vectors, analogies=tmp_path / "bad.txt")


def test_headlines_and_comparison_rows_say_not_evaluated():
    assert headline({"name": "x"}) == "not evaluated"
    scores = {"analogies": {"google-analogies": {"add": {"accuracy": 0.25, "coverage": 0.5}}},
              "pairs": {"wordsim353": {"spearman": 0.5}}}
    assert headline({"scores": scores}) == "Google 3CosAdd 25.0% (coverage 50%) · WordSim353 ρ 0.500"
    rows = comparison_rows([{"name": "a", "scores": scores}, {"name": "b"}])
    assert [r["evaluated"] for r in rows] == [True, False]
    assert rows[0]["Google 3CosAdd"] == 0.25 and rows[1]["Google 3CosAdd"] is None


# -- Models -------------------------------------------------------------------------------------------
def test_models_lists_the_store(app, home):
    Store(home).save("tiny", Vectors(["alpha", "beta"], np.eye(2)), {"trainer": "imported"})
    at = open_page(app, "models")
    models = table(at, "trainer")
    assert list(models["model"]) == ["demo", "tiny"]
    assert list(models["active"]) == [True, False]
    assert list(models["words"]) == [11424, 2] and list(models["dims"]) == [100, 2]
    assert models["trainer"][0] == "gensim-word2vec" and models["scores"][1] == "not evaluated"


def test_rename_validates_and_follows_the_active_model(app, home):
    at = open_page(app, "models")
    assert at.button(key="models_rename").disabled
    at.text_input(key="models_new_name").set_value("../escape").run()
    at.button(key="models_rename").click().run()
    assert "invalid model name '../escape'" in at.error[0].value
    assert Store(home).names() == ["demo"]
    at.text_input(key="models_new_name").set_value("bible").run()
    at.button(key="models_rename").click().run()
    assert not at.exception and "Renamed demo to bible." in at.success[0].value
    assert Store(home).names() == ["bible"]
    assert at.session_state["active_model"] == "bible"
    assert at.session_state["sidebar_model"] == "bible"  # AppTest runs a switched-to page without app.py
    assert list(table(at, "trainer")["model"]) == ["bible"]


def test_delete_needs_confirmation_and_selects_another_model(app, home):
    Store(home).save("tiny", Vectors(["alpha", "beta"], np.eye(2)))
    at = open_page(app, "models")
    assert at.selectbox(key="models_selected").value == "demo"
    assert at.button(key="models_delete").disabled
    with pytest.raises(AppTestError, match="disabled"):
        at.button(key="models_delete").click()
    at.checkbox(key="models_confirm_delete").check().run()
    assert not at.button(key="models_delete").disabled
    at.button(key="models_delete").click().run()
    assert not at.exception and "Deleted demo." in at.success[0].value
    assert Store(home).names() == ["tiny"]
    assert at.session_state["active_model"] == "tiny"
    assert at.session_state["sidebar_model"] == "tiny"
    assert not at.checkbox(key="models_confirm_delete").value  # the next delete asks again


def test_the_export_buttons_are_offered(app):
    at = open_page(app, "models")
    labels = [element.proto.label for element in at.get("download_button")]
    assert labels[:3] == ["word2vec text", "word2vec binary",
                          "Embedding Projector (vectors.tsv + metadata.tsv, zipped)"]
    assert "Coordinates CSV" in labels


def test_import_reads_uploaded_bytes_into_the_store(home):
    store = Store(home)
    meta = import_upload(store, "tiny", "C:\\Users\\me\\tiny.txt", SMALL_WORD2VEC)
    assert meta["words"] == 3 and meta["dim"] == 2 and meta["trainer"] == "imported"
    assert meta["source"] == {"file": "tiny.txt", "format": "word2vec"}
    np.testing.assert_array_equal(store.load("tiny").matrix, [[1, 2], [3, 4], [5, 6]])
    assert name_from("glove.6B.50d.txt") == "glove" and name_from("my vectors.vec") == "my-vectors"


@pytest.mark.parametrize("name, filename, data, fmt, message", [
    ("tiny", "tiny.txt", SMALL_WORD2VEC, None, "a model named 'tiny' already exists"),
    ("a/b", "a.txt", SMALL_WORD2VEC, None, "invalid model name"),
    ("new", "bad.txt", b"3 2\nalpha 1 2\nbeta 3\ngamma 5 6\n", None, "bad.txt line 3"),
    ("new", "model.model", b"\x80\x04pickle", None, "does not load .model files"),
    ("new", "vectors.tsv", b"1\t2\n", None, "add metadata.tsv"),
    ("new", "empty.txt", b"", None, "empty.txt is empty"),
    ("new", "tiny.txt", SMALL_WORD2VEC, "nonsense", "unknown vectors format"),
])
def test_a_bad_import_is_one_line_and_changes_nothing(home, name, filename, data, fmt, message):
    store = Store(home)
    import_upload(store, "tiny", "tiny.txt", SMALL_WORD2VEC)
    before = sorted(p.name for p in home.iterdir())
    with pytest.raises(EmbedvizError, match=message) as caught:
        import_upload(store, name, filename, data, fmt)
    assert "\n" not in str(caught.value)
    assert sorted(p.name for p in home.iterdir()) == before


def test_the_upload_limit_applies_to_imports(home, monkeypatch):
    monkeypatch.setenv("EMBEDVIZ_MAX_UPLOAD_MB", "1")
    with pytest.raises(VectorsFormatError, match="more than the limit of 1 MB"):
        import_upload(Store(home), "big", "big.txt", b"0" * (2 * 1024 * 1024))


def test_word2vec_exports_load_in_gensim(demo_vectors, tmp_path):
    small = demo_vectors.top(2000)  # gensim reads text slowly
    for binary in (False, True):
        path = tmp_path / f"demo-{binary}"
        path.write_bytes(export_bytes(small, "word2vec-binary" if binary else "word2vec"))
        kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
        assert kv.index_to_key == small.words
        np.testing.assert_array_equal(kv.vectors, small.matrix)
    assert word2vec_bytes(small).startswith(b"2000 100\nthe ")


def test_the_projector_zip_holds_both_files_and_imports_back(demo_vectors, home):
    small = demo_vectors.top(300)
    archive = zipfile.ZipFile(io.BytesIO(projector_zip(small)))
    assert sorted(archive.namelist()) == ["metadata.tsv", "vectors.tsv"]
    assert archive.read("metadata.tsv").decode().splitlines()[:2] == ["word\tcount", f"the\t{small.counts[0]}"]
    meta = import_upload(Store(home), "back", "vectors.tsv", archive.read("vectors.tsv"),
                          metadata=archive.read("metadata.tsv"))
    assert meta["source"]["format"] == "projector"
    back = Store(home).load("back")
    assert back.words == small.words and list(back.counts) == list(small.counts)
    np.testing.assert_array_equal(back.matrix, small.matrix)


def test_projected_coordinates_csv(demo_vectors):
    projection = project(demo_vectors.top(50), "pca", 2)
    lines = projection.csv_bytes().decode().splitlines()
    assert lines[0] == "word,x,y" and len(lines) == 51
    word, x, y = lines[1].split(",")
    assert word == projection.words[0] and float(x) == pytest.approx(projection.coords[0, 0])


def test_words_a_format_cannot_hold_are_reported_before_exporting():
    vectors = Vectors(["new york", "tab\there"], np.eye(2))
    assert "'new york'" in export_problem(vectors, "word2vec")
    assert "'tab\\there'" in export_problem(vectors, "projector")
    assert export_problem(Vectors(["new york"], [[1.0]]), "projector") is None
