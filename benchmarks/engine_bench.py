"""Engine benchmarks: training throughput against bare gensim, and query latency on 100k words.

Run: ``python benchmarks/engine_bench.py [--repeat 2] [--workers 2]``. Prints a table and writes
``benchmarks/results/engine.json``. Every figure comes with its baseline measured in the same run,
interleaved (ours, baseline, ours, baseline...), because these machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embedviz.space.analogy import solve  # noqa: E402
from embedviz.text.corpus import Corpus  # noqa: E402
from embedviz.training.demo import DEMO_CORPORA  # noqa: E402
from embedviz.space.neighbours import neighbours  # noqa: E402
from embedviz.training.gensim import TrainingParameters, train  # noqa: E402
from embedviz.vectors.vectors import Vectors  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def bench_training(repeat: int, workers: int, sg: bool) -> dict:
    from gensim.models import Word2Vec
    from gensim.utils import simple_preprocess

    corpus = Corpus(DEMO_CORPORA)
    parameters = TrainingParameters(workers=workers, sg=sg, epochs=5)
    # The baseline a user would write by hand: every row tokenised with simple_preprocess into a
    # list in memory, then Word2Vec on that list with the same parameters.
    t0 = time.perf_counter()
    sentences = [simple_preprocess(doc.text) for doc in corpus.documents()]
    sentences = [s for s in sentences if s]
    bare_tokenise = time.perf_counter() - t0
    words = sum(len(s) for s in sentences)
    ours_train, ours_total, bare_train = [], [], []
    for _ in range(repeat):
        result = train(corpus, parameters)
        ours_train.append(result.timings["training"] + result.timings["vocabulary"])
        ours_total.append(result.timings["total"])
        t0 = time.perf_counter()
        Word2Vec(sentences, vector_size=parameters.dim, window=parameters.window,
                 min_count=parameters.min_count, sg=int(sg), negative=parameters.negative,
                 sample=parameters.sample, seed=parameters.seed, workers=workers, epochs=parameters.epochs)
        bare_train.append(time.perf_counter() - t0)
    ours_t, ours_all, bare_t = map(statistics.median, (ours_train, ours_total, bare_train))
    epochs = parameters.epochs
    return {
        "corpus_words": words, "epochs": epochs, "workers": workers, "sg": sg,
        "ours_train_words_per_s": words * epochs / ours_t,
        "bare_train_words_per_s": words * epochs / bare_t,
        "train_ratio": bare_t / ours_t,
        "ours_end_to_end_s": ours_all, "bare_end_to_end_s": bare_t + bare_tokenise,
        "end_to_end_ratio": (bare_t + bare_tokenise) / ours_all,
    }


def bench_queries(n_words: int, dim: int, n_queries: int) -> dict:
    rng = np.random.default_rng(0)
    vectors = Vectors([f"w{i}" for i in range(n_words)], rng.normal(size=(n_words, dim)))
    kv = vectors.to_keyed_vectors()
    t0 = time.perf_counter()
    _ = vectors.unit
    kv.fill_norms()
    warmup = time.perf_counter() - t0
    words = [f"w{i}" for i in rng.integers(0, n_words, size=n_queries * 3)]
    ours_n, bare_n, ours_a, bare_a = [], [], [], []
    for q in range(n_queries):
        a, b, c = words[3 * q: 3 * q + 3]
        t0 = time.perf_counter(); neighbours(vectors, a, k=10); ours_n.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); kv.most_similar(a, topn=10); bare_n.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); solve(vectors, f"{a} - {b} + {c}", k=10); ours_a.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); kv.most_similar(positive=[a, c], negative=[b], topn=10)
        bare_a.append(time.perf_counter() - t0)
    ms = lambda xs: 1000 * statistics.median(xs)  # noqa: E731
    return {
        "words": n_words, "dim": dim, "queries": n_queries, "normalise_once_s": warmup,
        "neighbours_ms": ms(ours_n), "gensim_most_similar_ms": ms(bare_n),
        "analogy_ms": ms(ours_a), "gensim_analogy_ms": ms(bare_a),
        "neighbours_ratio": ms(bare_n) / ms(ours_n), "analogy_ratio": ms(bare_a) / ms(ours_a),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--cbow-only", action="store_true", help="train CBOW only (skip-gram is slow)")
    args = parser.parse_args()
    results = {}
    results["queries"] = bench_queries(100_000, 300, 50)
    q = results["queries"]
    print(f"queries on {q['words']:,} words x {q['dim']}: neighbours {q['neighbours_ms']:.1f} ms "
          f"(gensim {q['gensim_most_similar_ms']:.1f} ms), analogy {q['analogy_ms']:.1f} ms "
          f"(gensim {q['gensim_analogy_ms']:.1f} ms)", flush=True)
    if not args.skip_training:
        for sg in (False,) if args.cbow_only else (False, True):
            r = bench_training(args.repeat, args.workers, sg)
            results["training_sg" if sg else "training_cbow"] = r
            print(f"training {'skip-gram' if sg else 'CBOW'} ({r['workers']} workers, {r['epochs']} epochs, "
                  f"{r['corpus_words']:,} words): embedviz {r['ours_train_words_per_s']:,.0f} words/s, "
                  f"bare gensim {r['bare_train_words_per_s']:,.0f} words/s, ratio {r['train_ratio']:.2f}; "
                  f"end to end {r['ours_end_to_end_s']:.1f} s vs {r['bare_end_to_end_s']:.1f} s, "
                  f"ratio {r['end_to_end_ratio']:.2f}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "engine.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
