"""python -m backprop check: the lab's gradient check (backprop.lab.check) on a file that defines
backprop(weights, biases, x, y, cost) — the same table, verdict and hint as the page's lab."""

import subprocess
import sys

import pytest

from ci_support import ROOT


# -- check: the lab's gradient check on a file ------------------------------------------------------------
def test_check_passes_the_reference_and_exits_0(tmp_path, run):
    from backprop.lab import backprop_texts as lab_bugs

    path = tmp_path / "my_backprop.py"
    path.write_text(lab_bugs.REFERENCE, encoding="utf-8")
    code, out, err = run(["check", str(path)])
    assert code == 0 and err == ""
    assert out.count("  pass\n") == 6 and "784-30-10, cross-entropy   2 (30×784)" in out
    assert out.rstrip().endswith("PASS: every layer agrees with central differences and with the library's backprop.")


def test_check_fails_a_bug_with_its_hint_and_exits_1(tmp_path, run):
    from backprop.lab import backprop_texts as lab_bugs

    path = tmp_path / "bp2.py"
    path.write_text(lab_bugs.BUGS["bp2-no-sigma-prime"]["code"], encoding="utf-8")
    code, out, _ = run(["check", str(path)])
    assert code == 1 and "FAIL" in out and "look at BP2" in out
    assert "verdict per layer: layer 2 fail, layer 3 pass" in out


def test_check_shows_the_line_of_an_exception(tmp_path, run):
    path = tmp_path / "broken.py"
    path.write_text("def backprop(weights, biases, x, y, cost):\n    return weights[99]\n", encoding="utf-8")
    code, out, _ = run(["check", str(path)])
    assert code == 1
    assert out.splitlines()[:2] == [f"{path}, line 2:", "    return weights[99]"]
    assert "FAIL on 4-3-2, cross-entropy: line 2: IndexError" in out


def test_check_of_a_missing_file_is_a_usage_error(tmp_path, run):
    code, out, err = run(["check", str(tmp_path / "nope.py")])
    assert (
        code == 2
        and out == ""
        and err.strip() == f"python -m backprop check: error: {tmp_path / 'nope.py'}: no such file"
    )


def test_check_runs_as_a_module(tmp_path):
    from backprop.lab import backprop_texts as lab_bugs

    path = tmp_path / "averaged.py"
    path.write_text(lab_bugs.BUGS["averaged-twice"]["code"], encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "backprop", "check", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT / "py",
        timeout=120,
    )
    assert done.returncode == 1 and "divided by m" in done.stdout


def test_check_speed_times_theirs_and_the_librarys(tmp_path, monkeypatch, run):
    from backprop.lab import backprop_texts as lab_bugs
    from backprop.lab import check as lab

    monkeypatch.setattr(lab, "compare_speed", lambda *a, **k: {"yours": 1000.0, "library": 2500.0})
    path = tmp_path / "mine.py"
    path.write_text(lab_bugs.REFERENCE, encoding="utf-8")
    code, out, _ = run(["check", str(path), "--speed"])
    assert code == 0
    assert out.splitlines()[-1] == (
        "SGD steps, 784-30-10, batch 10: yours 1,000 examples/s, the library's 2,500 examples/s (2.50× yours)"
    )


def test_check_takes_the_exercise(tmp_path, run):
    from backprop.lab import exercises

    texts = exercises.get("relu").texts
    path = tmp_path / "relu.py"
    path.write_text(texts.REFERENCE, encoding="utf-8")
    code, out, _ = run(["check", "--exercise", "relu", str(path)])
    assert code == 0 and "784-30-10, ReLU" in out and out.rstrip().endswith("library's backprop.")
    path.write_text(texts.BUGS["relu-step-forgotten"]["code"], encoding="utf-8")
    code, out, _ = run(["check", "--exercise", "relu", str(path)])
    assert code == 1 and "relu′ is the step" in out
    code, out, _ = run(["check", str(path), "--exercise", "momentum"])
    assert code == 1 and "defines no function momentum_step" in out
    with pytest.raises(SystemExit) as e:
        run(["check", str(path), "--exercise", "lstm"])
    assert e.value.code == 2


@pytest.mark.parametrize("key", ["conv", "pool"])
def test_check_takes_the_layer_exercises_per_quantity(tmp_path, run, key):
    from backprop.lab import exercises

    texts = exercises.get(key).texts
    path = tmp_path / f"my_{key}.py"
    path.write_text(texts.REFERENCE, encoding="utf-8")
    code, out, err = run(["check", str(path), "--exercise", key])
    assert code == 0 and err == "", out
    assert "δ below" in out and out.count("  pass\n") == (6 if key == "conv" else 2)
    assert out.rstrip().endswith("PASS: every quantity agrees with central differences and with the library's layer.")
    bug, spec = next(iter(texts.BUGS.items()))
    path.write_text(spec["code"], encoding="utf-8")
    code, out, _ = run(["check", str(path), "--exercise", key])
    assert code == 1 and spec["hint"] in out, (bug, out)
    assert "verdict: " in out and "δ below fail" in out
