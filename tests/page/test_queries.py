"""What the page's views ask the session (backprop.page.queries), through the wire as the page asks it,
against the library computed independently here: the confusion matrix and its cells, the hidden
units, a drawing read, BP1–BP4 on one digit, the gradient check and a trial step."""

import base64

import numpy as np
import pytest

from backprop import trace
from backprop.data import preprocess

N_TEST = 300


@pytest.fixture
def setup(views):
    """(session, net, the test digits as the network reads them, their labels, their uint8 pixels)."""
    session, net = views
    return session, net, session.x_test, session.y_test, session.x_test_u8


def decode(b64, dtype=np.uint8):
    return np.frombuffer(base64.b64decode(b64), dtype)


def test_confusion_matrix_counts_every_test_digit_once(setup, ask):
    session, net, x, y, _ = setup
    got = ask(session, "confusion", which="model")
    predicted = net.predict(x)
    expected = np.zeros((10, 10), int)
    for t, p in zip(y, predicted):  # the plain loop as the oracle
        expected[t, p] += 1
    assert got["matrix"] == expected.tolist()
    assert got["total"] == N_TEST == sum(map(sum, got["matrix"]))
    assert got["correct"] == ask(session, "evaluate", which="model")["correct"] == int(np.trace(expected))


def test_a_cell_lists_exactly_its_digits_most_confident_first(setup, ask):
    session, net, x, y, x_u8 = setup
    a = net.feedforward(x)
    predicted = a.argmax(axis=1)
    t, p = max(
        ((t, p) for t in range(10) for p in range(10) if t != p),
        key=lambda c: np.sum((y == c[0]) & (predicted == c[1])),
    )  # the busiest wrong cell
    cell = ask(session, "confusion-cell", which="model", true_label=t, predicted=p)
    members = [i for i in range(N_TEST) if y[i] == t and predicted[i] == p]
    assert cell["count"] == len(members) > 0
    assert sorted(cell["indices"]) == members
    confidence = [a[i, p] for i in cell["indices"]]
    assert confidence == sorted(confidence, reverse=True)
    np.testing.assert_array_equal(decode(cell["pixels"]).reshape(-1, 784), x_u8[cell["indices"]])
    np.testing.assert_allclose(cell["outputs"], a[cell["indices"]], atol=1e-4)
    assert ask(session, "confusion-cell", which="model", true_label=t, predicted=p, limit=1)["count"] == len(members)


def test_hidden_units_are_the_weights_on_one_symmetric_scale(setup, ask):
    session, net, *_ = setup
    got = ask(session, "hidden-units", which="model")
    assert [(l["n_out"], l["n_in"]) for l in got["layers"]] == [(16, 784), (10, 16)]
    for layer, w in zip(got["layers"], net.weights):
        q = decode(layer["q"], np.int8).reshape(w.shape).astype(float)
        assert layer["scale"] == pytest.approx(np.quantile(np.abs(w), 0.995))
        assert layer["max"] == pytest.approx(np.abs(w).max())
        inside = np.abs(w) <= layer["scale"]  # shown as they are, to half a level
        np.testing.assert_allclose(
            (q / layer["levels"] * layer["scale"])[inside], w[inside], atol=layer["scale"] / layer["levels"] / 2 + 1e-12
        )
        assert np.all(q[~inside] == np.sign(w[~inside]) * layer["levels"])  # the rest at the ends
        assert inside.mean() >= 0.99


def test_unit_detail_gives_the_digits_exciting_the_unit_most(setup, ask):
    session, net, x, _, _ = setup
    unit = 5
    activation = 1 / (1 + np.exp(-(x @ net.weights[0][unit] + net.biases[0][unit, 0])))
    got = ask(session, "unit-detail", which="model", unit=unit)
    assert got["indices"] == np.argsort(-activation, kind="stable")[:8].tolist()
    np.testing.assert_allclose(got["activations"], np.sort(activation)[::-1][:8], atol=1e-4)
    with pytest.raises(ValueError, match="unit"):
        session.unit_detail("model", 16)


def test_a_drawing_is_preprocessed_then_read(setup, ask):
    session, net, *_ = setup
    ink = np.zeros((280, 280), np.uint8)
    ink[50:230, 120:150] = 255  # a thick vertical bar: a "1"
    got = ask(session, "predict-drawing", ink.tobytes(), which="model", width=280, height=280)
    x = preprocess.mnist_like(ink)
    np.testing.assert_array_equal(decode(got["input"]), np.rint(x * 255).astype(np.uint8))
    a = net.feedforward(x)[0]
    assert got["digit"] == int(a.argmax())
    np.testing.assert_allclose(got["outputs"], a, atol=1e-6)
    with pytest.raises(ValueError, match="280"):
        session.predict_drawing("model", ink.tobytes()[:-1], 280, 280)
    with pytest.raises(ValueError, match="empty"):
        session.predict_drawing("model", bytes(280 * 280), 280, 280)


