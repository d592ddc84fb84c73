"""The core network against independent oracles: finite differences and a per-example loop."""

import warnings

import numpy as np
import pytest

import backprop
from backprop import CrossEntropyCost, Network, QuadraticCost

COSTS = [CrossEntropyCost, QuadraticCost]


def small_batch(m=6, n_in=5, n_out=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((m, n_in)), rng.integers(0, n_out, size=m)


def one_hot(y, n):
    out = np.zeros((len(y), n))
    out[np.arange(len(y)), y] = 1.0
    return out


def summed_cost(net, x, y):
    """Cost summed over the batch, as a function of the current parameters (no L2 term)."""
    return net.cost.fn(net.feedforward(x), one_hot(y, net.sizes[-1]))


@pytest.mark.parametrize("cost", COSTS)
def test_backprop_matches_central_differences(cost):
    net = Network([5, 4, 4, 3], cost=cost, seed=3)
    x, y = small_batch()
    nabla_b, nabla_w = net.backprop(x, y)
    h = 1e-6
    worst = 0.0
    for params, grads in ((net.weights, nabla_w), (net.biases, nabla_b)):
        for p, g in zip(params, grads):
            assert g.shape == p.shape
            numeric = np.zeros_like(p)
            for idx in np.ndindex(p.shape):
                old = p[idx]
                p[idx] = old + h
                c_plus = summed_cost(net, x, y)
                p[idx] = old - h
                c_minus = summed_cost(net, x, y)
                p[idx] = old
                numeric[idx] = (c_plus - c_minus) / (2 * h)
            rel = np.linalg.norm(g - numeric) / max(np.linalg.norm(g) + np.linalg.norm(numeric), 1e-12)
            worst = max(worst, rel)
    assert worst <= 1e-6, f"relative gradient error {worst:.2e}"


def per_example_gradient(net, x, y):
    """network2's way: column vectors, one example at a time, gradients summed. The oracle."""
    sig = lambda z: 1.0 / (1.0 + np.exp(-z))
    nabla_b = [np.zeros_like(b) for b in net.biases]
    nabla_w = [np.zeros_like(w) for w in net.weights]
    for xi, yi in zip(x, one_hot(y, net.sizes[-1])):
        a, activations, zs = xi[:, None], [xi[:, None]], []
        for w, b in zip(net.weights, net.biases):
            z = w @ a + b
            zs.append(z)
            a = sig(z)
            activations.append(a)
        if net.cost is CrossEntropyCost:
            delta = a - yi[:, None]
        else:
            delta = (a - yi[:, None]) * sig(zs[-1]) * (1 - sig(zs[-1]))
        nabla_b[-1] += delta
        nabla_w[-1] += delta @ activations[-2].T
        for l in range(2, net.num_layers):
            s = sig(zs[-l])
            delta = (net.weights[-l + 1].T @ delta) * s * (1 - s)
            nabla_b[-l] += delta
            nabla_w[-l] += delta @ activations[-l - 1].T
    return nabla_b, nabla_w


@pytest.mark.parametrize("cost", COSTS)
def test_vectorised_backprop_equals_per_example_loop(cost):
    net = Network([5, 7, 6, 3], cost=cost, seed=11)
    x, y = small_batch(m=9)
    for got, want in zip(net.backprop(x, y), per_example_gradient(net, x, y)):
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=0, atol=1e-10)


@pytest.mark.parametrize("cost", COSTS)
def test_update_mini_batch_equals_per_example_step(cost):
    net = Network([5, 7, 3], cost=cost, seed=5)
    ref_w = [w.copy() for w in net.weights]
    ref_b = [b.copy() for b in net.biases]
    x, y = small_batch(m=8)
    eta, lmbda, n = 0.7, 2.0, 100
    nabla_b, nabla_w = per_example_gradient(net, x, y)
    net.update_mini_batch(x, y, eta, lmbda, n)
    for w, w0, nw in zip(net.weights, ref_w, nabla_w):
        np.testing.assert_allclose(w, (1 - eta * lmbda / n) * w0 - eta / len(x) * nw, rtol=0, atol=1e-10)
    for b, b0, nb in zip(net.biases, ref_b, nabla_b):
        np.testing.assert_allclose(b, b0 - eta / len(x) * nb, rtol=0, atol=1e-10)


