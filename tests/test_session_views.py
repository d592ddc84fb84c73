"""The session methods behind the page's views (draw, hidden units, confusion matrix, model files),
checked in CPython against the library computed independently here."""

import base64
import json

import numpy as np
import pytest

import backprop
from backprop.page import session as browser
from backprop.data import preprocess
from backprop.activations import Sigmoid

N_TEST = 300


def _subset(seed=0):
    import io
    rng = np.random.default_rng(seed)
    arrays = {}
    for part, n in (("train", 200), ("test", N_TEST)):
        y = rng.integers(0, 10, n).astype(np.uint8)
        x = rng.integers(0, 60, (n, 784)).astype(np.uint8)
        for i, label in enumerate(y.tolist()):
            x[i, label * 78:(label + 1) * 78] = 220
        arrays[f"x_{part}"], arrays[f"y_{part}"] = x, y
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue(), arrays


@pytest.fixture
def setup():
    data, arrays = _subset()
    net = backprop.Network([784, 16, 10], seed=4)
    session = browser.Session(data, json.dumps(net.to_dict()))
    return session, net, arrays["x_test"] / 255.0, arrays["y_test"].astype(int), arrays["x_test"]


def decode(b64, dtype=np.uint8):
    return np.frombuffer(base64.b64decode(b64), dtype)


def test_confusion_matrix_counts_every_test_digit_once(setup):
    session, net, x, y, _ = setup
    got = json.loads(session.confusion("model"))
    predicted = net.predict(x)
    expected = np.zeros((10, 10), int)
    for t, p in zip(y, predicted):          # the plain loop as the oracle
        expected[t, p] += 1
    assert got["matrix"] == expected.tolist()
    assert got["total"] == N_TEST == sum(map(sum, got["matrix"]))
    assert got["correct"] == json.loads(session.evaluate("model"))["correct"] == int(np.trace(expected))


def test_a_cell_lists_exactly_its_digits_most_confident_first(setup):
    session, net, x, y, x_u8 = setup
    a = net.feedforward(x)
    predicted = a.argmax(axis=1)
    t, p = max(((t, p) for t in range(10) for p in range(10) if t != p),
               key=lambda c: np.sum((y == c[0]) & (predicted == c[1])))   # the busiest wrong cell
    cell = json.loads(session.confusion_cell("model", t, p))
    members = [i for i in range(N_TEST) if y[i] == t and predicted[i] == p]
    assert cell["count"] == len(members) > 0
    assert sorted(cell["indices"]) == members
    confidence = [a[i, p] for i in cell["indices"]]
    assert confidence == sorted(confidence, reverse=True)
    np.testing.assert_array_equal(decode(cell["pixels"]).reshape(-1, 784), x_u8[cell["indices"]])
    np.testing.assert_allclose(cell["outputs"], a[cell["indices"]], atol=1e-4)
    assert json.loads(session.confusion_cell("model", t, p, limit=1))["count"] == len(members)


def test_hidden_units_are_the_weights_on_one_symmetric_scale(setup):
    session, net, *_ = setup
    got = json.loads(session.hidden_units("model"))
    assert [(l["n_out"], l["n_in"]) for l in got["layers"]] == [(16, 784), (10, 16)]
    for layer, w in zip(got["layers"], net.weights):
        q = decode(layer["q"], np.int8).reshape(w.shape).astype(float)
        assert layer["scale"] == pytest.approx(np.quantile(np.abs(w), 0.995))
        assert layer["max"] == pytest.approx(np.abs(w).max())
        inside = np.abs(w) <= layer["scale"]            # shown as they are, to half a level
        np.testing.assert_allclose((q / layer["levels"] * layer["scale"])[inside], w[inside],
                                   atol=layer["scale"] / layer["levels"] / 2 + 1e-12)
        assert np.all(q[~inside] == np.sign(w[~inside]) * layer["levels"])   # the rest at the ends
        assert inside.mean() >= 0.99


