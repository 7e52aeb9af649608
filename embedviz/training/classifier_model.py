"""The classifier's network and its use after training: layers, saved files, predictions.

    ids -> Embedding(padding_idx=0) -> pooling (mean | gru | cnn, padding masked out)
        -> [BatchNorm1d] -> Dropout -> [Linear + ReLU] -> Linear -> class scores

The embedding starts small (uniform in +-1/dim, as fastText does) rather than torch's N(0, 1): a
document's mean of large random vectors is a large random feature that the output layer first has
to unlearn; from small vectors the network starts close to the linear model on word counts that it
should at least match (measured: see benchmarks/classifier_bench.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from embedviz.core.errors import StoreError
from embedviz.text.labelled import Vocabulary, pad_batch
from embedviz.text.tokenizer import TokenizerOptions, tokenize

EVAL_BATCH = 512
WEIGHTS_FILE, CONFIG_FILE = "classifier.npz", "classifier.json"


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
        with torch.no_grad():  # small, as fastText starts (see the module docstring); padding stays 0
            self.embedding.weight.uniform_(-1.0 / dim, 1.0 / dim)
            self.embedding.weight[0].zero_()
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
