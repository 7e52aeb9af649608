"""Comparing classifier runs: which parameters differ, and whether an accuracy difference is real.

Two runs trained on the same split (the same test documents: ``meta["evaluation"]["split"]``) are
compared document by document. Only the documents one run gets right and the other wrong say
anything about which is better; McNemar's exact test asks whether those split more unevenly than a
fair coin would (``scipy.stats.binomtest`` on the discordant counts), and the difference of the two
accuracies gets a paired 95% interval. On ~300 test documents a one-point difference is well within
the noise; on 4,000 it may not be.

>>> table = compare_runs(store.list(), reference="bard-genre")   # doctest: +SKIP
>>> table.columns, table.rows[0]["vs reference"]                  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from embedviz.training.curve_reading import unpack_outcomes

#: Parameters that do not change what is learned (or are shown elsewhere): never a column.
NOT_COMPARED = {"text_column", "threads", "baseline", "augment_pair", "fraction"}
LEVEL = 0.95


@dataclass
class Comparison:
    """Run B against run A on the same test documents: B's accuracy minus A's."""

    difference: float
    low: float
    high: float
    p_value: float
    a_only: int                 # documents A gets right and B wrong
    b_only: int
    documents: int

    @property
    def significant(self) -> bool:
        return self.p_value < 1 - LEVEL

    def words(self) -> str:
        """``+1.2 points (95%: -0.3 to +2.7), p = 0.12, within noise``."""
        verdict = "significant" if self.significant else "within noise"
        return (f"{100 * self.difference:+.1f} points ({LEVEL:.0%}: {100 * self.low:+.1f} to {100 * self.high:+.1f}), "
                f"p = {self.p_value:.2g}, {verdict}")

    def to_dict(self) -> dict:
        return {"difference": self.difference, "low": self.low, "high": self.high, "p_value": self.p_value,
                "a_only": self.a_only, "b_only": self.b_only, "documents": self.documents,
                "significant": self.significant}


def mcnemar(a_right, b_right) -> Comparison:
    """McNemar's exact test and a paired interval for two runs' right/wrong flags on the same documents."""
    from scipy.stats import binomtest, norm

    a_right, b_right = np.asarray(a_right, dtype=bool), np.asarray(b_right, dtype=bool)
    if a_right.shape != b_right.shape or not a_right.size:
        raise ValueError("both runs must be scored on the same, non-empty set of documents")
    n = a_right.size
    a_only, b_only = int(np.sum(a_right & ~b_right)), int(np.sum(b_right & ~a_right))
    discordant = a_only + b_only
    p_value = float(binomtest(b_only, discordant, 0.5).pvalue) if discordant else 1.0
    difference = (b_only - a_only) / n
    # The paired (Wald) standard error of a difference of two proportions on the same documents.
    se = math.sqrt(max(discordant - (b_only - a_only) ** 2 / n, 0.0)) / n
    z = float(norm.ppf(0.5 + LEVEL / 2))
    return Comparison(difference, difference - z * se, difference + z * se, p_value, a_only, b_only, n)


@dataclass
class RunTable:
    columns: list[str]                          # every column, in order
    varying: list[str]                          # the parameters whose values differ between the runs
    rows: list[dict] = field(default_factory=list)
    reference: str | None = None


def is_run(meta: dict) -> bool:
    """A classifier run (or any tuned model): what the Compare runs table lists."""
    return meta.get("trainer") == "torch-classifier" or "tuning" in meta


def flat_parameters(meta: dict) -> dict:
    """A run's parameters as one level (``augment.deletion``...), with what only the name tells
    (the model an embedding started from) spelled out; parameters that do not change what is
    learned are left out."""
    out = {}
    for key, value in (meta.get("parameters") or {}).items():
        if key in NOT_COMPARED:
            continue
        if isinstance(value, dict):
            out.update({f"{key}.{k}": v for k, v in value.items() if v not in (None, 0, 0.0)})
        elif key == "augment":
            continue  # None: no augmentation (its keys are absent)
        else:
            out[key] = value
    return out


def compare_runs(metas, reference: str | None = None) -> RunTable:
    """The runs among ``metas`` (``Store.list()``), one row each: accuracies, every parameter that
    differs between them, the TF-IDF baseline with its significance, the run without augmentation
    (for an augmented run), and the difference with ``reference`` (a model name) when given."""
    runs = [m for m in metas if is_run(m)]
    flats = {m["name"]: flat_parameters(m) for m in runs}
    keys = sorted({k for f in flats.values() for k in f})
    varying = [k for k in keys if len({json.dumps(f.get(k), sort_keys=True, default=str)
                                       for f in flats.values()}) > 1]
    by_name = {m["name"]: m for m in runs}
    ref = by_name.get(reference) if reference else None
    rows = []
    for meta in runs:
        row = {"model": meta["name"], "label": (meta.get("parameters") or {}).get("label_column"),
               "test accuracy": meta.get("test_accuracy"), "validation accuracy": meta.get("val_accuracy"),
               "training accuracy": meta.get("train_accuracy"),
               "TF-IDF": (meta.get("baseline") or {}).get("test_accuracy"),
               "vs TF-IDF": _against_baseline(meta)}
        row.update({k: _cell(flats[meta["name"]].get(k)) for k in varying})
        row["without augmentation"] = _against_twin(meta)
        if ref is not None:
            row["vs reference"] = "(reference)" if meta is ref else _against(ref, meta)
        rows.append(row)
    columns = ["model", "label", "test accuracy", "validation accuracy", "training accuracy", "TF-IDF",
               "vs TF-IDF", *varying, "without augmentation"] + (["vs reference"] if ref is not None else [])
    return RunTable(columns, varying, rows, reference if ref is not None else None)


def _cell(value):
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return "-" if value is None else value


def _outcomes(meta: dict, key: str = "test_outcomes"):
    return unpack_outcomes({"details": {"outcomes": (meta.get("evaluation") or {}).get(key)}})


def _against(a: dict, b: dict) -> str:
    split_a, split_b = (a.get("evaluation") or {}).get("split"), (b.get("evaluation") or {}).get("split")
    a_right, b_right = _outcomes(a), _outcomes(b)
    if a_right is None or b_right is None:
        return "no per-document outcomes (trained before they were kept)"
    if not split_a or split_a != split_b or a_right.shape != b_right.shape:
        return "another test split: not comparable document by document"
    return mcnemar(a_right, b_right).words()


def _against_baseline(meta: dict) -> str:
    mine, theirs = _outcomes(meta), _outcomes(meta, "baseline_test_outcomes")
    if mine is None or theirs is None or mine.shape != theirs.shape:
        return "-"
    return mcnemar(theirs, mine).words()


def _against_twin(meta: dict) -> str:
    pair = meta.get("augment_pair") or None
    if not pair:
        return "-"
    twin = unpack_outcomes({"details": {"outcomes": pair.get("test_outcomes")}})
    mine = _outcomes(meta)
    accuracy = (pair.get("without") or {}).get("test_accuracy")
    head = "-" if accuracy is None else f"{accuracy:.1%}"
    if twin is None or mine is None or twin.shape != mine.shape:
        return head
    return f"{head}; augmentation: {mcnemar(twin, mine).words()}"
