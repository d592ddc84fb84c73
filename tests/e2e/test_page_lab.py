"""Section 8, "Your own backprop", in real headless Chromium: a backprop typed on the keyboard passes the
check on every layer, every "find the bug" version fails with its hint and passes once fixed, a run with
the learner's backprop draws curves, an endless loop is stopped with the page still usable, and the code
survives a reload."""

import time

import pytest
from lab_steps import LAB_TIMEOUT_MS, editor_text, open_lab, press_check, type_code, verdicts  # noqa: F401

from backprop.lab import backprop_texts as lab_bugs

pytestmark = pytest.mark.e2e

# A correct backprop written differently from the package's reference (one loop for every layer).
TYPED = """\
import numpy as np
from backprop.activations import sigmoid, sigmoid_prime


def backprop(weights, biases, x, y, cost):
    activations, zs = [x], []
    for w, b in zip(weights, biases):
        zs.append(activations[-1] @ w.T + b.T)
        activations.append(sigmoid(zs[-1]))
    delta = cost.delta(zs[-1], activations[-1], y)
    nabla_b, nabla_w = [None] * len(weights), [None] * len(weights)
    for l in range(1, len(weights) + 1):
        if l > 1:
            delta = (delta @ weights[-l + 1]) * sigmoid_prime(zs[-l])
        nabla_b[-l] = delta.sum(axis=0)[:, None]
        nabla_w[-l] = delta.T @ activations[-l - 1]
    return nabla_b, nabla_w
"""


def test_a_backprop_typed_on_the_keyboard_passes_and_survives_a_reload(site, open_page):
    page = open_lab(open_page, site.url)
    assert editor_text(page).rstrip() == lab_bugs.SKELETON.rstrip()  # a first visit: the skeleton
    state, text = press_check(page)
    assert state == "fail" and "write the backward pass" in page.text_content("#lab-hint")

    type_code(page, TYPED)
    assert editor_text(page).rstrip() == TYPED.rstrip()
    state, text = press_check(page)
    assert (state, text) == ("pass", "pass — every layer"), page.text_content("#lab-hint")
    assert verdicts(page) == {"2": "pass", "3": "pass"}
    rows = page.eval_on_selector_all("#lab-table tbody tr", "trs => trs.map(t => t.lastElementChild.textContent)")
    assert rows == ["pass"] * 6
    assert page.locator("#lab-editor .cm-error-line").count() == 0

    page.reload()
    page.wait_for_function("window.__lab && window.__lab.ready", timeout=30_000)
    assert editor_text(page).rstrip() == TYPED.rstrip()
    page.click("#lab-reset")
    assert editor_text(page).rstrip() == lab_bugs.SKELETON.rstrip()
    assert page.errors == []


def test_every_bug_fails_with_its_hint_and_passes_when_fixed(site, open_page):
    page = open_lab(open_page, site.url)
    for bug, spec in lab_bugs.BUGS.items():
        page.select_option("#lab-bug", bug)
        page.click("#lab-load-bug")
        assert spec["story"] in page.text_content("#lab-story")
        state, _ = press_check(page)
        assert state in ("fail", "error"), bug
        assert spec["hint"] in page.text_content("#lab-hint"), (bug, page.text_content("#lab-hint"))
        failed = sorted(int(k) for k, v in verdicts(page).items() if v == "fail")
        assert failed == spec["fails"], bug

    # fix BP2 on the keyboard: select the buggy line, type the right one
    page.select_option("#lab-bug", "bp2-no-sigma-prime")
    page.click("#lab-load-bug")
    page.locator("#lab-editor .cm-line", has_text="# BP2").click()
    page.keyboard.press("End")
    page.keyboard.press("Shift+Home")
    page.keyboard.type("delta = (delta @ weights[-l + 1]) * sigmoid_prime(zs[-l])   # BP2")
    state, text = press_check(page)
    assert (state, text) == ("pass", "pass — every layer")

    # an exception marks its line in the editor
    page.locator("#lab-editor .cm-line", has_text="# BP2").click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")  # a new line, indented by the editor, in the loop's body
    page.keyboard.type("undefined_name")
    state, text = press_check(page)
    assert state == "error" and "NameError" in page.text_content("#lab-hint")
    assert "undefined_name" in page.text_content("#lab-editor .cm-error-line")
    assert text == f"fail — an error on line {_line_of(page, 'undefined_name')}"
    assert page.errors == []


