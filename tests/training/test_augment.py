"""Text augmentation: deletion, swaps and synonyms, seeded, on training batches only."""

import re
import csv
from collections import Counter

import numpy as np
import pytest

from embedviz.training import augment as augment_module
from embedviz.training.augment import Augmenter, AugmentOptions, neighbour_table
from embedviz.training.classifier import ClassifierParameters, train_classifier
from embedviz.text.corpus import Corpus
from embedviz.core.errors import ParameterError
from embedviz.text.labelled import SPECIALS, read_labelled, split_labelled
from embedviz.space.neighbours import neighbours
from embedviz.vectors.vectors import Vectors


pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest


def documents(n=200, length=20, seed=0):
    rng = np.random.default_rng(seed)
    return [list(rng.integers(2, 60, size=length)) for _ in range(n)]


def test_deletion_never_empties_a_document():
    augmenter = Augmenter(AugmentOptions(deletion=0.99), seed=1)
    for ids in ([7], [7, 8], [7, 8, 9, 10]):
        for _ in range(200):
            assert len(augmenter.augment(ids)) >= 1


def test_deletion_drops_about_the_share_asked_for_and_keeps_the_order():
    docs = documents()
    out = Augmenter(AugmentOptions(deletion=0.2), seed=1).apply(docs)
    kept = sum(len(o) for o in out) / sum(len(d) for d in docs)
    assert kept == pytest.approx(0.8, abs=0.03)
    for before, after in zip(docs, out):
        positions = iter(before)
        assert all(any(token == b for b in positions) for token in after)  # a subsequence


def test_swap_keeps_every_token():
    docs = documents(50)
    out = Augmenter(AugmentOptions(swap=3), seed=1).apply(docs)
    assert all(Counter(a) == Counter(b) for a, b in zip(docs, out))
    assert sum(a != b for a, b in zip(docs, out)) > 40
    assert Augmenter(AugmentOptions(swap=3), seed=1).augment([5]) == [5]


def test_the_inputs_are_left_unchanged_and_a_seed_repeats_itself():
    docs = documents(20)
    copies = [list(d) for d in docs]
    options = AugmentOptions(deletion=0.3, swap=2)
    first = Augmenter(options, seed=4).apply(docs)
    assert docs == copies
    assert Augmenter(options, seed=4).apply(docs) == first
    assert Augmenter(options, seed=5).apply(docs) != first


@pytest.fixture(scope="module")
def synonym_vectors():
    rng = np.random.default_rng(0)
    words = [f"word{i}" for i in range(40)] + ["stranger"]
    return Vectors(words, rng.normal(size=(len(words), 8)))


def test_neighbour_table_agrees_with_neighbours(synonym_vectors):
    vocabulary = [f"word{i}" for i in range(0, 40, 2)] + ["unknownword"]   # half the model's words
    table = neighbour_table(vocabulary, synonym_vectors, k=3)
    shared = Vectors(vocabulary[:-1], np.stack([synonym_vectors.vector(w) for w in vocabulary[:-1]]))
    for i, word in enumerate(vocabulary[:-1]):
        assert [vocabulary[j] for j in table[i]] == [n.word for n in neighbours(shared, word, k=3)]
    assert table[-1].tolist() == [-1, -1, -1]        # a word the model lacks has no neighbours


def test_synonyms_come_only_from_the_neighbour_table(synonym_vectors):
    vocabulary = [f"word{i}" for i in range(40)]
    table = neighbour_table(vocabulary, synonym_vectors, k=2)
    offset = len(SPECIALS)
    augmenter = Augmenter(AugmentOptions(synonym=0.5, synonym_model="m", synonym_k=2), seed=1, table=table,
                          offset=offset)
    docs = [list(range(offset, offset + 40)) + [0, 1] for _ in range(30)]
    replaced = total = 0
    for doc in docs:
        out = augmenter.augment(doc)
        assert out[-2:] == [0, 1]                    # padding and unknown are never replaced
        for before, after in zip(doc[:-2], out[:-2]):
            total += 1
            if before != after:
                replaced += 1
                assert after - offset in table[before - offset]
    assert replaced / total == pytest.approx(0.5, abs=0.05)


def test_for_vocabulary_loads_the_synonym_model_from_the_store(store, synonym_vectors):
    store.save("syn", synonym_vectors, {})
    options = AugmentOptions(synonym=0.1, synonym_model="syn", synonym_k=4)
    augmenter = Augmenter.for_vocabulary(options, ["word1", "word2", "word3"], store=store, offset=2)
    assert augmenter.table.shape == (3, 4) and (augmenter.table[:, :2] >= 0).all()
    assert (augmenter.table[:, 2:] == -1).all()      # only two other shared words exist


@pytest.mark.parametrize("values,message", [
    ({"deletion": -0.1}, "deletion must be a number in [0, 1), not -0.1"),
    ({"deletion": 1}, "deletion must be a number in [0, 1), not 1"),
    ({"synonym": 2.0, "synonym_model": "m"}, "synonym must be a number in [0, 1), not 2.0"),
    ({"swap": -1}, "swap must be a whole number from 0 to 1000, not -1"),
    ({"swap": 1.5}, "swap must be a whole number from 0 to 1000, not 1.5"),
    ({"synonym_k": 0}, "synonym_k must be a whole number from 1 to 1000, not 0"),
    ({"synonym": 0.1}, "needs synonym_model"),
    ({"typo": 1}, "unknown augment option 'typo'"),
])
def test_bad_options_are_named(values, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        AugmentOptions.from_dict(values)


def test_only_training_batches_are_augmented(tmp_path, monkeypatch):
    path = tmp_path / "data.csv"
    rng = np.random.default_rng(0)
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for i in range(200):
            label = ["yes", "no"][i % 2]
            words = [f"w{j}" for j in rng.integers(0, 30, size=6)] + ["good" if label == "yes" else "bad"]
            writer.writerow([" ".join(words), label])
    seen = []
    original = augment_module.Augmenter.apply

    def spy(self, sequences):
        seen.extend(tuple(s) for s in sequences)
        return original(self, sequences)

    monkeypatch.setattr(augment_module.Augmenter, "apply", spy)
    params = ClassifierParameters(label_column="label", dim=8, hidden=0, epochs=2, patience=0, baseline=False,
                                  augment={"deletion": 0.2, "swap": 1})
    result = train_classifier(path, params)
    split = split_labelled(read_labelled(Corpus(path), "label"), 0.1, 0.1, params.seed)
    train = Counter(tuple(result.vocabulary.encode(t, 200)) for t in split.train.tokens)
    assert len(seen) == 2 * len(split.train)
    assert Counter(seen) == Counter({k: 2 * v for k, v in train.items()})   # every training document, twice
    assert result.meta()["parameters"]["augment"] == {"deletion": 0.2, "swap": 1}