def test_unit_detail_gives_the_digits_exciting_the_unit_most(setup):
    session, net, x, _, _ = setup
    unit = 5
    activation = 1 / (1 + np.exp(-(x @ net.weights[0][unit] + net.biases[0][unit, 0])))
    got = json.loads(session.unit_detail("model", unit))
    assert got["indices"] == np.argsort(-activation, kind="stable")[:8].tolist()
    np.testing.assert_allclose(got["activations"], np.sort(activation)[::-1][:8], atol=1e-4)
    with pytest.raises(ValueError, match="unit"):
        session.unit_detail("model", 16)


def test_a_drawing_is_preprocessed_then_read(setup):
    session, net, *_ = setup
    ink = np.zeros((280, 280), np.uint8)
    ink[50:230, 120:150] = 255                         # a thick vertical bar: a "1"
    got = json.loads(session.predict_drawing("model", ink.tobytes(), 280, 280))
    x = preprocess.mnist_like(ink)
    np.testing.assert_array_equal(decode(got["input"]), np.rint(x * 255).astype(np.uint8))
    a = net.feedforward(x)[0]
    assert got["digit"] == int(a.argmax())
    np.testing.assert_allclose(got["outputs"], a, atol=1e-6)
    with pytest.raises(ValueError, match="280"):
        session.predict_drawing("model", ink.tobytes()[:-1], 280, 280)
    with pytest.raises(ValueError, match="empty"):
        session.predict_drawing("model", bytes(280 * 280), 280, 280)


def test_a_test_digit_is_read_as_it_is(setup):
    session, net, x, y, _ = setup
    got = json.loads(session.predict_test_digit("model", 7))
    assert got["label"] == y[7] and got["digit"] == int(net.feedforward(x[7]).argmax())


def test_model_files_in_and_out(setup, tmp_path):
    session, net, x, *_ = setup
    mine = backprop.Network([784, 12, 10], seed=8)
    session.load_file(json.dumps(mine.to_dict()))
    assert json.loads(session.evaluate("file"))["sizes"] == [784, 12, 10]
    assert json.loads(session.evaluate("model"))["sizes"] == [784, 16, 10]   # the shipped one stays

    # out: the downloaded text loads with backprop.load and predicts identically
    (tmp_path / "out.json").write_text(session.model_json("file"))
    again = backprop.load(tmp_path / "out.json")
    np.testing.assert_array_equal(again.feedforward(x), mine.feedforward(x))


@pytest.mark.parametrize("text, message", [
    ("not json", "not valid JSON"),
    (json.dumps(backprop.Network([10, 3, 10], seed=1).to_dict()), "784"),
    (json.dumps(backprop.Network([784, 3, 2], seed=1).to_dict()), "outputs"),
    ('{"sizes": [784, 3, 10], "weights": [[[NaN]]], "biases": []}', "finite"),
    ('{"sizes": [784, 4000, 4000, 10], "weights": [' + "[" * 10, "4,000,000"),   # refused before parsing
])
def test_a_bad_file_is_refused_and_the_previous_one_kept(setup, text, message):
    session, *_ = setup
    good = backprop.Network([784, 12, 10], seed=8)
    session.load_file(json.dumps(good.to_dict()))
    with pytest.raises(ValueError, match=message):
        session.load_file(text)
    assert json.loads(session.evaluate("file"))["sizes"] == [784, 12, 10]


def test_a_huge_file_is_refused_by_its_length(setup, monkeypatch):
    session, *_ = setup
    monkeypatch.setattr(browser, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ValueError, match="MB"):
        session.load_file(" " * 1001)


def test_outputs_cross_to_javascript_as_strict_json(setup):
    session, net, *_ = setup
    net.weights[0][:] = np.nan                        # a diverged network must still answer in JSON
    session.nets["model"] = net
    session._outputs.clear()
    for text in (session.confusion("model"), session.predict_test_digit("model", 0)):
        json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
