"""What changed and along what, measured: comparing two 100,000-word models, the cost of keeping
snapshots during training, and an axis over 100,000 words. Every figure stands beside a baseline
from the same run.

    python benchmarks/views_bench.py                   # every part (about 15 minutes on two cores)
    python benchmarks/views_bench.py --only axis       # some parts; the others' figures are kept

Parts (each writes its own section of ``benchmarks/results/views.json``):

- **compare**: two synthetic 100,000-word x 100 models (B: A rotated, with noise, 5% of the words
  its own) compared in full (shift of every shared word, neighbour overlap at k = 10 in each whole
  vocabulary); baseline: gensim ``most_similar(topn=10)`` per word in both models, timed on 1,000
  words and scaled to the same number of words. Also ``--top 10000``.
- **snapshots**: Word2Vec on each bundled corpus (5 epochs, 2 workers) and PyTorch skip-gram on
  Shakespeare (2 epochs), with and without ``snapshots=2000``, alternated A B five times (the
  median of the paired ratios, and their range: the machine's noise); the time spent taking the
  snapshots, measured inside the trainer; the snapshot size against the model's own vectors.
- **axis**: ``woman - man`` over all 100,000 words, every word ranked; baseline: gensim
  ``most_similar(positive=[woman], negative=[man], topn=100000)`` (the same dot product with every
  word and the same ranked pairs, on the same matrix); and the scores alone against ``topn=None``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embedviz.space.axes import axis, axis_scores  # noqa: E402
from embedviz.space.comparison import compare  # noqa: E402
from embedviz.text.corpus import Corpus  # noqa: E402
from embedviz.training.gensim import TrainingParameters, train  # noqa: E402
from embedviz.training.sgns import SGNSParameters, train_sgns  # noqa: E402
from embedviz.vectors.vectors import Vectors  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "views.json"
PARTS = ("compare", "snapshots", "axis", "concordance", "documents")
CORPORA = {"shakespeare": ROOT / "data" / "shakespeare.csv.gz", "kjv": ROOT / "data" / "kjv.csv.gz"}


def synthetic_pair(n: int = 100_000, dim: int = 100, seed: int = 0) -> tuple[Vectors, Vectors]:
    """A clustered model and a second one: the same space rotated, noised, with 5% other words."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(300, dim)).astype(np.float32)
    a = centres[rng.integers(300, size=n)] + 0.6 * rng.normal(size=(n, dim)).astype(np.float32)
    rotation, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    b = (a @ rotation.T + 0.15 * rng.normal(size=(n, dim))).astype(np.float32)
    counts = np.arange(n, 0, -1, dtype=np.int64) * 3
    words_a = [f"w{i}" for i in range(n)]
    words_b = [f"w{i}" if i % 20 else f"b{i}" for i in range(n)]
    return Vectors(words_a, a, counts), Vectors(words_b, b, counts)


def seconds(function, repeats: int = 1) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_compare() -> dict:
    a, b = synthetic_pair()
    kv_a, kv_b = a.to_keyed_vectors(), b.to_keyed_vectors()
    sample = [f"w{i}" for i in range(1, 20_000, 20)][:1000]   # words both models know
    for kv in (kv_a, kv_b):
        kv.fill_norms()
    gensim_per_word = seconds(lambda: [(kv_a.most_similar(w, topn=10), kv_b.most_similar(w, topn=10))
                                       for w in sample]) / len(sample)
    rows = {}
    for top in (None, 10_000):
        start = time.perf_counter()
        result = compare(a, b, k=10, top=top)
        ours = time.perf_counter() - start
        compared = len(result.words)
        rows["all" if top is None else f"top {top}"] = {
            "words_compared": compared, "shared": result.shared, "seconds": round(ours, 2),
            "gensim_loop_seconds_scaled": round(gensim_per_word * compared, 1),
            "ratio": round(gensim_per_word * compared / ours, 1),
            "mean_overlap": round(result.mean_overlap, 3), "mean_shift": round(result.mean_shift, 4)}
        print(f"compare {top or 'all'}: {ours:.1f} s for {compared:,} words; gensim loop "
              f"{gensim_per_word * compared:.0f} s (x{gensim_per_word * compared / ours:.1f})", flush=True)
    return {"model": "100,000 words x 100 dims, two models sharing 95,000", "k": 10,
            "gensim_ms_per_word": round(gensim_per_word * 1000, 2), **rows}


def bench_snapshots(pairs: int = 5) -> dict:
    out = {}
    runs = [(f"word2vec {name}", lambda s, p=path: train(Corpus(p), TrainingParameters(
                epochs=5, workers=2, seed=1, snapshots=s))) for name, path in CORPORA.items()]
    runs.append(("torch-sgns shakespeare", lambda s: train_sgns(Corpus(CORPORA["shakespeare"]), SGNSParameters(
        epochs=2, seed=1, snapshots=s))))
    for name, run in runs:
        times = {0: [], 2000: []}
        taking = []
        for turn in (0, 2000) * pairs:
            result = run(turn)
            times[turn].append(result.timings["training"])
            if turn:
                taking.append(result.snapshots.seconds)
                size, epochs = result.snapshots.nbytes, result.snapshots.epochs
                model_bytes = result.vectors.matrix.nbytes
        paired = [w / wo for w, wo in zip(times[2000], times[0])]
        ratio = statistics.median(paired)
        share = statistics.median(t / w for t, w in zip(taking, times[2000]))
        out[name] = {"training_seconds_without": [round(t, 2) for t in times[0]],
                     "training_seconds_with": [round(t, 2) for t in times[2000]],
                     "paired_ratio_median": round(ratio, 3),
                     "paired_ratio_range": [round(min(paired), 3), round(max(paired), 3)],
                     "snapshot_seconds": round(statistics.median(taking), 4),
                     "snapshot_share_of_training": round(share, 5),
                     "snapshot_mb": round(size / 1e6, 2), "epochs": epochs,
                     "model_vectors_mb": round(model_bytes / 1e6, 2)}
        print(f"snapshots {name}: paired ratio x{ratio:.3f} ({min(paired):.2f}-{max(paired):.2f}); taking them "
              f"{statistics.median(taking) * 1000:.1f} ms = {share:.3%} of training; {size / 1e6:.2f} MB "
              f"(vectors {model_bytes / 1e6:.1f} MB)", flush=True)
    return out


