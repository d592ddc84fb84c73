"""python -m backprop train | evaluate | bench, on a small slice of MNIST (or the committed subset)."""

import hashlib
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import backprop
from backprop.cli import bench
from backprop.cli import main as cli
from backprop.data import mnist
from ci_support import ROOT, skip_or_fail


def train_args(out, *extra):
    return [
        "train",
        "--sizes",
        "784,16,10",
        "--epochs",
        "2",
        "--batch-size",
        "10",
        "--eta",
        "0.5",
        "--lmbda",
        "1.0",
        "--seed",
        "1",
        "--out",
        str(out),
        *extra,
    ]


def test_train_writes_a_loadable_model_and_history(tmp_path, small, run):
    code, out, err = run(train_args(tmp_path / "m.json"))
    assert code == 0, err
    net = backprop.load(tmp_path / "m.json")
    assert net.sizes == [784, 16, 10]
    history = json.loads((tmp_path / "m.history.json").read_text())
    for key in ("train_cost", "train_accuracy", "eval_cost", "eval_accuracy", "test_accuracy", "epoch_seconds"):
        assert len(history[key]) == 2, key
    assert history["epochs"] == 2 and history["seed"] == 1 and history["eval_set"] == "validation"
    (_, _), _, (xt, yt) = small
    assert history["final_test_accuracy"] == net.accuracy(xt / 255.0, yt) / len(xt)
    assert history["final_test_accuracy"] > 0.5  # learned something: chance is 0.1
    assert "epoch 2/2: train cost" in out and "validation accuracy" in out and "test accuracy:" in out
    assert "epoch 1/2 [" in err and "1000/1000" in err and "ex/s" in err  # the progress bar, on stderr


def test_seeded_runs_repeat_and_existing_files_are_kept(tmp_path, small, run):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert run(train_args(a))[0] == 0
    assert run(train_args(b))[0] == 0
    assert json.loads(a.read_text()) == json.loads(b.read_text())
    before = a.read_text()
    code, _, err = run(train_args(a, "--seed", "2"))
    assert code == 2 and str(a) in err and "--force" in err
    assert a.read_text() == before
    assert run(train_args(a, "--seed", "2", "--force"))[0] == 0
    assert a.read_text() != before


def test_train_options(tmp_path, small, run):
    code, out, err = run(
        train_args(
            tmp_path / "f.json",
            "--dtype",
            "float32",
            "--eval",
            "test",
            "--train-size",
            "300",
            "--weight-init",
            "large",
            "--cost",
            "quadratic",
        ),
    )
    assert code == 0, err
    history = json.loads((tmp_path / "f.history.json").read_text())
    assert history["train_size"] == 300 and history["eval_set"] == "test" and history["cost"] == "QuadraticCost"
    assert history["test_accuracy"] == history["eval_accuracy"]
    assert backprop.load(tmp_path / "f.json").cost is backprop.QuadraticCost
    code, _, err = run(train_args(tmp_path / "g.json", "--train-size", "5000"))
    assert code == 2 and "5000" in err


def test_expand_trains_on_five_times_the_digits(tmp_path, small, run):
    code, out, err = run(train_args(tmp_path / "e.json", "--train-size", "200", "--epochs", "1", "--expand"))
    assert code == 0, err
    history = json.loads((tmp_path / "e.history.json").read_text())
    assert history["train_size"] == 1000 and history["expand"] is True
    assert "on 1,000 images" in out and "1000/1000" in err