def test_one_hot_and_integer_labels_give_the_same_gradient():
    net = Network([5, 4, 3], seed=2)
    x, y = small_batch()
    for a, b in zip(net.backprop(x, y)[1], net.backprop(x, one_hot(y, 3))[1]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cost", COSTS)
def test_saturated_outputs_give_finite_costs_without_warnings(cost):
    z = np.array([[500.0, -500.0, 0.0], [-500.0, 500.0, 30.0]])
    a = backprop.sigmoid(z)
    y = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])  # saturated and wrong
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
            c = cost.fn(a, y)
            d = cost.delta(z, a, y)
            assert np.isfinite(c) and c > 0
            assert np.all(np.isfinite(d))
            # a whole network driven into saturation: huge inputs through large weights
            net = Network([3, 4, 2], cost=cost, seed=0, weight_init="large")
            net.weights = [w * 200 for w in net.weights]
            x = np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 0.0]])
            assert np.isfinite(net.total_cost(x, [0, 1], lmbda=1.0))
            nb, nw = net.backprop(x, [1, 0])
            assert all(np.all(np.isfinite(g)) for g in nb + nw)


def test_sigmoid_is_accurate_in_both_tails():
    z = np.array([-700.0, -30.0, 0.0, 30.0, 700.0])
    np.testing.assert_allclose(backprop.sigmoid(z), 1 / (1 + np.exp(-np.clip(z, -700, 700))), rtol=1e-12)
    assert backprop.sigmoid_prime(np.array([0.0]))[0] == 0.25


def test_cross_entropy_matches_formula_for_one_example():
    a = np.array([[0.2, 0.7]])
    y = np.array([[0.0, 1.0]])
    want = -(np.log(0.8) + np.log(0.7))
    assert CrossEntropyCost.fn(a, y) == pytest.approx(want, rel=1e-12)
    assert QuadraticCost.fn(a, y) == pytest.approx(0.5 * (0.04 + 0.09), rel=1e-12)


def test_total_cost_adds_the_l2_term_once():
    net = Network([5, 4, 3], seed=1)
    x, y = small_batch(m=10)
    mean_cost = net.cost.fn(net.feedforward(x), one_hot(y, 3)) / 10
    l2 = 0.5 * 3.0 / 10 * sum(np.sum(w**2) for w in net.weights)
    assert net.total_cost(x, y, lmbda=3.0) == pytest.approx(mean_cost + l2, rel=1e-12)
    assert net.total_cost(x, y) == pytest.approx(mean_cost, rel=1e-12)


def test_accuracy_counts_correct_predictions():
    net = Network([5, 4, 3], seed=1)
    x, _ = small_batch(m=12)
    pred = net.predict(x)
    assert net.accuracy(x, pred) == 12
    assert net.accuracy(x, (pred + 1) % 3) == 0


def test_weight_initialisers_have_the_stated_scale():
    net = Network([1000, 400, 10], seed=0)
    assert net.weights[0].shape == (400, 1000) and net.biases[0].shape == (400, 1)
    assert np.std(net.weights[0]) == pytest.approx(1 / np.sqrt(1000), rel=0.02)
    assert np.std(net.biases[0]) == pytest.approx(1.0, rel=0.1)
    large = Network([1000, 400, 10], seed=0, weight_init="large")
    assert np.std(large.weights[0]) == pytest.approx(1.0, rel=0.02)


def test_seeded_runs_repeat_exactly_and_seeds_differ():
    x, y = small_batch(m=40, seed=4)

    def run(seed):
        net = Network([5, 6, 3], seed=seed)
        h = net.train(x, y, epochs=3, batch_size=7, eta=0.5, lmbda=0.1, eval_data=(x, y))
        return net, h

    (n1, h1), (n2, h2), (n3, _) = run(7), run(7), run(8)
    for a, b in zip(n1.weights, n2.weights):
        np.testing.assert_array_equal(a, b)
    assert h1.to_dict() == h2.to_dict()
    assert not np.array_equal(n1.weights[0], n3.weights[0])


def test_training_does_not_touch_the_global_rng():
    np.random.seed(123)
    before = np.random.random()
    np.random.seed(123)
    x, y = small_batch(m=20)
    Network([5, 4, 3]).train(x, y, 1, 5, 0.1)
    assert np.random.random() == before


def test_train_records_the_four_monitors_and_learns():
    rng = np.random.default_rng(0)
    x = rng.random((300, 4))
    y = (x[:, 0] + x[:, 1] > 1).astype(int)  # a linearly separable toy problem
    net = Network([4, 8, 2], seed=0)
    seen = []
    h = net.train(
        x[:200], y[:200], 15, 10, 1.0, 0.01, eval_data=(x[200:], y[200:]), on_epoch=lambda e, hist: seen.append(e)
    )
    assert seen == list(range(15)) and h.epochs == 15 and not h.stopped
    for series in (h.train_cost, h.train_accuracy, h.eval_cost, h.eval_accuracy):
        assert len(series) == 15
    assert h.train_cost[-1] < h.train_cost[0]
    assert h.eval_accuracy[-1] > 0.9


