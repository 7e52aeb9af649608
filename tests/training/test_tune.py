"""Hyperparameter search: defaults as trial 0, seeded proposals, saving the best, figures, bad input."""

import json

import pytest

from embedviz.core.errors import ParameterError
from embedviz.figures.improve import importance_figure, tuning_history_figure
from embedviz.training.gensim import TrainingParameters
from embedviz.training.search_reading import ImportanceUnavailable, param_importances
from embedviz.training.tune import tune

FIXED = {"dim": 20, "epochs": 2, "workers": 1}  # workers=1: gensim is deterministic, so is the search


@pytest.fixture(scope="module")
def search(tiny_corpus):
    reports = []
    result = tune("word2vec", tiny_corpus, trials=3, score="wordsim353", seed=7, fixed=FIXED,
                  progress=reports.append)
    return result, reports


def test_defaults_are_trial_zero_and_never_beaten_by_less(search):
    result, _ = search
    assert len(result.trials) == 3 and [t.number for t in result.trials] == [0, 1, 2]
    defaults = TrainingParameters()
    assert result.trials[0].params == {name: getattr(defaults, name)
                                       for name in ("window", "negative", "sample", "sg")}
    assert set(result.space) == {"window", "negative", "sample", "sg"}  # dim and epochs were fixed
    assert all(t.state == "complete" and t.seconds > 0 for t in result.trials)
    # The best is the highest complete trial, and the gain is its difference from trial 0's.
    assert result.best_score == max(t.score for t in result.trials)
    assert result.gain == pytest.approx(result.best_score - result.default_score)
    assert result.parameters["dim"] == 20 and result.parameters["min_count"] == 5
    summary = json.loads(json.dumps(result.to_dict()))
    assert summary["default_score"] == result.trials[0].score
    assert summary["best_params"] == result.best_params
    assert [t["default"] for t in summary["trials"]] == [True, False, False]


def test_progress_reports(search):
    _, reports = search
    stages = [r.stage for r in reports if r.stage != "training"]
    result, _ = search
    confirming = ["confirm"] * 6 if result.best.number != 0 else []  # 3 fresh seeds x (defaults, best)
    assert stages == ["trial", "trial-done"] * 3 + confirming + ["done"]
    epochs = [r for r in reports if r.stage == "training"]
    assert len(epochs) == 3 * 2 and epochs[0].epochs == 2
    done = reports[-1]
    assert done.best_score >= done.default_score and done.trials == 3
    json.dumps([r.to_dict() for r in reports])


def test_same_seed_same_search(search, tiny_corpus):
    result, _ = search
    again = tune("word2vec", tiny_corpus, trials=3, score="wordsim353", seed=7, fixed=FIXED)
    assert [t.params for t in again.trials] == [t.params for t in result.trials]
    assert [t.score for t in again.trials] == [t.score for t in result.trials]


def test_save_best(search, store):
    result, _ = search
    path = result.save_best(store, "tuned")
    vectors = store.load("tuned")
    assert len(vectors) == len(result.best_model.vectors) and vectors.dim == 20
    meta = store.meta("tuned")
    assert meta["tuning"]["best_score"] == result.best_score and meta["tuning"]["trials"] == 3
    assert path.name == "tuned"


class ScriptedTrials:
    """A trainer whose score depends only on the settings and the seed: the confirmation's arithmetic."""

    def __init__(self, scores):
        self.scores = scores  # {(window, seed): score}

    def run(self, parameters, progress):
        return None, self.scores[(parameters.window, parameters.seed)], {}


def _result_with_best(window):
    from embedviz.training.tune import TrialRecord, TuneResult

    trials = [TrialRecord(0, {"window": 5}, 0.40, 1.0, "complete"),
              TrialRecord(1, {"window": window}, 0.45, 1.0, "complete")]
    return TuneResult("word2vec", "analogies", 0, trials, {}, {}, {}, 2.0)


def test_confirmation_says_a_real_gain_is_real():
    from embedviz.training.search_reading import confirm_gain

    defaults = TrainingParameters(seed=1)
    scores = {(5, 1001): 0.40, (5, 1002): 0.41, (5, 1003): 0.42, (2, 1001): 0.50, (2, 1002): 0.52, (2, 1003): 0.51}
    out = confirm_gain(_result_with_best(2), defaults, ScriptedTrials(scores), 3, lambda *a: None)
    assert out["real"] and out["gain"] == pytest.approx(0.10)
    assert 0 < out["low"] < out["gain"] < out["high"]
    assert out["spread"] == pytest.approx(0.01) and out["ratio_to_spread"] == pytest.approx(10)
    assert "a real gain" in out["reading"] and "+0.1000" in out["reading"]


