"""The embedding classifier: layers, padding, regularisers, early stopping, seeds, saving, errors.

Small synthetic data throughout: each document's class is decided by one keyword among filler words,
so a working model must reach near-perfect accuracy in a few epochs.
"""

import csv
import json

import numpy as np
import pytest
import torch

from embedviz.training.classifier import (ClassifierParameters, Predictor, TextClassifier, _evaluate, _initialise,
                                 make_optimizer, train_classifier)
from embedviz.text.corpus import Corpus
from embedviz.core.errors import CorpusError, ParameterError, StoreError
from embedviz.text.labelled import Vocabulary, pad_batch, read_labelled, split_labelled
from embedviz.vectors.vectors import Vectors

KEYWORDS = {"fruit": ["apple", "banana", "cherry"], "tool": ["hammer", "saw", "drill"],
            "animal": ["horse", "tiger", "otter"]}
FILLER = [f"w{chr(97 + i)}{chr(97 + j)}" for i in range(10) for j in range(10)]  # waa ... wjj
FAST = dict(label_column="label", dim=16, hidden=16, epochs=4, batch_size=32, baseline=False, patience=0)


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest


def write_keyword_corpus(path, n=300, seed=0, random_labels=False):
    rng = np.random.default_rng(seed)
    classes = sorted(KEYWORDS)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for i in range(n):
            label = classes[i % len(classes)]
            words = list(rng.choice(FILLER, size=rng.integers(4, 12)))
            words.insert(int(rng.integers(len(words) + 1)), str(rng.choice(KEYWORDS[label])))
            if random_labels:
                label = classes[int(rng.integers(len(classes)))]
            writer.writerow([" ".join(words), label])
    return path


@pytest.fixture(scope="module")
def corpus_path(tmp_path_factory):
    return write_keyword_corpus(tmp_path_factory.mktemp("labelled") / "keywords.csv")


@pytest.fixture(scope="module")
def trained(corpus_path):
    return train_classifier(corpus_path, ClassifierParameters(**FAST | {"lr": 1e-2, "epochs": 6}))


def batch_of(*sequences):
    return pad_batch([list(s) for s in sequences])


# -- layers and padding --------------------------------------------------------------------------
@pytest.mark.parametrize("pooling,pooled", [("mean", 8), ("gru", 8), ("cnn", 8)])
def test_every_layer_has_the_expected_shape(pooling, pooled):
    model = TextClassifier(50, 3, dim=8, pooling=pooling, hidden=5, dropout=0.1, batch_norm=True)
    shapes = {}
    for name in ("embedding", "pool", "norm", "dropout", "hidden", "output"):
        getattr(model, name).register_forward_hook(lambda m, i, o, name=name: shapes.update({name: o.shape}))
    ids, lengths = batch_of([2, 3, 4], [5, 6], [7, 8, 9, 10])
    model(ids, lengths)
    assert shapes == {"embedding": (3, 4, 8), "pool": (3, pooled), "norm": (3, pooled),
                      "dropout": (3, pooled), "hidden": (3, 5), "output": (3, 3)}


def test_without_hidden_layer_the_output_reads_the_pooled_vector():
    model = TextClassifier(50, 4, dim=6, hidden=0)
    assert model.hidden is None and model.output.in_features == 6
    assert model(*batch_of([2, 3])).shape == (1, 4)


def test_mean_pooling_counts_only_real_tokens():
    model = TextClassifier(50, 3, dim=8)
    embedded = model.embedding(torch.tensor([[2, 3, 4, 0, 0]]))
    pooled = model.pool(embedded, torch.tensor([3]))
    expected = model.embedding.weight[[2, 3, 4]].mean(0)
    torch.testing.assert_close(pooled[0], expected)


