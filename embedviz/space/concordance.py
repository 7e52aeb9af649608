"""Keyword in context: the lines of a model's training corpus behind a word, and the contexts two
words share (why a model put them close).

The index is the whole corpus as the model read it (the same reader and tokeniser, so a line is
the text it learned from): every token as an id into a lexicon, the sentence and document starts,
and the token positions grouped by word (an inverted index, one ``argsort``). It is built once per
model from the corpus named in its ``meta.json`` and kept in the model's cache folder
(:mod:`embedviz.core.cache`, keyed by the corpus fingerprint), so a query is a slice and a
``bincount``: milliseconds on the bundled 1.6 million words.

Shared contexts are the words both occur beside within the model's training window (inside one
sentence, as Word2Vec saw them), ranked by ``log2(lift) * log2(1 + count)``: ``lift`` is the smaller
of the two ratios "how many times more often than chance the context occurs beside the word" (a
pointwise mutual information, as a ratio) and ``count`` the smaller of the two counts. Words that
occur beside everything (``the``, ``and``) have lifts near 1 and fall to the bottom; a context both
words favour comes first, and one seen only once beside either word comes after all the others.

>>> index = concordance_index(store, "demo")                                     # doctest: +SKIP
>>> index.lines("king", 2)[0]
Line(left='and the', word='king', right='said unto him', document='kjv.csv.gz #1234')
"""

from __future__ import annotations

import difflib
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from embedviz.core.cache import cache_key, file_cache_value
from embedviz.core.errors import EmbedvizError, UnknownWordError
from embedviz.core.params import Whole, check
from embedviz.text.specs import training_corpus
from embedviz.vectors.store import Store

#: Bumped when the index's arrays change meaning.
INDEX_VERSION = 1
#: Tokens shown either side of the word in a line.
LINE_WINDOW = 8
#: The context window when the model's parameters do not name one (gensim's default).
DEFAULT_WINDOW = 5
MAX_LINES = 1000


class Line(NamedTuple):
    left: str
    word: str
    right: str
    document: str


class SharedContext(NamedTuple):
    word: str
    count: int          # min(count_a, count_b): it occurs at least this often beside each
    count_a: int
    count_b: int
    lift: float         # min of the two lifts over chance


@dataclass
class ConcordanceIndex:
    lexicon: list[str]
    tokens: np.ndarray            # int32 lexicon ids, the corpus in order
    sentence_of: np.ndarray       # int32 sentence number of each token
    document_starts: np.ndarray   # int64 first token of each document, and the end
    document_names: list[str]
    order: np.ndarray             # int32 token positions grouped by lexicon id
    offsets: np.ndarray           # int64 where each id's positions start in ``order``
    window: int
    seconds: float = 0.0          # time to build (0 when read from the cache)

    def __post_init__(self):
        self.lookup = {w: i for i, w in enumerate(self.lexicon)}
        self.frequency = np.diff(self.offsets)

    def word_id(self, word: str) -> int:
        i = self.lookup.get(word)
        if i is None:
            i = self.lookup.get(word.lower())
        if i is None:
            close = difflib.get_close_matches(word.lower(), self.lexicon, n=3, cutoff=0.75)
            raise UnknownWordError(word, close, what="the training corpus")
        return i

    def positions(self, word: str) -> np.ndarray:
        i = self.word_id(word)
        return self.order[self.offsets[i]:self.offsets[i + 1]]

    def count(self, word: str) -> int:
        return int(self.frequency[self.word_id(word)])

    def lines(self, word: str, n: int = 20) -> list[Line]:
        """Up to ``n`` lines with ``word``, spread evenly over the corpus (not only its first pages)."""
        n = check("n", n, Whole(1, MAX_LINES))
        found = self.positions(word)
        if len(found) > n:
            found = found[np.unique(np.linspace(0, len(found) - 1, n).round().astype(np.int64))]
        documents = np.searchsorted(self.document_starts, found, side="right") - 1
        out = []
        for p, d in zip(found.tolist(), documents.tolist()):
            start, end = int(self.document_starts[d]), int(self.document_starts[d + 1])
            left = self.tokens[max(start, p - LINE_WINDOW):p]
            right = self.tokens[p + 1:min(end, p + 1 + LINE_WINDOW)]
            out.append(Line(" ".join(self.lexicon[t] for t in left.tolist()), self.lexicon[self.tokens[p]],
                            " ".join(self.lexicon[t] for t in right.tolist()), self.document_names[d]))
        return out

    def context_counts(self, word: str) -> np.ndarray:
        """How often each lexicon word occurs within the window of ``word``, inside a sentence."""
        found = self.positions(word).astype(np.int64)
        shifts = np.array([s for s in range(-self.window, self.window + 1) if s], dtype=np.int64)
        around = (found[:, None] + shifts[None, :]).ravel()
        centre = np.repeat(found, len(shifts))
        inside = (around >= 0) & (around < len(self.tokens))
        around, centre = around[inside], centre[inside]
        around = around[self.sentence_of[around] == self.sentence_of[centre]]
        return np.bincount(self.tokens[around], minlength=len(self.lexicon))

    def shared(self, word: str, other: str, n: int = 20) -> list[SharedContext]:
        """The context words ``word`` and ``other`` share, most telling first (see the module)."""
        n = check("n", n, Whole(1, MAX_LINES))
        a, b = self.context_counts(word), self.context_counts(other)
        both = (a > 0) & (b > 0)
        both[[self.word_id(word), self.word_id(other)]] = False
        ids = np.flatnonzero(both)
        if len(ids) == 0:
            return []
        p = self.frequency[ids] / len(self.tokens)
        lift_a = a[ids] / (a.sum() * p)
        lift_b = b[ids] / (b.sum() * p)
        lift = np.minimum(lift_a, lift_b)
        least = np.minimum(a[ids], b[ids])
        score = np.log2(np.maximum(lift, 1.0)) * np.log2(1 + least)
        # a context seen once beside a word proves little: such ones come after every other
        ranked = np.lexsort((-least, -score, least < 2))[:n]
        return [SharedContext(self.lexicon[ids[i]], int(least[i]), int(a[ids[i]]), int(b[ids[i]]),
                              round(float(lift[i]), 2)) for i in ranked]