def test_confirmation_says_a_lucky_trial_is_noise():
    from embedviz.training.search_reading import confirm_gain

    defaults = TrainingParameters(seed=1)
    scores = {(5, 1001): 0.40, (5, 1002): 0.44, (5, 1003): 0.42, (2, 1001): 0.43, (2, 1002): 0.41, (2, 1003): 0.42}
    result = _result_with_best(2)
    result.confirmation = confirm_gain(result, defaults, ScriptedTrials(scores), 3, lambda *a: None)
    assert not result.confirmation["real"] and result.confirmation["low"] < 0 < result.confirmation["high"]
    assert "within the noise" in result.reading() and "nothing better" in result.reading()


def test_a_search_won_by_the_defaults_says_so():
    result = _result_with_best(2)
    result.trials[1].score = 0.30
    assert result.reading().startswith("nothing better than the defaults")


def test_history_figure_is_optunas_with_the_defaults_line(search):
    result, _ = search
    figure = tuning_history_figure(result)
    names = [t.name for t in figure.data]
    assert "WordSim-353 Spearman x coverage" in names and "Best Value" in names  # optuna.visualization's
    scores = next(t for t in figure.data if t.name == "WordSim-353 Spearman x coverage")
    assert list(scores.x) == [0, 1, 2] and list(scores.y) == [t.score for t in result.trials]
    best = list(next(t for t in figure.data if t.name == "Best Value").y)
    assert best == sorted(best) and best[-1] == result.best_score
    assert any(shape.y0 == result.default_score for shape in figure.layout.shapes)


def _summary(scores):
    space = {"window": {"type": "int", "low": 2, "high": 10},
             "sample": {"type": "float", "low": 1e-5, "high": 1e-2, "log": True}}
    trials = [{"number": i, "params": {"window": 2 + i, "sample": 1e-4 * (i + 1)}, "score": s,
               "seconds": 1.0, "state": "complete", "details": {}} for i, s in enumerate(scores)]
    return {"space": space, "trials": trials, "score": "analogies", "default_score": scores[0]}


def test_importance_bars_and_messages():
    importances = param_importances(_summary([0.1, 0.3, 0.2, 0.5, 0.4]))
    assert set(importances) == {"window", "sample"}
    assert sum(importances.values()) == pytest.approx(1.0)
    figure = importance_figure(_summary([0.1, 0.3, 0.2, 0.5, 0.4]))
    assert [t.type for t in figure.data] == ["bar"] and set(figure.data[0].y) == {"window", "sample"}
    with pytest.raises(ImportanceUnavailable, match="at least 2 completed trials"):
        param_importances(_summary([0.1]))
    figure = importance_figure(_summary([0.1]))
    assert not figure.data and "at least 2 completed trials" in figure.layout.annotations[0].text
    assert "scored the same" in importance_figure(_summary([0.2, 0.2, 0.2])).layout.annotations[0].text


def test_timeout_keeps_the_defaults(tiny_corpus):
    result = tune("word2vec", tiny_corpus, trials=5, fixed=FIXED, timeout=1e-6)
    assert len(result.trials) == 1 and result.stopped.startswith("timeout")
    assert result.best_score == result.default_score and result.gain == 0


def test_classifier_search(labelled_corpus, store, one_torch_thread):
    fixed = {"label_column": "topic", "epochs": 2, "dim": 16}
    result = tune("classifier", labelled_corpus, trials=2, seed=0, fixed=fixed)
    assert result.score == "val_accuracy" and len(result.trials) == 2
    assert result.trials[0].params["weight_decay"] == 0.0  # the real default, outside the log range
    assert "dim" not in result.space and "pooling" in result.space
    assert result.best_score >= result.default_score
    result.save_best(store, "topics")
    assert (store.path("topics") / "classifier.npz").is_file()
    # The saved model is the best trial's: its stored test accuracy is the trial's.
    assert store.meta("topics")["test_accuracy"] == pytest.approx(result.best.details["test_accuracy"])
    assert store.load("topics").dim == 16
    try:  # the default's weight_decay 0 is outside the log range: it must still be readable
        assert "weight_decay" in param_importances(result.to_dict())
    except ImportanceUnavailable as exc:
        assert "scored the same" in str(exc)


@pytest.mark.parametrize("kwargs, message", [
    (dict(kind="glove"), "kind must be one of 'word2vec', 'fasttext', 'classifier', not 'glove'"),
    (dict(score="bleu"), r"score \(for word2vec\) must be one of 'analogies', 'wordsim353', 'simlex999', not 'bleu'"),
    (dict(trials=0), "trials must be a whole number from 1"),
    (dict(trials=2.5), "trials must be a whole number from 1"),
    (dict(seed=-1), "seed must be"),
    (dict(timeout=0), "timeout must be"),
    (dict(fixed={"dimension": 20}), "unknown training parameter 'dimension'"),
    (dict(fixed={"algo": "fasttext"}), "contradicts kind"),
    (dict(kind="classifier", score=None), "label_column is required"),
])
def test_bad_input(tiny_corpus, kwargs, message):
    arguments = {"kind": "word2vec", "trials": 2, **kwargs}
    kind = arguments.pop("kind")
    with pytest.raises(ParameterError, match=message):
        tune(kind, tiny_corpus, **arguments)
