"""Comparing classifier runs: McNemar's test, the columns that differ, the augmentation pair."""

import numpy as np
import pytest
from scipy.stats import binomtest

from embedviz.training.curve_reading import pack_outcomes
from embedviz.training.runs import compare_runs, flat_parameters, mcnemar


def test_mcnemar_is_the_exact_binomial_test_on_the_discordant_documents():
    # 10 documents only B gets right, 2 only A: a textbook example (two-sided exact p = 0.0386)
    a = np.array([True] * 50 + [True] * 2 + [False] * 10 + [False] * 38)
    b = np.array([True] * 50 + [False] * 2 + [True] * 10 + [False] * 38)
    result = mcnemar(a, b)
    assert (result.a_only, result.b_only, result.documents) == (2, 10, 100)
    assert result.p_value == pytest.approx(binomtest(10, 12, 0.5).pvalue) == pytest.approx(0.0386, abs=1e-4)
    assert result.difference == pytest.approx(0.08) and result.significant
    assert result.low < 0.08 < result.high
    assert "+8.0 points" in result.words() and "significant" in result.words()


def test_one_point_on_three_hundred_documents_is_within_noise():
    rng = np.random.default_rng(0)
    a = rng.random(330) < 0.9
    b = a.copy()
    flip = np.flatnonzero(~a)[:3]
    b[flip] = True  # B gets 3 more documents right: +0.9 points
    result = mcnemar(a, b)
    assert not result.significant and result.low < 0 < result.high
    assert "within noise" in result.words()


def test_identical_runs_differ_by_nothing():
    a = np.array([True, False, True])
    assert mcnemar(a, a).p_value == 1.0 and mcnemar(a, a).difference == 0


def test_runs_of_different_sizes_are_refused():
    with pytest.raises(ValueError):
        mcnemar([True, False], [True])


def meta(name, right, split="s1", **parameters):
    base = {"label_column": "genre", "dim": 100, "dropout": 0.5, "augment": None, "patience": 3,
            "init_from": None, "threads": 1, "baseline": True}
    right = np.asarray(right)
    return {"name": name, "trainer": "torch-classifier", "parameters": {**base, **parameters},
            "test_accuracy": float(right.mean()), "val_accuracy": 0.5, "train_accuracy": 0.9,
            "baseline": {"test_accuracy": 0.6},
            "evaluation": {"split": split, "test_outcomes": pack_outcomes(right),
                           "baseline_test_outcomes": pack_outcomes(np.roll(right, 1))}}


def test_the_table_shows_every_parameter_that_differs_and_only_those():
    rng = np.random.default_rng(1)
    right = rng.random(400) < 0.6
    runs = [meta("a-very-long-name-of-a-classifier-run-with-augmentation", right),
            meta("b", right, augment={"deletion": 0.1, "swap": 1, "synonym": 0.0, "synonym_model": None}),
            meta("c", right, patience=5, init_from="demo"),
            {"name": "demo", "trainer": "gensim-word2vec"}]
    table = compare_runs(runs, reference="a-very-long-name-of-a-classifier-run-with-augmentation")
    assert set(table.varying) == {"augment.deletion", "augment.swap", "patience", "init_from"}
    assert "dim" not in table.columns and "threads" not in table.columns
    assert [r["model"] for r in table.rows] == ["a-very-long-name-of-a-classifier-run-with-augmentation", "b", "c"]
    assert table.rows[0]["vs reference"] == "(reference)"
    assert table.rows[1]["vs reference"].startswith("+0.0 points") and "within noise" in table.rows[1]["vs reference"]
    assert table.rows[2]["init_from"] == "demo" and table.rows[0]["init_from"] == "-"
    assert all("p = " in r["vs TF-IDF"] for r in table.rows)


def test_runs_on_other_splits_are_not_compared_document_by_document():
    right = np.ones(10, dtype=bool)
    table = compare_runs([meta("a", right), meta("b", right, split="s2")], reference="a")
    assert "another test split" in table.rows[1]["vs reference"]


def test_an_augmented_run_shows_its_twin_without_augmentation():
    rng = np.random.default_rng(2)
    twin = rng.random(2000) < 0.6
    mine = twin.copy()
    mine[np.flatnonzero(~twin)[:80]] = True  # +4 points on 2,000 documents: significant
    run = meta("aug", mine, augment={"deletion": 0.1})
    run["augment_pair"] = {"without": {"test_accuracy": float(twin.mean())}, "test_outcomes": pack_outcomes(twin)}
    row = compare_runs([run]).rows[0]
    assert row["without augmentation"].startswith(f"{twin.mean():.1%}; augmentation: +4.0 points")
    assert "significant" in row["without augmentation"]


def test_flat_parameters_spell_out_augmentation_and_leave_out_what_learns_nothing():
    flat = flat_parameters(meta("x", [True], augment={"deletion": 0.1, "swap": 0, "synonym_model": None}))
    assert flat["augment.deletion"] == 0.1 and "augment.swap" not in flat and "threads" not in flat
