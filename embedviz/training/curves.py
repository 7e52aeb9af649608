"""Learning curves against data: the same model retrained on growing shares of the corpus.

A learning curve answers "would more data help?". Each point retrains the model on a fraction of
the data (default 10%, 25%, 50%, 100%) and scores it the same way:

- word vectors (gensim Word2Vec / FastText): on a benchmark. The subsets are nested (each holds the
  smaller ones): the first documents of the corpus, or a seeded random choice of documents.
- the classifier (:mod:`embedviz.training.classifier`): accuracy on the validation part, which never changes
  with the fraction (only the training part shrinks), with the training accuracy of the same epoch
  beside it, so that the gap between them shows overfitting (variance) against underfitting (bias).

Benchmark coverage grows with data: a small corpus knows few of the benchmark's words. A score
computed on the covered questions only compares a model that answers 100 easy questions with one
that answers 2,000; so every word-vector score here is over the *whole* benchmark
(see :data:`SCORES`), and the accuracy on covered questions and the coverage are kept beside it.

>>> curve = learning_curve("data/shakespeare.csv.gz", "word2vec", parameters={"epochs": 5})  # doctest: +SKIP
>>> curve.reading()                                                                       # doctest: +SKIP
'still rising: ...'
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np

from embedviz.text.corpus import Corpus
from embedviz.training.curve_reading import CurveReading, pack_outcomes, read_curve
from embedviz.core.errors import CorpusError, ParameterError
from embedviz.core.params import OneOf, Whole, check, check_all
from embedviz.training.gensim import TrainingParameters, train
from embedviz.training.parts import TokenisedCorpus

GENSIM_KINDS = ("word2vec", "fasttext")
KINDS = (*GENSIM_KINDS, "classifier")
DEFAULT_FRACTIONS = (0.1, 0.25, 0.5, 1.0)
SAMPLINGS = ("first", "random")

#: Every score is "higher is better" and comparable across corpus sizes.
SCORES = {
    "analogies": "Google analogies (3CosAdd): correct answers over ALL 19,544 questions "
                 "(an unanswerable question counts as wrong)",
    "wordsim353": "WordSim-353: Spearman correlation on the covered pairs times their share of ALL "
                  "353 pairs (an unscorable pair adds nothing)",
    "simlex999": "SimLex-999: Spearman correlation on the covered pairs times their share of ALL "
                 "999 pairs (an unscorable pair adds nothing)",
    "val_accuracy": "classifier accuracy on the validation part",
}
#: Short names of the scores, for axes and menus.
SCORE_NAMES = {
    "analogies": "analogy accuracy (all questions)",
    "wordsim353": "WordSim-353 Spearman x coverage",
    "simlex999": "SimLex-999 Spearman x coverage",
    "val_accuracy": "validation accuracy",
}
WORD_SCORES = ("analogies", "wordsim353", "simlex999")
CLASSIFIER_SCORES = ("val_accuracy",)

#: Points at these fractions or below are trained ``repeats`` times with other seeds (they are
#: cheap): their spread is the curve's seed noise (see embedviz.training.curve_reading).
REPEAT_UP_TO = 0.25
DEFAULT_REPEATS = 3
REPEATS = Whole(1, 20)


def default_score(kind: str) -> str:
    return "val_accuracy" if kind == "classifier" else "analogies"


def check_kind_and_score(kind, score) -> str:
    """Validate ``kind`` and ``score`` together; return the score (its default when None)."""
    check("kind", kind, OneOf(KINDS))
    if score is None:
        return default_score(kind)
    allowed = CLASSIFIER_SCORES if kind == "classifier" else WORD_SCORES
    check(f"score (for {kind})", score, OneOf(allowed))
    return score


# -- scoring word vectors ----------------------------------------------------------------------------
def score_vectors(vectors, score: str = "analogies") -> tuple[float, dict]:
    """The comparable score of word vectors on a benchmark, and the usual figures beside it.

    ``analogies``: correct / all questions, with ``accuracy`` (on covered questions, gensim's
    figure) and ``coverage``: that is accuracy x coverage. ``wordsim353`` / ``simlex999``: likewise
    Spearman on the covered pairs (gensim's figure, kept as ``spearman``) x the share of pairs
    covered, with ``oov_ratio`` (percent) beside it. (Scoring an unknown pair as cosine 0 would not
    do: word2vec cosines are mostly positive, so covered pairs would outrank all the others whatever
    the vectors' quality.)
    """
    from embedviz.space.benchmarks import BENCHMARKS
    from embedviz.space.evaluation import evaluate_analogies

    if score == "analogies":
        result = evaluate_analogies(vectors, method="add")
        value = result.correct / result.questions if result.questions else 0.0
        # The per-question outcomes let a learning curve tell the noise of a difference between two
        # of its points (scored on the same questions) from the noise of each.
        return value, {"accuracy": result.accuracy, "coverage": result.coverage,
                       "correct": result.correct, "answered": result.total, "questions": result.questions,
                       "outcomes": pack_outcomes(result.outcomes)}
    if score in ("wordsim353", "simlex999"):
        return _pairs_score(vectors, BENCHMARKS[score][1], score)
    raise ParameterError(f"unknown word-vector score {score!r}: use one of {', '.join(WORD_SCORES)}")


def _pairs_score(vectors, path, name) -> tuple[float, dict]:
    from embedviz.space.evaluation import evaluate_pairs

    covered = evaluate_pairs(vectors, path, name)
    coverage = covered.covered / covered.pairs if covered.pairs else 0.0
    # Like correct / questions for analogies (= accuracy x coverage): a pair the model cannot score
    # adds nothing, so a model is not rewarded for being judged on fewer, easier pairs.
    value = (covered.spearman or 0.0) * coverage
    return value, {"spearman": covered.spearman, "coverage": coverage, "oov_ratio": covered.oov_ratio,
                   "covered": covered.covered, "pairs": covered.pairs}


# -- the curve -----------------------------------------------------------------------------------------
@dataclass
class CurvePoint:
    fraction: float
    documents: int             # documents trained on (the classifier: its training part)
    tokens: int | None         # tokens trained on
    score: float | None        # the comparable score (see SCORES): the mean over the repeats
    train_score: float | None  # the classifier's training accuracy (best epoch, eval mode); None elsewhere
    seconds: float
    details: dict = field(default_factory=dict)  # coverage, accuracy on covered questions, outcomes...
    scores: list = field(default_factory=list)        # one per repeat (seed), when repeated
    train_scores: list = field(default_factory=list)  # likewise


@dataclass
class CurveProgress:
    """A report of a running curve: ``started`` (a point's training begins), ``point`` (scored), ``done``."""

    stage: str
    index: int                 # the point, from 0
    points: int
    fraction: float | None
    elapsed: float
    point: CurvePoint | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class LearningCurve:
    kind: str
    score: str
    points: list[CurvePoint]
    parameters: dict
    sampling: str = "first"
    seed: int = 0
    seconds: float = 0.0
    repeats: int = 1

    def read(self) -> CurveReading:
        """The verdict, its plain words, the expected gain of more data and the noise
        (:func:`embedviz.training.curve_reading.read_curve`)."""
        return read_curve(self.points)

    def verdict(self) -> str:
        """One of :data:`VERDICTS`."""
        return self.read().verdict

    def reading(self) -> str:
        """The curve in plain words: more data, a better model, or regularisation."""
        return self.read().reading

    def to_dict(self) -> dict:
        return {"kind": self.kind, "score": self.score, "score_meaning": SCORES[self.score],
                "parameters": self.parameters, "sampling": self.sampling, "seed": self.seed,
                "repeats": self.repeats, "seconds": self.seconds, "points": [asdict(p) for p in self.points],
                **self.read().to_dict()}


def check_fractions(fractions) -> list[float]:
    try:
        values = [float(f) for f in fractions]
    except (TypeError, ValueError):
        raise ParameterError(f"fractions must be numbers in (0, 1], not {fractions!r}") from None
    if not values:
        raise ParameterError("give at least one fraction of the data, e.g. 0.1,0.25,0.5,1")
    for value in values:
        if not (0 < value <= 1):
            raise ParameterError(f"each fraction must be in (0, 1], not {value!r}")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ParameterError(f"fractions must be strictly increasing, e.g. 0.1,0.25,0.5,1; got {values}")
    return values


def learning_curve(data, kind: str = "word2vec", *, fractions=DEFAULT_FRACTIONS, score: str | None = None,
                   parameters=None, sampling: str = "first", seed: int = 0, repeats: int = DEFAULT_REPEATS,
                   progress: Callable[[CurveProgress], None] | None = None) -> LearningCurve:
    """Retrain on each fraction of ``data`` and score every model alike.

    ``data``: a :class:`Corpus`, a path or a list of paths. ``kind``: ``word2vec``, ``fasttext`` or
    ``classifier``. ``score``: see :data:`SCORES` (default ``analogies``, or ``val_accuracy`` for the
    classifier). ``parameters``: :class:`TrainingParameters` / :class:`ClassifierParameters` or a
    dict of their fields (the classifier needs ``label_column``). ``sampling`` (word vectors):
    ``first`` documents or a ``random`` choice seeded by ``seed``; the classifier always keeps a
    seeded, stratified prefix of its training part (its ``fraction``), with validation fixed.
    ``repeats``: the points at :data:`REPEAT_UP_TO` of the data or less are trained that many times,
    with the model's seed + 0, 1, ... (and, with ``random`` sampling, another choice of documents):
    their spread tells the reading how noisy the curve is. ``progress`` receives a
    :class:`CurveProgress` before and after each point.
    """
    score = check_kind_and_score(kind, score)
    fractions = check_fractions(fractions)
    check_all([("sampling", sampling, OneOf(SAMPLINGS)), ("seed", seed, Whole(0)), ("repeats", repeats, REPEATS)])
    report = progress or (lambda p: None)
    start = time.perf_counter()
    if kind == "classifier":
        params = classifier_parameters(parameters)
        trainer = _ClassifierPoints(data, params)
    else:
        params = gensim_parameters(kind, parameters)
        trainer = _WordPoints(as_corpus(data), params, score, sampling, int(seed))
    points = []
    with trainer:
        for index, fraction in enumerate(fractions):
            report(CurveProgress("started", index, len(fractions), fraction, time.perf_counter() - start))
            point = _point(trainer, fraction, int(repeats) if fraction <= REPEAT_UP_TO else 1)
            points.append(point)
            report(CurveProgress("point", index, len(fractions), fraction, time.perf_counter() - start, point))
    elapsed = time.perf_counter() - start
    report(CurveProgress("done", len(points), len(points), None, elapsed))
    return LearningCurve(kind, score, points, params.to_dict(), sampling, int(seed), elapsed, int(repeats))


def _point(trainer, fraction: float, repeats: int) -> CurvePoint:
    """Train ``repeats`` times at ``fraction`` (repeat r with seed + r); the mean is the point's score."""
    t0 = time.perf_counter()
    runs = [trainer.run(fraction, r) for r in range(repeats)]
    first = runs[0]
    scores = [run.score for run in runs if run.score is not None]
    train_scores = [run.train_score for run in runs if run.train_score is not None]
    details = dict(first.details)
    if len(scores) < len(runs):  # too little text at the smallest fractions: a point without a score
        scores = []
    return CurvePoint(fraction, first.documents, first.tokens, float(np.mean(scores)) if scores else None,
                      float(np.mean(train_scores)) if train_scores else None, time.perf_counter() - t0,
                      details, scores if repeats > 1 else [], train_scores if repeats > 1 else [])


def as_corpus(data) -> Corpus:
    if isinstance(data, Corpus):
        return data
    if isinstance(data, (str, os.PathLike, list, tuple)):
        return Corpus(data)
    raise ParameterError(f"data must be a Corpus or corpus file path(s), not {type(data).__name__}")


def gensim_parameters(kind: str, parameters) -> TrainingParameters:
    if parameters is None:
        parameters = TrainingParameters()
    elif isinstance(parameters, dict):
        parameters = TrainingParameters.from_dict({k: v for k, v in parameters.items() if k != "algo"})
    elif not isinstance(parameters, TrainingParameters):
        raise ParameterError("parameters must be TrainingParameters or a dict of its fields")
    return TrainingParameters(**{**parameters.__dict__, "algo": kind}).validate()


def classifier_parameters(parameters):
    from embedviz.training.classifier_params import ClassifierParameters

    if parameters is None:
        parameters = {}
    if isinstance(parameters, dict):
        # The TF-IDF baseline is not part of a curve or a search; it only costs time there.
        parameters = ClassifierParameters.from_dict({"baseline": False, **parameters})
    elif not isinstance(parameters, ClassifierParameters):
        raise ParameterError("parameters must be ClassifierParameters or a dict of its fields")
    return parameters.validate()


@dataclass
class _Run:
    documents: int
    tokens: int | None
    score: float | None
    train_score: float | None
    details: dict


class _WordPoints:
    """Word vectors trained on nested parts of a corpus tokenised once."""

    def __init__(self, corpus, params, score, sampling, seed):
        self.corpus, self.params, self.score, self.sampling, self.seed = corpus, params, score, sampling, seed

    def __enter__(self):
        self.whole = TokenisedCorpus(self.corpus)
        return self

    def __exit__(self, *exc):
        self.whole.close()

    def run(self, fraction: float, repeat: int) -> _Run:
        part = self.whole.subset(fraction, self.sampling, self.seed + repeat)
        params = type(self.params)(**{**self.params.__dict__, "seed": self.params.seed + repeat})
        try:
            result = train(part, params)
            value, details = score_vectors(result.vectors, self.score)
            details["vocabulary"] = len(result.vectors)
        except CorpusError as exc:
            # Too little text at the smallest fractions (nothing reaches min_count) is a point
            # without a score, not the end of the curve.
            value, details = None, {"error": str(exc)}
        return _Run(part.documents, part.tokens, value, None, details)


class _ClassifierPoints:
    """The classifier trained on a share of its training part; validation and test never change."""

    def __init__(self, data, params):
        self.data = data if isinstance(data, Corpus) else as_corpus(data).paths
        self.params = params

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def run(self, fraction: float, repeat: int) -> _Run:
        from embedviz.training.classifier import train_classifier

        # The split stays the one of the model's seed; a repeat draws another share of the training
        # part and starts from other weights.
        params = type(self.params)(**{**self.params.__dict__, "fraction": fraction,
                                      "seed": self.params.seed + repeat,
                                      "split_seed": self.params.split_seed or self.params.seed})
        result = train_classifier(self.data, params)
        value, train_value, details = classifier_score(result)
        split = result.corpus.get("split", {})
        details.update(validation_documents=split.get("validation"), train_documents=split.get("train"),
                       outcomes=pack_outcomes(result.val_outcomes))
        return _Run(int(split.get("train", 0)), None, value, train_value, details)


def classifier_score(result) -> tuple[float, float | None, dict]:
    """Validation accuracy, the training accuracy of the same (best) epoch, and details of a result."""
    best = result.history[result.best_epoch - 1] if result.history else None
    details = {"val_loss": result.val_loss, "test_accuracy": result.test_accuracy,
               "best_epoch": result.best_epoch, "epochs_run": len(result.history),
               "train_loss": best.loss if best else None}
    return result.val_accuracy, result.train_accuracy, details
