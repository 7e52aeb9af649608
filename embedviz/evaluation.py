"""Scoring word vectors on standard benchmarks: word analogies and word-pair similarity.

Two kinds of benchmark, both in gensim's plain-text formats (gensim ships the standard sets):

- analogies: lines ``a b c d`` meaning "a is to b as c is to d", grouped in sections by lines
  ``: section name`` (the Google set, ``questions-words.txt``). A question is answered when all four
  words are in the vocabulary; it is correct when the best word for ``b - a + c`` (3CosAdd, ``add``)
  or by 3CosMul (``mul``, Levy & Goldberg 2014) is ``d``.
- word pairs: lines ``word1<TAB>word2<TAB>score`` of human similarity judgements (WordSim-353,
  SimLex-999); the score is the Pearson and Spearman correlation of the judgements with the cosines.

The results equal gensim's ``KeyedVectors.evaluate_word_analogies`` and ``evaluate_word_pairs``
(same counts, same correlations), but analogies are answered in batches, one matrix product per
batch, instead of one ``most_similar`` call per question. Where two candidates score within float32
rounding of each other, the question is recomputed the way gensim computes it, so ties break alike.

>>> evaluate_analogies(vectors).accuracy          # doctest: +SKIP
0.71
>>> evaluate_pairs(vectors, name="wordsim353").spearman  # doctest: +SKIP
0.66
"""

from __future__ import annotations

import importlib.util
import math
import os
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .analogy import COSMUL_EPSILON  # gensim's most_similar_cosmul: b * c / (a + epsilon)
from .errors import EmbedvizError, ParameterError
from .vectors import Vectors

METHODS = ("add", "mul")
# gensim's evaluate_word_analogies takes the first of most_similar's 5 best answers that is not a
# case variant of a question word (the question words themselves are never answers).
_GENSIM_TOPN = 5
# Scores computed at once in one batch of questions (64 MB of float32).
_BATCH_CELLS = 1 << 24
_EPS32 = float(np.finfo(np.float32).eps)


class BenchmarkFileError(EmbedvizError):
    """A benchmark file cannot be read: missing, empty, not UTF-8, or a line in the wrong format."""


def _gensim_test_data(name: str) -> str:
    # Where gensim.test.utils.datapath points, found without importing gensim (slow to import).
    spec = importlib.util.find_spec("gensim")
    folder = spec.submodule_search_locations[0] if spec and spec.submodule_search_locations else ""
    return os.path.join(folder, "test", "test_data", name)


BENCHMARKS: dict[str, tuple[str, str]] = {
    "google-analogies": ("analogies", _gensim_test_data("questions-words.txt")),
    "wordsim353": ("pairs", _gensim_test_data("wordsim353.tsv")),
    "simlex999": ("pairs", _gensim_test_data("simlex999.txt")),
}


# -- results ---------------------------------------------------------------------------------------
@dataclass
class AnalogySection:
    """One section of an analogy file: ``total`` questions answered (all words known) of ``questions``."""

    name: str
    correct: int
    total: int
    questions: int
    accuracy: float | None = field(init=False)
    coverage: float = field(init=False)

    def __post_init__(self):
        self.accuracy = self.correct / self.total if self.total else None
        self.coverage = self.total / self.questions if self.questions else 0.0


@dataclass
class AnalogyScore:
    """The score of one method on one analogy file, section by section and in total."""

    method: str
    sections: list[AnalogySection]
    #: one flag per question of the file, in its order: answered right (an unknown word: False)
    outcomes: np.ndarray | None = field(default=None, repr=False, compare=False)
    correct: int = field(init=False)
    total: int = field(init=False)
    questions: int = field(init=False)
    accuracy: float | None = field(init=False)
    coverage: float = field(init=False)

    def __post_init__(self):
        overall = AnalogySection("total", sum(s.correct for s in self.sections),
                                 sum(s.total for s in self.sections),
                                 sum(s.questions for s in self.sections))
        self.correct, self.total, self.questions = overall.correct, overall.total, overall.questions
        self.accuracy, self.coverage = overall.accuracy, overall.coverage

    def to_dict(self) -> dict:
        out = asdict(self)
        out.pop("outcomes")
        return out


