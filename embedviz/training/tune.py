"""Hyperparameter search with Optuna: does tuning beat the defaults, and by how much?

Trial 0 is always the default settings (``study.enqueue_trial``), measured in the same run on the
same data as every other trial, so the best trial provably scores at least the defaults and the
gain is a like-for-like figure. The other trials are proposed by Optuna's TPE sampler, seeded.

- word vectors (``word2vec``, ``fasttext``): :data:`GENSIM_SPACE`, scored on a benchmark over all
  of its questions (see :data:`embedviz.training.curves.SCORES`); the corpus is tokenised once for all trials.
- the classifier: :data:`CLASSIFIER_SPACE`, scored on validation accuracy (the test part is never
  used to choose; its accuracy is reported beside).

``fixed`` holds parameters the user chose (``min_count``, ``workers``, the classifier's
``label_column``...): a fixed parameter is removed from the search. The trials run one after the
other in the calling thread; ``progress`` hears of each start, each epoch and each end, and an
exception raised from it (a worker's cancellation) stops the search at once.

>>> result = tune("word2vec", "data/shakespeare.csv.gz", trials=12, fixed={"epochs": 5})  # doctest: +SKIP
>>> result.default_score, result.best_score, result.best_params                          # doctest: +SKIP
>>> result.save_best(Store(), "bard-tuned")                                              # doctest: +SKIP
"""

from __future__ import annotations

import time
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from embedviz.training.curves import (KINDS, TokenisedCorpus, as_corpus, check_kind_and_score, classifier_parameters,
                     classifier_score, gensim_parameters, score_vectors)
from embedviz.core.errors import EmbedvizError, ParameterError
from embedviz.training.search_reading import _distribution, _inside, confirm_gain
from embedviz.core.params import Number, OneOf, Optional, Whole, check, check_all
from embedviz.vectors.store import Store
from embedviz.training.gensim import TrainingParameters

#: Search space of gensim word vectors (min_count is the user's: it changes the vocabulary and so
#: the benchmark coverage, which would make scores incomparable).
GENSIM_SPACE = {
    "window": {"type": "int", "low": 2, "high": 10},
    "dim": {"type": "int", "low": 50, "high": 300, "step": 50},
    "negative": {"type": "int", "low": 2, "high": 20},
    "sample": {"type": "float", "low": 1e-5, "high": 1e-2, "log": True},
    "epochs": {"type": "int", "low": 3, "high": 20},
    "sg": {"type": "categorical", "choices": [False, True]},
}
CLASSIFIER_SPACE = {
    "dim": {"type": "int", "low": 50, "high": 300, "step": 50},
    "dropout": {"type": "float", "low": 0.0, "high": 0.6},
    "weight_decay": {"type": "float", "low": 1e-7, "high": 1e-2, "log": True},
    "lr": {"type": "float", "low": 1e-4, "high": 3e-2, "log": True},
    "batch_norm": {"type": "categorical", "choices": [False, True]},
    "pooling": {"type": "categorical", "choices": ["mean", "gru", "cnn"]},
    "hidden": {"type": "categorical", "choices": [0, 32, 64, 128, 256]},
}
MAX_TRIALS = 10_000
#: After the search, the defaults and the best settings are retrained with this many fresh seeds
#: (embedviz.training.search_reading.confirm_gain).
DEFAULT_CONFIRM = 3
CONFIRM = Whole(0, 20)


def search_space(kind: str, fixed: dict | None = None) -> dict:
    """The searched parameters of ``kind`` (as JSON specs), less those in ``fixed``."""
    check("kind", kind, OneOf(KINDS))
    space = CLASSIFIER_SPACE if kind == "classifier" else GENSIM_SPACE
    return {name: dict(spec) for name, spec in space.items() if name not in (fixed or {})}


# -- results -------------------------------------------------------------------------------------
@dataclass
class TrialRecord:
    number: int                # 0 = the default settings
    params: dict               # the searched parameters, as trained
    score: float | None
    seconds: float
    state: str                 # "complete" or "failed"
    details: dict = field(default_factory=dict)  # coverage, test accuracy, the error of a failed trial

    @property
    def default(self) -> bool:
        return self.number == 0


