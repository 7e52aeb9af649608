"""The kinds of background job, in one registry: training (every trainer), learning curves, searches.

Each kind has a starter (called by a page, the CLI or a test: it checks everything it cheaply can,
then :func:`embedviz.jobs.registry.launch`) and a runner (called by the worker process), listed in
:data:`KINDS`. Stage messages are written once, in :func:`stage_message`. ``job.json`` holds:

- ``kind: "train"`` with ``algo`` (``word2vec``, ``fasttext``, ``torch-sgns``, ``torch-classifier``,
  ``spark-word2vec``)
  and ``parameters`` (that trainer's parameter object as a dict): saves the model, with the
  classifier's own files beside it.
- ``kind: "curve"``: ``learner`` (``classifier``, ``word2vec``, ``fasttext``), ``parameters``,
  ``fractions``, ``score``, ``repeats``; writes ``result.json`` (``LearningCurve.to_dict()``).
- ``kind: "tune"``: ``learner``, ``parameters`` (the fixed ones), ``trials``, ``score``, ``seed``,
  ``confirm``; writes ``result.json`` (``TuneResult.to_dict()``) and, if the job names a model,
  saves the best trial's model under that name.

>>> job = start_training(Store(), bundled_spec("shakespeare"), {"label_column": "genre", "epochs": 3},
...                      "bard-genre", "me", algo="torch-classifier")  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from embedviz.core.atomic import write_json
from embedviz.core.errors import ParameterError, StoreError
from embedviz.core.params import OneOf, Whole, check
from embedviz.jobs.registry import RESULT_FILE, Job, launch, list_jobs
from embedviz.text.specs import CorpusSpec
from embedviz.vectors.names import check_name
from embedviz.vectors.store import Store

#: Spark's own log (its JVM's output), in a Spark training's job folder
SPARK_LOG = "spark.log"

GENSIM_ALGOS = ("word2vec", "fasttext")
TORCH_ALGOS = ("torch-classifier", "torch-sgns")
SPARK_ALGOS = ("spark-word2vec",)
ALGOS = GENSIM_ALGOS + TORCH_ALGOS + SPARK_ALGOS
LEARNERS = ("classifier", "word2vec", "fasttext")

STAGES = {"starting": "starting the engine", "reading": "reading and tokenising the corpus", "vocabulary": "building the vocabulary",
          "baseline": "training the TF-IDF baseline", "done": "saving the model"}


def stage_message(p) -> str:
    """The one-line status of a training's progress report ``p`` (every trainer's)."""
    if p.stage == "training" and p.detail:  # an engine's report while an epoch runs (Spark's stages)
        return f"epoch {min(p.epoch + 1, p.epochs)} of {p.epochs} running · {p.detail}"
    if p.stage in ("training", "pair"):
        parts = [f"epoch {p.epoch} of {p.epochs}"]
        if p.val_accuracy is not None:
            parts.append(f"validation accuracy {p.val_accuracy:.1%}")
        elif p.loss is not None:
            parts.append(f"loss {p.loss:,.4g}")
        words = ", ".join(parts)
        words = words if p.stage == "training" else f"the same model without augmentation, to measure its effect: {words}"
    else:
        words = STAGES.get(p.stage, p.stage)
    return f"{words} · {p.detail}" if p.detail else words


# -- checks shared by the starters -----------------------------------------------------------------
def checked_spec(corpus_spec) -> dict:
    """The corpus spec with absolute paths, opened once: missing files, unknown kinds, bad options
    are refused now, not in the job."""
    spec = CorpusSpec.from_dict(corpus_spec if isinstance(corpus_spec, dict) else corpus_spec.to_dict())
    spec.paths = [str(Path(p).resolve()) for p in spec.paths]
    spec.corpus()
    return spec.to_dict()


def check_new_name(store: Store, name: str) -> None:
    """A valid name that is neither in the store nor being saved by a running job."""
    check_name(name)
    if store.exists(name):
        raise StoreError(f"a model named {name!r} already exists; choose another name or delete it")
    if any(job.model == name for job in list_jobs(store, active=True)):
        raise StoreError(f"a job saving a model named {name!r} is already running; choose another name")


def parameters_for(algo: str, values: dict):
    """The validated parameters object of a trainer or learner (``classifier`` = ``torch-classifier``)."""
    check("algo", algo, OneOf(ALGOS + ("classifier",)))
    values = {k: v for k, v in dict(values).items() if k != "algo"}
    if algo in ("classifier", "torch-classifier"):
        from embedviz.training.classifier_params import ClassifierParameters

        return ClassifierParameters.from_dict(values).validate()
    if algo == "torch-sgns":
        from embedviz.training.sgns import SGNSParameters

        return SGNSParameters.from_dict(values).validate()
    if algo in SPARK_ALGOS:
        from embedviz.training.spark import SparkParameters

        return SparkParameters.from_dict(values).validate()
    from embedviz.training.curves import gensim_parameters

    return gensim_parameters(algo, values)


# -- starting --------------------------------------------------------------------------------------
def start_training(store: Store, corpus_spec, parameters, name: str, owner: str, algo: str | None = None,
                   model_owner: str | None = None) -> Job:
    """Train ``name`` on ``corpus_spec`` in a new background process; return the job.

    ``parameters``: a parameter object or dict; ``algo`` (default: the parameters' own ``algo``,
    else word2vec) is one of :data:`ALGOS`. Refuses a bad name, a name already in the store or
    being trained, and bad parameters before the process starts; the rest (columns, encoding, too
    little text) shows up as a ``failed`` job with a one-line message. ``model_owner``: the
    logged-in user the model will belong to (:mod:`embedviz.vectors.access`), None without logins.
    """
    values = parameters if isinstance(parameters, dict) else parameters.to_dict()
    algo = algo or values.get("algo") or "word2vec"
    check_new_name(store, name)
    params = parameters_for(algo, values).to_dict()
    params.pop("algo", None)
    if algo in SPARK_ALGOS:
        _check_spark(corpus_spec, params["master"])
    return launch(store, {"kind": "train", "algo": algo, "corpus": checked_spec(corpus_spec),
                          "parameters": {"algo": algo, **params}, "model_owner": model_owner}, name, owner)


def start_curve(store: Store, corpus_spec, learner: str, parameters: dict, owner: str,
                fractions=(0.1, 0.25, 0.5, 1.0), score: str | None = None, repeats: int | None = None) -> Job:
    """Draw a learning curve of ``learner`` in the background; its result lands in ``result.json``."""
    from embedviz.training.curves import DEFAULT_REPEATS, REPEATS, check_fractions, check_kind_and_score

    score = check_kind_and_score(learner, score)
    fractions = check_fractions(fractions)
    repeats = check("repeats", DEFAULT_REPEATS if repeats is None else repeats, REPEATS)
    values = parameters_for(learner, parameters).to_dict()
    values.pop("algo", None)
    if learner == "classifier":
        values["baseline"] = False  # a TF-IDF baseline per point only costs time in a curve
    return launch(store, {"kind": "curve", "learner": learner, "corpus": checked_spec(corpus_spec),
                          "parameters": values, "fractions": fractions, "score": score, "repeats": repeats},
                  "", owner)


def start_tune(store: Store, corpus_spec, learner: str, fixed: dict, owner: str, trials: int = 10,
               score: str | None = None, name: str | None = None, seed: int = 0, confirm: int | None = None) -> Job:
    """Search ``learner``'s hyperparameters in the background; save the best model as ``name`` if given."""
    from embedviz.training.curves import check_kind_and_score
    from embedviz.training.tune import CONFIRM, DEFAULT_CONFIRM

    score = check_kind_and_score(learner, score)
    check("trials", trials, Whole(1, 1000))
    confirm = check("confirm", DEFAULT_CONFIRM if confirm is None else confirm, CONFIRM)
    if name:
        check_new_name(store, name)
    parameters_for(learner, fixed)  # the fixed values must make valid parameters
    return launch(store, {"kind": "tune", "learner": learner, "corpus": checked_spec(corpus_spec),
                          "parameters": dict(fixed), "trials": trials, "score": score, "seed": seed,
                          "confirm": confirm}, name or "", owner)


