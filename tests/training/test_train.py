"""Training with gensim: reproducibility, progress reports, agreement with bare gensim, errors."""

import numpy as np
import pytest
from gensim.models import Word2Vec

from embedviz.text.corpus import Corpus
from embedviz.core.errors import CorpusError, ParameterError
from embedviz.training.gensim import FASTTEXT_BUCKETS, TrainingParameters, train, write_sentences

SMALL = dict(dim=20, epochs=2, min_count=3, workers=1, seed=7)


def test_seed_and_one_worker_give_identical_vectors(small_corpus):
    corpus = Corpus(small_corpus)
    a = train(corpus, TrainingParameters(**SMALL)).vectors
    b = train(corpus, TrainingParameters(**SMALL)).vectors
    c = train(corpus, TrainingParameters(**(SMALL | {"seed": 8}))).vectors
    assert a.words == b.words
    assert np.array_equal(a.matrix, b.matrix)
    assert not np.array_equal(a.matrix, c.matrix)


def test_equals_bare_gensim_on_the_same_sentences(small_corpus, tmp_path):
    """Same file, same parameters: our trainer is gensim, with nothing changed on the way."""
    corpus = Corpus(small_corpus)
    ours = train(corpus, TrainingParameters(**SMALL)).vectors
    path = tmp_path / "sentences.txt"
    write_sentences(corpus, path)
    bare = Word2Vec(corpus_file=str(path), vector_size=20, epochs=2, min_count=3, workers=1, seed=7)
    assert ours.words == list(bare.wv.index_to_key)
    np.testing.assert_array_equal(ours.matrix, bare.wv.vectors)
    assert list(ours.counts) == [bare.wv.get_vecattr(w, "count") for w in ours.words]


def test_progress_reports_each_epoch_with_loss(small_corpus):
    reports = []
    result = train(Corpus(small_corpus), TrainingParameters(**(SMALL | {"epochs": 3})), progress=reports.append)
    stages = [r.stage for r in reports]
    assert stages[0] == "reading" and stages[-1] == "done"
    epochs = [r for r in reports if r.stage == "training"]
    assert [r.epoch for r in epochs] == [1, 2, 3]
    assert all(r.words_per_second > 0 and r.loss > 0 for r in epochs)
    assert epochs[-1].eta == 0 and epochs[-1].fraction == 1.0
    assert len(result.history) == 3
    meta = result.meta()
    assert meta["parameters"]["dim"] == 20 and meta["corpus"]["tokens"] > 100_000
    assert meta["corpus"]["fingerprint"] == Corpus(small_corpus).fingerprint()
    assert set(meta["timings"]) >= {"reading", "vocabulary", "training", "total", "words_per_second"}


def test_skipgram_and_fasttext(small_corpus):
    corpus = Corpus(small_corpus)
    sg = train(corpus, TrainingParameters(**(SMALL | {"sg": True}))).vectors
    assert sg.dim == 20 and "god" in sg
    result = train(corpus, TrainingParameters(**(SMALL | {"algo": "fasttext", "bucket": 10_000})))
    assert result.vectors.dim == 20 and "god" in result.vectors
    assert result.meta()["parameters"]["bucket"] == 10_000
    assert all(h.loss is None for h in result.history)  # gensim computes no FastText loss


def test_fasttext_default_bucket_fits_a_laptop():
    assert TrainingParameters().bucket == FASTTEXT_BUCKETS == 200_000
    assert FASTTEXT_BUCKETS * 100 * 4 < 100 * 2**20  # under 100 MB at 100 dimensions


def test_too_little_text(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n\n  1 2 3 ! \n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no words to train on"):
        train(Corpus(empty), TrainingParameters(**SMALL))
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("hello world", encoding="utf-8")
    with pytest.raises(CorpusError, match="too little text"):
        train(Corpus(tiny), TrainingParameters(**SMALL))


@pytest.mark.parametrize("field,value,message", [
    ("algo", "glove", "algo must be one of 'word2vec', 'fasttext', not 'glove'"),
    ("dim", 0, "dim must be"),
    ("dim", 100_000, "dim must be"),
    ("window", -1, "window must be"),
    ("epochs", 2.5, "epochs must be"),
    ("min_count", 0, "min_count must be"),
    ("sample", 1.5, "sample must be"),
    ("workers", 0, "workers must be"),
    ("alpha", 0, "alpha must be"),
])
def test_bad_parameters(field, value, message):
    with pytest.raises(ParameterError, match=message):
        TrainingParameters(**{field: value}).validate()


def test_parameters_from_dict():
    assert TrainingParameters.from_dict({"dim": 50}).dim == 50
    with pytest.raises(ParameterError, match="unknown training parameter 'size'"):
        TrainingParameters.from_dict({"size": 50})