def build_index(corpus, window: int) -> tuple[dict, dict]:
    """The arrays of a :class:`ConcordanceIndex` read from ``corpus``, and its meta."""
    start = time.perf_counter()
    lookup: dict[str, int] = {}
    tokens: list[int] = []
    sentence_of: list[int] = []
    document_starts = [0]
    names = []
    sentence = 0
    numbers = {}
    for document, sentences in corpus.document_sentences():
        for tokens_of in sentences:
            tokens.extend(lookup.setdefault(t, len(lookup)) for t in tokens_of)
            sentence_of.extend([sentence] * len(tokens_of))
            sentence += 1
        numbers[document.source] = numbers.get(document.source, 0) + 1
        names.append(document_name(document, numbers[document.source]))
        document_starts.append(len(tokens))
    if not tokens:
        raise EmbedvizError("the training corpus has no words (after tokenisation)")
    token_array = np.asarray(tokens, dtype=np.int32)
    order = np.argsort(token_array, kind="stable").astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(np.bincount(token_array, minlength=len(lookup)))]).astype(np.int64)
    arrays = {"lexicon": np.array(list(lookup), dtype=str), "tokens": token_array,
              "sentence_of": np.asarray(sentence_of, dtype=np.int32),
              "document_starts": np.asarray(document_starts, dtype=np.int64),
              "document_names": np.array(names, dtype=str), "order": order, "offsets": offsets}
    return arrays, {"window": window, "seconds": time.perf_counter() - start}


def document_name(document, number: int, labels: bool = True) -> str:
    """A document's name in a line: its file, its number in that file, and its labels if any."""
    labels = " · ".join(str(v) for v in document.labels.values() if v) if labels else ""
    return " ".join(x for x in (document.source, f"#{number}", labels and f"({labels})") if x)


def concordance_index(store: Store, model: str) -> ConcordanceIndex:
    """The model's concordance index: read from its cache folder, or built from its corpus and kept."""
    meta = store.meta(model)
    description = meta.get("corpus") if isinstance(meta.get("corpus"), dict) else None
    corpus = training_corpus(description, model)
    window = int((meta.get("parameters") or {}).get("window") or DEFAULT_WINDOW)
    key = cache_key({"concordance": INDEX_VERSION, "corpus": description.get("fingerprint"), "window": window})
    arrays, info, cached = file_cache_value(store.cache_dir(model), key, lambda: build_index(corpus, window))
    return ConcordanceIndex([str(w) for w in arrays["lexicon"].tolist()], arrays["tokens"], arrays["sentence_of"],
                            arrays["document_starts"], [str(n) for n in arrays["document_names"].tolist()],
                            arrays["order"], arrays["offsets"], int(info["window"]),
                            0.0 if cached else float(info["seconds"]))
