"""backprop.page.session in CPython: the digits the page trains and tests on (the subset, full MNIST and
back), the networks it shows (the shipped model, a run's, a model file), and model files in and out.
Requests go through the wire as the page's worker sends them."""

import base64
import io
import json

import numpy as np
import pytest

import backprop
from backprop.page import session as page_session

N_TRAIN, N_TEST = 120, 40
_L = backprop.layers
CONV_TEXT = backprop.Network.stack(
    [_L.Conv2D(2, 5), _L.MaxPool2D(4), _L.Dense(10)], input_shape=(1, 28, 28), seed=1
).to_json()
CONV_LAYERS_LAST = json.dumps(
    {k: v for k, v in json.loads(CONV_TEXT).items() if k != "layers"} | {"layers": json.loads(CONV_TEXT)["layers"]}
)


# -- the digits ----------------------------------------------------------------------------------------
def test_session_reads_bytes_and_paths(tmp_path, synthetic_digits, ask):
    data = synthetic_digits()[0]
    (tmp_path / "s.npz").write_bytes(data)
    for source in (data, str(tmp_path / "s.npz"), tmp_path / "s.npz"):
        info = ask(page_session.Session(source), "info")
        assert (info["n_train"], info["n_test"]) == (N_TRAIN, N_TEST)


def test_a_drawing_is_read_before_the_digits_arrive(synthetic_digits, model_text, ask):
    """The page's worker makes the session from the model alone, says ready, then reads the subset: a
    drawing is answered at once, a question about the digits is refused by name until they come."""
    s = page_session.Session(None, model_text())
    info = ask(s, "info")
    assert (info["n_train"], info["n_test"], info["data"], info["presets"]) == (0, 0, None, [])
    ink = np.zeros((28, 28), np.uint8)
    ink[5:23, 13:15] = 255  # a 1
    guess = ask(s, "predict_drawing", which="model", data=ink.tobytes(), width=28, height=28)
    assert len(guess["outputs"]) == 10
    for request, args in [
        ("evaluate", {"which": "model"}),
        ("strip", {"which": "model"}),
        ("predict_test_digit", {"which": "model", "index": 0}),
        ("trace_digit", {"which": "model", "index": 0}),
        ("step", {"params": {"hidden": [4], "train_size": 10}}),
    ]:
        with pytest.raises(RuntimeError, match="digits have not arrived yet"):
            ask(s, request, **args)
    # a restarted worker gives back the page's networks before its digits come: kept, not yet evaluated
    assert ask(s, "load_file", text=model_text()) is None
    by_file = ask(s, "predict_drawing", which="file", data=ink.tobytes(), width=28, height=28)
    assert by_file["outputs"] == guess["outputs"]
    info = s.load_subset(synthetic_digits()[0])
    assert (info["n_train"], info["n_test"], info["data"]) == (N_TRAIN, N_TEST, "subset") and info["presets"]
    assert ask(s, "evaluate", which="model")["total"] == N_TEST
    again = ask(s, "predict_drawing", which="model", data=ink.tobytes(), width=28, height=28)
    assert again["outputs"] == guess["outputs"]


@pytest.mark.parametrize(
    "override, message",
    [
        ("garbage", "not a readable .npz subset"),
        ({"x_test": None}, "x_test"),
        ({"y_train": np.full(N_TRAIN, 12, np.uint8)}, "labels"),
        ({"x_train": np.zeros((N_TRAIN, 100), np.uint8)}, "784"),
    ],
)
def test_bad_subsets_are_clear_errors(synthetic_digits, override, message):
    data = b"not a zip file at all" if override == "garbage" else synthetic_digits(**override)[0]
    with pytest.raises(ValueError, match=message):
        page_session.Session(data)


