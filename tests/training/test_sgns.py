"""The PyTorch skip-gram trainer: pairs, subsampling, noise words, the update, learning, errors."""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from gensim.models import Word2Vec

from embedviz.text.corpus import Corpus
from embedviz.core.errors import CorpusError, ParameterError
from embedviz.training.sgns import (EncodedCorpus, NoiseDistribution, PairSampler, SGNSParameters, _made_ahead,
                           damping, encode, sgns_step, train_sgns, window_pairs)

# compile=False: torch.compile takes 10-50 s the first time; the benchmark runs the compiled step.
SMALL = dict(dim=20, epochs=2, min_count=3, batch_size=1024, seed=7, compile=False)


@pytest.fixture(scope="module")
def small(small_corpus):
    """The first 4,000 KJV verses as token lists, read once."""
    return list(Corpus(small_corpus).sentences())


# -- pairs -----------------------------------------------------------------------------------------
def test_pairs_are_exactly_those_in_each_centres_reduced_window():
    rng = np.random.default_rng(0)
    sentences = np.repeat(np.arange(40), rng.integers(1, 15, size=40))
    centres, contexts, windows = window_pairs(sentences, 4, rng)
    found = set(zip(centres.tolist(), contexts.tolist()))
    assert len(found) == len(centres)                               # no pair twice
    expected = {(i, j) for i, j in itertools.product(range(len(sentences)), repeat=2)
                if i != j and sentences[i] == sentences[j] and abs(i - j) <= windows[i]}
    assert found == expected
    assert set(np.unique(windows)) == {1, 2, 3, 4}


def test_reduced_windows_are_uniform():
    windows = window_pairs(np.zeros(40_000, dtype=np.int32), 5, np.random.default_rng(1))[2]
    shares = np.bincount(windows, minlength=6)[1:] / len(windows)
    np.testing.assert_allclose(shares, 0.2, atol=0.01)


def _sampler(counts, sample=1e-3, **parameters):
    counts = np.asarray(counts)
    ids = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    data = EncodedCorpus([f"w{i}" for i in range(len(counts))], counts, ids,
                         np.zeros(len(ids), dtype=np.int32), 1, len(ids))
    return PairSampler(data, SGNSParameters(sample=sample, **parameters))


def test_subsampling_keeps_frequent_words_at_gensims_rate(small):
    data = encode(small, min_count=3)
    model = Word2Vec(vector_size=5, min_count=3, sample=1e-3)
    model.build_vocab(small)
    gensim_keep = [model.wv.get_vecattr(w, "sample_int") / (2**32 - 1) for w in data.words]
    np.testing.assert_allclose(data.keep_probability(1e-3), gensim_keep, atol=1e-7)
    # and the sampler keeps each word at that rate
    sampler = _sampler([200_000, 20_000, 5_000, 100])
    kept = sampler.subsample(sampler.data.ids, np.random.default_rng(3))
    rates = np.bincount(sampler.data.ids[kept], minlength=4) / sampler.data.counts
    sigma = np.sqrt(sampler.keep * (1 - sampler.keep) / sampler.data.counts)
    assert np.all(np.abs(rates - sampler.keep) <= 4 * sigma + 1e-12)
    assert rates[0] < 0.2 and rates[3] == 1.0


def test_noise_words_follow_the_unigram_distribution_to_the_power_075():
    counts = np.array([5000, 1200, 300, 300, 40, 7, 5, 1])
    noise = NoiseDistribution(counts)
    expected = counts ** 0.75 / (counts ** 0.75).sum()
    np.testing.assert_allclose(noise.probabilities(), expected, rtol=1e-12)
    draws = noise.draw((400_000, 5), np.random.default_rng(5))
    observed = np.bincount(draws.ravel(), minlength=len(counts)) / draws.size
    np.testing.assert_allclose(observed, expected, rtol=0.05, atol=2e-4)


def test_sampler_pairs_each_word_with_its_neighbours():
    sampler = _sampler([1] * 300, sample=0, window=3, batch_size=100)    # word i is at position i
    batches = list(sampler.epoch(np.random.default_rng(2)))
    centres = np.concatenate([c for c, *_ in batches])
    contexts = np.concatenate([t[:, 0] for _, t, *_ in batches])
    assert 1 <= np.abs(centres - contexts).min() and np.abs(centres - contexts).max() <= 3
    assert len(set(zip(centres, contexts))) == len(centres) > 300 * 2


