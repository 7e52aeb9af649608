"""Projections (PCA, t-SNE, UMAP), their cache, and the chunked trustworthiness."""

import csv
import time

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness as sklearn_trustworthiness

from embedviz.core.errors import ParameterError
from embedviz.space.projection import METHODS, Projection, project
from embedviz.space.trust import trustworthiness
from embedviz.vectors.vectors import Vectors


def make_vectors(n, dim, seed=0, centers=None):
    if centers:
        matrix, _ = make_blobs(n_samples=n, n_features=dim, centers=centers, random_state=seed)
    else:
        matrix = np.random.default_rng(seed).normal(size=(n, dim))
    return Vectors([f"w{i}" for i in range(n)], matrix, counts=np.arange(n, 0, -1))


@pytest.fixture(scope="module")
def blobs():
    """300 words in 6 clusters, 50 dimensions: what t-SNE and UMAP should lay out well."""
    return make_vectors(300, 50, centers=6)


@pytest.fixture(scope="module")
def tsne_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("tsne-cache")


@pytest.fixture(scope="module")
def tsne_2d(blobs, tsne_cache):
    return project(blobs, "tsne", 2, seed=0, cache_dir=tsne_cache)


# -- trustworthiness -------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("k", [1, 5, 10, 40])
def test_trustworthiness_equals_sklearn(k, dtype):
    rng = np.random.default_rng(k)
    X = rng.normal(size=(400, 20)).astype(dtype)
    Y = X[:, :2] + 0.5 * rng.normal(size=(400, 2))
    assert trustworthiness(X, Y, k=k) == pytest.approx(sklearn_trustworthiness(X, Y, n_neighbors=k),
                                                       abs=1e-6)


def test_trustworthiness_on_a_perfect_embedding_is_one():
    X = np.random.default_rng(0).normal(size=(100, 3))
    assert trustworthiness(X, X, k=5) == pytest.approx(1.0)


def test_sampled_trustworthiness_is_close_to_exact():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 30))
    Y = X[:, :2] + 0.3 * rng.normal(size=(2000, 2))
    exact = trustworthiness(X, Y, k=10)
    assert exact == pytest.approx(sklearn_trustworthiness(X, Y, n_neighbors=10), abs=1e-6)
    for seed in range(3):
        assert abs(trustworthiness(X, Y, k=10, sample=1000, seed=seed) - exact) < 0.02
    assert trustworthiness(X, Y, k=10, sample=5000) == exact  # a sample of all is exact


def test_trustworthiness_works_in_small_blocks(monkeypatch):
    import embedviz.space.trust as trust

    rng = np.random.default_rng(3)
    X, Y = rng.normal(size=(300, 10)), rng.normal(size=(300, 2))
    expected = trustworthiness(X, Y, k=7)
    monkeypatch.setattr(trust, "BLOCK_ELEMENTS", 7 * 300)  # 7 rows at a time
    monkeypatch.setattr(trust, "COMPARE_BYTES", 1)  # compare one row at a time
    assert trust.trustworthiness(X, Y, k=7) == expected


@pytest.mark.parametrize("k, message", [
    (0, "k must be a whole number of at least 1, not 0"),
    (2.5, "k must be a whole number of at least 1, not 2.5"),
    (10, "k must be less than half the number of points (20 points: at most 9), not 10"),
])
def test_trustworthiness_rejects_bad_k(k, message):
    X = np.random.default_rng(0).normal(size=(20, 4))
    with pytest.raises(ParameterError) as error:
        trustworthiness(X, X[:, :2], k=k)
    assert str(error.value) == message


def test_trustworthiness_rejects_bad_sample():
    X = np.random.default_rng(0).normal(size=(20, 4))
    with pytest.raises(ParameterError, match="sample must be a whole number of at least 1"):
        trustworthiness(X, X[:, :2], k=3, sample=0)


