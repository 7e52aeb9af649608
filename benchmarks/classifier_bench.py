"""Classifier benchmark: the embedding classifier against TF-IDF + logistic regression, and what each
regulariser (dropout, batch norm, L2, augmentation) and a pretrained initialisation change.

Run: ``python benchmarks/classifier_bench.py [--data data/shakespeare.csv.gz --label genre]
[--epochs 10] [--rows N] [--runs default,dropout,...]``. Prints a table and writes
``benchmarks/results/classifier.json``. Every run uses the same seed, hence the same split (same
training, validation and test documents), so the accuracies compare like with like; the baseline is
trained once on that split, in the same process, on the same machine.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embedviz.classifier import ClassifierParameters, train_classifier  # noqa: E402
from embedviz.settings import DATA_DIR  # noqa: E402
from embedviz.store import Store  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"

#: name -> changes from the default parameters
RUNS = {
    "default": {},
    "dropout 0.3": {"dropout": 0.3},
    "batch norm": {"batch_norm": True},
    "weight decay 1e-4": {"weight_decay": 1e-4},
    "augment del 0.1 + swap 1": {"augment": {"deletion": 0.1, "swap": 1}},
    "init from demo": {"init_from": "demo"},
    "init from demo + frozen": {"init_from": "demo", "freeze": True},
    # Not in the default list (slower): --runs "default,gru pooling,cnn pooling"
    "gru pooling": {"pooling": "gru"},
    "cnn pooling": {"pooling": "cnn"},
    # Combinations of the regularisers that helped on their own
    "dropout 0.5": {"dropout": 0.5},
    "init from demo + dropout 0.3": {"init_from": "demo", "dropout": 0.3},
    "init from demo + dropout 0.5 + weight decay 1e-5": {"init_from": "demo", "dropout": 0.5,
                                                         "weight_decay": 1e-5},
    "init from demo + dropout 0.3 + lr 3e-3": {"init_from": "demo", "dropout": 0.3, "lr": 3e-3},
    "dropout 0.3 + lr 3e-3": {"dropout": 0.3, "lr": 3e-3},
}
DEFAULT_RUNS = list(RUNS)[:7]


def first_rows(path: Path, n: int, folder: Path) -> Path:
    """The first ``n`` rows of a csv(.gz) as a new csv: a quicker run on a busy machine."""
    opener = gzip.open if path.suffix == ".gz" else open
    target = folder / ("rows-" + path.name.removesuffix(".gz"))
    with opener(path, "rt", encoding="utf-8", newline="") as f, open(target, "w", encoding="utf-8",
                                                                         newline="") as out:
        reader = csv.reader(f)
        writer = csv.writer(out)
        for i, row in enumerate(reader):
            if i > n:
                break
            writer.writerow(row)
    return target


def run(data: Path, label: str, name: str, changes: dict, epochs: int, store: Store,
        baseline: bool) -> tuple[dict, object]:
    """Train one configuration; its row of the table and the full result."""
    params = ClassifierParameters(label_column=label, epochs=epochs, baseline=baseline, **changes)
    start = time.perf_counter()
    result = train_classifier(data, params, store=store)
    seconds = time.perf_counter() - start
    best = result.history[result.best_epoch - 1]
    row = {
        "run": name, "changes": changes, "test_accuracy": result.test_accuracy,
        "val_accuracy": result.val_accuracy, "train_accuracy_at_best": best.accuracy,
        "best_epoch": result.best_epoch, "epochs_run": len(result.history),
        "stopped_early": result.stopped_early, "training_seconds": result.timings["training"],
        "seconds": seconds,
        "tokens_per_second": sum(p.words_per_second for p in result.history) / len(result.history),
        "history": [{"epoch": p.epoch, "loss": p.loss, "val_loss": p.val_loss, "accuracy": p.accuracy,
                     "val_accuracy": p.val_accuracy} for p in result.history],
    }
    if result.corpus.get("init"):
        row["init"] = result.corpus["init"]
    return row, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA_DIR / "shakespeare.csv.gz")
    parser.add_argument("--label", default="genre")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rows", type=int, default=0, help="use only the first N rows (0: all)")
    parser.add_argument("--runs", default=",".join(DEFAULT_RUNS), help="comma-separated names of runs")
    parser.add_argument("--out", type=Path, default=RESULTS / "classifier.json")
    args = parser.parse_args()
    names = [n.strip() for n in args.runs.split(",") if n.strip()]
    unknown = [n for n in names if n not in RUNS]
    if unknown:
        parser.error(f"unknown run {unknown[0]!r}; runs: {', '.join(RUNS)}")

    rows, baseline, first = [], None, None
    with tempfile.TemporaryDirectory(prefix="classifier-bench-") as tmp:
        store = Store(Path(tmp) / "store")
        store.install_demo()
        data = first_rows(args.data, args.rows, Path(tmp)) if args.rows else args.data
        for name in names:
            row, result = run(data, args.label, name, RUNS[name], args.epochs, store, baseline=baseline is None)
            if baseline is None:
                baseline, first = result.baseline, result
            rows.append(row)
            print(f"{name:<28} test {row['test_accuracy']:.3f}  val {row['val_accuracy']:.3f}  "
                  f"best epoch {row['best_epoch']:>2}/{row['epochs_run']:<2}  {row['seconds']:6.1f} s", flush=True)

    print()
    print(f"{args.data.name} {args.label}: {first.corpus['documents']} documents, {len(first.classes)} classes, "
          f"split {first.corpus['split']}, vocabulary {first.corpus['vocabulary']}")
    print(f"{'run':<28} {'test acc':>9} {'val acc':>8} {'vs tf-idf':>9} {'epochs':>7} {'seconds':>8}")
    print(f"{'TF-IDF + logistic regression':<28} {baseline['test_accuracy']:9.3f} {baseline['val_accuracy']:8.3f} "
          f"{'':>9} {'':>7} {baseline['seconds']:8.1f}")
    for row in rows:
        delta = row["test_accuracy"] - baseline["test_accuracy"]
        print(f"{row['run']:<28} {row['test_accuracy']:9.3f} {row['val_accuracy']:8.3f} {delta:+9.3f} "
              f"{row['best_epoch']:>3}/{row['epochs_run']:<3} {row['seconds']:8.1f}")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "data": args.data.name, "label": args.label, "rows": args.rows or None, "epochs": args.epochs,
        "documents": first.corpus["documents"], "classes": first.classes, "split": first.corpus["split"],
        "vocabulary": first.corpus["vocabulary"], "baseline": baseline, "runs": rows,
        "machine": {"cpus": os.cpu_count(), "load_average": os.getloadavg(), "python": platform.python_version(),
                    "torch": torch.__version__},
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