def test_the_session_switches_to_full_mnist_and_back(views, synthetic_digits, ask, train_run):
    s, net = views
    full_bytes, full = synthetic_digits(500, 120, seed=1, ink=200)
    info = ask(s, "info")
    assert (info["data"], info["n_train"], info["n_test"], info["loaded"]) == ("subset", 200, 300, ["subset"])
    assert info["presets"][0]["params"]["train_size"] == 200
    before = ask(s, "evaluate", which="model")
    with pytest.raises(ValueError, match="has not been loaded"):
        s.use_data("full")

    info = s.load_full(full_bytes)
    assert (info["data"], info["n_train"], info["n_test"]) == ("full", 500, 120)
    assert {p["key"]: p["params"]["lmbda"] for p in info["presets"]}["ch3-l2"] == pytest.approx(5.0 * 500 / 50_000)
    # the cached outputs were for the old test digits: the model is scored on the new ones
    got = ask(s, "evaluate", which="model")
    assert got["total"] == 120
    assert got["correct"] == net.accuracy(full["x_test"] / 255.0, full["y_test"].astype(int))
    assert ask(s, "strip", which="model", start=0, count=5)["labels"] == full["y_test"][:5].tolist()
    with pytest.raises(ValueError, match="index"):
        s.predict_test_digit("model", 120)
    s.predict_test_digit("model", 119)

    # a run now trains on the full set's digits: the library on the same digits as floats is the oracle
    p = {"hidden": [8], "train_size": 500, "batch_size": 25, "epochs": 2, "seed": 3, "eta": 0.5, "lmbda": 0.5}
    summary = train_run(s, p)[0]
    oracle = backprop.Network([784, 8, 10], seed=3)
    history = oracle.train(
        full["x_train"] / 255.0,
        full["y_train"].astype(int),
        2,
        25,
        0.5,
        0.5,
        eval_data=(full["x_test"] / 255.0, full["y_test"].astype(int)),
    )
    for w, w_page in zip(oracle.weights, s.nets["trained"].weights):
        np.testing.assert_array_equal(w, w_page)
    assert summary["history"]["eval_accuracy"] == history.eval_accuracy
    np.testing.assert_allclose(summary["history"]["train_cost"], history.train_cost, rtol=1e-12)

    info = ask(s, "use-data", name="subset")
    assert (info["data"], info["n_train"], info["loaded"]) == ("subset", 200, ["full", "subset"])
    assert ask(s, "evaluate", which="model") == before
    with pytest.raises(ValueError, match="train_size"):
        train_run(s, p)  # 500 training digits: more than the subset has
    assert ask(s, "use-data", name="full")["n_train"] == 500  # loaded once, switched to again without a download


def test_the_digits_cannot_change_during_a_run_or_to_an_unknown_name(views, synthetic_digits):
    s, _ = views
    with pytest.raises(ValueError, match="data must be one of"):
        s.use_data("everything")
    s.running = True
    with pytest.raises(RuntimeError, match="stop it"):
        s.use_data("subset")
    with pytest.raises(RuntimeError, match="stop it"):
        s.load_full(synthetic_digits(500, 120, seed=1)[0])
    s.running = False
    with pytest.raises(ValueError, match="not a readable .npz"):
        s.load_full(b"not an npz")
    assert s.info()["data"] == "subset"  # a bad file changes nothing


# -- the networks ----------------------------------------------------------------------------------------
def test_evaluate_matches_the_network_on_the_test_digits(session, synthetic_digits, model_text, ask):
    raw = np.load(io.BytesIO(synthetic_digits()[0]))
    net = backprop.loads(model_text())
    expected = int(np.sum(net.predict(raw["x_test"] / 255.0) == raw["y_test"]))
    got = ask(session, "evaluate", which="model")
    assert got["correct"] == expected and got["total"] == N_TEST
    assert got["accuracy"] == expected / N_TEST and got["sizes"] == [784, 10]
    assert got["cost"] == "cross-entropy"  # the library's name for it, as the form says it


def test_strip_carries_pixels_labels_and_predictions(session, synthetic_digits, model_text, ask):
    raw = np.load(io.BytesIO(synthetic_digits()[0]))
    strip = ask(session, "strip", which="model", start=5, count=10)
    pixels = np.frombuffer(base64.b64decode(strip["pixels"]), np.uint8).reshape(-1, 784)
    np.testing.assert_array_equal(pixels, raw["x_test"][5:15])
    assert strip["labels"] == raw["y_test"][5:15].tolist()
    net = backprop.loads(model_text())
    assert strip["predictions"] == net.predict(raw["x_test"][5:15] / 255.0).tolist()
    assert len(ask(session, "strip", which="model", start=N_TEST - 3, count=24)["labels"]) == 3  # clipped at the end


def test_strip_and_model_errors(session, model_text, ask):
    with pytest.raises(ValueError, match="no network has been trained"):
        session.strip("trained")
    with pytest.raises(ValueError, match="which"):
        session.strip("best")
    with pytest.raises(ValueError, match="784"):
        session.load_file(model_text(sizes=(10, 10)))
    assert ask(session, "evaluate", which="model")["sizes"] == [784, 10]  # the old model stays


def test_a_model_file_gives_its_accuracy(session, model_text, ask):
    result = ask(session, "load-file", text=model_text(seed=9, sizes=(784, 20, 10)))
    assert result["sizes"] == [784, 20, 10] and 0 <= result["correct"] <= N_TEST and result["which"] == "file"


def test_model_files_in_and_out(views, tmp_path, ask):
    session, net = views
    x = session.x_test
    mine = backprop.Network([784, 12, 10], seed=8)
    session.load_file(backprop.nn.model_io.dumps(mine))
    assert ask(session, "evaluate", which="file")["sizes"] == [784, 12, 10]
    assert ask(session, "evaluate", which="model")["sizes"] == [784, 16, 10]  # the shipped one stays
    # out: the downloaded text loads with backprop.load and predicts identically
    (tmp_path / "out.json").write_text(ask(session, "model-json", which="file"))
    again = backprop.load(tmp_path / "out.json")
    np.testing.assert_array_equal(again.feedforward(x), mine.feedforward(x))


