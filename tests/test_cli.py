"""python -m backprop train | evaluate | bench, on a small slice of MNIST (or the committed subset)."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import backprop
from backprop import bench, cli, mnist
from ci_support import ROOT
from test_notebook import small_mnist


@pytest.fixture(scope="module")
def uint8_data():
    (x, y), (xv, yv), (xt, yt) = small_mnist(n_train=1000, n_val=200, n_test=300)
    u = lambda a: np.round(a * 255).astype(np.uint8)
    return (u(x), y), (u(xv), yv), (u(xt), yt)


@pytest.fixture
def small(monkeypatch, uint8_data):
    """mnist.load_data returns the small slice, in the dtype asked for."""
    def load_data(directory=None, dtype=np.float64, **_):
        dtype = np.dtype(dtype)
        conv = (lambda a: a) if dtype == np.uint8 else (lambda a: a.astype(dtype) / dtype.type(255))
        return tuple((conv(x), y) for x, y in uint8_data)
    monkeypatch.setattr(mnist, "load_data", load_data)
    return uint8_data


def run(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def train_args(out, *extra):
    return ["train", "--sizes", "784,16,10", "--epochs", "2", "--batch-size", "10", "--eta", "0.5",
            "--lmbda", "1.0", "--seed", "1", "--out", str(out), *extra]


def test_train_writes_a_loadable_model_and_history(tmp_path, small, capsys):
    code, out, err = run(train_args(tmp_path / "m.json"), capsys)
    assert code == 0, err
    net = backprop.load(tmp_path / "m.json")
    assert net.sizes == [784, 16, 10]
    history = json.loads((tmp_path / "m.history.json").read_text())
    for key in ("train_cost", "train_accuracy", "eval_cost", "eval_accuracy", "test_accuracy", "epoch_seconds"):
        assert len(history[key]) == 2, key
    assert history["epochs"] == 2 and history["seed"] == 1 and history["eval_set"] == "validation"
    (_, _), _, (xt, yt) = small
    assert history["final_test_accuracy"] == net.accuracy(xt / 255.0, yt) / len(xt)
    assert history["final_test_accuracy"] > 0.5   # learned something: chance is 0.1
    assert "epoch 2/2: train cost" in out and "validation accuracy" in out and "test accuracy:" in out
    assert "epoch 1/2 [" in err and "1000/1000" in err and "ex/s" in err   # the progress bar, on stderr


def test_seeded_runs_repeat_and_existing_files_are_kept(tmp_path, small, capsys):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run(train_args(a), capsys)[0] == 0
    assert run(train_args(b), capsys)[0] == 0
    assert json.loads(a.read_text()) == json.loads(b.read_text())
    before = a.read_text()
    code, _, err = run(train_args(a, "--seed", "2"), capsys)
    assert code == 2 and str(a) in err and "--force" in err
    assert a.read_text() == before
    assert run(train_args(a, "--seed", "2", "--force"), capsys)[0] == 0
    assert a.read_text() != before


def test_train_options(tmp_path, small, capsys):
    code, out, err = run(train_args(tmp_path / "f.json", "--dtype", "float32", "--eval", "test",
                                     "--train-size", "300", "--weight-init", "large", "--cost", "quadratic"), capsys)
    assert code == 0, err
    history = json.loads((tmp_path / "f.history.json").read_text())
    assert history["train_size"] == 300 and history["eval_set"] == "test" and history["cost"] == "QuadraticCost"
    assert history["test_accuracy"] == history["eval_accuracy"]
    assert backprop.load(tmp_path / "f.json").cost is backprop.QuadraticCost
    code, _, err = run(train_args(tmp_path / "g.json", "--train-size", "5000"), capsys)
    assert code == 2 and "5000" in err


def test_plot_writes_a_png(tmp_path, small, capsys):
    pytest.importorskip("matplotlib", reason="--plot needs matplotlib")
    code, out, err = run(train_args(tmp_path / "m.json", "--plot", str(tmp_path / "c.png")), capsys)
    assert code == 0, err
    png = (tmp_path / "c.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_plot_without_matplotlib_fails_before_training(tmp_path, small, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # import matplotlib now raises ImportError
    code, out, err = run(train_args(tmp_path / "m.json", "--plot", str(tmp_path / "c.png")), capsys)
    assert code == 2 and "matplotlib" in err and "pip install" in err
    assert not (tmp_path / "m.json").exists() and "epoch" not in out


def test_evaluate_prints_accuracy_and_confusion_matrix(tmp_path, small, capsys):
    assert run(train_args(tmp_path / "m.json"), capsys)[0] == 0
    code, out, err = run(["evaluate", str(tmp_path / "m.json")], capsys)
    assert code == 0, err
    _, _, (xt, yt) = small
    net = backprop.load(tmp_path / "m.json")
    correct = net.accuracy(xt / 255.0, yt)
    assert f"test accuracy: {correct / len(yt):.2%} ({correct}/{len(yt)})" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("true\\pred"))
    rows = [[int(v) for v in line.split()] for line in lines[header + 1:header + 11]]
    assert [r[0] for r in rows] == list(range(10))
    counts = np.array([r[1:11] for r in rows])
    assert counts.sum() == len(yt) and np.trace(counts) == correct
    assert [r[11] for r in rows] == list(np.bincount(yt, minlength=10))


@pytest.mark.parametrize("argv, named", [
    (["train", "--eta", "-1"], "'-1'"),
    (["train", "--eta", "nan"], "'nan'"),
    (["train", "--lmbda", "-0.5"], "'-0.5'"),
    (["train", "--sizes", "784,x,10"], "784,x,10"),
    (["train", "--sizes", "784"], "'784'"),
    (["train", "--sizes", "100,10"], "784 inputs"),
    (["train", "--batch-size", "0"], "'0'"),
    (["train", "--epochs", "three"], "'three'"),
    (["train", "--cost", "hinge"], "hinge"),
    (["train", "--dtype", "float16"], "float16"),
    (["evaluate"], "model"),
    (["frobnicate"], "frobnicate"),
])
def test_bad_arguments_exit_2_with_one_line(argv, named, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    _, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert named in err and "error" in err and len(err.strip().splitlines()) == 1


def test_bad_files_exit_2_with_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("MNIST_DIR", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    cases = [
        (["evaluate", str(tmp_path / "missing.json")], "missing.json"),
        (["train", "--out", str(tmp_path / "m.json")], "train-images-idx3-ubyte"),   # no MNIST there
        (["train", "--out", str(tmp_path / "nodir" / "m.json")], "nodir"),
    ]
    (tmp_path / "bad.json").write_text('{"sizes": [784, 10], "weights": [], "biases": []}')
    cases.append((["evaluate", str(tmp_path / "bad.json")], "bad.json"))
    (tmp_path / "junk.json").write_text("not json {")
    cases.append((["evaluate", str(tmp_path / "junk.json")], "junk.json"))
    backprop.Network([5, 3], seed=0).save(tmp_path / "small.json")
    cases.append((["evaluate", str(tmp_path / "small.json")], "784 inputs"))
    for argv, named in cases:
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert named in err and len(err.strip().splitlines()) == 1, (argv, err)


def test_python_m_backprop_exit_codes(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT / "py"))
    for argv, code in ((["train", "--eta", "-1"], 2), (["evaluate", str(tmp_path / "none.json")], 2),
                       (["--help"], 0)):
        p = subprocess.run([sys.executable, "-m", "backprop", *argv], capture_output=True, text=True, env=env,
                           timeout=60)
        assert p.returncode == code, p.stderr
        assert "Traceback" not in p.stderr
    assert "train" in p.stdout and "evaluate" in p.stdout and "bench" in p.stdout


def test_bench_loop_is_the_same_math_and_reports(uint8_data, monkeypatch, capsys):
    (x, y), _, _ = uint8_data
    result = bench.measure(x[:200], y[:200], "float64", repeats=1, log=print)
    assert result["max_abs_diff_one_step"] < 1e-12   # the per-example loop computes the same step
    assert result["vectorised_examples_per_s"] > 0 and result["loop_examples_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["vectorised_examples_per_s"] / result["loop_examples_per_s"])
    monkeypatch.setattr(bench, "load_first", lambda n, directory=None: (x[:n], y[:n], "test slice"))
    assert cli.main(["bench", "--n", "100", "--repeats", "1", "--dtype", "both"]) == 0
    out = capsys.readouterr().out
    assert "float64: vectorised" in out and "float32: vectorised" in out and "ratio" in out
