"""Projections of word vectors to 2 or 3 dimensions: PCA, t-SNE (openTSNE) and UMAP.

The input is always the unit-length vectors, so every method sees cosine geometry. Unlike the
TensorFlow Projector, which quietly samples t-SNE to 10,000 points and UMAP to 5,000, the words
projected are never sampled: they are the ``top`` most frequent words, or the whole vocabulary.
What may be sampled is the *measurement* of quality: above :data:`EXACT_TRUST_LIMIT` words the
trustworthiness is estimated from :data:`TRUST_SAMPLE` words, and the result says so.

Results can be cached on disk (``cache_dir``): ``<key>.npz`` written with ``np.savez`` and read
with ``allow_pickle=False``; the key covers a version number, the vectors actually projected, the
method, its library's version and every parameter.

>>> p = project(vectors, "tsne", top=5000, cache_dir="cache")      # doctest: +SKIP
>>> p.coords.shape, round(p.trustworthiness, 2)                     # doctest: +SKIP
((5000, 2), 0.97)
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import threading
import time
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable

import numpy as np

from embedviz.core.lazy import load
from embedviz.core.atomic import atomic_file, disk_message, is_disk_full
from embedviz.core.cache import cache_key, entry_path, read_entry, write_entry
from embedviz.core.errors import EmbedvizError, ParameterError
from embedviz.core.params import Number, OneOf, Optional, Whole, check
from embedviz.space.trust import trustworthiness
from embedviz.vectors.vectors import Vectors

METHODS = ("pca", "tsne", "umap")
SEED = Whole(0, 2**32 - 1)
#: Bump when a change in this module would change a cached result.
CACHE_VERSION = 1
#: Up to this many words trustworthiness is exact; above, it is estimated from TRUST_SAMPLE words.
EXACT_TRUST_LIMIT = 10_000
TRUST_SAMPLE = 5_000
#: t-SNE threads: TSNE_JOBS from TSNE_THREADS_FROM words, one below (openTSNE synchronises its
#: threads several times per iteration, which costs more than it saves on small inputs). A fixed
#: number, not os.cpu_count(): the thread count changes the result (openTSNE's Annoy neighbour index
#: is built per thread, and t-SNE amplifies the difference), so the same seed must mean the same
#: threads on every machine. It is recorded in ``params`` and so in the cache key.
TSNE_JOBS = 2
TSNE_THREADS_FROM = 10_000
#: From this many words 2D t-SNE uses the FFT-interpolated gradient, below it Barnes-Hut (openTSNE's
#: own rule for "auto": FFT has a fixed grid cost, 300 words take 15 s with it and 1 s with BH).
TSNE_FFT_FROM = 10_000
_LIBRARY = {"pca": "scikit-learn", "tsne": "openTSNE", "umap": "umap-learn"}

Progress = Callable[[float, str], None]


@dataclass(eq=False)
class Projection:
    """Coordinates for ``words`` (one row each) and how they were made.

    ``params`` holds every parameter the method used, seed included (None: UMAP on every core, not
    reproducible). ``trustworthiness`` is for ``trust_k`` neighbours, exact when ``trust_sample``
    is None, else estimated from that many words; None until measured. ``seconds`` is the time the
    fit took (for a cached result, when it was computed), ``trust_seconds`` the trustworthiness';
    ``cached`` says it was read from disk.
    """

    words: list[str]
    coords: np.ndarray
    method: str
    dims: int
    params: dict
    trustworthiness: float | None   # None until measured (see measure_trust)
    trust_k: int
    trust_sample: int | None
    seconds: float                  # the fit, not the trustworthiness
    cached: bool = False
    trust_seconds: float | None = None
    cache_path: str | None = None   # where it is (or will be) cached, for measure_trust
    cache_key: str | None = None

    @property
    def columns(self) -> list[str]:
        return ["x", "y", "z"][: self.dims]

    def write_csv(self, f) -> None:
        """Write ``word,x,y[,z]`` with a header, one row per word, to the text file object ``f``."""
        writer = csv.writer(f)
        writer.writerow(["word", *self.columns])
        for word, row in zip(self.words, self.coords):
            # str() of a float32 is its shortest exact form (0.1, not 0.10000000149011612).
            writer.writerow([word, *(str(value) for value in row)])

    def csv_bytes(self) -> bytes:
        """:meth:`write_csv` as UTF-8 bytes (a download)."""
        buffer = io.StringIO()
        self.write_csv(buffer)
        return buffer.getvalue().encode("utf-8")

    def to_csv(self, path: str | os.PathLike) -> None:
        """:meth:`write_csv` into the file ``path``, written whole or not at all (a killed export never
        leaves a half-written file)."""
        try:
            with atomic_file(path, "w") as f:
                self.write_csv(f)
        except OSError as exc:
            action = f"writing {Path(path).name}"
            raise EmbedvizError(disk_message(exc, action) if is_disk_full(exc)
                                else f"cannot write {Path(path).name}: {exc.strerror or exc}") from None

    def to_frame(self):
        """A pandas DataFrame with columns ``word, x, y[, z]``."""
        import pandas as pd

        frame = pd.DataFrame({"word": self.words})
        for i, column in enumerate(self.columns):
            frame[column] = self.coords[:, i]
        return frame


def project(vectors: Vectors, method: str = "pca", dims: int = 2, top: int | None = None, *,
            seed: int | None = 0, perplexity: float = 30.0, n_neighbors: int = 15,
            min_dist: float = 0.1, trust_k: int = 10, cache_dir: str | os.PathLike | None = None,
            progress: Progress | None = None, trust: bool = True) -> Projection:
    """Project the ``top`` most frequent words (``None``: all of them) to ``dims`` dimensions.

    Methods:

    - ``"pca"``: ``sklearn.decomposition.PCA(n_components=dims, random_state=seed)``; signs are
      made deterministic by sklearn (``svd_flip``).
    - ``"tsne"``: openTSNE with cosine distances, PCA initialisation, ``perplexity`` (3 ×
      perplexity must be below the number of words). 2D uses the FFT-interpolated gradient from
      10,000 words and Barnes-Hut below (openTSNE's own choice); 3D always Barnes-Hut, since
      openTSNE's FFT gradient only exists for 1 and 2 dimensions (3D is much slower on large
      inputs). One thread below 10,000 words, :data:`TSNE_JOBS` from there (the thread count is
      part of the result, see there).
    - ``"umap"``: ``umap.UMAP(n_neighbors, min_dist, metric="cosine", random_state=seed)``. A
      seed makes the result reproducible but UMAP then runs single-threaded; ``seed=None`` runs
      it on every core (measured 1.85x faster at 50k words on two cores), a different picture
      each time it is computed (the cache keeps the first). The first UMAP in a process also pays
      numba's compilation (see :func:`warm_up_umap`).

    ``trust_k`` is lowered to what the number of words allows (less than half of it) and the
    value used is reported. With ``trust=False`` the trustworthiness is left out (None) and can be
    measured later with :func:`measure_trust`: a map can be drawn before it is known.
    ``progress(fraction, message)``, if given, is called when the work starts, after the fit and at
    the end. Raises :class:`ParameterError` for a bad parameter, before any work is done.
    """
    method = check("method", method, OneOf(METHODS))
    dims = int(check("dims", dims, OneOf((2, 3))))
    # PCA and t-SNE always take a seed; UMAP without one runs on every core (see above).
    seed = check("seed", seed, Optional(SEED) if method == "umap" else SEED)
    perplexity = float(check("perplexity", perplexity, Number(1)))  # an effective number of neighbours
    n_neighbors = int(check("n_neighbors", n_neighbors, Whole(2)))
    seed = None if seed is None else int(seed)
    min_dist = float(check("min_dist", min_dist, Number(0, 1)))
    trust_k = check("trust_k", trust_k, Whole(1))
    if top is not None:
        top = check("top", top, Whole(3))
    if top is not None and top < len(vectors):
        vectors = vectors.top(top)
    _check_fits_the_words(vectors, method, dims, perplexity, n_neighbors)
    n = len(vectors)
    trust_k = min(trust_k, math.ceil(n / 2) - 1)
    trust_sample = TRUST_SAMPLE if n > EXACT_TRUST_LIMIT else None
    params = _method_params(method, dims, n, seed, perplexity, n_neighbors, min_dist)

    path = key = None
    if cache_dir is not None:
        key = _cache_key(vectors, method, dims, params, trust_k, trust_sample)
        path = entry_path(cache_dir, key)
        found = _load(path, key, vectors.words)
        if found is not None:
            _report(progress, 1.0, f"loaded the {method} projection of {n} words from the cache")
            if trust and found.trustworthiness is None:
                return measure_trust(found, vectors, progress)
            return found

    _report(progress, 0.0, f"projecting {n} words with {method}")
    started = time.perf_counter()
    coords = np.ascontiguousarray(_fit(vectors.unit, method, dims, params), dtype=np.float32)
    result = Projection(list(vectors.words), coords, method, dims, params, None, trust_k, trust_sample,
                        time.perf_counter() - started, cache_path=str(path) if path else None, cache_key=key)
    if path is not None:
        _save(path, key, result)
    if trust:
        return measure_trust(result, vectors, progress)
    _report(progress, 1.0, "done")
    return result


def measure_trust(projection: Projection, vectors: Vectors, progress: Progress | None = None) -> Projection:
    """Fill in ``projection.trustworthiness`` (``vectors``: the model's, or the words projected) and
    update its cache file; the projection is returned."""
    if projection.trustworthiness is not None:
        return projection
    if vectors.words[: len(projection.words)] != projection.words:
        vectors = vectors.top(len(projection.words))
    _report(progress, 0.8, "measuring trustworthiness")
    started = time.perf_counter()
    seed = projection.params.get("seed") or 0
    unit = vectors.unit[: len(projection.words)]
    projection.trustworthiness = trustworthiness(unit, projection.coords, k=projection.trust_k,
                                                 sample=projection.trust_sample, seed=seed)
    projection.trust_seconds = time.perf_counter() - started
    if projection.cache_path:
        _save(Path(projection.cache_path), projection.cache_key, projection)
    _report(progress, 1.0, "done")
    return projection


# -- the methods -----------------------------------------------------------------------------------
def _method_params(method, dims, n, seed, perplexity, n_neighbors, min_dist) -> dict:
    if method == "pca":
        return {"seed": seed}
    if method == "tsne":
        return {"perplexity": perplexity, "metric": "cosine", "initialization": "pca",
                "negative_gradient_method": "fft" if dims == 2 and n >= TSNE_FFT_FROM else "bh",
                "n_jobs": TSNE_JOBS if n >= TSNE_THREADS_FROM else 1, "seed": seed}
    return {"n_neighbors": n_neighbors, "min_dist": min_dist, "metric": "cosine", "seed": seed}


def _fit(unit: np.ndarray, method: str, dims: int, params: dict) -> np.ndarray:
    if method == "pca":
        PCA = load("sklearn.decomposition").PCA

        return PCA(n_components=dims, random_state=params["seed"]).fit_transform(unit)
    if method == "tsne":
        TSNE = load("openTSNE").TSNE

        tsne = TSNE(n_components=dims, perplexity=params["perplexity"], metric=params["metric"],
                    initialization=params["initialization"], n_jobs=params["n_jobs"],
                    negative_gradient_method=params["negative_gradient_method"],
                    random_state=params["seed"], verbose=False)
        return np.asarray(tsne.fit(unit))
    return _fit_umap(unit, dims, params)


def _fit_umap(unit: np.ndarray, dims: int, params: dict) -> np.ndarray:
    numba = load("numba")
    umap = load("umap")

    threads = numba.get_num_threads()
    model = umap.UMAP(n_components=dims, n_neighbors=params["n_neighbors"],
                      min_dist=params["min_dist"], metric=params["metric"], n_epochs=params.get("n_epochs"),
                      random_state=params["seed"], n_jobs=-1 if params["seed"] is None else 1)
    try:
        with warnings.catch_warnings():
            # "n_jobs overridden to 1 by setting random_state": known, and documented above.
            warnings.filterwarnings("ignore", message=".*overridden to 1.*")
            return model.fit_transform(unit)
    finally:
        numba.set_num_threads(threads)  # UMAP sets numba's global thread count; put it back


class WarmUp:
    """UMAP's numba code compiled once in this process, in a background thread.

    umap-learn's functions are compiled by numba when first called, in every new process (measured
    30-90 s on two cores, see benchmarks/explore_bench.py), so the first UMAP map of a server would
    wait for it. :meth:`start` pays it before anyone asks: a UMAP of random unit vectors, once with
    a seed (the single-threaded code) and once without (the parallel code), with more than 4,096
    points so that the approximate neighbour search (pynndescent) is compiled too; then each of
    ``also`` (the map image's renderer, datashader, is numba code too: ~20 s on first use). The
    setting ``EMBEDVIZ_UMAP_WARM_UP=0`` turns it off (``state`` is then ``"off"``).
    """

    POINTS = 4500

    def __init__(self, also=()):
        self.also = tuple(also)       # more code to compile the same way (the map image's renderer)
        self.state = "cold"           # cold -> compiling -> ready | failed; or off
        self.started: float | None = None
        self.seconds: float | None = None
        self.error: str | None = None
        self._done = threading.Event()

    def start(self) -> "WarmUp":
        from embedviz.core.settings import setting

        if not setting("EMBEDVIZ_UMAP_WARM_UP"):
            self.state = "off"
            self._done.set()
            return self
        self.state, self.started = "compiling", time.monotonic()
        threading.Thread(target=self._run, name="embedviz-umap-warm-up", daemon=True).start()
        return self

    def _run(self) -> None:
        try:
            rng = np.random.default_rng(0)
            unit = rng.normal(size=(self.POINTS, 16)).astype(np.float32)
            unit /= np.linalg.norm(unit, axis=1, keepdims=True)
            for task in self.also:  # first: the image renderer compiles in seconds, UMAP in a minute
                task()
            for seed in (0, None):
                params = _method_params("umap", 2, self.POINTS, seed, 30.0, 15, 0.1)
                _fit_umap(unit, 2, {**params, "n_epochs": 2})
            self.state = "ready"
        except Exception as exc:  # noqa: BLE001 - a failed warm-up only means the first map compiles
            self.state, self.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            self.seconds = time.monotonic() - self.started
            self._done.set()

    @property
    def elapsed(self) -> float:
        return 0.0 if self.started is None else (self.seconds or time.monotonic() - self.started)

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)


# -- parameters ------------------------------------------------------------------------------------
def _check_fits_the_words(vectors: Vectors, method, dims, perplexity, n_neighbors) -> None:
    n = len(vectors)
    if n < 3:
        raise ParameterError(f"a projection needs at least 3 words, but the vectors have {n}")
    if method == "pca" and vectors.dim < dims:
        raise ParameterError(f"PCA to {dims} dimensions needs vectors with at least {dims} "
                             f"dimensions; these have {vectors.dim}")
    if method == "tsne" and 3 * perplexity >= n:
        raise ParameterError(f"perplexity {perplexity:g} is too large for {n} words: t-SNE needs "
                             f"3 × perplexity < number of words, so perplexity < {n / 3:.4g}")
    if method == "umap" and n_neighbors >= n:
        raise ParameterError(f"n_neighbors ({n_neighbors}) must be smaller than the number of "
                             f"words ({n})")


def _report(progress: Progress | None, fraction: float, message: str) -> None:
    if progress is not None:
        progress(fraction, message)


# -- the cache -------------------------------------------------------------------------------------
def fingerprint(vectors: Vectors) -> str:
    """sha256 of the words and the matrix bytes (about 0.1 s for 100k × 300)."""
    digest = hashlib.sha256()
    matrix = np.ascontiguousarray(vectors.matrix)
    digest.update(json.dumps([list(matrix.shape), str(matrix.dtype), vectors.words]).encode())
    digest.update(memoryview(matrix).cast("B"))
    return digest.hexdigest()


def _cache_key(vectors, method, dims, params, trust_k, trust_sample) -> str:
    try:
        library = metadata.version(_LIBRARY[method])
    except metadata.PackageNotFoundError:
        library = "unknown"
    return cache_key({"cache": CACHE_VERSION, "vectors": fingerprint(vectors), "method": method,
                      "library": library, "dims": dims, "params": params, "trust_k": trust_k,
                      "trust_sample": trust_sample})


def _save(path: Path, key: str, projection: Projection) -> None:
    meta = {"method": projection.method, "dims": projection.dims,
            "params": projection.params, "trustworthiness": projection.trustworthiness,
            "trust_k": projection.trust_k, "trust_sample": projection.trust_sample,
            "seconds": projection.seconds, "trust_seconds": projection.trust_seconds}
    arrays = {"coords": projection.coords, "words": np.array(projection.words, dtype=np.str_)}
    write_entry(path.parent, key, arrays, meta, label="projection cache")


def _load(path: Path, key: str, words: list[str]) -> Projection | None:
    """The cached projection, or None if there is none or it is unreadable or not this one's."""
    found = read_entry(path.parent, key)
    if found is None:
        return None
    arrays, meta = found
    try:
        coords, stored_words = arrays["coords"], arrays["words"].tolist()
        if (stored_words != list(words) or coords.shape != (len(words), meta["dims"])
                or coords.dtype != np.float32):
            return None
        trust = meta["trustworthiness"]
        return Projection(stored_words, coords, meta["method"], meta["dims"], meta["params"],
                          None if trust is None else float(trust), meta["trust_k"], meta["trust_sample"],
                          float(meta["seconds"]), cached=True, trust_seconds=meta.get("trust_seconds"),
                          cache_path=str(path), cache_key=key)
    except (KeyError, TypeError, ValueError, AttributeError):  # an entry from an older layout
        return None
