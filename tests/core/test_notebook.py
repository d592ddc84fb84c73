"""backprop.notebook: the seed notebook's names and its three lines, on a small slice of MNIST."""

import numpy as np
import pytest

import backprop
from backprop import notebook
from backprop.notebook import (
    NN,
    CrossEntropyCost,
    MSE_cost,
    load_data_wrapper,
    one_hot_encoding,
    relu,
    sigmoid,
    sigmoid_prime,
    vectorized_result,
)


@pytest.fixture(scope="module")
def data(small_mnist):
    return small_mnist()


@pytest.fixture
def small_wrapper(monkeypatch, data):
    """load_data_wrapper() reads the small slice instead of all of MNIST."""
    monkeypatch.setattr(notebook.mnist, "load_data", lambda directory=None, dtype=np.float64: data)


def test_the_notebooks_three_lines_train(small_wrapper, capsys):
    training_data, validation_data, test_data = load_data_wrapper()
    assert isinstance(training_data, zip) and isinstance(test_data, zip)
    learner = NN([784, 30, 10], seed=1)  # seeded: unseeded, about 1 run in 75 stayed under 40 %
    result = learner.trainer(training_data, 2, 10, 3.0, 0.1, eval_data=test_data)
    assert result == ([], [], [], [])  # no print flag, no monitor
    out = capsys.readouterr().out
    assert "Epoch 1 training complete" in out and "Epoch 2 training complete" in out
    test = list(load_data_wrapper()[2])
    correct = learner.accuracy(test)
    assert isinstance(correct, int)
    assert correct > 0.4 * len(test)  # chance is 10 %; eta = 3.0 is harsh for cross-entropy: ~55-75 % here


def test_load_data_wrapper_formats(small_wrapper):
    training, validation, test = (list(d) for d in load_data_wrapper())
    assert (len(training), len(validation), len(test)) == (1000, 200, 200)
    x, y = training[0]
    assert x.shape == (784, 1) and y.shape == (10, 1) and y.sum() == 1.0
    assert 0.0 <= x.min() and x.max() <= 1.0
    xv, yv = validation[0]
    assert xv.shape == (784, 1) and isinstance(yv, int) and 0 <= yv <= 9


@pytest.mark.parametrize(
    "flag, label, index",
    [
        ("print_eval_cost", "Cost on evaluation data", 0),
        ("print_eval_acc", "Accuracy on evaluation data", 1),
        ("print_train_cost", "Cost on training data", 2),
        ("print_train_acc", "Accuracy on training data", 3),
    ],
)
def test_each_print_flag_controls_only_its_own_monitor(data, capsys, flag, label, index):
    (x, y), _, (xt, yt) = data
    training = zip(list(x[:300, :, None]), [vectorized_result(v) for v in y[:300]])
    evaluation = zip(list(xt[:100, :, None]), [int(v) for v in yt[:100]])
    results = NN([784, 20, 10], seed=3).trainer(training, 2, 10, 0.5, 0.1, eval_data=evaluation, **{flag: True})
    for i, values in enumerate(results):
        assert len(values) == (2 if i == index else 0)
    out = capsys.readouterr().out
    labels = [
        "Cost on evaluation data",
        "Accuracy on evaluation data",
        "Cost on training data",
        "Accuracy on training data",
    ]
    for other in labels:
        assert out.count(other) == (2 if other == label else 0)
    values = results[index]
    if "acc" in flag:  # counts, as in network2
        n = 100 if "eval" in flag else 300
        assert all(isinstance(v, int) and 0 <= v <= n for v in values)
        assert f"{values[-1]} / {n}" in out
    else:
        assert all(isinstance(v, float) and v > 0 for v in values)
        assert f"{values[-1]:.6f}" in out


def test_returned_figures_match_the_network(data):
    (x, y), _, (xt, yt) = data
    training = [(a[:, None], vectorized_result(b)) for a, b in zip(x[:200], y[:200])]
    test = [(a[:, None], int(b)) for a, b in zip(xt[:50], yt[:50])]
    learner = NN([784, 10, 10], seed=0)
    eval_cost, eval_acc, train_cost, train_acc = learner.trainer(
        training,
        1,
        10,
        0.5,
        5.0,
        eval_data=test,
        print_eval_cost=True,
        print_eval_acc=True,
        print_train_cost=True,
        print_train_acc=True,
    )
    assert eval_acc == [learner.accuracy(test)]
    assert train_acc == [learner.accuracy(training, convert=True)]
    assert eval_cost[0] == pytest.approx(learner.total_cost(test, 5.0, convert=True))
    assert train_cost[0] == pytest.approx(learner.total_cost(training, 5.0))
    assert train_cost[0] == pytest.approx(learner.net.total_cost(x[:200], y[:200], 5.0))


