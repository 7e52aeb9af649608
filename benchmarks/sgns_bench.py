"""The PyTorch skip-gram trainer against gensim's Word2Vec skip-gram: speed and quality.

Run: ``python benchmarks/sgns_bench.py [--corpus both|kjv|shakespeare] [--epochs 5] [--threads 2]
[--repeat 1]``. Both trainers get the same corpus and parameters (dim 100, window 5, negative 5,
min_count 5, sample 1e-3, alpha 0.025 -> 0.0001). Prints words/s, training seconds and benchmark
scores (Google analogies 3CosAdd, WordSim353, SimLex-999, ``king - man + woman``) for each; writes
``benchmarks/results/sgns.json``. With ``--repeat`` the runs alternate (gensim, torch, gensim, ...)
and the medians are reported, because these machines are shared and noisy (the load average is
recorded with the results).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from embedviz.space.analogy import solve  # noqa: E402
from embedviz.text.corpus import Corpus  # noqa: E402
from embedviz.training.demo import DEMO_CORPORA  # noqa: E402
from embedviz.space.evaluation import evaluate  # noqa: E402
from embedviz.training.sgns import SGNSParameters, train_sgns  # noqa: E402
from embedviz.training.gensim import TrainingParameters, train  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
CORPORA = {"both": DEMO_CORPORA, "kjv": DEMO_CORPORA[:1], "shakespeare": DEMO_CORPORA[1:]}
COMMON = dict(dim=100, window=5, negative=5, min_count=5, sample=1e-3, alpha=0.025, min_alpha=0.0001,
              seed=1)


def scores(vectors) -> dict:
    result = evaluate(vectors, methods=("add",))
    google = result["analogies"]["google-analogies"]["add"]
    pairs = result["pairs"]
    return {
        "google_add_accuracy": google["accuracy"], "google_coverage": google["coverage"],
        "wordsim353_spearman": pairs["wordsim353"]["spearman"],
        "simlex999_spearman": pairs["simlex999"]["spearman"],
        "king_man_woman": [a.word for a in solve(vectors, "king - man + woman", k=5).answers],
    }


class Tokenised:
    """A corpus tokenised once, so that both trainers' CPU time is (nearly all) training."""

    def __init__(self, corpus: Corpus):
        self.sentences_, self.description = list(corpus.sentences()), corpus.describe()

    def sentences(self):
        return iter(self.sentences_)

    def describe(self) -> dict:
        return self.description


def run_gensim(corpus, epochs, threads) -> dict:
    cpu = time.process_time()
    result = train(corpus, TrainingParameters(algo="word2vec", sg=True, epochs=epochs, workers=threads,
                                              **COMMON))
    return _figures(result, result.timings["vocabulary"], time.process_time() - cpu)


def run_torch(corpus, epochs, threads, batch_size) -> dict:
    cpu = time.process_time()
    result = train_sgns(corpus, SGNSParameters(epochs=epochs, threads=threads, batch_size=batch_size,
                                               **COMMON))
    figures = _figures(result, result.timings["compile"], time.process_time() - cpu)
    return figures | {"compiled": result.compiled}


def _figures(result, setup_s, cpu_s) -> dict:
    t, words = result.timings, result.corpus["tokens"] * len(result.history)
    return {"words_per_second": t["words_per_second"], "training_s": t["training"], "setup_s": setup_s,
            "total_s": t["total"], "words_per_cpu_second": words / cpu_s, "vectors": result.vectors,
            "losses": [p.loss for p in result.history]}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="both")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=SGNSParameters.batch_size)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)

    corpus = Tokenised(Corpus(CORPORA[args.corpus]))
    load_before = os.getloadavg()[0]
    runs: dict[str, list[dict]] = {"gensim": [], "torch": []}
    for _ in range(args.repeat):
        runs["gensim"].append(run_gensim(corpus, args.epochs, args.threads))
        runs["torch"].append(run_torch(corpus, args.epochs, args.threads, args.batch_size))
    report = {
        "corpus": [p.name for p in CORPORA[args.corpus]], "epochs": args.epochs, "threads": args.threads,
        "batch_size": args.batch_size, "repeat": args.repeat, "parameters": COMMON,
        "load_average": [load_before, os.getloadavg()[0]], "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    for name, results in runs.items():
        median = {key: statistics.median(r[key] for r in results)
                  for key in ("words_per_second", "training_s", "total_s", "words_per_cpu_second")}
        # setup: the first run's (torch.compile's result is reused by later runs in this process)
        report[name] = {**median, "setup_s": results[0]["setup_s"],
                        "runs_words_per_second": [r["words_per_second"] for r in results],
                        "losses": results[-1]["losses"], **scores(results[-1]["vectors"])}
        if name == "torch":
            report[name]["compiled"] = all(r["compiled"] for r in results)
    for key in ("words_per_second", "words_per_cpu_second"):
        report[f"ratio_{key}_gensim_over_torch"] = report["gensim"][key] / report["torch"][key]
    print_report(report)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sgns.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def print_report(report: dict) -> None:
    print(f"corpus {', '.join(report['corpus'])}; {report['epochs']} epochs, {report['threads']} threads, "
          f"load average {report['load_average'][0]:.1f} -> {report['load_average'][1]:.1f}")
    rows = [("words/s", "words_per_second", "{:,.0f}"),
            ("words per CPU second", "words_per_cpu_second", "{:,.0f}"),
            ("training s", "training_s", "{:.1f}"),
            ("setup s (vocab / compile)", "setup_s", "{:.1f}"), ("total s", "total_s", "{:.1f}"),
            ("Google 3CosAdd accuracy", "google_add_accuracy", "{:.3f}"),
            ("Google coverage", "google_coverage", "{:.3f}"),
            ("WordSim353 Spearman", "wordsim353_spearman", "{:.3f}"),
            ("SimLex-999 Spearman", "simlex999_spearman", "{:.3f}")]
    print(f"{'':28}{'gensim':>14}{'torch-sgns':>14}")
    for label, key, form in rows:
        cells = [form.format(report[n][key]) if report[n][key] is not None else "-"
                 for n in ("gensim", "torch")]
        print(f"{label:28}{cells[0]:>14}{cells[1]:>14}")
    print(f"gensim is {report['ratio_words_per_second_gensim_over_torch']:.2f}x as fast as torch-sgns "
          f"({report['ratio_words_per_cpu_second_gensim_over_torch']:.2f}x per CPU second)")
    for name in ("gensim", "torch"):
        print(f"king - man + woman ({name}): {', '.join(report[name]['king_man_woman'])}")


if __name__ == "__main__":
    main()