@dataclass
class TuneProgress:
    """A report of a running search.

    ``stage``: ``trial`` (trial ``trial`` starts, with its ``params``), ``training`` (an epoch of it
    ended: ``epoch`` of ``epochs``), ``trial-done`` (its ``score``, ``state`` and ``seconds``), ``done``.
    ``best_score``/``best_trial``/``default_score`` are the figures so far. Raise from the callback
    to stop the search.
    """

    stage: str
    trial: int
    trials: int
    elapsed: float
    params: dict = field(default_factory=dict)
    score: float | None = None
    state: str | None = None
    seconds: float | None = None
    epoch: int = 0
    epochs: int = 0
    best_score: float | None = None
    best_trial: int | None = None
    default_score: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class TuneResult:
    kind: str
    score: str
    seed: int
    trials: list[TrialRecord]
    space: dict                # the searched parameters' specs (see GENSIM_SPACE)
    fixed: dict
    parameters: dict           # every parameter of the best model, as trained
    seconds: float
    stopped: str | None = None  # why fewer trials ran than asked (timeout), else None
    best_model: Any = field(default=None, repr=False)  # TrainingResult | ClassifierResult
    confirmation: dict | None = None  # see confirm_gain

    @property
    def completed(self) -> list[TrialRecord]:
        return [t for t in self.trials if t.state == "complete"]

    @property
    def best(self) -> TrialRecord:
        # The first of equal scores wins, so the defaults stay best unless something beats them.
        return max(self.completed, key=lambda t: (t.score, -t.number))

    @property
    def best_params(self) -> dict:
        return self.best.params

    @property
    def best_score(self) -> float:
        return self.best.score

    @property
    def default_score(self) -> float:
        return self.trials[0].score

    @property
    def gain(self) -> float:
        """Best score minus the defaults' score (>= 0: the defaults are one of the trials)."""
        return self.best_score - self.default_score

    def to_dict(self) -> dict:
        best = self.best
        return {
            "kind": self.kind, "score": self.score, "seed": self.seed, "seconds": self.seconds,
            "stopped": self.stopped, "space": self.space, "fixed": self.fixed,
            "trials": [asdict(t) | {"default": t.default} for t in self.trials],
            "default_params": self.trials[0].params, "default_score": self.default_score,
            "best_trial": best.number, "best_params": best.params, "best_score": best.score,
            "gain": self.gain,
            "relative_gain": self.gain / abs(self.default_score) if self.default_score else None,
            "parameters": self.parameters, "confirmation": self.confirmation,
            "reading": self.reading(),
        }

    def reading(self) -> str:
        """What the search found, in plain words: a real gain, or nothing better than noise."""
        if self.best.number == 0:
            return (f"nothing better than the defaults: no trial of {len(self.trials)} beat trial 0 (the defaults, "
                    f"{self.default_score:.4f})")
        confirmation = self.confirmation
        if not confirmation:
            return (f"best trial {self.best.number}: {self.best_score:.4f} against the defaults' "
                    f"{self.default_score:.4f} (one seed each, not confirmed: the best of several trials is "
                    "chosen for being high, so part of its gain may be luck)")
        return confirmation["reading"]

    def save_best(self, store: Store, name: str, overwrite: bool = False, meta: dict | None = None):
        """Save the best trial's model (vectors, meta, and the classifier's files) as ``name``.

        ``meta`` adds fields to its ``meta.json`` (a background job names itself there, in the same
        atomic write as the model).
        """
        if self.best_model is None:
            raise ParameterError("this search result holds no model to save (it was read back from JSON)")
        meta = {**self.best_model.meta(), **(meta or {})}
        summary = self.to_dict()
        meta["tuning"] = {k: summary[k] for k in ("score", "seed", "best_trial", "best_score",
                                                   "default_score", "gain", "fixed", "space")}
        meta["tuning"]["trials"] = len(self.trials)
        meta["tuning"]["confirmation"] = self.confirmation
        meta["tuning"]["reading"] = self.reading()
        extra = self.best_model.files() if hasattr(self.best_model, "files") else None
        return store.save(name, self.best_model.vectors, meta, overwrite=overwrite, extra=extra)


# -- the search ----------------------------------------------------------------------------------
def tune(kind: str, data, trials: int = 20, score: str | None = None, seed: int = 0,
         progress: Callable[[TuneProgress], None] | None = None, timeout: float | None = None,
         fixed: dict | None = None, confirm: int = DEFAULT_CONFIRM) -> TuneResult:
    """Search hyperparameters of ``kind`` on ``data``; trial 0 is the defaults.

    ``data``: a :class:`Corpus`, a path or a list of paths. ``trials``: how many, the defaults
    included. ``score``: see :data:`embedviz.training.curves.SCORES`. ``seed``: the TPE sampler's (the models'
    own seed is ``fixed["seed"]``, default 1; with gensim, ``fixed={"workers": 1}`` makes the whole
    search repeatable). ``timeout``: seconds after which no new trial starts (trial 0 always runs;
    a running trial is not cut short). ``fixed``: parameters kept out of the search. ``confirm``:
    fresh seeds for :func:`confirm_gain` once the search is over (0: none).
    """
    score = check_kind_and_score(kind, score)
    check_all([("trials", trials, Whole(1, MAX_TRIALS)), ("seed", seed, Whole(0)),
               ("timeout", timeout, Optional(Number(0, low_open=True))), ("confirm", confirm, CONFIRM)])
    fixed = dict(fixed or {})
    space = search_space(kind, fixed)
    if kind == "classifier":
        defaults = classifier_parameters(fixed)  # validates fixed (label_column is required)
        trainer = _ClassifierTrials(data, defaults)
    else:
        if "algo" in fixed and fixed["algo"] != kind:
            raise ParameterError(f"fixed algo {fixed['algo']!r} contradicts kind {kind!r}")
        defaults = gensim_parameters(kind, fixed)
        trainer = _GensimTrials(data, defaults, score)
    report = progress or (lambda p: None)
    with trainer:
        result = _search(kind, score, int(trials), int(seed), space, fixed, defaults, trainer, report, timeout)
        if confirm and result.best.number != 0:
            started = time.perf_counter()

            def retraining(i, which, seed):
                report(TuneProgress("confirm", len(result.trials) + 2 * i + (which == "best"), len(result.trials),
                                    time.perf_counter() - started, params={"settings": which, "seed": seed}))

            result.confirmation = confirm_gain(result, defaults, trainer, int(confirm), retraining)
    best = result.best
    report(TuneProgress("done", best.number, len(result.trials), result.seconds, params=best.params,
                        score=best.score, best_score=best.score, best_trial=best.number,
                        default_score=result.default_score))
    return result


