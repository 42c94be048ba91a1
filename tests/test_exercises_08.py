"""Lecture 08's exercise checkers: right answers (rounded) accepted, typical slips rejected with a hint
that does not give the answer, bad checker parameters named, the code checker's verdicts."""

import math

import numpy as np
import pytest

from nninit import exercises as ex
from test_exercises import rounded

from errors import raises

# checker, keyword arguments, right value (derived here), typical slip
NUMBERS = [
    (ex.check_initial_loss, dict(classes=100), math.log(100), math.log10(100)),          # log base 10
    (ex.check_prior_loss, dict(prior=(0.7, 0.2, 0.1)),
     -(0.7 * math.log(0.7) + 0.2 * math.log(0.2) + 0.1 * math.log(0.1)), math.log(3)),   # ln C, prior ignored
    (ex.check_gpt2_std, dict(n_layer=24), 0.02 / math.sqrt(48), 0.02 / math.sqrt(24)),  # 1 branch/layer
    (ex.check_residual_growth, dict(blocks=64), math.sqrt((1 + 1 / 64) ** 64), math.e),  # variance, e
]
IDS = [c[0].__name__ for c in NUMBERS]
TESTED = {c[0] for c in NUMBERS} | {ex.check_output_bias}      # test_exercises.py checks none is missing


@pytest.mark.parametrize("check, kw, right, wrong", NUMBERS, ids=IDS)
def test_right_answers_rounded_are_accepted_and_slips_rejected_without_the_answer(check, kw, right, wrong):
    for figures in (2, 3):
        assert check(rounded(right, figures), **kw).ok
    feedback = check(wrong, **kw)
    assert not feedback.ok and "Hint:" in feedback.message
    assert "too large" in feedback.message or "too small" in feedback.message
    for answer in (None, wrong, "text"):
        message = check(answer, **kw).message
        for figures in (2, 3):
            assert f"{rounded(right, figures):g}" not in message


@pytest.mark.parametrize("call, arg", [
    (lambda: ex.check_initial_loss(1.0, classes=1), "classes"),
    (lambda: ex.check_initial_loss(1.0, classes=2.5), "classes"),
    (lambda: ex.check_prior_loss(1.0, prior=(0.5, 0.6)), "prior"),
    (lambda: ex.check_prior_loss(1.0, prior=(1.0,)), "prior"),
    (lambda: ex.check_prior_loss(1.0, prior="0.5 0.5"), "prior"),
    (lambda: ex.check_gpt2_std(1.0, n_layer=0), "n_layer"),
    (lambda: ex.check_residual_growth(1.0, blocks=-2), "blocks"),
])
def test_bad_checker_parameters_are_named(call, arg):
    assert raises((TypeError, ValueError), call, arg).startswith(arg)


def test_output_bias_checker():
    def log_prior(y, n_classes):
        return np.log(np.bincount(y, minlength=n_classes) / len(y))

    assert ex.check_output_bias(log_prior).ok
    assert ex.check_output_bias(lambda y, n: log_prior(y, n) + 3.0).ok          # softmax ignores a shift
    shares = ex.check_output_bias(lambda y, n: np.bincount(y, minlength=n) / len(y))
    assert not shares.ok and "exponentiates" in shares.message
    uniform = ex.check_output_bias(lambda y, n: np.zeros(n))
    assert not uniform.ok and "Hint:" in uniform.message
    assert "No answer yet" in ex.check_output_bias(None).message
    assert "raised ZeroDivisionError" in ex.check_output_bias(lambda y, n: 1 / 0).message
    assert "shape" in ex.check_output_bias(lambda y, n: np.zeros(n + 1)).message
