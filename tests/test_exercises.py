"""Every exercise checker accepts the right answer, rejects a typical wrong one, and handles None."""

import math

import pytest

from nninit import exercises as ex

CASES = [  # checker, right answer (derived here), typical wrong answer
    (ex.check_output_variance, 2.56, 0.01),                      # forgot the factor n
    (ex.check_preserving_std, 1 / math.sqrt(512), 1 / 512),      # variance instead of std
    (ex.check_uniform_variance, 0.01 / 3, 0.01),                 # r² instead of r²/3
    (ex.check_epsilon, math.sqrt(6 / 35), 0.12),                 # the article's ε reused
    (ex.check_glorot_bound, math.sqrt(6 / 400), math.sqrt(2 / 400)),  # the std, not the bound
    (ex.check_article_xavier_ratio, 0.7071, 0.5),                # ratio of variances, not stds
    (ex.check_he_std, 0.0625, 1 / math.sqrt(512)),               # Xavier/LeCun, not He
    (ex.check_leaky_gain, math.sqrt(2 / 1.04), math.sqrt(2)),    # ignored the slope
    (ex.check_relu_xavier_shrink, 2 ** -14.5, 2 ** -30),          # halved the std, not the variance
    (ex.check_critical_gain_tanh, 1.0, math.sqrt(2)),            # ReLU's gain
    (ex.check_relu_gain, 1.4142, 1.0),
    (ex.check_update_ratio, 1e-3, 1e-1),
    (ex.check_selu_fixed_point, (0.0, 1.0), (0.0, 2.0)),
    (ex.check_lsuv_gain_relu, 1.414, 1.0),
]


@pytest.mark.parametrize("check, right, wrong", CASES, ids=[c[0].__name__ for c in CASES])
def test_checker(check, right, wrong):
    assert check(right).ok
    feedback = check(wrong)
    assert not feedback.ok and "Not yet" in repr(feedback)
    unanswered = check(None)
    assert not unanswered.ok and "No answer yet" in repr(unanswered)


def test_feedback_never_prints_the_solution():
    assert "0.0625" not in repr(ex.check_he_std(0.1)) and "0.0625" not in repr(ex.check_he_std(None))


def test_best_scheme():
    table = {"he_normal": 0.98, "xavier_normal": 0.975, "zeros": 0.33}
    assert ex.check_best_scheme("he_normal", table).ok
    assert ex.check_best_scheme("xavier_normal", table).ok      # within 1 %: a tie
    assert not ex.check_best_scheme("zeros", table).ok
    assert not ex.check_best_scheme("he", table).ok              # not a scheme of the table
    assert not ex.check_best_scheme(None, table).ok


def test_non_numeric_answers_are_explained():
    assert "finite number" in repr(ex.check_he_std("0.06"))
    assert "finite number" in repr(ex.check_he_std(float("nan")))
