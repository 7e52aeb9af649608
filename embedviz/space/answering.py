"""Answering analogy questions in batches, the way gensim's evaluation does.

The results equal gensim's ``KeyedVectors.evaluate_word_analogies`` (same answers), but questions
are answered in batches, one matrix product per batch, instead of one ``most_similar`` call per
question. Where two candidates score within float32 rounding of each other, the question is
recomputed the way gensim computes it, so ties break alike.
"""

from __future__ import annotations

import numpy as np

from embedviz.core.errors import ParameterError
from embedviz.space.analogy import COSMUL_EPSILON  # gensim's most_similar_cosmul: b * c / (a + epsilon)
from embedviz.vectors.vectors import Vectors

METHODS = ("add", "mul")
# gensim's evaluate_word_analogies takes the first of most_similar's 5 best answers that is not a
# case variant of a question word (the question words themselves are never answers).
_GENSIM_TOPN = 5
# Scores computed at once in one batch of questions (64 MB of float32).
_BATCH_CELLS = 1 << 24
_EPS32 = float(np.finfo(np.float32).eps)


# -- vocabulary as gensim's evaluations see it -----------------------------------------------------
class _Vocabulary:
    """The first ``restrict_vocab`` words, keyed (upper-cased when case-insensitive) as gensim does.

    A key maps to its most frequent spelling; the other spellings are its case variants.
    """

    def __init__(self, vectors: Vectors, restrict_vocab, case_insensitive: bool):
        whole = isinstance(restrict_vocab, (int, np.integer)) and not isinstance(restrict_vocab, bool)
        if not whole or restrict_vocab < 1:
            raise ParameterError(f"restrict_vocab must be a whole number of at least 1, "
                                 f"not {restrict_vocab!r}")
        self.case_insensitive = bool(case_insensitive)
        self.size = min(int(restrict_vocab), len(vectors))
        words = vectors.words[: self.size]
        self.keys = [w.upper() for w in words] if self.case_insensitive else list(words)
        self.index: dict[str, int] = {}
        for i in range(self.size - 1, -1, -1):  # walking backwards, the most frequent spelling wins
            self.index[self.keys[i]] = i
        # Each word's key as the index of the key's main spelling; -1 stays -1 (no answer).
        self.key_index = np.array([self.index[key] for key in self.keys] + [-1], dtype=np.int64)
        self.variants: dict[int, list[int]] = {}  # index of a key -> its other spellings
        for i in np.flatnonzero(self.key_index[:-1] != np.arange(self.size)):
            self.variants.setdefault(int(self.key_index[i]), []).append(int(i))

    def lookup(self, word: str) -> int | None:
        return self.index.get(word.upper() if self.case_insensitive else word)


def _check_method(method) -> str:
    if method not in METHODS:
        raise ParameterError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    return method