# -- PCA -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dims", [2, 3])
def test_pca_equals_sklearn(dims):
    vectors = make_vectors(700, 60)  # large enough for sklearn to pick a solver other than "full"
    result = project(vectors, "pca", dims)
    expected = PCA(n_components=dims, random_state=0).fit_transform(vectors.unit)
    assert result.coords.shape == (700, dims)
    assert result.coords.dtype == np.float32
    np.testing.assert_allclose(result.coords, expected, atol=1e-5)
    assert (result.method, result.dims, result.params) == ("pca", dims, {"seed": 0})
    assert result.words == vectors.words
    assert result.trust_sample is None and result.trust_k == 10 and not result.cached
    assert result.trustworthiness == pytest.approx(
        sklearn_trustworthiness(vectors.unit, result.coords, n_neighbors=10), abs=1e-6)


def test_top_projects_the_most_frequent_words_in_order():
    vectors = make_vectors(200, 20)
    result = project(vectors, "pca", top=50)
    assert result.words == vectors.words[:50]
    expected = PCA(n_components=2, random_state=0).fit_transform(vectors.unit[:50])
    np.testing.assert_allclose(result.coords, expected, atol=1e-5)
    assert project(vectors, "pca", top=1000).words == vectors.words  # more than there are: all


def test_trust_k_is_lowered_for_few_words():
    result = project(make_vectors(10, 5), "pca")
    assert result.trust_k == 4  # the most below 10 / 2


