"""The lab's exercises beyond "write backprop" that train a network: for each, the reference passes, the
skeleton does not, and every "find the bug" version fails in the layers its story says with a hint
naming the equation."""

import numpy as np
import pytest

from backprop.lab import check as lab
from backprop.lab import conv_check, exercises

# the exercises checked per layer of a network (chapter 6's layer exercises, per quantity: test_layer_exercises)
OTHERS = [k for k in exercises.EXERCISES if k != "backprop" and k not in conv_check.QUANTITIES]
BUGS = [(key, bug) for key in OTHERS for bug in exercises.get(key).texts.BUGS]


@pytest.mark.parametrize("key", OTHERS)
def test_the_reference_passes_and_the_skeleton_does_not(key):
    texts = exercises.get(key).texts
    report = lab.check_source(texts.REFERENCE, exercise=key)
    assert report["ok"], report["hint"]
    assert report["exercise"] == key and len(report["cases"]) == 2
    assert all(row["ok"] for case in report["cases"] for row in case["layers"])
    assert "PASS" in lab.format_report(report)
    assert not lab.check_source(texts.SKELETON, exercise=key)["ok"]


@pytest.mark.parametrize("key,bug", BUGS, ids=[f"{k}:{b}" for k, b in BUGS])
def test_each_bug_fails_where_its_story_says_with_its_hint(key, bug):
    spec = exercises.get(key).texts.BUGS[bug]
    report = lab.check_source(spec["code"], exercise=key)
    assert not report["ok"] and report["error"] is None, report
    failed = sorted(int(layer) for layer, v in report["verdicts"].items() if v == "fail")
    assert failed == spec["fails"]
    assert spec["hint"] in report["hint"], report["hint"]


def test_every_exercise_has_at_least_two_bugs_and_a_signature():
    for key in OTHERS:
        ex = exercises.get(key)
        assert len(ex.texts.BUGS) >= 2, key
        assert f"def {ex.function}(" in ex.texts.SKELETON and ex.signature.startswith(ex.function)


def test_the_wrong_function_for_an_exercise_is_named():
    report = lab.check_source(exercises.get("backprop").texts.REFERENCE, exercise="momentum")
    assert report["error"]["kind"] == "missing"
    assert "momentum_step(w, b, v_w, v_b, nabla_w, nabla_b, eta, mu, m)" in report["hint"]
    dropout = lab.check_source(exercises.get("backprop").texts.REFERENCE, exercise="dropout")
    assert dropout["error"]["kind"] == "signature" and "masks" in dropout["hint"]
    with pytest.raises(ValueError, match="no exercise 'lstm'"):
        lab.check_source("", exercise="lstm")


def test_the_dropout_check_uses_the_masks_of_its_cases():
    case = lab.cases(exercise="dropout")[1]
    assert all(set(np.unique(m)) <= {0.0, 2.0} for m in case.masks)
    seen = []

    def spy(weights, biases, x, y, cost, masks):
        seen.append([m.copy() for m in masks])
        return case.net._backprop(x, y, masks)

    assert lab.check_case(spy, case)["ok"]
    np.testing.assert_array_equal(seen[0][0], case.masks[0])


def test_a_momentum_step_that_returns_the_wrong_shape_is_a_plain_message():
    source = "def momentum_step(w, b, v_w, v_b, nabla_w, nabla_b, eta, mu, m):\n    return w.T, b, v_w, v_b\n"
    report = lab.check_source(source, exercise="momentum")
    assert report["error"]["kind"] == "shape" and "expected" in report["hint"]
