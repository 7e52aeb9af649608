"""Labelled documents for a classifier: reading, a stratified split, a vocabulary and encoding.

A table file (csv, tsv, jsonl) with a text column and a label column becomes tokenised documents
with their class, split by a seed into train / validation / test parts with the classes in the same
proportions in each. The vocabulary is built from the training part only, so the validation and test
scores never profit from words the model could not have seen.

>>> data = read_labelled(Corpus("data/shakespeare.csv.gz", label_columns=["genre"]), "genre")  # doctest: +SKIP
>>> split = split_labelled(data, val_fraction=0.1, test_fraction=0.1, seed=1)               # doctest: +SKIP
>>> vocabulary = Vocabulary.build(split.train.tokens, min_count=2, max_vocab=50_000)         # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from embedviz.text.corpus import Corpus
from embedviz.core.errors import CorpusError
from embedviz.text.tokenizer import tokenize

PAD, UNK = 0, 1
SPECIALS = ("<pad>", "<unk>")


@dataclass
class LabelledSet:
    """Tokenised documents and their class numbers (indices into the split's ``classes``)."""

    tokens: list[list[str]]
    labels: np.ndarray

    def __len__(self) -> int:
        return len(self.tokens)

    def subset(self, indices) -> "LabelledSet":
        return LabelledSet([self.tokens[i] for i in indices], self.labels[np.asarray(indices, dtype=np.int64)])


@dataclass
class LabelledData:
    documents: LabelledSet
    classes: list[str]
    dropped: int                    # documents left out: no tokens or no label


@dataclass
class Split:
    train: LabelledSet
    validation: LabelledSet
    test: LabelledSet
    classes: list[str]

    def sizes(self) -> dict:
        return {"train": len(self.train), "validation": len(self.validation), "test": len(self.test)}


def read_labelled(corpus: Corpus, label_column: str) -> LabelledData:
    """Every document of ``corpus`` with tokens and a label; empty ones are dropped.

    Raises :class:`CorpusError` if the label column is missing or there are fewer than two classes.
    """
    if label_column not in corpus.label_columns:
        corpus = Corpus(corpus.paths, text_column=corpus.text_column,
                        label_columns=[*corpus.label_columns, label_column],
                        tokenizer=corpus.tokenizer, encoding=corpus.encoding)
    tokens, names, dropped = [], [], 0
    for document in corpus.documents():
        words = tokenize(document.text, corpus.tokenizer)
        label = document.labels.get(label_column, "").strip()
        if not words or not label:
            dropped += 1
            continue
        tokens.append(words)
        names.append(label)
    classes = sorted(set(names))
    if len(classes) < 2:
        found = f"only {classes[0]!r}" if classes else "none"
        raise CorpusError(f"the label column {label_column!r} needs at least 2 classes to learn; "
                          f"found {found} in {len(tokens)} documents with text")
    number = {c: i for i, c in enumerate(classes)}
    labels = np.array([number[n] for n in names], dtype=np.int64)
    return LabelledData(LabelledSet(tokens, labels), classes, dropped)


def split_labelled(data: LabelledData, val_fraction: float = 0.1, test_fraction: float = 0.1,
                   seed: int = 1, fraction: float = 1.0, subset_seed: int | None = None) -> Split:
    """A stratified, seeded split; ``fraction`` keeps that share of the training part only.

    Each class is shuffled once by ``seed``; its first documents go to test, the next to validation,
    the rest to train. ``fraction`` keeps a prefix of each class's training documents (in an order
    shuffled by ``subset_seed``, when given), so smaller fractions with the same ``subset_seed`` are
    nested in larger ones and validation and test never change with it: a learning curve compares
    like with like, and its repeats (other ``subset_seed``) draw other shares of the same part.
    """
    rng = np.random.default_rng(seed)
    order = None if subset_seed is None or fraction >= 1 else np.random.default_rng(subset_seed)
    labels = data.documents.labels
    parts: dict[str, list[int]] = {"train": [], "validation": [], "test": []}
    for c, name in enumerate(data.classes):
        members = np.flatnonzero(labels == c)
        members = members[rng.permutation(len(members))]
        n_test = int(round(len(members) * test_fraction))
        n_val = int(round(len(members) * val_fraction))
        train = members[n_test + n_val:]
        if len(train) == 0:
            raise CorpusError(f"too few documents for the split: class {name!r} has {len(members)}, "
                              "none left for training; give more documents or smaller fractions")
        keep = max(1, math.ceil(len(train) * fraction - 1e-9))
        if order is not None:
            train = train[order.permutation(len(train))]
        parts["test"].extend(members[:n_test])
        parts["validation"].extend(members[n_test:n_test + n_val])
        parts["train"].extend(train[:keep])
    if not parts["validation"] or (test_fraction > 0 and not parts["test"]):
        raise CorpusError(f"too few documents for the split: {len(labels)} documents give "
                          f"{len(parts['validation'])} for validation and {len(parts['test'])} for test")
    # A fixed order (by position in the file) so results do not depend on the class loop.
    subsets = {k: data.documents.subset(sorted(int(i) for i in v)) for k, v in parts.items()}
    return Split(subsets["train"], subsets["validation"], subsets["test"], list(data.classes))


class Vocabulary:
    """Words of the training part, most frequent first; index 0 is padding, 1 an unknown word."""

    def __init__(self, words, counts):
        self.words: list[str] = list(words)
        self.counts = np.asarray(counts, dtype=np.int64)
        self.index = {w: i + len(SPECIALS) for i, w in enumerate(self.words)}

    @classmethod
    def build(cls, documents, min_count: int = 2, max_vocab: int = 50_000) -> "Vocabulary":
        counts = Counter(w for tokens in documents for w in tokens)
        kept = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda wc: (-wc[1], wc[0]))
        kept = kept[:max_vocab]
        if not kept:
            raise CorpusError(f"no word occurs at least min_count={min_count} times in the training "
                              "documents; lower min_count or give more text")
        return cls([w for w, _ in kept], [c for _, c in kept])

    def __len__(self) -> int:
        """The number of embedding rows: the words plus padding and unknown."""
        return len(self.words) + len(SPECIALS)

    def encode(self, tokens, max_len: int) -> list[int]:
        """Word indices of ``tokens`` (truncated to ``max_len``); an empty text becomes one unknown."""
        ids = [self.index.get(w, UNK) for w in tokens[:max_len]]
        return ids or [UNK]

    def encode_all(self, documents, max_len: int) -> list[list[int]]:
        return [self.encode(tokens, max_len) for tokens in documents]


def pad_batch(sequences):
    """Pad index lists to the longest one: a LongTensor (batch, length) and the lengths."""
    import torch

    lengths = np.array([len(s) for s in sequences], dtype=np.int64)
    batch = np.full((len(sequences), int(lengths.max())), PAD, dtype=np.int64)
    for row, ids in enumerate(sequences):
        batch[row, :len(ids)] = ids
    return torch.from_numpy(batch), torch.from_numpy(lengths)
