"""Chapter 6's layer exercises (backprop.lab.conv_check): a convolution's and max-pooling's backward
pass, checked per quantity (∂C/∂b, ∂C/∂w, δ below) against central differences and the library's layer.
The reference and independent per-pixel loops pass; each "find the bug" version fails in exactly the
quantities its story says, with its hint; shape mistakes and exceptions are plain messages; the cases
are seeded and the tie case has ties."""

import numpy as np
import pytest

from backprop.lab import check as lab
from backprop.lab import conv_check, exercises
from backprop.nn.conv import Conv2D

LAYER_EXERCISES = list(conv_check.QUANTITIES)
BUGS = [(key, bug) for key in LAYER_EXERCISES for bug in exercises.get(key).texts.BUGS]


def loop_conv_backward(x, w, delta, in_shape):
    """The three quantities by the definition, one example, output position and offset at a time."""
    c, h, wd = in_shape
    c_out, _, k, _ = w.shape
    oh, ow = h - k + 1, wd - k + 1
    xs, ds = x.reshape(-1, c, h, wd), delta.reshape(-1, c_out, oh, ow)
    nabla_b, nabla_w, below = np.zeros((c_out, 1)), np.zeros_like(w), np.zeros_like(xs)
    for n in range(len(xs)):
        for o in range(c_out):
            for i in range(oh):
                for j in range(ow):
                    d = ds[n, o, i, j]
                    nabla_b[o, 0] += d
                    nabla_w[o] += d * xs[n, :, i : i + k, j : j + k]  # z[o, i, j] saw this patch
                    below[n, :, i : i + k, j : j + k] += d * w[o]
    return nabla_b, nabla_w, below.reshape(len(xs), -1)


