"""The reading of a learning curve: verdicts on curves whose answer is known, and its calibration.

Synthetic curves give each verdict; a simulation checks that the reading is right on noisy curves
drawn from a known truth (a rising power law, a saturated one) most of the time and says "too
noisy" rather than a wrong answer otherwise; real curves measured on the bundled corpora
(tests/data/curves.json, written by benchmarks/tune_bench.py --curves) read as a practitioner would.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from embedviz.training.curve_reading import (MEANINGFUL_GAIN, noise_covariance, pack_outcomes, read_curve,
                                    sampling_error, unpack_outcomes)
from embedviz.training.curves import CurvePoint, LearningCurve

FRACTIONS = (0.1, 0.25, 0.5, 1.0)
REAL_CURVES = Path(__file__).resolve().parents[1] / "data" / "curves.json"


def points(scores, train=None, validation=None, questions=None, fractions=FRACTIONS):
    rows = []
    for i, (f, s) in enumerate(zip(fractions, scores)):
        details = {}
        if validation:
            details.update(validation_documents=validation, train_documents=int(8 * validation * f))
        if questions:
            details["questions"] = questions
        rows.append({"fraction": f, "score": s, "train_score": train[i] if train else None, "details": details})
    return rows


# -- one verdict each --------------------------------------------------------------------------------
def test_a_curve_still_rising_by_five_points_per_doubling_reads_rising():
    # The curve a user reported as "flat ... underfits": 0.50 -> 0.70 -> 0.88 -> 0.93 on ~200
    # validation documents, training accuracy 97%.
    reading = read_curve(points([0.50, 0.70, 0.88, 0.93], train=[1.0, 0.99, 0.98, 0.969], validation=200))
    assert reading.verdict == "rising"
    assert reading.reading.startswith("more data still helps")
    gain = reading.expected_gain
    assert gain["low"] > 0 and gain["low"] <= gain["estimate"] <= gain["high"] and gain["level"] == 0.9
    assert reading.last_gain["estimate"] == pytest.approx(0.05)
    # the reading quotes its own numbers
    assert f"{gain['estimate']:+.4f}" in reading.reading and f"{reading.noise:.4f}" in reading.reading


def test_a_straight_line_on_the_log_axis_reads_rising():
    reading = read_curve(points([0.10, 0.20, 0.30, 0.40], validation=2000))
    assert reading.verdict == "rising" and reading.expected_gain["estimate"] > 0.05


def test_a_saturated_curve_reads_flattened():
    reading = read_curve(points([0.60, 0.70, 0.72, 0.7215], validation=20000))
    assert reading.verdict == "flattened"
    assert reading.expected_gain["high"] < reading.meaningful_gain
    assert "a better model" in reading.reading and "not more" in reading.reading


def test_a_large_train_validation_gap_reads_overfitting():
    reading = read_curve(points([0.50, 0.60, 0.66, 0.68], train=[1.0, 0.99, 0.98, 0.97], validation=2000))
    assert reading.verdict == "overfitting"
    assert reading.gap["value"] == pytest.approx(0.29) and reading.gap["value"] > 3 * reading.gap["noise"]
    assert "regularise" in reading.reading and "dropout" in reading.reading
    assert "still rising, so more data helps too" in reading.reading


def test_low_training_accuracy_level_with_validation_reads_underfitting():
    reading = read_curve(points([0.55, 0.60, 0.62, 0.6205], train=[0.65, 0.64, 0.63, 0.63], validation=50000))
    assert reading.verdict == "underfitting"
    assert "more capacity" in reading.reading and "more data will not help" in reading.reading


def test_a_high_training_accuracy_is_not_underfitting():
    # flat, level with validation, but 97% on training data: nothing to add capacity for
    reading = read_curve(points([0.90, 0.95, 0.96, 0.9605], train=[0.97, 0.97, 0.97, 0.97], validation=50000))
    assert reading.verdict == "flattened"


def test_pure_noise_reads_too_noisy():
    reading = read_curve(points([0.50, 0.53, 0.48, 0.51], validation=300))
    assert reading.verdict == "too noisy"
    assert reading.expected_gain["low"] <= 0 < reading.meaningful_gain < reading.expected_gain["high"]
    assert "repeat with more seeds" in reading.reading


def test_noise_nobody_stated_is_read_off_the_falls():
    # no validation size, no repeats: the falls of a curve that should not fall say how noisy it is
    reading = read_curve(points([0.50, 0.53, 0.48, 0.51]))
    assert reading.verdict == "too noisy" and reading.noise > 0.015  # a fall of 0.05 is at most 2 sd


def test_an_accelerating_start_reads_rising_without_extrapolating_the_acceleration():
    # word2vec on little text: the analogy score grows faster with each doubling
    reading = read_curve(points([0.0005, 0.0014, 0.0037, 0.0098], questions=19544))
    assert reading.verdict == "rising"
    assert reading.expected_gain["estimate"] <= reading.last_gain["estimate"] + 1e-12


def test_no_signal_and_too_few_points():
    assert read_curve(points([0.0, 0.0, 0.001, 0.0])).verdict == "no signal"
    assert read_curve(points([0.3])).verdict == "too few points"
    assert read_curve(points([None, None, None, 0.4])).verdict == "too few points"
    two = read_curve(points([0.10, 0.20], fractions=(0.5, 1.0), validation=5000))
    assert two.verdict == "rising" and two.expected_gain["method"] == "last doubling"


def test_learning_curve_objects_and_dicts_read_alike():
    rows = points([0.10, 0.20, 0.30, 0.40], validation=2000)
    objects = [CurvePoint(r["fraction"], 100, None, r["score"], None, 1.0, r["details"]) for r in rows]
    curve = LearningCurve("classifier", "val_accuracy", objects, {})
    assert curve.verdict() == read_curve(rows).verdict
    summary = json.loads(json.dumps(curve.to_dict()))
    assert {"verdict", "reading", "expected_gain", "last_gain", "noise", "meaningful_gain"} <= set(summary)
    assert summary["reading"] == curve.reading()


# -- noise -----------------------------------------------------------------------------------------------
def test_sampling_error_is_binomial_for_accuracies_and_fisher_for_spearman():
    row = {"score": 0.8, "details": {"validation_documents": 400}}
    assert sampling_error(row) == pytest.approx(math.sqrt(0.8 * 0.2 / 400))
    pairs = {"score": 0.3 * 0.5, "details": {"covered": 103, "coverage": 0.5}}
    assert sampling_error(pairs) == pytest.approx(0.5 * (1 - 0.09) * math.sqrt(1.06 / 100))


def test_outcomes_on_the_same_items_make_the_noise_of_a_difference_paired():
    rng = np.random.default_rng(0)
    a = rng.random(1000) < 0.7
    b = a.copy()
    b[:20] = True  # b gets right 20 more or less of what a got right: a small, consistent gain
    rows = [{"fraction": f, "score": float(o.mean()), "details": {"outcomes": pack_outcomes(o)}}
            for f, o in ((0.5, a), (1.0, b))]
    cov = noise_covariance(rows)
    paired = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    independent = cov[0, 0] + cov[1, 1]
    assert paired < 0.1 * independent  # the shared documents cancel out of the difference
    assert paired == pytest.approx(np.var(b.astype(float) - a.astype(float), ddof=1) / 1000)
    np.testing.assert_array_equal(unpack_outcomes(rows[1]), b)


def test_repeats_give_the_seed_noise_of_every_point():
    rows = points([0.40, 0.50, 0.55, 0.57])
    rows[0]["scores"] = [0.38, 0.40, 0.42]
    rows[1]["scores"] = [0.49, 0.50, 0.51]
    cov = noise_covariance(rows)
    assert cov[0, 0] == pytest.approx(np.var([0.38, 0.40, 0.42], ddof=1) / 3)
    # an unrepeated point gets the pooled one-training spread, scaled down with its larger size
    pooled = np.mean([np.var([0.38, 0.40, 0.42], ddof=1) * 0.1, np.var([0.49, 0.50, 0.51], ddof=1) * 0.25])
    assert cov[3, 3] == pytest.approx(pooled / 1.0)


# -- calibration: noisy curves drawn from a known truth ----------------------------------------------------
def simulated(truth, validation, rng):
    scores = [rng.binomial(validation, truth(f)) / validation for f in FRACTIONS]
    return points(scores, validation=validation)


def test_calibration_on_a_rising_truth():
    # true accuracy 0.9 - 0.2 n^-0.5 (n = fraction): the next doubling gains 0.2*(1 - 2^-0.5) = 0.059
    rng = np.random.default_rng(1)
    verdicts = [read_curve(simulated(lambda f: 0.9 - 0.2 * f ** -0.5 / 10 ** 0.5, 1000, rng)).verdict
                for _ in range(60)]
    assert verdicts.count("rising") >= 0.8 * len(verdicts)
    assert verdicts.count("flattened") == 0


def test_calibration_on_a_saturated_truth():
    # true accuracy 0.8 - 0.1 n^-3: the next doubling gains 0.0875 * 0.1 * ... < 0.0001
    rng = np.random.default_rng(2)
    verdicts = [read_curve(simulated(lambda f: 0.8 - 0.0001 * f ** -3, 20000, rng)).verdict for _ in range(60)]
    assert verdicts.count("rising") <= 0.1 * len(verdicts)
    assert verdicts.count("flattened") >= 0.6 * len(verdicts)


def test_calibration_on_noise_never_claims_a_rise_often():
    rng = np.random.default_rng(3)
    verdicts = [read_curve(simulated(lambda f: 0.6, 300, rng)).verdict for _ in range(60)]
    assert verdicts.count("rising") <= 0.1 * len(verdicts)


# -- real curves -----------------------------------------------------------------------------------------
def test_real_curves_of_the_bundled_corpora_read_as_expected():
    curves = json.loads(REAL_CURVES.read_text(encoding="utf-8"))
    assert len(curves) >= 2
    for curve in curves:
        reading = read_curve(curve["points"])
        assert reading.verdict == curve["expected"], (curve["name"], reading.reading)
        assert reading.expected_gain["low"] <= reading.expected_gain["estimate"] <= reading.expected_gain["high"]
        assert reading.meaningful_gain >= MEANINGFUL_GAIN
