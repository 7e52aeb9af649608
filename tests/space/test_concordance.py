"""The concordance: lines are the corpus as the model read it, counts agree with gensim's, shared
contexts agree with a plain count, and a model without its corpus says so in one line."""

import gzip
import shutil
from collections import Counter

import pytest

from embedviz.core.errors import CorpusError, UnknownWordError
from embedviz.space.concordance import concordance_index
from embedviz.text.corpus import Corpus
from embedviz.training.gensim import TrainingParameters, train
from embedviz.vectors.vectors import Vectors

WINDOW = 4


@pytest.fixture(scope="module")
def trained(tiny_corpus, tmp_path_factory):
    """A model trained on a copy of the tiny corpus, with the tokens of each sentence as it read them."""
    folder = tmp_path_factory.mktemp("concordance")
    path = folder / "verses.csv"
    shutil.copy(tiny_corpus, path)
    result = train(Corpus(path), TrainingParameters(dim=16, epochs=1, min_count=1, window=WINDOW, workers=1))
    sentences = [s for _, ss in Corpus(path).document_sentences() for s in ss]
    return path, result, sentences


@pytest.fixture
def index(trained, store):
    _, result, _ = trained
    store.save("verses", result.vectors, result.meta())
    return concordance_index(store, "verses")


def test_counts_equal_gensims_and_lines_hold_the_word(index, trained):
    _, result, _ = trained
    vectors = result.vectors
    for word in ("lord", "god", "and", vectors.words[-1]):
        assert index.count(word) == int(vectors.counts[vectors.index[word]])
    lines = index.lines("god", 15)
    assert len(lines) == 15 and all(line.word == "god" for line in lines)
    assert all(line.document.startswith("verses.csv #") for line in lines)
    # spread over the corpus: the last line comes from far after the first
    numbers = [int(line.document.split("#")[1]) for line in lines]
    assert numbers == sorted(numbers) and numbers[-1] - numbers[0] > 1000


def test_a_line_is_the_tokens_around_the_word_in_its_document(index, trained):
    path, _, _ = trained
    documents = [[t for s in ss for t in s] for _, ss in Corpus(path).document_sentences()]
    for line in index.lines("firmament", 5):
        tokens = documents[int(line.document.split("#")[1]) - 1]
        left, right = line.left.split(), line.right.split()
        joined = left + ["firmament"] + right
        assert any(tokens[i:i + len(joined)] == joined for i in range(len(tokens)))
        assert len(left) <= 8 and len(right) <= 8


def test_shared_contexts_equal_a_plain_count(index, trained):
    _, _, sentences = trained

    def contexts(word):
        found = Counter()
        for s in sentences:
            for i, t in enumerate(s):
                if t == word:
                    found.update(s[max(0, i - WINDOW):i] + s[i + 1:i + 1 + WINDOW])
        return found

    a, b = contexts("heaven"), contexts("earth")
    shared = index.shared("heaven", "earth", 50)
    assert shared and len(shared) <= 50
    for c in shared:
        assert (c.count_a, c.count_b) == (a[c.word], b[c.word]) and c.count == min(a[c.word], b[c.word])
        assert c.word not in ("heaven", "earth")
    assert {c.word for c in shared} <= set(a) & set(b)
    # the most telling context is favoured by both words, not merely frequent
    assert shared[0].lift > 2 and shared[0].count >= 2


def test_unknown_words_and_cached_index(index, store, trained):
    with pytest.raises(UnknownWordError, match="not in the training corpus; did you mean: lord"):
        index.lines("lordd")
    again = concordance_index(store, "verses")
    assert again.seconds == 0.0 and again.count("lord") == index.count("lord")


def test_a_model_without_its_corpus_says_so(trained, store, tmp_path):
    path, result, _ = trained
    store.save("imported", Vectors(["a", "b"], [[1.0, 0.0], [0.0, 1.0]]))
    with pytest.raises(CorpusError, match="has no training corpus here") as found:
        concordance_index(store, "imported")
    assert "\n" not in str(found.value)
    moved = tmp_path / "moved.csv"
    shutil.copy(path, moved)
    r = train(Corpus(moved), TrainingParameters(dim=8, epochs=1, min_count=5, workers=1))
    store.save("moved", r.vectors, r.meta())
    moved.write_bytes(gzip.compress(b"text\nother words\n"))
    with pytest.raises(CorpusError, match="has changed since"):
        concordance_index(store, "moved")
    moved.unlink()
    with pytest.raises(CorpusError, match="is no longer there"):
        concordance_index(store, "moved")