@pytest.mark.parametrize("pooling", ["mean", "gru", "cnn"])
def test_output_does_not_depend_on_the_amount_of_padding(pooling):
    torch.manual_seed(0)
    model = TextClassifier(50, 3, dim=8, pooling=pooling).eval()
    alone = model(*batch_of([2, 3, 4]))
    ids, lengths = batch_of([2, 3, 4], [5] * 12)        # the first row gets 9 padding positions
    torch.testing.assert_close(model(ids, lengths)[:1], alone)
    wider = torch.cat([ids, torch.zeros(2, 20, dtype=torch.int64)], dim=1)
    torch.testing.assert_close(model(wider, lengths), model(ids, lengths))


# -- regularisers --------------------------------------------------------------------------------
def test_dropout_is_applied_in_training_mode_only():
    torch.manual_seed(0)
    model = TextClassifier(50, 3, dim=16, dropout=0.5)
    batch = batch_of([2, 3, 4], [5, 6])
    assert not torch.equal(model.train()(*batch), model(*batch))
    model.eval()
    assert torch.equal(model(*batch), model(*batch))


def test_batch_norm_is_present_and_learns_running_statistics(corpus_path):
    assert TextClassifier(50, 3, dim=8).norm is None
    result = train_classifier(corpus_path, ClassifierParameters(**FAST | {"batch_norm": True, "epochs": 1}))
    norm = result.model.norm
    assert isinstance(norm, torch.nn.BatchNorm1d)
    assert int(norm.num_batches_tracked) > 0
    assert not torch.allclose(norm.running_mean, torch.zeros_like(norm.running_mean))


def test_weight_decay_reaches_the_optimizer_and_shrinks_the_weights(corpus_path):
    params = ClassifierParameters(**FAST | {"weight_decay": 0.05})
    optimizer = make_optimizer(TextClassifier(50, 3, dim=8), params)
    assert all(group["weight_decay"] == 0.05 for group in optimizer.param_groups)
    assert type(optimizer) is torch.optim.Adam  # Adam + weight_decay = L2, not AdamW's decoupled decay

    def norm(result):
        return float(sum(p.detach().pow(2).sum() for p in result.model.parameters()))

    plain = train_classifier(corpus_path, ClassifierParameters(**FAST | {"lr": 1e-2}))
    decayed = train_classifier(corpus_path, ClassifierParameters(**FAST | {"lr": 1e-2, "weight_decay": 0.05}))
    assert norm(decayed) < 0.7 * norm(plain)


# -- early stopping ------------------------------------------------------------------------------
def test_early_stopping_stops_and_restores_the_best_weights(tmp_path):
    path = write_keyword_corpus(tmp_path / "random.csv", n=300, random_labels=True)
    params = ClassifierParameters(**FAST | {"epochs": 30, "patience": 2, "lr": 0.03, "hidden": 64,
                                            "monitor": "val_loss"})
    result = train_classifier(path, params)
    losses = [p.val_loss for p in result.history]
    assert result.stopped_early and len(result.history) < 30
    assert result.best_epoch == int(np.argmin(losses)) + 1
    assert len(result.history) == result.best_epoch + 2
    assert result.val_loss == min(losses)
    # The weights handed back are the best epoch's: scoring them again gives that epoch's loss.
    split = split_labelled(read_labelled(Corpus(path), "label"), 0.1, 0.1, params.seed)
    val_loss, val_accuracy = _evaluate(result.model, result.vocabulary.encode_all(split.validation.tokens, 200),
                                       split.validation.labels)
    assert val_loss == pytest.approx(result.val_loss, rel=1e-6)
    assert val_accuracy == result.val_accuracy


def test_a_diverged_run_keeps_its_last_weights(corpus_path, monkeypatch):
    import embedviz.training.classifier as classifier

    def diverged(model, sequences, labels, outcomes=False):
        return (float("nan"), 0.0, np.zeros(len(labels), dtype=bool)) if outcomes else (float("nan"), 0.0)

    monkeypatch.setattr(classifier, "_evaluate", diverged)
    result = train_classifier(corpus_path, ClassifierParameters(**FAST | {"epochs": 5, "patience": 1}))
    assert result.stopped_early and result.best_epoch == len(result.history) == 1


