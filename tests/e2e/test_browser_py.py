"""backprop.browser in CPython: what the page's worker calls, without a browser.

The worker passes JavaScript callbacks and a `pause` function returning a promise; here they are
plain Python callables and `asyncio.sleep(0)`.
"""

import ast
import asyncio
import base64
import io
import json

import numpy as np
import pytest

import backprop
from backprop.page import session as browser

N_TRAIN, N_TEST = 120, 40


def subset_bytes(n_train=N_TRAIN, n_test=N_TEST, seed=0, **override):
    """A tiny synthetic subset: each class lights its own band of pixels, so it is learnable."""
    rng = np.random.default_rng(seed)

    def digits(n):
        y = rng.integers(0, 10, n).astype(np.uint8)
        x = rng.integers(0, 40, (n, 784)).astype(np.uint8)
        for i, label in enumerate(y.tolist()):
            x[i, label * 78:(label + 1) * 78] = 230
        return x, y

    x_train, y_train = digits(n_train)
    x_test, y_test = digits(n_test)
    arrays = {**dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test), **override}
    arrays = {k: v for k, v in arrays.items() if v is not None}
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def model_text(seed=3, sizes=(784, 10)):
    return json.dumps(backprop.Network(list(sizes), seed=seed).to_dict())


@pytest.fixture
def session():
    return browser.Session(subset_bytes(), model_text())


def run(session, params, pause=None, on_progress=None, on_epoch=None):
    progress, epochs = [], []

    async def default_pause():
        await asyncio.sleep(0)

    text = asyncio.run(session.train(
        json.dumps(params),
        on_progress or (lambda t: progress.append(json.loads(t))),
        on_epoch or (lambda t: epochs.append(json.loads(t))),
        pause or default_pause))
    return json.loads(text), progress, epochs


# -- parameters -------------------------------------------------------------------------------------
def test_defaults_are_valid_and_complete():
    p = browser.validate_params({}, 10000)
    assert p["hidden"] == [30] and p["cost"] == "cross-entropy" and p["seed"] == 1
    assert set(p) == set(browser.DEFAULTS)
    assert browser.validate_params({}, 500)["train_size"] == 500   # the default never exceeds the subset


@pytest.mark.parametrize("text, sizes", [("30", [30]), ("100,30", [100, 30]), (" 100, 30 ", [100, 30]),
                                         ("", []), ([50, 20], [50, 20]), ("100 30", [100, 30])])
def test_hidden_layers_parse(text, sizes):
    assert browser.validate_params({"hidden": text}, 100)["hidden"] == sizes


@pytest.mark.parametrize("params, named", [
    ({"eta": 0}, "eta"), ({"eta": -1.0}, "eta"), ({"eta": float("nan")}, "nan"), ({"eta": "0.5"}, "'0.5'"),
    ({"eta": True}, "True"), ({"lmbda": -0.1}, "-0.1"), ({"hidden": "30,x"}, "30,x"),
    ({"hidden": "0"}, "0"), ({"hidden": "1,2,3,4,5"}, "5"), ({"hidden": "5000"}, "5000"),
    ({"cost": "hinge"}, "hinge"), ({"weight_init": "zeros"}, "zeros"), ({"epochs": 0}, "epochs"),
    ({"epochs": 2.5}, "2.5"), ({"train_size": 101}, "101"), ({"train_size": 50, "batch_size": 51}, "51"),
    ({"seed": -1}, "-1"), ({"seed": 2**32}, str(2**32)), ({"monitor": "yes"}, "yes"), ({"etta": 1}, "etta"),
    ({"dtype": "float16"}, "float16"), ({"dtype": 32}, "32"), ({"backend": "cuda"}, "cuda"),
])
def test_bad_parameters_raise_naming_the_value(params, named):
    with pytest.raises(ValueError) as e:
        browser.validate_params(params, 100)
    assert named in str(e.value)


def test_json_numbers_that_are_whole_count_as_integers():
    p = browser.validate_params({"epochs": 2.0, "batch_size": 10.0, "seed": ""}, 100)
    assert p["epochs"] == 2 and isinstance(p["epochs"], int) and p["seed"] is None