# -- answering analogy questions -------------------------------------------------------------------
class _Solver:
    """Answers questions ``a : b :: c : ?`` with the rules of gensim's evaluate_word_analogies.

    A batch of questions is scored against every word at once. Where the best answer is not ahead
    of all others by more than float32 rounding can move (a near-tie), the question is recomputed
    step by step as gensim computes it, so that ties break alike.
    """

    def __init__(self, vectors: Vectors, vocab: _Vocabulary, method: str):
        self.vocab = vocab
        self.method = method
        self.unit = vectors.unit[: vocab.size]
        self.matrix = np.ascontiguousarray(vectors.matrix[: vocab.size])
        self.norms = np.linalg.norm(self.matrix, axis=1)
        # Bound on how far a cosine computed here may be from gensim's: float32 rounding of a dot
        # product of `dim` terms, done by each side in its own order.
        self.cosine_error = (2 * vectors.dim + 8) * _EPS32
        # Row i: the other spellings of word i's key (-1 pads), for words that are a key's main one.
        width = max((len(v) for v in vocab.variants.values()), default=0)
        self.variant_table = np.full((vocab.size, width), -1, dtype=np.int64)
        for i, others in vocab.variants.items():
            self.variant_table[i, : len(others)] = others
        self.exact_count = 0  # questions recomputed step by step

    def answer(self, questions: np.ndarray) -> np.ndarray:
        """Index of the answer to each question (rows of a, b, c indices); -1 where there is none."""
        answers = np.full(len(questions), -1, dtype=np.int64)
        arrays = 4 if self.method == "mul" else 1  # score-sized arrays alive at once, about
        batch = max(1, _BATCH_CELLS // (arrays * max(1, self.vocab.size)))
        for start in range(0, len(questions), batch):
            block = questions[start: start + batch]
            answers[start: start + len(block)] = self._answer_batch(block)
        return answers

    def _cosines(self, words):
        """Cosines of the distinct question ``words`` with every word, and each word's row in them.

        The questions of a section share their words, so this is far fewer rows than questions.
        """
        distinct, rows = np.unique(words, return_inverse=True)
        return self.unit[distinct] @ self.unit.T, rows.reshape(words.shape)

    def _scores(self, a, b, c):
        """Scores of every word for each question, and bounds on their error (broadcastable)."""
        unit, n = self.unit, len(a)
        if self.method == "add":
            # cos(w, unit(m)) with m = unit(b) + unit(c) - unit(a): gensim's most_similar target.
            target = (unit[b] + unit[c]) - unit[a]
            norms = np.linalg.norm(target, axis=1)
            norms[norms == 0] = 1.0
            # One matrix product per batch: a gather-and-add over shared word cosines (as for mul
            # below) moves more memory than it saves arithmetic, and measured slower.
            return (target / norms[:, None]) @ unit.T, np.full((n, 1), self.cosine_error)
        # 3CosMul: cosines shifted to [0, 1]; score = b * c / (a + epsilon).
        shifted, (row_a, row_b, row_c) = self._cosines(np.stack((a, b, c)))
        shifted += 1.0
        shifted *= 0.5
        denominator = np.take(shifted, row_a, axis=0)
        denominator += np.float32(COSMUL_EPSILON)
        scores = np.take(shifted, row_b, axis=0)
        scores *= np.take(shifted, row_c, axis=0)
        scores /= denominator
        # The relative error of b * c / d is the sum of the factors' relative errors, and each
        # shifted cosine is off by cosine_error / 2. Written without dividing by b or c (maybe 0).
        errors = np.take(shifted, row_b, axis=0)
        errors += np.take(shifted, row_c, axis=0)
        errors += scores
        errors /= denominator
        errors *= np.float32(self.cosine_error / 2 + 8 * _EPS32)
        return scores, errors

    def _answer_batch(self, questions: np.ndarray) -> np.ndarray:
        a, b, c = questions[:, 0], questions[:, 1], questions[:, 2]
        rows = np.arange(len(questions))
        scores, errors = self._scores(a, b, c)
        all_errors = np.broadcast_to(errors, scores.shape)
        for inputs in (a, b, c):
            scores[rows, inputs] = -np.inf
        # Case variants of the question words are never answers either, but gensim looks at only
        # its 5 best answers: remember where the variants stood before masking them.
        if self.variant_table.shape[1]:
            variants = np.sort(self.variant_table[questions[:, :3]].reshape(len(questions), -1), axis=1)
            variants[:, 1:][variants[:, 1:] == variants[:, :-1]] = -1  # a word asked twice
            known = variants >= 0
            where = (np.broadcast_to(rows[:, None], variants.shape)[known], variants[known])
            variant_scores = np.full(variants.shape, -np.inf, dtype=scores.dtype)
            variant_errors = np.zeros(variants.shape, dtype=all_errors.dtype)
            variant_scores[known], variant_errors[known] = scores[where], all_errors[where]
            scores[where] = -np.inf
        best = scores.argmax(axis=1)
        top, top_error = scores[rows, best], all_errors[rows, best]
        scores[rows, best] = -np.inf
        if errors.shape[1] == 1:
            rival = scores.max(axis=1) + errors[:, 0]
        else:
            rival = (scores + errors).max(axis=1)
        sure = top - top_error > rival
        if self.variant_table.shape[1]:
            low, high = (top - top_error)[:, None], (top + top_error)[:, None]
            above = variant_scores - variant_errors > high
            unsure = ~above & (variant_scores + variant_errors >= low)
            # The best answer is still gensim's when fewer than 5 variants rank surely above it.
            sure &= ~unsure.any(axis=1) & (above.sum(axis=1) < _GENSIM_TOPN)
        for row in np.flatnonzero(~sure):
            self.exact_count += 1
            best[row] = self._answer_exactly(*(int(i) for i in questions[row]))
        return best

    def _answer_exactly(self, a: int, b: int, c: int) -> int:
        """One question computed step by step as gensim computes it, so that ties break alike."""
        from gensim import matutils

        vectors, norms = self.matrix, self.norms
        if self.method == "add":  # KeyedVectors.most_similar(positive=[b, c], negative=[a])
            weights = np.concatenate((np.ones(2), -1.0 * np.ones(1)))
            mean = np.zeros(vectors.shape[1], vectors.dtype)
            total_weight = 0
            for weight, i in zip(weights, (b, c, a)):
                mean += weight * (vectors[i] / norms[i])
                total_weight += abs(weight)
            mean = matutils.unitvec(mean / total_weight).astype(np.float32)
            dists = np.dot(vectors, mean) / norms
            best = matutils.argsort(dists, topn=_GENSIM_TOPN + 3, reverse=True)
        else:  # KeyedVectors.most_similar_cosmul(positive=[b, c], negative=[a])
            positive = [(1 + np.dot(vectors, vectors[i] / norms[i]) / norms) / 2 for i in (b, c)]
            negative = [(1 + np.dot(vectors, vectors[a] / norms[a]) / norms) / 2]
            dists = np.prod(positive, axis=0) / (np.prod(negative, axis=0) + COSMUL_EPSILON)
            best = matutils.argsort(dists, topn=_GENSIM_TOPN + len({a, b, c}), reverse=True)
        ranked = [int(i) for i in best if i not in (a, b, c)][:_GENSIM_TOPN]
        keys = self.vocab.keys
        ignore = {keys[a], keys[b], keys[c]}
        for i in ranked:
            if keys[i] not in ignore:
                return i
        return ranked[-1] if ranked else -1  # gensim keeps the last one it looked at


def answer_analogies(vectors: Vectors, questions, method: str = "add", restrict_vocab: int = 300_000,
                     case_insensitive: bool = True) -> list[str | None]:
    """The answer to each question ``(a, b, c)`` (or ``(a, b, c, d)``, ``d`` ignored), as spelled in
    the vocabulary; ``None`` where a question word is not among the ``restrict_vocab`` most frequent.

    >>> answer_analogies(vectors, [("man", "king", "woman")])   # doctest: +SKIP
    ['queen']
    """
    _check_method(method)
    questions = [list(question) for question in questions]
    for question in questions:
        if len(question) not in (3, 4) or not all(isinstance(w, str) for w in question):
            raise ParameterError(f"an analogy question is 3 or 4 words (a, b, c[, d]), not {question!r}")
    vocab = _Vocabulary(vectors, restrict_vocab, case_insensitive)
    found = [[vocab.lookup(w) for w in question[:3]] for question in questions]
    known = [i for i, ids in enumerate(found) if None not in ids]
    answers: list[str | None] = [None] * len(found)
    if known:
        indices = _Solver(vectors, vocab, method).answer(np.array([found[i] for i in known]))
        for i, index in zip(known, indices):
            answers[i] = vectors.words[index] if index >= 0 else None
    return answers