def test_the_best_epoch_by_validation_accuracy_ties_broken_by_loss(tmp_path):
    path = write_keyword_corpus(tmp_path / "random.csv", n=300, random_labels=True)
    params = ClassifierParameters(**FAST | {"epochs": 30, "patience": 3, "lr": 0.03, "hidden": 64})
    result = train_classifier(path, params)
    assert params.monitor == "val_accuracy"
    rows = [(p.val_accuracy, -p.val_loss) for p in result.history]
    assert result.best_epoch == max(range(len(rows)), key=lambda i: (rows[i], -i)) + 1
    assert result.stopped_early and len(result.history) == result.best_epoch + 3
    assert result.val_accuracy == max(p.val_accuracy for p in result.history)
    # the outcomes kept are the best epoch's: their mean is its validation accuracy
    assert result.val_outcomes.mean() == pytest.approx(result.val_accuracy)


def test_without_a_test_part_there_is_no_test_accuracy(corpus_path):
    result = train_classifier(corpus_path, ClassifierParameters(**FAST | {"epochs": 1, "test_fraction": 0}))
    assert result.test_accuracy is None and result.corpus["split"]["test"] == 0


def test_without_patience_every_epoch_runs(corpus_path):
    result = train_classifier(corpus_path, ClassifierParameters(**FAST | {"epochs": 3}))
    assert len(result.history) == 3 and not result.stopped_early and result.best_epoch == 3


# -- reproducibility, learning, the baseline -----------------------------------------------------
def test_a_seed_reproduces_a_run_and_another_seed_does_not(corpus_path):
    options = FAST | {"epochs": 2, "dropout": 0.2, "augment": {"deletion": 0.1, "swap": 1}}
    a, b = (train_classifier(corpus_path, ClassifierParameters(**options)) for _ in range(2))
    c = train_classifier(corpus_path, ClassifierParameters(**options | {"seed": 2}))

    def figures(result):
        return [(p.loss, p.val_loss, p.accuracy, p.val_accuracy) for p in result.history]

    assert figures(a) == figures(b)
    assert np.array_equal(a.vectors.matrix, b.vectors.matrix)
    assert figures(a) != figures(c)
    assert not np.array_equal(a.vectors.matrix[:5], c.vectors.matrix[:5])


def test_learns_the_keyword_and_beats_nothing_less_than_the_baseline(corpus_path):
    params = ClassifierParameters(**FAST | {"epochs": 15, "lr": 1e-2, "baseline": True})
    result = train_classifier(corpus_path, params)
    assert result.test_accuracy > 0.9 and result.val_accuracy > 0.9
    assert result.baseline["test_accuracy"] > 0.9 and result.baseline["val_accuracy"] > 0.9
    assert result.baseline["seconds"] > 0
    assert result.meta()["baseline"] == result.baseline


@pytest.mark.parametrize("pooling", ["gru", "cnn"])
def test_gru_and_cnn_learn_the_keyword(corpus_path, pooling):
    # Three classes, so chance is 1/3; a keyword per document is learned within 8 epochs.
    result = train_classifier(corpus_path, ClassifierParameters(**FAST | {"pooling": pooling, "epochs": 8,
                                                                          "lr": 2e-2}))
    assert len(result.history) == 8 and result.test_accuracy > 0.9 and result.val_accuracy > 0.9
    assert result.test_accuracy == pytest.approx(result.test_outcomes.mean())


def test_progress_reports_every_epoch_with_validation_figures(corpus_path):
    reports = []
    train_classifier(corpus_path, ClassifierParameters(**FAST | {"epochs": 2}), progress=reports.append)
    assert [r.stage for r in reports] == ["reading", "vocabulary", "training", "training", "done"]
    for report in reports[2:4]:
        assert report.epochs == 2 and report.words_per_second > 0 and report.eta >= 0
        assert None not in (report.loss, report.val_loss, report.accuracy, report.val_accuracy)


