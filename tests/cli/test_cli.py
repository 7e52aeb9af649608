"""The command line, run as a user runs it: a real process, real files, exit codes and stderr."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from corpus_support import bundled_rows, write_csv

from embedviz.cli.main import main
from embedviz.core.settings import PROJECT_DIR
from embedviz.vectors.store import Store


def cli(*args, home, check=True):
    """Run ``python -m embedviz`` in a new process with EMBEDVIZ_HOME=home."""
    env = dict(os.environ, EMBEDVIZ_HOME=str(home), PYTHONPATH=str(PROJECT_DIR))
    env.pop("EMBEDVIZ_DEBUG", None)
    result = subprocess.run([sys.executable, "-m", "embedviz", *map(str, args)], capture_output=True,
                            text=True, env=env, cwd=PROJECT_DIR, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"exit {result.returncode}: {result.stderr}")
    return result


def run_main(capsys, *args):
    """Run the CLI in this process (faster); return (exit code, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_train_list_query_export_import_delete(small_corpus, home, tmp_path, capsys):
    """The training in a real process (as a user runs it); the queries on its model in this one
    (the same ``main``; a real process each would only add its start-up, 2 s each)."""
    out = cli("train", small_corpus, "--name", "gen", "--dim", 20, "--epochs", 2, "--workers", 1, "--json",
              home=home)
    meta = json.loads(out.stdout)
    assert meta["name"] == "gen" and meta["dim"] == 20 and meta["words"] > 1000

    def query(*args):
        code, out, err = run_main(capsys, *args)
        assert code == 0, err
        return out

    listed = json.loads(query("list", "--json"))
    assert [m["name"] for m in listed] == ["demo", "gen"]
    neighbours = json.loads(query("neighbors", "gen", "god", "-k", 3, "--json"))
    assert neighbours["word"] == "god" and len(neighbours["neighbours"]) == 3
    analogy = json.loads(query("analogy", "demo", "king - man + woman", "-k", 3, "--json"))
    assert analogy["answers"][0]["word"] == "queen"
    text = query("analogy", "demo", "king-man+woman", "--method", "mul")
    assert text.splitlines()[0].split()[0] == "queen"
    exported = tmp_path / "gen.txt"
    query("export", "gen", "--format", "word2vec", "--out", exported)
    imported = json.loads(query("import", exported, "--name", "gen2", "--json"))
    assert imported["words"] == meta["words"]
    store = Store(home)
    np.testing.assert_allclose(store.load("gen2").matrix, store.load("gen").matrix, rtol=1e-6)
    query("delete", "gen2")
    assert "gen2" not in store.names()


def test_project_writes_csv(home, tmp_path, capsys):
    out_csv = tmp_path / "pca.csv"
    code, out, err = run_main(capsys, "project", "demo", "--method", "pca", "--top", 500, "--out", out_csv,
                              "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["words"] == 500 and 0.5 < summary["trustworthiness"] <= 1
    lines = out_csv.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "word,x,y" and len(lines) == 501
    code, out, err = run_main(capsys, "project", "demo", "--method", "pca", "--top", 500, "--out", out_csv,
                              "--json")
    assert json.loads(out)["cached"] is True


def test_evaluate_stores_scores(home, capsys):
    code, out, err = run_main(capsys, "evaluate", "demo", "--json")
    assert code == 0, err
    scores = json.loads(out)
    google = scores["analogies"]["google-analogies"]["add"]
    assert 0 < google["accuracy"] < 1 and 0 < google["coverage"] < 1
    assert -1 < scores["pairs"]["wordsim353"]["spearman"] < 1
    assert Store(home).meta("demo")["scores"] == scores


def test_stats_and_info_and_doesnt_match(small_corpus, home, capsys):
    code, out, err = run_main(capsys, "stats", small_corpus, "--label-column", "book", "--json")
    assert code == 0, err
    stats = json.loads(out)
    assert stats["documents"] == 4000 and stats["labels"]["book"]["Genesis"] == 1533
    code, out, _ = run_main(capsys, "doesnt-match", "demo", "king", "queen", "prince", "bread")
    assert out.strip() == "bread"
    code, out, _ = run_main(capsys, "info", "demo", "--json")
    assert json.loads(out)["trainer"] == "gensim-word2vec"


@pytest.mark.parametrize("args,message", [
    (["neighbors", "demo", "qqqzzx"], "error: unknown word 'qqqzzx'"),
    (["neighbors", "nomodel", "king"], "error: no model named 'nomodel'"),
    (["neighbors", "../etc", "king"], "error: invalid model name"),
    (["analogy", "demo", "king - "], "error: the expression ends with an operator"),
    (["analogy", "demo", ""], "error: the expression is empty"),
    (["analogy", "demo", "kingg - man + woman"], "did you mean: king"),
    (["neighbors", "demo", "king", "-k", "0"], "expected a number of at least 1"),
    (["project", "demo", "--method", "mds", "--out", "x.csv"], "invalid choice: 'mds'"),
    (["train", "/no/such/file.txt"], "error: /no/such/file.txt: no such file"),
    (["import", "/no/such/vectors.txt"], "no such file"),
    (["delete", "nomodel"], "error: no model named 'nomodel'"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
])
def test_bad_input_is_one_line_on_stderr(home, capsys, args, message):
    code, out, err = run_main(capsys, *args)
    assert code != 0
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_bad_input_in_a_real_process_changes_nothing(tmp_path, home):
    bad = tmp_path / "bad.txt"
    bad.write_text("king 0.1 0.2\nqueen 0.3\n", encoding="utf-8")
    before = cli("list", "--json", home=home).stdout
    result = cli("import", bad, "--name", "demo", "--overwrite", home=home, check=False)
    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert cli("list", "--json", home=home).stdout == before
    corrupt = tmp_path / "corrupt.csv.gz"
    corrupt.write_bytes(b"\x1f\x8b\x08\x00garbage")
    result = cli("train", corrupt, "--quiet", home=home, check=False)
    assert result.returncode == 1 and "truncated or corrupt" in result.stderr
    assert result.stderr.count("\n") == 1
    assert cli("list", "--json", home=home).stdout == before


def test_existing_model_name_is_refused_before_training(small_corpus, home, capsys):
    code, out, err = run_main(capsys, "train", small_corpus, "--name", "demo")
    assert code == 1 and "already exists" in err


def test_every_command_is_in_the_readme():
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    from embedviz.cli.main import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name in commands:
        assert f"python -m embedviz {name}" in readme, f"the README does not document '{name}'"


def test_the_readme_settings_table_matches_the_settings():
    """Every limit is documented with its real default and meaning, and nothing else is."""
    from embedviz.core.settings import SETTINGS

    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`EMBEDVIZ_"):
            rows[cells[0].strip("`")] = (cells[1], cells[2])
    assert set(rows) == set(SETTINGS)
    for name, (default, meaning) in SETTINGS.items():
        shown, described = rows[name]
        assert described == meaning, name
        if isinstance(default, int):
            assert shown == str(default), name
        elif default == "":
            assert shown == "(none)", name
        elif Path(default).is_absolute():  # a folder: shown relative to the project
            assert shown.strip("`") == str(Path(default).relative_to(PROJECT_DIR)), name
        else:
            assert shown.strip("`") == default, name


@pytest.fixture(scope="module")
def labelled(tmp_path_factory):
    """600 Shakespeare speeches with their genre, shuffled."""
    import random

    rows = [row for row in bundled_rows("shakespeare") if len(row["text"]) > 40]
    random.Random(0).shuffle(rows)
    return write_csv(tmp_path_factory.mktemp("labelled") / "plays.csv", rows[:600])


def test_train_torch_classifier_and_sgns(labelled, home, capsys):
    code, out, err = run_main(capsys, "train", labelled, "--algo", "torch-classifier", "--label-column", "genre",
                              "--dim", 16, "--epochs", 2, "--name", "genre", "--json")
    assert code == 0, err
    meta = json.loads(out)
    assert meta["trainer"] == "torch-classifier" and meta["dim"] == 16
    assert (Store(home).path("genre") / "classifier.npz").is_file()
    code, out, err = run_main(capsys, "train", labelled, "--algo", "torch-sgns", "--dim", 16, "--epochs", 1,
                              "--min-count", 2, "--name", "sg", "--json")
    assert code == 0, err
    assert json.loads(out)["trainer"] == "torch-sgns"
    code, out, err = run_main(capsys, "train", labelled, "--algo", "torch-classifier")
    assert code == 1 and "needs --label-column" in err and err.count("\n") == 1


def test_curve_and_tune_commands(labelled, home, capsys):
    code, out, err = run_main(capsys, "curve", labelled, "--dim", 10, "--epochs", 1, "--min-count", 2,
                              "--fractions", "0.5,1", "--score", "wordsim353", "--json")
    assert code == 0, err
    curve = json.loads(out)
    assert [p["fraction"] for p in curve["points"]] == [0.5, 1.0] and curve["reading"]
    code, out, err = run_main(capsys, "tune", labelled, "--trials", 2, "--dim", 10, "--epochs", 1,
                              "--min-count", 2, "--score", "wordsim353", "--save", "tuned", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert len(result["trials"]) == 2 and result["best_score"] >= result["default_score"]
    assert Store(home).exists("tuned")
    code, out, err = run_main(capsys, "curve", labelled, "--fractions", "0.5,0.2")
    assert code == 1 and "strictly increasing" in err


def test_an_empty_name_is_refused_not_replaced_by_the_default(small_corpus, home, capsys, tmp_path):
    vectors = tmp_path / "v.txt"
    vectors.write_text("2 3\nking 1 0 0\nqueen 0 1 0\n", encoding="utf-8")
    assert run_main(capsys, "list")[0] == 0  # the store exists, with the demo
    before = sorted(p.name for p in Path(home).iterdir())
    for args in (("import", vectors, "--name", ""), ("train", small_corpus, "--name", "")):
        code, out, err = run_main(capsys, *args)
        assert code == 1 and err.startswith("error: invalid model name ''") and err.count("\n") == 1
    assert sorted(p.name for p in Path(home).iterdir()) == before