def test_epoch_batches_are_full_and_the_same_made_ahead_or_not():
    sampler = _sampler([50, 40, 30, 20, 10], sample=0, batch_size=64, negative=3, window=2)
    sampler.data.chunks = lambda: iter([(0, 60), (60, 100), (100, 150)])   # three chunks
    batches = list(sampler.epoch(np.random.default_rng(0)))
    for one, other in zip(batches, sampler.epoch(np.random.default_rng(0), ahead=True), strict=True):
        for a, b in zip(one, other, strict=True):
            np.testing.assert_array_equal(a, b)
    assert all(len(c) == 64 for c, *_ in batches[:-1]) and 0 < len(batches[-1][0]) <= 64
    assert all(t.shape == d.shape == (len(c), 4) and cd.shape == c.shape for c, t, cd, d, _ in batches)
    done = [b[-1] for b in batches]
    assert done == sorted(done) and done[-1] == 1.0


# -- the update -----------------------------------------------------------------------------------
def test_step_is_sgd_on_the_sgns_loss():
    gen = torch.Generator().manual_seed(0)
    inputs, outputs = torch.randn(6, 4, generator=gen), torch.randn(6, 4, generator=gen)
    centres, targets = torch.tensor([0, 1, 2]), torch.tensor([[3, 4, 5], [2, 0, 5], [1, 4, 4]])
    a, b = inputs.clone().requires_grad_(), outputs.clone().requires_grad_()
    scores = (b[targets] * a[centres].unsqueeze(1)).sum(-1)
    expected_loss = -(F.logsigmoid(scores[:, 0]).sum() + F.logsigmoid(-scores[:, 1:]).sum())
    expected_loss.backward()
    loss = sgns_step(inputs, outputs, centres, targets, torch.ones(3), torch.ones(3, 3), torch.tensor(0.1))
    assert float(loss) == pytest.approx(expected_loss.item(), rel=1e-5)
    torch.testing.assert_close(inputs, a.detach() - 0.1 * a.grad)
    torch.testing.assert_close(outputs, b.detach() - 0.1 * b.grad)


def test_a_word_met_many_times_in_a_batch_is_damped():
    rows = np.array([[3, 1], [3, 2], [3, 4], [3, 0]])
    np.testing.assert_array_equal(damping(rows, cap=2.0), [[0.5, 1], [0.5, 1], [0.5, 1], [0.5, 1]])
    assert damping(rows).dtype == np.float32
    # 64 identical updates scaled to 16 move the word as far as 16 single ones
    centres, targets = np.zeros(64, dtype=np.int64), np.tile([1, 0], (64, 1))
    many = torch.ones(2, 3), torch.ones(2, 3)
    sgns_step(*many, *map(torch.from_numpy, (centres, targets, damping(centres), damping(targets))),
              torch.tensor(0.1))
    one = torch.ones(2, 3), torch.ones(2, 3)
    sgns_step(*one, torch.zeros(1, dtype=torch.int64), torch.tensor([[1, 0]]), torch.ones(1),
              torch.ones(1, 2), torch.tensor(0.1))
    torch.testing.assert_close(many[0] - 1, 16 * (one[0] - 1))


def test_chunks_made_ahead_come_in_order_and_errors_reach_the_trainer():
    def make(item):
        if item == 3:
            raise CorpusError("broken")
        return item * 10

    assert list(_made_ahead(make, [0, 1, 2])) == [0, 10, 20]
    with pytest.raises(CorpusError, match="broken"):
        list(_made_ahead(make, [0, 3, 4]))


# -- training -------------------------------------------------------------------------------------
def test_vocabulary_and_counts_equal_gensims(small):
    result = train_sgns(small, SGNSParameters(**(SMALL | {"epochs": 1})))
    model = Word2Vec(vector_size=5, min_count=3)
    model.build_vocab(small)
    assert result.vectors.words == list(model.wv.index_to_key)      # same order, ties included
    assert list(result.vectors.counts) == [model.wv.get_vecattr(w, "count") for w in result.vectors.words]
    assert result.vectors.matrix.shape == (len(model.wv), 20)


