"""Time PCA, t-SNE and UMAP (2D) and their trustworthiness on clustered random vectors.

    python benchmarks/projection_bench.py                       # 10k and 50k, all methods
    python benchmarks/projection_bench.py --sizes 10000 --methods tsne umap

The vectors are 100-dimensional, drawn around 200 gaussian centres (so there are neighbourhoods to
keep). Each run goes through :func:`embedviz.space.projection.project` (no cache); its progress callback
splits the time into the fit and the trustworthiness. UMAP's one-off cost (import and numba
compilation) is measured first, on 4,500 words, and reported on its own line.

Prints a table and merges the results into ``benchmarks/results/projection.json`` (a later run of
one size or method replaces only its own rows).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embedviz.space.projection import METHODS, project  # noqa: E402
from embedviz.vectors.vectors import Vectors  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "projection.json"


def clustered_vectors(n: int, dim: int = 100, clusters: int = 200, seed: int = 0) -> Vectors:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    matrix = centres[rng.integers(clusters, size=n)] + 0.6 * rng.normal(size=(n, dim))
    return Vectors([f"w{i}" for i in range(n)], matrix.astype(np.float32))


def timed_projection(vectors: Vectors, method: str) -> dict:
    marks = {}

    def progress(fraction, message):
        marks[fraction] = time.perf_counter()

    load = os.getloadavg()[0]
    started = time.perf_counter()
    result = project(vectors, method, 2, progress=progress)
    ended = time.perf_counter()
    return {"words": len(vectors), "method": method, "dims": 2,
            "fit_s": round(marks[0.8] - marks[0.0], 2),
            "trust_s": round(marks[1.0] - marks[0.8], 2),
            "total_s": round(ended - started, 2),
            "trustworthiness": round(result.trustworthiness, 4),
            "trust_k": result.trust_k, "trust_sample": result.trust_sample,
            "params": result.params, "load_average_before": load}


def umap_warm_up() -> dict:
    # 4,500 words: from 4,096 UMAP switches from exact neighbours to NN-descent, which numba
    # compiles separately; a smaller warm-up would leave that compilation in the 10k timing.
    started = time.perf_counter()
    project(clustered_vectors(4_500, clusters=20), "umap")
    return {"words": 4_500, "method": "umap warm-up (import, numba JIT, small fit)",
            "total_s": round(time.perf_counter() - started, 2)}


def show(row: dict) -> None:
    print(f"{row['words']:>7} {row['method']:<44} {row.get('fit_s', ''):>8} "
          f"{row.get('trust_s', ''):>8} {row['total_s']:>8} {row.get('trustworthiness', ''):>7} "
          f"{str(row.get('trust_sample', '')):>6}", flush=True)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    args = parser.parse_args(argv)

    print(f"{'words':>7} {'method':<44} {'fit s':>8} {'trust s':>8} {'total s':>8} "
          f"{'trust':>7} {'sample':>6}")
    rows = []
    if "umap" in args.methods:
        rows.append(umap_warm_up())
        show(rows[-1])
    for n in args.sizes:
        vectors = clustered_vectors(n)
        for method in args.methods:
            rows.append(timed_projection(vectors, method))
            show(rows[-1])

    previous = json.loads(RESULTS.read_text()) if RESULTS.exists() else {"runs": []}
    replaced = {(row["words"], row["method"]) for row in rows}
    runs = [row for row in previous["runs"] if (row["words"], row["method"]) not in replaced]
    machine = {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
               "python": platform.python_version()}
    for row in rows:
        row["machine"] = machine
        row["date"] = time.strftime("%Y-%m-%d %H:%M:%S")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"runs": runs + rows}, indent=2) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
