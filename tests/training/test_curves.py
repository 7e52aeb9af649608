"""Learning curves: nested subsets, the points, the reading rule, the figure and bad input."""

import json
from dataclasses import asdict

import pytest

from embedviz.text.corpus import Corpus
from embedviz.training.curve_reading import unpack_outcomes
from embedviz.training.curves import TokenisedCorpus, learning_curve, score_vectors
from embedviz.core.errors import ParameterError
from embedviz.figures.improve import epochs_figure, learning_curve_figure
from embedviz.training.gensim import Progress

TINY = {"dim": 20, "epochs": 2, "workers": 1}





def test_word_vector_curve(tiny_corpus):
    reports = []
    curve = learning_curve(tiny_corpus, "word2vec", parameters=TINY, progress=reports.append)
    assert [p.fraction for p in curve.points] == [0.1, 0.25, 0.5, 1.0]
    documents = [p.documents for p in curve.points]
    assert documents == [300, 750, 1500, 3000]
    tokens = [p.tokens for p in curve.points]
    assert tokens == sorted(tokens) and tokens[0] > 0
    for point in curve.points:
        assert point.score is not None and 0 <= point.score <= 1
        assert point.details["questions"] == 19544
        # the comparable score is accuracy x coverage: correct over all questions; a repeated
        # point's score is the mean of its repeats, its details the first repeat's
        first = point.scores[0] if point.scores else point.score
        assert first == pytest.approx(point.details["correct"] / 19544)
        assert point.score == pytest.approx(sum(point.scores) / len(point.scores) if point.scores else first)
    coverage = [p.details["coverage"] for p in curve.points]
    assert coverage == sorted(coverage) and coverage[-1] > coverage[0]
    assert [r.stage for r in reports] == ["started", "point"] * 4 + ["done"]
    summary = json.loads(json.dumps(curve.to_dict()))
    assert summary["verdict"] in ("rising", "flattened", "too noisy", "no signal")
    assert [len(p["scores"]) for p in summary["points"]] == [3, 3, 0, 0]  # repeats at 10% and 25%
    assert summary["reading"] == curve.reading()
    assert summary["parameters"]["dim"] == 20 and summary["parameters"]["algo"] == "word2vec"
    figure = learning_curve_figure(summary)
    assert [t.name for t in figure.data] == ["analogy accuracy (all questions)", "coverage"]
    assert figure.layout.xaxis.type == "log"
    assert figure.layout.title.text.startswith("Learning curve: ")


@pytest.mark.parametrize("sampling", ["first", "random"])
def test_subsets_are_nested(tiny_corpus, sampling):
    with TokenisedCorpus(Corpus(tiny_corpus)) as whole:
        masks = [whole.selection(f, sampling, seed=3) for f in (0.1, 0.25, 0.5, 1.0)]
        for small, large in zip(masks, masks[1:]):
            assert small.sum() < large.sum()
            assert not (small & ~large).any()
        assert (whole.selection(0.25, sampling, seed=3) == masks[1]).all()
        part = whole.subset(0.1, sampling, seed=3)
        assert part.documents == 300 and sum(len(s) for s in part.sentences()) == part.tokens
    if sampling == "random":
        assert not masks[0][300:].all() and masks[0][300:].any()  # not just the first verses


def test_pairs_score_is_spearman_times_coverage(demo_vectors):
    value, details = score_vectors(demo_vectors, "wordsim353")
    assert details["spearman"] is not None
    assert value == pytest.approx(details["spearman"] * details["covered"] / details["pairs"])


def test_repeats_measure_the_seed_spread_at_the_small_fractions(tiny_corpus):
    curve = learning_curve(tiny_corpus, "word2vec", fractions=[0.25, 0.5, 1.0], parameters=TINY, repeats=2)
    small, middle, large = curve.points
    assert len(small.scores) == 2 and small.score == pytest.approx(sum(small.scores) / 2)
    assert middle.scores == [] and large.scores == []  # only fractions <= REPEAT_UP_TO are repeated
    summary = curve.to_dict()
    assert summary["repeats"] == 2 and summary["noise"] > 0
    assert summary["verdict"] in ("rising", "flattened", "too noisy", "no signal")
    with pytest.raises(ParameterError, match="repeats must be a whole number"):
        learning_curve(tiny_corpus, repeats=0)


def test_classifier_curve(labelled_corpus, one_torch_thread):
    curve = learning_curve(labelled_corpus, "classifier", fractions=[0.25, 1.0], repeats=2,
                           parameters={"label_column": "topic", "dim": 16, "epochs": 2, "lr": 0.01})
    assert curve.score == "val_accuracy"
    small, large = curve.points
    assert 0 < small.documents < large.documents
    assert small.details["validation_documents"] == large.details["validation_documents"] > 0
    assert len(small.scores) == 2 and len(small.train_scores) == 2
    for point in curve.points:
        assert 0 <= point.score <= 1 and 0 <= point.train_score <= 1
        assert point.details["train_documents"] == point.documents
        # the validation outcomes are kept: their mean is the (first repeat's) validation accuracy
        outcomes = unpack_outcomes(asdict(point))
        assert len(outcomes) == point.details["validation_documents"]
    assert unpack_outcomes(asdict(large)).mean() == pytest.approx(large.score)
    summary = json.loads(json.dumps(curve.to_dict()))
    assert summary["parameters"]["baseline"] is False
    figure = learning_curve_figure(curve)
    assert [t.name for t in figure.data] == ["validation", "training"]


def test_epochs_figure():
    history = [Progress("training", epoch=i, epochs=3, loss=1 / i, val_loss=1.2 / i, accuracy=0.5 + i / 10,
                        val_accuracy=0.4 + i / 10) for i in (1, 2, 3)]
    figure = epochs_figure([Progress("reading")] + history)
    assert [t.name for t in figure.data] == ["training loss", "validation loss", "training accuracy",
                                             "validation accuracy"]
    assert list(figure.data[0].x) == [1, 2, 3]
    word2vec = epochs_figure([{"epoch": 1, "loss": 5.0}, {"epoch": 2, "loss": 4.0}])
    assert [t.name for t in word2vec.data] == ["training loss"]
    assert any(a.text.startswith("waiting") for a in epochs_figure([]).layout.annotations)


@pytest.mark.parametrize("fractions, message", [
    ([0, 0.5], "in (0, 1]"), ([0.5, 1.5], "in (0, 1]"), ([0.5, 0.25, 1], "strictly increasing"),
    ([0.5, 0.5], "strictly increasing"), ([], "at least one"), (["half"], "numbers"),
])
def test_bad_fractions(tiny_corpus, fractions, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace("]", r"\]")):
        learning_curve(tiny_corpus, fractions=fractions)


def test_bad_kind_score_sampling(tiny_corpus):
    with pytest.raises(ParameterError, match="^kind must be one of 'word2vec', 'fasttext', 'classifier', not 'glove'"):
        learning_curve(tiny_corpus, "glove")
    with pytest.raises(ParameterError, match=r"^score \(for word2vec\) must be one of .*, not 'bleu'"):
        learning_curve(tiny_corpus, score="bleu")
    with pytest.raises(ParameterError, match=r"^score \(for classifier\) must be one of 'val_accuracy', not 'analogies'"):
        learning_curve(tiny_corpus, "classifier", score="analogies")
    with pytest.raises(ParameterError, match="^sampling must be one of 'first', 'random', not 'last'"):
        learning_curve(tiny_corpus, sampling="last")
    with pytest.raises(ParameterError, match="unknown training parameter 'dimension'"):
        learning_curve(tiny_corpus, parameters={"dimension": 20})
