"""Benchmark scores as the pages show them: tables, one-line headlines, and uploaded benchmark files.

Scores are the dicts :func:`embedviz.space.evaluation.evaluate` returns and ``meta.json`` keeps under
``scores``. Nothing here imports Streamlit; it only shapes results for display.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
from pathlib import Path


GOOGLE = "google-analogies"
METHOD_NAMES = {"add": "3CosAdd", "mul": "3CosMul"}
PAIR_NAMES = {"wordsim353": "WordSim353", "simlex999": "SimLex-999"}


def benchmark_label(name: str) -> str:
    return {GOOGLE: "Google analogies", **PAIR_NAMES}.get(name, name)


def analogy_rows(by_method: dict) -> list[dict]:
    """One row per section (then the total) of one analogy benchmark scored by one or more methods.

    ``by_method`` is ``{"add": AnalogyScore dict, "mul": ...}``. Accuracies are fractions (None
    where no question of the section is covered).
    """
    methods = [m for m in ("add", "mul") if m in by_method] + [m for m in by_method if m not in ("add", "mul")]
    if not methods:
        return []
    first = by_method[methods[0]]
    rows = []
    for i, section in enumerate(first["sections"] + [None]):
        source = section if section is not None else first
        row = {"section": source["name"] if section is not None else "total",
               "questions": source["questions"], "covered": source["total"], "coverage": source["coverage"]}
        for method in methods:
            score = by_method[method]["sections"][i] if section is not None else by_method[method]
            row[METHOD_NAMES.get(method, method)] = score["accuracy"]
        rows.append(row)
    return rows


def pair_rows(pairs: dict) -> list[dict]:
    """One row per word-pair benchmark: Spearman, Pearson, pairs, covered, out-of-vocabulary %."""
    return [{"benchmark": benchmark_label(name), "Spearman": score["spearman"], "Pearson": score["pearson"],
             "pairs": score["pairs"], "covered": score["covered"], "OOV %": score["oov_ratio"]}
            for name, score in pairs.items()]


def headline(meta: dict) -> str:
    """A model's scores in one line, e.g. ``Google 3CosAdd 12.3% (coverage 41%) · WordSim353 ρ 0.45``."""
    scores = meta.get("scores")
    if not scores:
        return "not evaluated"
    parts = []
    google = scores.get("analogies", {}).get(GOOGLE, {}).get("add")
    if google:
        parts.append(f"Google 3CosAdd {_percent(google['accuracy'])} (coverage {google['coverage']:.0%})")
    for name, label in PAIR_NAMES.items():
        score = scores.get("pairs", {}).get(name)
        if score:
            parts.append(f"{label} ρ {_number(score['spearman'])}")
    return " · ".join(parts) or "custom benchmarks only"


def comparison_rows(metas: list[dict]) -> list[dict]:
    """One row per model with its saved headline scores (None where not evaluated)."""
    rows = []
    for meta in metas:
        scores = meta.get("scores") or {}
        google = scores.get("analogies", {}).get(GOOGLE, {})
        pairs = scores.get("pairs", {})
        row = {"model": meta["name"], "words": meta.get("words"), "dims": meta.get("dim"),
               "evaluated": bool(scores),
               "Google 3CosAdd": google.get("add", {}).get("accuracy"),
               "Google 3CosMul": google.get("mul", {}).get("accuracy"),
               "Google coverage": google.get("add", google.get("mul", {})).get("coverage")}
        for name, label in PAIR_NAMES.items():
            row[f"{label} ρ"] = pairs.get(name, {}).get("spearman")
        rows.append(row)
    return rows


@contextlib.contextmanager
def uploaded_files(*uploads):
    """Write uploaded files (``(name, bytes)`` or None) into a temporary folder; yield their paths
    (None for None). The folder is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="embedviz-upload-") as folder:
        paths = []
        for number, upload in enumerate(uploads):
            if upload is None:
                paths.append(None)
                continue
            name, data = upload
            base = re.split(r"[/\\]", name)[-1].strip() or "upload"
            path = Path(folder) / str(number) / (base if base not in (".", "..") else "upload")
            path.parent.mkdir()
            path.write_bytes(data)
            paths.append(path)
        yield paths


def _percent(value) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _number(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"