def _check_spark(corpus_spec, master: str) -> None:
    """Spark present, a master this server offers, and a corpus Spark's reader can take, before a
    worker starts a JVM."""
    from embedviz.training.spark_session import check_engine, offered_masters

    check_engine()
    if master not in offered_masters():
        raise ParameterError(f"the Spark master {master!r} is not one this server offers: "
                             + ", ".join(offered_masters()) + " (EMBEDVIZ_SPARK_MASTERS)")
    spec = corpus_spec if isinstance(corpus_spec, CorpusSpec) else CorpusSpec.from_dict(corpus_spec)
    if spec.phrases:
        raise ParameterError("the Spark engine does not join phrases; turn phrases off on the Corpus page")
    spark_source(spec).kinds()


def spark_source(spec: CorpusSpec):
    """What Spark reads for a corpus spec: the same files, column, tokeniser and encoding."""
    from embedviz.text.spark_reader import SparkSource

    return SparkSource(tuple(spec.paths), text_column=spec.text_column, tokenizer=spec.tokenizer_options(),
                       encoding=spec.encoding)


# -- running (in the worker process) ---------------------------------------------------------------
def _train(worker, spec, corpus) -> None:
    name, store, algo = spec["model"], worker.job.store, spec.get("algo") or spec["parameters"].get("algo", "word2vec")
    parameters = parameters_for(algo, spec["parameters"])
    if store.exists(name):
        raise StoreError(f"a model named {name!r} already exists; choose another name or delete it")

    def progress(p):
        worker.emit(p.to_dict(), stage_message(p), stage=p.stage, epoch=p.epoch, epochs=p.epochs)

    if algo == "torch-classifier":
        from embedviz.training.classifier import train_classifier

        result = train_classifier(corpus, parameters, progress=progress, store=store)
        summary = (f"test accuracy {result.test_accuracy:.1%}" if result.test_accuracy is not None
                   else f"validation accuracy {result.val_accuracy:.1%}")
        worker.save(name, result.vectors, result.meta(), extra=result.files(),
                    message=f"model {name!r} saved: {summary}")
        return
    if algo == "torch-sgns":
        from embedviz.training.sgns import train_sgns

        result = train_sgns(corpus, parameters, progress=progress)
    elif algo in SPARK_ALGOS:
        from embedviz.training.spark import train_spark

        result = train_spark(spark_source(CorpusSpec.from_dict(spec["corpus"])), parameters, progress=progress,
                             log_path=worker.job.folder / SPARK_LOG)
    else:
        from embedviz.training.gensim import train

        result = train(corpus, parameters, progress=progress)
    worker.save(name, result.vectors, result.meta(), extra=result.files())


