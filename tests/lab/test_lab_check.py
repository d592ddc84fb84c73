"""The lab's check (backprop.lab): the reference passes, every "find the bug" version fails where and
with the hint it should, shapes and exceptions give their plain messages, and a learner's backprop
trains in the library's SGD step."""

import numpy as np
import pytest

from backprop.activations import sigmoid, sigmoid_prime
from backprop.lab import backprop_texts as lab_bugs
from backprop.lab import check as lab
from backprop.nn.costs import CrossEntropyCost
from backprop.nn.network import Network


def per_example_backprop(weights, biases, x, y, cost):
    """An independent oracle written the book's way: one example at a time, columns as vectors."""
    nabla_b = [np.zeros_like(b) for b in biases]
    nabla_w = [np.zeros_like(w) for w in weights]
    for xi, yi in zip(x, y):
        a, activations, zs = xi[:, None], [xi[:, None]], []
        for w, b in zip(weights, biases):
            z = w @ a + b
            zs.append(z)
            a = sigmoid(z)
            activations.append(a)
        delta = cost.delta(zs[-1].T, activations[-1].T, yi[None, :]).T
        nabla_b[-1] += delta
        nabla_w[-1] += delta @ activations[-2].T
        for l in range(2, len(weights) + 1):
            delta = (weights[-l + 1].T @ delta) * sigmoid_prime(zs[-l])
            nabla_b[-l] += delta
            nabla_w[-l] += delta @ activations[-l - 1].T
    return nabla_b, nabla_w


def test_the_reference_and_an_independent_per_example_backprop_pass():
    for fn in (lab.load_backprop(lab_bugs.REFERENCE), per_example_backprop):
        report = lab.check(fn)
        assert report["ok"] and report["error"] is None and report["hint"] == ""
        assert report["verdicts"] == {"2": "pass", "3": "pass"}
        assert [c["name"] for c in report["cases"]] == [
            "4-3-2, cross-entropy",
            "4-3-2, quadratic",
            "784-30-10, cross-entropy",
        ]
        for case in report["cases"]:
            for row in case["layers"]:
                assert max(row["b_numeric"], row["w_numeric"]) < 1e-8
                assert max(row["b_library"], row["w_library"]) < 1e-10
        assert "PASS" in lab.format_report(report)


def test_the_check_is_independent_of_the_library():
    """A gradient off by 1e-5 in one weight fails against central differences, not only the library."""

    def nudged(weights, biases, x, y, cost):
        nb, nw = per_example_backprop(weights, biases, x, y, cost)
        nw[1][0, 0] += 1e-3
        return nb, nw

    report = lab.check(nudged)
    row = report["cases"][0]["layers"][1]
    assert not report["ok"] and row["w_numeric"] > lab.TOLERANCE and row["b_ok"]
    assert "BP4" in report["hint"]


def test_the_skeleton_compiles_and_fails_on_every_layer():
    report = lab.check_source(lab_bugs.SKELETON)
    assert report["error"] is None and not report["ok"]
    assert report["verdicts"] == {"2": "fail", "3": "fail"}
    assert "write the backward pass" in report["hint"]


@pytest.mark.parametrize("bug", sorted(lab_bugs.BUGS))
def test_every_bug_fails_in_its_layers_with_its_hint(bug):
    spec = lab_bugs.BUGS[bug]
    assert spec["code"] != lab_bugs.REFERENCE and spec["story"] and spec["title"]
    report = lab.check_source(spec["code"])
    assert not report["ok"]
    failed = sorted(int(k) for k, v in report["verdicts"].items() if v == "fail")
    assert failed == spec["fails"], (failed, report["hint"])
    assert spec["hint"] in report["hint"], report["hint"]
    assert "FAIL" in lab.format_report(report)


def test_each_bug_has_its_own_hint():
    hints = {lab.check_source(b["code"])["hint"] for b in lab_bugs.BUGS.values()}
    assert len(hints) == len(lab_bugs.BUGS) >= 5


def _wrong(change):
    def fn(weights, biases, x, y, cost):
        nb, nw = per_example_backprop(weights, biases, x, y, cost)
        return change(nb, nw)

    return fn


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda nb, nw: (nb, [nw[0].T, nw[1]]), "nabla_w[0] should be (3, 4), yours is (4, 3): a transpose?"),
        (lambda nb, nw: ([nb[0], nb[1][:, 0]], nw), "nabla_b[1] should be (2, 1), yours is (2,): keep it a column"),
        (
            lambda nb, nw: ([nb[0], np.ones((3, 2))], nw),
            "nabla_b[1] should be (2, 1), yours is (3, 2): one row per example? Sum over the batch's 3 examples",
        ),
        (lambda nb, nw: (nb, nw[1:]), "nabla_w should have 2 arrays, one per layer of weights; yours has 1"),
        (lambda nb, nw: nw[0], "backprop should return (nabla_b, nabla_w), two lists; yours returned a ndarray"),
        (
            lambda nb, nw: (nb, nw, 0),
            "backprop should return (nabla_b, nabla_w), two lists; yours returned a tuple of 3",
        ),
        (lambda nb, nw: (nb[0], nw), "nabla_b should be a list of 2 arrays, one per layer; yours is a ndarray"),
        (lambda nb, nw: (nb, [None, nw[1]]), "nabla_w[0] is None"),
        (lambda nb, nw: (nb, [nw[0] * np.nan, nw[1]]), "nabla_w[0] has NaN or infinite values"),
    ],
)
def test_shape_mistakes_get_plain_messages(change, message):
    report = lab.check(_wrong(change))
    assert not report["ok"] and report["error"]["message"].startswith(message), report["error"]
    assert report["hint"] == report["error"]["message"]