@dataclass
class PairsScore:
    """Correlations of cosine similarity with human judgements over the ``covered`` pairs."""

    name: str
    pearson: float | None
    spearman: float | None
    pairs: int
    covered: int
    oov_ratio: float = field(init=False)  # percent of pairs with an unknown word, as gensim reports it

    def __post_init__(self):
        self.oov_ratio = (self.pairs - self.covered) / self.pairs * 100 if self.pairs else 0.0

    def to_dict(self) -> dict:
        return asdict(self)


# -- benchmark files -------------------------------------------------------------------------------
def _read_lines(path) -> list[str]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BenchmarkFileError(f"cannot read the benchmark file {path}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BenchmarkFileError(f"{path.name} line {line}: the file is not UTF-8 text") from None
    if not text.strip():
        raise BenchmarkFileError(f"{path.name} is empty")
    return [line.rstrip("\r") for line in text.split("\n")]


def read_analogies(path) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """The sections of an analogy file: ``[(name, [(a, b, c, d), ...]), ...]``.

    Blank lines and ``#`` comments are skipped; questions before the first ``: name`` line form a
    section named after the file. Raises :class:`BenchmarkFileError` naming the file and line.
    """
    name = Path(path).name
    sections: list[tuple[str, list]] = []
    for number, line in enumerate(_read_lines(path), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith(":"):
            sections.append((text.lstrip(": ").strip() or f"section {len(sections) + 1}", []))
            continue
        words = text.split()
        if len(words) != 4:
            raise BenchmarkFileError(f"{name} line {number}: expected 4 words, found {len(words)}")
        if not sections:
            sections.append((Path(path).stem, []))
        sections[-1][1].append(tuple(words))
    if not any(questions for _, questions in sections):
        raise BenchmarkFileError(f"{name} holds no analogy questions (lines of 4 words: a b c d, "
                                 "'a is to b as c is to d')")
    return sections


def read_pairs(path) -> list[tuple[str, str, float]]:
    """The word pairs of a similarity file: ``[(word1, word2, score), ...]``.

    Fields are separated by tabs (or, in a line without tabs, by spaces). Blank lines and ``#``
    comments are skipped. Raises :class:`BenchmarkFileError` naming the file and line.
    """
    name = Path(path).name
    pairs = []
    for number, line in enumerate(_read_lines(path), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        fields = [f.strip() for f in (text.split("\t") if "\t" in text else text.split())]
        try:
            if len(fields) != 3 or not fields[0] or not fields[1]:
                raise ValueError
            score = float(fields[2])
            if not math.isfinite(score):
                raise ValueError
        except ValueError:
            shown = text if len(text) <= 60 else text[:57] + "..."
            raise BenchmarkFileError(f"{name} line {number}: expected two words and a number, "
                                     f"found {shown!r}") from None
        pairs.append((fields[0], fields[1], score))
    if not pairs:
        raise BenchmarkFileError(f"{name} holds no word pairs (lines: word1 <tab> word2 <tab> score)")
    return pairs


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


def evaluate_analogies(vectors: Vectors, path=None, method: str = "add", restrict_vocab: int = 300_000,
                       case_insensitive: bool = True) -> AnalogyScore:
    """Accuracy on an analogy file (the Google set when ``path`` is None), section by section.

    Questions with a word outside the ``restrict_vocab`` most frequent words are skipped (they lower
    ``coverage``, not ``accuracy``). With ``case_insensitive`` words are compared upper-cased and a
    word's most frequent spelling stands for it. ``method="add"`` gives the same counts as gensim's
    ``evaluate_word_analogies``; ``"mul"`` answers with 3CosMul under the same rules.
    """
    _check_method(method)
    sections = read_analogies(BENCHMARKS["google-analogies"][1] if path is None else path)
    vocab = _Vocabulary(vectors, restrict_vocab, case_insensitive)
    known = {w: vocab.lookup(w) for w in {w for _, questions in sections for q in questions for w in q}}
    section_of, found, position = [], [], []
    asked = 0
    for number, (_, questions) in enumerate(sections):
        for question in questions:
            ids = [known[w] for w in question]
            if None not in ids:
                section_of.append(number)
                found.append(ids)
                position.append(asked)
            asked += 1
    outcomes = np.zeros(asked, dtype=bool)
    correct = np.zeros(len(sections), dtype=np.int64)
    answered = np.zeros(len(sections), dtype=np.int64)
    if found:
        found = np.array(found, dtype=np.int64)
        section_of = np.array(section_of, dtype=np.int64)
        answers = _Solver(vectors, vocab, method).answer(found[:, :3])
        # Right when the answer's key is d's: with case_insensitive, any spelling of d counts.
        right = (answers >= 0) & (vocab.key_index[answers] == found[:, 3])
        np.add.at(correct, section_of, right)
        np.add.at(answered, section_of, 1)
        outcomes[np.array(position, dtype=np.int64)] = right
    return AnalogyScore(method, [
        AnalogySection(name, int(correct[i]), int(answered[i]), len(questions))
        for i, (name, questions) in enumerate(sections)
    ], outcomes)


# -- word pairs ------------------------------------------------------------------------------------
def evaluate_pairs(vectors: Vectors, path=None, name: str | None = None, restrict_vocab: int = 300_000,
                   case_insensitive: bool = True) -> PairsScore:
    """Pearson and Spearman correlation of cosine similarity with the scores of a word-pair file.

    ``path`` None means WordSim-353. Pairs with a word outside the ``restrict_vocab`` most frequent
    words are skipped. Equals gensim's ``evaluate_word_pairs``; where fewer than two pairs are known
    (or the scores are constant) a correlation is None.
    """
    from gensim import matutils

    if path is None:
        path, name = BENCHMARKS["wordsim353"][1], name or "wordsim353"
    pairs = read_pairs(path)
    vocab = _Vocabulary(vectors, restrict_vocab, case_insensitive)
    gold, model = [], []
    for first, second, score in pairs:
        i, j = vocab.lookup(first), vocab.lookup(second)
        if i is None or j is None:
            continue
        gold.append(score)
        # Cosine exactly as gensim's KeyedVectors.similarity computes it (float32, BLAS scaling).
        model.append(np.dot(matutils.unitvec(vectors.matrix[i]), matutils.unitvec(vectors.matrix[j])))
    pearson, spearman = _correlations(gold, model)
    return PairsScore(name or Path(path).stem, pearson, spearman, len(pairs), len(gold))


def _correlations(gold, model) -> tuple[float | None, float | None]:
    if len(gold) < 2:
        return None, None
    from scipy import stats

    with warnings.catch_warnings():  # constant input: scipy warns and returns NaN
        warnings.simplefilter("ignore")
        pearson = float(stats.pearsonr(gold, model)[0])
        spearman = float(stats.spearmanr(gold, model)[0])
    return (pearson if math.isfinite(pearson) else None,
            spearman if math.isfinite(spearman) else None)


# -- everything at once ----------------------------------------------------------------------------
def evaluate(vectors: Vectors, analogies=None, pairs=None, methods=("add", "mul"),
             restrict_vocab: int = 300_000, case_insensitive: bool = True) -> dict:
    """Every benchmark in one JSON-serialisable dict.

    By default the Google analogies (with each of ``methods``), WordSim-353 and SimLex-999;
    ``analogies`` (a path) and ``pairs`` (a list of paths) replace them, named by file stem::

        {"analogies": {"google-analogies": {"add": {...}, "mul": {...}}},
         "pairs": {"wordsim353": {...}, "simlex999": {...}}}
    """
    methods = [_check_method(m) for m in ([methods] if isinstance(methods, str) else methods)]
    if analogies is None:
        analogy_files = {"google-analogies": BENCHMARKS["google-analogies"][1]}
    else:
        analogy_files = _named([analogies])
    if pairs is None:
        pair_files = {name: BENCHMARKS[name][1] for name in ("wordsim353", "simlex999")}
    else:
        pair_files = _named([pairs] if isinstance(pairs, (str, os.PathLike)) else pairs)
    options = {"restrict_vocab": restrict_vocab, "case_insensitive": case_insensitive}
    return {
        "analogies": {
            name: {m: evaluate_analogies(vectors, path, m, **options).to_dict() for m in methods}
            for name, path in analogy_files.items()
        },
        "pairs": {
            name: evaluate_pairs(vectors, path, name, **options).to_dict()
            for name, path in pair_files.items()
        },
    }


def _named(paths) -> dict[str, str]:
    """Files keyed by stem; a repeated stem gets -2, -3... so that no result hides another."""
    named: dict[str, str] = {}
    for path in paths:
        stem = Path(path).stem
        name, n = stem, 1
        while name in named:
            n += 1
            name = f"{stem}-{n}"
        named[name] = str(path)
    return named
