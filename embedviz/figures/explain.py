"""Why an embedding layer: one sentence as word indices, as one-hot vectors, and as dense vectors.

:func:`encode_sentence` turns a sentence into the three inputs a network could get, with the figures
that compare them (sizes, sparsity, memory); :func:`one_hot_figure` and :func:`embedding_figure`
draw them. The Embeddings page shows the result with :data:`STEPS` beside each part.

>>> encoding = encode_sentence(Store().load("demo"), "In the beginning God created")  # doctest: +SKIP
>>> encoding.indices, encoding.one_hot_size, f"{encoding.sparsity:.4%}"                  # doctest: +SKIP
([4, 0, 512, 37, 890], 71290, '99.9986%')
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from embedviz.text.tokenizer import TokenizerOptions, tokenize
from embedviz.vectors.vectors import Vectors

#: One sentence of explanation for each way of feeding words to a network.
STEPS = {
    "index": "Each word becomes its number in the vocabulary. A number is a poor input: word 41 is not "
             "'closer' to word 42 than to word 9,000, yet a network would treat it so.",
    "one_hot": "A one-hot vector has one slot per vocabulary word, all zeros except a single 1. It "
               "says which word without inventing an order, but it is huge and almost all zeros, and "
               "every word is equally far from every other.",
    "dense": "An embedding layer maps each word to a small dense vector (a row of a learned table; "
             "multiplying a one-hot vector by that table picks the same row). The values are learned "
             "with the task, so words used alike end up close together.",
}
BYTES_PER_NUMBER = 4  # float32


@dataclass
class SentenceEncoding:
    tokens: list[str]
    indices: list[int | None]  # each token's row in the vocabulary; None: not in it
    vocabulary_size: int       # = the length of a one-hot vector
    dim: int                   # = the length of a dense vector
    dense: np.ndarray          # (known tokens, dim)

    @property
    def known(self) -> list[str]:
        return [t for t, i in zip(self.tokens, self.indices) if i is not None]

    @property
    def unknown(self) -> list[str]:
        return [t for t, i in zip(self.tokens, self.indices) if i is None]

    @property
    def one_hot_size(self) -> int:
        return self.vocabulary_size

    @property
    def sparsity(self) -> float:
        """Share of zeros in the one-hot vectors (all but one slot per word)."""
        return 1 - 1 / self.vocabulary_size if self.vocabulary_size else 0.0

    def one_hot(self, rows: int | None = None) -> np.ndarray:
        """The one-hot vectors of the first ``rows`` known words, (rows, vocabulary_size) uint8."""
        known = [i for i in self.indices if i is not None][:rows]
        matrix = np.zeros((len(known), self.vocabulary_size), dtype=np.uint8)
        matrix[np.arange(len(known)), known] = 1
        return matrix

    def memory(self) -> dict[str, int]:
        """Bytes to hold the sentence's known words as one-hot vs dense float32 vectors."""
        n = len(self.known)
        return {"one_hot": n * self.vocabulary_size * BYTES_PER_NUMBER, "dense": n * self.dim * BYTES_PER_NUMBER}


def encode_sentence(vectors: Vectors, sentence: str, tokenizer: TokenizerOptions | None = None) -> SentenceEncoding:
    """Tokenise ``sentence`` and look every token up in ``vectors``' vocabulary."""
    tokens = tokenize(sentence, tokenizer or TokenizerOptions())
    indices = [vectors.index[t] if t in vectors.index else None for t in tokens]
    rows = [i for i in indices if i is not None]
    dense = np.asarray(vectors.matrix[rows], dtype=np.float32) if rows else np.zeros((0, vectors.dim), np.float32)
    return SentenceEncoding(tokens, indices, len(vectors), vectors.dim, dense)


def human_bytes(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} bytes"


def one_hot_figure(encoding: SentenceEncoding, rows: int = 8, *, height: int | None = None) -> go.Figure:
    """The first ``rows`` one-hot vectors drawn to scale: a grey bar of zeros and the single 1."""
    words = [(t, i) for t, i in zip(encoding.tokens, encoding.indices) if i is not None][:rows]
    figure = go.Figure()
    labels = [f"{k + 1}. {t} ({i:,})" for k, (t, i) in enumerate(words)]  # unique: a word may repeat
    figure.add_trace(go.Bar(x=[encoding.vocabulary_size] * len(words), y=labels, orientation="h",
                            marker_color="#e6e6e6", name="0", hoverinfo="skip"))
    figure.add_trace(go.Scatter(x=[i for _, i in words], y=labels, mode="markers", name="1",
                                marker=dict(symbol="line-ns-open", size=18, line=dict(width=3), color="#d62728"),
                                hovertemplate="%{y}: the 1 is at position %{x:,}<extra></extra>"))
    figure.update_layout(height=height or 60 + 32 * max(1, len(words)), showlegend=False,
                         margin=dict(l=10, r=10, t=10, b=10), bargap=0.4,
                         xaxis=dict(range=[0, encoding.vocabulary_size], title="position in the one-hot vector"),
                         yaxis=dict(autorange="reversed"))
    return figure


def embedding_figure(encoding: SentenceEncoding, *, height: int | None = None) -> go.Figure:
    """Heatmap of the dense vectors: the sentence's known words x the dimensions."""
    words = encoding.known
    figure = go.Figure(go.Heatmap(z=encoding.dense, x=[f"d{j}" for j in range(encoding.dim)],
                                  y=[f"{w} #{k}" for k, w in enumerate(words)], colorscale="RdBu", zmid=0,
                                  hovertemplate="%{y}, %{x}: %{z:.3f}<extra></extra>"))
    figure.update_layout(height=height or 80 + 28 * max(1, len(words)), margin=dict(l=10, r=10, t=10, b=10),
                         yaxis=dict(autorange="reversed"))
    return figure