def loop_pool_backward(x, delta, in_shape, size):
    c, h, w = in_shape
    xs, below = x.reshape(-1, c, h, w), np.zeros((len(x), c, h, w))
    ds = delta.reshape(-1, c, h // size, w // size)
    for n in range(len(xs)):
        for ch in range(c):
            for i in range(h // size):
                for j in range(w // size):
                    window = xs[n, ch, i * size : (i + 1) * size, j * size : (j + 1) * size]
                    p, q = divmod(int(np.argmax(window)), size)  # the first maximum, row-major
                    below[n, ch, i * size + p, j * size + q] = ds[n, ch, i, j]
    return below.reshape(len(x), -1)


@pytest.mark.parametrize("key", LAYER_EXERCISES)
def test_the_reference_and_a_loop_by_the_definition_pass(key):
    loop = {"conv": loop_conv_backward, "pool": loop_pool_backward}[key]
    for fn in (lab.load_backprop(exercises.get(key).texts.REFERENCE, exercise=key), loop):
        report = lab.check(fn, exercise=key)
        assert report["ok"] and report["error"] is None and report["hint"] == "", report["hint"]
        assert report["verdicts"] == {q: "pass" for q in conv_check.QUANTITIES[key]}
        assert report["quantities"] == conv_check.QUANTITIES[key] and len(report["cases"]) == 2
        for case in report["cases"]:
            for row in case["layers"]:
                assert row["numeric"] < 1e-8 and row["library"] < 1e-10 and row["checked"] > 0, row
        text = lab.format_report(report)
        assert "PASS: every quantity" in text and "δ below" in text


@pytest.mark.parametrize("key", LAYER_EXERCISES)
def test_the_skeleton_runs_and_fails_everywhere(key):
    report = lab.check_source(exercises.get(key).texts.SKELETON, exercise=key)
    assert report["error"] is None and set(report["verdicts"].values()) == {"fail"}
    assert "zero" in report["hint"]


@pytest.mark.parametrize("key,bug", BUGS, ids=[f"{k}:{b}" for k, b in BUGS])
def test_each_bug_fails_in_its_quantities_with_its_hint(key, bug):
    spec = exercises.get(key).texts.BUGS[bug]
    report = lab.check_source(spec["code"], exercise=key)
    assert not report["ok"] and report["error"] is None, report
    assert sorted(q for q, v in report["verdicts"].items() if v == "fail") == sorted(spec["fails"])
    assert spec["hint"] in report["hint"], report["hint"]
    assert "FAIL" in lab.format_report(report)


def test_each_exercise_has_bugs_a_signature_and_a_vectorised_reference():
    for key in LAYER_EXERCISES:
        ex = exercises.get(key)
        assert len(ex.texts.BUGS) >= 2 and ex.trains is None
        assert f"def {ex.function}(" in ex.texts.SKELETON
        # loops only over the kernel's offsets: never over examples (m) or pixels (h, w, oh, ow)
        for line in ex.texts.REFERENCE.splitlines():
            if line.strip().startswith("for "):
                assert line.strip() in ("for p in range(k):", "for q in range(k):"), line


def test_the_kernel_not_flipped_passes_bias_and_weights_and_fails_delta_against_both_oracles():
    report = lab.check_source(exercises.get("conv").texts.BUGS["conv-kernel-not-flipped"]["code"], exercise="conv")
    for case in report["cases"]:
        rows = {row["layer"]: row for row in case["layers"]}
        assert rows["nabla_b"]["ok"] and rows["nabla_w"]["ok"]
        assert rows["delta_below"]["numeric"] > 1e-2 and rows["delta_below"]["library"] > 1e-2


def test_the_check_is_independent_of_the_library(monkeypatch):
    """A library with a wrong ∂C/∂w fails the right answer against it, not against central differences."""
    right = Conv2D.gradients
    monkeypatch.setattr(
        Conv2D, "gradients", lambda self, delta, a: (lambda nb, nw: (nb, 2 * nw))(*right(self, delta, a))
    )
    report = lab.check(loop_conv_backward, exercise="conv")
    rows = {row["layer"]: row for row in report["cases"][0]["layers"]}
    assert not report["ok"] and rows["nabla_w"]["numeric"] < 1e-8 and rows["nabla_w"]["library"] > 0.1
    assert rows["nabla_b"]["ok"] and rows["delta_below"]["ok"]


def test_a_nudged_entry_fails_against_central_differences():
    def nudged(x, w, delta, in_shape):
        nabla_b, nabla_w, below = loop_conv_backward(x, w, delta, in_shape)
        below[:, :] += 1e-4  # every entry, so that the sampled differences see it
        return nabla_b, nabla_w, below

    report = lab.check(nudged, exercise="conv")
    row = report["cases"][0]["layers"][2]
    assert row["layer"] == "delta_below" and row["numeric"] > lab.TOLERANCE and not row["ok"]
    assert "δ below (BP2)" in report["hint"]


def _conv_returning(expr):
    return "import numpy as np\n\ndef conv_backward(x, w, delta, in_shape):\n" + "\n".join(
        [
            "    c, h, wd = in_shape",
            "    m, c_out, k = x.shape[0], w.shape[0], w.shape[2]",
            "    nabla_b, nabla_w, below = np.zeros((c_out, 1)), np.zeros_like(w), np.zeros_like(x)",
            f"    return {expr}",
        ]
    )


@pytest.mark.parametrize(
    "expr, quantity, message",
    [
        ("nabla_b[:, 0], nabla_w, below", "nabla_b", "nabla_b should be (3, 1), yours is (3,): keep it a column"),
        (
            "nabla_w.reshape(c_out, -1).sum(axis=1)[:, None], nabla_w.reshape(c_out, -1), below",
            "nabla_w",
            "nabla_w should be (3, 2, 3, 3), yours is (3, 18): the kernels' shape",
        ),
        ("nabla_b, np.zeros((m, *w.shape)), below", "nabla_w", "one per example? Sum over the batch's 3 examples"),
        (
            "nabla_b, nabla_w, below.reshape(m, c, h, wd)",
            "delta_below",
            "delta_below should be (3, 60), yours is (3, 2, 6, 5): rows as x",
        ),
        ("nabla_b, nabla_w, np.zeros((m, c_out * 4 * 3))", "delta_below", "one entry per input pixel"),
        ("nabla_b, nabla_w, None", "delta_below", "delta_below is None"),
    ],
)
def test_shape_mistakes_name_the_quantity(expr, quantity, message):
    report = lab.check_source(_conv_returning(expr), exercise="conv")
    assert report["error"]["kind"] == "shape" and report["error"]["layer"] == quantity
    assert report["error"]["line"] == 7 and report["hint"].startswith("line 7: ")  # their return statement
    assert message in report["hint"], report["hint"]
    assert report["verdicts"] == {quantity: "fail"}


def test_a_conv_returning_two_things_and_a_pool_returning_images_are_named():
    two = lab.check_source(_conv_returning("nabla_b, nabla_w"), exercise="conv")
    assert two["error"]["kind"] == "return" and "three arrays; yours returned a tuple of 2" in two["hint"]
    images = "def pool_backward(x, delta, in_shape, size):\n    return x.reshape(len(x), *in_shape)\n"
    report = lab.check_source(images, exercise="pool")
    assert "line 2: delta_below should be (2, 48), yours is (2, 2, 4, 6): rows as x" in report["hint"]
    two_returns = "def pool_backward(x, delta, in_shape, size):\n    if size:\n        return x[:, :1]\n    return x\n"
    report = lab.check_source(two_returns, exercise="pool")
    assert report["error"]["line"] is None and report["hint"].startswith("delta_below should be")


def test_an_exception_points_at_its_line_and_the_wrong_function_is_named():
    source = "import numpy as np\n\n\ndef pool_backward(x, delta, in_shape, size):\n    return delta @ x\n"
    report = lab.check_source(source, exercise="pool")
    assert report["error"]["kind"] == "exception" and report["error"]["line"] == 5
    assert report["hint"].startswith("line 5: ValueError")
    wrong = lab.check_source(exercises.get("pool").texts.REFERENCE, exercise="conv")
    assert wrong["error"]["kind"] == "missing" and "conv_backward(x, w, delta, in_shape)" in wrong["hint"]


def test_the_cases_are_seeded_and_the_tie_case_has_ties_and_clear_windows():
    a, b, c = (conv_check.cases_for("pool", seed) for seed in (7, 7, 8))
    assert all(np.array_equal(p.x, q.x) and np.array_equal(p.t, q.t) for p, q in zip(a, b))
    assert not np.array_equal(a[0].x, c[0].x)
    conv_a, conv_b = conv_check.cases_for("conv", 7), conv_check.cases_for("conv", 7)
    assert np.array_equal(conv_a[0].w, conv_b[0].w) and np.array_equal(conv_a[1].x, conv_b[1].x)
    ties = a[1]
    assert ties.ties and ties.layer.size == 3
    windows = ties.layer._windows(ties.x)
    tied = (windows == windows.max(axis=-1, keepdims=True)).sum(axis=-1) > 1
    clear = conv_check._clear_windows(ties)
    assert tied.any() and clear.any() and not clear.all()  # differences only where a derivative exists
    with pytest.raises(ValueError, match="no layer exercise 'lstm'"):
        conv_check.cases_for("lstm")


def test_their_code_gets_copies():
    def vandal(x, w, delta, in_shape):
        result = loop_conv_backward(x, w, delta, in_shape)
        x[:], w[:], delta[:] = 0, 0, 0
        return result

    assert lab.check(vandal, exercise="conv")["ok"]


def test_delta_to_every_tied_maximum_and_a_quantity_left_at_zero_are_named():
    from backprop.lab import conv_texts, pool_texts

    every = pool_texts.REFERENCE.replace(
        "routed = (np.arange(s * s) == first) * d", "routed = (windows == windows.max(axis=-1, keepdims=True)) * d"
    )
    report = lab.check_source(every, exercise="pool")
    assert report["cases"][0]["ok"] and not report["cases"][1]["ok"]  # only the case with ties can tell
    assert "goes to every maximum" in report["hint"], report["hint"]
    zero_b = conv_texts.REFERENCE.replace("nabla_b = d.sum(axis=(0, 2, 3))[:, None]", "nabla_b = np.zeros((c_out, 1))")
    report = lab.check_source(zero_b, exercise="conv")
    assert report["verdicts"] == {"nabla_b": "fail", "nabla_w": "pass", "delta_below": "pass"}
    assert report["hint"].startswith("∂C/∂b is all zeros on 2 maps 6×5") and "every position" in report["hint"]