def _curve(worker, spec, corpus) -> None:
    from embedviz.training.curves import learning_curve

    def progress(p):
        if p.stage == "point":
            message, done = f"point {p.index + 1} of {p.points} ({p.fraction:.0%} of the data) scored", p.index + 1
        elif p.stage == "started":
            message, done = f"training on {p.fraction:.0%} of the data (point {p.index + 1} of {p.points})", p.index
        else:
            message, done = "writing the result", p.points
        worker.emit(p.to_dict(), message, stage=p.stage, epoch=done, epochs=p.points)

    curve = learning_curve(corpus, spec["learner"], fractions=spec["fractions"], score=spec["score"],
                           parameters=spec["parameters"], repeats=spec.get("repeats", 1), progress=progress)
    write_json(worker.job.folder / RESULT_FILE, curve.to_dict())
    worker.finish(f"learning curve of {len(curve.points)} points: {curve.verdict()}")


def _tune(worker, spec, corpus) -> None:
    from embedviz.training.tune import tune

    name = spec.get("model") or ""

    def progress(p):
        if p.stage == "training":
            return  # one event per trial is enough for the page; the status still moves
        if p.stage == "confirm":
            message = (f"retraining the {p.params['settings']} with a fresh seed ({p.params['seed']}) to "
                       "confirm the gain")
            done = p.trials
        elif p.stage == "trial":
            message, done = f"trial {p.trial + 1} of {p.trials} running", p.trial
        elif p.stage == "trial-done":
            score = "failed" if p.score is None else f"{p.score:.4f}"
            message, done = f"trial {p.trial + 1} of {p.trials}: {score}", p.trial + 1
        else:
            message, done = ("saving the best model" if name else "writing the result"), p.trials
        worker.emit(p.to_dict(), message, stage=p.stage, epoch=done, epochs=p.trials)

    result = tune(spec["learner"], corpus, trials=spec["trials"], score=spec["score"], seed=spec.get("seed", 0),
                  fixed=spec["parameters"], progress=progress, confirm=spec.get("confirm", 0))
    write_json(worker.job.folder / RESULT_FILE, result.to_dict() | {"saved": name or None})
    message = result.reading()
    if name:
        worker.start_saving()
        # The job's id goes into meta.json with the model, in one atomic write: a worker killed
        # right after the save still reads as done (see Job._settle).
        result.save_best(worker.job.store, name, meta={"job": worker.job.id})
        message += f"; saved as {name!r}"
    worker.finish(message, saved=bool(name))


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable          # run(worker, spec, corpus) in the worker process
    description: str


KINDS = {
    "train": JobKind("train", _train, "train a model (gensim, PyTorch skip-gram or the classifier) and save it"),
    "curve": JobKind("curve", _curve, "a learning curve: retrain on growing shares of the data"),
    "tune": JobKind("tune", _tune, "a hyperparameter search, its best model saved if named"),
}


def run_job(worker, spec: dict) -> None:
    """Run the job described by ``spec`` in ``worker`` (an :class:`embedviz.jobs.worker.Worker`)."""
    kind = KINDS[check("kind", spec.get("kind"), OneOf(tuple(KINDS)))]
    kind.run(worker, spec, CorpusSpec.from_dict(spec["corpus"]).corpus())
