"""Nielsen's runs as presets (backprop.explain.presets): the presets validate as the form's input and
scale λ to keep λ/n, everything else is the book's, and "ours" is picked as the book picked its figure."""

import pytest

from backprop.explain import presets
from backprop.page import params
from backprop.page.params import FIELDS


# -- the presets -------------------------------------------------------------------------------------
def test_every_preset_is_valid_form_input_on_the_subset_and_on_full_mnist():
    for n in (10_000, 50_000, 1_234):
        for key in presets.BY_KEY:
            p = presets.params_for(key, n)
            assert params.validate_params(p, n) == {**params.DEFAULTS, **p}, key  # unchanged by the checks
            fixed = presets.BY_KEY[key]["n_train"]
            assert p["train_size"] == (n if fixed is None else min(fixed, n)) and p["seed"] == presets.SEED


@pytest.mark.parametrize("n, want", [(50_000, 5.0), (10_000, 1.0), (2_500, 0.25), (1, 1e-4)])
def test_lambda_keeps_the_books_lambda_over_n(n, want):
    # the oracle: the book's λ = 5.0 on 50,000 digits is λ/n = 1e-4 (more_data's lmbda = size * 0.0001)
    assert presets.params_for("ch3-l2", n)["lmbda"] == pytest.approx(want, rel=1e-15)
    assert presets.params_for("ch3-l2", n)["lmbda"] / n == pytest.approx(1e-4, rel=1e-15)
    assert presets.params_for("ch3-cross-entropy", n)["lmbda"] == 0.0  # no λ stays no λ
    with pytest.raises(ValueError, match="positive whole number"):
        presets.scale_lmbda(5.0, 0)


def test_everything_but_lambda_is_the_books():
    for key, p in presets.BY_KEY.items():
        mine = presets.params_for(key, 10_000)
        fixed = p["n_train"] is not None  # chapter 5's own 1,000 digits: λ as the book's too
        for name in presets.SETTINGS:
            if (name != "lmbda" or fixed) and not (name == "epochs" and p["subset_epochs"]):
                assert mine[name] == p["book_params"][name], (key, name)
        assert mine["epochs"] == (p["subset_epochs"] or p["book_params"]["epochs"])  # fewer on the subset
        assert p["book"]["n_train"] == (p["n_train"] if fixed else 50_000) and p["book"]["n_eval"] == 10_000
        assert p["book"]["measured_on"] in presets.MEASURED_ON
        assert p["book_params"]["cost"] in FIELDS["cost"]["values"]


def test_the_runs_the_issue_names_are_there_with_the_books_figures():
    got = {
        k: (
            p["book_params"]["hidden"],
            p["book_params"]["cost"],
            p["book_params"]["eta"],
            p["book_params"]["lmbda"],
            p["book_params"]["weight_init"],
            p["book"]["accuracy"],
        )
        for k, p in presets.BY_KEY.items()
    }
    assert got["ch1-quadratic"] == ([30], "quadratic", 3.0, 0.0, "large", 0.9542)
    assert got["ch3-cross-entropy"] == ([30], "cross-entropy", 0.5, 0.0, "large", 0.9549)
    assert got["ch3-l2"] == ([30], "cross-entropy", 0.5, 5.0, "large", 0.9649)
    assert got["ch3-100-l2"] == ([100], "cross-entropy", 0.5, 5.0, "large", 0.9792)
    assert presets.BY_KEY["ch3-100-l2"]["book"]["measured_on"] == "validation"
    assert {got["ch3-init-large"][4], got["ch3-init-default"][4]} == {"large", "default"}


def test_ours_is_picked_as_the_book_picked_its_figure():
    acc = [0.5, 0.9, 0.7, 0.9, 0.8]
    book = lambda rule, epochs=5: {"book": {"epoch": rule}, "book_params": {"epochs": epochs}}
    assert presets.ours(book("best"), acc) == (0.9, 2)  # the first epoch at the peak
    assert presets.ours(book("final"), acc) == (0.8, 5)
    assert presets.ours(book("final", epochs=30), acc) is None  # a stopped run has no final figure
    assert presets.ours(book(1), acc) == (0.5, 1)
    assert presets.ours(book(7), acc) is None
    assert presets.ours(book("best"), []) is None


def test_chapter_5_and_6_runs_carry_the_books_figures():
    depth = {k: p["book"]["accuracy"] for k, p in presets.BY_KEY.items() if k.startswith("ch5-depth")}
    assert depth == {"ch5-depth-1": 0.9648, "ch5-depth-2": 0.9690, "ch5-depth-3": 0.9657, "ch5-depth-4": 0.9653}
    speed = presets.BY_KEY["ch5-speed-4"]
    assert speed["book"]["speeds"] == [0.003, 0.017, 0.070, 0.285] and speed["book"]["accuracy"] is None
    p = presets.params_for("ch5-speed-2", 10_000)
    assert (p["hidden"], p["train_size"], p["batch_size"], p["epochs"], p["eta"], p["lmbda"]) == (
        [30, 30],
        1000,
        1000,
        500,
        0.1,
        5.0,
    )
    assert presets.ours(speed, [0.5, 0.6]) is None  # no accuracy of the book's to set ours beside
    relu = presets.params_for("ch5-speed-relu", 10_000)
    assert relu["activation"] == "relu" and relu["weight_init"] == "he"
    soft = presets.params_for("ch6-softmax", 10_000)
    assert (soft["cost"], soft["output"], soft["epochs"], presets.BY_KEY["ch6-softmax"]["book"]["accuracy"]) == (
        "log-likelihood",
        "softmax",
        60,
        0.978,
    )


def test_chapter_6s_conv_runs_are_network3s_with_the_books_figures():
    book = {"ch6-conv": 0.9878, "ch6-conv-2": 0.9906, "ch6-conv-relu": 0.9923}
    for key, accuracy in book.items():
        p = presets.BY_KEY[key]
        assert p["book"]["accuracy"] == accuracy and p["book"]["measured_on"] == "test"
        full = presets.params_for(key, 50_000)  # full MNIST: the book's run itself, 60 epochs
        assert (full["epochs"], full["batch_size"], full["hidden"], full["cost"]) == (60, 10, [100], "log-likelihood")
        assert presets.params_for(key, 10_000)["epochs"] == 10  # on the subset: fewer epochs
        net = params.network_of(params.validate_params(full, 50_000))
        assert net.layers[0].filters == 20 and net.layers[0].kernel == 5 and net.layers[1].size == 2
    assert presets.params_for("ch6-conv", 50_000)["convolutions"] == "conv:20:5:sigmoid,pool:2"
    relu = presets.params_for("ch6-conv-relu", 50_000)
    assert relu["convolutions"] == "conv:20:5:relu,pool:2,conv:40:5:relu,pool:2" and relu["activation"] == "relu"
    # network3's λ = 0.1 with mini-batches of 10 decays as network2's λ = 1.0; λ/n kept on the subset
    assert (relu["eta"], relu["lmbda"], presets.params_for("ch6-conv-relu", 10_000)["lmbda"]) == (0.03, 1.0, 0.2)
    assert presets.params_for("ch6-softmax", 10_000)["convolutions"] == ""