def test_a_test_digit_is_read_as_it_is(setup, ask):
    session, net, x, y, _ = setup
    got = ask(session, "predict-test-digit", which="model", index=7)
    assert got["label"] == y[7] and got["digit"] == int(net.feedforward(x[7]).argmax())


def test_trace_digit_carries_bp1_to_bp4_as_numbers(setup, ask):
    session, net, x, y, _ = setup
    got = ask(session, "trace-digit", which="model", index=3)
    assert got["label"] == y[3] and got["what"] == "test digit #3"
    want = trace(net, x[3], y[3])
    for shown, layer in zip(got["layers"], want.layers):
        for key in ("z", "a", "f_prime", "delta", "nabla_b"):
            np.testing.assert_allclose(shown[key], getattr(layer, key), rtol=1e-9, atol=1e-14)
        nabla_w = np.frombuffer(base64.b64decode(shown["nabla_w"]), np.float32).reshape(shown["nabla_w_shape"])
        np.testing.assert_allclose(nabla_w, layer.nabla_w, rtol=1e-6, atol=1e-30)
    nabla_b, nabla_w = net.backprop(x[3:4], y[3:4])  # ... which is the library's gradient
    np.testing.assert_allclose(got["layers"][-1]["nabla_b"], nabla_b[-1][:, 0], rtol=1e-9)
    assert [l["equation"] for l in got["layers"]] == ["BP2", "BP1"]


def test_the_cost_switch_shows_bp1s_f_prime(setup, ask):
    session, *_ = setup
    ce = ask(session, "trace-digit", which="model", index=0, cost="cross-entropy")
    quad = ask(session, "trace-digit", which="model", index=0, cost="quadratic")
    a, sp = np.array(ce["layers"][-1]["a"]), np.array(ce["layers"][-1]["f_prime"])
    onehot = np.eye(10)[ce["label"]]
    np.testing.assert_allclose(ce["layers"][-1]["delta"], a - onehot, atol=1e-14)
    np.testing.assert_allclose(quad["layers"][-1]["delta"], (a - onehot) * sp, atol=1e-14)
    assert (quad["cost"], quad["network_cost"]) == ("quadratic", "cross-entropy")


def test_a_drawing_can_be_traced_with_a_chosen_label(setup, ask):
    session, *_ = setup
    with pytest.raises(ValueError, match="nothing has been drawn"):
        session.trace_digit("model", -1)
    ink = np.zeros((280, 280), np.uint8)
    ink[40:240, 120:150] = 255
    guess = ask(session, "predict-drawing", ink.tobytes(), which="model", width=280, height=280)["digit"]
    assert ask(session, "trace-digit", which="model", index=-1)["label"] == guess  # default: the guess
    assert ask(session, "trace-digit", which="model", index=-1, label=7)["label"] == 7


def test_the_gradient_check_passes_and_the_break_switch_fails_it(setup, ask):
    session, *_ = setup
    ok = ask(session, "check-gradient", which="model", index=5)
    assert ok["ok"] and all(l["max_error"] <= 1e-6 for l in ok["layers"])
    broken = ask(session, "check-gradient", which="model", index=5, mistake="bp2-no-sigma-prime")
    assert [l["ok"] for l in broken["layers"]] == [False, True]  # the hidden layer only
    row = broken["layers"][0]["rows"][0]
    assert row[0] in ("w", "b") and len(row) == 6


def test_a_trial_step_lowers_the_cost_and_leaves_the_network(setup, ask):
    session, net, x, y, _ = setup
    before = [w.copy() for w in session.nets["model"].weights]
    got = ask(session, "trial-step", which="model", index=2, eta=0.5)
    assert got["cost_after"] < got["cost_before"]
    assert got["cost_before"] == pytest.approx(net.total_cost(x[2], [y[2]]))
    for w, w0 in zip(session.nets["model"].weights, before):
        np.testing.assert_array_equal(w, w0)
    moved = [abs(m["change"]) for m in got["moved"]]
    assert moved == sorted(moved, reverse=True) and len(moved) == 8
