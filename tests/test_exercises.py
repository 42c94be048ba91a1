"""Every exercise checker: the right answer is accepted (rounded to 2 or 3 significant figures, or as
a right function), a typical wrong one is rejected with a hint, and no hint gives the answer away."""

import math

import numpy as np
import pytest

from nninit import activations, exercises as ex

from errors import raises

# checker, keyword arguments as the notebook passes them, right value (derived here), typical slip
NUMBERS = [
    (ex.check_output_variance, dict(n=256, var_w=0.01, var_x=1.0), 2.56, 0.01),      # forgot the factor n
    (ex.check_preserving_std, dict(n=128), 1 / math.sqrt(128), 1 / 128),             # variance, not std
    (ex.check_uniform_variance, dict(r=0.25), 0.0625 / 3, 0.0625),                   # r², not r²/3
    (ex.check_epsilon, dict(fan_in=784, fan_out=100), math.sqrt(6 / 884), 0.12),      # the article's ε reused
    (ex.check_glorot_bound, dict(), math.sqrt(6 / 400), math.sqrt(2 / 400)),          # the std, not the bound
    (ex.check_article_xavier_ratio, dict(), 1 / math.sqrt(2), 0.5),                  # ratio of variances
    (ex.check_he_std, dict(), math.sqrt(2 / 512), 1 / math.sqrt(512)),               # Xavier/LeCun, not He
    (ex.check_leaky_gain, dict(slope=0.4), math.sqrt(2 / 1.16), math.sqrt(2)),       # the slope forgotten
    (ex.check_relu_xavier_shrink, dict(layers=20), 2 ** -9.5, 2 ** -10),             # L, not L − 1 layers
    (ex.check_critical_gain_tanh, dict(), 1.0, math.sqrt(2)),                        # ReLU's gain
    (ex.check_relu_gain, dict(), math.sqrt(2), 2.0),                                 # g², not g
    (ex.check_lsuv_gain_relu, dict(), math.sqrt(2), 2.0),                            # 1/E[relu²], no root
]
IDS = [c[0].__name__ for c in NUMBERS]


def rounded(x, figures):
    return float(f"{x:.{figures - 1}e}")


@pytest.mark.parametrize("check, kw, right, wrong", NUMBERS, ids=IDS)
@pytest.mark.parametrize("figures", [2, 3])
def test_the_right_answer_rounded_is_accepted(check, kw, right, wrong, figures):
    assert check(rounded(right, figures), **kw).ok
    assert check(right, **kw).ok


@pytest.mark.parametrize("check, kw, right, wrong", NUMBERS, ids=IDS)
def test_a_typical_slip_is_rejected_with_a_hint(check, kw, right, wrong):
    feedback = check(wrong, **kw)
    assert not feedback.ok and "Hint:" in repr(feedback) and repr(feedback).startswith("✘ Not yet.")
    assert "too large" in feedback.message or "too small" in feedback.message


@pytest.mark.parametrize("check, kw, right, wrong", NUMBERS, ids=IDS)
def test_no_hint_gives_the_answer_away(check, kw, right, wrong):
    for answer in (None, wrong, "a string"):
        message = check(answer, **kw).message
        assert "Hint:" in message
        for figures in (2, 3):
            text = f"{rounded(right, figures):g}"
            if len(text.strip("0.")) > 1:        # "1" or "0.5" occur in any formula
                assert text not in message, (answer, text, message)


@pytest.mark.parametrize("check, kw, right, wrong", NUMBERS, ids=IDS)
def test_unanswered_and_non_numbers_are_explained(check, kw, right, wrong):
    assert "No answer yet" in check(None, **kw).message
    for answer in ("0.1", float("nan"), float("inf"), True, [right]):
        feedback = check(answer, **kw)
        assert not feedback.ok and "finite number" in feedback.message


# Rounding: "close", never "too small/large". These are the answers the first edition rejected.
@pytest.mark.parametrize("check, kw, answer", [
    (ex.check_uniform_variance, dict(r=0.25), 0.02),      # 0.0208 to 1 figure
    (ex.check_epsilon, dict(fan_in=784, fan_out=100), 0.08),  # 0.0824 to 1 figure
    (ex.check_glorot_bound, dict(), 0.1),                 # 0.1225 to 1 figure
    (ex.check_glorot_bound, dict(), 0.13),                # an intermediate step rounded: 2.5/20 → 0.125
    (ex.check_he_std, dict(), 0.06),
    (ex.check_preserving_std, dict(n=128), 0.09),
])
def test_an_answer_off_by_rounding_only_is_close(check, kw, answer):
    feedback = check(answer, **kw)
    assert not feedback.ok
    assert feedback.message.startswith("Close") and "3 significant figures" in feedback.message
    assert "too" not in feedback.message


