"""A text classifier whose first layer is a word embedding, trained with PyTorch.

A word's index is a poor input and a one-hot vector is huge and sparse, so an embedding layer maps each
word to a small dense vector; trained together with the classification layers, it places words that
say the same about the label close together. The classifier hands back those rows as a
:class:`Vectors`, like every other trainer, so the whole dashboard can explore them. The network
itself is in :mod:`embedviz.training.classifier_model`.

Every run is scored on the same seeded split as the TF-IDF + logistic regression baseline, and keeps
which test documents it got right (``meta["evaluation"]``), so two runs on the same split can be
compared document by document (McNemar's test, :mod:`embedviz.training.runs`). A run with augmentation also
trains its twin without it (same seed, same split), so augmentation's effect is measured, not guessed.

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
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn

from embedviz.training.augment import Augmenter, AugmentOptions
from embedviz.training.classifier_model import (CONFIG_FILE, EVAL_BATCH, WEIGHTS_FILE, Predictor,
                               TextClassifier)
# The parameters live apart, free of torch, so the CLI and the pages read their defaults without
# importing it (2 s of every command's start); imported here for the classifier's users.
from embedviz.training.classifier_params import ClassifierParameters
from embedviz.text.corpus import Corpus
from embedviz.training.curve_reading import pack_outcomes
from embedviz.core.errors import ParameterError
from embedviz.core.progress import Progress
from embedviz.text.labelled import SPECIALS, Split, Vocabulary, pad_batch, read_labelled, split_labelled
from embedviz.vectors.store import Store
from embedviz.vectors.vectors import Vectors

#: The training accuracy of each epoch is measured in eval mode (no dropout) on at most this many
#: training documents (a fixed seeded sample): the running accuracy of a training epoch, with dropout
#: on and the weights moving, understates it and would make the train-validation gap read as smaller.
TRAIN_SAMPLE = 5000
#: A few documents of each class's test part are kept with the model, for "Try a sentence".
EXAMPLES_PER_CLASS = 1


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
    train_accuracy: float          # on the whole training part, best weights, eval mode
    best_epoch: int
    stopped_early: bool
    baseline: dict | None
    corpus: dict
    timings: dict
    model: TextClassifier = field(repr=False)
    vocabulary: Vocabulary = field(repr=False)
    tokenizer: dict = field(default_factory=dict, repr=False)
    val_outcomes: np.ndarray | None = field(default=None, repr=False)   # right (True) per validation document
    test_outcomes: np.ndarray | None = field(default=None, repr=False)  # right per test document
    baseline_outcomes: np.ndarray | None = field(default=None, repr=False)
    augment_pair: dict | None = None  # the twin trained without augmentation: its accuracies
    split_key: str = ""
    examples: list = field(default_factory=list)  # [class, text] of a few test documents

    def meta(self) -> dict:
        """What goes into the model's ``meta.json``."""
        evaluation = {"split": self.split_key,
                      "test_outcomes": None if self.test_outcomes is None else pack_outcomes(self.test_outcomes),
                      "baseline_test_outcomes": (None if self.baseline_outcomes is None
                                                 else pack_outcomes(self.baseline_outcomes))}
        return {
            "trainer": "torch-classifier", "parameters": self.parameters.to_dict(), "corpus": self.corpus,
            "timings": self.timings,
            "history": [{"epoch": p.epoch, "seconds": p.elapsed, "words_per_second": p.words_per_second,
                         "loss": p.loss, "val_loss": p.val_loss, "accuracy": p.accuracy,
                         "val_accuracy": p.val_accuracy} for p in self.history],
            "classes": self.classes, "val_accuracy": self.val_accuracy, "val_loss": self.val_loss,
            "test_accuracy": self.test_accuracy, "train_accuracy": self.train_accuracy,
            "best_epoch": self.best_epoch, "stopped_early": self.stopped_early, "baseline": self.baseline,
            "evaluation": evaluation, "augment_pair": self.augment_pair, "examples": self.examples,
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
    split = split_labelled(data, params.val_fraction, params.test_fraction, params.split_seed_used,
                           params.fraction, subset_seed=params.seed)
    vocabulary = Vocabulary.build(split.train.tokens, params.min_count, params.max_vocab)
    read_seconds = time.perf_counter() - start
    report(Progress("vocabulary", epochs=params.epochs, elapsed=read_seconds))
    options = AugmentOptions.from_dict(params.augment)
    t0 = time.perf_counter()
    net = _train_network(split, vocabulary, params, options, store, report, start, "training")
    train_seconds = time.perf_counter() - t0
    pair = None
    if options.active and params.augment_pair:
        twin = _train_network(split, vocabulary, params, AugmentOptions(), store, report, start, "pair")
        pair = {"without": {k: twin[k] for k in ("val_accuracy", "test_accuracy", "best_epoch")},
                "test_outcomes": None if twin["test_outcomes"] is None else pack_outcomes(twin["test_outcomes"])}
    t0 = time.perf_counter()
    baseline = baseline_outcomes = None
    if params.baseline:
        report(Progress("baseline", epoch=len(net["history"]), epochs=params.epochs, elapsed=t0 - start))
        from embedviz.training.baseline import tfidf_baseline

        baseline = tfidf_baseline(split)
        baseline_outcomes = baseline.pop("test_outcomes")
    baseline_seconds = time.perf_counter() - t0
    weights = net["model"].embedding.weight.detach().numpy()[len(SPECIALS):]
    vectors = Vectors(vocabulary.words, weights.copy(), vocabulary.counts)
    corpus_info = {"documents": len(data.documents), "dropped": data.dropped,
                   "tokens": int(sum(len(t) for t in data.documents.tokens)),
                   "classes": {c: int(n) for c, n in zip(data.classes, np.bincount(data.documents.labels))},
                   "split": split.sizes(), "vocabulary": len(vocabulary.words), "init": net["init"],
                   **corpus.describe()}
    total = time.perf_counter() - start
    timings = {"reading": read_seconds, "training": train_seconds, "baseline": baseline_seconds,
               "total": total}
    report(Progress("done", epoch=len(net["history"]), epochs=params.epochs, elapsed=total))
    return ClassifierResult(vectors, params, net["history"], split.classes, net["val_accuracy"], net["val_loss"],
                            net["test_accuracy"], net["train_accuracy"], net["best_epoch"], net["stopped_early"],
                            baseline, corpus_info, timings, net["model"], vocabulary, corpus.tokenizer.to_dict(),
                            net["val_outcomes"], net["test_outcomes"], baseline_outcomes, pair,
                            params.split_key(corpus), _examples(data, split))


def _train_network(split, vocabulary, params, options, store, report, start, stage) -> dict:
    """Build, initialise and fit one network; its figures, outcomes and the model (best weights)."""
    with torch.random.fork_rng(devices=[]), _threads(params.threads):
        torch.manual_seed(params.seed)
        model = TextClassifier(len(vocabulary), len(split.classes), params.dim, params.pooling,
                               params.hidden, params.dropout, params.batch_norm)
        init = _initialise(model, vocabulary, params, store)
        augmenter = (Augmenter.for_vocabulary(options, vocabulary.words, params.seed, store, len(SPECIALS))
                     if options.active else None)
        fit = _fit(model, split, vocabulary, params, augmenter, report, start, stage)
        test_ids = vocabulary.encode_all(split.test.tokens, params.max_len)
        _, test_accuracy, test_outcomes = _evaluate(model, test_ids, split.test.labels, outcomes=True)
        train_ids = vocabulary.encode_all(split.train.tokens, params.max_len)
        _, train_accuracy = _evaluate(model, train_ids, split.train.labels)
    has_test = len(split.test) > 0
    return {**fit, "model": model, "init": init, "train_accuracy": train_accuracy,
            "test_accuracy": test_accuracy if has_test else None,
            "test_outcomes": test_outcomes if has_test else None}


def _examples(data, split) -> list:
    """``[class, text]`` for the first test (else validation) document of each class, as typed words."""
    part = split.test if len(split.test) else split.validation
    out = []
    for c, name in enumerate(split.classes):
        for i in np.flatnonzero(part.labels == c)[:EXAMPLES_PER_CLASS]:
            out.append([name, " ".join(part.tokens[i][:30])])
    return out


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


def _better(params, figures, best) -> bool:
    """Whether an epoch's (val_loss, val_accuracy) beats the best so far under ``params.monitor``;
    equal accuracies are told apart by the loss."""
    if best is None:
        return True
    loss, accuracy = figures
    if params.monitor == "val_loss":
        return loss < best[0]
    return accuracy > best[1] or (accuracy == best[1] and loss < best[0])


def _fit(model, split: Split, vocabulary, params, augmenter, report, start, stage="training") -> dict:
    train_ids = vocabulary.encode_all(split.train.tokens, params.max_len)
    val_ids = vocabulary.encode_all(split.validation.tokens, params.max_len)
    train_labels = torch.from_numpy(split.train.labels)
    sample = np.random.default_rng(params.seed).permutation(len(train_ids))[:TRAIN_SAMPLE]
    sample_ids, sample_labels = [train_ids[i] for i in sample], split.train.labels[sample]
    optimizer = make_optimizer(model, params)
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    generator = torch.Generator().manual_seed(params.seed)
    history: list[Progress] = []
    best, best_epoch, best_state, best_outcomes = None, 0, None, None
    train_start = time.perf_counter()
    for epoch in range(1, params.epochs + 1):
        epoch_start = time.perf_counter()
        model.train()
        total_loss = tokens = 0
        for batch in _batches(len(train_ids), params.batch_size, generator, 2 if params.batch_norm else 1):
            sequences = [train_ids[i] for i in batch]
            if augmenter is not None:
                sequences = augmenter.apply(sequences)
            ids, lengths = pad_batch(sequences)
            loss = loss_fn(model(ids, lengths), train_labels[batch])
            optimizer.zero_grad()
            (loss / len(batch)).backward()
            optimizer.step()
            total_loss += loss.item()
            tokens += int(lengths.sum())
        seconds = time.perf_counter() - epoch_start
        val_loss, val_accuracy, val_outcomes = _evaluate(model, val_ids, split.validation.labels, outcomes=True)
        _, train_accuracy = _evaluate(model, sample_ids, sample_labels)
        now = time.perf_counter()
        item = Progress(stage, epoch=epoch, epochs=params.epochs, elapsed=now - start,
                        words_per_second=tokens / seconds if seconds > 0 else None,
                        loss=total_loss / len(train_ids), val_loss=val_loss,
                        accuracy=train_accuracy, val_accuracy=val_accuracy,
                        eta=(now - train_start) / epoch * (params.epochs - epoch))
        history.append(item)
        report(item)
        finite = bool(np.isfinite(val_loss) and np.isfinite(val_accuracy))  # a diverged epoch is never best
        if finite and (_better(params, (val_loss, val_accuracy), best) or not params.patience):
            best, best_epoch, best_outcomes = (val_loss, val_accuracy), epoch, val_outcomes
            best_state = copy.deepcopy(model.state_dict()) if params.patience else None
        elif params.patience and epoch - best_epoch >= params.patience:
            break
    stopped_early = len(history) < params.epochs
    if best_epoch == 0:  # the validation loss was never a number (diverged): keep the last weights
        best_epoch, best_outcomes = len(history), val_outcomes
    if best_state is not None:
        model.load_state_dict(best_state)
    best_item = history[best_epoch - 1]
    return {"history": history, "best_epoch": best_epoch, "stopped_early": stopped_early,
            "val_loss": best_item.val_loss, "val_accuracy": best_item.val_accuracy, "val_outcomes": best_outcomes}


@torch.no_grad()
def _evaluate(model, sequences, labels, outcomes: bool = False):
    """Mean cross-entropy and accuracy of ``model`` (in eval mode) on index lists with labels, and
    with ``outcomes`` the per-document right/wrong flags."""
    if not sequences:
        return (float("nan"), float("nan"), np.zeros(0, dtype=bool)) if outcomes else (float("nan"), float("nan"))
    model.eval()
    labels = torch.as_tensor(labels)
    loss = 0.0
    right = []
    for i in range(0, len(sequences), EVAL_BATCH):
        logits = model(*pad_batch(sequences[i:i + EVAL_BATCH]))
        target = labels[i:i + EVAL_BATCH]
        loss += float(nn.functional.cross_entropy(logits, target, reduction="sum"))
        right.append((logits.argmax(1) == target).numpy())
    right = np.concatenate(right)
    figures = (loss / len(sequences), float(right.mean()))
    return (*figures, right) if outcomes else figures
