"""A corpus read and tokenised once into a temporary file, then trained on in parts.

Reading and tokenising is a large share of a small training; a learning curve or a search trains
many times on the same text, so it is done once here (:class:`TokenisedCorpus`), and
:class:`CorpusPart` gives the nested subsets the trainers take.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from embedviz.core.errors import CorpusError
from embedviz.text.corpus import Corpus


class TokenisedCorpus:
    """A corpus tokenised once into a temporary file (one sentence per line), for retraining on parts.

    Reading and tokenising is a large share of a small training; a learning curve or a search
    trains many times on the same text, so it is done once here. Use as a context manager (the
    temporary file is removed on exit). :meth:`subset` gives a corpus that :func:`train` accepts.
    """

    def __init__(self, corpus: Corpus):
        self.source = corpus
        self._folder = tempfile.TemporaryDirectory(prefix="embedviz-curve-")
        self.path = Path(self._folder.name) / "sentences.txt"
        sentence_counts, token_counts = [], []
        with open(self.path, "w", encoding="utf-8") as f:
            for _, sentences in corpus.document_sentences():
                for tokens in sentences:
                    f.write(" ".join(tokens))
                    f.write("\n")
                sentence_counts.append(len(sentences))
                token_counts.append(sum(len(tokens) for tokens in sentences))
        self.sentence_counts = np.asarray(sentence_counts, dtype=np.int64)
        self.token_counts = np.asarray(token_counts, dtype=np.int64)
        if not self.token_counts.sum():
            raise CorpusError("the corpus has no words to train on (after tokenisation)")
        self.description = corpus.describe()

    @property
    def documents(self) -> int:
        return len(self.sentence_counts)

    def __enter__(self) -> "TokenisedCorpus":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._folder.cleanup()

    def selection(self, fraction: float, sampling: str = "first", seed: int = 0) -> np.ndarray:
        """A boolean mask of the documents in the ``fraction`` subset (at least one document).

        The same ``sampling`` and ``seed`` give nested subsets: the first k documents, or the first
        k of one seeded permutation.
        """
        n = self.documents
        k = min(n, max(1, int(round(fraction * n))))
        mask = np.zeros(n, dtype=bool)
        if sampling == "first":
            mask[:k] = True
        else:
            mask[np.random.default_rng(seed).permutation(n)[:k]] = True
        return mask

    def subset(self, fraction: float = 1.0, sampling: str = "first", seed: int = 0) -> "CorpusPart":
        return CorpusPart(self, self.selection(fraction, sampling, seed), fraction, sampling, seed)


class CorpusPart:
    """Some documents of a :class:`TokenisedCorpus`, in corpus order; duck-types :class:`Corpus`."""

    def __init__(self, whole: TokenisedCorpus, mask: np.ndarray, fraction: float, sampling: str, seed: int):
        self.whole, self.mask = whole, mask
        self.fraction, self.sampling, self.seed = fraction, sampling, seed
        self.documents = int(mask.sum())
        self.tokens = int(whole.token_counts[mask].sum())

    def sentences(self):
        with open(self.whole.path, encoding="utf-8") as f:
            for keep, count in zip(self.mask, self.whole.sentence_counts):
                for _ in range(count):
                    line = f.readline()
                    if keep:
                        yield line.split()

    __iter__ = sentences

    def describe(self) -> dict:
        part = {"fraction": self.fraction, "documents": self.documents, "of_documents": self.whole.documents}
        if self.fraction < 1:
            part.update(sampling=self.sampling, seed=self.seed)
        return {**self.whole.description, "part": part}