def test_loss_decreases_and_progress_is_reported(small_corpus):
    reports = []
    result = train_sgns(Corpus(small_corpus), SGNSParameters(**(SMALL | {"epochs": 3})),
                        progress=reports.append)
    assert [r.stage for r in reports] == ["reading", "vocabulary", "training", "training", "training", "done"]
    losses = [r.loss for r in result.history]
    assert losses[0] > losses[1] > losses[2]
    assert all(r.words_per_second > 0 for r in result.history) and result.history[-1].eta == 0
    meta = result.meta()
    assert meta["trainer"] == "torch-sgns" and meta["parameters"]["algo"] == "torch-sgns"
    assert meta["parameters"]["dim"] == 20 and meta["corpus"]["fingerprint"]
    assert meta["compiled"] is False and len(meta["history"]) == 3


def test_learns_two_topics():
    rng = np.random.default_rng(0)
    topics = [[f"a{i}" for i in range(15)], [f"b{i}" for i in range(15)]]
    sentences = [list(rng.choice(topics[i % 2], size=8)) for i in range(1500)]
    vectors = train_sgns(sentences, SGNSParameters(dim=16, window=3, min_count=1, sample=0, epochs=3,
                                                    batch_size=512, compile=False)).vectors
    unit = vectors.unit
    topic = np.array([w[0] == "a" for w in vectors.words])
    cosines = unit @ unit.T
    same = topic[:, None] == topic[None, :]
    within = cosines[same & ~np.eye(len(topic), dtype=bool)]          # not a word with itself
    between = cosines[~same]
    assert within.mean() > between.mean() + 0.5


def test_same_seed_same_vectors_and_another_seed_differs(small):
    once = SMALL | {"epochs": 1}
    one = train_sgns(small, SGNSParameters(**once, threads=2)).vectors
    two = train_sgns(small, SGNSParameters(**once, threads=1)).vectors    # no chunk-making thread
    other = train_sgns(small, SGNSParameters(**(once | {"seed": 8}))).vectors
    assert one.words == two.words
    np.testing.assert_array_equal(one.matrix, two.matrix)
    assert not np.allclose(one.matrix, other.matrix)


def test_falls_back_to_plain_pytorch_when_compiling_fails(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("no compiler")

    monkeypatch.setattr(torch, "compile", broken)
    sentences = [["a", "b", "c", "a", "b"]] * 20
    result = train_sgns(sentences, SGNSParameters(dim=4, min_count=1, epochs=1, compile=True))
    assert result.compiled is False and result.meta()["compiled"] is False and len(result.vectors) == 3


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("field, value, message", [
    ("dim", 0, "dim must be a whole number from 1"),
    ("window", 0, "window must be a whole number from 1 to 100"),
    ("min_count", 0, "min_count must be a whole number from 1"),
    ("epochs", 1.5, "epochs must be a whole number from 1 to 1000, not 1.5"),
    ("negative", 0, "negative must be a whole number from 1 to 100"),
    ("batch_size", 0, "batch_size must be a whole number from 1"),
    ("seed", -1, "seed must be a whole number from 0"),
    ("threads", 0, "threads must be a whole number from 1 to 64"),
    ("sample", 1.0, "sample must be a number in [0, 1), not 1.0"),
    ("alpha", 0, "alpha must be a number in (0, 1], not 0"),
    ("min_alpha", 0.5, "min_alpha must be at most alpha (0.025), not 0.5"),
    ("compile", "yes", "compile must be true or false"),
])
def test_bad_parameters(field, value, message):
    with pytest.raises(ParameterError) as error:
        SGNSParameters(**{field: value}).validate()
    assert str(error.value).startswith(message)


def test_parameters_round_trip_through_a_dict():
    parameters = SGNSParameters(dim=50, epochs=3)
    assert SGNSParameters.from_dict(parameters.to_dict()) == parameters
    with pytest.raises(ParameterError, match="unknown training parameter 'sg'"):
        SGNSParameters.from_dict({"sg": True})


@pytest.mark.parametrize("sentences, message", [
    ([], "no words to train on"),
    ([["lonely"]] * 3 + [["other"]], "too little text to train on"),
    ([["a"], ["b"]] * 10, "no sentence has two words of the vocabulary"),
])
def test_unusable_corpus(sentences, message):
    with pytest.raises(CorpusError, match=message):
        train_sgns(sentences, SGNSParameters(min_count=5 if len(sentences) == 4 else 1, compile=False))


def test_empty_corpus_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("text\n\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="has no text in its column 'text'"):
        train_sgns(Corpus(path), SGNSParameters(compile=False))
