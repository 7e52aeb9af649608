"""Reading a learning curve: would more data help, or a better model, or regularisation?

A learning curve is a handful of noisy scores at growing shares of the data. Its reading must
agree with its own numbers and say how sure it is, so it is computed, not guessed from a ratio:

1. **Noise of each point.** The standard error of the score: the spread over repeated trainings
   (seeds) where the point was repeated, else the spread pooled from the repeated points, scaled
   by ``sqrt(n_small / n)`` (seed noise shrinks as data grows); plus the sampling error of the
   score itself (binomial for an accuracy over ``n`` questions or validation documents, Fisher's
   approximation for a Spearman correlation over ``n`` pairs), paired where the points' per-item
   outcomes are known (they are scored on the same items, so much of that error cancels out of a
   difference). A curve that falls by more than twice its noise shows the noise was
   underestimated, and it is raised.
2. **The expected gain of one more doubling of the data**, with a 90% interval: a weighted fit of
   an inverse power law ``score(n) = c - a * n^-b`` (the usual shape of learning curves, Hestness
   et al. 2017), extrapolated to twice the data; the interval by refitting on the points moved by
   their noise (a parametric bootstrap, seeded). With only two points: the last doubling's gain,
   assuming no further bend. A curve that accelerates (little data) is never extrapolated past
   its last doubling's gain.
3. **The verdict**, in this order:

   - ``overfitting``: training accuracy above validation by more than :data:`OVERFIT_GAP` and by
     more than 3 times the noise of that gap (the reading says whether more data helps too);
   - ``rising``: the expected gain is worth having (at least :data:`MEANINGFUL_GAIN`, or
     :data:`MEANINGFUL_SHARE` of the score if that is more) and its interval lies above 0;
   - ``flattened`` (or ``underfitting`` when the classifier's training accuracy is below
     :data:`HIGH_TRAIN` and within noise of validation): the interval's top is below the gain
     worth having;
   - ``too noisy``: neither can be said at this noise; repeat with more seeds or more
     validation data.

   ``no signal`` (every score about 0) and ``too few points`` come first.

>>> read_curve([{"fraction": f, "score": s, "details": {"validation_documents": 200}}
...             for f, s in [(0.1, 0.50), (0.25, 0.70), (0.5, 0.88), (1.0, 0.93)]]).verdict
'rising'
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

VERDICTS = ("rising", "flattened", "overfitting", "underfitting", "too noisy", "no signal", "too few points")
#: A gain per doubling below this (in score units: accuracy, Spearman) is not worth more data...
MEANINGFUL_GAIN = 0.002
#: ...nor one below this share of the current score (1% better per doubling).
MEANINGFUL_SHARE = 0.01
#: Training accuracy above validation by more than this (and by 3x its noise): overfitting.
OVERFIT_GAP = 0.05
#: A training accuracy below this, level with validation, on a flat curve: underfitting.
HIGH_TRAIN = 0.90
#: The level of the interval of the expected gain, and the bootstrap behind it.
LEVEL = 0.90
BOOTSTRAP = 200
#: Scores are at most 1 (accuracies, correlations): the fitted ceiling ``c`` is capped there.
CEILING = 1.0


@dataclass
class CurveReading:
    verdict: str                  # one of VERDICTS
    reading: str                  # the verdict in plain words, with its numbers
    expected_gain: dict | None    # estimate, low, high, level, method: one more doubling of the data
    last_gain: dict | None        # estimate, se: what the last doubling gained (per doubling)
    noise: float | None           # the typical standard error of one point
    meaningful_gain: float | None  # the smallest gain per doubling worth more data, here
    gap: dict | None = None       # value, noise: training minus validation accuracy (classifier)
    point_noise: list | None = None  # the standard error of each scored point, in fraction order

    def to_dict(self) -> dict:
        return asdict(self)


def read_curve(points) -> CurveReading:
    """The reading of a learning curve; ``points``: :class:`CurvePoint` objects or their dicts.

    A point's ``score`` (higher is better, at most 1) is the mean of its ``scores`` when it was
    repeated; ``train_score`` (the classifier's training accuracy) and ``details`` (``questions``,
    ``validation_documents``, ``pairs``, ``train_documents``) tell the noise. See the module
    docstring for the rule.
    """
    rows = [p if isinstance(p, dict) else asdict(p) for p in points]
    rows = sorted((r for r in rows if r.get("score") is not None), key=lambda r: r["fraction"])
    if len(rows) < 2:
        return CurveReading("too few points", "too few points to read a trend: at least two scored sizes "
                            "are needed", None, None, None, None)
    f = np.array([float(r["fraction"]) for r in rows])
    s = np.array([float(r["score"]) for r in rows])
    covariance = noise_covariance(rows)
    if np.max(np.abs(s)) < MEANINGFUL_GAIN:
        return CurveReading("no signal", "no signal: the score is about zero at every size, so this "
                            "benchmark cannot judge these models (too few of its words in the corpus, or "
                            "too little text)", None, None, float(np.sqrt(np.median(np.diag(covariance)))),
                            None)
    expected, covariance = expected_gain(f, s, covariance)
    sigma = np.sqrt(np.diag(covariance))
    steps = math.log2(f[-1] / f[-2])
    fall = covariance[-1, -1] + covariance[-2, -2] - 2 * covariance[-1, -2]
    last = {"estimate": float((s[-1] - s[-2]) / steps), "se": float(math.sqrt(max(fall, 0.0)) / steps)}
    noise = float(np.median(sigma))
    meaningful = max(MEANINGFUL_GAIN, MEANINGFUL_SHARE * abs(float(s[-1])))
    gap = _gap(rows[-1], sigma[-1])
    rising = expected["estimate"] >= meaningful and expected["low"] > 0
    flattened = expected["high"] < meaningful
    reading = CurveReading("", "", expected, last, noise, meaningful, gap, [float(x) for x in sigma])
    reading.verdict = _verdict(rising, flattened, gap)
    reading.reading = _words(reading, float(s[-1]))
    return reading


def _verdict(rising: bool, flattened: bool, gap: dict | None) -> str:
    if gap is not None and gap["value"] > max(OVERFIT_GAP, 3 * gap["noise"]):
        return "overfitting"
    if rising:
        return "rising"
    if flattened:
        low_train = gap is not None and gap["train"] < HIGH_TRAIN
        level = gap is not None and abs(gap["value"]) <= max(2 * gap["noise"], OVERFIT_GAP / 2)
        return "underfitting" if low_train and level else "flattened"
    return "too noisy"


# -- noise ---------------------------------------------------------------------------------------
def noise_covariance(rows: list[dict]) -> np.ndarray:
    """The covariance of the points' scores: sampling error plus seed spread (see the module docstring).

    Points scored on the same items (the same validation documents, the same benchmark questions)
    share much of their sampling error: where every point carries its per-item outcomes
    (``details["outcomes"]``, see :func:`pack_outcomes`), the sampling covariance is that of those
    outcomes over the items, divided by their number, so the noise of a *difference* between two
    points is what it really is (a McNemar-like, paired figure) rather than the sum of both errors.
    """
    n = len(rows)
    outcomes = [unpack_outcomes(r) for r in rows]
    if all(o is not None for o in outcomes) and len({len(o) for o in outcomes}) == 1 and len(outcomes[0]) > 1:
        matrix = np.vstack(outcomes).astype(np.float64)
        sampling = np.atleast_2d(np.cov(matrix)) / matrix.shape[1]
    else:
        sampling = np.diag([sampling_error(r) ** 2 for r in rows])
    seed = np.zeros(n)
    repeated = [(i, r) for i, r in enumerate(rows) if len(r.get("scores") or []) > 1]
    for i, r in repeated:
        seed[i] = float(np.var(r["scores"], ddof=1)) / len(r["scores"])
    if repeated:
        # One training's spread, pooled over the repeated points and scaled to each size (seed
        # noise shrinks as the data grows, roughly as 1/n).
        per_fraction = float(np.mean([np.var(r["scores"], ddof=1) * r["fraction"] for _, r in repeated]))
        for i, r in enumerate(rows):
            if len(r.get("scores") or []) <= 1:
                seed[i] = per_fraction / r["fraction"]
    covariance = sampling + np.diag(seed)
    return _raised_for_falls(np.array([float(r["score"]) for r in rows]), covariance)


def _raised_for_falls(s: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    """Raise the noise where the curve falls by more than twice the noise of that fall.

    A learning curve does not fall in expectation (more of the same data never hurts on average), so
    a larger fall says the noise was underestimated; an independent term is added to every point.
    """
    extra = 0.0
    for i in range(len(s) - 1):
        fall = s[i] - s[i + 1]
        if fall > 0:
            variance = covariance[i, i] + covariance[i + 1, i + 1] - 2 * covariance[i, i + 1]
            extra = max(extra, ((fall / 2) ** 2 - variance) / 2)
    return covariance + np.eye(len(s)) * max(extra, 0.0)


def sampling_error(row: dict) -> float:
    """The standard error of a score from the finite benchmark or validation part behind it, else 0."""
    details = row.get("details") or {}
    score = float(row["score"])
    n = details.get("questions") or details.get("validation_documents")
    if n and 0 <= score <= 1:
        return math.sqrt(max(score * (1 - score), 0.25 / n) / n)
    pairs, coverage = details.get("covered"), details.get("coverage")
    if pairs and pairs > 3 and coverage:
        rho = min(0.999, abs(score / coverage))
        # Spearman's rho: Fisher's z has variance ~1.06 / (n - 3) (Fieller et al. 1957).
        return coverage * (1 - rho ** 2) * math.sqrt(1.06 / (pairs - 3))
    return 0.0


def pack_outcomes(right) -> str:
    """Per-item outcomes (True = right) as compact text for JSON: base64 of the packed bits."""
    import base64

    right = np.asarray(right, dtype=bool)
    return f"{len(right)}:" + base64.b64encode(np.packbits(right).tobytes()).decode("ascii")


def unpack_outcomes(row: dict) -> np.ndarray | None:
    import base64
    import binascii

    text = (row.get("details") or {}).get("outcomes")
    if not isinstance(text, str) or ":" not in text:
        return None
    size, _, data = text.partition(":")
    try:
        bits = np.unpackbits(np.frombuffer(base64.b64decode(data, validate=True), dtype=np.uint8))
        size = int(size)
    except (ValueError, binascii.Error):
        return None
    return bits[:size].astype(bool) if 0 < size <= len(bits) else None


def _gap(row: dict, validation_noise: float) -> dict | None:
    train = row.get("train_score")
    if train is None:
        return None
    train = float(train)
    n = (row.get("details") or {}).get("train_documents")
    train_noise = math.sqrt(max(train * (1 - train), 0.25 / n) / n) if n else 0.0
    repeats = row.get("train_scores") or []
    if len(repeats) > 1:
        train_noise = math.hypot(train_noise, float(np.std(repeats, ddof=1)) / math.sqrt(len(repeats)))
    return {"value": train - float(row["score"]), "noise": float(math.hypot(train_noise, validation_noise)),
            "train": train}


# -- the expected gain ---------------------------------------------------------------------------
#: Exponents tried for ``score = c + a * n^beta``: below 0 the saturating power law (a < 0), above 0
#: the accelerating start of a curve (a > 0); 0 stands for ``c + a * log n`` (a constant gain per doubling).
EXPONENTS = np.round(np.arange(-3.0, 3.0001, 0.05), 2)


def expected_gain(f: np.ndarray, s: np.ndarray, covariance: np.ndarray) -> tuple[dict, np.ndarray]:
    """The gain of doubling the largest size, with a :data:`LEVEL` interval, and the covariance used.

    Three points or more: the rising curve ``c + a * n^beta`` that fits best by generalised least
    squares (or the flat line, when no rising curve fits better); with five points or more the
    covariance is raised to the points' scatter around the fit when that is larger; the interval by
    refitting on draws of the points from their noise. An accelerating fit is never
    extrapolated beyond the last doubling's own gain. Two points: the last doubling's gain and its
    standard error (normal interval).
    """
    floor = (max(1e-4, 0.01 * float(np.ptp(s)))) ** 2
    covariance = covariance + np.eye(len(s)) * floor  # no point is exact: an exact one would pin the fit
    z = _normal_quantile(0.5 + LEVEL / 2)
    steps = math.log2(f[-1] / f[-2])
    if len(f) >= 3:
        inverse = np.linalg.inv(covariance)
        estimate, chi2, dof = _fit_gains(f, s[None, :], inverse)
        # The scatter around the fit says the noise was underestimated only with a few degrees of
        # freedom to judge by: with one (four points) a curve that bends more sharply than a
        # power law would read as noise.
        if dof >= 2 and chi2[0] / dof > 1:
            covariance = covariance * (chi2[0] / dof)
            inverse = inverse / (chi2[0] / dof)
        draws = np.random.default_rng(0).multivariate_normal(s, covariance, size=BOOTSTRAP, method="cholesky")
        gains, _, _ = _fit_gains(f, draws, inverse)
        low, high = np.quantile(gains, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
        point = float(estimate[0])
        return ({"estimate": point, "low": float(min(low, point)), "high": float(max(high, point)),
                 "level": LEVEL, "method": "power law"}, covariance)
    estimate = float((s[-1] - s[-2]) / steps)
    se = math.sqrt(max(covariance[-1, -1] + covariance[-2, -2] - 2 * covariance[-1, -2], 0.0)) / steps
    return ({"estimate": estimate, "low": estimate - z * se, "high": estimate + z * se, "level": LEVEL,
             "method": "last doubling"}, covariance)


def _fit_gains(f: np.ndarray, scores: np.ndarray, inverse: np.ndarray):
    """For each row of ``scores`` (draws x points): the best model's gain of one more doubling.

    Returns the gains, the best model's chi-square per row and its degrees of freedom (points - 3).
    """
    rows = scores.shape[0]
    last_gain = (scores[:, -1] - scores[:, -2]) / math.log2(f[-1] / f[-2])
    # Where no rising curve fits better than a flat one, the constrained optimum is the flat line:
    # gain 0, with the chi-square of the mean.
    best_chi2 = _gls(np.ones((len(f), 1)), scores, inverse)[1]
    gains = np.zeros(rows)
    for beta in EXPONENTS:
        basis = np.log(f) if beta == 0 else f ** beta
        design = np.column_stack([basis, np.ones(len(f))])
        params, chi2 = _gls(design, scores, inverse)
        a, c = params[:, 0], params[:, 1]
        if beta == 0:
            gain, rising, capped = a * math.log(2), a >= 0, np.ones(rows, dtype=bool)
        else:
            gain = a * (2.0 ** beta - 1) * f[-1] ** beta
            rising = a * beta >= 0
            capped = c <= CEILING if beta < 0 else np.ones(rows, dtype=bool)
        if beta >= 0:  # an accelerating start is not extrapolated past the last doubling's gain
            gain = np.minimum(gain, np.maximum(last_gain, 0.0))
        better = rising & capped & (chi2 < best_chi2)
        best_chi2 = np.where(better, chi2, best_chi2)
        gains = np.where(better, gain, gains)
    return gains, best_chi2, len(f) - 3


def _gls(design: np.ndarray, scores: np.ndarray, inverse: np.ndarray):
    """Generalised least squares of each row of ``scores`` on ``design``: parameters and chi-square."""
    normal = design.T @ inverse @ design
    projection = np.linalg.solve(normal, design.T @ inverse)  # (parameters x points)
    params = scores @ projection.T
    residuals = scores - params @ design.T
    chi2 = np.einsum("ij,jk,ik->i", residuals, inverse, residuals)
    return params, chi2


def _normal_quantile(p: float) -> float:
    from scipy.stats import norm

    return float(norm.ppf(p))


# -- plain words ---------------------------------------------------------------------------------
def _words(r: CurveReading, last_score: float) -> str:
    g = r.expected_gain
    interval = f"{g['level']:.0%} interval {g['low']:+.4f} to {g['high']:+.4f}"
    expected = f"one more doubling of the data should gain {g['estimate']:+.4f} ({interval})"
    last = f"the last doubling gained {r.last_gain['estimate']:+.4f} ± {r.last_gain['se']:.4f}"
    noise = f"each point is uncertain by about ±{r.noise:.4f}"
    facts = f"{expected}; {last}; {noise}"
    if r.verdict == "overfitting":
        gap = r.gap
        more = ("the validation curve is still rising, so more data helps too"
                if g["estimate"] >= r.meaningful_gain and g["low"] > 0 else
                "more of the same data would help little" if g["high"] < r.meaningful_gain else
                "whether more data helps is within the noise")
        return (f"overfitting: training accuracy {gap['train']:.1%} against validation {last_score:.1%}, a gap "
                f"of {gap['value']:.1%} (its noise is about ±{gap['noise']:.1%}); regularise (dropout, weight "
                f"decay, augmentation, early stopping) or add data; {more}. {_capital(facts)}")
    if r.verdict == "rising":
        return f"more data still helps: {facts}"
    if r.verdict == "underfitting":
        gap = r.gap
        return (f"underfitting: the curve has flattened and training accuracy {gap['train']:.1%} is as low as "
                f"validation {last_score:.1%} (within the noise of ±{gap['noise']:.1%}): give the model more "
                f"capacity (a larger embedding, a hidden layer, GRU or CNN pooling) or less regularisation; more "
                f"data will not help. {_capital(facts)}")
    if r.verdict == "flattened":
        fit = ""
        if r.gap is not None:
            fit = (f"; training accuracy {r.gap['train']:.1%} against validation {last_score:.1%} "
                   f"(gap {r.gap['value']:+.1%}, noise ±{r.gap['noise']:.1%})")
        return (f"the curve has flattened: a better model (other hyperparameters or architecture), not more "
                f"of the same data, is the next step{fit}. {_capital(facts)} (less than the "
                f"{r.meaningful_gain:.4f} per doubling worth having)")
    return (f"too noisy to tell: {facts}, so the gain of more data cannot be told from noise; repeat with "
            f"more seeds (repeats) or a larger validation part")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
