"""Tuning benchmarks: does a hyperparameter search beat the defaults, and would more data help?

Run: ``python benchmarks/tune_bench.py [--trials 20] [--classifier-trials 12]``. Prints the figures
and writes ``benchmarks/results/tune.json``. Every gain is measured against the default settings
trained in the same run on the same data (trial 0 of each search), then confirmed by retraining both
with fresh seeds (``--confirm``): the gain quoted is that of the fresh seeds, with its interval.

1. Word2Vec search on both bundled corpora with the command's default budget (``embedviz tune``:
   20 trials, epochs searched too), min_count 5; score: Google analogies, 3CosAdd, correct over ALL
   questions (a public benchmark: there is no test set to keep apart for word vectors; WordSim353
   and SimLex-999, never searched on, are reported beside).
2. Learning curves (``--curves``): Word2Vec on both corpora, the classifier on Shakespeare genre and
   KJV book group, with their readings; ``--test-data`` also writes their points to
   ``tests/data/curves.json`` (keeping the expected verdicts written there by hand).
3. A classifier search on Shakespeare's genre, scored on validation accuracy (the test part is
   only reported).

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

from embedviz.training.curves import learning_curve  # noqa: E402
from embedviz.training.demo import DEMO_CORPORA  # noqa: E402
from embedviz.core.settings import DATA_DIR  # noqa: E402
from embedviz.training.tune import tune  # noqa: E402

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


def _held_out_scores(vectors) -> dict:
    from embedviz.training.curves import score_vectors

    return {name: score_vectors(vectors, name)[0] for name in ("wordsim353", "simlex999")}


def bench_word2vec_search(trials: int, workers: int, budget: float | None, confirm: int) -> dict:
    print(f"Word2Vec search on both bundled corpora: {trials} trials, {confirm} fresh seeds to confirm",
          flush=True)
    result = tune("word2vec", DEMO_CORPORA, trials=trials, score="analogies", seed=0,
                  fixed={"min_count": 5, "workers": workers}, timeout=budget, progress=_print_trial,
                  confirm=confirm)
    _print_search("word2vec search (analogies, correct over all questions)", result)
    print(f"  {result.reading()}")
    summary = _search_summary(result)
    summary["confirmation"], summary["reading"] = result.confirmation, result.reading()
    summary["best_model_held_out"] = _held_out_scores(result.best_model.vectors)
    return summary


CURVES = {
    "word2vec, both corpora, analogies": ("word2vec", DEMO_CORPORA, {"epochs": 5}, "analogies"),
    "classifier, Shakespeare genre": ("classifier", [DATA_DIR / "shakespeare.csv.gz"],
                                      {"label_column": "genre"}, "val_accuracy"),
    "classifier, KJV book group": ("classifier", [DATA_DIR / "kjv.csv.gz"], {"label_column": "group"},
                                   "val_accuracy"),
}


def bench_curves(workers: int, test_data: bool) -> dict:
    out = {}
    for name, (kind, data, parameters, score) in CURVES.items():
        print(f"Learning curve: {name}", flush=True)
        if kind == "word2vec":
            parameters = {**parameters, "workers": workers}
        curve = learning_curve(data, kind, fractions=(0.1, 0.25, 0.5, 1.0), score=score, parameters=parameters,
                               sampling="random", seed=0, progress=lambda p: p.stage == "point" and print(
                                   f"  {p.fraction:4.0%}: {p.point.documents:7,} documents, score "
                                   f"{p.point.score:.4f} (train {p.point.train_score}), repeats "
                                   f"{[round(s, 4) for s in p.point.scores]}, {p.point.seconds:.1f} s", flush=True))
        print(f"  verdict: {curve.verdict()}; {curve.reading()}", flush=True)
        out[name] = curve.to_dict()
    if test_data:
        path = Path(__file__).resolve().parent.parent / "tests" / "data" / "curves.json"
        known = {c["name"]: c.get("expected") for c in json.loads(path.read_text())} if path.is_file() else {}
        rows = [{"name": name, "expected": known.get(name), "measured_verdict": curve["verdict"],
                 "points": curve["points"]} for name, curve in out.items()]
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {path}")
    return out


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


def bench_classifier_search(trials: int, documents: int, budget: float | None, confirm: int) -> dict:
    import torch

    # On a shared, loaded machine torch's intra-op threads fight the other processes for the
    # cores: one thread was measured ~15x faster than the default here.
    torch.set_num_threads(1)
    print(f"Classifier search on Shakespeare genre: {trials} trials, {documents or 'all'} rows", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        path = _genre_sample(documents, Path(tmp)) if documents else DATA_DIR / "shakespeare.csv.gz"
        result = tune("classifier", path, trials=trials, seed=0, timeout=budget, progress=_print_trial,
                      fixed={"label_column": "genre"}, confirm=confirm)
    _print_search("classifier search (validation accuracy)", result)
    print(f"  {result.reading()}")
    best = result.best.details
    print(f"  best trial's test accuracy {best['test_accuracy']:.4f} (defaults' "
          f"{result.trials[0].details['test_accuracy']:.4f})")
    summary = _search_summary(result)
    summary["documents"] = documents
    summary["confirmation"], summary["reading"] = result.confirmation, result.reading()
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20, help="word2vec search (the CLI's default)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--budget", type=float, help="seconds per word2vec search (default: none)")
    parser.add_argument("--confirm", type=int, default=3, help="fresh seeds for the defaults and the best")
    parser.add_argument("--classifier-budget", type=float, default=900.0,
                        help="seconds after which no new classifier trial starts (GRU trials take minutes)")
    parser.add_argument("--classifier-trials", type=int, default=12)
    parser.add_argument("--classifier-docs", type=int, default=8000, help="a sample of rows (0: all)")
    parser.add_argument("--test-data", action="store_true", help="write the curves to tests/data/curves.json")
    parser.add_argument("--only", nargs="*", default=["search", "curves", "classifier"],
                        choices=["search", "curves", "classifier"])
    args = parser.parse_args()
    start = time.perf_counter()
    target = RESULTS / "tune.json"
    # A partial run keeps the other parts of the last run.
    results = json.loads(target.read_text(encoding="utf-8")) if target.is_file() else {}
    results["machine"] = "2 cores"
    RESULTS.mkdir(exist_ok=True)

    def save():  # after each part: a long run that is stopped keeps what it measured
        results["seconds"] = time.perf_counter() - start
        target.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")

    if "search" in args.only:
        results["word2vec_search"] = bench_word2vec_search(args.trials, args.workers, args.budget, args.confirm)
        save()
    if "curves" in args.only:
        results["curves"] = bench_curves(args.workers, args.test_data)
        save()
    if "classifier" in args.only:
        results["classifier_search"] = bench_classifier_search(args.classifier_trials, args.classifier_docs,
                                                               args.classifier_budget, args.confirm)
        save()
    print(f"total {results['seconds']:.0f} s; wrote {target}")


if __name__ == "__main__":
    main()