def test_bad_notebook_calls_are_clear(data):
    (x, y), _, _ = data
    training = zip(list(x[:20, :, None]), [vectorized_result(v) for v in y[:20]])
    learner = NN([784, 5, 10], seed=0)
    learner.trainer(training, 1, 10, 0.5, 0.0)
    with pytest.raises(ValueError, match="zip"):  # a used-up zip
        learner.trainer(training, 1, 10, 0.5, 0.0)
    with pytest.raises(ValueError, match="eval_data"):
        learner.trainer([(x[0][:, None], 3)], 1, 10, 0.5, 0.0, print_eval_acc=True)
    with pytest.raises(ValueError, match="784"):
        learner.trainer([(np.zeros((783, 1)), 3)], 1, 10, 0.5, 0.0)
    with pytest.raises(ValueError, match="eta"):
        learner.trainer([(x[0][:, None], 3)], 1, 10, -1.0, 0.0)
    with pytest.raises(ValueError, match="label 12"):
        vectorized_result(12)


def test_column_methods_agree_with_the_core(data):
    (x, y), _, _ = data
    learner = NN([784, 16, 10], seed=5)
    col, target = x[0][:, None], vectorized_result(y[0])
    zs, activations = learner.forward_propagation(col)
    assert [a.shape for a in activations] == [(784, 1), (16, 1), (10, 1)]
    np.testing.assert_allclose(activations[-1], learner.feedforward(col), rtol=1e-12)
    np.testing.assert_allclose(learner.feedforward(col)[:, 0], learner.net.feedforward(x[0])[0], rtol=1e-12)
    nabla_b, nabla_w = learner.back_propagation(col, target)
    ref_b, ref_w = learner.net.backprop(x[:1], y[:1])
    for a, b in zip(nabla_b + nabla_w, ref_b + ref_w):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    nb_int, _ = learner.backprop(col, int(y[0]))  # an int label works too
    np.testing.assert_allclose(nb_int[-1], ref_b[-1], rtol=1e-12)
    # update_mini_batch on a zip of columns = the core's step on the stacked rows
    twin = NN([784, 16, 10], seed=5)
    learner.update_mini_batch(zip(list(x[:10, :, None]), [vectorized_result(v) for v in y[:10]]), 0.5, 5.0, 1000)
    twin.net.update_mini_batch(x[:10], y[:10], 0.5, 5.0, 1000)
    for a, b in zip(learner.weights + learner.biases, twin.weights + twin.biases):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert not np.allclose(learner.weights[0], NN([784, 16, 10], seed=5).weights[0])


def test_initialize_weight_save_and_load(tmp_path, data):
    learner = NN([784, 12, 10], cost=MSE_cost, seed=2)
    before = [w.copy() for w in learner.weights]
    learner.initialize_weight()
    assert not np.allclose(before[0], learner.weights[0])
    assert abs(learner.weights[0].std() * np.sqrt(784) - 1.0) < 0.1  # N(0, 1/n_in)
    learner.save(tmp_path / "nb.json")
    again = notebook.load(tmp_path / "nb.json")
    assert again.cost is backprop.QuadraticCost and again.sizes == [784, 12, 10]
    col = data[0][0][0][:, None]
    np.testing.assert_allclose(again.feedforward(col), learner.feedforward(col), rtol=1e-12)


def test_helpers():
    assert vectorized_result(3).shape == (10, 1) and vectorized_result(3)[3, 0] == 1.0
    np.testing.assert_array_equal(one_hot_encoding([2, 0]), [[0, 0, 1] + [0] * 7, [1] + [0] * 9])
    np.testing.assert_array_equal(one_hot_encoding(4), vectorized_result(4))
    with pytest.raises(ValueError):
        one_hot_encoding([1, 10])
    np.testing.assert_array_equal(relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])
    assert sigmoid(np.array([0.0]))[0] == 0.5 and sigmoid_prime(np.array([0.0]))[0] == 0.25
    assert CrossEntropyCost is backprop.CrossEntropyCost and MSE_cost is backprop.QuadraticCost
