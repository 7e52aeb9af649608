"""Spark against gensim on one machine, and what Spark's partitions cost in accuracy.

    python benchmarks/spark_bench.py                       # the demo corpora, about 15 minutes on 2 cores
    python benchmarks/spark_bench.py --partitions 1,2 --seeds 1

Every model is trained on the same tokens (the local reader's, which Spark's reader reproduces)
with the same parameters as far as both engines have them: skip-gram with hierarchical softmax,
no downsampling (Spark has neither negative sampling nor ``sample``), the same dimensions,
window, min_count, epochs (Spark's ``maxIter``) and learning rate, on two cores (Spark
``local[2]``, gensim ``workers=2``). gensim with embedviz's defaults (CBOW, negative sampling,
10 epochs) is listed too. Each configuration is trained with every seed: the spread of its scores
is the noise a difference must beat. Scores: Google analogies (3CosAdd accuracy over the questions
whose words are known, and that coverage), WordSim-353 and SimLex-999 (Spearman).

Writes ``benchmarks/results/spark.json`` and prints a Markdown table (the README's).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from embedviz.space.evaluation import evaluate_analogies, evaluate_pairs  # noqa: E402
from embedviz.text.spark_reader import SparkSource  # noqa: E402
from embedviz.text.specs import bundled_spec  # noqa: E402
from embedviz.training.gensim import TrainingParameters, train  # noqa: E402
from embedviz.training.spark import SparkParameters, train_spark  # noqa: E402
from embedviz.training.spark_session import spark_session  # noqa: E402


def scores(vectors) -> dict:
    analogies = evaluate_analogies(vectors)
    return {"analogies": analogies.accuracy, "coverage": analogies.coverage,
            "wordsim353": evaluate_pairs(vectors, name="wordsim353").spearman,
            "simlex999": evaluate_pairs(vectors, path=_simlex(), name="simlex999").spearman}


def _simlex():
    from gensim.test.utils import datapath

    return datapath("simlex999.txt")


def summary(runs: list[dict]) -> dict:
    """Median seconds, and each score's mean with its range over the seeds."""
    out = {"runs": len(runs), "seconds": statistics.median(r["seconds"] for r in runs),
           "fit_seconds": statistics.median(r["fit_seconds"] for r in runs)}
    for key in ("analogies", "coverage", "wordsim353", "simlex999"):
        values = [r[key] for r in runs if r[key] is not None]
        out[key] = {"mean": statistics.fmean(values), "low": min(values), "high": max(values)} if values else None
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="demo", choices=("demo", "kjv", "shakespeare"))
    parser.add_argument("--partitions", default="1,2,4")
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args(argv)
    partitions = [int(p) for p in args.partitions.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    spec = bundled_spec(args.corpus)
    corpus = spec.corpus()
    source = SparkSource(tuple(spec.paths), text_column=spec.text_column, tokenizer=spec.tokenizer_options())
    same = dict(dim=100, window=5, min_count=5, epochs=args.epochs, alpha=0.025)
    results: dict = {"corpus": args.corpus, "master": args.master, "parameters": same, "configurations": {}}

    def record(name, run):
        results["configurations"].setdefault(name, []).append(run)
        print(f"{name}: {json.dumps(run)}", file=sys.stderr, flush=True)

    for seed in seeds:
        for name, parameters in (
                ("gensim, same parameters (skip-gram, hierarchical softmax, no downsampling)",
                 TrainingParameters(sg=True, negative=0, sample=0.0, workers=2, seed=seed, min_alpha=0.0001, **same)),
                ("gensim, embedviz's defaults (CBOW, negative sampling, 10 epochs)",
                 TrainingParameters(workers=2, seed=seed))):
            result = train(corpus, parameters)
            record(name, {"seed": seed, "seconds": result.timings["total"], "fit_seconds": result.timings["training"],
                          "tokens": result.corpus["tokens"], "words": len(result.vectors), **scores(result.vectors)})

    started = time.perf_counter()
    with spark_session(args.master, "embedviz spark benchmark") as spark:
        results["jvm_start_seconds"] = time.perf_counter() - started
        for seed in seeds:
            for count in partitions:
                result = train_spark(source, SparkParameters(partitions=count, seed=seed, master=args.master, **same),
                                     session=spark)
                t = result.timings
                record(f"Spark {args.master}, {count} partition{'s' if count > 1 else ''}",
                       {"seed": seed, "seconds": t["total"] + results["jvm_start_seconds"], "fit_seconds": t["training"],
                        "read_seconds": t["reading"], "tokens": result.corpus["tokens"], "words": len(result.vectors),
                        **scores(result.vectors)})

    results["summary"] = {name: summary(runs) for name, runs in results["configurations"].items()}
    out = ROOT / "benchmarks" / "results" / "spark.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    base = results["summary"][next(iter(results["summary"]))]["seconds"]
    print(f"\n{args.corpus} corpus, {args.epochs} epochs, seeds {args.seeds}; time: median of the seeds "
          f"(Spark's includes its JVM start, {results['jvm_start_seconds']:.1f} s); scores: mean (low-high)\n")
    print("| engine | seconds | x gensim same | Google analogies | WordSim-353 | SimLex-999 |")
    print("|---|---|---|---|---|---|")
    for name, s in results["summary"].items():
        cells = [f"{s[k]['mean']:.3f} ({s[k]['low']:.3f}-{s[k]['high']:.3f})" if s[k] else "-"
                 for k in ("analogies", "wordsim353", "simlex999")]
        print(f"| {name} | {s['seconds']:.1f} | {s['seconds'] / base:.1f} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