# -- the vectors, meta and saved files -----------------------------------------------------------
def test_vectors_are_the_real_words_in_frequency_order(trained):
    vectors = trained.vectors
    assert vectors.dim == 16 and len(vectors) == len(trained.vocabulary.words)
    assert "<pad>" not in vectors and "<unk>" not in vectors
    assert list(vectors.counts) == sorted(vectors.counts, reverse=True) and vectors.counts[-1] >= 2
    np.testing.assert_array_equal(vectors.matrix, trained.model.embedding.weight.detach().numpy()[2:])


def test_meta_is_json_and_says_what_was_trained(trained):
    meta = json.loads(json.dumps(trained.meta()))
    assert meta["trainer"] == "torch-classifier"
    assert meta["parameters"]["dim"] == 16 and meta["classes"] == ["animal", "fruit", "tool"]
    assert meta["corpus"]["split"] == {"train": 240, "validation": 30, "test": 30}
    assert len(meta["history"]) == 6 and {"loss", "val_accuracy"} <= set(meta["history"][0])
    assert meta["test_accuracy"] == trained.test_accuracy


def test_predictor_round_trip_through_the_store(trained, store):
    folder = store.save("keywords", trained.vectors, trained.meta(), extra=trained.files())
    loaded = Predictor.from_folder(folder)
    texts = ["a banana and waa", "hammer wbb wcc", "nothing known", ""]
    ours = trained.predictor().predict(texts)
    theirs = loaded.predict(texts)
    assert [label for label, _ in theirs] == [label for label, _ in ours]
    for (_, a), (_, b) in zip(ours, theirs):
        assert a.keys() == b.keys() and np.allclose(list(a.values()), list(b.values()), atol=1e-6)
        assert sum(b.values()) == pytest.approx(1.0, abs=1e-5)
    assert theirs[0][0] == "fruit" and theirs[1][0] == "tool"
    with np.load(folder / "classifier.npz", allow_pickle=False) as arrays:
        assert "embedding.weight" in arrays.files


def test_a_folder_without_a_classifier_is_a_clear_error(store, demo_vectors):
    folder = store.save("plain", demo_vectors.top(10), {})
    with pytest.raises(StoreError, match="holds no classifier"):
        Predictor.from_folder(folder)


# -- initialising from a store model -------------------------------------------------------------
def test_init_from_copies_shared_words_and_freeze_keeps_them(corpus_path, store):
    rng = np.random.default_rng(3)
    words = ["apple", "hammer", "waa", "notinthecorpus"]
    source = Vectors(words, rng.normal(size=(4, 16)).astype(np.float32))
    store.save("source", source, {})
    vocabulary = Vocabulary(["hammer", "waa", "wbb"], [5, 4, 3])
    model = TextClassifier(len(vocabulary), 3, dim=16)
    before = model.embedding.weight.detach().clone()
    params = ClassifierParameters(**FAST | {"init_from": "source"})
    init = _initialise(model, vocabulary, params, store)
    weight = model.embedding.weight.detach()
    np.testing.assert_array_equal(weight[2].numpy(), source.vector("hammer"))
    np.testing.assert_array_equal(weight[3].numpy(), source.vector("waa"))
    assert torch.equal(weight[4], before[4]) and torch.equal(weight[0], torch.zeros(16))
    assert init["shared_words"] == 2

    frozen = train_classifier(corpus_path, ClassifierParameters(**FAST | {"init_from": "source", "freeze": True}),
                              store=store)
    for word in ("apple", "hammer", "waa"):
        np.testing.assert_array_equal(frozen.vectors.vector(word), source.vector(word))
    assert frozen.meta()["corpus"]["init"]["frozen"] is True
    free = train_classifier(corpus_path, ClassifierParameters(**FAST | {"init_from": "source"}), store=store)
    assert not np.array_equal(free.vectors.vector("apple"), source.vector("apple"))


