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

import math
import os
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from embedviz.space.answering import _check_method, _Solver, _Vocabulary
from embedviz.space.benchmarks import BENCHMARKS, read_analogies, read_pairs
from embedviz.vectors.vectors import Vectors


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