def test_monitors_can_be_switched_off_one_by_one():
    x, y = small_batch(m=20)
    h = Network([5, 4, 3], seed=0).train(
        x, y, 2, 5, 0.1, eval_data=(x, y), monitor_train_cost=False, monitor_eval_accuracy=False
    )
    assert h.train_cost == [] and h.eval_accuracy == []
    assert len(h.train_accuracy) == 2 and len(h.eval_cost) == 2
    h = Network([5, 4, 3], seed=0).train(x, y, 2, 5, 0.1)
    assert h.eval_cost == [] and h.eval_accuracy == [] and len(h.train_cost) == 2


def test_should_stop_ends_mid_epoch_and_keeps_what_was_learned():
    x, y = small_batch(m=100)
    net = Network([5, 4, 3], seed=0)
    w0 = net.weights[0].copy()
    calls = []

    def stop():
        calls.append(1)
        return len(calls) >= 3

    h = net.train(x, y, epochs=5, batch_size=10, eta=0.5, should_stop=stop)
    assert len(calls) == 3 and h.stopped and h.epochs == 0
    assert not np.array_equal(net.weights[0], w0)


def test_train_steps_yields_every_mini_batch():
    x, y = small_batch(m=25)
    steps = list(Network([5, 4, 3], seed=0).train_steps(x, y, 2, 10, 0.5))
    assert [(p.epoch, p.batch, p.examples) for p in steps] == [
        (0, 1, 10),
        (0, 2, 20),
        (0, 3, 25),
        (1, 1, 10),
        (1, 2, 20),
        (1, 3, 25),
    ]
    assert [p.epoch_done for p in steps] == [False, False, True] * 2
    assert steps[-1].history.epochs == 2


def test_float32_option_trains_in_float32():
    x, y = small_batch(m=30)
    net = Network([5, 4, 3], seed=0, dtype=np.float32)
    net.train(x, y, 2, 10, 0.5, 0.1)
    assert all(w.dtype == np.float32 for w in net.weights + net.biases)
    assert net.feedforward(x).dtype == np.float32
    ref = Network([5, 4, 3], seed=0)
    ref.train(x, y, 2, 10, 0.5, 0.1)
    np.testing.assert_allclose(net.weights[0], ref.weights[0], atol=1e-5)