def test_init_from_needs_matching_dimensions(corpus_path, store):
    store.save("small", Vectors(["apple"], np.ones((1, 4))), {})
    with pytest.raises(ParameterError, match="has 4 dimensions but dim is 16"):
        train_classifier(corpus_path, ClassifierParameters(**FAST | {"init_from": "small"}), store=store)
    with pytest.raises(StoreError, match="no model named 'missing'"):
        train_classifier(corpus_path, ClassifierParameters(**FAST | {"init_from": "missing"}), store=store)


# -- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize("change,message", [
    ({"label_column": None}, "label_column is required"),
    ({"pooling": "max"}, "pooling must be one of 'mean', 'gru', 'cnn', not 'max'"),
    ({"dim": 0}, "dim must be a whole number"),
    ({"hidden": -1}, "hidden must be a whole number"),
    ({"dropout": 1.0}, r"dropout must be a number in \[0, 1\)"),
    ({"weight_decay": -0.1}, "weight_decay must be a number"),
    ({"lr": 0}, r"lr must be a number in \(0, 10\]"),
    ({"batch_size": 0}, "batch_size must be a whole number"),
    ({"batch_size": 1, "batch_norm": True}, "batch_size must be at least 2 with batch norm"),
    ({"epochs": 0}, "epochs must be a whole number"),
    ({"patience": -1}, "patience must be a whole number"),
    ({"min_count": 0}, "min_count must be a whole number"),
    ({"max_vocab": 0}, "max_vocab must be a whole number"),
    ({"max_len": 0}, "max_len must be a whole number"),
    ({"seed": -1}, "seed must be a whole number"),
    ({"val_fraction": 0}, "val_fraction must be a number"),
    ({"test_fraction": 0.6}, "test_fraction must be a number"),
    ({"fraction": 0}, "fraction must be a number"),
    ({"fraction": 1.5}, "fraction must be a number"),
    ({"batch_norm": "yes"}, "batch_norm must be true or false"),
    ({"freeze": True}, "freeze needs init_from"),
    ({"init_from": "../etc"}, "init_from: invalid model name"),
    ({"augment": {"deletion": 1.0}}, r"augment: deletion must be a number in \[0, 1\)"),
    ({"augment": {"shuffle": 1}}, "unknown augment option 'shuffle'"),
    ({"augment": {"synonym": 0.1}}, "synonym needs synonym_model"),
])
def test_each_bad_parameter_is_named(change, message):
    with pytest.raises(ParameterError, match=message) as info:
        ClassifierParameters(**FAST | change).validate()
    assert "\n" not in str(info.value)


def test_unknown_parameter_in_a_dict():
    with pytest.raises(ParameterError, match="unknown classifier parameter 'depth'"):
        ClassifierParameters.from_dict({"label_column": "x", "depth": 3})


