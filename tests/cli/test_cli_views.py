"""compare, evolution and axis on the command line, and train --snapshots; each trainer's own
defaults when an option is not given."""

import json

import numpy as np
import pytest

from embedviz.cli.main import main
from embedviz.vectors.store import Store
from embedviz.vectors.vectors import Vectors


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def with_snapshots(small_corpus, home, capsys):
    code, out, err = run(capsys, "train", small_corpus, "--name", "snap", "--dim", 20, "--epochs", 3,
                         "--workers", 1, "--snapshots", 300, "--quiet", "--json")
    assert code == 0, err
    return json.loads(out)


def test_train_with_snapshots_then_evolution(with_snapshots, home, capsys):
    kept = with_snapshots["snapshots"]
    assert {k: kept[k] for k in ("words", "epochs", "bytes")} == {"words": 300, "epochs": 3, "bytes": 3 * 300 * 20 * 2}
    assert kept["seconds"] > 0
    assert (Store(home).path("snap") / "snapshots.npy").is_file()
    code, out, err = run(capsys, "evolution", "snap", "--words", "god,lord", "-k", 4, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [e["epoch"] for e in data["epochs"]] == [1, 2, 3]
    final = data["epochs"][-1]["words"]
    assert set(final) == {"god", "lord"} and abs(final["god"]["shift_to_final"]) < 1e-5
    assert [len(w["neighbours"]) for w in final.values()] == [4, 4]
    assert data["epochs"][0]["words"]["god"]["shift_to_final"] > final["god"]["shift_to_final"]
    code, out, err = run(capsys, "evolution", "snap", "--words", "zzqx")
    assert code == 1 and "not in the 300 words kept in the snapshots" in err and err.count("\n") == 1


def test_evolution_without_snapshots_and_the_classifier_are_refused(home, capsys):
    code, out, err = run(capsys, "evolution", "demo")
    assert code == 1 and "trained without snapshots" in err and err.count("\n") == 1
    code, out, err = run(capsys, "train", "x.csv", "--algo", "torch-classifier", "--snapshots")
    assert code == 1 and "not the classifier" in err


def test_compare_a_rotated_copy_and_another_model(with_snapshots, home, capsys):
    store = Store(home)
    demo = store.load("demo")
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(demo.dim, demo.dim)))
    store.save("turned", Vectors(demo.words, demo.matrix @ q.astype(np.float32), demo.counts))
    code, out, err = run(capsys, "compare", "demo", "turned", "--top", 300, "--json")
    assert code == 0, err
    same = json.loads(out)
    assert same["shared"] == len(demo) and same["compared"] == 300 and same["aligned"]
    assert same["mean_overlap"] == pytest.approx(1.0) and max(w["shift"] for w in same["words"]) < 1e-4
    assert set(same["words"][0]) == {"word", "shift", "overlap", "count_a", "count_b"}

    code, out, err = run(capsys, "compare", "demo", "snap", "-k", 5, "--min-count", 30, "--json")
    assert code == 0, err
    other = json.loads(out)   # 100 against 20 dimensions: the overlap only, least first
    assert not other["aligned"] and "100 and 20 dimensions" in other["reason"]
    overlaps = [w["overlap"] for w in other["words"]]
    assert overlaps == sorted(overlaps) and 0 < other["mean_overlap"] < 1
    assert all(w["count_a"] >= 30 and w["count_b"] >= 30 and w["shift"] is None for w in other["words"])
    code, out, err = run(capsys, "compare", "demo", "turned", "--top", 100, "--show", 3)
    assert code == 0 and "most moved first" in out and len(out.splitlines()) == 5


def test_axis_scores_and_messages(home, capsys):
    code, out, err = run(capsys, "axis", "demo", "woman - man", "--top", 1000, "--json")
    assert code == 0, err
    data = json.loads(out)
    demo = Store(home).load("demo")
    d = demo.unit[demo.index["woman"]] - demo.unit[demo.index["man"]]
    expected = demo.unit[:1000] @ (d / np.linalg.norm(d))
    got = {w["word"]: w["score"] for w in data["words"]}
    np.testing.assert_allclose([got[w] for w in demo.words[:1000]], expected, atol=1e-6)
    assert [w["score"] for w in data["words"]] == sorted(got.values(), reverse=True)
    code, out, err = run(capsys, "axis", "demo", "good - evil", "--words", "good,evil,king", "--json")
    assert [w["word"] for w in json.loads(out)["words"]] == ["good", "king", "evil"]
    code, _, analogy_err = run(capsys, "analogy", "demo", "womann - man")
    code, out, err = run(capsys, "axis", "demo", "womann - man")
    assert code == 1 and err == analogy_err and err.count("\n") == 1


def test_each_trainer_keeps_its_own_defaults(small_corpus, home, capsys):
    code, out, err = run(capsys, "train", small_corpus, "--algo", "torch-sgns", "--dim", 8, "--min-count", 20,
                         "--name", "sg", "--quiet", "--json")
    assert code == 0, err
    from embedviz.training.sgns import SGNSParameters

    assert json.loads(out)["parameters"]["epochs"] == SGNSParameters().epochs == 5


def test_concordance_lines_shared_contexts_and_messages(with_snapshots, home, capsys):
    code, out, err = run(capsys, "concordance", "snap", "god", "-n", 7, "--with", "lord", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["word"] == "god" and len(data["lines"]) == 7 and data["with"] == "lord"
    assert all(set(line) == {"left", "word", "right", "document"} and line["word"] == "god" for line in data["lines"])
    assert data["shared"] and all({"word", "count"} <= set(c) for c in data["shared"])
    code, out, err = run(capsys, "concordance", "snap", "god")
    assert code == 0 and "[god]" in out and "shared" not in out
    code, out, err = run(capsys, "concordance", "snap", "godd")
    assert code == 1 and err.startswith("error: unknown word 'godd'") and err.count("\n") == 1
    code, out, err = run(capsys, "concordance", "demo", "god", "-n", 0)
    assert code == 2 and out == ""


def test_project_documents_writes_one_row_per_document(small_corpus, home, capsys, tmp_path):
    out = tmp_path / "docs.csv"
    code, text, err = run(capsys, "project", "demo", "--documents", small_corpus, "--method", "pca", "--dims", 3,
                          "--out", out, "--json")
    assert code == 0, err
    data = json.loads(text)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "document,label,x,y,z,text" and len(lines) == data["documents"] + 1
    assert data["weighting"] == "sif" and data["dims"] == 3
    code, text, err = run(capsys, "project", "demo", "--documents", small_corpus, "--label-column", "nope",
                          "--method", "pca", "--out", tmp_path / "bad.csv")
    assert code == 1 and "no column 'nope'" in err and err.count("\n") == 1 and not (tmp_path / "bad.csv").exists()