def bench_axis() -> dict:
    a, _ = synthetic_pair()
    woman, man = "w5", "w7"
    kv = a.to_keyed_vectors()
    kv.fill_norms()
    line = axis(a, f"{woman} - {man}")   # the unit matrix once, as a loaded model has it
    rows = np.arange(len(a))
    ranked = seconds(lambda: axis_scores(a, f"{woman} - {man}"), repeats=5)
    gensim_ranked = seconds(lambda: kv.most_similar(positive=[woman], negative=[man], topn=len(a)), repeats=5)
    raw = seconds(lambda: line.scores(a, rows), repeats=5)
    gensim_raw = seconds(lambda: kv.most_similar(positive=[woman], negative=[man], topn=None), repeats=5)
    print(f"axis over 100,000 words ranked: {ranked * 1000:.0f} ms; gensim topn=all {gensim_ranked * 1000:.0f} ms; "
          f"scores alone {raw * 1000:.1f} ms; gensim topn=None {gensim_raw * 1000:.1f} ms", flush=True)
    return {"words": len(a), "dims": a.matrix.shape[1],
            "ranked_list": {"seconds": round(ranked, 4), "gensim_seconds": round(gensim_ranked, 4),
                            "ratio": round(ranked / gensim_ranked, 2),
                            "note": "every word ranked, as (word, score) pairs; gensim most_similar(topn=all)"},
            "scores_only": {"seconds": round(raw, 5), "gensim_seconds": round(gensim_raw, 5),
                            "ratio": round(raw / gensim_raw, 2),
                            "note": "the cosines alone; gensim most_similar(topn=None)"}}


def bench_concordance() -> dict:
    from embedviz.space.concordance import concordance_index
    from embedviz.space.neighbours import neighbours
    from embedviz.vectors.store import Store

    with tempfile.TemporaryDirectory() as folder:
        store = Store(folder)
        store.ensure_demo()
        start = time.perf_counter()
        index = concordance_index(store, "demo")
        built = time.perf_counter() - start
        start = time.perf_counter()
        index = concordance_index(store, "demo")
        loaded = time.perf_counter() - start
        vectors = store.load("demo")
        words = [vectors.words[i] for i in np.linspace(0, len(vectors) - 1, 200).astype(int)]
        lines, shared = [], []
        for word in words:
            near = neighbours(vectors, word, 1)[0].word
            t0 = time.perf_counter()
            index.lines(word, 20)
            t1 = time.perf_counter()
            index.shared(word, near, 20)
            lines.append(t1 - t0)
            shared.append(time.perf_counter() - t1)
        t0 = time.perf_counter()
        index.shared("the", "and", 20)      # the two most frequent words: the slowest case
        worst = time.perf_counter() - t0
    out = {"tokens": int(len(index.tokens)), "build_seconds": round(built, 2), "load_seconds": round(loaded, 3),
           "lines_ms_median": round(statistics.median(lines) * 1000, 2), "lines_ms_max": round(max(lines) * 1000, 2),
           "shared_ms_median": round(statistics.median(shared) * 1000, 2),
           "shared_ms_max": round(max(shared) * 1000, 2), "shared_the_and_ms": round(worst * 1000, 1)}
    print(f"concordance: {out}", flush=True)
    return out


def bench_documents() -> dict:
    from embedviz.space.documents import document_vectors
    from embedviz.text.specs import BUNDLED
    from embedviz.vectors.store import Store

    with tempfile.TemporaryDirectory() as folder:
        store = Store(folder)
        store.ensure_demo()
        vectors = store.load("demo")
    out = {}
    for key in ("kjv", "shakespeare"):
        corpus = Corpus(BUNDLED[key].paths, label_columns=BUNDLED[key].label_columns)
        for weighting in ("mean", "sif"):
            start = time.perf_counter()
            docs = document_vectors(vectors, corpus, weighting)
            seconds = time.perf_counter() - start
            for column in corpus.label_columns:
                agreement, chance = docs.label_agreement(column)
                out[f"{key} {column} {weighting}"] = {"documents": len(docs), "agreement": round(agreement, 3),
                                                       "chance": round(chance, 3), "ratio": round(agreement / chance, 2),
                                                       "vectors_seconds": round(seconds, 2)}
                print(f"documents {key} {column} {weighting}: {agreement:.3f} vs chance {chance:.3f}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    args = parser.parse_args()
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    for part in args.only:
        results[part] = {"compare": bench_compare, "snapshots": bench_snapshots, "axis": bench_axis,
                         "concordance": bench_concordance, "documents": bench_documents}[part]()
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