def _search(kind, score, n_trials, seed, space, fixed, defaults, trainer, report, timeout) -> TuneResult:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    start = time.perf_counter()
    distributions = {name: _distribution(spec) for name, spec in space.items()}
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=max(2, min(10, n_trials // 2)))
    study = optuna.create_study(direction="maximize", sampler=sampler)
    default_params = {name: getattr(defaults, name) for name in space}
    study.enqueue_trial({name: _inside(v, space[name]) for name, v in default_params.items()})
    records: list[TrialRecord] = []
    best_model, best_parameters, stopped = None, None, None

    def so_far(**fields):
        done = [r for r in records if r.state == "complete"]
        best = max(done, key=lambda r: (r.score, -r.number)) if done else None
        return TuneProgress(trials=n_trials, elapsed=time.perf_counter() - start,
                            best_score=best.score if best else None, best_trial=best.number if best else None,
                            default_score=records[0].score if records else None, **fields)

    for number in range(n_trials):
        if number and timeout is not None and time.perf_counter() - start >= timeout:
            stopped = f"timeout: {len(records)} of {n_trials} trials ran in {timeout:g} s"
            break
        with warnings.catch_warnings():  # a default outside a narrowed space is expected
            warnings.simplefilter("ignore", UserWarning)
            trial = study.ask(distributions)
        params = default_params if number == 0 else dict(trial.params)
        parameters = type(defaults)(**{**defaults.__dict__, **params})
        report(so_far(stage="trial", trial=number, params=params))

        def epoch(p, number=number, params=params):
            if p.stage == "training":
                report(so_far(stage="training", trial=number, params=params, epoch=p.epoch, epochs=p.epochs))

        t0 = time.perf_counter()
        try:
            model, value, details = trainer.run(parameters, epoch)
        except EmbedvizError as exc:
            if number == 0:
                raise  # the defaults fail: the data or the fixed parameters are unusable
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            record = TrialRecord(number, params, None, time.perf_counter() - t0, "failed", {"error": str(exc)})
        else:
            study.tell(trial, value)
            record = TrialRecord(number, params, value, time.perf_counter() - t0, "complete", details)
            if best_model is None or value > max(r.score for r in records if r.state == "complete"):
                best_model, best_parameters = model, parameters.to_dict()
        records.append(record)
        report(so_far(stage="trial-done", trial=number, params=params, score=record.score,
                      state=record.state, seconds=record.seconds))
    elapsed = time.perf_counter() - start
    return TuneResult(kind, score, seed, records, space, _jsonable(fixed), best_parameters, elapsed,
                      stopped, best_model)


def _jsonable(values: dict) -> dict:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in values.items()}


class _GensimTrials:
    def __init__(self, data, defaults: TrainingParameters, score: str):
        self.corpus, self.score = as_corpus(data), score
        self.whole = None

    def __enter__(self):
        self.whole = TokenisedCorpus(self.corpus)  # tokenised once for every trial
        return self

    def __exit__(self, *exc):
        self.whole.close()

    def run(self, parameters, progress):
        from embedviz.training.gensim import train

        result = train(self.whole.subset(1.0), parameters.validate(), progress)
        value, details = score_vectors(result.vectors, self.score)
        details["vocabulary"] = len(result.vectors)
        return result, value, details


class _ClassifierTrials:
    def __init__(self, data, defaults):
        from embedviz.text.corpus import Corpus

        self.paths = data if isinstance(data, Corpus) else as_corpus(data).paths

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def run(self, parameters, progress):
        from embedviz.training.classifier import train_classifier

        result = train_classifier(self.paths, parameters.validate(), progress)
        value, train_value, details = classifier_score(result)
        details["train_accuracy"] = train_value
        return result, value, details