# -- data and model ---------------------------------------------------------------------------------
def test_session_reads_bytes_and_paths(tmp_path):
    data = subset_bytes()
    (tmp_path / "s.npz").write_bytes(data)
    for source in (data, str(tmp_path / "s.npz"), tmp_path / "s.npz"):
        s = browser.Session(source)
        info = json.loads(s.info())
        assert (info["n_train"], info["n_test"]) == (N_TRAIN, N_TEST)


@pytest.mark.parametrize("data, message", [
    (b"not a zip file at all", "not a readable .npz subset"),
    (subset_bytes(x_test=None), "x_test"),
    (subset_bytes(y_train=np.full(N_TRAIN, 12, np.uint8)), "labels"),
    (subset_bytes(x_train=np.zeros((N_TRAIN, 100), np.uint8)), "784"),
])
def test_bad_subsets_are_clear_errors(data, message):
    with pytest.raises(ValueError, match=message):
        browser.Session(data)


def test_evaluate_matches_the_network_on_the_test_digits(session):
    raw = np.load(io.BytesIO(subset_bytes()))
    net = backprop.loads(model_text())
    expected = int(np.sum(net.predict(raw["x_test"] / 255.0) == raw["y_test"]))
    got = json.loads(session.evaluate("model"))
    assert got["correct"] == expected and got["total"] == N_TEST
    assert got["accuracy"] == expected / N_TEST and got["sizes"] == [784, 10]


def test_strip_carries_pixels_labels_and_predictions(session):
    raw = np.load(io.BytesIO(subset_bytes()))
    strip = json.loads(session.strip("model", 5, 10))
    pixels = np.frombuffer(base64.b64decode(strip["pixels"]), np.uint8).reshape(-1, 784)
    np.testing.assert_array_equal(pixels, raw["x_test"][5:15])
    assert strip["labels"] == raw["y_test"][5:15].tolist()
    net = backprop.loads(model_text())
    assert strip["predictions"] == net.predict(raw["x_test"][5:15] / 255.0).tolist()
    short = json.loads(session.strip("model", N_TEST - 3, 24))   # clipped at the end
    assert len(short["labels"]) == 3


def test_strip_and_model_errors(session):
    with pytest.raises(ValueError, match="no network has been trained"):
        session.strip("trained")
    with pytest.raises(ValueError, match="which"):
        session.strip("best")
    with pytest.raises(ValueError, match="784"):
        session.load_model(model_text(sizes=(10, 10)))
    assert json.loads(session.evaluate("model"))["sizes"] == [784, 10]   # the old model stays


def test_load_model_returns_its_accuracy(session):
    result = json.loads(session.load_model(model_text(seed=9, sizes=(784, 20, 10))))
    assert result["sizes"] == [784, 20, 10] and 0 <= result["correct"] <= N_TEST


# -- training ---------------------------------------------------------------------------------------
PARAMS = {"hidden": "20", "epochs": 3, "train_size": N_TRAIN, "batch_size": 10, "eta": 1.0, "lmbda": 0.1,
          "seed": 7}


def test_a_run_reports_every_epoch_and_learns(session):
    summary, progress, epochs = run(session, PARAMS)
    assert summary["stopped"] is False and summary["epochs_done"] == 3
    assert summary["examples"] == 3 * N_TRAIN and summary["examples_per_s"] > 0
    assert [e["epoch"] for e in epochs] == [1, 2, 3]
    h = summary["history"]
    assert [e["eval_accuracy"] for e in epochs] == h["eval_accuracy"]
    assert [e["train_cost"] for e in epochs] == h["train_cost"]
    assert h["eval_accuracy"][-1] > 0.5    # the synthetic classes are easy
    assert summary["test_accuracy"] == json.loads(session.evaluate("trained"))["accuracy"]
    # a progress report at least at the end of each epoch, with the fields the page shows
    assert progress and {"epoch", "epochs", "batch", "n_batches", "examples_per_s"} <= set(progress[-1])
    assert progress[-1]["batch"] == progress[-1]["n_batches"] == 12
    assert not session.running


