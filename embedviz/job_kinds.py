"""The background jobs besides gensim training: PyTorch training, learning curves, hyperparameter searches.

Each kind has a starter (called by a page or a test: checks everything it cheaply can, then
:func:`embedviz.jobs.launch`) and a runner (called by the worker process). ``job.json`` holds:

- ``kind: "train"`` with ``algo`` ``torch-classifier`` (``parameters``: ClassifierParameters) or
  ``torch-sgns`` (SGNSParameters): saves the model, with the classifier's own files beside it.
- ``kind: "curve"``: ``learner`` (``classifier``, ``word2vec``, ``fasttext``), ``parameters``,
  ``fractions``, ``score``; writes ``result.json`` (``LearningCurve.to_dict()``), one event per point.
- ``kind: "tune"``: ``learner``, ``parameters`` (the fixed ones), ``trials``, ``score``, ``seed``;
  one event per trial; writes ``result.json`` (``TuneResult.to_dict()``) and, if the job names a
  model, saves the best trial's model under that name.

>>> job = start_torch_training(Store(), bundled_spec("shakespeare"), "torch-classifier",
...                            {"label_column": "genre", "epochs": 3}, "bard-genre", "me")  # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from .errors import ParameterError, StoreError
from .jobs import RESULT_FILE, Job, launch, list_jobs
from .store import Store, _write_json, check_name
from .uploads import CorpusSpec

TORCH_ALGOS = ("torch-classifier", "torch-sgns")
LEARNERS = ("classifier", "word2vec", "fasttext")


# -- starting --------------------------------------------------------------------------------------
def _checked_spec(corpus_spec) -> dict:
    spec = CorpusSpec.from_dict(corpus_spec if isinstance(corpus_spec, dict) else corpus_spec.to_dict())
    spec.paths = [str(Path(p).resolve()) for p in spec.paths]
    spec.corpus()  # missing files, unknown kinds, bad options: refused now, not in the job
    return spec.to_dict()


def _check_new_name(store: Store, name: str) -> None:
    check_name(name)
    if store.exists(name):
        raise StoreError(f"a model named {name!r} already exists; choose another name or delete it")
    if any(job.model == name for job in list_jobs(store, active=True)):
        raise StoreError(f"a job saving a model named {name!r} is already running; choose another name")


def _parameters(learner: str, values: dict):
    """The parameters object of ``learner`` (validated); a classifier needs ``label_column``."""
    if learner in ("classifier", "torch-classifier"):
        from .classifier import ClassifierParameters

        return ClassifierParameters.from_dict(values).validate()
    if learner == "torch-sgns":
        from .sgns import SGNSParameters

        return SGNSParameters.from_dict(values).validate()
    if learner in ("word2vec", "fasttext"):
        from .curves import gensim_parameters

        return gensim_parameters(learner, values)
    raise ParameterError(f"unknown kind {learner!r}: use one of {', '.join(LEARNERS + TORCH_ALGOS)}")


def start_torch_training(store: Store, corpus_spec, algo: str, parameters: dict, name: str, owner: str) -> Job:
    """Train ``name`` with a PyTorch trainer (``torch-classifier`` or ``torch-sgns``) in the background."""
    if algo not in TORCH_ALGOS:
        raise ParameterError(f"unknown PyTorch trainer {algo!r}: use one of {', '.join(TORCH_ALGOS)}")
    _check_new_name(store, name)
    values = _parameters(algo, dict(parameters)).to_dict()
    values.pop("algo", None)
    return launch(store, {"kind": "train", "algo": algo, "corpus": _checked_spec(corpus_spec),
                          "parameters": {"algo": algo, **values}}, name, owner)


def start_curve(store: Store, corpus_spec, learner: str, parameters: dict, owner: str,
                fractions=(0.1, 0.25, 0.5, 1.0), score: str | None = None, repeats: int | None = None) -> Job:
    """Draw a learning curve of ``learner`` in the background; its result lands in ``result.json``."""
    from .curves import DEFAULT_REPEATS, check_fractions, check_kind_and_score

    score = check_kind_and_score(learner, score)
    fractions = check_fractions(fractions)
    repeats = DEFAULT_REPEATS if repeats is None else repeats
    if isinstance(repeats, bool) or not isinstance(repeats, int) or not 1 <= repeats <= 20:
        raise ParameterError(f"repeats must be a whole number from 1 to 20, not {repeats!r}")
    values = _parameters(learner, dict(parameters)).to_dict()
    values.pop("algo", None)
    if learner == "classifier":
        values["baseline"] = False  # a TF-IDF baseline per point only costs time in a curve
    return launch(store, {"kind": "curve", "learner": learner, "corpus": _checked_spec(corpus_spec),
                          "parameters": values, "fractions": fractions, "score": score, "repeats": repeats},
                  "", owner)


def start_tune(store: Store, corpus_spec, learner: str, fixed: dict, owner: str, trials: int = 10,
               score: str | None = None, name: str | None = None, seed: int = 0, confirm: int | None = None) -> Job:
    """Search ``learner``'s hyperparameters in the background; save the best model as ``name`` if given."""
    from .curves import check_kind_and_score
    from .tune import DEFAULT_CONFIRM

    score = check_kind_and_score(learner, score)
    if isinstance(trials, bool) or not isinstance(trials, int) or not 1 <= trials <= 1000:
        raise ParameterError(f"trials must be a whole number from 1 to 1000, not {trials!r}")
    confirm = DEFAULT_CONFIRM if confirm is None else confirm
    if isinstance(confirm, bool) or not isinstance(confirm, int) or not 0 <= confirm <= 20:
        raise ParameterError(f"confirm must be a whole number from 0 to 20, not {confirm!r}")
    if name:
        _check_new_name(store, name)
    _parameters(learner, dict(fixed))  # the fixed values must make valid parameters
    return launch(store, {"kind": "tune", "learner": learner, "corpus": _checked_spec(corpus_spec),
                          "parameters": dict(fixed), "trials": trials, "score": score, "seed": seed,
                          "confirm": confirm},
                  name or "", owner)


