"""Nielsen's runs as presets, and full MNIST in the page: the presets validate and scale λ to keep λ/n,
"ours" is picked as the book picked its figure, the session switches its digits (and back), a run on
raw uint8 digits divided per mini-batch equals one on floats, and build.py's full-MNIST file."""

import os

import numpy as np
import pytest

import backprop
from backprop.explain import presets
from backprop.page import params
from backprop.page import session as browser
from backprop.data import mnist
from backprop.page.params import FIELDS

from ci_support import skip_or_fail


# -- the presets -------------------------------------------------------------------------------------
def test_every_preset_is_valid_form_input_on_the_subset_and_on_full_mnist():
    for n in (10_000, 50_000, 1_234):
        for key in presets.BY_KEY:
            p = presets.params_for(key, n)
            assert params.validate_params(p, n) == {**params.DEFAULTS, **p}, key    # unchanged by the checks
            assert p["train_size"] == n and p["seed"] == presets.SEED


@pytest.mark.parametrize("n, want", [(50_000, 5.0), (10_000, 1.0), (2_500, 0.25), (1, 1e-4)])
def test_lambda_keeps_the_books_lambda_over_n(n, want):
    # the oracle: the book's λ = 5.0 on 50,000 digits is λ/n = 1e-4 (more_data's lmbda = size * 0.0001)
    assert presets.params_for("ch3-l2", n)["lmbda"] == pytest.approx(want, rel=1e-15)
    assert presets.params_for("ch3-l2", n)["lmbda"] / n == pytest.approx(1e-4, rel=1e-15)
    assert presets.params_for("ch3-cross-entropy", n)["lmbda"] == 0.0          # no λ stays no λ
    with pytest.raises(ValueError, match="positive whole number"):
        presets.scale_lmbda(5.0, 0)


def test_everything_but_lambda_is_the_books():
    for key, p in presets.BY_KEY.items():
        mine = presets.params_for(key, 10_000)
        for name in presets.SETTINGS:
            if name != "lmbda":
                assert mine[name] == p["book_params"][name], (key, name)
        assert p["book"]["n_train"] == 50_000 and p["book"]["n_eval"] == 10_000
        assert p["book"]["measured_on"] in presets.MEASURED_ON
        assert p["book_params"]["cost"] in FIELDS["cost"]["values"]


def test_the_runs_the_issue_names_are_there_with_the_books_figures():
    got = {k: (p["book_params"]["hidden"], p["book_params"]["cost"], p["book_params"]["eta"],
               p["book_params"]["lmbda"], p["book_params"]["weight_init"], p["book"]["accuracy"])
           for k, p in presets.BY_KEY.items()}
    assert got["ch1-quadratic"] == ([30], "quadratic", 3.0, 0.0, "large", 0.9542)
    assert got["ch3-cross-entropy"] == ([30], "cross-entropy", 0.5, 0.0, "large", 0.9549)
    assert got["ch3-l2"] == ([30], "cross-entropy", 0.5, 5.0, "large", 0.9649)
    assert got["ch3-100-l2"] == ([100], "cross-entropy", 0.5, 5.0, "large", 0.9792)
    assert presets.BY_KEY["ch3-100-l2"]["book"]["measured_on"] == "validation"
    assert {got["ch3-init-large"][4], got["ch3-init-default"][4]} == {"large", "default"}


def test_ours_is_picked_as_the_book_picked_its_figure():
    acc = [0.5, 0.9, 0.7, 0.9, 0.8]
    book = lambda rule, epochs=5: {"book": {"epoch": rule}, "book_params": {"epochs": epochs}}
    assert presets.ours(book("best"), acc) == (0.9, 2)                # the first epoch at the peak
    assert presets.ours(book("final"), acc) == (0.8, 5)
    assert presets.ours(book("final", epochs=30), acc) is None       # a stopped run has no final figure
    assert presets.ours(book(1), acc) == (0.5, 1)
    assert presets.ours(book(7), acc) is None
    assert presets.ours(book("best"), []) is None


# -- raw digits divided per mini-batch ---------------------------------------------------------------
def test_training_on_uint8_with_a_divisor_equals_training_on_floats(synthetic_digits):
    _, full = synthetic_digits(300, 120, seed=1, ink=200)
    x_u8, y = full["x_train"], full["y_train"].astype(int)
    ev = (full["x_test"] / 255.0, full["y_test"].astype(int))
    a = backprop.Network([784, 12, 10], seed=7)
    b = backprop.Network([784, 12, 10], seed=7)
    ha = a.train(x_u8 / 255.0, y, 3, 16, 0.5, 1.0, eval_data=ev)
    hb = None
    steps = b.train_steps(x_u8, y, 3, 16, 0.5, 1.0, eval_data=ev, x_divisor=255.0)
    for progress in steps:
        hb = progress.history
    for wa, wb in zip(a.weights + a.biases, b.weights + b.biases):
        np.testing.assert_array_equal(wa, wb)
    assert hb.train_accuracy == ha.train_accuracy and hb.eval_cost == ha.eval_cost
    np.testing.assert_allclose(hb.train_cost, ha.train_cost, rtol=1e-12)    # chunked monitor: same sum order aside
    with pytest.raises(TypeError, match="must be integers"):
        next(b.train_steps(x_u8 / 255.0, y, 1, 16, 0.5, x_divisor=255.0))
    with pytest.raises(ValueError, match="x_divisor"):
        next(b.train_steps(x_u8, y, 1, 16, 0.5, x_divisor=0))


def test_the_monitor_sees_every_training_digit_in_chunks(synthetic_digits):
    _, full = synthetic_digits(5_100, 120, seed=1, ink=200)                     # more than two chunks of 2,500, and a tail
    x_u8, y = full["x_train"], full["y_train"].astype(int)
    net = backprop.Network([784, 6, 10], seed=1)
    np.testing.assert_allclose(net._output_of_raw(x_u8, 255.0), net.feedforward(x_u8 / 255.0), rtol=1e-12)


# -- build.py's full-MNIST file ----------------------------------------------------------------------
def test_build_writes_full_mnist_with_its_size_and_sha256(tmp_path):
    import build
    mnist_dir = os.environ.get("MNIST_DIR")
    if not mnist_dir:
        skip_or_fail("MNIST_DIR is not set (a folder with the four MNIST .gz files)")
    entry = build.write_full_data(tmp_path, mnist_dir, log=lambda *a: None)
    path = tmp_path / build.FULL_DATA_NAME
    assert entry["bytes"] == path.stat().st_size and entry["sha256"] == build.sha256_file(path)
    assert (entry["n_train"], entry["n_test"], entry["url"]) == (50_000, 10_000, "./data/mnist-full.npz")
    got = browser.read_subset(path)
    (x_tr, y_tr), _, (x_te, y_te) = mnist.load_data(mnist_dir, dtype=np.uint8)
    np.testing.assert_array_equal(got["x_train"], x_tr)
    np.testing.assert_array_equal(got["y_test"], y_te)
    assert got["x_train"].dtype == np.uint8 and got["x_test"].shape == (10_000, 784)
    assert entry["bytes"] < 12e6                        # the page states ~10 MB
    assert "unavailable" in build.NO_FULL_DATA and "--full-mnist" in build.NO_FULL_DATA["unavailable"]