@pytest.mark.parametrize(
    "text, message",
    [
        ("not json", "not valid JSON"),
        (backprop.nn.model_io.dumps(backprop.Network([10, 3, 10], seed=1)), "784"),
        (backprop.nn.model_io.dumps(backprop.Network([784, 3, 2], seed=1)), "outputs"),
        ('{"sizes": [784, 3, 10], "weights": [[[NaN]]], "biases": []}', "finite"),
        ('{"sizes": [784, 4000, 4000, 10], "weights": [' + "[" * 10, "4,000,000"),  # refused before parsing
        (
            backprop.Network.stack([_L.Conv2D(2, 5), _L.MaxPool2D(4), _L.Dense(3)], input_shape=(1, 28, 28)).to_json(),
            "10 outputs",
        ),
    ],
)
def test_a_bad_file_is_refused_and_the_previous_one_kept(views, text, message, ask):
    session, _ = views
    session.load_file(backprop.nn.model_io.dumps(backprop.Network([784, 12, 10], seed=8)))
    with pytest.raises(ValueError, match=message):
        session.load_file(text)
    assert ask(session, "evaluate", which="file")["sizes"] == [784, 12, 10]


def test_a_huge_file_is_refused_by_its_length(views, monkeypatch):
    session, _ = views
    monkeypatch.setattr(page_session, "MAX_FILE_BYTES", 1000)
    with pytest.raises(ValueError, match="MB"):
        session.load_file(" " * 1001)


def test_the_trained_network_round_trips_as_bytes(views, train_run, ask, synthetic_digits):
    session, _ = views
    train_run(session, dict(hidden=[20, 12], epochs=1, batch_size=10, train_size=100, seed=5, cost="quadratic"))
    data = session.network_bytes("trained")
    facts = ask(session, "evaluate", which="trained")
    x = session.x_test[:50]
    before = session.nets["trained"].feedforward(x)
    other = page_session.Session(synthetic_digits(200, 300, noise=60, ink=220)[0])
    shown = ask(other, "restore-network", data, sizes=facts["sizes"], cost=facts["cost"])
    assert shown["sizes"] == [784, 20, 12, 10] and shown["cost"] == "quadratic"
    np.testing.assert_array_equal(other.nets["trained"].feedforward(x), before)  # bit for bit
    # an earlier visit stored network2's class name: still read
    assert ask(other, "restore-network", data, sizes=facts["sizes"], cost="QuadraticCost")["cost"] == "quadratic"
    with pytest.raises(ValueError, match="damaged"):
        other.restore_network([784, 20, 12, 10], "quadratic", data[:-8])
    nan = bytearray(data)
    nan[:8] = np.array([np.nan]).tobytes()
    with pytest.raises(ValueError, match="not finite"):
        other.restore_network([784, 20, 12, 10], "quadratic", bytes(nan))
    with pytest.raises(ValueError, match="sizes"):
        other.restore_network([784, 20, 12, 9], "quadratic", data)
    with pytest.raises(ValueError, match="cost"):
        other.restore_network([784, 20, 12, 10], "__import__('os')", data)


def test_a_presets_figure_is_picked_as_the_book_picked_its_own(session, ask):
    assert ask(session, "preset-result", key="ch3-init-large", eval_accuracy=[0.25, 0.5]) == {
        "accuracy": 0.25,
        "epoch": 1,
    }
    assert ask(session, "preset-result", key="ch1-quadratic", eval_accuracy=[]) is None
    with pytest.raises(ValueError, match="no preset"):
        session.preset_result("ch9", [])


def test_a_session_made_ahead_is_given_once_and_only_for_its_model(synthetic_digits, model_text, ask):
    """The snapshot's worker makes the session from the shipped model ahead (backprop.page.ahead); a page
    started from the snapshot takes it only for the same model file, once, and it answers as a new one."""
    from backprop.page import ahead

    ahead.make_ahead(model_text(), "sha-of-the-model")
    assert ahead.made_ahead("sha-of-another-model") is None
    made = ahead.made_ahead("sha-of-the-model")
    assert made is not None and made.data is None  # the model read, the digits to come
    assert ahead.made_ahead("sha-of-the-model") is None  # given once
    fresh = page_session.Session(None, model_text())
    ink = np.zeros((28, 28), np.uint8)
    ink[5:23, 10:18] = 255
    drawing = {"which": "model", "data": ink.tobytes(), "width": 28, "height": 28}
    assert ask(made, "predict_drawing", **drawing) == ask(fresh, "predict_drawing", **drawing)
    made.load_subset(synthetic_digits()[0])
    fresh.load_subset(synthetic_digits()[0])
    assert ask(made, "evaluate", which="model") == ask(fresh, "evaluate", which="model")