def test_plot_writes_a_png(tmp_path, small, run):
    try:
        import matplotlib  # noqa: F401  (in the test extra: CI runs this test, never skips it)
    except ImportError:
        skip_or_fail("--plot needs matplotlib (pip install -e '.[test]')")
    code, out, err = run(train_args(tmp_path / "m.json", "--plot", str(tmp_path / "c.png")))
    assert code == 0, err
    png = (tmp_path / "c.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_plot_without_matplotlib_fails_before_training(tmp_path, small, monkeypatch, run):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    code, out, err = run(train_args(tmp_path / "m.json", "--plot", str(tmp_path / "c.png")))
    assert code == 2 and "matplotlib" in err and "pip install" in err
    assert not (tmp_path / "m.json").exists() and "epoch" not in out


def test_evaluate_prints_accuracy_and_confusion_matrix(tmp_path, small, run):
    assert run(train_args(tmp_path / "m.json"))[0] == 0
    code, out, err = run(["evaluate", str(tmp_path / "m.json")])
    assert code == 0, err
    _, _, (xt, yt) = small
    net = backprop.load(tmp_path / "m.json")
    correct = net.accuracy(xt / 255.0, yt)
    assert f"test accuracy: {correct / len(yt):.2%} ({correct}/{len(yt)})" in out
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("true\\pred"))
    rows = [[int(v) for v in line.split()] for line in lines[header + 1 : header + 11]]
    assert [r[0] for r in rows] == list(range(10))
    counts = np.array([r[1:11] for r in rows])
    assert counts.sum() == len(yt) and np.trace(counts) == correct
    assert [r[11] for r in rows] == list(np.bincount(yt, minlength=10))


@pytest.mark.parametrize(
    "argv, named",
    [
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
    ],
)
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
        (["train", "--out", str(tmp_path / "m.json")], "train-images-idx3-ubyte"),  # no MNIST there
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
    for argv, code in ((["train", "--eta", "-1"], 2), (["evaluate", str(tmp_path / "none.json")], 2), (["--help"], 0)):
        p = subprocess.run(
            [sys.executable, "-m", "backprop", *argv], capture_output=True, text=True, env=env, timeout=60
        )
        assert p.returncode == code, p.stderr
        assert "Traceback" not in p.stderr
    assert "train" in p.stdout and "evaluate" in p.stdout and "bench" in p.stdout


def test_bench_loop_is_the_same_math_and_reports(uint8_data, monkeypatch, capsys):
    (x, y), _, _ = uint8_data
    result = bench.measure(x[:200], y[:200], "float64", repeats=1, log=print)
    assert result["max_abs_diff_one_step"] < 1e-12  # the per-example loop computes the same step
    assert result["vectorised_examples_per_s"] > 0 and result["loop_examples_per_s"] > 0
    assert result["ratio"] == pytest.approx(result["vectorised_examples_per_s"] / result["loop_examples_per_s"])
    monkeypatch.setattr(bench, "load_first", lambda n, directory=None, subset=None: (x[:n], y[:n], "test slice"))
    assert cli.main(["bench", "--n", "100", "--repeats", "1", "--dtype", "both"]) == 0
    out = capsys.readouterr().out
    assert "float64: vectorised" in out and "float32: vectorised" in out and "ratio" in out


