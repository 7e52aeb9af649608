"""Time what the Explore page waits for: a projection through ``embedviz.ui.cache`` (first time, again
from memory, again from the disk cache as after a server restart), the k-means colouring and the
figure (build, JSON as Streamlit sends it, its size).

    python benchmarks/explore_bench.py                         # demo 10k (PCA, t-SNE), synthetic 50k (PCA)
    python benchmarks/explore_bench.py --tsne-50k              # also t-SNE on 50k words (minutes)

Runs outside Streamlit (``st.cache_resource`` works bare, with warnings), in a temporary store with
the demo model and a synthetic 50k-word model (100 dimensions, clustered, Zipf counts). Prints a
table and writes ``benchmarks/results/explore.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
RESULTS = Path(__file__).resolve().parent / "results" / "explore.json"


def synthetic(n: int, dim: int = 100, clusters: int = 300, seed: int = 0):
    from embedviz.vectors.vectors import Vectors

    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    matrix = centres[rng.integers(clusters, size=n)] + 0.6 * rng.normal(size=(n, dim))
    counts = (1e7 / np.arange(1, n + 1)).astype(np.int64) + 1  # Zipf
    return Vectors([f"w{i}" for i in range(n)], matrix.astype(np.float32), counts)


def timed(function):
    started = time.perf_counter()
    value = function()
    return value, round(time.perf_counter() - started, 3)


def projection_row(name: str, method: str, top: int | None, **params) -> dict:
    from embedviz.ui import cache

    first, first_s = timed(lambda: cache.projection(name, method, 2, top, **params))
    _, memory_s = timed(lambda: cache.projection(name, method, 2, top, **params))
    cache.jobs_board.clear()  # as after a server restart: only the engine's disk cache is left
    again, disk_s = timed(lambda: cache.projection(name, method, 2, top, **params))
    assert again.cached and np.array_equal(again.coords, first.coords)
    return {"model": name, "method": method, "words": len(first.words), "first_s": first_s,
            "memory_s": memory_s, "disk_cache_s": disk_s, "trustworthiness": round(first.trustworthiness, 4),
            "trust_sample": first.trust_sample}


def figure_row(name: str, projection, vectors) -> dict:
    import plotly.io

    from embedviz.space.clusters import kmeans
    from embedviz.figures.maps import cluster_colouring, scatter

    n = len(projection.words)
    found, kmeans_s = timed(lambda: kmeans(vectors.top(n), 12, seed=0))
    figure, build_s = timed(lambda: scatter(projection, counts=vectors.counts[:n],
                                            colouring=cluster_colouring(found), labels=100))
    spec, json_s = timed(lambda: plotly.io.to_json(figure.to_dict(), validate=False))
    return {"model": name, "words": n, "kmeans_s": kmeans_s, "figure_build_s": build_s,
            "figure_json_s": json_s, "figure_mb": round(len(spec) / 1e6, 2)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tsne-50k", action="store_true", help="also t-SNE on the 50k-word model")
    args = parser.parse_args(argv)
    logging.getLogger("streamlit").setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory() as home:
        os.environ["EMBEDVIZ_HOME"] = home
        from embedviz.vectors.store import Store
        from embedviz.ui import cache

        store = Store(home)
        store.ensure_demo()
        store.save("synthetic50k", synthetic(50_000), {"trainer": "synthetic"})
        demo_words = min(10_000, len(store.load("demo")))

        projections = [projection_row("demo", "pca", demo_words),
                       projection_row("demo", "tsne", demo_words),
                       projection_row("synthetic50k", "pca", None)]
        if args.tsne_50k:
            projections.append(projection_row("synthetic50k", "tsne", None))
        figures = []
        for name, top in (("demo", demo_words), ("synthetic50k", None)):
            vectors = cache.load_vectors(name)
            figures.append(figure_row(name, cache.projection(name, "pca", 2, top), vectors))

    print(f"{'model':14} {'method':6} {'words':>7} {'first s':>8} {'memory s':>9} {'disk s':>7} {'trust':>6}")
    for row in projections:
        print(f"{row['model']:14} {row['method']:6} {row['words']:>7} {row['first_s']:>8} "
              f"{row['memory_s']:>9} {row['disk_cache_s']:>7} {row['trustworthiness']:>6}")
    print(f"\n{'model':14} {'words':>7} {'k-means s':>10} {'build s':>8} {'json s':>7} {'MB':>6}")
    for row in figures:
        print(f"{row['model']:14} {row['words']:>7} {row['kmeans_s']:>10} {row['figure_build_s']:>8} "
              f"{row['figure_json_s']:>7} {row['figure_mb']:>6}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                                   "projections": projections, "figures": figures}, indent=2) + "\n")


if __name__ == "__main__":
    main()
