"""A text classifier whose first layer is a word embedding, trained with PyTorch.

A word's index is a poor input and a one-hot vector is huge and sparse, so an embedding layer maps each
word to a small dense vector; trained together with the classification layers, it places words that
say the same about the label close together. The classifier hands back those rows as a
:class:`Vectors`, like every other trainer, so the whole dashboard can explore them.

    ids -> Embedding(padding_idx=0) -> pooling (mean | gru | cnn, padding masked out)
        -> [BatchNorm1d] -> Dropout -> [Linear + ReLU] -> Linear -> class scores

>>> result = train_classifier("data/shakespeare.csv.gz",
...                           ClassifierParameters(label_column="genre"))  # doctest: +SKIP
>>> result.test_accuracy, result.meta()["baseline"]["test_accuracy"]      # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from .augment import Augmenter, AugmentOptions
from .corpus import Corpus
from .errors import ParameterError, StoreError
from .labelled import SPECIALS, Split, Vocabulary, pad_batch, read_labelled, split_labelled
from .settings import setting
from .store import Store, check_name
from .tokenizer import TokenizerOptions, tokenize
from .train import Progress
from .vectors import Vectors

POOLINGS = ("mean", "gru", "cnn")
EVAL_BATCH = 512
WEIGHTS_FILE, CONFIG_FILE = "classifier.npz", "classifier.json"


@dataclass
class ClassifierParameters:
    """Options of :func:`train_classifier`. L2 regularisation is Adam's ``weight_decay``, i.e. added
    to the gradient (coupled, classic L2), not AdamW's decoupled decay."""

    text_column: str | None = None   # default "text"
    label_column: str | None = None  # required
    dim: int = 100
    pooling: str = "mean"
    hidden: int = 64                 # units of the hidden layer; 0 = none
    dropout: float = 0.0
    batch_norm: bool = False
    weight_decay: float = 0.0
    lr: float = 1e-3
    batch_size: int = 64
    epochs: int = 10
    patience: int = 3                # early stopping on validation loss; 0 = off
    min_count: int = 2
    max_vocab: int = 50_000
    max_len: int = 200
    init_from: str | None = None     # a store model whose vectors initialise the embedding
    freeze: bool = False             # keep the initialised embedding fixed
    seed: int = 1
    val_fraction: float = 0.1
    test_fraction: float = 0.1
    fraction: float = 1.0            # share of the training part kept (learning curves)
    augment: dict | None = None      # AugmentOptions as a dict
    baseline: bool = True            # also train the TF-IDF baseline on the same split
    threads: int = 1                 # torch threads while training (restored afterwards)

    def validate(self) -> "ClassifierParameters":
        if not isinstance(self.label_column, str) or not self.label_column.strip():
            raise ParameterError("label_column is required: the column that holds each document's class")
        if self.text_column is not None and (not isinstance(self.text_column, str) or not self.text_column):
            raise ParameterError(f"text_column must be a column name, not {self.text_column!r}")
        if self.pooling not in POOLINGS:
            raise ParameterError(f"unknown pooling {self.pooling!r}: use one of {', '.join(POOLINGS)}")
        _whole("dim", self.dim, 1, setting("EMBEDVIZ_MAX_DIMENSIONS"))
        _whole("hidden", self.hidden, 0, 100_000)
        _whole("batch_size", self.batch_size, 2 if self.batch_norm else 1, 1 << 16)
        _whole("epochs", self.epochs, 1, 1000)
        _whole("patience", self.patience, 0, 1000)
        _whole("min_count", self.min_count, 1, 10**9)
        _whole("max_vocab", self.max_vocab, 1, 10_000_000)
        _whole("max_len", self.max_len, 1, 100_000)
        _whole("seed", self.seed, 0, 2**31 - 1)
        _whole("threads", self.threads, 1, 256)
        _number("dropout", self.dropout, 0, 1, high_open=True)
        _number("weight_decay", self.weight_decay, 0, 1e3)
        _number("lr", self.lr, 0, 10, low_open=True)
        _number("val_fraction", self.val_fraction, 0, 0.5, low_open=True)
        _number("test_fraction", self.test_fraction, 0, 0.5)
        _number("fraction", self.fraction, 0, 1, low_open=True)
        for name in ("batch_norm", "freeze", "baseline"):
            if not isinstance(getattr(self, name), bool):
                raise ParameterError(f"{name} must be true or false, not {getattr(self, name)!r}")
        if self.init_from is not None:
            try:
                check_name(self.init_from)
            except StoreError as exc:
                raise ParameterError(f"init_from: {exc}") from None
        elif self.freeze:
            raise ParameterError("freeze needs init_from: only an initialised embedding is worth freezing")
        AugmentOptions.from_dict(self.augment)
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "ClassifierParameters":
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise ParameterError(f"unknown classifier parameter {unknown[0]!r}")
        return cls(**values)