def _line_of(page, needle):
    lines = editor_text(page).split("\n")
    return next(i + 1 for i, line in enumerate(lines) if needle in line)


def test_train_with_my_backprop_draws_curves(site, open_page):
    page = open_lab(open_page, site.url)
    type_code(page, TYPED)
    page.fill("#train-form [name=epochs]", "2")
    page.fill("#train-form [name=train_size]", "1000")
    page.click("#lab-train")
    page.wait_for_function(
        "!window.__lab.busy && document.getElementById('lab-status').dataset.state !== 'working'",
        timeout=LAB_TIMEOUT_MS,
    )
    status = page.text_content("#lab-status")
    assert page.get_attribute("#lab-status", "data-state") == "pass", status
    assert status.startswith("Done: 2 epochs with your backprop") and "the library's" in status
    runs = page.evaluate("window.__chart.runs")
    assert len(runs) == 1 and runs[0]["label"].startswith("yours: CE 784-30-10") and "ex/s (library" in runs[0]["label"]
    assert len(runs[0]["points"]) == 2 and runs[0]["status"] == "done"
    assert runs[0]["points"][-1]["eval_accuracy"] > 0.5
    assert int(page.get_attribute("#chart-accuracy", "data-points")) == 2
    assert "yours: CE" in page.text_content("#legend")
    assert page.errors == []


SLOW = """\
import time


def backprop(weights, biases, x, y, cost):
    t0 = time.time()
    while time.time() - t0 < 0.15:
        pass
    return [b * 0 for b in biases], [w * 0 for w in weights]
"""


def test_slow_code_is_asked_to_stop_between_networks(site, open_page):
    page = open_lab(open_page, site.url)
    type_code(page, SLOW)
    page.click("#lab-check")
    page.wait_for_function("document.getElementById('lab-status').textContent === 'Checking…'", timeout=LAB_TIMEOUT_MS)
    page.click("#lab-stop")
    page.wait_for_function("!window.__lab.busy", timeout=5000)
    assert page.get_attribute("#lab-status", "data-state") == "stopped"
    assert page.text_content("#lab-status") == "Stopped before the check finished."
    assert page.evaluate("window.__lab.restarts") == 0 and page.evaluate("window.__lab.stopMs") < 1000
    assert page.errors == []


def test_an_endless_loop_is_stopped_and_the_page_stays_usable(site, open_page):
    page = open_lab(open_page, site.url)
    type_code(page, "def backprop(weights, biases, x, y, cost):\n    while True:\n        pass\n")
    page.click("#lab-check")
    # wait until the lab's Python is running the endless loop: its worker says "checking…" and enters Python
    page.wait_for_function("document.getElementById('lab-status').textContent === 'Checking…'", timeout=LAB_TIMEOUT_MS)
    assert page.evaluate("window.__lab.busy")
    t0 = time.perf_counter()
    page.click("#lab-stop")
    page.wait_for_function("document.getElementById('lab-status').dataset.state === 'stopped'", timeout=5000)
    stop_ms = page.evaluate("window.__lab.stopMs")
    print(f"endless loop stopped in {stop_ms:.0f} ms in the page ({time.perf_counter() - t0:.2f} s seen from the test)")
    assert stop_ms < 1000
    assert "restarted" in page.text_content("#lab-status") and "kept" in page.text_content("#lab-status")
    assert page.evaluate("window.__lab.restarts") == 1 and not page.evaluate("window.__lab.busy")
    assert "while True:" in editor_text(page)
    assert not page.is_disabled("#lab-check") and page.is_disabled("#lab-stop")

    # the page's own worker was not touched: it still answers
    page.click("#draw-random")
    page.wait_for_function("document.getElementById('draw-guess').dataset.digit !== undefined", timeout=30_000)
    # and the fresh lab worker checks the next code
    page.select_option("#lab-bug", "averaged-twice")
    page.click("#lab-load-bug")
    state, _ = press_check(page)
    assert state == "fail" and "divided by m" in page.text_content("#lab-hint")
    assert page.errors == []