def test_same_seed_same_run(session):
    a = run(session, PARAMS)[0]["history"]
    b = run(session, PARAMS)[0]["history"]
    assert a == b


def test_float32_runs_learn_as_well_and_say_which_products_ran(session):
    f64 = run(session, PARAMS)[0]
    f32, progress, _ = run(session, {**PARAMS, "dtype": "float32", "backend": "numpy"})
    assert f32["params"]["dtype"] == "float32" and session.trained.weights[0].dtype == np.float32
    assert f32["backend"] == progress[-1]["backend"] == "numpy" == f64["backend"]   # CPython: numpy
    # the same run in single precision: the same curve to float32's precision
    assert np.allclose(f32["history"]["train_cost"], f64["history"]["train_cost"], rtol=1e-4)
    assert f32["history"]["eval_accuracy"] == f64["history"]["eval_accuracy"]


def test_monitors_can_be_switched_off(session):
    summary, _, epochs = run(session, {**PARAMS, "monitor": False})
    assert summary["history"]["eval_accuracy"] == [] and epochs[0]["eval_accuracy"] is None


def test_the_loop_yields_to_the_host(session, monkeypatch):
    monkeypatch.setattr(browser, "PAUSE_EVERY", 0.0)    # yield after every mini-batch
    pauses = []

    async def pause():
        pauses.append(1)

    run(session, {**PARAMS, "epochs": 1}, pause=pause)
    assert len(pauses) == N_TRAIN // 10


def test_stop_ends_the_run_and_keeps_the_partly_trained_network(session, monkeypatch):
    monkeypatch.setattr(browser, "PAUSE_EVERY", 0.0)
    seen = []

    async def pause():
        seen.append(1)
        if len(seen) == 15:      # mid-way through epoch 2 of 3, as a "stop" message would arrive
            session.stop()

    summary, _, epochs = run(session, PARAMS, pause=pause)
    assert summary["stopped"] is True and summary["epochs_done"] == 1
    assert summary["examples"] == 15 * 10
    assert len(epochs) == 1                      # curves of the finished epoch are kept
    assert session.trained is not None and not session.running
    untrained = backprop.Network([784, 20, 10], seed=7)
    assert not np.allclose(session.trained.weights[0], untrained.weights[0])   # it did learn something
    assert json.loads(session.strip("trained"))["which"] == "trained"
    # the flag does not leak into the next run
    again, _, _ = run(session, {**PARAMS, "epochs": 1})
    assert again["stopped"] is False and again["epochs_done"] == 1


def test_one_run_at_a_time(session):
    errors = []

    async def pause():
        try:
            await session.train(json.dumps(PARAMS), print, print, pause)
        except RuntimeError as e:
            errors.append(str(e))

    run(session, {**PARAMS, "epochs": 1})
    assert session.running is False
    run(session, {**PARAMS, "epochs": 1}, pause=pause)
    assert errors and "already" in errors[0]


def test_bad_parameters_fail_before_anything_changes(session):
    with pytest.raises(ValueError, match="eta"):
        run(session, {**PARAMS, "eta": -1})
    assert session.trained is None and not session.running


def test_no_browser_imports_anywhere():
    tree = ast.parse(open(browser.__file__, encoding="utf-8").read())
    modules = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
               for alias in node.names}
    modules |= {node.module.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module}
    assert not modules & {"js", "pyodide", "pyodide_js"}, modules


def test_cached_outputs_follow_the_current_networks(session):
    def expected(net):
        return int(np.sum(net.predict(session.x_test) == session.y_test))

    for params in ({**PARAMS, "epochs": 1}, {**PARAMS, "epochs": 1, "hidden": "5", "eta": 0.01, "seed": 2}):
        run(session, params)
        assert json.loads(session.evaluate("trained"))["correct"] == expected(session.trained)
        assert json.loads(session.strip("trained", 0, N_TEST))["predictions"] == \
            session.trained.predict(session.x_test).tolist()
    session.load_model(model_text(seed=11, sizes=(784, 7, 10)))
    assert json.loads(session.evaluate("model"))["correct"] == expected(session.model)
    assert json.loads(session.strip("model", 0, N_TEST))["predictions"] == session.model.predict(session.x_test).tolist()
