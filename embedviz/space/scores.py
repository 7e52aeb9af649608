"""A model's benchmark scores, kept in its ``meta.json``: one behaviour for the CLI and the pages.

:func:`evaluate_model` scores a model on the standard benchmarks and/or a user's own files and
*merges* the result into the scores it already has (a benchmark scored again is replaced, the
others are kept), so evaluating with one more file never loses the Google set's figures.

>>> evaluate_model(Store(), "demo")                                   # doctest: +SKIP
>>> evaluate_model(Store(), "demo", analogies="mine.txt", standard=False)  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from embedviz.space.benchmarks import BENCHMARKS
from embedviz.space.evaluation import evaluate, evaluate_analogies, evaluate_pairs
from embedviz.vectors.vectors import Vectors


def merge_scores(old: dict | None, new: dict) -> dict:
    """``old`` scores with each benchmark in ``new`` added or replaced (others kept)."""
    merged = {kind: dict((old or {}).get(kind, {})) for kind in ("analogies", "pairs")}
    for kind in ("analogies", "pairs"):
        merged[kind].update(new.get(kind, {}))
    return merged


def score_files(vectors: Vectors, analogies: str | Path | None = None, pairs=None) -> dict:
    """Scores on a user's own files only (both methods for analogies), keyed by file stem.

    ``pairs`` is one path or a list of them. A stem that is the name of a built-in benchmark gets
    ``-custom`` so it cannot replace it.
    """
    scores: dict = {"analogies": {}, "pairs": {}}
    if analogies is not None:
        name = custom_name(analogies)
        scores["analogies"][name] = {m: evaluate_analogies(vectors, analogies, m).to_dict() for m in ("add", "mul")}
    for path in ([] if pairs is None else [pairs] if isinstance(pairs, (str, Path)) else pairs):
        name = custom_name(path)
        scores["pairs"][name] = evaluate_pairs(vectors, path, name=name).to_dict()
    return scores


def custom_name(path) -> str:
    stem = Path(path).stem
    return f"{stem}-custom" if stem in BENCHMARKS else stem


def evaluate_model(store, name: str, analogies=None, pairs=None, standard: bool = True,
                   vectors: Vectors | None = None) -> dict:
    """Score model ``name`` (the standard benchmarks unless ``standard`` is False, and the given
    files), merge into its stored scores, save them, and return the merged scores."""
    vectors = store.load(name) if vectors is None else vectors
    new = evaluate(vectors) if standard else {"analogies": {}, "pairs": {}}
    new = merge_scores(new, score_files(vectors, analogies, pairs))
    merged = merge_scores(store.meta(name).get("scores"), new)
    store.update_meta(name, scores=merged)
    return merged
