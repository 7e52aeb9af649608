"""Tuning benchmarks: does a hyperparameter search beat the defaults, and would more data help?

Run: ``python benchmarks/tune_bench.py [--trials 12] [--epochs 3] [--classifier-trials 10]``. Prints
the figures and writes ``benchmarks/results/tune.json``. Every gain is measured against the default
settings trained in the same run on the same data (trial 0 of each search).

1. Word2Vec search on Shakespeare (``data/shakespeare.csv.gz``), epochs fixed (``--epochs``) to fit
   the time on two cores, min_count 5; score: Google analogies, 3CosAdd, correct over ALL questions.
2. A Word2Vec learning curve on both bundled corpora (defaults, ``--curve-epochs`` epochs), fractions
   0.1..1 of a seeded random choice of documents, and its reading.
3. A classifier search on Shakespeare's genre: a seeded sample of ``--classifier-docs`` rows (all
   works and genres), ``--classifier-epochs`` epochs, scored on validation accuracy.

``--budget`` / ``--classifier-budget``: seconds per search after which no new trial starts, to keep
a loaded machine in bounds (the JSON says how many trials ran). ``--skip`` parts to rerun the others:
the skipped parts of the last run are kept in the JSON.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embedviz.curves import learning_curve  # noqa: E402
from embedviz.demo import DEMO_CORPORA  # noqa: E402
from embedviz.settings import DATA_DIR  # noqa: E402
from embedviz.tune import tune  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def _print_trial(report):
    if report.stage == "trial-done":
        score = "failed" if report.score is None else f"{report.score:.4f}"
        params = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in report.params.items())
        print(f"  trial {report.trial:2d}: {score}  ({report.seconds:5.1f} s)  {params}", flush=True)


def _search_summary(result) -> dict:
    summary = result.to_dict()
    out = {k: summary[k] for k in ("score", "fixed", "default_score", "best_score", "gain", "relative_gain",
                                   "best_trial", "best_params", "default_params", "seconds", "stopped")}
    out["trials"] = [{"number": t["number"], "params": t["params"], "score": t["score"],
                      "seconds": round(t["seconds"], 2), "state": t["state"],
                      **{k: t["details"].get(k) for k in ("accuracy", "coverage", "test_accuracy",
                                                          "train_accuracy") if k in t["details"]}}
                     for t in summary["trials"]]
    return out


def _print_search(title: str, result) -> None:
    print(f"{title}: defaults {result.default_score:.4f}, best {result.best_score:.4f} (trial "
          f"{result.best.number}), gain {result.gain:+.4f}"
          + (f" ({result.gain / result.default_score:+.0%})" if result.default_score else ""))
    print(f"  best params: {result.best_params}")
    if result.stopped:
        print(f"  {result.stopped}")


def bench_word2vec_search(trials: int, epochs: int, workers: int, budget: float) -> dict:
    print(f"Word2Vec search on Shakespeare: {trials} trials, epochs fixed at {epochs}", flush=True)
    result = tune("word2vec", DATA_DIR / "shakespeare.csv.gz", trials=trials, score="analogies", seed=0,
                  fixed={"epochs": epochs, "min_count": 5, "workers": workers}, timeout=budget,
                  progress=_print_trial)
    _print_search("word2vec search (analogies, correct over all questions)", result)
    return _search_summary(result)


def bench_learning_curve(epochs: int, workers: int) -> dict:
    print(f"Word2Vec learning curve on both bundled corpora ({epochs} epochs)", flush=True)
    curve = learning_curve(DEMO_CORPORA, "word2vec", fractions=(0.1, 0.25, 0.5, 1.0), score="analogies",
                           parameters={"epochs": epochs, "workers": workers}, sampling="random", seed=0,
                           progress=lambda p: p.stage == "point" and print(
                               f"  {p.fraction:4.0%}: {p.point.tokens:9,} tokens, score {p.point.score:.4f} "
                               f"(accuracy on covered {p.point.details['accuracy']:.3f}, coverage "
                               f"{p.point.details['coverage']:.3f}), {p.point.seconds:.1f} s", flush=True))
    print(f"  reading: {curve.reading()}")
    return curve.to_dict()


def _genre_sample(rows: int, folder: Path) -> Path:
    with gzip.open(DATA_DIR / "shakespeare.csv.gz", "rt", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        fieldnames, everything = reader.fieldnames, list(reader)
    sample = random.Random(0).sample(everything, min(rows, len(everything)))
    path = folder / "shakespeare-sample.csv"
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fieldnames)
        writer.writeheader()
        writer.writerows(sample)
    return path


def bench_classifier_search(trials: int, epochs: int, documents: int, budget: float) -> dict:
    import torch

    # On a shared, loaded machine torch's intra-op threads fight the other processes for the
    # cores: one thread was measured ~15x faster than the default here.
    torch.set_num_threads(1)
    print(f"Classifier search on Shakespeare genre: {trials} trials, {epochs} epochs, "
          f"{documents} sampled rows", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = _genre_sample(documents, Path(tmp))
        result = tune("classifier", path, trials=trials, seed=0, timeout=budget, progress=_print_trial,
                      fixed={"label_column": "genre", "epochs": epochs, "patience": 0})
    _print_search("classifier search (validation accuracy)", result)
    best = result.best.details
    print(f"  best trial's test accuracy {best['test_accuracy']:.4f} (defaults' "
          f"{result.trials[0].details['test_accuracy']:.4f})")
    summary = _search_summary(result)
    summary["documents"] = documents
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=3, help="word2vec search: epochs, fixed")
    parser.add_argument("--curve-epochs", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--budget", type=float, default=480.0, help="seconds per word2vec search")
    parser.add_argument("--classifier-budget", type=float, default=240.0)
    parser.add_argument("--classifier-trials", type=int, default=10)
    parser.add_argument("--classifier-epochs", type=int, default=5)
    parser.add_argument("--classifier-docs", type=int, default=4000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["search", "curve", "classifier"])
    args = parser.parse_args()
    start = time.perf_counter()
    target = RESULTS / "tune.json"
    # A partial run (--skip) keeps the other parts of the last full run.
    results = json.loads(target.read_text(encoding="utf-8")) if args.skip and target.is_file() else {}
    results["machine"] = "2 cores, shared with other work"
    if "search" not in args.skip:
        results["word2vec_search"] = bench_word2vec_search(args.trials, args.epochs, args.workers, args.budget)
    if "curve" not in args.skip:
        results["word2vec_curve"] = bench_learning_curve(args.curve_epochs, args.workers)
    if "classifier" not in args.skip:
        results["classifier_search"] = bench_classifier_search(
            args.classifier_trials, args.classifier_epochs, args.classifier_docs, args.classifier_budget)
    results["seconds"] = time.perf_counter() - start
    RESULTS.mkdir(exist_ok=True)
    target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"total {results['seconds']:.0f} s; wrote {target}")


if __name__ == "__main__":
    main()