# -- real folders, faults, and outputs checked before the work ----------------------------------------
@pytest.fixture
def idx_dir(tmp_path, monkeypatch):
    """A real MNIST-layout folder of small IDX files (10,050 training images: Nielsen's split leaves 50
    to train on, 10,000 to validate; 200 test images), declared canonical for the test. Nothing else
    can supply MNIST: no MNIST_DIR, an empty cache, mirrors that refuse."""
    s = mnist.read_subset(ROOT / "web" / "data" / "mnist-subset.npz")
    x = np.concatenate([s["x_train"], s["x_test"][:50]]).reshape(-1, 28, 28)
    y = np.concatenate([s["y_train"], s["y_test"][:50]])
    d = tmp_path / "idx"
    d.mkdir()
    arrays = {
        "train-images-idx3-ubyte": x,
        "train-labels-idx1-ubyte": y,
        "t10k-images-idx3-ubyte": s["x_test"][-200:].reshape(-1, 28, 28),
        "t10k-labels-idx1-ubyte": s["y_test"][-200:],
    }
    sums = {}
    for name, arr in arrays.items():
        mnist.write_idx(d / f"{name}.gz", arr)
        sums[name] = hashlib.sha256(mnist._raw_bytes(d / f"{name}.gz")).hexdigest()
    monkeypatch.setattr(mnist, "SHA256", sums)
    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("BACKPROP_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("MNIST_MIRRORS", "http://127.0.0.1:9/")
    return d


def test_mnist_dir_is_where_train_and_evaluate_read_mnist(tmp_path, idx_dir, run):
    code, out, err = run(
        [
            "train",
            "--sizes",
            "784,10",
            "--epochs",
            "1",
            "--seed",
            "1",
            "--mnist-dir",
            str(idx_dir),
            "--out",
            str(tmp_path / "m.json"),
        ],
    )
    assert code == 0, err
    assert "on 50 images; eval on 10,000 validation images" in out
    history = json.loads((tmp_path / "m.history.json").read_text())
    assert history["train_size"] == 50
    code, out, err = run(["evaluate", str(tmp_path / "m.json"), "--mnist-dir", str(idx_dir)])
    assert code == 0, err
    assert "(" in out and "/200)" in out  # the folder's 200 test digits
    code, _, err = run(["evaluate", str(tmp_path / "m.json")])  # without it: nothing to read
    assert code == 1 and "could not download" in err


def test_divergence_is_one_line_exit_1_and_saves_nothing(tmp_path, small, run):
    code, out, err = run(train_args(tmp_path / "m.json", "--eta", "1e6", "--lmbda", "5", "--force"))
    assert code == 1
    assert "became NaN at epoch 1, batch" in err and "nothing was saved" in err
    assert len([line for line in err.splitlines() if "error" in line]) == 1 and "Warning" not in err
    assert list(tmp_path.iterdir()) == []


def test_every_output_is_checked_before_training(tmp_path, small, run):
    (tmp_path / "m.history.json").write_text("keep")  # the history follows the model's rule
    code, out, err = run(train_args(tmp_path / "m.json"))
    assert code == 2 and "m.history.json" in err and "--force" in err and "epoch" not in out
    assert (tmp_path / "m.history.json").read_text() == "keep" and not (tmp_path / "m.json").exists()
    (tmp_path / "c.png").write_text("keep")
    code, out, err = run(train_args(tmp_path / "n.json", "--plot", str(tmp_path / "c.png")))
    assert code == 2 and "c.png" in err and "epoch" not in out
    code, out, err = run(train_args(tmp_path / "n.json", "--plot", str(tmp_path / "n.json")))
    assert code == 2 and "different files" in err
    os.mkfifo(tmp_path / "pipe.json")
    code, out, err = run(train_args(tmp_path / "pipe.json", "--force"))
    assert code == 2 and "named pipe" in err and "epoch" not in out
    if os.access("/dev/null", os.W_OK):
        code, out, err = run(train_args("/dev/null", "--force"))
        assert code == 2 and "character device" in err and "epoch" not in out


def test_ctrl_c_during_the_save_finishes_it_and_says_so(tmp_path, small, monkeypatch, run):
    real_save = backprop.Network.save

    def save_and_press_ctrl_c(net, path):
        os.kill(os.getpid(), signal.SIGINT)  # arrives while the model is being written
        real_save(net, path)

    monkeypatch.setattr(backprop.Network, "save", save_and_press_ctrl_c)
    code, out, err = run(train_args(tmp_path / "m.json"))
    assert code == 130
    assert "interrupted; saved" in err and "m.json" in err and "m.history.json" in err
    assert "nothing was saved" not in err
    assert backprop.load(tmp_path / "m.json").sizes == [784, 16, 10]
    assert json.loads((tmp_path / "m.history.json").read_text())["epochs"] == 2


@pytest.mark.parametrize("sizes", ["784,99999999999,10", "784," + ",".join(["5000"] * 2000) + ",10"])
def test_sizes_beyond_memory_are_refused_at_once_in_one_short_line(sizes, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["train", "--sizes", sizes])
    err = capsys.readouterr().err
    assert e.value.code == 2 and len(err.strip().splitlines()) == 1 and len(err) < 400
    assert "over the cap" in err


def test_hostile_model_files_are_one_line_exit_2(tmp_path, capsys):
    (tmp_path / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    d = backprop.Network([784, 10], seed=0).to_dict()
    d["cost"] = ["CrossEntropyCost"]
    (tmp_path / "cost.json").write_text(json.dumps(d))
    for name, named in (("deep.json", "nests"), ("cost.json", "unknown cost")):
        assert cli.main(["evaluate", str(tmp_path / name)]) == 2
        err = capsys.readouterr().err
        assert named in err and len(err.strip().splitlines()) == 1 and len(err) < 400