def test_data_errors_are_corpus_errors(corpus_path, tmp_path):
    with pytest.raises(CorpusError, match="has no column 'genre'"):
        train_classifier(corpus_path, ClassifierParameters(**FAST | {"label_column": "genre"}))
    one_class = tmp_path / "one.csv"
    one_class.write_text("text,label\nan apple,fruit\na banana,fruit\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="at least 2 classes"):
        train_classifier(one_class, ClassifierParameters(**FAST))
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("text,label\nan apple,fruit\na hammer,tool\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="too few documents for the split"):
        train_classifier(tiny, ClassifierParameters(**FAST))


# -- the split and the vocabulary ----------------------------------------------------------------
def test_split_is_stratified_seeded_and_fractions_are_nested(corpus_path):
    data = read_labelled(Corpus(corpus_path, label_columns=["label"]), "label")
    split = split_labelled(data, 0.1, 0.2, seed=4)
    assert split.sizes() == {"train": 210, "validation": 30, "test": 60}
    assert np.bincount(split.test.labels).tolist() == [20, 20, 20]
    assert split_labelled(data, 0.1, 0.2, seed=4).train.tokens == split.train.tokens
    assert split_labelled(data, 0.1, 0.2, seed=5).train.tokens != split.train.tokens
    quarter, half = (split_labelled(data, 0.1, 0.2, seed=4, fraction=f) for f in (0.25, 0.5))
    assert np.bincount(quarter.train.labels).tolist() == [18, 18, 18]
    assert all(tokens in half.train.tokens for tokens in quarter.train.tokens)
    assert quarter.test.tokens == split.test.tokens and quarter.validation.tokens == half.validation.tokens


def test_vocabulary_comes_from_the_training_part_only():
    vocabulary = Vocabulary.build([["b", "a", "b"], ["c", "a", "b"], ["once"]], min_count=2)
    assert vocabulary.words == ["b", "a"] and list(vocabulary.counts) == [3, 2]
    assert vocabulary.encode(["a", "zzz", "b"], max_len=2) == [3, 1]
    assert vocabulary.encode([], max_len=5) == [1]
    assert Vocabulary.build([["b", "a", "b"], ["c"]], min_count=1, max_vocab=1).words == ["b"]
    with pytest.raises(CorpusError, match="min_count=3"):
        Vocabulary.build([["a"]], min_count=3)


# -- what a comparison of runs needs -------------------------------------------------------------
def test_outcomes_split_key_and_the_augmentation_twin(corpus_path):
    plain = train_classifier(corpus_path, ClassifierParameters(**FAST | {"baseline": True}))
    assert plain.test_outcomes.mean() == pytest.approx(plain.test_accuracy)
    assert plain.baseline_outcomes.mean() == pytest.approx(plain.baseline["test_accuracy"])
    assert "test_outcomes" not in plain.baseline  # kept apart, packed in meta["evaluation"]
    meta = json.loads(json.dumps(plain.meta()))
    assert meta["evaluation"]["split"] == plain.split_key and meta["augment_pair"] is None
    # The keyword task is learned on the training part (0.93-0.95 over seeds 0-2).
    assert meta["train_accuracy"] == pytest.approx(plain.train_accuracy) and plain.train_accuracy > 0.85
    assert meta["examples"]

    augmented = train_classifier(corpus_path, ClassifierParameters(**FAST | {"augment": {"deletion": 0.2}}))
    twin = augmented.augment_pair["without"]
    # the twin is exactly the run without augmentation: same seed, same split, same weights
    assert twin["test_accuracy"] == plain.test_accuracy and twin["best_epoch"] == plain.best_epoch
    assert augmented.split_key == plain.split_key
    other_seed = train_classifier(corpus_path, ClassifierParameters(**FAST | {"seed": 5, "split_seed": 1}))
    assert other_seed.split_key == plain.split_key  # other weights, the same test documents
    other_split = train_classifier(corpus_path, ClassifierParameters(**FAST | {"split_seed": 2}))
    assert other_split.split_key != plain.split_key
    off = train_classifier(corpus_path, ClassifierParameters(**FAST | {"augment": {"deletion": 0.2},
                                                                      "augment_pair": False}))
    assert off.augment_pair is None


def test_the_training_accuracy_is_measured_without_dropout(corpus_path):
    result = train_classifier(corpus_path, ClassifierParameters(**FAST | {"dropout": 0.8, "epochs": 6, "lr": 1e-2}))
    split = split_labelled(read_labelled(Corpus(corpus_path), "label"), 0.1, 0.1, 1)
    _, accuracy = _evaluate(result.model, result.vocabulary.encode_all(split.train.tokens, 200), split.train.labels)
    assert result.train_accuracy == pytest.approx(accuracy)