def test_first_edition_rejections_are_now_right():
    assert ex.check_glorot_bound(0.12).ok                 # the number lecture 02 is built on
    assert ex.check_leaky_gain(1.4).ok         # √(2/1.04) = 1.387
    assert ex.check_uniform_variance(0.021, r=0.25).ok
    assert ex.check_epsilon(0.082, fan_in=784, fan_out=100).ok
    assert ex.check_he_std(0.063).ok and ex.check_he_std(0.062).ok   # 0.0625 rounded either way


def test_far_answers_are_not_close():
    assert "too large" in ex.check_critical_gain_tanh(1.19).message   # a slider stop, 3 figures
    assert "too small" in ex.check_glorot_bound(0.03).message
    assert "too large" in ex.check_uniform_variance(0.04, r=0.25).message


@pytest.mark.parametrize("call, arg", [
    (lambda: ex.check_output_variance(1.0, n=0), "n"),
    (lambda: ex.check_output_variance(1.0, var_w=-1.0), "var_w"),
    (lambda: ex.check_output_variance(1.0, var_x=float("nan")), "var_x"),
    (lambda: ex.check_preserving_std(1.0, n=2.5), "n"),
    (lambda: ex.check_uniform_variance(1.0, r="0.1"), "r"),
    (lambda: ex.check_epsilon(1.0, fan_in=-3), "fan_in"),
    (lambda: ex.check_glorot_bound(1.0, fan_out=None), "fan_out"),
    (lambda: ex.check_he_std(1.0, fan_in=True), "fan_in"),
    (lambda: ex.check_leaky_gain(1.0, slope=float("inf")), "slope"),
    (lambda: ex.check_relu_xavier_shrink(1.0, layers=0), "layers"),
    (lambda: ex.check_beyond_seed_spread({"a"}, {"a": float("nan")}, 0.1), "accuracies"),
    (lambda: ex.check_beyond_seed_spread({"a"}, {"a": 1.5}, 0.1), "accuracies"),
    (lambda: ex.check_beyond_seed_spread({"a"}, {"a": "high"}, 0.1), "accuracies"),
    (lambda: ex.check_beyond_seed_spread({"a"}, {}, 0.1), "accuracies"),
    (lambda: ex.check_beyond_seed_spread({"a"}, [("a", 0.9)], 0.1), "accuracies"),
    (lambda: ex.check_beyond_seed_spread({"a"}, {3: 0.9}, 0.1), "accuracies"),
    (lambda: ex.check_beyond_seed_spread({"a"}, {"a": 0.9}, 1.0), "chance"),
    (lambda: ex.check_beyond_seed_spread({"a"}, {"a": 0.9}, None), "chance"),
])
def test_a_checker_rejects_bad_parameters_naming_them(call, arg):
    assert raises((TypeError, ValueError), call, arg).startswith(arg)


def test_beyond_seed_spread():
    table = {"zeros": 0.1, "uniform": 0.949, "he_normal": 0.962, "normal": 0.976, "normal σ=10": None}
    assert ex.check_beyond_seed_spread({"zeros", "normal σ=10"}, table, chance=0.1).ok
    assert ex.check_beyond_seed_spread(["normal σ=10", "zeros"], table, chance=0.1).ok
    wrong = ex.check_beyond_seed_spread({"zeros", "normal σ=10", "uniform"}, table, chance=0.1)
    assert not wrong.ok and "uniform" in wrong.message and "Hint:" in wrong.message
    missing = ex.check_beyond_seed_spread({"zeros"}, table, chance=0.1)
    assert not missing.ok and "Hint:" in missing.message
    assert "not a scheme" in ex.check_beyond_seed_spread({"he"}, table, chance=0.1).message
    assert "set of scheme names" in ex.check_beyond_seed_spread("zeros", table, chance=0.1).message
    assert "No answer yet" in ex.check_beyond_seed_spread(None, table, chance=0.1).message


def test_update_ratio():
    assert ex.check_update_ratio(1e-3).ok and ex.check_update_ratio(2e-3).ok
    assert not ex.check_update_ratio(1e-1).ok and "Hint:" in ex.check_update_ratio(1e-1).message
    assert "positive number" in ex.check_update_ratio(-1e-3).message
    assert "No answer yet" in ex.check_update_ratio(None).message


def test_selu_fixed_point():
    assert ex.check_selu_fixed_point((0.0, 1.0)).ok and ex.check_selu_fixed_point([0.01, 0.98]).ok
    wrong = ex.check_selu_fixed_point((0.0, 2.0))
    assert not wrong.ok and "Hint:" in wrong.message
    assert "pair" in ex.check_selu_fixed_point(1.0).message
    assert "No answer yet" in ex.check_selu_fixed_point(None).message