def test_a_zip_and_lists_are_accepted_as_eval_pair():
    x, y = small_batch(m=10)
    h = Network([5, 4, 3], seed=0).train(x.tolist(), y.tolist(), 1, 5, 0.5, eval_data=[x, y])
    assert len(h.eval_accuracy) == 1


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda n, x, y: n.train(x, y, 1, 5, -0.5), "eta must be a positive finite number, got -0.5"),
        (lambda n, x, y: n.train(x, y, 1, 5, float("nan")), "eta"),
        (lambda n, x, y: n.train(x, y, 1, 5, 0.5, lmbda=-1), "lmbda must be a non-negative finite number, got -1"),
        (lambda n, x, y: n.train(x, y, 1, 0, 0.5), "batch_size must be a positive integer, got 0"),
        (lambda n, x, y: n.train(x, y, 1.5, 5, 0.5), "epochs must be a non-negative integer, got 1.5"),
        (lambda n, x, y: n.train(x, y, 1, 5, 0.5, eval_data=x), "eval_data must be a pair"),
        (lambda n, x, y: n.feedforward(x[:, :4]), r"expected inputs of shape \(m, 5\), got \(6, 4\)"),
        (lambda n, x, y: n.feedforward(np.full((2, 5), np.nan)), "NaN"),
        (lambda n, x, y: n.feedforward(np.array([["a"] * 5])), "numeric"),
        (lambda n, x, y: n.backprop(x, y[:4]), r"expected 6 integer labels"),
        (lambda n, x, y: n.backprop(x, y + 3), r"label \d is out of range: expected 0..2"),
        (lambda n, x, y: n.backprop(x, y + 0.5), "labels must be integers"),
        (lambda n, x, y: n.update_mini_batch(x, y, 0.5, 0.0, 0), "n must be a positive integer, got 0"),
        (lambda n, x, y: n.total_cost(x[:0], y[:0]), "at least one example"),
        (lambda n, x, y: n.train(x[:0], y[:0], 1, 5, 0.5), "training data is empty"),
    ],
)
def test_bad_input_raises_a_clear_error(call, message):
    net = Network([5, 4, 3], seed=0)
    x, y = small_batch()
    with pytest.raises((ValueError, TypeError), match=message):
        call(net, x, y)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(sizes=[784]), "at least an input and an output"),
        (dict(sizes=[784, 0, 10]), r"sizes\[1\] must be a positive integer, got 0"),
        (dict(sizes=[784, 30.5, 10]), r"sizes\[1\]"),
        (dict(sizes=5), "sizes must be a list"),
        (dict(sizes=[4, 3], cost="hinge"), "unknown cost 'hinge'"),
        (dict(sizes=[4, 3], weight_init="xavier"), "weight_init must be one of"),
        (dict(sizes=[4, 3], dtype=np.int32), "dtype must be float32 or float64"),
    ],
)
def test_bad_constructor_arguments(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Network(**kwargs)


def test_cost_lookup_by_name_and_alias():
    assert backprop.get_cost("cross-entropy") is CrossEntropyCost
    assert backprop.get_cost("Quadratic") is QuadraticCost
    assert backprop.get_cost("CrossEntropyCost") is CrossEntropyCost
    assert Network([3, 2], cost="quadratic").cost is QuadraticCost


def test_cost_and_accuracy_is_total_cost_and_accuracy_in_one_pass():
    net = Network([5, 4, 3], seed=1)
    x, y = small_batch(m=12)
    cost, acc = net.cost_and_accuracy(x, y, lmbda=2.0)
    assert cost == net.total_cost(x, y, lmbda=2.0)
    assert acc == net.accuracy(x, y) / 12


@pytest.mark.parametrize(
    "rows, bad_row",
    [
        ([[1, 0, 0], [0, 1, 1]], 1),  # two 1s
        ([[0, 0, 0], [0, 1, 0]], 0),  # no 1
        ([[1, 0, 0], [0, 0.5, 0.5]], 1),  # not 0/1
        ([[1, 0, 0], [0, np.nan, 1]], 1),
    ],
)
def test_one_hot_targets_must_be_rows_with_a_single_1(rows, bad_row):
    net = Network([2, 3], seed=0)
    with pytest.raises(ValueError, match=f"one-hot targets .* row {bad_row} is"):
        net.backprop(np.zeros((2, 2)), np.array(rows, dtype=float))


def test_empty_batches_and_eval_sets_are_value_errors():
    net = Network([2, 3], seed=0)
    with pytest.raises(ValueError, match="at least one example"):
        net.update_mini_batch(np.zeros((0, 2)), np.zeros(0, dtype=int), 0.5, 0.0, 10)
    with pytest.raises(ValueError, match="eval_data is empty"):
        net.train(
            np.zeros((4, 2)), np.zeros(4, dtype=int), 1, 2, 0.5, eval_data=(np.zeros((0, 2)), np.zeros(0, dtype=int))
        )


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow on the way to divergence is the point
def test_divergence_raises_before_the_bad_step_and_names_the_batch():
    rng = np.random.default_rng(0)
    x, y = rng.random((200, 20)), rng.integers(0, 3, 200)
    steps = []
    net = Network([20, 8, 3], seed=1)
    with pytest.raises(backprop.Diverged) as e:
        for _ in net.train_steps(x, y, 5, 10, 1e9, 5000.0, monitor_train_cost=False, monitor_train_accuracy=False):
            steps.append(([w.copy() for w in net.weights], [b.copy() for b in net.biases]))
    assert isinstance(e.value, ArithmeticError) and e.value.what in ("cost", "weights")
    assert (e.value.epoch - 1) * 20 + e.value.batch == len(steps) + 1  # 1-based, where it happened
    assert f"at epoch {e.value.epoch}, batch {e.value.batch}" in str(e.value)
    if e.value.what == "cost":  # the bad step was not applied: the weights are the last good ones
        assert net.weights_finite()
        for a, b in zip(net.weights + net.biases, steps[-1][0] + steps[-1][1]):
            np.testing.assert_array_equal(a, b)


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
    np.testing.assert_allclose(hb.train_cost, ha.train_cost, rtol=1e-12)  # chunked monitor: same sum order aside
    with pytest.raises(TypeError, match="must be integers"):
        next(b.train_steps(x_u8 / 255.0, y, 1, 16, 0.5, x_divisor=255.0))
    with pytest.raises(ValueError, match="x_divisor"):
        next(b.train_steps(x_u8, y, 1, 16, 0.5, x_divisor=0))


def test_the_monitor_sees_every_training_digit_in_chunks(synthetic_digits):
    _, full = synthetic_digits(5_100, 120, seed=1, ink=200)  # more than two chunks of 2,500, and a tail
    x_u8 = full["x_train"]
    net = backprop.Network([784, 6, 10], seed=1)
    np.testing.assert_allclose(net._output_of_raw(x_u8, 255.0), net.feedforward(x_u8 / 255.0), rtol=1e-12)