def test_progress_is_reported_from_start_to_end():
    calls = []
    project(make_vectors(50, 10), "pca", progress=lambda fraction, message: calls.append(
        (fraction, message)))
    fractions = [fraction for fraction, _ in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert all(isinstance(message, str) and message for _, message in calls)


# -- t-SNE -----------------------------------------------------------------------------------------
def test_tsne_2d_keeps_neighbours(tsne_2d, blobs):
    assert tsne_2d.coords.shape == (300, 2)
    assert tsne_2d.trustworthiness > 0.9
    assert tsne_2d.params == {"perplexity": 30.0, "metric": "cosine", "initialization": "pca",
                              "negative_gradient_method": "bh", "n_jobs": 1, "seed": 0}


def test_tsne_gradient_follows_opentsne_rule():
    from embedviz.space.projection import _method_params

    def gradient(dims, n):
        return _method_params("tsne", dims, n, 0, 30.0, 15, 0.1)["negative_gradient_method"]

    assert (gradient(2, 9_999), gradient(2, 10_000)) == ("bh", "fft")
    assert gradient(3, 50_000) == "bh"  # openTSNE has no FFT gradient in 3D


def test_tsne_threads_do_not_depend_on_the_machine():
    from embedviz.space.projection import TSNE_JOBS, _method_params

    def threads(n):
        return _method_params("tsne", 2, n, 0, 30.0, 15, 0.1)["n_jobs"]

    assert (threads(9_999), threads(10_000), threads(10**6)) == (1, TSNE_JOBS, TSNE_JOBS)


def test_tsne_is_reproducible_with_its_seed(tsne_2d, blobs, tsne_cache):
    again = project(blobs, "tsne", 2, seed=0)  # no cache: computed afresh
    assert not again.cached
    np.testing.assert_array_equal(again.coords, tsne_2d.coords)
    other = project(blobs, "tsne", 2, seed=1, cache_dir=tsne_cache)
    assert not other.cached  # a different seed misses the cache
    assert not np.allclose(other.coords, tsne_2d.coords)


def test_tsne_3d_uses_barnes_hut(blobs):
    result = project(blobs, "tsne", 3)
    assert result.coords.shape == (300, 3)
    assert result.params["negative_gradient_method"] == "bh"
    assert result.trustworthiness > 0.9


# -- UMAP (the only test that pays for numba's compilation) -----------------------------------------
def test_umap_2d(blobs):
    result = project(blobs, "umap", 2, seed=0)
    assert result.coords.shape == (300, 2) and result.coords.dtype == np.float32
    assert result.trustworthiness > 0.9
    assert result.params == {"n_neighbors": 15, "min_dist": 0.1, "metric": "cosine", "seed": 0}


def test_the_warm_up_compiles_both_umap_codes_then_the_others_in_the_background(monkeypatch):
    """The app's warm-up thread: the map image's renderer first, then a seeded and an unseeded UMAP
    fit (the single-threaded and the parallel code) of more than 4,096 points (pynndescent's
    path); ready after, failed (and quiet) on an error, off by its setting. The fits are recorded
    here, not run: test_umap_2d pays for numba's compilation once."""
    from embedviz.space import projection

    calls = []
    monkeypatch.setattr(projection, "_fit_umap", lambda unit, dims, params: calls.append((unit.shape, params["seed"])))
    monkeypatch.setenv("EMBEDVIZ_UMAP_WARM_UP", "1")
    warm = projection.WarmUp(also=[lambda: calls.append("image")]).start()
    assert warm.state in ("compiling", "ready")
    assert warm.wait(10) and warm.state == "ready" and warm.error is None and warm.seconds is not None
    assert calls == ["image", ((projection.WarmUp.POINTS, 16), 0), ((projection.WarmUp.POINTS, 16), None)]
    assert projection.WarmUp.POINTS > 4096

    def broken():
        raise RuntimeError("no compiler")

    failed = projection.WarmUp(also=[broken]).start()
    assert failed.wait(10) and failed.state == "failed" and failed.error == "RuntimeError: no compiler"
    monkeypatch.setenv("EMBEDVIZ_UMAP_WARM_UP", "0")
    off = projection.WarmUp().start()
    assert off.state == "off" and off.wait(0)


# -- cache -----------------------------------------------------------------------------------------
def test_a_repeated_projection_comes_from_the_cache(tsne_2d, blobs, tsne_cache):
    started = time.perf_counter()
    again = project(blobs, "tsne", 2, seed=0, cache_dir=tsne_cache)
    assert time.perf_counter() - started < 1.0
    assert again.cached and not tsne_2d.cached
    np.testing.assert_array_equal(again.coords, tsne_2d.coords)
    assert again.coords.dtype == np.float32
    assert again.words == tsne_2d.words
    assert (again.params, again.trustworthiness, again.trust_k, again.trust_sample) == (
        tsne_2d.params, tsne_2d.trustworthiness, tsne_2d.trust_k, tsne_2d.trust_sample)
    # Same words and numbers in a new object: still a hit.
    copy = Vectors(list(blobs.words), blobs.matrix.copy(), blobs.counts)
    assert project(copy, "tsne", 2, seed=0, cache_dir=tsne_cache).cached


def test_a_new_perplexity_misses_the_cache(blobs, tsne_cache):
    assert not project(blobs, "tsne", 2, perplexity=20, cache_dir=tsne_cache).cached
    assert project(blobs, "tsne", 2, perplexity=20, cache_dir=tsne_cache).cached


def test_pca_cache_keys(tmp_path):
    vectors = make_vectors(100, 10)
    assert not project(vectors, "pca", cache_dir=tmp_path).cached
    assert project(vectors, "pca", cache_dir=tmp_path).cached
    # A parameter PCA does not use does not split the cache...
    assert project(vectors, "pca", perplexity=5, cache_dir=tmp_path).cached
    # ...every one it does use, and the words and vectors, do.
    assert not project(vectors, "pca", seed=1, cache_dir=tmp_path).cached
    assert not project(vectors, "pca", top=50, cache_dir=tmp_path).cached
    assert not project(vectors, "pca", dims=3, cache_dir=tmp_path).cached
    assert not project(vectors, "pca", trust_k=5, cache_dir=tmp_path).cached
    changed = Vectors(vectors.words, vectors.matrix + 0.5, vectors.counts)
    assert not project(changed, "pca", cache_dir=tmp_path).cached
    renamed = Vectors(["x" + w for w in vectors.words], vectors.matrix, vectors.counts)
    assert not project(renamed, "pca", cache_dir=tmp_path).cached
    assert len(list(tmp_path.glob("*.npz"))) == 7
    assert not list(tmp_path.glob(".*"))  # no temporary file left behind


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_damaged_cache_file_is_recomputed(tmp_path, damage):
    vectors = make_vectors(100, 10)
    first = project(vectors, "pca", cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    content = path.read_bytes()
    path.write_bytes({"garbage": b"not a zip file at all" * 10, "truncated": content[:200],
                      "empty": b""}[damage])
    again = project(vectors, "pca", cache_dir=tmp_path)
    assert not again.cached
    np.testing.assert_array_equal(again.coords, first.coords)
    assert project(vectors, "pca", cache_dir=tmp_path).cached  # and the file was rewritten


def test_a_cache_file_of_another_projection_is_not_used(tmp_path):
    vectors = make_vectors(100, 10)
    project(vectors, "pca", cache_dir=tmp_path)
    (path,) = tmp_path.glob("*.npz")
    project(vectors, "pca", seed=1, cache_dir=tmp_path)
    for other in tmp_path.glob("*.npz"):
        if other != path:
            other.write_bytes(path.read_bytes())  # seed 1's file now holds seed 0's result
    assert not project(vectors, "pca", seed=1, cache_dir=tmp_path).cached


# -- parameters ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, message", [
    ({"method": "mds"}, "method must be one of 'pca', 'tsne', 'umap', not 'mds'"),
    ({"dims": 4}, "dims must be one of 2, 3, not 4"),
    ({"dims": 2.0}, "dims must be one of 2, 3, not 2.0"),
    ({"top": 2}, "top must be a whole number of at least 3, not 2"),
    ({"top": 10.5}, "top must be a whole number of at least 3, not 10.5"),
    ({"perplexity": 0}, "perplexity must be a number in [1, inf), not 0"),
    ({"perplexity": -5.0}, "perplexity must be a number in [1, inf), not -5.0"),
    ({"method": "tsne", "perplexity": 10},
     "perplexity 10 is too large for 30 words: t-SNE needs 3 × perplexity < number of words, so "
     "perplexity < 10"),
    ({"n_neighbors": 1}, "n_neighbors must be a whole number of at least 2, not 1"),
    ({"method": "umap", "n_neighbors": 30},
     "n_neighbors (30) must be smaller than the number of words (30)"),
    ({"min_dist": -0.1}, "min_dist must be a number in [0, 1], not -0.1"),
    ({"min_dist": 1.5}, "min_dist must be a number in [0, 1], not 1.5"),
    ({"seed": -1}, "seed must be a whole number from 0 to 4294967295, not -1"),
    ({"trust_k": 0}, "trust_k must be a whole number of at least 1, not 0"),
])
def test_bad_parameters_are_explained(kwargs, message):
    with pytest.raises(ParameterError) as error:
        project(make_vectors(30, 5), **kwargs)
    assert str(error.value) == message