# -- running (in the worker process) ---------------------------------------------------------------
def run_job(worker, spec: dict) -> None:
    """Run the job described by ``spec`` in ``worker`` (an :class:`embedviz.worker.Worker`)."""
    corpus = CorpusSpec.from_dict(spec["corpus"]).corpus()
    kind = spec.get("kind")
    if kind == "train":
        _train(worker, spec, corpus)
    elif kind == "curve":
        _curve(worker, spec, corpus)
    elif kind == "tune":
        _tune(worker, spec, corpus)
    else:
        raise ParameterError(f"unknown job kind {kind!r}")


def _epoch_message(p) -> str:
    parts = [f"epoch {p.epoch} of {p.epochs}"]
    if p.val_accuracy is not None:
        parts.append(f"validation accuracy {p.val_accuracy:.1%}")
    elif p.loss is not None:
        parts.append(f"loss {p.loss:,.4g}")
    return ", ".join(parts)


def _train(worker, spec, corpus) -> None:
    name, store, algo = spec["model"], worker.job.store, spec["algo"]
    values = {k: v for k, v in spec["parameters"].items() if k != "algo"}
    parameters = _parameters(algo, values)
    if store.exists(name):
        raise StoreError(f"a model named {name!r} already exists; choose another name or delete it")

    def progress(p):
        if p.stage == "training":
            message = _epoch_message(p)
        elif p.stage == "pair":
            message = f"the same model without augmentation, to measure its effect: {_epoch_message(p)}"
        else:
            message = {"reading": "reading and tokenising the corpus", "vocabulary": "building the vocabulary",
                       "baseline": "training the TF-IDF baseline", "done": "saving the model"}.get(p.stage, p.stage)
        worker.emit(p.to_dict(), message, stage=p.stage, epoch=p.epoch, epochs=p.epochs)

    if algo == "torch-classifier":
        from .classifier import train_classifier

        result = train_classifier(corpus, parameters, progress=progress, store=store)
        summary = (f"test accuracy {result.test_accuracy:.1%}" if result.test_accuracy is not None
                   else f"validation accuracy {result.val_accuracy:.1%}")
        worker.save(name, result.vectors, result.meta(), extra=result.files(),
                    message=f"model {name!r} saved: {summary}")
    else:
        from .sgns import train_sgns

        result = train_sgns(corpus, parameters, progress=progress)
        worker.save(name, result.vectors, result.meta())


def _curve(worker, spec, corpus) -> None:
    from .curves import learning_curve

    def progress(p):
        if p.stage == "point":
            message = f"point {p.index + 1} of {p.points} ({p.fraction:.0%} of the data) scored"
            done = p.index + 1
        elif p.stage == "started":
            message = f"training on {p.fraction:.0%} of the data (point {p.index + 1} of {p.points})"
            done = p.index
        else:
            message, done = "writing the result", p.points
        worker.emit(p.to_dict(), message, stage=p.stage, epoch=done, epochs=p.points)

    curve = learning_curve(corpus, spec["learner"], fractions=spec["fractions"], score=spec["score"],
                           parameters=spec["parameters"], repeats=spec.get("repeats", 1), progress=progress)
    _write_json(worker.job.folder / RESULT_FILE, curve.to_dict())
    worker.finish(f"learning curve of {len(curve.points)} points: {curve.verdict()}")


def _tune(worker, spec, corpus) -> None:
    from .tune import tune

    name = spec.get("model") or ""

    def progress(p):
        if p.stage == "training":
            return  # one event per trial is enough for the page; the status still moves
        if p.stage == "confirm":
            message = (f"retraining the {p.params['settings']} with a fresh seed ({p.params['seed']}) to "
                       "confirm the gain")
            worker.emit(p.to_dict(), message, stage=p.stage, epoch=p.trials, epochs=p.trials)
            return
        if p.stage == "trial":
            message = f"trial {p.trial + 1} of {p.trials} running"
        elif p.stage == "trial-done":
            score = "failed" if p.score is None else f"{p.score:.4f}"
            message = f"trial {p.trial + 1} of {p.trials}: {score}"
        else:
            message = "saving the best model" if name else "writing the result"
        done = p.trial + (p.stage != "trial") if p.stage != "done" else p.trials
        worker.emit(p.to_dict(), message, stage=p.stage, epoch=done, epochs=p.trials)

    result = tune(spec["learner"], corpus, trials=spec["trials"], score=spec["score"], seed=spec.get("seed", 0),
                  fixed=spec["parameters"], progress=progress, confirm=spec.get("confirm", 0))
    summary = result.to_dict()
    _write_json(worker.job.folder / RESULT_FILE, summary | {"saved": name or None})
    message = result.reading()
    if name:
        worker.start_saving()
        # The job's id goes into meta.json with the model, in one atomic write: a worker killed
        # right after the save still reads as done (see Job._settle).
        result.save_best(worker.job.store, name, meta={"job": worker.job.id})
        message += f"; saved as {name!r}"
    worker.finish(message, saved=bool(name))
