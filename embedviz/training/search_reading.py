"""Reading a search afterwards: is its gain real (fresh seeds), and which parameter mattered.

- :func:`confirm_gain` retrains the defaults and the best settings with fresh seeds: the best
  trial's own score is biased upwards (it was chosen for being high), fresh seeds are not.
- :func:`study_of` rebuilds an Optuna study from a result (or its JSON), so Optuna's own
  importances (:func:`param_importances`, fANOVA) and figures (``optuna.visualization``, see
  :mod:`embedviz.figures.improve`) read it.
"""

from __future__ import annotations

import time
import warnings

import numpy as np

from embedviz.core.errors import EmbedvizError

CONFIRM_LEVEL = 0.95


def _distribution(spec: dict):
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    if spec["type"] == "int":
        return IntDistribution(spec["low"], spec["high"], step=spec.get("step", 1))
    if spec["type"] == "float":
        return FloatDistribution(spec["low"], spec["high"], log=spec.get("log", False))
    return CategoricalDistribution(spec["choices"])


def _inside(value, spec: dict):
    """``value`` as Optuna may record it in ``spec``: a default of 0 on a log scale becomes the low end."""
    if spec["type"] == "categorical":
        return value
    if spec.get("log") and value <= 0:
        return spec["low"]
    return value


def confirm_gain(result, defaults, trainer, seeds: int, report) -> dict:
    """Retrain the defaults and the best settings with ``seeds`` fresh seeds each; the gain's interval.

    The search's own figures are one seed each, and the best trial was chosen for scoring high, so
    its gain is biased upwards (the winner's curse). Fresh seeds are not: their mean difference,
    with a Welch t interval (:data:`CONFIRM_LEVEL`), says whether the gain is real, and the defaults'
    seed-to-seed spread says how big the noise is. The classifier's test accuracy (never used to
    choose) is given beside. ``result``: the :class:`~embedviz.training.tune.TuneResult`;
    ``trainer``: the search's own (``run(parameters, progress)``); ``report(i, which, seed)`` hears
    of each retraining before it starts.
    """
    from scipy import stats

    base = int(getattr(defaults, "seed", 1))
    fresh = [base + 1000 + i for i in range(seeds)]  # seeds no trial used
    settings = {"defaults": defaults, "best": type(defaults)(**{**defaults.__dict__, **result.best_params})}
    scores, tests = {"defaults": [], "best": []}, {"defaults": [], "best": []}
    start = time.perf_counter()
    for i, seed in enumerate(fresh):
        for which, parameters in settings.items():
            report(i, which, seed)
            _, value, details = trainer.run(type(parameters)(**{**parameters.__dict__, "seed": seed}),
                                            lambda p: None)
            scores[which].append(float(value))
            if details.get("test_accuracy") is not None:
                tests[which].append(float(details["test_accuracy"]))
    d, b = np.array(scores["defaults"]), np.array(scores["best"])
    gain = float(b.mean() - d.mean())
    spread = float(np.std(d, ddof=1)) if seeds > 1 else 0.0
    if seeds > 1 and (np.var(b) + np.var(d)) > 0:
        interval = stats.ttest_ind(b, d, equal_var=False).confidence_interval(CONFIRM_LEVEL)
        low, high = float(interval.low), float(interval.high)
    else:
        low = high = gain
    real = low > 0
    words = (f"retrained with {seeds} fresh seeds each, the best settings (trial {result.best.number}) score "
             f"{b.mean():.4f} against the defaults' {d.mean():.4f}: a gain of {gain:+.4f} "
             f"({CONFIRM_LEVEL:.0%} interval {low:+.4f} to {high:+.4f}; the defaults vary by {spread:.4f} "
             "from seed to seed): ")
    words += ("a real gain" if real else "within the noise, so the search found nothing better than the "
              "defaults that a fresh seed confirms")
    out = {"seeds": fresh, "default_scores": scores["defaults"], "best_scores": scores["best"], "gain": gain,
           "low": low, "high": high, "level": CONFIRM_LEVEL, "spread": spread, "real": real,
           "ratio_to_spread": gain / spread if spread > 0 else None, "reading": words,
           "seconds": time.perf_counter() - start}
    if tests["best"] and tests["defaults"]:
        out.update(default_test=tests["defaults"], best_test=tests["best"],
                   test_gain=float(np.mean(tests["best"]) - np.mean(tests["defaults"])))
        out["reading"] += (f"; on the test part (never used to choose) {np.mean(tests['best']):.1%} against "
                           f"{np.mean(tests['defaults']):.1%}")
    return out


class ImportanceUnavailable(EmbedvizError):
    """Too few completed trials, or no variation, to say which parameter matters."""


def study_of(result, checked: bool = True):
    """An Optuna study holding the completed trials of ``result`` (a TuneResult or its ``to_dict()``),
    each trial's number kept as its user attribute ``number``.

    With ``checked``, raises :class:`ImportanceUnavailable` with a message when there is nothing to
    read: no searched parameter, fewer than 2 completed trials, or every trial scoring the same.
    """
    import optuna

    summary = result if isinstance(result, dict) else result.to_dict()
    space = summary["space"]
    done = [t for t in summary["trials"] if t["state"] == "complete" and t["score"] is not None]
    if checked:
        _check_readable(space, done)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    distributions = {name: _distribution(spec) for name, spec in space.items()}
    study = optuna.create_study(direction="maximize")
    for t in done:
        params = {name: _inside(t["params"][name], spec) for name, spec in space.items()}
        study.add_trial(optuna.trial.create_trial(params=params, distributions=distributions, value=t["score"],
                                                  user_attrs={"number": t["number"]}))
    return study


def _check_readable(space, done) -> None:
    if not space:
        raise ImportanceUnavailable("no parameter was searched (all were fixed)")
    if len(done) < 2:
        raise ImportanceUnavailable(f"parameter importance needs at least 2 completed trials; "
                                    f"this search has {len(done)}: run more trials")
    if len({t["score"] for t in done}) < 2:
        raise ImportanceUnavailable("every trial scored the same: no parameter made a difference "
                                    "that this benchmark could see")


def param_importances(result, seed: int = 0) -> dict[str, float]:
    """Each searched parameter's share of the score's variance (Optuna's fANOVA, seeded), largest
    first. ``result``: a TuneResult or its ``to_dict()``; see :func:`study_of` for the refusals."""
    from optuna.importance import FanovaImportanceEvaluator, get_param_importances

    study = study_of(result)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        importances = get_param_importances(study, evaluator=FanovaImportanceEvaluator(seed=seed))
    return {name: float(value) for name, value in importances.items()}
