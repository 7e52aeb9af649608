"""Comparing two models: shifts after orthogonal Procrustes agree with scipy + numpy, overlaps with
brute-force neighbour sets; a rotated copy did not move; swapped words come first."""

import numpy as np
import pytest
from scipy.linalg import orthogonal_procrustes

from embedviz.core.errors import EmbedvizError
from embedviz.space.comparison import MIN_SHARED_FOR_ALIGNMENT, aligned_maps, compare
from embedviz.vectors.vectors import Vectors


def model(words, matrix, counts=None):
    return Vectors(list(words), np.asarray(matrix, dtype=np.float32),
                   counts if counts is not None else list(range(len(words) * 10, 0, -10)))


def rotation(dim, seed=0):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(dim, dim)))
    return q.astype(np.float32)


@pytest.fixture(scope="module")
def pair(demo_vectors):
    """The demo's 3,000 most frequent words, and a noisy, rotated copy with a different vocabulary."""
    a = demo_vectors.top(3000)
    rng = np.random.default_rng(1)
    keep = sorted(rng.choice(3000, 2600, replace=False))       # B lacks 400 of A's words...
    words = [a.words[i] for i in keep] + [f"only_b_{i}" for i in range(50)]   # ...and has its own
    matrix = np.vstack([a.matrix[keep] + rng.normal(0, 0.3, (len(keep), a.dim)),
                        rng.normal(size=(50, a.dim))]) @ rotation(a.dim)
    counts = [int(c) for c in a.counts[keep]] + [5] * 50
    return a, model(words, matrix, counts)


def test_shifts_equal_scipy_and_numpy(pair):
    a, b = pair
    found = compare(a, b, k=10)
    shared = [w for w in a.words if w in b.index]
    assert found.shared == len(shared) == 2600 and found.aligned
    ua = a.unit[[a.index[w] for w in shared]]
    ub = b.unit[[b.index[w] for w in shared]]
    r, _ = orthogonal_procrustes(ub.astype(np.float64), ua.astype(np.float64))
    expected = dict(zip(shared, 1 - np.sum(ua * (ub @ r), axis=1)))
    got = {w.word: w.shift for w in found.words}
    assert set(got) == set(shared)
    np.testing.assert_allclose([got[w] for w in shared], [expected[w] for w in shared], atol=2e-5)
    shifts = [w.shift for w in found.words]
    assert shifts == sorted(shifts, reverse=True)    # most moved first
    assert found.mean_shift == pytest.approx(np.mean(list(expected.values())), abs=1e-5)


def test_overlap_equals_brute_force_neighbour_sets(pair):
    a, b = pair
    found = compare(a, b, k=7, top=150)
    assert len(found.words) == 150

    def nearest(vectors, word, k):
        scores = vectors.unit @ vectors.unit[vectors.index[word]]
        scores[vectors.index[word]] = -np.inf
        return {vectors.words[i] for i in np.argsort(-scores, kind="stable")[:k]}

    for change in found.words[::10]:
        expected = len(nearest(a, change.word, 7) & nearest(b, change.word, 7)) / 7
        assert change.overlap == pytest.approx(expected), change.word
    # --top compares the most frequent shared words (by A's counts)
    assert {w.word for w in found.words} == set([w for w in a.words if w in b.index][:150])


def test_a_rotated_copy_did_not_move(demo_vectors):
    a = demo_vectors.top(2000)
    b = model(a.words, a.matrix @ rotation(a.dim, 3), a.counts)
    found = compare(a, b, k=10)
    assert max(w.shift for w in found.words) < 1e-5
    assert found.mean_overlap == pytest.approx(1.0)


def test_swapped_words_are_ranked_first(demo_vectors):
    a = demo_vectors.top(2000)
    matrix = a.matrix @ rotation(a.dim, 4)
    swapped = ["king", "bread", "night", "sword"]
    rows = [a.index[w] for w in swapped]
    matrix[rows] = matrix[rows[::-1]]
    found = compare(a, model(a.words, matrix, a.counts))
    assert {w.word for w in found.words[:4]} == set(swapped)
    assert all(w.overlap < 0.3 for w in found.words[:4]) and found.words[4].shift < 1e-4


def test_different_dimensions_give_the_overlap_only(demo_vectors):
    a = demo_vectors.top(500)
    b = model(a.words, a.matrix[:, :50], a.counts)
    found = compare(a, b, k=5)
    assert not found.aligned and found.rotation is None and "100 and 50 dimensions" in found.reason
    assert all(w.shift is None for w in found.words)
    overlaps = [w.overlap for w in found.words]
    assert overlaps == sorted(overlaps)              # least overlap first
    assert found.to_dict()["mean_shift"] is None
    with pytest.raises(EmbedvizError, match="no shared map"):
        aligned_maps(a, b, found)


def test_too_few_shared_words_are_not_aligned(demo_vectors):
    a = demo_vectors.top(2000)
    b = model(a.words[:MIN_SHARED_FOR_ALIGNMENT - 1] + [f"x{i}" for i in range(500)],
              np.random.default_rng(0).normal(size=(MIN_SHARED_FOR_ALIGNMENT + 499, a.dim)))
    found = compare(a, b, k=5)
    assert not found.aligned and f"share {MIN_SHARED_FOR_ALIGNMENT - 1} words" in found.reason


def test_min_count_and_nothing_shared(pair):
    a, b = pair
    found = compare(a, b, min_count=200)
    assert found.words and all(w.count_a >= 200 and w.count_b >= 200 for w in found.words)
    with pytest.raises(EmbedvizError, match="no shared word occurs at least"):
        compare(a, b, min_count=10**9)
    other = model(["zz1", "zz2", "zz3"], np.eye(3))
    with pytest.raises(EmbedvizError, match="share no word"):
        compare(a, other)


def test_aligned_maps_place_a_rotated_copy_on_itself(demo_vectors):
    a = demo_vectors.top(1000)
    b = model(a.words, a.matrix @ rotation(a.dim, 5), a.counts)
    maps = aligned_maps(a, b, compare(a, b), top=300)
    assert len(maps["words"]) == 300 and maps["words"] == a.words[:300]
    np.testing.assert_allclose(maps["a"], maps["b"], atol=1e-4)