def _whole(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ParameterError(f"{name} must be a whole number from {low} to {high}, not {value!r}")


def _number(name, value, low, high, low_open=False, high_open=False):
    ok = isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and np.isfinite(value)
    ok = ok and (value > low if low_open else value >= low) and (value < high if high_open else value <= high)
    if not ok:
        interval = f"{'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise ParameterError(f"{name} must be a number in {interval}, not {value!r}")


# -- the model -----------------------------------------------------------------------------------
class MeanPool(nn.Module):
    """The mean of a document's word vectors; padding positions do not count."""

    def __init__(self, dim):
        super().__init__()
        self.size = dim

    def forward(self, embedded, lengths):
        mask = _mask(lengths, embedded.shape[1]).unsqueeze(-1)
        return (embedded * mask).sum(1) / lengths.clamp(min=1).unsqueeze(-1).to(embedded.dtype)


class GRUPool(nn.Module):
    """A bidirectional GRU over the packed sequence: the last states of both directions."""

    def __init__(self, dim):
        super().__init__()
        self.gru = nn.GRU(dim, max(1, dim // 2), batch_first=True, bidirectional=True)
        self.size = 2 * max(1, dim // 2)

    def forward(self, embedded, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(embedded, lengths.clamp(min=1).cpu(),
                                                   batch_first=True, enforce_sorted=False)
        _, last = self.gru(packed)
        return torch.cat([last[0], last[1]], dim=1)


class CNNPool(nn.Module):
    """Convolution over 3-word windows, ReLU, then the maximum over the real positions only."""

    def __init__(self, dim):
        super().__init__()
        self.conv = nn.Conv1d(dim, dim, kernel_size=3, padding=1)
        self.size = dim

    def forward(self, embedded, lengths):
        # The padding row of the embedding is zero, like the convolution's own zero padding, so a
        # real position's output does not depend on how much padding follows the document.
        features = torch.relu(self.conv(embedded.transpose(1, 2)))
        mask = _mask(lengths, embedded.shape[1]).unsqueeze(1)
        return features.masked_fill(~mask, float("-inf")).amax(dim=2)


def _mask(lengths, width):
    return torch.arange(width, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)


class TextClassifier(nn.Module):
    """Embedding -> pooling -> [BatchNorm1d] -> Dropout -> [Linear + ReLU] -> Linear (class scores).

    ``forward(ids, lengths)`` takes padded indices (batch, length) and the true lengths.
    """

    def __init__(self, vocab_size: int, n_classes: int, dim: int = 100, pooling: str = "mean",
                 hidden: int = 64, dropout: float = 0.0, batch_norm: bool = False):
        super().__init__()
        self.config = {"vocab_size": vocab_size, "n_classes": n_classes, "dim": dim, "pooling": pooling,
                       "hidden": hidden, "dropout": dropout, "batch_norm": batch_norm}
        self.embedding = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.pool = {"mean": MeanPool, "gru": GRUPool, "cnn": CNNPool}[pooling](dim)
        size = self.pool.size
        self.norm = nn.BatchNorm1d(size) if batch_norm else None
        self.dropout = nn.Dropout(dropout)
        self.hidden = nn.Linear(size, hidden) if hidden else None
        self.output = nn.Linear(hidden or size, n_classes)

    def forward(self, ids, lengths):
        x = self.pool(self.embedding(ids), lengths)
        if self.norm is not None:
            x = self.norm(x)
        x = self.dropout(x)
        if self.hidden is not None:
            x = torch.relu(self.hidden(x))
        return self.output(x)


# -- training ------------------------------------------------------------------------------------
@dataclass
class ClassifierResult:
    vectors: Vectors
    parameters: ClassifierParameters
    history: list[Progress]
    classes: list[str]
    val_accuracy: float
    val_loss: float
    test_accuracy: float | None
    best_epoch: int
    stopped_early: bool
    baseline: dict | None
    corpus: dict
    timings: dict
    model: TextClassifier = field(repr=False)
    vocabulary: Vocabulary = field(repr=False)
    tokenizer: dict = field(default_factory=dict, repr=False)

    def meta(self) -> dict:
        """What goes into the model's ``meta.json``."""
        return {
            "trainer": "torch-classifier", "parameters": self.parameters.to_dict(), "corpus": self.corpus,
            "timings": self.timings,
            "history": [{"epoch": p.epoch, "seconds": p.elapsed, "words_per_second": p.words_per_second,
                         "loss": p.loss, "val_loss": p.val_loss, "accuracy": p.accuracy,
                         "val_accuracy": p.val_accuracy} for p in self.history],
            "classes": self.classes, "val_accuracy": self.val_accuracy, "val_loss": self.val_loss,
            "test_accuracy": self.test_accuracy, "best_epoch": self.best_epoch,
            "stopped_early": self.stopped_early, "baseline": self.baseline,
        }

    def files(self) -> dict[str, bytes]:
        """``classifier.npz`` (weights) and ``classifier.json`` (config, vocabulary, classes)."""
        weights = io.BytesIO()
        np.savez(weights, **{k: v.detach().cpu().numpy() for k, v in self.model.state_dict().items()})
        config = {"format": "embedviz-classifier", "version": 1, "model": self.model.config,
                  "max_len": self.parameters.max_len, "tokenizer": self.tokenizer,
                  "classes": self.classes, "vocabulary": self.vocabulary.words}
        return {WEIGHTS_FILE: weights.getvalue(),
                CONFIG_FILE: json.dumps(config, ensure_ascii=False).encode("utf-8")}

    def predictor(self) -> Predictor:
        return Predictor(self.model, self.vocabulary, self.classes, self.tokenizer, self.parameters.max_len)


def train_classifier(paths, params: ClassifierParameters, progress: Callable[[Progress], None] | None = None,
                     store: Store | None = None) -> ClassifierResult:
    """Train a classifier on the labelled table(s) ``paths`` (or a :class:`Corpus`).

    Seeded and deterministic on CPU: the same seed gives the same history and vectors. The caller's
    random state is left alone (torch's is forked; numpy's generators are local).
    """
    params = params.validate()
    report = progress or (lambda p: None)
    start = time.perf_counter()
    report(Progress("reading", epochs=params.epochs))
    corpus = paths if isinstance(paths, Corpus) else Corpus(paths, text_column=params.text_column)
    data = read_labelled(corpus, params.label_column)
    split = split_labelled(data, params.val_fraction, params.test_fraction, params.seed, params.fraction)
    vocabulary = Vocabulary.build(split.train.tokens, params.min_count, params.max_vocab)
    read_seconds = time.perf_counter() - start
    report(Progress("vocabulary", epochs=params.epochs, elapsed=read_seconds))
    with torch.random.fork_rng(devices=[]), _threads(params.threads):
        torch.manual_seed(params.seed)
        model = TextClassifier(len(vocabulary), len(split.classes), params.dim, params.pooling,
                               params.hidden, params.dropout, params.batch_norm)
        init = _initialise(model, vocabulary, params, store)
        options = AugmentOptions.from_dict(params.augment)
        augmenter = (Augmenter.for_vocabulary(options, vocabulary.words, params.seed, store, len(SPECIALS))
                     if options.active else None)
        t0 = time.perf_counter()
        fit = _fit(model, split, vocabulary, params, augmenter, report, start)
        train_seconds = time.perf_counter() - t0
        test = _evaluate(model, vocabulary.encode_all(split.test.tokens, params.max_len), split.test.labels)
    t0 = time.perf_counter()
    baseline = None
    if params.baseline:
        report(Progress("baseline", epoch=len(fit["history"]), epochs=params.epochs, elapsed=t0 - start))
        from .baseline import tfidf_baseline

        baseline = tfidf_baseline(split)
    baseline_seconds = time.perf_counter() - t0
    weights = model.embedding.weight.detach().numpy()[len(SPECIALS):]
    vectors = Vectors(vocabulary.words, weights.copy(), vocabulary.counts)
    corpus_info = {"documents": len(data.documents), "dropped": data.dropped,
                   "tokens": int(sum(len(t) for t in data.documents.tokens)),
                   "classes": {c: int(n) for c, n in zip(data.classes, np.bincount(data.documents.labels))},
                   "split": split.sizes(), "vocabulary": len(vocabulary.words), "init": init,
                   **corpus.describe()}
    total = time.perf_counter() - start
    timings = {"reading": read_seconds, "training": train_seconds, "baseline": baseline_seconds,
               "total": total}
    report(Progress("done", epoch=len(fit["history"]), epochs=params.epochs, elapsed=total))
    return ClassifierResult(vectors, params, fit["history"], split.classes, fit["val_accuracy"],
                            fit["val_loss"], test[1] if len(split.test) else None, fit["best_epoch"],
                            fit["stopped_early"], baseline, corpus_info, timings, model, vocabulary,
                            corpus.tokenizer.to_dict())


@contextlib.contextmanager
def _threads(n):
    # These models are small: on 2 busy cores one thread trained 7x faster than two (OpenMP threads
    # spin waiting for each other). Set for the training only, then put back.
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _initialise(model, vocabulary, params, store) -> dict | None:
    """Copy a store model's vectors into the rows of the words it shares with ``vocabulary``."""
    if params.init_from is None:
        return None
    source = (store or Store()).load(params.init_from)
    if source.dim != params.dim:
        raise ParameterError(f"init_from model {params.init_from!r} has {source.dim} dimensions but dim "
                             f"is {params.dim}; set dim={source.dim}")
    rows = [(i + len(SPECIALS), source.index[w]) for i, w in enumerate(vocabulary.words) if w in source.index]
    with torch.no_grad():
        if rows:
            ours, theirs = map(list, zip(*rows))
            model.embedding.weight[ours] = torch.from_numpy(np.asarray(source.matrix[theirs], dtype=np.float32))
    model.embedding.weight.requires_grad_(not params.freeze)
    return {"model": params.init_from, "shared_words": len(rows),
            "coverage": len(rows) / len(vocabulary.words), "frozen": params.freeze}


def _batches(n, batch_size, generator, min_size):
    order = torch.randperm(n, generator=generator).tolist()
    batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    if len(batches) > 1 and len(batches[-1]) < min_size:  # batch norm cannot learn from one example
        batches[-2].extend(batches.pop())
    return batches


def make_optimizer(model, params: ClassifierParameters) -> torch.optim.Adam:
    """Adam over the trainable parameters; ``weight_decay`` is classic L2 (added to the gradient)."""
    trainable = [p for p in model.parameters() if p.requires_grad]
    # fused: one kernel for all parameters, several times faster on CPU than the per-tensor loop.
    return torch.optim.Adam(trainable, lr=params.lr, weight_decay=params.weight_decay, fused=True)


def _fit(model, split: Split, vocabulary, params, augmenter, report, start) -> dict:
    train_ids = vocabulary.encode_all(split.train.tokens, params.max_len)
    val_ids = vocabulary.encode_all(split.validation.tokens, params.max_len)
    train_labels = torch.from_numpy(split.train.labels)
    optimizer = make_optimizer(model, params)
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    generator = torch.Generator().manual_seed(params.seed)
    history: list[Progress] = []
    best = (float("inf"), 0, None)
    train_start = time.perf_counter()
    for epoch in range(1, params.epochs + 1):
        epoch_start = time.perf_counter()
        model.train()
        total_loss = correct = tokens = 0
        for batch in _batches(len(train_ids), params.batch_size, generator, 2 if params.batch_norm else 1):
            sequences = [train_ids[i] for i in batch]
            if augmenter is not None:
                sequences = augmenter.apply(sequences)
            ids, lengths = pad_batch(sequences)
            labels = train_labels[batch]
            logits = model(ids, lengths)
            loss = loss_fn(logits, labels)
            optimizer.zero_grad()
            (loss / len(batch)).backward()
            optimizer.step()
            total_loss += loss.item()
            correct += int((logits.argmax(1) == labels).sum())
            tokens += int(lengths.sum())
        seconds = time.perf_counter() - epoch_start
        val_loss, val_accuracy = _evaluate(model, val_ids, split.validation.labels)
        now = time.perf_counter()
        item = Progress("training", epoch=epoch, epochs=params.epochs, elapsed=now - start,
                        words_per_second=tokens / seconds if seconds > 0 else None,
                        loss=total_loss / len(train_ids), val_loss=val_loss,
                        accuracy=correct / len(train_ids), val_accuracy=val_accuracy,
                        eta=(now - train_start) / epoch * (params.epochs - epoch))
        history.append(item)
        report(item)
        if val_loss < best[0] or not params.patience:
            best = (val_loss, epoch, copy.deepcopy(model.state_dict()) if params.patience else None)
        elif epoch - best[1] >= params.patience:
            break
    stopped_early = len(history) < params.epochs
    if best[1] == 0:  # the validation loss was never a number (diverged): keep the last weights
        best = (history[-1].val_loss, len(history), None)
    if best[2] is not None:
        model.load_state_dict(best[2])
    best_item = history[best[1] - 1]
    return {"history": history, "best_epoch": best[1], "stopped_early": stopped_early,
            "val_loss": best_item.val_loss, "val_accuracy": best_item.val_accuracy}


@torch.no_grad()
def _evaluate(model, sequences, labels) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` (in eval mode) on index lists with labels."""
    if not sequences:
        return float("nan"), float("nan")
    model.eval()
    labels = torch.as_tensor(labels)
    loss = correct = 0.0
    for i in range(0, len(sequences), EVAL_BATCH):
        logits = model(*pad_batch(sequences[i:i + EVAL_BATCH]))
        target = labels[i:i + EVAL_BATCH]
        loss += float(nn.functional.cross_entropy(logits, target, reduction="sum"))
        correct += int((logits.argmax(1) == target).sum())
    return loss / len(sequences), correct / len(sequences)


class Predictor:
    """A trained classifier ready to label new text: ``predict(texts) -> [(label, {class: p})]``.

    >>> Predictor.from_folder(Store().path("bard-genre")).predict(["O Romeo, Romeo"])  # doctest: +SKIP
    [('tragedy', {'comedy': 0.1, 'history': 0.05, 'poetry': 0.02, 'romance': 0.03, 'tragedy': 0.8})]
    """

    def __init__(self, model: TextClassifier, vocabulary: Vocabulary, classes, tokenizer: dict, max_len: int):
        self.model, self.vocabulary, self.classes = model.eval(), vocabulary, list(classes)
        self.tokenizer, self.max_len = TokenizerOptions(**tokenizer), max_len

    @classmethod
    def from_folder(cls, folder) -> "Predictor":
        """Load ``classifier.json`` and ``classifier.npz`` from a model folder; never unpickles."""
        folder = Path(folder)
        try:
            config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
            with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as arrays:
                state = {k: torch.from_numpy(arrays[k]) for k in arrays.files}
            model = TextClassifier(**config["model"])
            model.load_state_dict(state)
        except FileNotFoundError:
            raise StoreError(f"{folder.name} holds no classifier ({CONFIG_FILE}, {WEIGHTS_FILE}): "
                             "it was not trained with torch-classifier") from None
        except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
            raise StoreError(f"the classifier in {folder.name} cannot be read: {exc}") from None
        vocabulary = Vocabulary(config["vocabulary"], np.zeros(len(config["vocabulary"])))
        return cls(model, vocabulary, config["classes"], config["tokenizer"], config["max_len"])

    @torch.no_grad()
    def probabilities(self, texts) -> np.ndarray:
        """Class probabilities, one row per text (columns in the order of ``classes``)."""
        texts = [texts] if isinstance(texts, str) else list(texts)
        if not texts:
            return np.zeros((0, len(self.classes)), dtype=np.float32)
        sequences = [self.vocabulary.encode(tokenize(t, self.tokenizer), self.max_len) for t in texts]
        rows = [torch.softmax(self.model(*pad_batch(sequences[i:i + EVAL_BATCH])), dim=1)
                for i in range(0, len(sequences), EVAL_BATCH)]
        return torch.cat(rows).numpy()

    def predict(self, texts) -> list[tuple[str, dict[str, float]]]:
        """The most probable class of each text (a str counts as one text) and every class's probability."""
        return [(self.classes[int(np.argmax(row))], {c: float(p) for c, p in zip(self.classes, row)})
                for row in self.probabilities(texts)]