def test_too_few_words():
    with pytest.raises(ParameterError) as error:
        project(make_vectors(2, 5), "pca")
    assert str(error.value) == "a projection needs at least 3 words, but the vectors have 2"


def test_pca_needs_as_many_dimensions_as_it_returns():
    with pytest.raises(ParameterError) as error:
        project(make_vectors(30, 2), "pca", dims=3)
    assert str(error.value) == ("PCA to 3 dimensions needs vectors with at least 3 dimensions; "
                                "these have 2")


def test_methods():
    assert METHODS == ("pca", "tsne", "umap")


# -- export ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dims, header", [(2, ["word", "x", "y"]), (3, ["word", "x", "y", "z"])])
def test_to_csv_and_to_frame(tmp_path, dims, header):
    vectors = Vectors(["king", "queen", "a,b", 'say "hi"', "café"],
                      np.random.default_rng(0).normal(size=(5, 4)))
    result = project(vectors, "pca", dims)
    path = tmp_path / "projection.csv"
    result.to_csv(path)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == header
    assert len(rows) == 1 + 5
    assert [row[0] for row in rows[1:]] == vectors.words
    np.testing.assert_array_equal(np.array([row[1:] for row in rows[1:]], dtype=np.float32),
                                  result.coords)
    frame = result.to_frame()
    assert list(frame.columns) == header
    assert frame["word"].tolist() == vectors.words
    np.testing.assert_array_equal(frame[header[1:]].to_numpy(), result.coords)


def test_projection_is_a_plain_record():
    result = project(make_vectors(20, 5), "pca")
    assert isinstance(result, Projection)
    assert isinstance(result.seconds, float) and result.seconds >= 0
    # The trustworthiness is scikit-learn's, on the unit vectors (k as recorded).
    from sklearn.manifold import trustworthiness as sklearn_trustworthiness
    vectors = make_vectors(20, 5)
    assert result.trustworthiness == pytest.approx(
        sklearn_trustworthiness(vectors.unit, result.coords, n_neighbors=result.trust_k), abs=1e-9)