# --------------------------------------------------------------------------- code exercises
# A right solution, as a student would write it, and the typical mistake with the words its hint
# must contain.


def forward_stds(std_w, n, depth, rng):
    x, stds = rng.standard_normal((1000, n)), []
    for _ in range(depth):
        x = x @ (std_w * rng.standard_normal((n, n)))
        stds.append(x.std())
    return stds


def forward_variances(std_w, n, depth, rng):
    return np.square(forward_stds(std_w, n, depth, rng))


def my_uniform_init(n, m, r, rng):
    return 2 * r * rng.random((n, m)) - r


def my_uniform_init_one_sided(n, m, r, rng):
    return r * rng.random((n, m))


def uniform_with(bound):
    return lambda shape, rng: rng.uniform(-1, 1, shape) * bound(shape)


def saturated_share(net, X):
    return [np.mean(np.abs(a) > activations.TANH_SATURATION) for a in net.probe(X).act[:-1]]


def saturated_share_099(net, X):
    return [np.mean(np.abs(a) > 0.99) for a in net.probe(X).act[:-1]]


def tanh_q(sigma_w2, q1, depth, rng, samples=100_000):
    q = [q1]
    for _ in range(depth - 1):
        z = rng.standard_normal(samples)
        q.append(sigma_w2 * np.mean(np.tanh(np.sqrt(q[-1]) * z) ** 2))
    return q


def tanh_q_no_root(sigma_w2, q1, depth, rng, samples=100_000):
    q = [q1]
    for _ in range(depth - 1):
        z = rng.standard_normal(samples)
        q.append(sigma_w2 * np.mean(np.tanh(q[-1] * z) ** 2))
    return q


def my_orthogonal(n, rng):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


def my_orthogonal_no_signs(n, rng):
    return np.linalg.qr(rng.standard_normal((n, n)))[0]


CODE = [  # checker, right function, typical mistake, words of its hint
    (ex.check_forward_stds, forward_stds, forward_variances, "not variances"),
    (ex.check_my_uniform_init, my_uniform_init, my_uniform_init_one_sided, "[0, 1)"),
    (ex.check_my_glorot_uniform, uniform_with(lambda s: math.sqrt(6 / sum(s))),
     uniform_with(lambda s: math.sqrt(2 / sum(s))), "b²/3"),
    (ex.check_my_he_uniform, uniform_with(lambda s: math.sqrt(6 / s[0])),
     uniform_with(lambda s: math.sqrt(6 / s[1])), "fan_in"),
    (ex.check_saturated_share, saturated_share, saturated_share_099, "TANH_SATURATION"),
    (ex.check_variance_recursion, tanh_q, tanh_q_no_root, "√q·z"),
    (ex.check_my_orthogonal, my_orthogonal, my_orthogonal_no_signs, "sign of R"),
]
CODE_IDS = [c[0].__name__ for c in CODE]


@pytest.mark.parametrize("check, right, wrong, words", CODE, ids=CODE_IDS)
def test_code_checker(check, right, wrong, words):
    assert check(right).ok, check(right)
    feedback = check(wrong)
    assert not feedback.ok and "Hint:" in feedback.message and words in feedback.message, feedback
    assert "No answer yet" in check(None).message
    assert "function itself" in check(3.0).message


@pytest.mark.parametrize("check, right, wrong, words", CODE, ids=CODE_IDS)
def test_code_checker_reports_a_crash_and_a_wrong_shape(check, right, wrong, words):
    def crash(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    assert "raised ZeroDivisionError: division by zero" in check(crash).message
    assert "of shape (3, 5)" in check(lambda *args, **kwargs: np.zeros((3, 5))).message
    assert "No answer yet: the function returns None" in check(lambda *args, **kwargs: None).message


@pytest.mark.parametrize("check", [ex.check_my_uniform_init, ex.check_my_glorot_uniform,
                                   ex.check_my_he_uniform, ex.check_my_orthogonal])
def test_a_draw_that_ignores_rng_is_caught(check):
    right = dict((c[0], c[1]) for c in CODE)[check]

    def global_stream(*args, rng):
        return right(*args, rng=np.random.default_rng())

    assert "same seed" in check(global_stream).message


def test_every_checker_is_tested():
    tested = {c[0] for c in NUMBERS} | {c[0] for c in CODE}
    tested |= {ex.check_beyond_seed_spread, ex.check_update_ratio, ex.check_selu_fixed_point}
    from test_exercises_08 import TESTED as lecture_08                 # its own file (lecture 08's owner)
    tested |= lecture_08
    checkers = {getattr(ex, name) for name in dir(ex) if name.startswith("check_")}
    assert checkers == tested