def test_the_issues_transpose_message_on_the_real_network():
    transposed = _wrong(lambda nb, nw: (nb, [w.T for w in nw]))
    with pytest.raises(
        lab.LabError,
        match=r"^nabla_w\[0\] should be \(30, 784\), yours is \(784, 30\): "
        r"a transpose\?$",
    ):
        lab.check_case(transposed, lab.cases()[2])


def test_exceptions_point_at_their_line():
    source = lab_bugs.REFERENCE.replace(
        "    return nabla_b, nabla_w\n", "    nabla_b[7]\n    return nabla_b, nabla_w\n"
    )
    line = source.splitlines().index("    nabla_b[7]") + 1
    report = lab.check_source(source)
    assert report["error"] == {
        "kind": "exception",
        "line": line,
        "layer": None,
        "case": "4-3-2, cross-entropy",
        "message": f"line {line}: IndexError: list index out of range",
    }
    assert not report["ok"] and report["verdicts"] == {}


def test_an_exception_deep_in_a_helper_points_at_the_deepest_line_of_their_code():
    source = "def helper(x):\n    return x.nope\n\ndef backprop(weights, biases, x, y, cost):\n    return helper(x)\n"
    assert lab.check_source(source)["error"]["line"] == 2


@pytest.mark.parametrize(
    "source, kind, line, message",
    [
        ("def backprop(weights, biases, x, y, cost):\n    return (\n", "syntax", 2, "line 2: SyntaxError: "),
        ("import numpy as np\nundefined_name\n", "exception", 2, "line 2: NameError: name 'undefined_name'"),
        ("def back_prop(weights, biases, x, y, cost):\n    pass\n", "missing", None, "your code defines no function"),
        (
            "\ndef backprop(weights, biases, x):\n    pass\n",
            "signature",
            2,
            "backprop should take (weights, biases, x, y, cost); yours takes (weights, biases, x)",
        ),
    ],
)
def test_code_that_does_not_load(source, kind, line, message):
    report = lab.check_source(source)
    assert report["error"]["kind"] == kind and report["error"]["line"] == line
    assert report["error"]["message"].startswith(message), report["error"]["message"]
    assert not report["ok"] and report["finished"]


def test_their_code_gets_copies():
    """A backprop that scribbles over its arguments changes nothing the check compares against."""

    def scribbler(weights, biases, x, y, cost):
        out = per_example_backprop(weights, biases, x, y, cost)
        for a in (*weights, *biases, x, y):
            a[...] = 0
        return out

    assert lab.check(scribbler)["ok"]


def test_check_steps_yields_after_each_network():
    steps = list(lab.check_steps(lab.load_backprop(lab_bugs.REFERENCE)))
    assert [len(s["cases"]) for s in steps] == [1, 2, 3, 3]
    assert steps[-1]["finished"] and steps[-1]["ok"]
    with pytest.raises(TypeError, match="must be a function"):
        lab.check("def backprop(): pass")
    with pytest.raises(TypeError, match="must be text"):
        lab.load_backprop(b"code")


def test_lab_digits():
    x, labels = lab.lab_digits()
    assert x.shape == (4, 784) and 0 <= x.min() and x.max() <= 1 and x.max() > 0.9
    assert labels.tolist() == [7, 2, 1, 0]


def test_their_backprop_trains_in_the_librarys_sgd_step():
    rng = np.random.default_rng(3)
    x, y = rng.random((40, 6)), rng.integers(0, 3, 40)
    runs = []
    for gradient in (
        None,
        lab.checked_gradient(per_example_backprop),
        lab.checked_gradient(lab.load_backprop(lab_bugs.REFERENCE)),
    ):
        net = Network([6, 5, 3], seed=4)
        for _ in net.train_steps(x, y, 2, 7, 0.5, 1.0, eval_data=(x, y), gradient=gradient):
            pass
        runs.append(net)
    for other in runs[1:]:
        for a, b in zip(runs[0].weights + runs[0].biases, other.weights + other.biases):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
    broken = lab.checked_gradient(lab.load_backprop(lab_bugs.BUGS["transposed-nabla-w"]["code"]))
    with pytest.raises(lab.LabError, match="a transpose"):
        next(Network([6, 5, 3], seed=4).train_steps(x, y, 1, 7, 0.5, gradient=broken))


def test_compare_speed_times_both():
    rng = np.random.default_rng(5)
    x, labels = rng.random((60, 8)), rng.integers(0, 4, 60)
    y = np.eye(4)[labels]
    speeds = lab.compare_speed(per_example_backprop, [8, 6, 4], x, y, 10, CrossEntropyCost, seconds=0.01)
    assert set(speeds) == {"yours", "library"} and min(speeds.values()) > 0


def test_weight_decay_inside_backprop_is_named():
    def decayed(weights, biases, x, y, cost):
        nb, nw = per_example_backprop(weights, biases, x, y, cost)
        return nb, [g + 0.01 * w for g, w in zip(nw, weights)]

    report = lab.check(decayed)
    assert not report["ok"] and "nabla_w is off by a multiple of the weights" in report["hint"]
